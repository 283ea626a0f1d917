/* spidx_check.c - status classes 1-3 of ref/SPEC.md (E_ARG, E_STRIDE, E_TOO_LARGE),
 * the derived shape and the effective row strides. Shared by every implementation so
 * that all of them reject exactly the same inputs; tested by tests/test_errors.c. */
#include "spidx.h"

#include "ref_mutants.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 3, 4)))
static spidx_status fail(spidx_detail *d, spidx_status st, const char *fmt, ...)
{
    if (d) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->message, sizeof d->message, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* Exact a >= x * y for a, x, y >= 0, without overflow. */
static int ge_product(int64_t a, int64_t x, int64_t y)
{
    if (x == 0 || y == 0) return a >= 0;
    return x <= a / y;
}

/* One tensor's layout: row length L (or "beyond int64" when l_overflow) and strides. */
typedef struct {
    const char *name;
    int64_t L;
    int l_overflow;
    int64_t sb, sh;
} tensor_layout;

/* E_STRIDE rule of SPEC.md for one tensor; returns 1 when its rows are disjoint. */
static int rows_disjoint(const tensor_layout *t, int64_t b, int64_t h, spidx_detail *d)
{
    if ((!t->l_overflow && t->L == 0) || b == 0 || h == 0 || (b == 1 && h == 1)) return 1;
    /* Dimensions of extent > 1, as (extent, stride). */
    int64_t ext[2] = {0, 0}, str[2] = {0, 0};
    const char *nm[2] = {"", ""};
    int n = 0;
    const int64_t taking_part = SPIDX_REF_MUT(3, 1, 0); /* extents above this take part */
    if (b > taking_part) { ext[n] = b; str[n] = t->sb; nm[n] = "sb"; n++; }
    if (h > taking_part) { ext[n] = h; str[n] = t->sh; nm[n] = "sh"; n++; }
    for (int i = 0; i < n; i++) {
        if (str[i] < 0) {
            fail(d, SPIDX_E_STRIDE, "%s_%s = %lld is negative", t->name, nm[i], (long long)str[i]);
            return 0;
        }
    }
    int inner = 0;
    if (n == 2 && str[1] < str[0]) inner = 1;
    if (t->l_overflow || str[inner] < SPIDX_REF_MUT(2, t->L, t->L - 1)) {
        fail(d, SPIDX_E_STRIDE, "%s rows overlap: %s_%s = %lld is smaller than the row length", t->name,
             t->name, nm[inner], (long long)str[inner]);
        return 0;
    }
    if (n == 2) {
        int outer = 1 - inner;
        if (!ge_product(str[outer], SPIDX_REF_MUT(1, ext[inner], ext[outer]), str[inner])) {
            fail(d, SPIDX_E_STRIDE, "%s rows overlap: %s_%s = %lld is smaller than %lld x %s_%s = %lld x %lld",
                 t->name, t->name, nm[outer], (long long)str[outer], (long long)ext[inner], t->name, nm[inner],
                 (long long)ext[inner], (long long)str[inner]);
            return 0;
        }
    }
    return 1;
}

/* The stride of a dimension as it addresses memory: a dimension of extent 1 only ever
 * has index 0, so SPEC.md ignores its stride, and it counts as 0. */
static int64_t dim_stride(int64_t extent, int64_t stride)
{
    return extent > 1 ? stride : 0;
}

/* Span in elements of a tensor whose strides passed rows_disjoint; -1 on int64 overflow. */
static int64_t span_of(const tensor_layout *t, int64_t b, int64_t h)
{
    if (t->L == 0 || b == 0 || h == 0) return 0;
    const int64_t sb = dim_stride(b, t->sb), sh = dim_stride(h, t->sh);
    int64_t x, y, s;
    if (__builtin_mul_overflow(b - 1, sb, &x) || __builtin_mul_overflow(h - 1, sh, &y) ||
        __builtin_add_overflow(x, y, &s) || __builtin_add_overflow(s, t->L, &s))
        return -1;
    return s;
}

spidx_status spidx_check(const spidx_params *p, const void *topk, const void *list, const void *weight,
                         spidx_shape *shape, spidx_detail *d)
{
    spidx_detail_clear(d);
    /* 1. E_ARG */
    if (!p) return fail(d, SPIDX_E_ARG, "params is NULL");
    const struct { const char *name; int64_t v; } sizes[] = {
        {"b", p->b},         {"h", p->h},         {"sk", p->sk},
        {"sink", p->sink},   {"window", p->window}, {"heavy", p->heavy},
        {"init_offset", p->init_offset},
    };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        if (sizes[i].v < 0 && !(SPIDX_REF_MUTANT == 7 && i == 6)) return fail(d, SPIDX_E_ARG, "%s = %lld is negative", sizes[i].name, (long long)sizes[i].v);
    if (p->index_type != SPIDX_INDEX_I64 && p->index_type != SPIDX_INDEX_I32)
        return fail(d, SPIDX_E_ARG, "index_type = %d is not a spidx_index_type", (int)p->index_type);
    if (p->weight_type != SPIDX_WEIGHT_F32 && p->weight_type != SPIDX_WEIGHT_F16 && p->weight_type != SPIDX_WEIGHT_BF16)
        return fail(d, SPIDX_E_ARG, "weight_type = %d is not a spidx_weight_type", (int)p->weight_type);
    if (p->mode != SPIDX_MODE_ZERO && p->mode != SPIDX_MODE_KEEP)
        return fail(d, SPIDX_E_ARG, "mode = %d is not a spidx_mode", (int)p->mode);

    const int64_t S = SPIDX_REF_MUT(8, p->sink < p->sk ? p->sink : p->sk, p->sink);
    const int64_t W = SPIDX_REF_MUT(9, p->window < p->sk ? p->window : p->sk, p->window);
    const int64_t H = p->heavy;
    int64_t T = 0;
    const int t_overflow = __builtin_add_overflow(S, H, &T) || __builtin_add_overflow(T, W, &T);
    const int have_rows = p->b > 0 && p->h > 0;
    if (SPIDX_REF_MUT(5, have_rows && H > 0, 1) && !topk) return fail(d, SPIDX_E_ARG, "topk is NULL but holds b*h*heavy > 0 elements");
    if (have_rows && (t_overflow || T > 0) && !list) return fail(d, SPIDX_E_ARG, "list is NULL but holds b*h*T > 0 elements");
    if (have_rows && p->sk > 0 && !weight) return fail(d, SPIDX_E_ARG, "weight is NULL but holds b*h*sk > 0 elements");

    /* 2. E_STRIDE */
    const tensor_layout layouts[3] = {
        {"topk", H, 0, p->topk_sb, p->topk_sh},
        {"list", t_overflow ? 0 : T, t_overflow, p->list_sb, p->list_sh},
        {"weight", p->sk, 0, p->weight_sb, p->weight_sh},
    };
    for (int i = 0; i < 3; i++)
        if (!rows_disjoint(&layouts[i], p->b, p->h, d)) return SPIDX_E_STRIDE;

    /* 3. E_TOO_LARGE */
    int64_t rows;
    if (__builtin_mul_overflow(p->b, p->h, &rows))
        return fail(d, SPIDX_E_TOO_LARGE, "b * h = %lld * %lld overflows int64", (long long)p->b, (long long)p->h);
    if (t_overflow)
        return fail(d, SPIDX_E_TOO_LARGE, "T = S + H + W = %lld + %lld + %lld overflows int64", (long long)S,
                    (long long)H, (long long)W);
    const size_t isize = p->index_type == SPIDX_INDEX_I32 ? 4 : 8;
    const size_t wsize = p->weight_type == SPIDX_WEIGHT_F32 ? 4 : 2;
    const size_t esize[3] = {8, isize, wsize};
    int64_t spans[3];
    for (int i = 0; i < 3; i++) {
        int64_t bytes;
        spans[i] = span_of(&layouts[i], p->b, p->h);
        if (spans[i] < 0 || (__builtin_mul_overflow(spans[i], (int64_t)esize[i], &bytes) && SPIDX_REF_MUTANT != 4))
            return fail(d, SPIDX_E_TOO_LARGE, "%s span overflows int64", layouts[i].name);
    }
    if (p->index_type == SPIDX_INDEX_I32 && p->sk > INT32_MAX && SPIDX_REF_MUTANT != 6)
        return fail(d, SPIDX_E_TOO_LARGE, "int32 list with sk = %lld > INT32_MAX", (long long)p->sk);

    if (shape) {
        shape->S = S;
        shape->H = H;
        shape->W = W;
        shape->T = T;
        shape->rows = rows;
        shape->topk_span = spans[0];
        shape->list_span = spans[1];
        shape->weight_span = spans[2];
        shape->index_size = isize;
        shape->weight_size = wsize;
    }
    return SPIDX_OK;
}

spidx_row_strides spidx_effective_strides(const spidx_params *p, const spidx_shape *s)
{
    spidx_row_strides r;
    r.topk_sb = s->H > 0 ? dim_stride(p->b, p->topk_sb) : 0;
    r.topk_sh = s->H > 0 ? dim_stride(p->h, p->topk_sh) : 0;
    r.list_sb = s->T > 0 ? dim_stride(p->b, p->list_sb) : 0;
    r.list_sh = s->T > 0 ? dim_stride(p->h, p->list_sh) : 0;
    r.weight_sb = p->sk > 0 ? dim_stride(SPIDX_REF_MUT(13, p->b, p->b - 1), p->weight_sb) : 0;
    r.weight_sh = p->sk > 0 ? dim_stride(p->h, p->weight_sh) : 0;
    return r;
}
