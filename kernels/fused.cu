/* fused.cu - the fused single-launch implementation of ref/SPEC.md.
 * Variants (one template; variant 0 serves spidx_fused_run, the others are earlier
 * versions kept so the benchmark can time them side by side, see kernels/NOTES.md):
 *   v4-row     (default) ZERO mode: each block owns a chunk of one weight row (a whole row up to
 *              128 Ki elements), marks the row's heavy positions in a shared-memory
 *              bitmap while writing its share of the heavy list entries (one top-k
 *              read), and writes the chunk once (1.0 or +0.0) with 16-byte stores whose
 *              marks are read as one bit field; no other block writes that chunk, so
 *              zeroing and scattering cannot race. KEEP mode: list entries are
 *              computed and 1.0 scattered directly.
 *   v2-vec16   as v4 with 64 Ki-element chunks sized for four blocks per SM, the top-k
 *              read twice (list, then marks) and marks read per element.
 *   v1-scalar  as v2 with one element-sized store per weight.
 * Every list entry is computed in registers; the list is never read back. SPIDX_MUT marks
 * are mutation points (kernels/mutation.h): outside mutant builds they are the code as written.
 * Run through spidx_fused_run (kernels/spidx_gpu.h) or spidx_fused_launch_device
 * (kernels/spidx_gpu_device.h). */
#include <stdint.h>
#include <stdio.h>

#include "gpu_helpers.h"
#include "mutation.h"
#include "spidx_gpu.h"
#include "spidx_gpu_device.h"

namespace {

constexpr int kThreads = 256;
constexpr long long kChunkMax = 131072;         /* weight elements per ZERO-mode chunk (16 KiB bitmap) */
constexpr long long kChunkMin = 2048;
constexpr long long kListPerBlock = 4 * kThreads; /* KEEP mode: list entries per block */

struct fused_args {
    const int64_t *topk;
    void *list;
    void *weight;
    unsigned long long *first_bad;
    long long h, sk, S, H, W, T, init_offset;
    long long topk_sb, topk_sh, list_sb, list_sh, weight_sb, weight_sh;
    long long rows, nchunks, chunk; /* work item = (row, chunk index) */
    int keep;
    int merged;   /* ZERO mode: one pass over the top-k both marks the chunk and writes the list */
    uint32_t one;
};

/* The list entry at position j of a row; reports an invalid heavy entry. */
__device__ long long fused_entry(const fused_args &a, const int64_t *trow, long long row, long long j)
{
    if (j < a.S) return j;
    if (j < a.S + a.H) {
        const long long k = j - a.S;
        const long long t = trow[k];
        if (gpu_topk_valid(t, a.sk, a.init_offset)) return t + a.init_offset;
        gpu_report_invalid(a.first_bad, row * a.H + k);
        return -1;
    }
    return SPIDX_MUT(1, a.sk - a.W, a.sk - a.W + 1) + (j - a.S - a.H);
}

/* Whether weight x of a row is attended, from the chunk bitmap (bit x - c0) and the
 * sink/window bounds. */
__device__ __forceinline__ bool fused_marked(const uint32_t *marks, long long x, long long c0, long long S,
                                             long long win0)
{
    return x < S || x >= win0 || ((marks[(x - c0) >> 5] >> ((x - c0) & 31)) & 1u);
}

/* Writes weights [x0, x1) of a row from the bitmap: one store per element. */
template <typename WordT>
__device__ void fused_write_scalar(WordT *wrow, const uint32_t *marks, long long x0, long long x1, long long c0,
                                   long long S, long long win0, WordT one)
{
    for (long long x = x0 + threadIdx.x; x < x1; x += kThreads)
        wrow[x] = fused_marked(marks, x, c0, S, win0) ? one : (WordT)0;
}

/* Writes weights [c0, c1) with 16-byte stores: a scalar head up to the first 16-byte
 * boundary, whole vectors, then a scalar tail. Weight rows are element-aligned, so the
 * head is shorter than one vector. BitField reads each vector's marks as one bit field
 * (a funnel shift over two bitmap words) and tests sink/window bounds only for vectors
 * that reach them; otherwise each element's mark is read on its own (v2). */
template <typename WordT, bool BitField>
__device__ void fused_write_vec16(WordT *wrow, const uint32_t *marks, long long c0, long long c1, long long S,
                                  long long win0, WordT one)
{
    constexpr int kVec = 16 / sizeof(WordT);
    const unsigned mis = (unsigned)(((uintptr_t)(wrow + c0)) & 15u) / sizeof(WordT);
    const long long head = min(c1 - c0, (long long)((kVec - mis) % kVec));
    const long long v0 = c0 + head;
    const long long nvec = (c1 - v0) / kVec;
    fused_write_scalar(wrow, marks, c0, v0, c0, S, win0, one);
    for (long long i = threadIdx.x; i < nvec; i += kThreads) {
        const long long x = v0 + i * kVec;
        uint32_t bits = 0; /* bit e: element x + e is attended */
        if (BitField) {
            const unsigned off = (unsigned)(x - c0), sh = off & 31u; /* chunks are < 2^32 elements */
            /* The next word holds bits only past bit 31; it exists whenever they are in the chunk. */
            const uint32_t hi = SPIDX_MUT(15, sh + kVec > 32 ? marks[(off >> 5) + 1] : 0u, 0u);
            bits = __funnelshift_r(marks[off >> 5], hi, sh);
            if (x < S || x + kVec > win0) {
#pragma unroll
                for (int e = 0; e < kVec; e++)
                    if (x + e < S || x + e >= win0) bits |= 1u << e;
            }
        } else {
#pragma unroll
            for (int e = 0; e < kVec; e++)
                if (fused_marked(marks, x + e, c0, S, win0)) bits |= 1u << e;
        }
        uint32_t out[4];
#pragma unroll
        for (int k = 0; k < 4; k++) {
            if (sizeof(WordT) == 4)
                out[k] = (bits >> k) & 1u ? (uint32_t)one : 0u;
            else /* little-endian: element x + 2k in the low half */
                out[k] = ((bits >> (2 * k)) & 1u ? (uint32_t)one : 0u) |
                         ((bits >> (2 * k + 1)) & 1u ? (uint32_t)one << 16 : 0u);
        }
        *(uint4 *)(wrow + x) = make_uint4(out[0], out[1], out[2], out[3]);
    }
    if (!SPIDX_MUTANT_IS(14)) fused_write_scalar(wrow, marks, v0 + nvec * kVec, c1, c0, S, win0, one);
}

/* Store: 0 one store per element, 1 16-byte stores with per-element mark reads,
 * 2 16-byte stores with bit-field mark reads. */
template <typename IndexT, typename WordT, int Store>
__global__ void __launch_bounds__(kThreads) fused_kernel(fused_args a)
{
    __shared__ uint32_t marks[kChunkMax / 32];
    const long long items = a.rows * a.nchunks;
    const WordT one = (WordT)a.one;
    const bool merged = a.merged && !a.keep && a.sk > 0;
    for (long long item = blockIdx.x; item < items; item += SPIDX_MUT(9, gridDim.x, items)) {
        const long long row = item / a.nchunks, c = item % a.nchunks;
        const long long bi = row / a.h, hi = row % a.h;
        const int64_t *trow = a.topk ? a.topk + bi * a.topk_sb + hi * a.topk_sh : nullptr;
        IndexT *lrow = a.list ? (IndexT *)a.list + bi * a.list_sb + hi * a.list_sh : nullptr;
        const long long woff = bi * a.weight_sb + hi * a.weight_sh;
        WordT *wrow = a.weight ? (WordT *)a.weight + SPIDX_MUT(7, woff, (long long)(int)woff) : nullptr;

        /* List entries, spread over the row's chunks (heavy ones later when merged). */
        for (long long j = c * kThreads + threadIdx.x; j < a.T; j += a.nchunks * kThreads) {
            if (merged && j >= a.S && j < a.S + a.H) continue;
            const long long v = fused_entry(a, trow, row, j);
            lrow[j] = (IndexT)v;
            if (a.keep && SPIDX_MUT(18, v >= 0, true)) wrow[v] = one; /* identical values: concurrent writes are benign */
        }
        if (a.keep || a.sk == 0) continue;

        /* ZERO mode: this block alone writes weights [c0, c1) of the row. */
        const long long c0 = c * a.chunk;
        if (c0 >= a.sk) continue; /* block-uniform */
        const long long c1 = min(a.sk, c0 + a.chunk);
        const int words = (int)((c1 - c0 + 31) / 32);
        if (!SPIDX_MUTANT_IS(17) || item == blockIdx.x)
            for (int i = threadIdx.x; i < words; i += kThreads) marks[i] = 0;
        __syncthreads();
        /* When merged, this chunk also writes heavy list entries [k0, k1): one read of
         * the top-k per block instead of two. */
        const long long hshare = merged ? SPIDX_MUT(16, (a.H + a.nchunks - 1) / a.nchunks, a.H / a.nchunks) : 0;
        const long long k0 = c * hshare, k1 = min(a.H, k0 + hshare);
        for (long long k = threadIdx.x; k < a.H; k += kThreads) {
            const long long t = trow[k];
            const bool valid = gpu_topk_valid(t, a.sk, a.init_offset);
            const long long v = valid ? t + SPIDX_MUT(2, a.init_offset, 0) : -1;
            if (k >= k0 && k < k1) {
                lrow[a.S + k] = (IndexT)v;
                if (!valid) gpu_report_invalid(a.first_bad, row * a.H + k);
            }
            if (valid && v >= c0 && v < c1) atomicOr(&marks[(v - c0) >> 5], 1u << ((v - c0) & 31));
        }
        if (!SPIDX_MUTANT_IS(10)) __syncthreads();
        if (Store != 0)
            fused_write_vec16<WordT, Store == 2>(wrow, marks, c0, c1, a.S, a.sk - a.W, one);
        else
            fused_write_scalar(wrow, marks, c0, c1, c0, a.S, a.sk - a.W, one);
        __syncthreads(); /* marks is reused by the next item */
    }
}

/* One row of the variant table in the file comment. */
struct fused_variant {
    const char *name;
    int store;            /* fused_kernel's Store */
    bool merged;          /* fused_args.merged */
    long long chunk_max;  /* ZERO mode: the largest chunk, at most kChunkMax */
    int chunks_per_sm;    /* ZERO mode: halve chunks until rows x chunks reaches this per SM */
};
constexpr fused_variant kVariants[] = {
    {"v4-row", 2, true, kChunkMax, 1},
    {"v2-vec16", 1, false, 65536, 4},
    {"v1-scalar", 0, false, 65536, 4},
};
constexpr int kVariantCount = sizeof kVariants / sizeof kVariants[0];
static_assert(kVariantCount > 0, "variant 0 serves spidx_fused_run");

/* Each variant instantiates its own kernels only. */
template <int V, typename IndexT, typename WordT>
cudaError_t fused_launch_typed(const fused_args &a, cudaStream_t stream)
{
    const unsigned grid =
        SPIDX_MUT(9, gpu_grid_for(a.rows * a.nchunks, 8), (unsigned)min(a.rows * a.nchunks, 65535LL));
    fused_kernel<IndexT, WordT, kVariants[V].store><<<grid, kThreads, 0, stream>>>(a);
    return cudaGetLastError();
}

template <int V>
cudaError_t fused_launch(const spidx_params *p, const spidx_shape *s, const gpu_buffers *d, cudaStream_t stream)
{
    constexpr const fused_variant &v = kVariants[V];
    fused_args a;
    a.topk = d->topk;
    a.list = d->list;
    a.weight = d->weight;
    a.first_bad = d->first_bad;
    a.h = p->h;
    a.sk = p->sk;
    a.S = SPIDX_MUT(3, s->S, p->sink);
    a.H = s->H;
    a.W = s->W;
    a.T = s->T;
    a.init_offset = p->init_offset;
    a.topk_sb = p->topk_sb;
    a.topk_sh = p->topk_sh;
    a.list_sb = p->list_sb;
    a.list_sh = p->list_sh;
    a.weight_sb = p->weight_sb;
    a.weight_sh = p->weight_sh;
    a.rows = s->rows;
    a.keep = p->mode == SPIDX_MODE_KEEP;
    a.merged = v.merged;
    a.one = p->weight_type == SPIDX_WEIGHT_F32 ? SPIDX_ONE_F32
            : p->weight_type == SPIDX_WEIGHT_F16 ? SPIDX_ONE_F16
                                                 : SPIDX_MUT(12, SPIDX_ONE_BF16, SPIDX_ONE_F16);
    /* Extents of 1 never multiply a non-zero index; zero their strides so that an
     * arbitrary (ignored) stride cannot overflow the row offset arithmetic. */
    if (p->b == 1) a.topk_sb = a.list_sb = a.weight_sb = 0;
    if (p->h == 1) a.topk_sh = a.list_sh = a.weight_sh = 0;
    if (SPIDX_MUTANT_IS(6)) { /* rows assumed contiguous */
        a.topk_sb = p->h * s->H, a.topk_sh = s->H;
        a.list_sb = p->h * s->T, a.list_sh = s->T;
        a.weight_sb = p->h * p->sk, a.weight_sh = p->sk;
    }

    if (a.keep) {
        a.chunk = 0;
        a.nchunks = a.T > 0 ? (a.T + kListPerBlock - 1) / kListPerBlock : 0;
    } else {
        /* Smaller chunks until the grid can fill the device. */
        long long chunk = v.chunk_max;
        const long long target = (long long)v.chunks_per_sm * gpu_sm_count();
        while (chunk > kChunkMin && a.rows * ((a.sk + chunk - 1) / chunk) < target) chunk /= 2;
        a.chunk = chunk;
        a.nchunks = SPIDX_MUT(8, (a.sk + chunk - 1) / chunk, max(1LL, a.sk / chunk));
        if (a.nchunks == 0 && a.T > 0) a.nchunks = 1; /* sk = 0: the list still needs writing */
    }
    if (a.nchunks == 0) return cudaSuccess;

    const bool i32 = p->index_type == SPIDX_INDEX_I32;
    const bool w32 = p->weight_type == SPIDX_WEIGHT_F32;
    if (i32)
        return w32 ? fused_launch_typed<V, int32_t, uint32_t>(a, stream)
                   : fused_launch_typed<V, int32_t, uint16_t>(a, stream);
    return w32 ? fused_launch_typed<V, int64_t, uint32_t>(a, stream)
               : fused_launch_typed<V, int64_t, uint16_t>(a, stream);
}

} // namespace

#if SPIDX_MUTANT
/* A mutant build's copy (kernels/mutants/): the default variant with bug SPIDX_MUTANT,
 * behind one entry point with spidx_fused_run's contract. */
extern "C" spidx_status SPIDX_MUTANT_RUN_NAME(SPIDX_MUTANT)(const spidx_params *p, const int64_t *topk, void *list,
                                                           void *weight, spidx_detail *detail)
{
    return gpu_run("mutant", fused_launch<0>, p, topk, list, weight, detail);
}
#else
namespace {
constexpr gpu_launch_fn kVariantLaunch[] = {fused_launch<0>, fused_launch<1>, fused_launch<2>};
static_assert(sizeof kVariantLaunch / sizeof kVariantLaunch[0] == kVariantCount, "one launcher per variant");
} // namespace

extern "C" spidx_status spidx_fused_run(const spidx_params *p, const int64_t *topk, void *list, void *weight,
                                        spidx_detail *detail)
{
    return gpu_run("fused", fused_launch<0>, p, topk, list, weight, detail);
}

extern "C" int spidx_fused_variant_count(void) { return kVariantCount; }

extern "C" const char *spidx_fused_variant_name(int variant)
{
    return variant >= 0 && variant < kVariantCount ? kVariants[variant].name : nullptr;
}

extern "C" spidx_status spidx_fused_variant_launch_device(int variant, const spidx_params *p, const int64_t *topk,
                                                          void *list, void *weight, unsigned long long *first_bad,
                                                          cudaStream_t stream, spidx_detail *detail)
{
    if (variant < 0 || variant >= kVariantCount) {
        if (detail) {
            spidx_detail_clear(detail);
            snprintf(detail->message, sizeof detail->message, "fused: no variant %d", variant);
        }
        return SPIDX_E_ARG;
    }
    return gpu_launch_device(kVariants[variant].name, kVariantLaunch[variant], p, topk, list, weight, first_bad,
                             stream, detail);
}

extern "C" spidx_status spidx_fused_launch_device(const spidx_params *p, const int64_t *topk, void *list,
                                                  void *weight, unsigned long long *first_bad, cudaStream_t stream,
                                                  spidx_detail *detail)
{
    return spidx_fused_variant_launch_device(0, p, topk, list, weight, first_bad, stream, detail);
}
#endif /* SPIDX_MUTANT */
