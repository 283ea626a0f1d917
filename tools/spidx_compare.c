/* spidx_compare.c - spidx_compare: runs every available implementation over a
 * table of hand-written adversarial cases and compares each with the reference bit
 * for bit. Usage: spidx_compare [-v] [--plugin PATH]... [NAME...]   (exit 0: all agree,
 * 1: mismatch, 2: no case named matches, a plug-in does not load, or SPIDX_IMPLS names one
 * that cannot run). The implementations are picked by SPIDX_IMPLS (default: all
 * available, plug-ins of SPIDX_PLUGINS and --plugin included); the last line names them. */
#define _POSIX_C_SOURCE 200809L /* fmemopen */
#include <stdlib.h>
#include <string.h>

#include "case_helpers.h"

typedef struct {
    const char *name;
    spidx_params p;
    int topk_kind; /* how top-k values are chosen, below */
} handwritten;

enum { TOPK_SPREAD, TOPK_DUPLICATES, TOPK_IN_SINK, TOPK_IN_WINDOW, TOPK_SOME_INVALID };

static spidx_params P(int64_t b, int64_t h, int64_t sk, int64_t sink, int64_t heavy, int64_t window, int64_t off)
{
    return case_contiguous_params(b, h, sk, sink, heavy, window, off);
}

static spidx_params with(spidx_params p, int32_t index_type, int32_t weight_type, int32_t mode)
{
    p.index_type = index_type;
    p.weight_type = weight_type;
    p.mode = mode;
    return p;
}

static spidx_params padded(spidx_params p, int64_t pad)
{
    p.topk_sh += pad;
    p.topk_sb = p.h * p.topk_sh + pad;
    p.list_sh += pad;
    p.list_sb = p.h * p.list_sh + pad;
    p.weight_sh += pad;
    p.weight_sb = p.h * p.weight_sh + pad;
    return p;
}

/* [h][b] storage: the batch stride is the inner one. */
static spidx_params permuted(spidx_params p)
{
    const int64_t T = p.list_sh;
    p.topk_sb = p.heavy;
    p.topk_sh = p.b * p.heavy;
    p.list_sb = T;
    p.list_sh = p.b * T;
    p.weight_sb = p.sk;
    p.weight_sh = p.b * p.sk;
    return p;
}

static void fill_topk(spidx_case *c, int kind)
{
    const spidx_params *p = &c->p;
    const int64_t range = p->sk - p->init_offset; /* valid values are [0, range) */
    for (int64_t bi = 0; bi < p->b; bi++)
        for (int64_t hi = 0; hi < p->h; hi++)
            for (int64_t k = 0; k < p->heavy; k++) {
                const int64_t r = bi * 7919 + hi * 104729 + k * 31;
                int64_t t = range > 0 ? r % range : r;
                if (kind == TOPK_DUPLICATES) t = range > 0 ? (k % 3) % range : k % 3;
                if (kind == TOPK_IN_SINK) t = k % (p->sink > 0 ? p->sink : 1) - p->init_offset;
                if (kind == TOPK_IN_WINDOW) t = p->sk - 1 - k % (p->window > 0 ? p->window : 1) - p->init_offset;
                if (kind == TOPK_SOME_INVALID && k % 5 == 3)
                    t = (k / 5) % 4 == 0 ? -1 : (k / 5) % 4 == 1 ? range : (k / 5) % 4 == 2 ? INT64_MIN : INT64_MAX;
                case_set_topk(c, bi, hi, k, t);
            }
}

int main(int argc, char **argv)
{
    const int Z = SPIDX_MODE_ZERO, K = SPIDX_MODE_KEEP;
    const int I64 = SPIDX_INDEX_I64, I32 = SPIDX_INDEX_I32;
    const int F32 = SPIDX_WEIGHT_F32, F16 = SPIDX_WEIGHT_F16, BF16 = SPIDX_WEIGHT_BF16;
    const handwritten table[] = {
        {"all_regions", P(2, 3, 64, 4, 8, 8, 4), TOPK_SPREAD},
        {"empty_everything", P(2, 2, 16, 0, 0, 0, 0), TOPK_SPREAD},
        {"sk_zero", P(2, 2, 0, 3, 2, 3, 0), TOPK_SPREAD},
        {"b_zero", P(0, 4, 16, 2, 2, 2, 0), TOPK_SPREAD},
        {"sink_and_window_overlap", P(1, 2, 10, 7, 2, 6, 0), TOPK_SPREAD},
        {"sink_and_window_exceed_sk", P(2, 1, 5, 9, 3, 11, 0), TOPK_SPREAD},
        {"heavy_duplicates", P(2, 2, 32, 2, 16, 2, 1), TOPK_DUPLICATES},
        {"heavy_in_sink", P(2, 2, 32, 8, 6, 4, 0), TOPK_IN_SINK},
        {"heavy_in_window", P(2, 2, 32, 2, 6, 8, 2), TOPK_IN_WINDOW},
        {"list_longer_than_sk", P(1, 3, 6, 4, 9, 5, 0), TOPK_SPREAD},
        {"heavy_invalid_values", P(2, 3, 40, 2, 20, 3, 5), TOPK_SOME_INVALID},
        {"init_offset_past_sk", P(1, 2, 8, 1, 3, 1, 9), TOPK_SPREAD},
        {"keep_f32", with(P(2, 2, 48, 3, 10, 5, 2), I64, F32, K), TOPK_SPREAD},
        {"keep_f16_int32", with(P(2, 2, 48, 3, 10, 5, 2), I32, F16, K), TOPK_SPREAD},
        {"zero_bf16", with(P(2, 2, 48, 3, 10, 5, 2), I64, BF16, Z), TOPK_SPREAD},
        {"keep_bf16_invalid", with(P(2, 2, 48, 3, 10, 5, 2), I32, BF16, K), TOPK_SOME_INVALID},
        {"padded_strides", padded(P(2, 3, 20, 2, 4, 3, 1), 5), TOPK_SPREAD},
        {"permuted_strides_keep", with(permuted(P(3, 4, 24, 2, 5, 3, 0)), I32, F16, K), TOPK_SPREAD},
        {"many_rows", P(70000, 1, 3, 1, 1, 1, 0), TOPK_SPREAD},
        {"long_row", P(1, 1, 300000, 100, 5000, 200, 7), TOPK_SPREAD},
        {"long_row_keep_bf16", with(P(1, 2, 150000, 10, 3000, 10, 0), I32, BF16, K), TOPK_SPREAD},
        {"stride_overlap", (spidx_params){.b = 2, .h = 2, .sk = 8, .sink = 1, .heavy = 1, .window = 1,
                                          .topk_sb = 2, .topk_sh = 1, .list_sb = 6, .list_sh = 3,
                                          .weight_sb = 8, .weight_sh = 8},
         TOPK_SPREAD},
        {"negative_size", P(1, 1, -4, 0, 0, 0, 0), TOPK_SPREAD},
    };
    const size_t ncases = sizeof table / sizeof table[0];
    int verbose = 0;
    int first_name = 1;
    for (;;) {
        if (argc > first_name && (strcmp(argv[first_name], "-h") == 0 || strcmp(argv[first_name], "--help") == 0)) {
            printf("usage: spidx_compare [-v] [--plugin PATH]... [NAME...]\n"
                   "Runs the hand-written cases (all, or those NAMEd) on every implementation SPIDX_IMPLS picks\n"
                   "(default: all available) and compares each with the reference bit for bit. -v prints each\n"
                   "case. Exit: 0 all agree, 1 mismatch, 2 no case named matches, a plug-in does not load, or a\n"
                   "named implementation cannot run here.\nCases:");
            for (size_t ci = 0; ci < ncases; ci++) printf(" %s", table[ci].name);
            printf("\n");
            return 0;
        }
        if (argc > first_name && strcmp(argv[first_name], "-v") == 0) {
            verbose = 1;
            first_name++;
        } else if (argc > first_name + 1 && strcmp(argv[first_name], "--plugin") == 0) {
            char perr[512];
            if (spidx_registry_load_plugin(argv[first_name + 1], perr, sizeof perr) != 0) {
                fprintf(stderr, "spidx_compare: %s\n", perr);
                return 2;
            }
            first_name += 2;
        } else {
            break;
        }
    }

    const spidx_impl *impls[SPIDX_MAX_IMPLS];
    size_t nimpl;
    char err[256];
    const case_select_status st = case_select_impls(impls, &nimpl, stdout, err, sizeof err);
    if (st != CASE_SELECT_OK) {
        fprintf(stderr, "spidx_compare: %s\n", err);
        return 2;
    }
    const spidx_impl *ref = spidx_impl_find("ref");
    printf("%-28s %-20s", "case", "reference status");
    for (size_t i = 0; i < nimpl; i++) printf(" %-10s", impls[i]->name);
    printf("\n");

    long failures = 0, ran = 0;
    for (size_t ci = 0; ci < ncases; ci++) {
        if (argc > first_name) {
            int wanted = 0;
            for (int a = first_name; a < argc; a++) wanted |= strcmp(argv[a], table[ci].name) == 0;
            if (!wanted) continue;
        }
        spidx_case c;
        case_init(&c, &table[ci].p, 0x5eed0000u + ci);
        if (c.check == SPIDX_OK) fill_topk(&c, table[ci].topk_kind);
        spidx_outcome want;
        case_run(ref, &c, &want);
        printf("%-28s %-20s", table[ci].name, spidx_status_name(want.status));
        char lines[SPIDX_MAX_IMPLS][4096];
        for (size_t i = 0; i < nimpl; i++) {
            spidx_outcome got;
            lines[i][0] = 0;
            if (!case_applies(impls[i], &c, want.status, NULL, 0)) {
                printf(" %-10s", "n/a");
                continue;
            }
            case_run(impls[i], &c, &got);
            FILE *mem = fmemopen(lines[i], sizeof lines[i], "w");
            SPIDX_ASSERT(mem != NULL);
            const long bad = case_compare(&c, "ref", &want, impls[i]->name, &got, mem, 8, NULL);
            fclose(mem);
            if (bad == 0) lines[i][0] = 0;
            printf(" %-10s", bad ? "MISMATCH" : "ok");
            failures += bad != 0;
            outcome_free(&got);
        }
        printf("\n");
        for (size_t i = 0; i < nimpl; i++) {
            if (lines[i][0]) {
                char desc[512];
                case_describe(&c, desc, sizeof desc);
                printf("  %s vs ref on %s\n%s", impls[i]->name, desc, lines[i]);
            }
        }
        if (verbose && want.status != SPIDX_OK) printf("  ref: %s\n", want.detail.message);
        outcome_free(&want);
        case_free(&c);
        ran++;
    }
    char compared[512];
    case_describe_impls(impls, nimpl, compared, sizeof compared);
    if (ran == 0) {
        printf("no case named matches: nothing was compared\n");
        return 2;
    }
    printf("%ld cases on %s: %ld mismatching\n", ran, compared, failures);
    return failures ? 1 : 0;
}
