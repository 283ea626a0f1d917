/* spidx_gpu_device.h - device-memory entry points of the CUDA implementations, for the
 * benchmark and for callers whose tensors already live on the GPU: no staging and no
 * synchronization; the kernels are queued on `stream`, so a call can be captured in a
 * CUDA graph. Include from CUDA C++ or from C with the CUDA runtime headers. */
#ifndef SPIDX_GPU_DEVICE_H
#define SPIDX_GPU_DEVICE_H

#include <cuda_runtime.h>

#include "spidx.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Both launchers take device pointers laid out by p's strides, and first_bad: one device
 * word the caller sets to ~0 before the call. After the stream reaches the call's end,
 * first_bad holds the smallest row-major top-k index (row * heavy + j) of an invalid
 * entry, or ~0 when every entry was valid; the call itself never returns
 * SPIDX_E_HEAVY_RANGE. Returns SPIDX_OK when queued; otherwise, in this order and with
 * nothing queued, classes 1-3 from spidx_check, SPIDX_E_UNAVAILABLE without a device,
 * SPIDX_E_ARG when first_bad is NULL; SPIDX_E_DEVICE when the launch fails
 * (detail.message says why).
 *
 * What a caller may rely on (tests/test_gpu_calls.c checks each):
 * - Streams: the call queues its kernels on `stream` and nothing else: no host
 *   synchronization, no allocation, no copy. Calls on different streams with distinct
 *   buffers may run concurrently.
 * - Graphs: a call may be captured (cudaStreamBeginCapture). The launch holds the
 *   params, shape, strides and buffer addresses of the call; every value inside the
 *   buffers is read by the kernels when they run, so a replay follows top-k contents
 *   (and initial KEEP weights) changed in place. Reset first_bad to ~0 inside the graph
 *   (a cudaMemsetAsync node before the call) so that each replay reports afresh.
 * - Re-entrancy: no state is kept between calls but two values read once per process
 *   (whether a device is usable, and the multiprocessor count of the device current at
 *   the first call, used to size grids). Once one call has returned, any host thread may
 *   call them at the same time as others, on distinct buffers. */
spidx_status spidx_fused_launch_device(const spidx_params *p, const int64_t *topk, void *list, void *weight,
                                       unsigned long long *first_bad, cudaStream_t stream, spidx_detail *detail);
spidx_status spidx_baseline_launch_device(const spidx_params *p, const int64_t *topk, void *list, void *weight,
                                          unsigned long long *first_bad, cudaStream_t stream,
                                          spidx_detail *detail);

#ifdef __cplusplus
}
#endif
#endif /* SPIDX_GPU_DEVICE_H */
