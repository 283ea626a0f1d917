/* sweep_shapes.c - the draw behind sweep_shapes.h. */
#include "sweep_shapes.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "case_helpers.h" /* case_splitmix64, case_contiguous_params */

#define SWEEP_CLASS_NAME(name, share) #name,
static const char *const k_names[SWEEP_CLASS_COUNT] = {SWEEP_CLASSES(SWEEP_CLASS_NAME)};
#undef SWEEP_CLASS_NAME
#define SWEEP_CLASS_SHARE(name, share) share,
static const int k_shares[SWEEP_CLASS_COUNT] = {SWEEP_CLASSES(SWEEP_CLASS_SHARE)};
#undef SWEEP_CLASS_SHARE
#define SWEEP_CLASS_SUM(name, share) +(share)
_Static_assert(0 SWEEP_CLASSES(SWEEP_CLASS_SUM) == 100, "the classes' shares add up to 100");
#undef SWEEP_CLASS_SUM

const char *sweep_class_name(int cls)
{
    return cls >= 0 && cls < SWEEP_CLASS_COUNT ? k_names[cls] : NULL;
}

size_t sweep_bytes(const spidx_params *p)
{
    spidx_shape s; /* the spans spidx_check derives: the buffers' exact sizes */
    if (spidx_check(p, p, p, p, &s, NULL) != SPIDX_OK) return SIZE_MAX;
    return (size_t)s.topk_span * 8 + (size_t)s.list_span * s.index_size + (size_t)s.weight_span * s.weight_size;
}

typedef struct {
    uint64_t state;
} rng;

static uint64_t next(rng *r)
{
    return case_splitmix64(&r->state);
}

/* Uniform in [lo, hi]. */
static int64_t uniform(rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(next(r) % (uint64_t)(hi - lo + 1));
}

/* Log-uniform integer in [lo, hi], lo >= 1: every octave equally likely. */
static int64_t log_uniform(rng *r, int64_t lo, int64_t hi)
{
    const double u = (double)(next(r) >> 11) / 9007199254740992.0; /* [0, 1) */
    const double v = exp(log((double)lo) + u * (log((double)hi + 1.0) - log((double)lo)));
    const int64_t x = (int64_t)v;
    return x < lo ? lo : x > hi ? hi : x;
}

void sweep_draw(uint64_t seed, int i, size_t max_bytes, sweep_shape *out)
{
    rng r = {seed * UINT64_C(0x9E3779B97F4A7C15) + (uint64_t)(unsigned)i};
    (void)next(&r);
    int pick = (int)(next(&r) % 100), cls = 0;
    while (pick >= k_shares[cls]) pick -= k_shares[cls++];
    int64_t b = 1, h = 1, sk = 1, sink = 0, heavy = 0, window = 0;
    switch ((sweep_class)cls) {
    case SWEEP_decode:
    case SWEEP_heavy_zero: {
        /* Batch 1-64 and heads 1-128 (per KV head group as models shard them), a context of
         * 1 to 10^6 tokens; attention sinks of a few tokens, a recent window of up to 4,096
         * and up to 1/4 of the context (at most 8,192) as heavy hitters. */
        static const int64_t sinks[] = {0, 1, 4, 16, 64, 128, 256};
        b = log_uniform(&r, 1, 64);
        h = log_uniform(&r, 1, 128);
        sk = log_uniform(&r, 1, 1000000);
        sink = sinks[next(&r) % 7];
        window = next(&r) % 10 == 0 ? 0 : log_uniform(&r, 1, 4096);
        const int64_t most = sk / 4 < 8192 ? sk / 4 : 8192;
        heavy = cls == SWEEP_heavy_zero || most < 1 ? 0 : log_uniform(&r, 1, most);
        break;
    }
    case SWEEP_tiny_rows:
        b = log_uniform(&r, 1, 16), h = log_uniform(&r, 1, 32), sk = uniform(&r, 1, 64);
        sink = uniform(&r, 0, 4), window = uniform(&r, 0, 8), heavy = uniform(&r, 0, sk / 2);
        break;
    case SWEEP_many_rows: {
        const int64_t rows = log_uniform(&r, 16384, 131072);
        b = log_uniform(&r, 1, 64), h = rows / b > 0 ? rows / b : 1, sk = log_uniform(&r, 1, 256);
        sink = uniform(&r, 0, 4), window = uniform(&r, 0, 16), heavy = uniform(&r, 0, sk / 4);
        break;
    }
    case SWEEP_huge_row:
        sk = log_uniform(&r, (int64_t)1 << 20, (int64_t)1 << 27);
        sink = 64, window = log_uniform(&r, 1, 4096), heavy = log_uniform(&r, 1, 8192);
        break;
    case SWEEP_t_over_sk:
        b = log_uniform(&r, 1, 16), h = log_uniform(&r, 1, 64), sk = log_uniform(&r, 2, 512);
        sink = uniform(&r, sk / 2 + 1, sk), heavy = uniform(&r, 0, sk / 2);
        window = uniform(&r, sk - sink + 1, sk); /* S + W > sk */
        break;
    case SWEEP_sk_zero:
        b = log_uniform(&r, 1, 64), h = log_uniform(&r, 1, 128), sk = 0;
        sink = uniform(&r, 0, 64), window = uniform(&r, 0, 64), heavy = 0;
        break;
    default:
        break;
    }
    /* Valid top-k values lie in [0, sk - init_offset) with init_offset = sink: none when the
     * sink covers the row. */
    if (sink >= sk) heavy = 0;
    const int32_t weight_type = (int32_t)(next(&r) % 3);
    const int32_t mode = (int32_t)(next(&r) % 2);
    spidx_params p = case_contiguous_params(b, h, sk, sink, heavy, window, sink);
    p.weight_type = weight_type;
    p.mode = mode;
    /* Within max_bytes: halve the batch, then the heads, then the row. */
    while (sweep_bytes(&p) > max_bytes) {
        if (b > 1) b = (b + 1) / 2;
        else if (h > 1) h = (h + 1) / 2;
        else sk /= 2;
        if (sink >= sk) heavy = 0;
        p = case_contiguous_params(b, h, sk, sink, heavy, window, sink);
        p.weight_type = weight_type;
        p.mode = mode;
    }
    memset(out, 0, sizeof *out);
    out->cls = (sweep_class)cls;
    out->p = p;
}
