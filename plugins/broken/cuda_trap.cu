/* cuda_trap.cu - a CUDA plug-in broken on purpose: every call with a row launches a kernel
 * that traps, which loses the process's CUDA context (a sticky error: every later CUDA
 * call of the process fails). tests/test_context_lost.sh checks that a replay under
 * --keep-going stops there and lists the inputs left as not run, instead of blaming the
 * next implementation that touches the GPU. Declares every type, mode and layout. */
#include <cuda_runtime.h>
#include <stdio.h>

#include "spidx_plugin.h"

namespace {

__global__ void cuda_trap_kernel()
{
    __trap();
}

int cuda_trap_run(void *state, const spidx_params *p, const int64_t *topk, void *list, void *weight, void *stream,
                  spidx_detail *detail)
{
    (void)state, (void)topk, (void)list, (void)weight;
    if (p->b == 0 || p->h == 0) return SPIDX_OK;
    cuda_trap_kernel<<<1, 1, 0, (cudaStream_t)stream>>>();
    const cudaError_t err = cudaGetLastError();
    if (err != cudaSuccess) {
        if (detail) snprintf(detail->message, sizeof detail->message, "cuda_trap: launch failed: %s", cudaGetErrorString(err));
        return SPIDX_E_DEVICE;
    }
    return SPIDX_OK;
}

const spidx_plugin_impl k_impls[] = {
    {"cuda_trap", SPIDX_PLUGIN_CUDA, SPIDX_CAP_ALL & ~(uint32_t)(SPIDX_CAP_VALIDATES | SPIDX_CAP_HEAVY_RANGE),
     cuda_trap_run, nullptr},
};
const spidx_plugin k_plugin = {SPIDX_PLUGIN_ABI_VERSION, 1, k_impls, nullptr, nullptr};

} // namespace

const spidx_plugin *spidx_plugin_entry(void)
{
    return &k_plugin;
}
