/* sweep_shapes.h - the shapes of spidx_bench --sweep: a seeded draw over the shape space
 * that decoding produces, plus the fuzz decoder's edge classes (README "Performance
 * across the shape space" states the distribution and why). Plain C, so the draw is
 * tested without a GPU (tests/test_sweep_shapes.c). */
#ifndef SPIDX_SWEEP_SHAPES_H
#define SPIDX_SWEEP_SHAPES_H

#include <stddef.h>
#include <stdint.h>

#include "spidx.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The classes, in the order of their share of the draw. */
#define SWEEP_CLASSES(X)                                                                                      \
    X(decode, 70)     /* decoding-realistic: b, h, sk log-uniform; sink, window, heavy as models use them */ \
    X(tiny_rows, 5)   /* rows of 1-64 weights */                                                            \
    X(many_rows, 5)   /* 16,384-131,072 rows of at most 256 weights */                                      \
    X(huge_row, 5)    /* one row of 2^20-2^27 weights */                                                    \
    X(t_over_sk, 5)   /* sink + heavy + window longer than the row */                                       \
    X(heavy_zero, 5)  /* no heavy hitter: sink and window only */                                           \
    X(sk_zero, 5)     /* empty rows: only a list to write */

#define SWEEP_CLASS_ENUM(name, share) SWEEP_##name,
typedef enum { SWEEP_CLASSES(SWEEP_CLASS_ENUM) SWEEP_CLASS_COUNT } sweep_class;
#undef SWEEP_CLASS_ENUM

typedef struct sweep_shape {
    sweep_class cls;
    spidx_params p; /* contiguous rows, int64 list, init_offset = sink; valid */
} sweep_shape;

/* "decode", "tiny_rows", ...; NULL out of range. */
const char *sweep_class_name(int cls);

/* Bytes of a shape's buffers (top-k, list and weights: their spans by spidx_check);
 * SIZE_MAX for params spidx_check refuses. */
size_t sweep_bytes(const spidx_params *p);

/* Shape number i of the sweep seeded by seed: the same (seed, i) always gives the same
 * shape; its buffers hold at most max_bytes (extents are halved until they do). Never fails. */
void sweep_draw(uint64_t seed, int i, size_t max_bytes, sweep_shape *out);

#ifdef __cplusplus
}
#endif
#endif /* SPIDX_SWEEP_SHAPES_H */
