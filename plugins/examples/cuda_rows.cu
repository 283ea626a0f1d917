/* cuda_rows.cu - a CUDA plug-in (plugins/spidx_plugin.h): an implementation of
 * ref/SPEC.md on device memory, as another team's kernel would come to spidx, and the
 * example the README's C plug-in follows. One block per (batch, head) row:
 *   cuda_rows_kernel  the block writes the row's list, then (ZERO) zeroes the weight row,
 *                     then, after a barrier, marks 1.0 at every list entry
 * Slow on purpose (no bitmap, no chunking): a second, simple GPU implementation to
 * compare the fused kernel with. Declares every type, mode and layout; expects valid
 * calls only. Build: part of every build with CUDA (build/<preset>/plugins/examples/
 * cuda_rows.so); run: SPIDX_PLUGINS=$PWD/build/ci/plugins/examples/cuda_rows.so
 * SPIDX_IMPLS=ref,fused,cuda_rows build/ci/fuzz/fuzz_diff_replay corpus/seed */
#include <cuda_runtime.h>
#include <stdio.h>

#include "spidx_plugin.h"

namespace {

/* Entry k of a row's list, by SPEC.md's three regions. */
__device__ long long entry_at(long long k, long long S, long long H, long long sk, long long W,
                              const int64_t *topk_row, long long init_offset)
{
    if (k < S) return k;
    if (k < S + H) return topk_row[k - S] + init_offset;
    return sk - W + (k - S - H);
}

template <typename IndexT, typename WordT>
__global__ void cuda_rows_kernel(spidx_params p, long long S, long long W, const int64_t *topk, IndexT *list,
                                 WordT *weight, WordT one)
{
    const long long row = blockIdx.x, bi = row / p.h, hi = row % p.h, H = p.heavy, T = S + H + W;
    /* SPEC ignores the strides of extent-1 dimensions and of empty tensors: 0 here. */
    const long long tb = p.b > 1 && H ? p.topk_sb : 0, th = p.h > 1 && H ? p.topk_sh : 0;
    const long long lb = p.b > 1 && T ? p.list_sb : 0, lh = p.h > 1 && T ? p.list_sh : 0;
    const long long wb = p.b > 1 && p.sk ? p.weight_sb : 0, wh = p.h > 1 && p.sk ? p.weight_sh : 0;
    const int64_t *topk_row = topk + bi * tb + hi * th;
    IndexT *list_row = list + bi * lb + hi * lh;
    WordT *weight_row = weight + bi * wb + hi * wh;
    for (long long k = threadIdx.x; k < T; k += blockDim.x)
        list_row[k] = (IndexT)entry_at(k, S, H, p.sk, W, topk_row, p.init_offset);
    if (p.mode == SPIDX_MODE_ZERO)
        for (long long x = threadIdx.x; x < p.sk; x += blockDim.x) weight_row[x] = 0;
    __syncthreads(); /* every zero lands before any mark */
    for (long long k = threadIdx.x; k < T; k += blockDim.x)
        weight_row[entry_at(k, S, H, p.sk, W, topk_row, p.init_offset)] = one;
}

template <typename IndexT, typename WordT>
void launch(const spidx_params *p, long long S, long long W, const int64_t *topk, void *list, void *weight,
            uint32_t one, cudaStream_t stream)
{
    const long long rows = p->b * p->h;
    cuda_rows_kernel<IndexT, WordT><<<(unsigned)rows, 256, 0, stream>>>(*p, S, W, topk, (IndexT *)list,
                                                                         (WordT *)weight, (WordT)one);
}

int cuda_rows_run(void *state, const spidx_params *p, const int64_t *topk, void *list, void *weight, void *stream,
                  spidx_detail *detail)
{
    (void)state;
    const long long rows = p->b * p->h;
    if (rows == 0) return SPIDX_OK;
    if (rows > 0x7fffffffLL) { /* one block per row */
        if (detail) snprintf(detail->message, sizeof detail->message, "cuda_rows: more than 2^31 - 1 rows");
        return SPIDX_E_DEVICE;
    }
    const long long S = p->sink < p->sk ? p->sink : p->sk, W = p->window < p->sk ? p->window : p->sk;
    if (S + p->heavy + W == 0 && (p->sk == 0 || p->mode == SPIDX_MODE_KEEP)) return SPIDX_OK; /* nothing to write */
    /* 1.0's bits, re-derived from IEEE 754 on purpose (a plug-in is independent of spidx). */
    const uint32_t one = p->weight_type == SPIDX_WEIGHT_F32 ? 127u << 23 : p->weight_type == SPIDX_WEIGHT_F16 ? 15u << 10
                                                                                                             : 127u << 7;
    cudaStream_t s = (cudaStream_t)stream;
    const bool i32 = p->index_type == SPIDX_INDEX_I32, w32 = p->weight_type == SPIDX_WEIGHT_F32;
    if (i32)
        w32 ? launch<int32_t, uint32_t>(p, S, W, topk, list, weight, one, s)
            : launch<int32_t, uint16_t>(p, S, W, topk, list, weight, one, s);
    else
        w32 ? launch<int64_t, uint32_t>(p, S, W, topk, list, weight, one, s)
            : launch<int64_t, uint16_t>(p, S, W, topk, list, weight, one, s);
    const cudaError_t err = cudaGetLastError();
    if (err != cudaSuccess) {
        if (detail) snprintf(detail->message, sizeof detail->message, "cuda_rows: launch failed: %s", cudaGetErrorString(err));
        return SPIDX_E_DEVICE;
    }
    return SPIDX_OK;
}

const spidx_plugin_impl k_impls[] = {
    {"cuda_rows", SPIDX_PLUGIN_CUDA, SPIDX_CAP_ALL & ~(uint32_t)(SPIDX_CAP_VALIDATES | SPIDX_CAP_HEAVY_RANGE),
     cuda_rows_run, nullptr},
};
const spidx_plugin k_plugin = {SPIDX_PLUGIN_ABI_VERSION, 1, k_impls, nullptr, nullptr};

} // namespace

const spidx_plugin *spidx_plugin_entry(void)
{
    return &k_plugin;
}
