/* registry_internal.h - how the plug-in loader adds entries to the registry. Internal to
 * kernels/. */
#ifndef SPIDX_REGISTRY_INTERNAL_H
#define SPIDX_REGISTRY_INTERNAL_H

#include "spidx_plugin.h"
#include "spidx_registry.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Free entries left in the registry. */
size_t registry_room(void);

/* Appends a copy of *impl; -1 when the registry is full. */
int registry_append(const spidx_impl *impl);

/* A plug-in implementation's call on CUDA device memory (kernels/plugin_staging.cu, or
 * SPIDX_E_UNAVAILABLE without CUDA): stages the host buffers into device blocks whose
 * bytes around each buffer hold canaries, calls run on spidx's stream, synchronizes,
 * checks the canaries and the top-k, and copies the outputs back. A write outside a
 * buffer, into the top-k, or a CUDA error after the call returns SPIDX_E_DEVICE with
 * what happened in detail->message (which buffer, before or after it, how far). */
spidx_status plugin_cuda_call(const char *name, spidx_plugin_run_fn run, void *state, const spidx_params *p,
                              const int64_t *topk, void *list, void *weight, spidx_detail *detail);

#ifdef __cplusplus
}
#endif
#endif /* SPIDX_REGISTRY_INTERNAL_H */
