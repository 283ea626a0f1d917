/* spec_oracle.c - status classes 1-3 re-derived from ref/SPEC.md (see spec_oracle.h).
 * Formulated differently from ref/spidx_check.c on purpose: every quantity is exact in
 * 128 bits (no overflow tests, no division tricks), each tensor's dimensions are sorted
 * by stride rather than picked by index, and the rules read as SPEC.md states them.
 * The SPEC facts it needs (row lengths, element sizes, the stride rule) are written
 * here a second time for that reason. */
#include "spec_oracle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_helpers.h"

__extension__ typedef __int128 i128;

#define I64_MAX ((i128)INT64_MAX)
#define I32_MAX ((i128)2147483647)

static spec_verdict verdict(spidx_status status, const char *rule)
{
    spec_verdict v = {status, rule};
    return v;
}

static i128 min128(i128 a, i128 b)
{
    return a < b ? a : b;
}

/* One tensor as SPEC.md describes it: row length L, strides, element size in bytes. */
typedef struct {
    const char *name;
    i128 L;
    int64_t sb, sh;
    i128 esize;
    unsigned null_bit;
} tensor;

/* Fills t[3] (top-k, list, weights) from p; T is exact, so it may exceed int64. */
static void tensors_of(const spidx_params *p, tensor t[3])
{
    const i128 sk = p->sk, S = min128(p->sink, sk), W = min128(p->window, sk), T = S + p->heavy + W;
    const tensor topk = {"topk", p->heavy, p->topk_sb, p->topk_sh, 8, SPIDX_NULL_TOPK};
    const tensor list = {"list", T, p->list_sb, p->list_sh, p->index_type == SPIDX_INDEX_I32 ? 4 : 8, SPIDX_NULL_LIST};
    const tensor weight = {"weight", sk, p->weight_sb, p->weight_sh, p->weight_type == SPIDX_WEIGHT_F32 ? 4 : 2,
                           SPIDX_NULL_WEIGHT};
    t[0] = topk;
    t[1] = list;
    t[2] = weight;
}

/* SPEC.md, E_STRIDE, for one tensor: 1 when its rows are disjoint by the rule. Read as
 * a chain over the dimensions of extent > 1 sorted by stride: each stride must reach past
 * everything the dimensions inside it cover, which is L for the innermost and extent x
 * stride for each one after it (SPEC.md's "inner stride >= L, outer stride >= inner
 * extent x inner stride"). Ties in stride may be ordered either way: with two equal
 * strides s > 0 the chain needs s >= 2s and fails, as SPEC.md says. */
static int stride_rule_holds(const tensor *t, int64_t b, int64_t h, const char **why)
{
    if (t->L == 0 || (i128)b * h < 2) return 1; /* strides ignored */
    i128 extent[2], stride[2];
    int n = 0;
    const int64_t extents[2] = {b, h}, strides[2] = {t->sb, t->sh};
    for (int d = 0; d < 2; d++) {
        if (extents[d] < 2) continue; /* an extent-1 dimension only ever has index 0 */
        if (strides[d] < 0) {
            *why = "negative stride";
            return 0;
        }
        /* insertion into the order by stride */
        int at = n++;
        while (at > 0 && stride[at - 1] > strides[d]) {
            extent[at] = extent[at - 1];
            stride[at] = stride[at - 1];
            at--;
        }
        extent[at] = extents[d];
        stride[at] = strides[d];
    }
    *why = "rows overlap";
    i128 covered = t->L;
    for (int k = 0; k < n; k++) {
        if (stride[k] < covered) return 0;
        covered = extent[k] * stride[k];
    }
    return 1;
}

/* SPEC.md, E_TOO_LARGE: a tensor's span in elements, (b-1)·sb + (h-1)·sh + L with the
 * strides of extent-1 dimensions counted as 0, and 0 for a tensor without an element
 * (b = 0, h = 0 or L = 0). Exact: may exceed int64. */
static i128 span_of_tensor(const tensor *t, int64_t b, int64_t h)
{
    if (b == 0 || h == 0 || t->L == 0) return 0;
    const i128 sb = b > 1 ? t->sb : 0, sh = h > 1 ? t->sh : 0;
    return (i128)(b - 1) * sb + (i128)(h - 1) * sh + t->L;
}

spec_verdict spec_classify(const spidx_params *p, unsigned null_mask)
{
    if (!p) return verdict(SPIDX_E_ARG, "E_ARG: params is NULL");
    /* 1. E_ARG */
    const int64_t sizes[] = {p->b, p->h, p->sk, p->sink, p->window, p->heavy, p->init_offset};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        if (sizes[i] < 0) return verdict(SPIDX_E_ARG, "E_ARG: a negative size or offset");
    if (!(p->index_type == SPIDX_INDEX_I64 || p->index_type == SPIDX_INDEX_I32))
        return verdict(SPIDX_E_ARG, "E_ARG: unknown index_type");
    if (!(p->weight_type == SPIDX_WEIGHT_F32 || p->weight_type == SPIDX_WEIGHT_F16 ||
          p->weight_type == SPIDX_WEIGHT_BF16))
        return verdict(SPIDX_E_ARG, "E_ARG: unknown weight_type");
    if (!(p->mode == SPIDX_MODE_ZERO || p->mode == SPIDX_MODE_KEEP)) return verdict(SPIDX_E_ARG, "E_ARG: unknown mode");
    tensor t[3];
    tensors_of(p, t);
    for (int i = 0; i < 3; i++)
        if ((null_mask & t[i].null_bit) && p->b > 0 && p->h > 0 && t[i].L > 0) {
            static const char *const rule[3] = {"E_ARG: NULL non-empty topk", "E_ARG: NULL non-empty list",
                                                "E_ARG: NULL non-empty weight"};
            return verdict(SPIDX_E_ARG, rule[i]);
        }
    /* 2. E_STRIDE, tensors in the order top-k, list, weights. */
    for (int i = 0; i < 3; i++) {
        const char *why;
        if (!stride_rule_holds(&t[i], p->b, p->h, &why)) {
            static const char *const neg[3] = {"E_STRIDE: topk negative stride", "E_STRIDE: list negative stride",
                                               "E_STRIDE: weight negative stride"};
            static const char *const overlap[3] = {"E_STRIDE: topk rows overlap", "E_STRIDE: list rows overlap",
                                                   "E_STRIDE: weight rows overlap"};
            return verdict(SPIDX_E_STRIDE, strcmp(why, "negative stride") == 0 ? neg[i] : overlap[i]);
        }
    }
    /* 3. E_TOO_LARGE */
    if ((i128)p->b * p->h > I64_MAX) return verdict(SPIDX_E_TOO_LARGE, "E_TOO_LARGE: b * h beyond int64");
    if (t[1].L > I64_MAX) return verdict(SPIDX_E_TOO_LARGE, "E_TOO_LARGE: T beyond int64");
    for (int i = 0; i < 3; i++) {
        const i128 span = span_of_tensor(&t[i], p->b, p->h);
        if (span > I64_MAX || span * t[i].esize > I64_MAX)
            return verdict(SPIDX_E_TOO_LARGE, "E_TOO_LARGE: a span or its bytes beyond int64");
    }
    if (p->index_type == SPIDX_INDEX_I32 && p->sk > I32_MAX)
        return verdict(SPIDX_E_TOO_LARGE, "E_TOO_LARGE: int32 list with sk > INT32_MAX");
    return verdict(SPIDX_OK, "OK: classes 1-3 pass");
}

int spec_layout_sound(const spidx_params *p, const spidx_shape *shape, int64_t max_elements, char *why,
                      size_t why_size)
{
    tensor t[3];
    tensors_of(p, t);
    const int64_t spans[3] = {shape->topk_span, shape->list_span, shape->weight_span};
    for (int i = 0; i < 3; i++) {
        if (span_of_tensor(&t[i], p->b, p->h) != spans[i]) {
            snprintf(why, why_size, "%s span %lld, SPEC.md's formula gives %lld", t[i].name, (long long)spans[i],
                     (long long)span_of_tensor(&t[i], p->b, p->h));
            return 0;
        }
        const i128 elements = (i128)p->b * p->h * t[i].L;
        if (elements == 0 || elements > max_elements || spans[i] > 8 * max_elements) continue;
        uint8_t *seen = calloc((size_t)spans[i], 1);
        SPIDX_ASSERT(seen != NULL);
        int ok = 1;
        for (int64_t bi = 0; bi < p->b && ok; bi++)
            for (int64_t hi = 0; hi < p->h && ok; hi++)
                for (i128 x = 0; x < t[i].L && ok; x++) {
                    const i128 at = (i128)bi * t[i].sb + (i128)hi * t[i].sh + x;
                    if (at < 0 || at >= spans[i]) {
                        snprintf(why, why_size, "%s element (%lld, %lld, %lld) at %lld is outside its span %lld",
                                 t[i].name, (long long)bi, (long long)hi, (long long)x, (long long)at,
                                 (long long)spans[i]);
                        ok = 0;
                    } else if (seen[(size_t)at]++) {
                        snprintf(why, why_size, "%s element (%lld, %lld, %lld) at %lld belongs to two rows", t[i].name,
                                 (long long)bi, (long long)hi, (long long)x, (long long)at);
                        ok = 0;
                    }
                }
        free(seen);
        if (!ok) return 0;
    }
    return 1;
}
