/* spidx_ref.c - the bit-exact CPU reference of ref/SPEC.md: plain loops written for
 * clarity, one pass per region, no CUDA. Every other implementation is compared with
 * this one bit for bit (tests/, fuzz/). */
#include "spidx.h"

#include <stdio.h>
#include <string.h>

static void store_index(void *list, int32_t index_type, int64_t at, int64_t v)
{
    if (index_type == SPIDX_INDEX_I32) {
        int32_t x = (int32_t)v; /* valid entries are < sk <= INT32_MAX (spidx_check), or -1 */
        memcpy((char *)list + at * 4, &x, 4);
    } else {
        memcpy((char *)list + at * 8, &v, 8);
    }
}

static void store_weight(void *weight, int32_t weight_type, int64_t at, int one)
{
    if (weight_type == SPIDX_WEIGHT_F32) {
        uint32_t x = one ? SPIDX_ONE_F32 : 0u;
        memcpy((char *)weight + at * 4, &x, 4);
    } else {
        uint16_t x = one ? (uint16_t)(weight_type == SPIDX_WEIGHT_F16 ? SPIDX_ONE_F16 : SPIDX_ONE_BF16) : 0u;
        memcpy((char *)weight + at * 2, &x, 2);
    }
}

spidx_status spidx_ref_run(const spidx_params *p, const int64_t *topk, void *list, void *weight,
                           spidx_detail *detail)
{
    spidx_shape s;
    spidx_status st = spidx_check(p, topk, list, weight, &s, detail);
    if (st != SPIDX_OK) return st;
    if (s.rows == 0) return SPIDX_OK; /* b = 0 or h = 0: nothing to write (and no loop over the other extent) */

    /* Strides address nothing for an extent-1 dimension or an empty tensor (SPEC: they
     * are not validated then), so they are taken as 0 and can never overflow. */
    const int64_t tsb = p->b > 1 && s.H > 0 ? p->topk_sb : 0, tsh = p->h > 1 && s.H > 0 ? p->topk_sh : 0;
    const int64_t lsb = p->b > 1 && s.T > 0 ? p->list_sb : 0, lsh = p->h > 1 && s.T > 0 ? p->list_sh : 0;
    const int64_t wsb = p->b > 1 && p->sk > 0 ? p->weight_sb : 0, wsh = p->h > 1 && p->sk > 0 ? p->weight_sh : 0;
    int found_invalid = 0;
    for (int64_t bi = 0; bi < p->b; bi++) {
        for (int64_t hi = 0; hi < p->h; hi++) {
            const int64_t lrow = bi * lsb + hi * lsh;
            const int64_t wrow = bi * wsb + hi * wsh;
            const int64_t trow = bi * tsb + hi * tsh;

            if (p->mode == SPIDX_MODE_ZERO)
                for (int64_t x = 0; x < p->sk; x++) store_weight(weight, p->weight_type, wrow + x, 0);

            for (int64_t j = 0; j < s.S; j++) {
                store_index(list, p->index_type, lrow + j, j);
                store_weight(weight, p->weight_type, wrow + j, 1);
            }
            for (int64_t k = 0; k < s.H; k++) {
                const int64_t t = topk[trow + k];
                /* t < sk - init_offset is the SPEC range test; written this way it cannot overflow. */
                const int valid = t >= 0 && t < p->sk - p->init_offset;
                const int64_t v = valid ? t + p->init_offset : -1;
                store_index(list, p->index_type, lrow + s.S + k, v);
                if (valid) {
                    store_weight(weight, p->weight_type, wrow + v, 1);
                } else if (!found_invalid) {
                    found_invalid = 1;
                    if (detail) {
                        detail->bi = bi;
                        detail->hi = hi;
                        detail->j = k;
                        detail->value = t;
                    }
                }
            }
            for (int64_t j = 0; j < s.W; j++) {
                const int64_t v = p->sk - s.W + j;
                store_index(list, p->index_type, lrow + s.S + s.H + j, v);
                store_weight(weight, p->weight_type, wrow + v, 1);
            }
        }
    }
    if (found_invalid) {
        if (detail)
            snprintf(detail->message, sizeof detail->message,
                     "top-k value %lld at (bi=%lld, hi=%lld, j=%lld) is outside [0, sk - init_offset)",
                     (long long)detail->value, (long long)detail->bi, (long long)detail->hi, (long long)detail->j);
        return SPIDX_E_HEAVY_RANGE;
    }
    return SPIDX_OK;
}
