/* plugin_staging.cu - guarded device staging for CUDA plug-ins (plugin_cuda_call in
 * registry_internal.h). Each buffer of a call lives in its own device block:
 * [kGuard canary bytes | the buffer's span | kGuard canary bytes], so a plug-in that
 * writes up to kGuard bytes outside a buffer is caught without compute-sanitizer, with
 * the buffer, the side and the distance; the top-k is compared after the call too.
 * Blocks are allocated per call at their exact size, so compute-sanitizer memcheck still
 * sees accesses beyond the canaries. The plug-in runs on one non-blocking stream that
 * spidx owns and synchronizes after the call. */
#include <cuda_runtime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_helpers.h"
#include "registry_internal.h"
#include "spidx_gpu.h"

namespace {

constexpr size_t kGuard = 4096;
constexpr unsigned char kCanary = 0xA5;
const char *const kBufName[3] = {"top-k", "list", "weight"};

cudaStream_t g_stream;

struct blocks {
    unsigned char *dev[3] = {nullptr, nullptr, nullptr};
    ~blocks()
    {
        for (unsigned char *d : dev)
            if (d) cudaFree(d);
    }
};

#define TRY(what, call)                                                                                         \
    do {                                                                                                        \
        cudaError_t err_ = (call);                                                                              \
        if (err_ != cudaSuccess) return gpu_device_fail(detail, name, what, err_);                                   \
    } while (0)

/* Describes the first damaged canary of block `which` (host copy h of kGuard + bytes +
 * kGuard bytes) into msg; 0 when both guards are intact. */
int damaged(const unsigned char *h, size_t bytes, int which, const char *name, char *msg, size_t msg_size)
{
    for (size_t i = 0; i < kGuard; i++) /* nearest the buffer first: the likeliest overrun */
        if (h[kGuard - 1 - i] != kCanary) {
            snprintf(msg, msg_size, "%s wrote before the %s buffer: byte %zu before its start", name,
                     kBufName[which], i + 1);
            return 1;
        }
    for (size_t i = 0; i < kGuard; i++)
        if (h[kGuard + bytes + i] != kCanary) {
            snprintf(msg, msg_size, "%s wrote after the %s buffer: byte %zu past its end (of %zu bytes)", name,
                     kBufName[which], i + 1, bytes);
            return 1;
        }
    return 0;
}

} // namespace

spidx_status plugin_cuda_call(const char *name, spidx_plugin_run_fn run, void *state, const spidx_params *p,
                              const int64_t *topk, void *list, void *weight, spidx_detail *detail)
{
    char why[160];
    if (!spidx_gpu_available(why, sizeof why)) {
        snprintf(detail->message, sizeof detail->message, "%s: %s", name, why);
        return SPIDX_E_UNAVAILABLE;
    }
    spidx_shape s;
    /* An invalid call (only a validating plug-in gets one) still gets a guarded block per
     * non-NULL buffer, of no bytes: the plug-in must reject it without writing. */
    const bool valid = spidx_check(p, topk, list, weight, &s, nullptr) == SPIDX_OK;
    const void *host[3] = {topk, list, weight};
    const size_t bytes[3] = {valid ? (size_t)s.topk_span * 8 : 0, valid ? (size_t)s.list_span * s.index_size : 0,
                             valid ? (size_t)s.weight_span * s.weight_size : 0};
    if (!g_stream) TRY("cudaStreamCreateWithFlags", cudaStreamCreateWithFlags(&g_stream, cudaStreamNonBlocking));
    blocks b;
    void *dptr[3] = {nullptr, nullptr, nullptr};
    for (int i = 0; i < 3; i++) {
        if (!host[i]) continue;
        TRY("cudaMalloc (guarded block)", cudaMalloc(&b.dev[i], bytes[i] + 2 * kGuard));
        TRY("cudaMemsetAsync (canaries)", cudaMemsetAsync(b.dev[i], kCanary, bytes[i] + 2 * kGuard, g_stream));
        if (bytes[i])
            TRY("cudaMemcpyAsync host to device",
                cudaMemcpyAsync(b.dev[i] + kGuard, host[i], bytes[i], cudaMemcpyHostToDevice, g_stream));
        dptr[i] = b.dev[i] + kGuard;
    }
    TRY("cudaStreamSynchronize before the call", cudaStreamSynchronize(g_stream));
    const int st = run(state, p, (const int64_t *)dptr[0], dptr[1], dptr[2], (void *)g_stream, detail);
    TRY("cudaStreamSynchronize after the call (the plug-in's work)", cudaStreamSynchronize(g_stream));
    TRY("the plug-in's kernels (cudaGetLastError after the call)", cudaGetLastError());

    spidx_status out = (spidx_status)st;
    char msg[sizeof detail->message] = "";
    for (int i = 0; i < 3 && !msg[0]; i++) {
        if (!b.dev[i]) continue;
        unsigned char *h = (unsigned char *)malloc(bytes[i] + 2 * kGuard);
        if (!h) {
            snprintf(detail->message, sizeof detail->message, "%s: out of host memory", name);
            return SPIDX_E_DEVICE;
        }
        cudaError_t err = cudaMemcpy(h, b.dev[i], bytes[i] + 2 * kGuard, cudaMemcpyDeviceToHost);
        if (err != cudaSuccess) {
            free(h);
            return gpu_device_fail(detail, name, "cudaMemcpy device to host", err);
        }
        if (!damaged(h, bytes[i], i, name, msg, sizeof msg)) {
            if (i == 0 && bytes[0] && memcmp(h + kGuard, topk, bytes[0]) != 0) {
                size_t at = 0;
                while (h[kGuard + at] == ((const unsigned char *)topk)[at]) at++;
                snprintf(msg, sizeof msg, "%s wrote into the top-k buffer (byte %zu)", name, at);
            } else if (i > 0 && bytes[i]) {
                memcpy(i == 1 ? list : weight, h + kGuard, bytes[i]);
            }
        }
        free(h);
    }
    if (msg[0]) {
        snprintf(detail->message, sizeof detail->message, "%s", msg);
        out = SPIDX_E_DEVICE;
    }
    return out;
}
