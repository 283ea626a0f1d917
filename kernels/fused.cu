/* fused.cu - the fused single-launch implementation of ref/SPEC.md.
 * Variants (one template, chosen per call by the launcher):
 *   fused_kernel<int64_t|int32_t list, uint32_t|uint16_t weight bits>
 *   - ZERO mode: each block owns a chunk of one weight row, marks the row's heavy
 *     positions in a shared-memory bitmap, and writes the chunk once (1.0 or +0.0);
 *     no other block writes that chunk, so zeroing and scattering cannot race.
 *   - KEEP mode: each block computes list entries and scatters 1.0 directly.
 * Every list entry is computed in registers; the list is never read back.
 * Run through spidx_fused_run (kernels/spidx_gpu.h). */
#include <stdint.h>

#include "gpu_helpers.h"
#include "spidx_gpu.h"

namespace {

constexpr int kThreads = 256;
constexpr long long kChunkMax = 65536;          /* weight elements per ZERO-mode chunk */
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
    return a.sk - a.W + (j - a.S - a.H);
}

template <typename IndexT, typename WordT>
__global__ void __launch_bounds__(kThreads) fused_kernel(fused_args a)
{
    __shared__ uint32_t marks[kChunkMax / 32];
    const long long items = a.rows * a.nchunks;
    const WordT one = (WordT)a.one;
    for (long long item = blockIdx.x; item < items; item += gridDim.x) {
        const long long row = item / a.nchunks, c = item % a.nchunks;
        const long long bi = row / a.h, hi = row % a.h;
        const int64_t *trow = a.topk ? a.topk + bi * a.topk_sb + hi * a.topk_sh : nullptr;
        IndexT *lrow = a.list ? (IndexT *)a.list + bi * a.list_sb + hi * a.list_sh : nullptr;
        WordT *wrow = a.weight ? (WordT *)a.weight + bi * a.weight_sb + hi * a.weight_sh : nullptr;

        /* List entries, spread over the row's chunks. */
        for (long long j = c * kThreads + threadIdx.x; j < a.T; j += a.nchunks * kThreads) {
            const long long v = fused_entry(a, trow, row, j);
            lrow[j] = (IndexT)v;
            if (a.keep && v >= 0) wrow[v] = one; /* identical values: concurrent writes are benign */
        }
        if (a.keep || a.sk == 0) continue;

        /* ZERO mode: this block alone writes weights [c0, c1) of the row. */
        const long long c0 = c * a.chunk;
        if (c0 >= a.sk) continue; /* block-uniform */
        const long long c1 = min(a.sk, c0 + a.chunk);
        const int words = (int)((c1 - c0 + 31) / 32);
        for (int i = threadIdx.x; i < words; i += kThreads) marks[i] = 0;
        __syncthreads();
        for (long long k = threadIdx.x; k < a.H; k += kThreads) {
            const long long t = trow[k];
            if (!gpu_topk_valid(t, a.sk, a.init_offset)) continue;
            const long long v = t + a.init_offset;
            if (v >= c0 && v < c1) atomicOr(&marks[(v - c0) >> 5], 1u << ((v - c0) & 31));
        }
        __syncthreads();
        const long long win0 = a.sk - a.W;
        for (long long x = c0 + threadIdx.x; x < c1; x += kThreads) {
            const bool marked = x < a.S || x >= win0 || ((marks[(x - c0) >> 5] >> ((x - c0) & 31)) & 1u);
            wrow[x] = marked ? one : (WordT)0;
        }
        __syncthreads(); /* marks is reused by the next item */
    }
}

template <typename IndexT, typename WordT>
cudaError_t fused_launch_typed(const fused_args &a)
{
    const unsigned grid = gpu_grid_for(a.rows * a.nchunks, 8);
    fused_kernel<IndexT, WordT><<<grid, kThreads>>>(a);
    return cudaGetLastError();
}

cudaError_t fused_launch(const spidx_params *p, const spidx_shape *s, const gpu_buffers *d)
{
    fused_args a;
    a.topk = d->topk;
    a.list = d->list;
    a.weight = d->weight;
    a.first_bad = d->first_bad;
    a.h = p->h;
    a.sk = p->sk;
    a.S = s->S;
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
    a.one = p->weight_type == SPIDX_WEIGHT_F32 ? SPIDX_ONE_F32
            : p->weight_type == SPIDX_WEIGHT_F16 ? SPIDX_ONE_F16
                                                 : SPIDX_ONE_BF16;
    /* Extents of 1 never multiply a non-zero index; zero their strides so that an
     * arbitrary (ignored) stride cannot overflow the row offset arithmetic. */
    if (p->b == 1) a.topk_sb = a.list_sb = a.weight_sb = 0;
    if (p->h == 1) a.topk_sh = a.list_sh = a.weight_sh = 0;

    if (a.keep) {
        a.chunk = 0;
        a.nchunks = a.T > 0 ? (a.T + kListPerBlock - 1) / kListPerBlock : 0;
    } else {
        /* Smaller chunks until the grid can fill the device. */
        long long chunk = kChunkMax;
        const long long target = 4LL * gpu_sm_count();
        while (chunk > kChunkMin && a.rows * ((a.sk + chunk - 1) / chunk) < target) chunk /= 2;
        a.chunk = chunk;
        a.nchunks = (a.sk + chunk - 1) / chunk;
        if (a.nchunks == 0 && a.T > 0) a.nchunks = 1; /* sk = 0: the list still needs writing */
    }
    if (a.nchunks == 0) return cudaSuccess;

    const bool i32 = p->index_type == SPIDX_INDEX_I32;
    const bool w32 = p->weight_type == SPIDX_WEIGHT_F32;
    if (i32) return w32 ? fused_launch_typed<int32_t, uint32_t>(a) : fused_launch_typed<int32_t, uint16_t>(a);
    return w32 ? fused_launch_typed<int64_t, uint32_t>(a) : fused_launch_typed<int64_t, uint16_t>(a);
}

} // namespace

extern "C" spidx_status spidx_fused_run(const spidx_params *p, const int64_t *topk, void *list, void *weight,
                                        spidx_detail *detail)
{
    return gpu_run("fused", fused_launch, p, topk, list, weight, detail);
}
