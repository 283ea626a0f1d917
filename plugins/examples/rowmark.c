/* rowmark.c - a host-memory plug-in: a second CPU implementation of ref/SPEC.md, written
 * from SPEC.md alone with another algorithm than spidx_ref_run. Per row it first marks
 * the positions to attend to (every list entry) in a byte map of sk bytes, then writes
 * the weight row in one pass over the map (ZERO: 1.0 where marked, +0.0 elsewhere;
 * KEEP: 1.0 where marked, the caller's bits elsewhere), then writes the list.
 * It declares every type, mode and layout, and expects valid calls only (no validation).
 * Build: part of the default build (build/<preset>/plugins/examples/rowmark.so);
 * run: SPIDX_PLUGINS=build/ci/plugins/examples/rowmark.so SPIDX_IMPLS=ref,rowmark
 *      build/ci/fuzz/fuzz_diff_replay corpus/seed */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spidx_plugin.h"

/* The bits of 1.0, re-derived here from IEEE 754 on purpose (a plug-in is independent
 * of spidx): sign 0, biased exponent of 2^0, empty mantissa. */
static uint32_t one_bits(int32_t weight_type)
{
    return weight_type == SPIDX_WEIGHT_F32 ? 127u << 23 : weight_type == SPIDX_WEIGHT_F16 ? 15u << 10 : 127u << 7;
}

static int64_t clamp_to(int64_t v, int64_t hi)
{
    return v < hi ? v : hi;
}

static int rowmark_run(void *state, const spidx_params *p, const int64_t *topk, void *list, void *weight, void *stream,
                       spidx_detail *detail)
{
    (void)state, (void)stream;
    if (p->b == 0 || p->h == 0) return SPIDX_OK; /* no row: nothing to write, whatever sk is */
    const int64_t S = clamp_to(p->sink, p->sk), W = clamp_to(p->window, p->sk), H = p->heavy, T = S + H + W;
    const size_t wsize = p->weight_type == SPIDX_WEIGHT_F32 ? 4 : 2, isize = p->index_type == SPIDX_INDEX_I32 ? 4 : 8;
    const uint32_t one = one_bits(p->weight_type);
    unsigned char *marked = malloc(p->sk > 0 ? (size_t)p->sk : 1);
    int64_t *entries = malloc(T > 0 ? (size_t)T * sizeof *entries : 1);
    if (!marked || !entries) {
        free(marked);
        free(entries);
        if (detail) snprintf(detail->message, sizeof detail->message, "rowmark: out of host memory");
        return SPIDX_E_DEVICE;
    }
    for (int64_t bi = 0; bi < p->b; bi++)
        for (int64_t hi = 0; hi < p->h; hi++) {
            /* Strides of extent-1 dimensions and of tensors without elements are ignored
             * (they may be anything, even overflow when multiplied): taken as 0. */
            const int64_t tb = p->b > 1 && H ? p->topk_sb : 0, th = p->h > 1 && H ? p->topk_sh : 0;
            const int64_t lb = p->b > 1 && T ? p->list_sb : 0, lh = p->h > 1 && T ? p->list_sh : 0;
            const int64_t wb = p->b > 1 && p->sk ? p->weight_sb : 0, wh = p->h > 1 && p->sk ? p->weight_sh : 0;
            int64_t n = 0;
            for (int64_t x = 0; x < S; x++) entries[n++] = x;
            for (int64_t j = 0; j < H; j++) entries[n++] = topk[bi * tb + hi * th + j] + p->init_offset;
            for (int64_t x = p->sk - W; x < p->sk; x++) entries[n++] = x;
            if (p->sk > 0) {
                memset(marked, 0, (size_t)p->sk);
                for (int64_t k = 0; k < T; k++) marked[entries[k]] = 1;
                unsigned char *row = (unsigned char *)weight + (bi * wb + hi * wh) * (int64_t)wsize;
                for (int64_t x = 0; x < p->sk; x++) {
                    if (!marked[x] && p->mode == SPIDX_MODE_KEEP) continue;
                    const uint32_t v = marked[x] ? one : 0;
                    if (wsize == 4) {
                        memcpy(row + x * 4, &v, 4);
                    } else {
                        const uint16_t h16 = (uint16_t)v;
                        memcpy(row + x * 2, &h16, 2);
                    }
                }
            }
            unsigned char *lrow = (unsigned char *)list + (bi * lb + hi * lh) * (int64_t)isize;
            for (int64_t k = 0; k < T; k++) {
                if (isize == 8) {
                    memcpy(lrow + k * 8, &entries[k], 8);
                } else {
                    const int32_t e32 = (int32_t)entries[k];
                    memcpy(lrow + k * 4, &e32, 4);
                }
            }
        }
    free(marked);
    free(entries);
    return SPIDX_OK;
}

#ifndef ROWMARK_NO_ENTRY /* plugins/broken/ compiles this file into broken copies with their own entry */
static const spidx_plugin_impl k_impls[] = {
    {"rowmark", SPIDX_PLUGIN_HOST, SPIDX_CAP_ALL & ~(uint32_t)(SPIDX_CAP_VALIDATES | SPIDX_CAP_HEAVY_RANGE), rowmark_run, NULL},
};
static const spidx_plugin k_plugin = {SPIDX_PLUGIN_ABI_VERSION, 1, k_impls, NULL, NULL};

const spidx_plugin *spidx_plugin_entry(void);
const spidx_plugin *spidx_plugin_entry(void)
{
    return &k_plugin;
}
#endif
