/* coverage.c - semantic coverage counters (see coverage.h). */
#define _POSIX_C_SOURCE 200809L /* getpid */
#include "coverage.h"
#include "fuzz_helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_IMPLS SPIDX_MAX_IMPLS

#define SPIDX_COV_NAME(name) #name,
static const char *const k_names[COV_COUNT] = {SPIDX_COVERAGE_CATEGORIES(SPIDX_COV_NAME)};
#undef SPIDX_COV_NAME

static uint64_t g_counts[MAX_IMPLS][COV_COUNT];
static uint64_t g_inputs[MAX_IMPLS];
/* Inputs outside what an implementation declares (case_applies): not run on it. */
static uint64_t g_na_counts[MAX_IMPLS][COV_COUNT];
static uint64_t g_na_inputs[MAX_IMPLS];
static const char *g_target = "spidx";

#ifdef SPIDX_LIBFUZZER
/* libFuzzer treats each non-zero byte here as a feature, so inputs that reach a
 * category not yet seen for an implementation are kept in the corpus. */
__attribute__((section("__libfuzzer_extra_counters"))) static uint8_t g_extra[MAX_IMPLS * COV_COUNT];
#endif

const char *coverage_name(int category)
{
    return category >= 0 && category < COV_COUNT ? k_names[category] : "?";
}

void coverage_classify(const spidx_case *c, spidx_status status, uint8_t hit[COV_COUNT])
{
    memset(hit, 0, COV_COUNT);
    const spidx_params *p = &c->p;
    hit[status == SPIDX_OK ? COV_status_ok
        : status == SPIDX_E_ARG ? COV_e_arg
        : status == SPIDX_E_STRIDE ? COV_e_stride
        : status == SPIDX_E_TOO_LARGE ? COV_e_too_large
                                      : COV_e_heavy_range] = status <= SPIDX_E_HEAVY_RANGE;
    hit[p->index_type == SPIDX_INDEX_I32 ? COV_index_int32 : COV_index_int64] = 1;
    hit[p->weight_type == SPIDX_WEIGHT_F16    ? COV_weight_float16
        : p->weight_type == SPIDX_WEIGHT_BF16 ? COV_weight_bfloat16
                                              : COV_weight_float32] = 1;
    hit[p->mode == SPIDX_MODE_KEEP ? COV_mode_keep : COV_mode_zero] = 1;
    hit[COV_null_buffer] = c->null_mask != 0;
    hit[COV_fill_nan] = c->fill == SPIDX_FILL_NAN;
    hit[COV_fill_negzero] = c->fill == SPIDX_FILL_NEGZERO;
    hit[COV_fill_one] = c->fill == SPIDX_FILL_ONE;
    hit[COV_call_twice] = c->call == SPIDX_CALL_TWICE;
    hit[COV_call_after_larger] = c->call == SPIDX_CALL_AFTER_LARGER;
    hit[COV_call_stream] = c->call == SPIDX_CALL_STREAM;
    hit[COV_call_two_streams] = c->call == SPIDX_CALL_TWO_STREAMS;
    hit[COV_call_graph] = c->call == SPIDX_CALL_GRAPH;
    if (c->check != SPIDX_OK) return;

    const int64_t S = c->shape.S, H = c->shape.H, W = c->shape.W, T = c->shape.T, sk = p->sk;
    hit[COV_sink_empty] = S == 0;
    hit[COV_heavy_empty] = H == 0;
    hit[COV_window_empty] = W == 0;
    hit[COV_all_regions_empty] = T == 0;
    hit[COV_sk_zero] = sk == 0;
    hit[COV_rows_zero] = c->shape.rows == 0;
    hit[COV_sink_window_overlap] = S + W > sk;
    hit[COV_list_longer_than_sk] = T > sk;
    hit[COV_init_offset_past_sk] = p->init_offset >= sk && H > 0;
    hit[COV_many_rows] = c->shape.rows > 65535;
    hit[COV_multi_block_row] = sk > 65536 && c->shape.rows > 0;
    /* Sizes where tiled kernels change regime: more rows than one wave of blocks (a
     * block then handles several rows, and per-block state must be reset between them),
     * and rows split over several tiles of 2,048 elements. */
    hit[COV_rows_beyond_one_wave] = c->shape.rows > 1024 && sk > 0;
    hit[COV_multi_chunk_row] = sk > 2048 && c->shape.rows > 0;
    /* Padded: some non-empty tensor spans more than rows x L elements (gaps between
     * rows). Permuted: the batch stride is below the head stride ([h][b] storage). */
    const int64_t rows = c->shape.rows;
    hit[COV_padded_strides] = (H > 0 && c->shape.topk_span > rows * H) || (T > 0 && c->shape.list_span > rows * T) ||
                              (sk > 0 && c->shape.weight_span > rows * sk);
    hit[COV_permuted_strides] = p->b > 1 && p->h > 1 &&
                                ((sk > 0 && p->weight_sb < p->weight_sh) || (T > 0 && p->list_sb < p->list_sh));

    /* Heavy entries: where they land, duplicates, invalid kinds. The seen-bitmap is
     * only built for rows short enough to make it cheap. */
    uint8_t *seen = sk > 0 && sk <= (1 << 20) ? calloc((size_t)sk, 1) : NULL;
    for (int64_t bi = 0; bi < p->b && H > 0 && c->shape.rows > 0; bi++)
        for (int64_t hi = 0; hi < p->h; hi++) {
            if (seen) memset(seen, 0, (size_t)sk);
            for (int64_t k = 0; k < H; k++) {
                const int64_t t = case_get_topk(c, bi, hi, k);
                if (t < 0) {
                    hit[COV_invalid_negative] = 1;
                    hit[COV_invalid_int64_extreme] |= t == INT64_MIN;
                    continue;
                }
                if (t >= sk - p->init_offset) {
                    hit[COV_invalid_past_end] = 1;
                    hit[COV_invalid_int64_extreme] |= t == INT64_MAX;
                    continue;
                }
                const int64_t v = t + p->init_offset;
                hit[COV_heavy_in_sink] |= v < S;
                hit[COV_heavy_in_window] |= v >= sk - W;
                if (seen) {
                    hit[COV_heavy_duplicates] |= seen[v];
                    seen[v] = 1;
                }
            }
        }
    free(seen);
}

void coverage_record(int impl_index, const uint8_t hit[COV_COUNT])
{
    if (impl_index < 0 || impl_index >= MAX_IMPLS) return;
    g_inputs[impl_index]++;
    for (int k = 0; k < COV_COUNT; k++) {
        g_counts[impl_index][k] += hit[k];
#ifdef SPIDX_LIBFUZZER
        if (hit[k]) g_extra[impl_index * COV_COUNT + k] = 1;
#endif
    }
}

void coverage_record_na(int impl_index, const uint8_t hit[COV_COUNT])
{
    if (impl_index < 0 || impl_index >= MAX_IMPLS) return;
    g_na_inputs[impl_index]++;
    for (int k = 0; k < COV_COUNT; k++) g_na_counts[impl_index][k] += hit[k];
}

unsigned long long coverage_inputs(int impl_index)
{
    return impl_index >= 0 && impl_index < MAX_IMPLS ? (unsigned long long)g_inputs[impl_index] : 0;
}

unsigned long long coverage_na_inputs(int impl_index)
{
    return impl_index >= 0 && impl_index < MAX_IMPLS ? (unsigned long long)g_na_inputs[impl_index] : 0;
}

void coverage_record_na_categories(int impl_index, const uint8_t hit[COV_COUNT])
{
    if (impl_index < 0 || impl_index >= MAX_IMPLS) return;
    for (int k = 0; k < COV_COUNT; k++) g_na_counts[impl_index][k] += hit[k];
}

/* The not-applicable table: one column per implementation that had such inputs. */
static void report_not_applicable(const spidx_impl *impls, size_t n)
{
    int any = 0;
    for (size_t i = 0; i < n; i++) any |= g_na_inputs[i] != 0;
    if (!any) return;
    fprintf(stderr, "not applicable (inputs outside what the implementation declares; not run, not passed)\n%-24s",
            "category");
    for (size_t i = 0; i < n; i++)
        if (g_na_inputs[i]) fprintf(stderr, " %12s", impls[i].name);
    fprintf(stderr, "\n%-24s", "inputs");
    for (size_t i = 0; i < n; i++)
        if (g_na_inputs[i]) fprintf(stderr, " %12llu", (unsigned long long)g_na_inputs[i]);
    fputc('\n', stderr);
    for (int k = 0; k < COV_COUNT; k++) {
        fprintf(stderr, "%-24s", k_names[k]);
        for (size_t i = 0; i < n; i++)
            if (g_na_inputs[i]) fprintf(stderr, " %12llu", (unsigned long long)g_na_counts[i][k]);
        fputc('\n', stderr);
    }
}

/* The coverage table: one column per implementation that ran inputs, then the
 * not-applicable table and the count of uncovered (category, implementation) pairs. */
static void coverage_table(const spidx_impl *impls, size_t n)
{
    fprintf(stderr, "\nsemantic coverage of %s (inputs per category and implementation)\n%-24s", g_target, "category");
    for (size_t i = 0; i < n; i++)
        if (g_inputs[i]) fprintf(stderr, " %12s", impls[i].name);
    fprintf(stderr, "\n%-24s", "inputs");
    int uncovered = 0, not_applicable = 0;
    for (size_t i = 0; i < n; i++)
        if (g_inputs[i]) fprintf(stderr, " %12llu", (unsigned long long)g_inputs[i]);
    fputc('\n', stderr);
    for (int k = 0; k < COV_COUNT; k++) {
        fprintf(stderr, "%-24s", k_names[k]);
        for (size_t i = 0; i < n; i++) {
            if (!g_inputs[i]) continue;
            fprintf(stderr, " %12llu", (unsigned long long)g_counts[i][k]);
            /* A category reached only by inputs the implementation does not declare is
             * not applicable to it, not uncovered. */
            if (g_counts[i][k] == 0) {
                uncovered += g_na_counts[i][k] == 0;
                not_applicable += g_na_counts[i][k] != 0;
            }
        }
        fputc('\n', stderr);
    }
    report_not_applicable(impls, n);
    fprintf(stderr, "uncovered (category, implementation) pairs: %d", uncovered);
    if (not_applicable) fprintf(stderr, "; not applicable: %d", not_applicable);
    fputc('\n', stderr);
}

void coverage_report(void)
{
    size_t n;
    const spidx_impl *impls = spidx_impls(&n);
    if (n > MAX_IMPLS) n = MAX_IMPLS;
    unsigned long long ran = 0;
    for (size_t i = 0; i < n; i++) ran += g_inputs[i] + g_na_inputs[i];
    if (ran == 0) {
        /* An empty table would read as "0 uncovered pairs": say that nothing was counted. */
        fprintf(stderr, "\nsemantic coverage of %s: no input ran in this process (under -fork=N the jobs count "
                        "their own: SPIDX_COVERAGE_JSON, the campaign's report)\n", g_target);
    } else {
        coverage_table(impls, n);
    }
    const char *tmpl = getenv("SPIDX_COVERAGE_JSON");
    if (!tmpl || !*tmpl) return;
    /* "%p" becomes the process id: libFuzzer's fork mode runs many jobs, one file each. */
    char path[1024];
    const char *pp = strstr(tmpl, "%p");
    if (pp)
        snprintf(path, sizeof path, "%.*s%ld%s", (int)(pp - tmpl), tmpl, (long)getpid(), pp + 2);
    else
        snprintf(path, sizeof path, "%s", tmpl);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "spidx: cannot write %s\n", path);
        return;
    }
    fprintf(f, "{\"target\": \"%s\", ", g_target);
    double startup = 0, lifetime = 0;
    if (fuzz_startup_times(&startup, &lifetime))
        fprintf(f, "\"startup_s\": %.3f, \"lifetime_s\": %.3f, ", startup, lifetime);
    fprintf(f, "\"implementations\": {");
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        if (!g_inputs[i] && !g_na_inputs[i]) continue;
        fprintf(f, "%s\"%s\": {\"inputs\": %llu, \"categories\": {", first ? "" : ", ", impls[i].name,
                (unsigned long long)g_inputs[i]);
        for (int k = 0; k < COV_COUNT; k++)
            fprintf(f, "%s\"%s\": %llu", k ? ", " : "", k_names[k], (unsigned long long)g_counts[i][k]);
        fprintf(f, "}, \"not_applicable\": {\"inputs\": %llu, \"categories\": {", (unsigned long long)g_na_inputs[i]);
        for (int k = 0; k < COV_COUNT; k++)
            fprintf(f, "%s\"%s\": %llu", k ? ", " : "", k_names[k], (unsigned long long)g_na_counts[i][k]);
        fprintf(f, "}}}");
        first = 0;
    }
    fprintf(f, "}}\n");
    fclose(f);
}

void coverage_install(const char *target_name)
{
    g_target = target_name;
    atexit(coverage_report);
}
