/* fused_variant.cu - the fused kernel with its dispatch or chunk sizing changed, as a CUDA
 * plug-in (plugins/spidx_plugin.h), so that spidx_bench times a dispatch choice beside
 * `fused` in one run and validates it first. CMake builds one module per variant
 * (SPIDX_ENABLE_VARIANTS), each compiling kernels/fused.cu with the knobs it names:
 *   fused_keep_list      every KEEP call flat (fused_list_kernel)
 *   fused_chunk_fill2    fused's dispatch; block chunks halved (down to 2,048 weights) until
 *                        2 blocks per SM have work, not 1 (ZERO and KEEP)
 *   fused_chunk_max32k   fused's dispatch; ZERO chunks of at most 32 Ki weights (128 Ki in fused)
 *   fused_keep_chunk128k fused's dispatch; KEEP chunks of up to 128 Ki weights, as before v20
 *                        (32 Ki in fused)
 * Run: spidx_bench --sweep 500 --seed 1 --plugin build/ci/kernels/bench/fused_keep_list.so
 * (kernels/NOTES.md says what each measured). Valid calls only, int64 and int32 lists. */
#include "../fused.cu"

#include <stdio.h>

#include "spidx_plugin.h"

namespace {

int fused_variant_run(void *state, const spidx_params *p, const int64_t *topk, void *list, void *weight,
                      void *stream, spidx_detail *detail)
{
    (void)state;
    spidx_shape s;
    const spidx_status st = spidx_check(p, topk, list, weight, &s, detail);
    if (st != SPIDX_OK) return st; /* not reached: spidx sends valid calls only (caps) */
    /* No first_bad word: fused reports only invalid top-k values, which valid calls lack. */
    const gpu_buffers d = {topk, list, weight, nullptr};
    const cudaError_t err = fused_launch(p, &s, &d, (cudaStream_t)stream);
    if (err != cudaSuccess) {
        if (detail)
            snprintf(detail->message, sizeof detail->message, "%s: launch failed: %s", SPIDX_FUSED_VARIANT,
                     cudaGetErrorString(err));
        return SPIDX_E_DEVICE;
    }
    return SPIDX_OK;
}

const spidx_plugin_impl k_impls[] = {
    {SPIDX_FUSED_VARIANT, SPIDX_PLUGIN_CUDA,
     SPIDX_FUSED_VARIANT_CAPS | SPIDX_CAP_INDEX_I64 | SPIDX_CAP_INDEX_I32 | SPIDX_CAP_WEIGHT_F32 |
         SPIDX_CAP_WEIGHT_F16 | SPIDX_CAP_WEIGHT_BF16 | SPIDX_CAP_PADDED | SPIDX_CAP_PERMUTED,
     fused_variant_run, nullptr},
};
const spidx_plugin k_plugin = {SPIDX_PLUGIN_ABI_VERSION, 1, k_impls, nullptr, nullptr};

} // namespace

const spidx_plugin *spidx_plugin_entry(void)
{
    return &k_plugin;
}
