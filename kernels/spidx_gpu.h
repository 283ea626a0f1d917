/* spidx_gpu.h - host entry points of the CUDA implementations (kernels/fused.cu,
 * kernels/baseline.cu). They take host buffers with the layout of ref/spidx.h, stage
 * them through device memory, and return the SPEC status. Not re-entrant: the device
 * staging buffers are shared per process, so call them from one thread at a time.
 * SPIDX_GPU_EXACT_BUFFERS=1 in the environment gives each buffer of a call its own
 * allocation of exactly its size, reallocated whenever the size changes (slower): the
 * shared staging block and the grown buffers have slack that would hide an
 * out-of-bounds access from compute-sanitizer memcheck. The gate's and
 * fuzz/mutation.py's sanitizer runs set it. */
#ifndef SPIDX_GPU_H
#define SPIDX_GPU_H

#include <stddef.h>

#include "spidx.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Returns 1 when a CUDA device can run the kernels; otherwise 0, with the reason
 * ("built without CUDA", "no CUDA-capable device is detected") copied into why.
 * SPIDX_GPU_DISABLE=1 in the environment makes it 0 on any host ("disabled by
 * SPIDX_GPU_DISABLE=1"): a stand-in for a broken CUDA stack in tests of the harness. */
int spidx_gpu_available(char *why, size_t why_size);

/* Fused single-launch kernel. Returns the SPEC status; SPIDX_E_UNAVAILABLE without a
 * device, SPIDX_E_DEVICE when a CUDA call fails (detail.message names the call). */
spidx_status spidx_fused_run(const spidx_params *p, const int64_t *topk, void *list, void *weight,
                             spidx_detail *detail);

/* Multi-launch baseline in the PyTorch order. Same contract as spidx_fused_run. */
spidx_status spidx_baseline_run(const spidx_params *p, const int64_t *topk, void *list, void *weight,
                                spidx_detail *detail);

/* spidx_fused_run and spidx_baseline_run called through their device entry points as
 * `how` says (spidx_device_call in spidx_registry.h: a user stream, two streams at once, a
 * CUDA graph replayed after the top-k changed), over device buffers of exactly the
 * call's spans. Same contract as the host entry points; SPIDX_E_ARG for an unknown how,
 * SPIDX_E_DEVICE when two streams' copies disagree. Not re-entrant either. */
spidx_status spidx_fused_run_call(int how, const spidx_params *p, const int64_t *topk, void *list, void *weight,
                                  spidx_detail *detail);
spidx_status spidx_baseline_run_call(int how, const spidx_params *p, const int64_t *topk, void *list, void *weight,
                                     spidx_detail *detail);

/* Which of fused's kernels serves a call with params p (kernels/fused.cu's dispatch; the
 * sweep counts shapes per path): "list", "warp rows", "block chunks", each followed by
 * " keep" in KEEP mode, "row spans", "thread rows" and "8-lane rows" (ZERO mode only),
 * or "none" when the call writes nothing; NULL for invalid params. Needs no device; NULL
 * in a build without CUDA. */
const char *spidx_fused_path_name(const spidx_params *p);

/* Returns 1 when this process's CUDA context can still run work (or none was made, or
 * there is no CUDA); 0 after a sticky error (an illegal address, a kernel trap), which
 * fails every later CUDA call of the process, with CUDA's message in why. It
 * synchronizes the device. */
int spidx_gpu_context_ok(char *why, size_t why_size);

/* Frees the device staging buffers (they are otherwise kept and grown on demand).
 * Never fails; a no-op without CUDA. */
void spidx_gpu_release(void);

#ifdef __cplusplus
}
#endif
#endif /* SPIDX_GPU_H */
