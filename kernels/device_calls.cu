/* device_calls.cu - a CUDA implementation called as a decoding loop calls it, for the
 * harness's call modes stream, two_streams and graph (harness/case_helpers.h): host
 * buffers in and out, as spidx_fused_run, but the kernels run through the device entry
 * point (gpu_launch_device, the code behind spidx_*_launch_device) on streams the call
 * creates, over device buffers allocated for this call alone and of exactly their size.
 *   stream       one call on a non-blocking user stream
 *   two_streams  two calls at once on two streams, each with its own buffers; the copies
 *                must agree byte for byte, else SPIDX_E_DEVICE says where they differ
 *   graph        the call captured in a CUDA graph (first_bad reset by a memset node),
 *                replayed once over a zeroed top-k, then again after the real top-k and
 *                the initial outputs are copied in place: the second replay's result is
 *                the outcome, so a launch that froze any buffer contents fails it
 * Run through the registry's run_call (kernels/spidx_registry.h). */
#include "gpu_helpers.h"

#include <stdio.h>
#include <string.h>

#include "spidx_registry.h"

namespace {

/* One copy of a call's buffers in device memory, NULL where the host buffer is NULL or
 * empty, plus the first_bad word. Freed by its destructor, on every return path. */
struct device_copy {
    void *buf[3] = {nullptr, nullptr, nullptr}; /* topk, list, weight */
    unsigned long long *first_bad = nullptr;
    ~device_copy()
    {
        for (void *b : buf)
            if (b) cudaFree(b);
        if (first_bad) cudaFree(first_bad);
    }
};

struct streams {
    cudaStream_t s[2] = {nullptr, nullptr};
    cudaGraph_t graph = nullptr;
    cudaGraphExec_t exec = nullptr;
    ~streams()
    {
        if (exec) cudaGraphExecDestroy(exec);
        if (graph) cudaGraphDestroy(graph);
        for (cudaStream_t x : s)
            if (x) cudaStreamDestroy(x);
    }
};

struct call_args {
    const char *impl;
    gpu_launch_fn launch;
    const spidx_params *p;
    const void *host[3]; /* topk, list, weight as the caller passed them */
    size_t bytes[3];
};

#define TRY(what, call)                                                                                         \
    do {                                                                                                        \
        cudaError_t err_ = (call);                                                                              \
        if (err_ != cudaSuccess) return gpu_device_fail(detail, a.impl, what, err_);                                      \
    } while (0)

spidx_status allocate(const call_args &a, device_copy &c, spidx_detail *detail)
{
    for (int i = 0; i < 3; i++)
        if (a.host[i] && a.bytes[i]) TRY("cudaMalloc (call buffer)", cudaMalloc(&c.buf[i], a.bytes[i]));
    TRY("cudaMalloc (first_bad)", cudaMalloc(&c.first_bad, sizeof *c.first_bad));
    return SPIDX_OK;
}

/* Queues the copies of the host buffers into c on stream; a zeroed top-k when zero_topk. */
spidx_status queue_inputs(const call_args &a, const device_copy &c, cudaStream_t stream, bool zero_topk,
                          spidx_detail *detail)
{
    for (int i = 0; i < 3; i++) {
        if (!c.buf[i]) continue;
        if (i == 0 && zero_topk)
            TRY("cudaMemsetAsync (top-k)", cudaMemsetAsync(c.buf[0], 0, a.bytes[0], stream));
        else
            TRY("cudaMemcpyAsync host to device", cudaMemcpyAsync(c.buf[i], a.host[i], a.bytes[i],
                                                                  cudaMemcpyHostToDevice, stream));
    }
    return SPIDX_OK;
}

/* The device entry point over c on stream, first_bad reset just before it. */
spidx_status queue_call(const call_args &a, const device_copy &c, cudaStream_t stream, spidx_detail *detail)
{
    TRY("cudaMemsetAsync (first_bad)", cudaMemsetAsync(c.first_bad, 0xff, sizeof *c.first_bad, stream));
    return gpu_launch_device(a.impl, a.launch, a.p, (const int64_t *)c.buf[0], c.buf[1], c.buf[2], c.first_bad,
                             stream, detail);
}

/* Copies c's outputs back into the caller's list and weight, and its first_bad. */
spidx_status read_back(const call_args &a, const device_copy &c, void *list, void *weight,
                       unsigned long long *first_bad, cudaStream_t stream, spidx_detail *detail)
{
    void *out[3] = {nullptr, list, weight};
    for (int i = 1; i < 3; i++)
        if (c.buf[i])
            TRY("cudaMemcpyAsync device to host",
                cudaMemcpyAsync(out[i], c.buf[i], a.bytes[i], cudaMemcpyDeviceToHost, stream));
    TRY("cudaMemcpyAsync device to host (first_bad)",
        cudaMemcpyAsync(first_bad, c.first_bad, sizeof *first_bad, cudaMemcpyDeviceToHost, stream));
    TRY("cudaStreamSynchronize after the call", cudaStreamSynchronize(stream));
    return SPIDX_OK;
}

spidx_status on_stream(const call_args &a, void *list, void *weight, unsigned long long *first_bad,
                       spidx_detail *detail)
{
    streams st;
    device_copy c;
    TRY("cudaStreamCreateWithFlags", cudaStreamCreateWithFlags(&st.s[0], cudaStreamNonBlocking));
    spidx_status r = allocate(a, c, detail);
    if (r == SPIDX_OK) r = queue_inputs(a, c, st.s[0], false, detail);
    if (r == SPIDX_OK) r = queue_call(a, c, st.s[0], detail);
    if (r == SPIDX_OK) r = read_back(a, c, list, weight, first_bad, st.s[0], detail);
    return r;
}

/* Index of the first byte where x and y differ, or -1. */
long long first_difference(const unsigned char *x, const unsigned char *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i]) return (long long)i;
    return -1;
}

spidx_status on_two_streams(const call_args &a, void *list, void *weight, unsigned long long *first_bad,
                            spidx_detail *detail)
{
    streams st;
    device_copy c[2];
    for (int k = 0; k < 2; k++) {
        TRY("cudaStreamCreateWithFlags", cudaStreamCreateWithFlags(&st.s[k], cudaStreamNonBlocking));
        const spidx_status r = allocate(a, c[k], detail);
        if (r != SPIDX_OK) return r;
    }
    /* Both calls are queued before either stream is waited on, so they may overlap. */
    for (int k = 0; k < 2; k++) {
        spidx_status r = queue_inputs(a, c[k], st.s[k], false, detail);
        if (r == SPIDX_OK) r = queue_call(a, c[k], st.s[k], detail);
        if (r != SPIDX_OK) return r;
    }
    unsigned char *second = (unsigned char *)malloc(a.bytes[1] + a.bytes[2] + 1);
    if (!second) {
        if (detail) snprintf(detail->message, sizeof detail->message, "%s: out of host memory", a.impl);
        return SPIDX_E_DEVICE;
    }
    unsigned long long bad2 = 0;
    spidx_status r = read_back(a, c[0], list, weight, first_bad, st.s[0], detail);
    if (r == SPIDX_OK) r = read_back(a, c[1], second, second + a.bytes[1], &bad2, st.s[1], detail);
    if (r == SPIDX_OK) {
        const long long dl = c[0].buf[1] ? first_difference((const unsigned char *)list, second, a.bytes[1]) : -1;
        const long long dw =
            c[0].buf[2] ? first_difference((const unsigned char *)weight, second + a.bytes[1], a.bytes[2]) : -1;
        if (dl >= 0 || dw >= 0 || bad2 != *first_bad) {
            if (detail)
                snprintf(detail->message, sizeof detail->message,
                         "%s: two calls at once on two streams disagree: %s byte %lld", a.impl,
                         dl >= 0 ? "list" : dw >= 0 ? "weight" : "first_bad", dl >= 0 ? dl : dw >= 0 ? dw : 0);
            r = SPIDX_E_DEVICE;
        }
    }
    free(second);
    return r;
}

spidx_status in_graph(const call_args &a, void *list, void *weight, unsigned long long *first_bad,
                      spidx_detail *detail)
{
    streams st;
    device_copy c;
    TRY("cudaStreamCreateWithFlags", cudaStreamCreateWithFlags(&st.s[0], cudaStreamNonBlocking));
    spidx_status r = allocate(a, c, detail);
    if (r != SPIDX_OK) return r;
    TRY("cudaStreamBeginCapture", cudaStreamBeginCapture(st.s[0], cudaStreamCaptureModeThreadLocal));
    r = queue_call(a, c, st.s[0], detail);
    const cudaError_t end = cudaStreamEndCapture(st.s[0], &st.graph);
    if (r != SPIDX_OK) return r;
    TRY("cudaStreamEndCapture", end);
    TRY("cudaGraphInstantiate", cudaGraphInstantiate(&st.exec, st.graph, 0));
    /* Replay 1 sees other top-k contents (zeros) than replay 2: the graph must not keep them. */
    for (int replay = 0; replay < 2; replay++) {
        r = queue_inputs(a, c, st.s[0], replay == 0, detail);
        if (r != SPIDX_OK) return r;
        TRY("cudaGraphLaunch", cudaGraphLaunch(st.exec, st.s[0]));
    }
    return read_back(a, c, list, weight, first_bad, st.s[0], detail);
}

} // namespace

spidx_status gpu_run_call(const char *impl, gpu_launch_fn launch, int how, const spidx_params *p, const int64_t *topk,
                          void *list, void *weight, spidx_detail *detail)
{
    spidx_shape s;
    spidx_status st = gpu_admit(impl, p, topk, list, weight, &s, detail);
    if (st != SPIDX_OK) return st;
    if (s.rows == 0) return SPIDX_OK;
    const call_args a = {impl,
                         launch,
                         p,
                         {topk, list, weight},
                         {(size_t)s.topk_span * 8, (size_t)s.list_span * s.index_size,
                          (size_t)s.weight_span * s.weight_size}};
    unsigned long long first_bad = ~0ull;
    switch (how) {
    case SPIDX_DEVICE_CALL_STREAM: st = on_stream(a, list, weight, &first_bad, detail); break;
    case SPIDX_DEVICE_CALL_TWO_STREAMS: st = on_two_streams(a, list, weight, &first_bad, detail); break;
    case SPIDX_DEVICE_CALL_GRAPH: st = in_graph(a, list, weight, &first_bad, detail); break;
    default:
        if (detail) snprintf(detail->message, sizeof detail->message, "%s: unknown device call %d", impl, how);
        return SPIDX_E_ARG;
    }
    if (st != SPIDX_OK) return st;
    return gpu_heavy_range_status(p, &s, topk, first_bad, detail);
}
