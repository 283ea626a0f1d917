/* baseline.cu - the naive multi-launch implementation of ref/SPEC.md, in the order of
 * the PyTorch path it stands for. Its kernels (the launches of one call, in order):
 *   baseline_zero_kernel      ZERO mode only: write +0.0 over every weight row (memset)
 *   baseline_sink_kernel      list[:, :, :S] = arange(S)
 *   baseline_heavy_kernel     list[:, :, S:S+H] = topk + init_offset, -1 where out of range
 *   baseline_window_kernel    list[:, :, S+H:] = arange(sk - W, sk)
 *   baseline_scatter_kernel   weight[row, list[row, j]] = 1.0 for list entries >= 0,
 *                             reading the list back like advanced indexing
 * Each kernel is a flat grid-stride loop over rows x columns. Run through
 * spidx_baseline_run (kernels/spidx_gpu.h). baseline_keep_rmw_kernel exists only in the
 * copy built as mutant 11 (kernels/mutants/). */
#include <stdint.h>

#include "gpu_helpers.h"
#include "mutation.h"
#if SPIDX_MUTANT == 11 || SPIDX_MUTANT_B == 11
#include <cuda_bf16.h> /* the float round trip of mutant 11 */
#include <cuda_fp16.h>
#endif
#include "spidx_gpu.h"
#include "spidx_gpu_device.h"

namespace {

constexpr int kThreads = 256;

/* Rows of one tensor: row r = (r / h, r % h) lives at bi * sb + hi * sh. */
struct row_map {
    long long h, sb, sh;
    __device__ long long at(long long r) const { return (r / h) * sb + (r % h) * sh; }
};

template <typename WordT>
__global__ void baseline_zero_kernel(WordT *w, row_map m, long long rows, long long sk)
{
    for (long long n = blockIdx.x * (long long)blockDim.x + threadIdx.x; n < rows * sk;
         n += (long long)gridDim.x * blockDim.x)
        w[m.at(n / sk) + n % sk] = (WordT)0;
}

template <typename IndexT>
__global__ void baseline_sink_kernel(IndexT *list, row_map m, long long rows, long long S)
{
    for (long long n = blockIdx.x * (long long)blockDim.x + threadIdx.x; n < rows * S;
         n += (long long)gridDim.x * blockDim.x)
        list[m.at(n / S) + n % S] = (IndexT)(n % S);
}

template <typename IndexT>
__global__ void baseline_heavy_kernel(IndexT *list, row_map lm, const int64_t *topk, row_map tm, long long rows,
                                      long long S, long long H, long long sk, long long init_offset,
                                      unsigned long long *first_bad)
{
    for (long long n = blockIdx.x * (long long)blockDim.x + threadIdx.x; n < rows * H;
         n += (long long)gridDim.x * blockDim.x) {
        const long long r = n / H, k = n % H;
        const long long t = topk[tm.at(r) + k];
        long long v = -1;
        if (gpu_topk_valid(t, sk, init_offset))
            v = t + init_offset;
        else
            gpu_report_invalid(first_bad, n); /* n = row * H + k: row-major top-k order */
        list[lm.at(r) + S + k] = (IndexT)v;
    }
}

template <typename IndexT>
__global__ void baseline_window_kernel(IndexT *list, row_map m, long long rows, long long S, long long H,
                                       long long W, long long sk)
{
    for (long long n = blockIdx.x * (long long)blockDim.x + threadIdx.x; n < rows * W;
         n += (long long)gridDim.x * blockDim.x)
        list[m.at(n / W) + S + H + n % W] = (IndexT)(sk - W + n % W);
}

template <typename IndexT, typename WordT>
__global__ void baseline_scatter_kernel(WordT *w, row_map wm, const IndexT *list, row_map lm, long long rows,
                                        long long T, WordT one)
{
    for (long long n = blockIdx.x * (long long)blockDim.x + threadIdx.x; n < rows * T;
         n += (long long)gridDim.x * blockDim.x) {
        const long long r = n / T;
        const long long v = (long long)list[lm.at(r) + n % T];
        if (v >= 0) w[wm.at(r) + v] = one;
    }
}

#if SPIDX_MUTANT == 11 || SPIDX_MUTANT_B == 11
/* Mutant 11 only: KEEP mode as "weight = weight * (1 - mask) + mask" would run it, every
 * weight passing through float arithmetic, which turns NaN payloads into the canonical
 * NaN. `scale` is 1.0 at run time, so the compiler cannot fold the multiplication away. */
template <typename WordT>
__global__ void baseline_keep_rmw_kernel(WordT *w, row_map m, long long rows, long long sk, int weight_type,
                                         float scale)
{
    for (long long n = blockIdx.x * (long long)blockDim.x + threadIdx.x; n < rows * sk;
         n += (long long)gridDim.x * blockDim.x) {
        WordT *x = &w[m.at(n / sk) + n % sk];
        if (sizeof(WordT) == 4)
            *x = (WordT)__float_as_uint(__uint_as_float((uint32_t)*x) * scale);
        else if (weight_type == SPIDX_WEIGHT_BF16)
            *x = (WordT)__bfloat16_as_ushort(__float2bfloat16(__bfloat162float(__ushort_as_bfloat16(*x)) * scale));
        else
            *x = (WordT)__half_as_ushort(__float2half(__half2float(__ushort_as_half(*x)) * scale));
    }
}
#endif

unsigned blocks_for(long long n)
{
    return gpu_grid_for((n + kThreads - 1) / kThreads, 32);
}

template <typename IndexT, typename WordT>
cudaError_t baseline_launch_typed(const spidx_params *p, const spidx_shape *s, const gpu_buffers *d, WordT one,
                                  cudaStream_t stream)
{
    /* Extent-1 dimensions and empty tensors have stride 0 (their strides are ignored). */
    const spidx_row_strides rs = spidx_effective_strides(p, s);
    const row_map tm = {p->h, rs.topk_sb, rs.topk_sh};
    const row_map lm = {p->h, rs.list_sb, rs.list_sh};
    const row_map wm = {p->h, rs.weight_sb, rs.weight_sh};
    IndexT *list = (IndexT *)d->list;
    WordT *w = (WordT *)d->weight;
    const long long rows = s->rows;
    cudaError_t err;

    if (p->mode == SPIDX_MODE_ZERO && p->sk > 0) {
        baseline_zero_kernel<WordT><<<blocks_for(rows * p->sk), kThreads, 0, stream>>>(w, wm, rows, p->sk);
        if ((err = cudaGetLastError()) != cudaSuccess) return err;
    }
#if SPIDX_MUTANT == 11 || SPIDX_MUTANT_B == 11
    if (p->mode == SPIDX_MODE_KEEP && p->sk > 0) {
        baseline_keep_rmw_kernel<WordT><<<blocks_for(rows * p->sk), kThreads, 0, stream>>>(w, wm, rows, p->sk,
                                                                                          p->weight_type, 1.0f);
        if ((err = cudaGetLastError()) != cudaSuccess) return err;
    }
#endif
    if (s->S > 0) {
        baseline_sink_kernel<IndexT><<<blocks_for(rows * s->S), kThreads, 0, stream>>>(list, lm, rows, s->S);
        if ((err = cudaGetLastError()) != cudaSuccess) return err;
    }
    if (s->H > 0) {
        baseline_heavy_kernel<IndexT><<<blocks_for(rows * s->H), kThreads, 0, stream>>>(
            list, lm, d->topk, tm, rows, s->S, s->H, p->sk, p->init_offset, d->first_bad);
        if ((err = cudaGetLastError()) != cudaSuccess) return err;
    }
    if (s->W > 0) {
        baseline_window_kernel<IndexT><<<blocks_for(rows * s->W), kThreads, 0, stream>>>(list, lm, rows, s->S, s->H, s->W, p->sk);
        if ((err = cudaGetLastError()) != cudaSuccess) return err;
    }
    if (s->T > 0 && p->sk > 0) {
        baseline_scatter_kernel<IndexT, WordT><<<blocks_for(rows * s->T), kThreads, 0, stream>>>(w, wm, list, lm, rows, s->T, one);
        if ((err = cudaGetLastError()) != cudaSuccess) return err;
    }
    return cudaSuccess;
}

cudaError_t baseline_launch(const spidx_params *p, const spidx_shape *s, const gpu_buffers *d, cudaStream_t stream)
{
    const bool i32 = p->index_type == SPIDX_INDEX_I32;
    const uint32_t one = spidx_weight_one_bits(p->weight_type);
    if (p->weight_type == SPIDX_WEIGHT_F32)
        return i32 ? baseline_launch_typed<int32_t, uint32_t>(p, s, d, one, stream)
                   : baseline_launch_typed<int64_t, uint32_t>(p, s, d, one, stream);
    return i32 ? baseline_launch_typed<int32_t, uint16_t>(p, s, d, (uint16_t)one, stream)
               : baseline_launch_typed<int64_t, uint16_t>(p, s, d, (uint16_t)one, stream);
}

} // namespace

#if SPIDX_MUTANT
/* A mutant build's copy (kernels/mutants/): the baseline with bug SPIDX_MUTANT. */
extern "C" spidx_status SPIDX_MUTANT_RUN_NAME(SPIDX_MUTANT_ID)(const spidx_params *p, const int64_t *topk, void *list,
                                                           void *weight, spidx_detail *detail)
{
    return gpu_run("mutant", baseline_launch, p, topk, list, weight, detail);
}

extern "C" spidx_status SPIDX_MUTANT_CALL_NAME(SPIDX_MUTANT_ID)(int how, const spidx_params *p, const int64_t *topk,
                                                            void *list, void *weight, spidx_detail *detail)
{
    return gpu_run_call("mutant", baseline_launch, how, p, topk, list, weight, detail);
}
#else
extern "C" spidx_status spidx_baseline_run(const spidx_params *p, const int64_t *topk, void *list, void *weight,
                                           spidx_detail *detail)
{
    return gpu_run("baseline", baseline_launch, p, topk, list, weight, detail);
}

extern "C" spidx_status spidx_baseline_run_call(int how, const spidx_params *p, const int64_t *topk, void *list,
                                          void *weight, spidx_detail *detail)
{
    return gpu_run_call("baseline", baseline_launch, how, p, topk, list, weight, detail);
}

extern "C" spidx_status spidx_baseline_launch_device(const spidx_params *p, const int64_t *topk, void *list,
                                                     void *weight, unsigned long long *first_bad,
                                                     cudaStream_t stream, spidx_detail *detail)
{
    return gpu_launch_device("baseline", baseline_launch, p, topk, list, weight, first_bad, stream, detail);
}
#endif /* SPIDX_MUTANT */
