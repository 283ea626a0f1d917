/* gpu_helpers.cu - staging, error handling and availability shared by the CUDA
 * implementations (see gpu_helpers.h). Buffers persist across calls and grow on demand
 * so a fuzzing loop does no per-call allocation. Small calls (the fuzzing mix) go
 * through one pinned host block mirrored on the device: one copy in, one copy out;
 * large calls, and every call with SPIDX_GPU_EXACT_BUFFERS=1, copy each buffer directly
 * through its own device allocation, without a pinned twin of their size. */
#include "gpu_helpers.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spidx_gpu.h"

namespace {

struct device_pool {
    void *ptr[3];
    size_t cap[3];
    unsigned long long *first_bad;
};
device_pool g_pool;

/* Pinned staging for small calls. Layout: [topk | first_bad | list | weight], each part
 * 256-byte aligned, so the copy back starts at first_bad and skips the top-k. */
struct pinned_pool {
    unsigned char *host;
    unsigned char *dev;
    size_t cap;
};
pinned_pool g_pinned;
constexpr size_t kPinnedMax = (size_t)64 << 20;

size_t align256(size_t x) { return (x + 255) & ~(size_t)255; }

cudaError_t grow_pinned(size_t bytes)
{
    if (bytes <= g_pinned.cap) return cudaSuccess;
    if (g_pinned.host) cudaFreeHost(g_pinned.host);
    if (g_pinned.dev) cudaFree(g_pinned.dev);
    g_pinned.host = g_pinned.dev = nullptr;
    g_pinned.cap = 0;
    size_t want = bytes < ((size_t)1 << 20) ? ((size_t)1 << 20) : bytes + bytes / 4;
    if (want > kPinnedMax + 1024) want = kPinnedMax + 1024;
    cudaError_t err = cudaMallocHost(&g_pinned.host, want);
    if (err == cudaSuccess) err = cudaMalloc(&g_pinned.dev, want);
    if (err != cudaSuccess) return err;
    g_pinned.cap = want;
    return cudaSuccess;
}

int g_available = -1; /* -1: not probed yet */
char g_why[160];

/* SPIDX_GPU_EXACT_BUFFERS=1 (read once): see spidx_gpu.h. */
bool exact_buffers(void)
{
    static int on = -1;
    if (on < 0) {
        const char *e = getenv("SPIDX_GPU_EXACT_BUFFERS");
        on = e && strcmp(e, "1") == 0;
    }
    return on == 1;
}

/* Makes pool slot `slot` hold at least `bytes`, or exactly `bytes` with exact buffers (an
 * allocation without slack, so compute-sanitizer memcheck sees any access past it). */
cudaError_t grow(int slot, size_t bytes)
{
    const bool exact = exact_buffers();
    if (exact ? bytes == g_pool.cap[slot] : bytes <= g_pool.cap[slot]) return cudaSuccess;
    if (g_pool.ptr[slot]) cudaFree(g_pool.ptr[slot]);
    g_pool.ptr[slot] = nullptr;
    g_pool.cap[slot] = 0;
    /* Headroom so slowly growing cases do not reallocate each time. */
    size_t want = exact ? bytes : bytes + bytes / 4;
    cudaError_t err = cudaMalloc(&g_pool.ptr[slot], want);
    if (err != cudaSuccess) {
        err = cudaMalloc(&g_pool.ptr[slot], bytes);
        if (err != cudaSuccess) return err;
        want = bytes;
    }
    g_pool.cap[slot] = want;
    return cudaSuccess;
}

} // namespace

spidx_status gpu_device_fail(spidx_detail *d, const char *impl, const char *what, cudaError_t err)
{
    (void)cudaGetLastError();
    if (d)
        snprintf(d->message, sizeof d->message, "%s: %s failed: %s (%s)", impl, what, cudaGetErrorString(err),
                 cudaGetErrorName(err));
    return SPIDX_E_DEVICE;
}

extern "C" int spidx_gpu_available(char *why, size_t why_size)
{
    if (g_available < 0) {
        int n = 0;
        const char *disable = getenv("SPIDX_GPU_DISABLE");
        cudaError_t err = cudaSuccess;
        if (disable && strcmp(disable, "1") == 0) {
            /* Stands for a host whose CUDA stack fails, for tests of what the harness does then. */
            snprintf(g_why, sizeof g_why, "disabled by SPIDX_GPU_DISABLE=1");
            g_available = 0;
        } else if ((err = cudaGetDeviceCount(&n)) != cudaSuccess) {
            (void)cudaGetLastError();
            /* The static runtime reports a missing driver library as an old driver: say
             * which it is, so that nobody goes looking for a driver upgrade. */
            void *driver = err == cudaErrorInsufficientDriver ? dlopen("libcuda.so.1", RTLD_LAZY) : NULL;
            if (err == cudaErrorInsufficientDriver && !driver)
                snprintf(g_why, sizeof g_why, "no usable CUDA device: no NVIDIA driver (libcuda.so.1 cannot be loaded)");
            else
                snprintf(g_why, sizeof g_why, "no usable CUDA device: %s", cudaGetErrorString(err));
            if (driver) dlclose(driver);
            g_available = 0;
        } else if (n == 0) {
            snprintf(g_why, sizeof g_why, "no CUDA device");
            g_available = 0;
        } else {
            g_available = 1;
            g_why[0] = 0;
        }
    }
    if (why && why_size) snprintf(why, why_size, "%s", g_why);
    return g_available;
}

extern "C" int spidx_gpu_context_ok(char *why, size_t why_size)
{
    if (why && why_size) why[0] = '\0';
    if (g_available != 1) return 1; /* no context was ever made here: nothing to lose */
    (void)cudaGetLastError();       /* a non-sticky error is gone after this; a sticky one is not */
    const cudaError_t err = cudaDeviceSynchronize();
    if (err == cudaSuccess) return 1;
    if (why && why_size) snprintf(why, why_size, "%s (%s)", cudaGetErrorString(err), cudaGetErrorName(err));
    return 0;
}

extern "C" void spidx_gpu_release(void)
{
    for (int i = 0; i < 3; i++) {
        if (g_pool.ptr[i]) cudaFree(g_pool.ptr[i]);
        g_pool.ptr[i] = nullptr;
        g_pool.cap[i] = 0;
    }
    if (g_pool.first_bad) cudaFree(g_pool.first_bad);
    g_pool.first_bad = nullptr;
    if (g_pinned.host) cudaFreeHost(g_pinned.host);
    if (g_pinned.dev) cudaFree(g_pinned.dev);
    g_pinned.host = g_pinned.dev = nullptr;
    g_pinned.cap = 0;
}

int gpu_sm_count(void)
{
    static int sms = 0;
    if (sms == 0) {
        int dev = 0, v = 0;
        if (cudaGetDevice(&dev) == cudaSuccess &&
            cudaDeviceGetAttribute(&v, cudaDevAttrMultiProcessorCount, dev) == cudaSuccess && v > 0)
            sms = v;
        else
            sms = 1;
    }
    return sms;
}

unsigned gpu_grid_for(long long work, int per_sm)
{
    long long cap = (long long)gpu_sm_count() * per_sm;
    if (cap > 0x7fffffffLL) cap = 0x7fffffffLL;
    long long g = work < cap ? work : cap;
    return g < 1 ? 1u : (unsigned)g;
}

#define TRY(what, call)                                                                                         \
    do {                                                                                                        \
        cudaError_t err_ = (call);                                                                              \
        if (err_ != cudaSuccess) return gpu_device_fail(detail, impl, what, err_);                                 \
    } while (0)

spidx_status gpu_admit(const char *impl, const spidx_params *p, const int64_t *topk, const void *list,
                              const void *weight, spidx_shape *s, spidx_detail *detail)
{
    spidx_status st = spidx_check(p, topk, list, weight, s, detail);
    if (st != SPIDX_OK) return st;
    char why[160];
    if (!spidx_gpu_available(why, sizeof why)) {
        if (detail) snprintf(detail->message, sizeof detail->message, "%s: %s", impl, why);
        return SPIDX_E_UNAVAILABLE;
    }
    return SPIDX_OK;
}

spidx_status gpu_launch_device(const char *impl, gpu_launch_fn launch, const spidx_params *p, const int64_t *topk,
                               void *list, void *weight, unsigned long long *first_bad, cudaStream_t stream,
                               spidx_detail *detail)
{
    spidx_shape s;
    const spidx_status st = gpu_admit(impl, p, topk, list, weight, &s, detail);
    if (st != SPIDX_OK) return st;
    if (!first_bad) {
        if (detail) snprintf(detail->message, sizeof detail->message, "%s: first_bad is NULL", impl);
        return SPIDX_E_ARG;
    }
    if (s.rows == 0) return SPIDX_OK;
    const gpu_buffers d = {topk, list, weight, first_bad};
    TRY("kernel launch", launch(p, &s, &d, stream));
    return SPIDX_OK;
}

spidx_status gpu_run(const char *impl, gpu_launch_fn launch, const spidx_params *p, const int64_t *topk,
                     void *list, void *weight, spidx_detail *detail)
{
    spidx_shape s;
    const spidx_status st = gpu_admit(impl, p, topk, list, weight, &s, detail);
    if (st != SPIDX_OK) return st;
    if (s.rows == 0) return SPIDX_OK; /* b = 0 or h = 0: nothing to write */

    const size_t bytes[3] = {(size_t)s.topk_span * 8, (size_t)s.list_span * s.index_size,
                             (size_t)s.weight_span * s.weight_size};
    unsigned long long first_bad = 0;
    gpu_buffers d;
    /* The whole span of each buffer travels both ways, so row padding returns with its
     * own bits (and a kernel that wrote padding is caught by the comparison). */
    const size_t off_bad = align256(bytes[0]), off_list = off_bad + 256, off_weight = off_list + align256(bytes[1]);
    const size_t total = off_weight + bytes[2];
    if (total <= kPinnedMax && !exact_buffers()) {
        TRY("cudaMallocHost/cudaMalloc (staging)", grow_pinned(total));
        unsigned char *h = g_pinned.host, *dv = g_pinned.dev;
        if (bytes[0]) memcpy(h, topk, bytes[0]);
        memset(h + off_bad, 0xff, sizeof first_bad);
        if (bytes[1]) memcpy(h + off_list, list, bytes[1]);
        if (bytes[2]) memcpy(h + off_weight, weight, bytes[2]);
        TRY("cudaMemcpyAsync host to device", cudaMemcpyAsync(dv, h, total, cudaMemcpyHostToDevice, 0));
        d.topk = bytes[0] ? (const int64_t *)dv : nullptr;
        d.first_bad = (unsigned long long *)(dv + off_bad);
        d.list = bytes[1] ? dv + off_list : nullptr;
        d.weight = bytes[2] ? dv + off_weight : nullptr;
        TRY("kernel launch", launch(p, &s, &d, 0));
        TRY("cudaMemcpyAsync device to host",
            cudaMemcpyAsync(h + off_bad, dv + off_bad, total - off_bad, cudaMemcpyDeviceToHost, 0));
        TRY("cudaStreamSynchronize after the kernels", cudaStreamSynchronize(0));
        memcpy(&first_bad, h + off_bad, sizeof first_bad);
        if (bytes[1]) memcpy(list, h + off_list, bytes[1]);
        if (bytes[2]) memcpy(weight, h + off_weight, bytes[2]);
    } else {
        const void *host_in[3] = {topk, list, weight};
        for (int i = 0; i < 3; i++) {
            if (bytes[i] == 0) continue;
            TRY("cudaMalloc (staging buffer)", grow(i, bytes[i]));
            TRY("cudaMemcpy host to device", cudaMemcpy(g_pool.ptr[i], host_in[i], bytes[i], cudaMemcpyHostToDevice));
        }
        if (!g_pool.first_bad) TRY("cudaMalloc (first_bad)", cudaMalloc(&g_pool.first_bad, sizeof first_bad));
        TRY("cudaMemset (first_bad)", cudaMemset(g_pool.first_bad, 0xff, sizeof first_bad));
        d.topk = bytes[0] ? (const int64_t *)g_pool.ptr[0] : nullptr;
        d.list = bytes[1] ? g_pool.ptr[1] : nullptr;
        d.weight = bytes[2] ? g_pool.ptr[2] : nullptr;
        d.first_bad = g_pool.first_bad;
        TRY("kernel launch", launch(p, &s, &d, 0));
        TRY("cudaDeviceSynchronize after the kernels", cudaDeviceSynchronize());
        TRY("cudaMemcpy (first_bad)", cudaMemcpy(&first_bad, g_pool.first_bad, sizeof first_bad, cudaMemcpyDeviceToHost));
        if (bytes[1]) TRY("cudaMemcpy device to host (list)", cudaMemcpy(list, d.list, bytes[1], cudaMemcpyDeviceToHost));
        if (bytes[2])
            TRY("cudaMemcpy device to host (weight)", cudaMemcpy(weight, d.weight, bytes[2], cudaMemcpyDeviceToHost));
    }

    return gpu_heavy_range_status(p, &s, topk, first_bad, detail);
}

spidx_status gpu_heavy_range_status(const spidx_params *p, const spidx_shape *s, const int64_t *topk,
                                    unsigned long long first_bad, spidx_detail *detail)
{
    if (first_bad == ~0ull) return SPIDX_OK;
    /* first_bad = row * H + j with row = bi * h + hi: row-major order over [b][h][heavy]. */
    const long long idx = (long long)first_bad;
    const long long row = idx / s->H, j = idx % s->H;
    if (detail) {
        const long long bi = row / p->h, hi = row % p->h;
        const spidx_row_strides rs = spidx_effective_strides(p, s);
        spidx_detail_set_heavy_range(detail, bi, hi, j, topk[bi * rs.topk_sb + hi * rs.topk_sh + j]);
    }
    return SPIDX_E_HEAVY_RANGE;
}
