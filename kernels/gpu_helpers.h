/* gpu_helpers.h - what the CUDA implementations share: the staging of host buffers
 * through device memory, CUDA error checking that turns failures into SPIDX_E_DEVICE,
 * the device-side first-invalid-entry report, and grid sizing. Internal to kernels/. */
#ifndef SPIDX_GPU_HELPERS_H
#define SPIDX_GPU_HELPERS_H

#include <cuda_runtime.h>

#include "mutation.h"
#include "spidx.h"

/* Device copies of one call's buffers; each pointer is the device twin of the host
 * buffer's start, so host element offsets apply unchanged. first_bad holds the
 * smallest row-major top-k index (row * H + j) of an invalid entry, or ~0ull. */
struct gpu_buffers {
    const int64_t *topk;
    void *list;
    void *weight;
    unsigned long long *first_bad;
};

/* Queues one implementation's kernels on `stream`; returns the first CUDA error
 * (launch errors included) or cudaSuccess. Never synchronizes, so it can be captured
 * in a CUDA graph. */
typedef cudaError_t (*gpu_launch_fn)(const spidx_params *p, const spidx_shape *s, const gpu_buffers *d,
                                     cudaStream_t stream);

/* Fails a call with SPIDX_E_DEVICE: "<impl>: <what> failed: <CUDA's message> (<name>)"
 * into d (may be NULL), after clearing a non-sticky error so later calls can proceed. */
spidx_status gpu_device_fail(spidx_detail *d, const char *impl, const char *what, cudaError_t err);

/* Validates, stages, launches, copies back and builds the status/detail.
 * impl names the implementation in messages. */
spidx_status gpu_run(const char *impl, gpu_launch_fn launch, const spidx_params *p, const int64_t *topk,
                     void *list, void *weight, spidx_detail *detail);

/* The checks every entry point makes before touching the device, in this order: status
 * classes 1-3 (spidx_check, filling *s), then availability (SPIDX_E_UNAVAILABLE). */
spidx_status gpu_admit(const char *impl, const spidx_params *p, const int64_t *topk, const void *list,
                       const void *weight, spidx_shape *s, spidx_detail *detail);

/* The status of a finished call from its first_bad word: SPIDX_OK when ~0, else
 * SPIDX_E_HEAVY_RANGE with the detail of that entry (read from the host top-k). */
spidx_status gpu_heavy_range_status(const spidx_params *p, const spidx_shape *s, const int64_t *topk,
                                    unsigned long long first_bad, spidx_detail *detail);

/* The host entry point called through the device entry point as `how` says
 * (spidx_device_call; kernels/device_calls.cu): on a user stream, on two streams at once,
 * or captured in a CUDA graph. Same contract as gpu_run. */
spidx_status gpu_run_call(const char *impl, gpu_launch_fn launch, int how, const spidx_params *p, const int64_t *topk,
                          void *list, void *weight, spidx_detail *detail);

/* Validates and queues a launch over caller-owned device buffers (spidx_gpu_device.h). */
spidx_status gpu_launch_device(const char *impl, gpu_launch_fn launch, const spidx_params *p, const int64_t *topk,
                               void *list, void *weight, unsigned long long *first_bad, cudaStream_t stream,
                               spidx_detail *detail);

/* Number of multiprocessors of the current device (cached; 1 if the query fails). */
int gpu_sm_count(void);

/* Blocks for a grid-stride loop over `work` items: enough to fill the device, at most
 * `work`, never 0, never above the 1-D grid limit. */
unsigned gpu_grid_for(long long work, int per_sm);

/* Report of an invalid top-k entry at row-major top-k index idx (device side). */
__device__ __forceinline__ void gpu_report_invalid(unsigned long long *first_bad, long long idx)
{
    if (SPIDX_MUTANT_IS(13))
        atomicExch(first_bad, (unsigned long long)idx);
    else
        atomicMin(first_bad, (unsigned long long)idx);
}

/* The SPEC range test for a top-k value, overflow-free: 0 <= t < sk - init_offset. */
__device__ __forceinline__ bool gpu_topk_valid(long long t, long long sk, long long init_offset)
{
    return SPIDX_MUT(5, t >= 0, true) && SPIDX_MUT(4, t < sk - init_offset, t <= sk - init_offset);
}

#endif /* SPIDX_GPU_HELPERS_H */
