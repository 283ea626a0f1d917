/* spidx_ref.c - the bit-exact CPU reference of ref/SPEC.md: plain loops written for
 * clarity, one pass per region, no CUDA. Every other implementation is compared with
 * this one bit for bit (tests/, fuzz/). */
#include "spidx.h"

#include "ref_mutants.h"

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
    const uint32_t bits = one ? spidx_weight_one_bits(weight_type) : 0u; /* +0.0 is all zero bits */
    if (weight_type == SPIDX_WEIGHT_F32) {
        memcpy((char *)weight + at * 4, &bits, 4);
    } else {
        const uint16_t x = (uint16_t)bits;
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

    const spidx_row_strides rs = spidx_effective_strides(p, &s);
    int found_invalid = 0;
    int64_t bad_bi = -1, bad_hi = -1, bad_j = -1, bad_value = 0;
    for (int64_t bi = 0; bi < p->b; bi++) {
        for (int64_t hi = 0; hi < p->h; hi++) {
            const int64_t lrow = bi * rs.list_sb + hi * rs.list_sh;
            const int64_t wrow = bi * rs.weight_sb + hi * rs.weight_sh;
            const int64_t trow = bi * rs.topk_sb + hi * rs.topk_sh;

            if (SPIDX_REF_MUT(11, p->mode == SPIDX_MODE_ZERO, 1))
                for (int64_t x = 0; x < p->sk; x++) store_weight(weight, p->weight_type, wrow + x, 0);

            for (int64_t j = 0; j < s.S; j++) {
                store_index(list, p->index_type, lrow + j, j);
                store_weight(weight, p->weight_type, wrow + j, 1);
            }
            for (int64_t k = 0; k < s.H; k++) {
                const int64_t t = topk[trow + k];
                /* t < sk - init_offset is the SPEC range test; written this way it cannot overflow. */
                const int valid = t >= 0 && SPIDX_REF_MUT(12, t < p->sk - p->init_offset, t <= p->sk - p->init_offset);
                const int64_t v = valid ? t + p->init_offset : -1;
                store_index(list, p->index_type, lrow + s.S + k, v);
                if (valid) {
                    store_weight(weight, p->weight_type, wrow + v, 1);
                } else if (SPIDX_REF_MUT(10, !found_invalid, 1)) {
                    found_invalid = 1;
                    bad_bi = bi, bad_hi = hi, bad_j = k, bad_value = t;
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
        spidx_detail_set_heavy_range(detail, bad_bi, bad_hi, bad_j, bad_value);
        return SPIDX_E_HEAVY_RANGE;
    }
    return SPIDX_OK;
}
