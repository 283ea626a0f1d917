/* fuzz_ref.c - property fuzz target for the CPU reference alone (built with ASan+UBSan):
 * checks the reference's output against properties derived from ref/SPEC.md, written
 * here independently of ref/spidx_ref.c: list regions follow their formulas, weights
 * are exactly the indicator of the valid list values (ZERO) or keep every other bit
 * (KEEP), error classes write nothing, and the detail names the first invalid entry.
 * Validation is checked against spec_oracle.c, a second reading of status classes 1-3,
 * and every accepted layout is enumerated for disjoint rows inside their spans.
 * Run: build/fuzz/fuzz/fuzz_ref corpus/seed   (replay without libFuzzer: fuzz_ref_replay). */
#define _POSIX_C_SOURCE 200809L /* fmemopen */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_io.h"
#include "coverage.h"
#include "fuzz_helpers.h"
#include "spec_oracle.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    setenv("SPIDX_IMPLS", "ref", 1);
    fuzz_setup("fuzz_ref", argc ? *argc : 0, argv ? *argv : NULL);
    return 0;
}

#define PROPERTY(cond, ...)                                                                                  \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            fprintf(mem, "property failed: %s\n  ", #cond);                                                 \
            fprintf(mem, __VA_ARGS__);                                                                       \
            fputc('\n', mem);                                                                                \
            goto failed;                                                                                     \
        }                                                                                                    \
    } while (0)

/* Readers of the case's buffers that address elements as SPEC.md states it, bi·sb +
 * hi·sh + x with the raw strides (an extent-1 dimension has index 0, so its stride never
 * counts), on purpose instead of the case library's row readers, which take their strides
 * from ref/ (spidx_effective_strides): a bug there must not hide itself here. Only the
 * element decoding is the case library's. */
static int64_t spec_at(int64_t sb, int64_t sh, int64_t bi, int64_t hi, int64_t x)
{
    return bi * sb + hi * sh + x;
}

static int64_t read_topk(const spidx_case *c, int64_t bi, int64_t hi, int64_t k)
{
    return c->topk[spec_at(c->p.topk_sb, c->p.topk_sh, bi, hi, k)];
}

static int64_t read_list(const spidx_case *c, const unsigned char *list, int64_t bi, int64_t hi, int64_t j)
{
    return case_list_entry_at(c, list, spec_at(c->p.list_sb, c->p.list_sh, bi, hi, j));
}

static uint32_t read_weight(const spidx_case *c, const unsigned char *weight, int64_t bi, int64_t hi, int64_t x)
{
    return case_weight_bits_at(c, weight, spec_at(c->p.weight_sb, c->p.weight_sh, bi, hi, x));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    spidx_case c;
    /* Under ASan every element costs far more than on the GPU side. The reference runs
     * the same loops whatever the size, and grid limits, chunks and multi-block rows are
     * the kernels' concern (fuzz_diff's), so fuzz_ref bounds cases to 8 KiB of buffers
     * and 2,048 rows: 18,000 execs/s on one dev core against 5,000-6,900 at 256 KiB
     * (README "Performance of the harness"). 2,048 rows keep `rows_beyond_one_wave`. */
    if (case_decode_bounded(data, size, &c, (size_t)8 << 10, 2048) != 0) return -1; /* text that does not parse */
    fuzz_check_case(&c, data, size);
    case_free(&c);
    return 0;
}

void fuzz_check_case(const spidx_case *c, const uint8_t *data, size_t size)
{
    if (!getenv("SPIDX_IMPLS")) setenv("SPIDX_IMPLS", "ref", 1);
    fuzz_setup("fuzz_ref", 0, NULL);
    const spidx_impl *ref = spidx_impl_find("ref");
    spidx_outcome o;
    case_run(ref, c, &o);
    const spidx_params *p = &c->p;
    char report[2048];
    FILE *mem = fmemopen(report, sizeof report, "w");
    SPIDX_ASSERT(mem != NULL);
    uint8_t *marked = NULL; /* freed on both ways out: a failure seen before returns, too */

    PROPERTY(o.guards_intact, "the reference wrote outside its buffers");
    PROPERTY(o.topk_intact, "the reference wrote the top-k buffer");
    /* Validation against the independent reading of SPEC.md's classes 1-3. */
    const spec_verdict v = spec_classify(p, c->null_mask);
    if (v.status != SPIDX_OK)
        PROPERTY(o.status == v.status, "validation: the reference returns %s, SPEC.md's rule \"%s\" gives %s",
                 spidx_status_name(o.status), v.rule, spidx_status_name(v.status));
    else
        PROPERTY(o.status == SPIDX_OK || o.status == SPIDX_E_HEAVY_RANGE,
                 "validation: the reference returns %s (%s), SPEC.md's classes 1-3 all pass",
                 spidx_status_name(o.status), o.detail.message);
    if (o.status != SPIDX_OK && o.status != SPIDX_E_HEAVY_RANGE) {
        PROPERTY(o.status == SPIDX_E_ARG || o.status == SPIDX_E_STRIDE || o.status == SPIDX_E_TOO_LARGE,
                 "status %s from the reference", spidx_status_name(o.status));
        PROPERTY(memcmp(o.list, c->list_init, c->list_bytes) == 0, "%s but the list was written",
                 spidx_status_name(o.status));
        PROPERTY(memcmp(o.weight, c->weight_init, c->weight_bytes) == 0, "%s but weights were written",
                 spidx_status_name(o.status));
        PROPERTY(o.detail.bi == -1 && o.detail.hi == -1 && o.detail.j == -1 && o.detail.value == 0 &&
                     o.detail.message[0],
                 "detail of %s: (%lld, %lld, %lld, %lld) \"%s\"", spidx_status_name(o.status), (long long)o.detail.bi,
                 (long long)o.detail.hi, (long long)o.detail.j, (long long)o.detail.value, o.detail.message);
    } else {
        PROPERTY(c->check == SPIDX_OK, "accepted a case that validation rejects");
        char why[160];
        /* Whatever validation accepts must address disjoint rows inside each span. */
        PROPERTY(spec_layout_sound(p, &c->shape, (int64_t)1 << 16, why, sizeof why), "unsound layout: %s", why);
        PROPERTY(case_padding_intact(c, &o), "padding between rows was written");
        const int64_t sk = p->sk, S = p->sink < sk ? p->sink : sk, W = p->window < sk ? p->window : sk;
        const int64_t H = p->heavy, T = S + H + W;
        /* The bits of 1.0 re-derived from SPEC.md on purpose, not spidx_weight_one_bits:
         * this target is an oracle independent of ref/. */
        const uint32_t one = p->weight_type == SPIDX_WEIGHT_F32 ? 0x3F800000u
                             : p->weight_type == SPIDX_WEIGHT_F16 ? 0x3C00u
                                                                  : 0x3F80u;
        int64_t first[4] = {-1, -1, -1, 0};
        /* sk is bounded by the case budget only when there are rows to hold it. */
        const size_t mark_len = c->shape.rows > 0 && sk > 0 ? (size_t)sk : 1;
        marked = calloc(mark_len, 1);
        SPIDX_ASSERT(marked != NULL);
        for (int64_t bi = 0; bi < p->b && c->shape.rows > 0; bi++)
            for (int64_t hi = 0; hi < p->h; hi++) {
                memset(marked, 0, mark_len);
                for (int64_t j = 0; j < T; j++) {
                    int64_t want;
                    if (j < S) {
                        want = j;
                    } else if (j < S + H) {
                        const int64_t t = read_topk(c, bi, hi, j - S);
                        const int ok = t >= 0 && t < sk - p->init_offset;
                        want = ok ? t + p->init_offset : -1;
                        if (!ok && first[0] < 0) {
                            first[0] = bi;
                            first[1] = hi;
                            first[2] = j - S;
                            first[3] = t;
                        }
                    } else {
                        want = sk - W + (j - S - H);
                    }
                    const int64_t got = read_list(c, o.list, bi, hi, j);
                    PROPERTY(got == want, "list (bi=%lld, hi=%lld, j=%lld) = %lld, expected %lld", (long long)bi,
                             (long long)hi, (long long)j, (long long)got, (long long)want);
                    if (want >= 0) marked[want] = 1;
                }
                for (int64_t x = 0; x < sk; x++) {
                    const uint32_t got = read_weight(c, o.weight, bi, hi, x);
                    const uint32_t want = marked[x] ? one
                                          : p->mode == SPIDX_MODE_ZERO ? 0u
                                                                       : read_weight(c, c->weight_init, bi, hi, x);
                    PROPERTY(got == want, "weight (bi=%lld, hi=%lld, x=%lld) = 0x%x, expected 0x%x", (long long)bi,
                             (long long)hi, (long long)x, got, want);
                }
            }
        free(marked);
        marked = NULL;
        PROPERTY((first[0] >= 0) == (o.status == SPIDX_E_HEAVY_RANGE), "status %s with%s invalid entries",
                 spidx_status_name(o.status), first[0] >= 0 ? "" : " no");
        PROPERTY(o.detail.bi == first[0] && o.detail.hi == first[1] && o.detail.j == first[2] &&
                     o.detail.value == first[3],
                 "detail (%lld, %lld, %lld, %lld), first invalid entry (%lld, %lld, %lld, %lld)",
                 (long long)o.detail.bi, (long long)o.detail.hi, (long long)o.detail.j, (long long)o.detail.value,
                 (long long)first[0], (long long)first[1], (long long)first[2], (long long)first[3]);
    }
    fclose(mem);
    uint8_t hit[COV_COUNT];
    coverage_classify(c, o.status, hit);
    coverage_record(fuzz_impl_index(ref), hit);
    outcome_free(&o);
    return;
failed:
    fclose(mem);
    free(marked);
    if (o.guards_intact && o.topk_intact) {
        /* A repeat of a property failure the campaign holds the case of goes on; a write
         * outside the output buffers (into the guards, which lie inside the allocation,
         * where ASan does not look, or into the top-k) never does. */
        char sig[SPIDX_SIGNATURE_MAX], case_path[600];
        fuzz_property_signature(report, sig, sizeof sig);
        fuzz_case_path(data, size, case_path, sizeof case_path);
        if (fuzz_seen_before(sig, case_path)) {
            uint8_t seen_hit[COV_COUNT];
            coverage_classify(c, o.status, seen_hit);
            coverage_record(fuzz_impl_index(ref), seen_hit);
            outcome_free(&o);
            return;
        }
    }
    fuzz_fail(c, data, size, report);
}
