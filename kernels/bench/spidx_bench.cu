/* spidx_bench.cu - times the fused kernel, the baseline, the CUDA plug-ins that
 * SPIDX_PLUGINS loads (graph replay when their run can be captured, else back to back),
 * three KEEP-mode references (scatter-only, sector-rmw, keep-traffic) and two floors (an
 * empty kernel launch; cudaMemsetAsync of the weight rows plus the list) on a fixed shape
 * table. main runs four steps: parse_options; for each configuration validate_config,
 * which checks each implementation bit for bit against the reference, before time_config;
 * write_report.
 * Usage: spidx_bench [--validate-only] [--samples N] [--only SUBSTR[,SUBSTR...]] [--report-dir DIR] [--commit SHA]
 *                    [--sweep N [--seed S] | --case FILE] [--plugin PATH]...
 * --sweep times N shapes drawn by kernels/bench/sweep_shapes.c instead of the table and
 * writes DIR/sweep-<UTC>.{md,json,dat,gp} and the worst shapes' .case files; --case times
 * one shape from a .case file (contiguous rows, int64 list).
 * Writes DIR/<UTC>.md and .json with --report-dir; exit 0 ok, 1 mismatch (or no GPU under
 * SPIDX_REQUIRE_GPU=1), 2 no GPU while SPIDX_IMPLS names device implementations, 77 no GPU. */
#include <cuda_runtime.h>

#include <algorithm>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmath>
#include <string>
#include <vector>

#include "spidx.h"
#include "spidx_gpu.h"
#include "spidx_gpu_device.h"
#include "spidx_registry.h"
#include "sweep_shapes.h"
extern "C" {
#include "case_io.h" /* case_parse, case_write: the sweep's .case files and --case */
}

/* What the bench is doing ("validating seed_triton on large/f32/zero"): the checks name
 * it, since a kernel's illegal address surfaces at the next CUDA call, not at its launch. */
static char g_doing[128] = "starting";
#define BENCH_CHECK(cond)                                                                                     \
    do {                                                                                                      \
        if (!(cond)) {                                                                                        \
            fprintf(stderr, "%s:%d: check failed while %s: %s\n", __FILE__, __LINE__, g_doing, #cond);       \
            exit(2);                                                                                          \
        }                                                                                                     \
    } while (0)
#define CUDA_CHECK(call)                                                                                      \
    do {                                                                                                      \
        cudaError_t e_ = (call);                                                                              \
        if (e_ != cudaSuccess) {                                                                              \
            fprintf(stderr, "%s:%d: %s failed while %s: %s\n", __FILE__, __LINE__, #call, g_doing,            \
                    cudaGetErrorString(e_));                                                                  \
            exit(2);                                                                                          \
        }                                                                                                     \
    } while (0)

namespace {

struct shape_row {
    const char *name;
    long long b, h, sk, sink, heavy, window;
};
/* The shapes the targets name (the report's Targets); init_offset = sink (heavy hitters
 * are ranked after the sink). */
const shape_row kShapes[] = {
    {"decode", 1, 32, 8192, 128, 256, 128},
    {"mid", 4, 32, 32768, 64, 1024, 256},
    {"large", 8, 32, 131072, 128, 4096, 1024},
    {"manyrow", 64, 64, 2048, 16, 128, 64},
};
const int kWeightTypes[] = {SPIDX_WEIGHT_F32, SPIDX_WEIGHT_BF16};
const int kModes[] = {SPIDX_MODE_ZERO, SPIDX_MODE_KEEP};

/* Rotation: enough buffer sets that one round over them exceeds the L2 several times. */
constexpr size_t kRotateBytes = (size_t)256 << 20;
constexpr int kMaxSets = 64;
constexpr int kOpsPerSample = 20; /* launches between two events */

__global__ void bench_empty_kernel() {}

/* KEEP mode's scatter alone: 1.0 at every list entry of a contiguous int64 list, the list
 * only read. Any KEEP implementation writes these same scattered sectors. */
template <typename WordT>
__global__ void bench_scatter_kernel(WordT *w, const int64_t *list, long long rows, long long T, long long sk,
                                     WordT one)
{
    for (long long n = blockIdx.x * (long long)blockDim.x + threadIdx.x; n < rows * T;
         n += (long long)gridDim.x * blockDim.x) {
        const long long v = list[n];
        if (v >= 0) w[(n / T) * sk + v] = one;
    }
}

/* Reads 32-byte sector s of w and writes it back. `zero` is 0 at run time; it keeps
 * the store from being folded away. */
__device__ __forceinline__ void bench_rewrite_sector(uint4 *w, uint32_t s, unsigned zero)
{
    uint4 *p = w + 2 * (size_t)s;
    const uint4 a = p[0], b = p[1];
    p[0] = make_uint4(a.x | zero, a.y, a.z, a.w);
    p[1] = b;
}

/* KEEP mode's weight traffic alone: every 32-byte weight sector that holds a mark, read
 * and written back, in address order. KEEP must leave a sector's other weights as they
 * are, so any implementation moves at least this (plus the top-k and the list) unless a
 * sector is marked whole. */
__global__ void bench_sector_rmw_kernel(uint4 *w, const uint32_t *sectors, long long n, unsigned zero)
{
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        bench_rewrite_sector(w, sectors[i], zero);
}

/* KEEP mode's whole traffic with nothing computed: sector-rmw's sectors, plus the top-k
 * read and the list written, each coalesced (list entry i takes top-k value i, or i past
 * them; the values are not checked). What any KEEP implementation moves, at the best
 * access pattern each stream can have. */
__global__ void bench_keep_traffic_kernel(uint4 *w, const uint32_t *sectors, long long nsectors, const int64_t *topk,
                                          long long ntopk, int64_t *list, long long nlist, unsigned zero)
{
    const long long n = nsectors > nlist ? nsectors : nlist;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        if (i < nsectors) bench_rewrite_sector(w, sectors[i], zero);
        if (i < nlist) list[i] = i < ntopk ? topk[i] : i;
    }
}

/* Reads n 16-byte words of the top-k and stores nothing unless their XOR is `magic` (it
 * never is): the top-k read that the floor adds to the output bytes. */
__global__ void bench_read_kernel(const uint4 *t, long long n, unsigned magic, unsigned *sink)
{
    unsigned x = 0;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        const uint4 v = t[i];
        x ^= v.x ^ v.y ^ v.z ^ v.w;
    }
    if (x == magic) *sink = x;
}

uint64_t g_rng = 0x9E3779B97F4A7C15ull;
uint64_t rng_next()
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

struct config {
    const shape_row *shape;
    int weight_type, mode;
    spidx_params p;
    spidx_shape s;
    size_t topk_bytes, list_bytes, weight_bytes;
};

/* A configuration from valid contiguous int64 params (the sweep's shapes, --case). */
config make_config_params(const spidx_params &p)
{
    config c;
    c.shape = nullptr;
    c.weight_type = p.weight_type;
    c.mode = p.mode;
    c.p = p;
    spidx_detail d;
    BENCH_CHECK(spidx_check(&c.p, &c.p, &c.p, &c.p, &c.s, &d) == SPIDX_OK);
    c.topk_bytes = (size_t)c.s.topk_span * 8;
    c.list_bytes = (size_t)c.s.list_span * c.s.index_size;
    c.weight_bytes = (size_t)c.s.weight_span * c.s.weight_size;
    return c;
}

config make_config(const shape_row *sh, int wt, int mode)
{
    config c;
    c.shape = sh;
    c.weight_type = wt;
    c.mode = mode;
    spidx_params &p = c.p;
    memset(&p, 0, sizeof p);
    p.b = sh->b;
    p.h = sh->h;
    p.sk = sh->sk;
    p.sink = sh->sink;
    p.heavy = sh->heavy;
    p.window = sh->window;
    p.init_offset = sh->sink;
    p.index_type = SPIDX_INDEX_I64;
    p.weight_type = wt;
    p.mode = mode;
    const long long T = sh->sink + sh->heavy + sh->window;
    p.topk_sh = sh->heavy;
    p.topk_sb = sh->h * sh->heavy;
    p.list_sh = T;
    p.list_sb = sh->h * T;
    p.weight_sh = sh->sk;
    p.weight_sb = sh->h * sh->sk;
    spidx_detail d;
    BENCH_CHECK(spidx_check(&p, &p, &p, &p, &c.s, &d) == SPIDX_OK);
    c.topk_bytes = (size_t)c.s.topk_span * 8;
    c.list_bytes = (size_t)c.s.list_span * c.s.index_size;
    c.weight_bytes = (size_t)c.s.weight_span * c.s.weight_size;
    return c;
}

/* Bytes any implementation must write (the targets' bytes floor): ZERO writes every
 * weight and the list; KEEP writes the list and one 32-byte sector per list entry. */
double floor_bytes(const config &c)
{
    if (c.mode == SPIDX_MODE_ZERO) return (double)c.weight_bytes + (double)c.list_bytes;
    return (double)c.list_bytes + 32.0 * (double)(c.s.rows * c.s.T);
}

struct device_set {
    int64_t *topk;
    void *list, *weight;
    unsigned long long *first_bad;
    uint32_t *sectors;   /* KEEP: the marked weight sectors (32-byte units from weight), sorted */
    long long nsectors;
};

/* Allocation, copies and fills that skip empty buffers: a shape may have none (heavy = 0,
 * sk = 0, no rows), and an empty buffer stays NULL, as SPEC allows. */
cudaError_t alloc_bytes(void **p, size_t bytes)
{
    *p = nullptr;
    return bytes ? cudaMalloc(p, bytes) : cudaSuccess;
}
cudaError_t copy_bytes(void *dst, const void *src, size_t bytes, cudaMemcpyKind kind, cudaStream_t st)
{
    return bytes ? cudaMemcpyAsync(dst, src, bytes, kind, st) : cudaSuccess;
}
cudaError_t fill_bytes(void *dst, int value, size_t bytes, cudaStream_t st)
{
    return bytes ? cudaMemsetAsync(dst, value, bytes, st) : cudaSuccess;
}

/* Distinct top-k values per row in [0, sk - init_offset): a partial Fisher-Yates draw;
 * past 2^16 candidates (the sweep's long rows), or with more values per row than
 * candidates (SPEC allows repeats), independent draws, which may repeat. */
std::vector<int64_t> make_topk(const config &c)
{
    const long long range = c.p.sk - c.p.init_offset;
    std::vector<int64_t> topk((size_t)c.s.topk_span);
    if (c.s.H == 0 || c.s.rows == 0 || range <= 0) return topk;
    if (range > 65536 || c.s.H > range) {
        for (long long r = 0; r < c.s.rows; r++)
            for (long long k = 0; k < c.s.H; k++) topk[(size_t)(r * c.s.H + k)] = (int64_t)(rng_next() % (uint64_t)range);
        return topk;
    }
    std::vector<int64_t> pool((size_t)range);
    for (long long r = 0; r < c.s.rows; r++) {
        for (long long i = 0; i < range; i++) pool[(size_t)i] = i;
        for (long long k = 0; k < c.s.H; k++) {
            const long long pick = k + (long long)(rng_next() % (uint64_t)(range - k));
            std::swap(pool[(size_t)k], pool[(size_t)pick]);
            topk[(size_t)(r * c.s.H + k)] = pool[(size_t)k];
        }
    }
    return topk;
}

typedef spidx_status (*device_launch_fn)(const config &c, const device_set &d, cudaStream_t st);

spidx_status launch_fused(const config &c, const device_set &d, cudaStream_t st)
{
    spidx_detail det;
    return spidx_fused_launch_device(&c.p, d.topk, d.list, d.weight, d.first_bad, st, &det);
}

spidx_status launch_baseline(const config &c, const device_set &d, cudaStream_t st)
{
    spidx_detail det;
    return spidx_baseline_launch_device(&c.p, d.topk, d.list, d.weight, d.first_bad, st, &det);
}

spidx_status launch_empty(const config &, const device_set &, cudaStream_t st)
{
    bench_empty_kernel<<<1, 32, 0, st>>>();
    return cudaGetLastError() == cudaSuccess ? SPIDX_OK : SPIDX_E_DEVICE;
}

spidx_status launch_memset(const config &c, const device_set &d, cudaStream_t st)
{
    if (fill_bytes(d.weight, 0, c.weight_bytes, st) != cudaSuccess) return SPIDX_E_DEVICE;
    if (fill_bytes(d.list, 0, c.list_bytes, st) != cudaSuccess) return SPIDX_E_DEVICE;
    return SPIDX_OK;
}

spidx_status launch_topk_read(const config &c, const device_set &d, cudaStream_t st)
{
    const long long n = (long long)(c.topk_bytes / 16);
    if (n == 0) return SPIDX_OK; /* under 16 bytes: the launch floor covers it */
    const unsigned grid = (unsigned)std::min<long long>((n + 255) / 256, 132LL * 16);
    bench_read_kernel<<<grid, 256, 0, st>>>((const uint4 *)d.topk, n, 0x5EED5EEDu, (unsigned *)d.first_bad);
    return cudaGetLastError() == cudaSuccess ? SPIDX_OK : SPIDX_E_DEVICE;
}

spidx_status launch_scatter(const config &c, const device_set &d, cudaStream_t st)
{
    const long long n = c.s.rows * c.s.T;
    if (n == 0) return SPIDX_OK; /* no list entry: nothing to scatter */
    const unsigned grid = (unsigned)std::min<long long>((n + 255) / 256, 132LL * 16);
    const uint32_t one = spidx_weight_one_bits(c.weight_type);
    if (c.weight_type == SPIDX_WEIGHT_F32)
        bench_scatter_kernel<uint32_t><<<grid, 256, 0, st>>>((uint32_t *)d.weight, (const int64_t *)d.list, c.s.rows,
                                                            c.s.T, c.p.sk, one);
    else
        bench_scatter_kernel<uint16_t><<<grid, 256, 0, st>>>((uint16_t *)d.weight, (const int64_t *)d.list, c.s.rows,
                                                            c.s.T, c.p.sk, (uint16_t)one);
    return cudaGetLastError() == cudaSuccess ? SPIDX_OK : SPIDX_E_DEVICE;
}

spidx_status launch_sector_rmw(const config &, const device_set &d, cudaStream_t st)
{
    if (d.nsectors == 0) return SPIDX_OK;
    const unsigned grid = (unsigned)std::min<long long>((d.nsectors + 255) / 256, 0x7fffffffLL);
    bench_sector_rmw_kernel<<<grid, 256, 0, st>>>((uint4 *)d.weight, d.sectors, d.nsectors, 0u);
    return cudaGetLastError() == cudaSuccess ? SPIDX_OK : SPIDX_E_DEVICE;
}

spidx_status launch_keep_traffic(const config &c, const device_set &d, cudaStream_t st)
{
    const long long nlist = c.s.rows * c.s.T, n = std::max(d.nsectors, nlist);
    if (n == 0) return SPIDX_OK;
    const unsigned grid = (unsigned)std::min<long long>((n + 255) / 256, 0x7fffffffLL);
    bench_keep_traffic_kernel<<<grid, 256, 0, st>>>((uint4 *)d.weight, d.sectors, d.nsectors, d.topk,
                                                    c.s.rows * c.s.H, (int64_t *)d.list, nlist, 0u);
    return cudaGetLastError() == cudaSuccess ? SPIDX_OK : SPIDX_E_DEVICE;
}

/* The sorted distinct 32-byte sectors of the weights that hold a valid list entry
 * (contiguous rows, as make_config lays them out). */
std::vector<uint32_t> marked_sectors(const config &c, const std::vector<unsigned char> &ref_list)
{
    std::vector<uint32_t> out;
    out.reserve((size_t)(c.s.rows * c.s.T));
    for (long long r = 0; r < c.s.rows; r++)
        for (long long j = 0; j < c.s.T; j++) {
            int64_t v;
            memcpy(&v, &ref_list[(size_t)(r * c.s.T + j) * 8], 8);
            if (v >= 0) out.push_back((uint32_t)((uint64_t)(r * c.p.sk + v) * c.s.weight_size / 32));
        }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

struct impl_row {
    const char *name;
    device_launch_fn launch;
    bool validate;  /* floors and references compute nothing to compare */
    bool keep_only; /* a KEEP-mode reference: timed in KEEP mode only */
    /* A CUDA plug-in (SPIDX_PLUGINS), called through its own run on the bench's buffers and
     * stream; launch is then unused. Timed both ways when its run can be captured into a
     * graph (then the graph replays only the device work it queued, as for fused); back to
     * back only when it cannot (time_graph_plugin). */
    const spidx_plugin_impl *plugin;
};

/* Whether a plug-in declares what configuration c needs (contiguous rows: no layout bit). */
bool impl_applies(const impl_row &im, const config &c)
{
    if (!im.plugin) return true;
    const uint32_t caps = im.plugin->caps;
    const uint32_t index = c.p.index_type == SPIDX_INDEX_I32 ? SPIDX_CAP_INDEX_I32 : SPIDX_CAP_INDEX_I64;
    const uint32_t weight = c.weight_type == SPIDX_WEIGHT_F32    ? SPIDX_CAP_WEIGHT_F32
                            : c.weight_type == SPIDX_WEIGHT_F16 ? SPIDX_CAP_WEIGHT_F16
                                                                : SPIDX_CAP_WEIGHT_BF16;
    const uint32_t mode = c.mode == SPIDX_MODE_KEEP ? SPIDX_CAP_MODE_KEEP : SPIDX_CAP_MODE_ZERO;
    return (caps & index) && (caps & weight) && (caps & mode);
}

/* One call of an implementation on set d, queued on st. */
spidx_status run_impl(const impl_row &im, const config &c, const device_set &d, cudaStream_t st)
{
    if (!im.plugin) return im.launch(c, d, st);
    spidx_detail det;
    memset(&det, 0, sizeof det);
    const int s = im.plugin->run(im.plugin->state, &c.p, d.topk, d.list, d.weight, (void *)st, &det);
    if (s != SPIDX_OK) printf("  %s: status %d: %s\n", im.name, s, det.message);
    return (spidx_status)s;
}

/* Runs one implementation on set 0 from the given initial weights and compares list,
 * weights and first_bad with the reference bit for bit; prints the first mismatches. */
bool validate(const config &c, const impl_row &im, const device_set &d, const std::vector<int64_t> &topk,
              const std::vector<unsigned char> &w_init, const std::vector<unsigned char> &ref_list,
              const std::vector<unsigned char> &ref_weight, cudaStream_t st)
{
    std::vector<unsigned char> list(c.list_bytes), weight(c.weight_bytes);
    /* Everything on `st`: it does not synchronize with the legacy default stream, and a
     * pageable cudaMemcpy may return before its DMA lands. */
    unsigned long long first_bad = 0;
    CUDA_CHECK(copy_bytes(d.topk, topk.data(), c.topk_bytes, cudaMemcpyHostToDevice, st));
    CUDA_CHECK(fill_bytes(d.list, 0xCD, c.list_bytes, st)); /* poison: every list entry must be written */
    CUDA_CHECK(copy_bytes(d.weight, w_init.data(), c.weight_bytes, cudaMemcpyHostToDevice, st));
    CUDA_CHECK(cudaMemsetAsync(d.first_bad, 0xff, sizeof *d.first_bad, st));
    const spidx_status status = run_impl(im, c, d, st);
    if (status != SPIDX_OK) { /* a valid call: any other status is a mismatch (run_impl printed why) */
        CUDA_CHECK(cudaStreamSynchronize(st));
        printf("  %s: status %s, want SPIDX_OK\n", im.name, spidx_status_name(status));
        return false;
    }
    CUDA_CHECK(copy_bytes(list.data(), d.list, c.list_bytes, cudaMemcpyDeviceToHost, st));
    CUDA_CHECK(copy_bytes(weight.data(), d.weight, c.weight_bytes, cudaMemcpyDeviceToHost, st));
    CUDA_CHECK(cudaMemcpyAsync(&first_bad, d.first_bad, sizeof first_bad, cudaMemcpyDeviceToHost, st));
    CUDA_CHECK(cudaStreamSynchronize(st));
    bool ok = first_bad == ~0ull;
    if (!ok) printf("  %s: first_bad = %llu, want none\n", im.name, first_bad);
    int shown = 0;
    const size_t isz = c.s.index_size, wsz = c.s.weight_size;
    /* Whole buffers first (the sweep's largest shapes hold 2^28 weights); element by
     * element only to report a mismatch. */
    const bool list_same = c.list_bytes == 0 || memcmp(list.data(), ref_list.data(), c.list_bytes) == 0;
    const bool weight_same = c.weight_bytes == 0 || memcmp(weight.data(), ref_weight.data(), c.weight_bytes) == 0;
    for (size_t e = 0; !list_same && e < c.list_bytes / isz && shown < 5; e++)
        if (memcmp(&list[e * isz], &ref_list[e * isz], isz) != 0) {
            long long got = 0, want = 0;
            memcpy(&got, &list[e * isz], isz);
            memcpy(&want, &ref_list[e * isz], isz);
            printf("  %s: list (row=%lld, j=%lld): ref=%lld %s=%lld\n", im.name, (long long)(e / c.s.T),
                   (long long)(e % c.s.T), want, im.name, got);
            ok = false;
            shown++;
        }
    for (size_t e = 0; !weight_same && e < c.weight_bytes / wsz && shown < 10; e++)
        if (memcmp(&weight[e * wsz], &ref_weight[e * wsz], wsz) != 0) {
            unsigned got = 0, want = 0;
            memcpy(&got, &weight[e * wsz], wsz);
            memcpy(&want, &ref_weight[e * wsz], wsz);
            printf("  %s: weight (row=%lld, x=%lld): ref=0x%0*x %s=0x%0*x\n", im.name, (long long)(e / c.p.sk),
                   (long long)(e % c.p.sk), (int)wsz * 2, want, im.name, (int)wsz * 2, got);
            ok = false;
            shown++;
        }
    return ok;
}

struct timing {
    double median_us, min_us, max_us;
};

timing summarize(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    const double med = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    return {med, v.front(), v.back()};
}

/* Back-to-back: kOpsPerSample launches (rotating sets) between two events, per sample. */
timing time_b2b(const config &c, const impl_row &im, const std::vector<device_set> &sets, cudaStream_t st,
                int samples)
{
    cudaEvent_t e0, e1;
    CUDA_CHECK(cudaEventCreate(&e0));
    CUDA_CHECK(cudaEventCreate(&e1));
    size_t k = 0;
    for (size_t w = 0; w < 2 * sets.size() + 3; w++) BENCH_CHECK(run_impl(im, c, sets[k++ % sets.size()], st) == SPIDX_OK);
    std::vector<double> us;
    for (int s = 0; s < samples; s++) {
        CUDA_CHECK(cudaEventRecord(e0, st));
        for (int i = 0; i < kOpsPerSample; i++)
            BENCH_CHECK(run_impl(im, c, sets[k++ % sets.size()], st) == SPIDX_OK);
        CUDA_CHECK(cudaEventRecord(e1, st));
        CUDA_CHECK(cudaEventSynchronize(e1));
        float ms = 0;
        CUDA_CHECK(cudaEventElapsedTime(&ms, e0, e1));
        us.push_back(1000.0 * ms / kOpsPerSample);
    }
    CUDA_CHECK(cudaGetLastError());
    CUDA_CHECK(cudaEventDestroy(e0));
    CUDA_CHECK(cudaEventDestroy(e1));
    return summarize(us);
}

/* Calls per captured graph: kOpsPerSample, or one per buffer set when there are more sets
 * (small shapes), so that each replay walks every set and the L2 never holds them all. */
int graph_ops(const std::vector<device_set> &sets)
{
    return std::max<int>(kOpsPerSample, (int)sets.size());
}

/* Replays a graph of `ops` calls once per sample (after three warm-up replays); per call. */
timing time_replays(cudaGraphExec_t exec, cudaStream_t st, int samples, int ops)
{
    cudaEvent_t e0, e1;
    CUDA_CHECK(cudaEventCreate(&e0));
    CUDA_CHECK(cudaEventCreate(&e1));
    for (int w = 0; w < 3; w++) CUDA_CHECK(cudaGraphLaunch(exec, st));
    std::vector<double> us;
    for (int s = 0; s < samples; s++) {
        CUDA_CHECK(cudaEventRecord(e0, st));
        CUDA_CHECK(cudaGraphLaunch(exec, st));
        CUDA_CHECK(cudaEventRecord(e1, st));
        CUDA_CHECK(cudaEventSynchronize(e1));
        float ms = 0;
        CUDA_CHECK(cudaEventElapsedTime(&ms, e0, e1));
        us.push_back(1000.0 * ms / ops);
    }
    CUDA_CHECK(cudaEventDestroy(e0));
    CUDA_CHECK(cudaEventDestroy(e1));
    return summarize(us);
}

/* Graph replay: one graph of graph_ops launches (rotating sets), replayed per sample. */
timing time_graph(const config &c, const impl_row &im, const std::vector<device_set> &sets, cudaStream_t st,
                  int samples)
{
    cudaGraph_t graph;
    cudaGraphExec_t exec;
    const int ops = graph_ops(sets);
    CUDA_CHECK(cudaStreamBeginCapture(st, cudaStreamCaptureModeThreadLocal));
    for (int i = 0; i < ops; i++) BENCH_CHECK(im.launch(c, sets[(size_t)i % sets.size()], st) == SPIDX_OK);
    CUDA_CHECK(cudaStreamEndCapture(st, &graph));
    CUDA_CHECK(cudaGraphInstantiate(&exec, graph, 0));
    const timing t = time_replays(exec, st, samples, ops);
    CUDA_CHECK(cudaGraphExecDestroy(exec));
    CUDA_CHECK(cudaGraphDestroy(graph));
    return t;
}

/* Graph replay of a plug-in: its run is called graph_ops times under capture, so the
 * graph holds only the device work each call queued on the stream (Python and other host
 * work is not replayed), the same method as fused's. A run that cannot be captured (it
 * synchronizes or calls cudaMalloc: the capture fails; it queues its work on another
 * stream: the work runs at once and the graph holds fewer nodes than calls) is not timed
 * this way; why says so and the result is {0, 0, 0}: timed back to back only. The b2b
 * timing runs first, so caching allocators (torch's) hold the blocks the calls reuse. */
timing time_graph_plugin(const config &c, const impl_row &im, const std::vector<device_set> &sets,
                         cudaStream_t st, int samples, char *why, size_t why_size)
{
    const int ops = graph_ops(sets);
    CUDA_CHECK(cudaStreamBeginCapture(st, cudaStreamCaptureModeThreadLocal));
    int status = SPIDX_OK;
    spidx_detail det; /* the failing call's, for why */
    memset(&det, 0, sizeof det);
    for (int i = 0; i < ops && status == SPIDX_OK; i++) {
        const device_set &d = sets[(size_t)i % sets.size()];
        memset(&det, 0, sizeof det);
        status = im.plugin->run(im.plugin->state, &c.p, d.topk, d.list, d.weight, (void *)st, &det);
    }
    cudaGraph_t graph = nullptr;
    const cudaError_t end = cudaStreamEndCapture(st, &graph); /* ends the capture, valid or not */
    size_t nodes = 0;
    if (status == SPIDX_OK && end == cudaSuccess) CUDA_CHECK(cudaGraphGetNodes(graph, nullptr, &nodes));
    cudaGraphExec_t exec = nullptr;
    const bool captured = status == SPIDX_OK && end == cudaSuccess && nodes >= (size_t)ops;
    const cudaError_t inst = captured ? cudaGraphInstantiate(&exec, graph, 0) : cudaErrorUnknown;
    if (!captured || inst != cudaSuccess) {
        if (status != SPIDX_OK)
            snprintf(why, why_size, "%s: %s", spidx_status_name((spidx_status)status), det.message);
        else if (end != cudaSuccess)
            snprintf(why, why_size, "%s", cudaGetErrorString(end));
        else if (!captured)
            snprintf(why, why_size, "%zu graph nodes for %d calls: no device work on spidx's stream (none needed, "
                     "or it went to another stream)", nodes, ops);
        else
            snprintf(why, why_size, "%s", cudaGetErrorString(inst));
        if (graph) CUDA_CHECK(cudaGraphDestroy(graph));
        (void)cudaGetLastError(); /* capture errors are not sticky: clear the last one */
        CUDA_CHECK(cudaStreamSynchronize(st));
        return timing{0, 0, 0};
    }
    const timing t = time_replays(exec, st, samples, ops);
    CUDA_CHECK(cudaGraphExecDestroy(exec));
    CUDA_CHECK(cudaGraphDestroy(graph));
    return t;
}

struct result {
    char config[64];
    char impl[32];
    timing b2b, graph;
    double floor_b2b_us, floor_graph_us; /* the configuration's floor, per timing method */
    double bytes;
    char graph_note[240]; /* a plug-in whose run could not be captured: why (graph then 0) */
};

/* Measured memset bandwidth (bytes/us) over a buffer far larger than L2: the KEEP floor's rate. */
double measure_memset_bandwidth(cudaStream_t st, int samples)
{
    const size_t bytes = (size_t)1 << 30;
    void *buf = nullptr;
    CUDA_CHECK(cudaMalloc(&buf, bytes));
    cudaEvent_t e0, e1;
    CUDA_CHECK(cudaEventCreate(&e0));
    CUDA_CHECK(cudaEventCreate(&e1));
    CUDA_CHECK(cudaMemsetAsync(buf, 0, bytes, st));
    std::vector<double> us;
    for (int s = 0; s < samples; s++) {
        CUDA_CHECK(cudaEventRecord(e0, st));
        CUDA_CHECK(cudaMemsetAsync(buf, s & 0xff, bytes, st));
        CUDA_CHECK(cudaEventRecord(e1, st));
        CUDA_CHECK(cudaEventSynchronize(e1));
        float ms = 0;
        CUDA_CHECK(cudaEventElapsedTime(&ms, e0, e1));
        us.push_back(1000.0 * ms);
    }
    CUDA_CHECK(cudaEventDestroy(e0));
    CUDA_CHECK(cudaEventDestroy(e1));
    CUDA_CHECK(cudaFree(buf));
    return (double)bytes / summarize(us).median_us;
}

void read_clocks(char *out, size_t n)
{
    out[0] = 0;
    FILE *f = popen("nvidia-smi --query-gpu=clocks.sm,clocks.mem,clocks.max.sm,clocks.max.mem,temperature.gpu,"
                    "power.draw --format=csv,noheader 2>/dev/null",
                    "r");
    if (!f) return;
    if (!fgets(out, (int)n, f)) out[0] = 0;
    pclose(f);
    out[strcspn(out, "\n")] = 0;
}

/* Step 1: the command line. */
struct options {
    bool validate_only = false;
    int samples = 25;
    const char *report_dir = nullptr, *only = nullptr;
    const char *commit = getenv("SPIDX_COMMIT");
    int sweep = 0;                 /* --sweep N: N drawn shapes instead of the fixed table */
    unsigned long long seed = 1;   /* --seed S: the sweep's draw */
    const char *case_file = nullptr; /* --case FILE: one shape from a .case file */
};

/* Whether configuration name cname is selected by --only: every name without it, else
 * names holding one of its comma-separated substrings (an empty piece selects nothing). */
bool only_matches(const char *only, const char *cname)
{
    if (!only) return true;
    for (const char *p = only; *p;) {
        const size_t n = strcspn(p, ",");
        if (n > 0) {
            const std::string piece(p, n);
            if (strstr(cname, piece.c_str())) return true;
        }
        p += n;
        if (*p == ',') p++;
    }
    return false;
}

/* Fills *o from argv; returns 0, or the exit status 2 after a message. */
int parse_options(int argc, char **argv, options *o)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--validate-only"))
            o->validate_only = true;
        else if (!strcmp(argv[i], "--samples") && i + 1 < argc)
            o->samples = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            o->only = argv[++i];
        else if (!strcmp(argv[i], "--report-dir") && i + 1 < argc)
            o->report_dir = argv[++i];
        else if (!strcmp(argv[i], "--commit") && i + 1 < argc)
            o->commit = argv[++i];
        else if (!strcmp(argv[i], "--sweep") && i + 1 < argc)
            o->sweep = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            o->seed = strtoull(argv[++i], nullptr, 10);
        else if (!strcmp(argv[i], "--case") && i + 1 < argc)
            o->case_file = argv[++i];
        else if (!strcmp(argv[i], "--plugin") && i + 1 < argc) {
            char perr[512];
            if (spidx_registry_load_plugin(argv[++i], perr, sizeof perr) != 0) {
                fprintf(stderr, "spidx_bench: %s\n", perr);
                return 2;
            }
        }
        else {
            fprintf(stderr, "usage: spidx_bench [--validate-only] [--samples N>=20] [--only SUBSTR[,SUBSTR...]] [--report-dir DIR] "
                            "[--commit SHA] [--sweep N [--seed S] | --case FILE] [--plugin PATH]...\n");
            return 2;
        }
    }
    if (o->sweep < 0 || (o->sweep && o->case_file)) {
        fprintf(stderr, "spidx_bench: --sweep takes a count, and not with --case\n");
        return 2;
    }
    if (o->samples < 20) {
        fprintf(stderr, "spidx_bench: --samples must be at least 20\n");
        return 2;
    }
    /* The report folder is made (one level) and checked before minutes of timing. */
    if (o->report_dir && ((mkdir(o->report_dir, 0777) != 0 && access(o->report_dir, W_OK) != 0) ||
                          access(o->report_dir, W_OK) != 0)) {
        fprintf(stderr, "spidx_bench: cannot write reports into %s\n", o->report_dir);
        return 2;
    }
    return 0;
}

/* Whether the comma-separated list names a device implementation (a kernel, a mutant, a
 * CUDA plug-in): the only kind the bench times. Unknown names count as device ones here;
 * the programs that select implementations report them. */
bool names_device_impl(const char *list)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", list);
    char *save = nullptr;
    for (char *n = strtok_r(buf, ",", &save); n; n = strtok_r(nullptr, ",", &save)) {
        const spidx_impl *im = spidx_impl_find(n);
        if (!im || im->kind == SPIDX_IMPL_GPU) return true;
    }
    return false;
}

/* 0 with a CUDA device; otherwise, after a message, the exit status: 77 (skipped), 1
 * under SPIDX_REQUIRE_GPU=1 (the `gpu` test preset: no skipping), or 2 when SPIDX_IMPLS
 * names a device implementation (a host one alone, such as a gate's CPU plug-in, is
 * nothing the bench times: skipped, and said). */
int gpu_missing_status(void)
{
    char why[160];
    if (spidx_gpu_available(why, sizeof why)) return 0;
    const char *named = getenv("SPIDX_IMPLS");
    if (named && *named && names_device_impl(named)) {
        printf("spidx_bench: SPIDX_IMPLS names %s but no CUDA device can run them: %s\n", named, why);
        return 2;
    }
    if (named && *named) {
        printf("spidx_bench: skipped: SPIDX_IMPLS names host implementations only (%s): the bench times device "
               "implementations, and %s\n", named, why);
        return 77;
    }
    const char *req = getenv("SPIDX_REQUIRE_GPU");
    if (req && strcmp(req, "1") == 0) {
        printf("spidx_bench: SPIDX_REQUIRE_GPU=1 but no CUDA device: %s\n", why);
        return 1;
    }
    printf("spidx_bench: skipped: %s\n", why);
    return 77;
}

/* The device, as the report names it. */
struct device_info {
    cudaDeviceProp prop;
    char clocks[256];
};

/* The rows of the tables, in timing order. The floors come last: floor-topk-read,
 * floor-launch, floor-memset (time_config reads them there). */
std::vector<impl_row> bench_impls(void)
{
    std::vector<impl_row> rows = {
        {"fused", launch_fused, true, false, nullptr},
        {"baseline", launch_baseline, true, false, nullptr},
    };
    /* The CUDA plug-ins that SPIDX_PLUGINS loaded (spidx_registry_load_env ran in main). */
    size_t n = 0;
    const spidx_impl *all = spidx_impls(&n);
    for (size_t i = 0; i < n; i++)
        if (all[i].plugin_impl && all[i].plugin_impl->memory == SPIDX_PLUGIN_CUDA)
            rows.push_back({all[i].name, nullptr, true, false, all[i].plugin_impl});
    const std::vector<impl_row> rest = {
        {"scatter-only", launch_scatter, false, true, nullptr},  /* KEEP: what bounds a scatter */
        {"sector-rmw", launch_sector_rmw, false, true, nullptr}, /* KEEP: the weight traffic any design makes */
        {"keep-traffic", launch_keep_traffic, false, true, nullptr}, /* KEEP: sector-rmw + top-k + list; after
                                                                        scatter-only, since it rewrites the lists */
        {"floor-topk-read", launch_topk_read, false, false, nullptr},
        {"floor-launch", launch_empty, false, false, nullptr},
        {"floor-memset", launch_memset, false, false, nullptr}, /* last: it overwrites the lists */
    };
    rows.insert(rows.end(), rest.begin(), rest.end());
    return rows;
}

/* One configuration's device buffer sets and its reference output. */
struct config_data {
    std::vector<device_set> sets;
    std::vector<int64_t> topk;
    std::vector<unsigned char> w_init, ref_list, ref_weight;
};

/* Allocates the rotation's buffer sets (top-k loaded, weights zeroed) and computes the
 * reference from random initial weights (KEEP must keep them, ZERO must overwrite them). */
config_data prepare_config(const config &c, cudaStream_t st, const std::vector<int64_t> *topk = nullptr)
{
    BENCH_CHECK(c.p.index_type == SPIDX_INDEX_I64 && c.weight_bytes / 32 <= UINT32_MAX); /* marked_sectors */
    config_data cd;
    const size_t set_bytes = c.topk_bytes + c.list_bytes + c.weight_bytes + 256;
    const int nsets = (int)std::min<size_t>(kMaxSets, std::max<size_t>(2, kRotateBytes / set_bytes + 1));
    cd.sets.resize((size_t)nsets);
    cd.topk = topk ? *topk : make_topk(c);
    BENCH_CHECK(cd.topk.size() == (size_t)c.s.topk_span);
    for (device_set &d : cd.sets) {
        CUDA_CHECK(alloc_bytes((void **)&d.topk, c.topk_bytes));
        CUDA_CHECK(alloc_bytes(&d.list, c.list_bytes));
        CUDA_CHECK(alloc_bytes(&d.weight, c.weight_bytes));
        CUDA_CHECK(cudaMalloc(&d.first_bad, sizeof *d.first_bad));
        d.sectors = nullptr;
        d.nsectors = 0;
        CUDA_CHECK(copy_bytes(d.topk, cd.topk.data(), c.topk_bytes, cudaMemcpyHostToDevice, st));
        CUDA_CHECK(cudaMemsetAsync(d.first_bad, 0xff, sizeof *d.first_bad, st));
        CUDA_CHECK(fill_bytes(d.weight, 0, c.weight_bytes, st));
    }
    CUDA_CHECK(cudaStreamSynchronize(st));
    cd.w_init.resize(c.weight_bytes);
    for (size_t i = 0; i < c.weight_bytes; i += 8) { /* 8 bytes per draw: 1 GiB shapes fill in a fraction of a second */
        const uint64_t v = rng_next();
        memcpy(&cd.w_init[i], &v, std::min<size_t>(8, c.weight_bytes - i));
    }
    cd.ref_list.assign(c.list_bytes, 0xCD);
    cd.ref_weight = cd.w_init;
    spidx_detail det;
    BENCH_CHECK(spidx_ref_run(&c.p, cd.topk.data(), cd.ref_list.data(), cd.ref_weight.data(), &det) == SPIDX_OK);
    return cd;
}

/* Step 2: every implementation that computes, bit for bit against the reference. */
bool validate_config(const config &c, const char *cname, const std::vector<impl_row> &impls, const config_data &cd,
                     cudaStream_t st)
{
    bool ok = true;
    for (const impl_row &im : impls) {
        if (!im.validate || !impl_applies(im, c)) continue;
        snprintf(g_doing, sizeof g_doing, "validating %s on %s", im.name, cname);
        if (!validate(c, im, cd.sets[0], cd.topk, cd.w_init, cd.ref_list, cd.ref_weight, st)) {
            printf("%-26s %-14s MISMATCH against the reference: not timed\n", cname, im.name);
            ok = false;
        }
    }
    return ok;
}

/* What the references read: scatter-only the lists, so every set gets the reference
 * list; sector-rmw its own copy of the marked sectors. */
void load_reference_inputs(const config &c, config_data &cd, cudaStream_t st)
{
    const std::vector<uint32_t> sectors =
        c.mode == SPIDX_MODE_KEEP ? marked_sectors(c, cd.ref_list) : std::vector<uint32_t>();
    for (device_set &d : cd.sets) {
        CUDA_CHECK(copy_bytes(d.list, cd.ref_list.data(), c.list_bytes, cudaMemcpyHostToDevice, st));
        if (sectors.empty()) continue;
        d.nsectors = (long long)sectors.size();
        CUDA_CHECK(cudaMalloc(&d.sectors, sectors.size() * sizeof sectors[0]));
        CUDA_CHECK(cudaMemcpyAsync(d.sectors, sectors.data(), sectors.size() * sizeof sectors[0],
                                   cudaMemcpyHostToDevice, st));
    }
    CUDA_CHECK(cudaStreamSynchronize(st));
}

void free_config(config_data &cd)
{
    for (device_set &d : cd.sets) {
        CUDA_CHECK(cudaFree(d.topk));
        CUDA_CHECK(cudaFree(d.list));
        CUDA_CHECK(cudaFree(d.weight));
        CUDA_CHECK(cudaFree(d.first_bad));
        CUDA_CHECK(cudaFree(d.sectors)); /* nullptr outside KEEP: a no-op */
    }
}

/* Step 3: times each implementation both ways, prints one line each, appends the rows. */
void time_config(const config &c, const char *cname, const std::vector<impl_row> &impls,
                 const std::vector<device_set> &sets, cudaStream_t st, int samples, double memset_bw,
                 std::vector<result> &results)
{
    std::vector<result> rows;
    for (const impl_row &im : impls) {
        if ((im.keep_only && c.mode != SPIDX_MODE_KEEP) || !impl_applies(im, c)) continue;
        result r;
        snprintf(r.config, sizeof r.config, "%s", cname);
        snprintf(r.impl, sizeof r.impl, "%s", im.name);
        snprintf(g_doing, sizeof g_doing, "timing %s on %s", im.name, cname);
        r.b2b = time_b2b(c, im, sets, st, samples);
        r.graph_note[0] = '\0';
        r.graph = im.plugin ? time_graph_plugin(c, im, sets, st, samples, r.graph_note, sizeof r.graph_note)
                            : time_graph(c, im, sets, st, samples);
        if (r.graph_note[0])
            printf("  %s: graph capture failed (%s): timed back to back only\n", im.name, r.graph_note);
        r.bytes = floor_bytes(c);
        rows.push_back(r);
    }
    /* Floor: the larger of the launch floor and the traffic floor, which is the output
     * bytes (ZERO: the memset timing; KEEP: its bytes at the measured memset bandwidth)
     * plus the top-k read, timed on its own. */
    const result &ft = rows[rows.size() - 3], &fl = rows[rows.size() - 2], &fm = rows[rows.size() - 1];
    const double keep_bytes_us = floor_bytes(c) / memset_bw;
    const double fb = std::max(fl.b2b.median_us,
                               (c.mode == SPIDX_MODE_ZERO ? fm.b2b.median_us : keep_bytes_us) + ft.b2b.median_us);
    const double fg = std::max(fl.graph.median_us,
                               (c.mode == SPIDX_MODE_ZERO ? fm.graph.median_us : keep_bytes_us) + ft.graph.median_us);
    for (result &r : rows) {
        r.floor_b2b_us = fb;
        r.floor_graph_us = fg;
        if (r.graph.median_us > 0)
            printf("%-26s %-14s %10.2f %6.1f%% %10.2f %6.1f%% %8.0f %8.2f %8.2f\n", r.config, r.impl, r.b2b.median_us,
                   100.0 * (r.b2b.max_us - r.b2b.min_us) / r.b2b.median_us, r.graph.median_us,
                   100.0 * (r.graph.max_us - r.graph.min_us) / r.graph.median_us, r.bytes / r.graph.median_us / 1e3,
                   r.graph.median_us / fg, r.b2b.median_us / fb);
        else /* a plug-in that could not be captured: back to back only; GB/s from that */
            printf("%-26s %-14s %10.2f %6.1f%% %10s %7s %8.0f %8s %8.2f\n", r.config, r.impl, r.b2b.median_us,
                   100.0 * (r.b2b.max_us - r.b2b.min_us) / r.b2b.median_us, "n/a", "", r.bytes / r.b2b.median_us / 1e3,
                   "n/a", r.b2b.median_us / fb);
        results.push_back(r);
    }
    fflush(stdout);
}

/* What every report names besides its rows. */
struct report_meta {
    const device_info *dev;
    const char *commit;
    const char *stamp;
    int samples;
    double memset_bw;
};

void write_json_report(const char *path, const report_meta &m, const std::vector<result> &results)
{
    FILE *j = fopen(path, "w");
    BENCH_CHECK(j != nullptr);
    fprintf(j, "{\n  \"gpu\": \"%s\",\n  \"sms\": %d,\n  \"clocks\": \"%s\",\n  \"commit\": \"%s\",\n",
            m.dev->prop.name, m.dev->prop.multiProcessorCount, m.dev->clocks, m.commit ? m.commit : "unknown");
    fprintf(j, "  \"utc\": \"%s\",\n  \"samples\": %d,\n  \"ops_per_sample\": %d,\n  \"ops_per_graph\": "
               "\"%d, or one per buffer set when there are more\",\n  \"memset_gbps\": %.1f,\n",
            m.stamp, m.samples, kOpsPerSample, kOpsPerSample, m.memset_bw / 1e3);
    fprintf(j, "  \"rows\": [\n");
    for (size_t i = 0; i < results.size(); i++) {
        const result &r = results[i];
        fprintf(j,
                "    {\"config\": \"%s\", \"impl\": \"%s\", \"bytes\": %.0f, "
                "\"b2b_us\": {\"median\": %.3f, \"min\": %.3f, \"max\": %.3f}, "
                "\"graph_us\": {\"median\": %.3f, \"min\": %.3f, \"max\": %.3f}, "
                "\"floor_b2b_us\": %.3f, \"floor_graph_us\": %.3f}%s\n", /* graph 0: a plug-in whose run could not be captured */
                r.config, r.impl, r.bytes, r.b2b.median_us, r.b2b.min_us, r.b2b.max_us, r.graph.median_us,
                r.graph.min_us, r.graph.max_us, r.floor_b2b_us, r.floor_graph_us, i + 1 < results.size() ? "," : "");
    }
    fprintf(j, "  ]\n}\n");
    BENCH_CHECK(fclose(j) == 0);
}

void write_markdown_report(const char *path, const report_meta &meta, const std::vector<result> &results)
{
    FILE *m = fopen(path, "w");
    BENCH_CHECK(m != nullptr);
    fprintf(m, "# spidx_bench %s\n\n- GPU: %s (%d SMs)\n- clocks as found (sm, mem, max sm, max mem, temp, "
               "power): %s\n- commit: %s\n- %d samples of %d launches each, after warm-up (a graph: one launch per "
               "buffer set when there are more, so that a replay walks every set; the sets of a configuration hold "
               "256 MiB, at most 64 of them); median and spread (max - min) / median\n- memset bandwidth (1 GiB): "
               "%.0f GB/s\n- GB/s = floor bytes (ZERO: weights + list; KEEP: list + 32 B per list entry) / "
               "graph median\n- x floor = time / max(launch floor, bytes floor + top-k read), per timing method "
               "(bytes floor: ZERO the memset of weights and list, KEEP its bytes at the memset bandwidth; "
               "top-k read: floor-topk-read, timed)\n\n",
            meta.stamp, meta.dev->prop.name, meta.dev->prop.multiProcessorCount, meta.dev->clocks,
            meta.commit ? meta.commit : "unknown", meta.samples, kOpsPerSample, meta.memset_bw / 1e3);
    fprintf(m, "| config | impl | back-to-back us | spread | graph us | spread | GB/s | x floor (graph) | x "
               "floor (b2b) |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const result &r : results)
        if (r.graph.median_us > 0)
            fprintf(m, "| %s | %s | %.2f | %.1f%% | %.2f | %.1f%% | %.0f | %.2f | %.2f |\n", r.config, r.impl,
                    r.b2b.median_us, 100.0 * (r.b2b.max_us - r.b2b.min_us) / r.b2b.median_us, r.graph.median_us,
                    100.0 * (r.graph.max_us - r.graph.min_us) / r.graph.median_us, r.bytes / r.graph.median_us / 1e3,
                    r.graph.median_us / r.floor_graph_us, r.b2b.median_us / r.floor_b2b_us);
        else /* a plug-in that could not be captured, timed back to back only (GB/s from that) */
            fprintf(m, "| %s | %s | %.2f | %.1f%% | n/a | | %.0f | n/a | %.2f |\n", r.config, r.impl, r.b2b.median_us,
                    100.0 * (r.b2b.max_us - r.b2b.min_us) / r.b2b.median_us, r.bytes / r.b2b.median_us / 1e3,
                    r.b2b.median_us / r.floor_b2b_us);
    for (const result &r : results)
        if (r.graph_note[0])
            fprintf(m, "\n- %s on %s: graph capture failed (%s): timed back to back only\n", r.impl, r.config,
                    r.graph_note);
    fprintf(m, "\n## Targets\n\nfused ZERO: x floor <= 1.10 (the floor with the top-k read); fused KEEP: no "
               "slower than keep-traffic (x floor shows keep-traffic's time in its place); baseline / fused >= 3 on "
               "decode and manyrow, >= 1.4 on large (mid has no speed-up target).\n\n| config | fused x floor "
               "(graph / b2b) | floor target | baseline / fused (graph / b2b) | speed-up target |\n"
               "|---|---:|---:|---:|---:|\n");
    for (const result &f : results) {
        if (strcmp(f.impl, "fused") != 0) continue;
        const result *bl = nullptr;
        for (const result &r : results)
            if (!strcmp(r.config, f.config) && !strcmp(r.impl, "baseline")) bl = &r;
        BENCH_CHECK(bl != nullptr);
        const bool keep = strstr(f.config, "/keep") != nullptr;
        const result *kt = nullptr;
        for (const result &r : results)
            if (!strcmp(r.config, f.config) && !strcmp(r.impl, "keep-traffic")) kt = &r;
        BENCH_CHECK(!keep || kt != nullptr);
        /* KEEP: fused's time over keep-traffic's, at most 1.00; ZERO: over the floor. */
        const double ft = keep ? 1.0 : 1.10;
        const double st_target = !strncmp(f.config, "large", 5) ? 1.4 : !strncmp(f.config, "mid", 3) ? 0.0 : 3.0;
        const double xg = f.graph.median_us / (keep ? kt->graph.median_us : f.floor_graph_us);
        const double xb = f.b2b.median_us / (keep ? kt->b2b.median_us : f.floor_b2b_us);
        const double sg = bl->graph.median_us / f.graph.median_us, sb = bl->b2b.median_us / f.b2b.median_us;
        char spd[48];
        if (st_target > 0)
            snprintf(spd, sizeof spd, ">= %.1f %s", st_target, sg >= st_target && sb >= st_target ? "met" : "MISSED");
        else
            snprintf(spd, sizeof spd, "-");
        fprintf(m, "| %s | %.2f / %.2f | <= %.2f %s | %.2f / %.2f | %s |\n", f.config, xg, xb, ft,
                xg <= ft && xb <= ft ? "met" : "MISSED", sg, sb, spd);
    }
    BENCH_CHECK(fclose(m) == 0);
}

/* Step 4: DIR/<UTC>.json and DIR/<UTC>.md. */
void write_report(const char *dir, const report_meta &meta_in, const std::vector<result> &results)
{
    char stamp[32], path[512];
    const time_t now = time(nullptr);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime(&now));
    report_meta meta = meta_in;
    meta.stamp = stamp;
    snprintf(path, sizeof path, "%s/%s.json", dir, stamp);
    write_json_report(path, meta, results);
    snprintf(path, sizeof path, "%s/%s.md", dir, stamp);
    write_markdown_report(path, meta, results);
    printf("spidx_bench: wrote %s/%s.{md,json}\n", dir, stamp);
}

/* Validates, then (unless --validate-only or after a mismatch) times one configuration;
 * false on a mismatch. topk: the values to use (a .case's), or NULL to draw them. */
bool run_config(const config &c, const char *cname, const options &o, const std::vector<impl_row> &impls,
                cudaStream_t st, double memset_bw, bool time_it, std::vector<result> &results,
                const std::vector<int64_t> *topk = nullptr)
{
    config_data cd = prepare_config(c, st, topk);
    const bool ok = validate_config(c, cname, impls, cd, st);
    load_reference_inputs(c, cd, st);
    if (!o.validate_only && ok && time_it) time_config(c, cname, impls, cd.sets, st, o.samples, memset_bw, results);
    free_config(cd);
    return ok;
}

/* The rng state of sweep shape i: its top-k values can be drawn again for its .case. */
uint64_t sweep_rng_state(unsigned long long seed, int i)
{
    return (seed + 1) * 0x2545F4914F6CDD1Dull ^ ((uint64_t)(unsigned)i * 0x9E3779B97F4A7C15ull) | 1;
}

/* What spidx_fused_path_name returns, in report order. */
const char *const kFusedPaths[] = {"list", "list keep", "row spans", "thread rows", "8-lane rows",
                                   "warp rows", "warp rows keep", "block chunks", "block chunks keep", "none"};

/* A path name as one gnuplot word: "warp rows keep" -> warp_rows_keep. */
std::string gnuplot_word(const char *path)
{
    std::string word = path;
    std::replace(word.begin(), word.end(), ' ', '_');
    return word;
}

/* One sweep shape's figures, from its result rows. */
struct sweep_row {
    int index = 0;
    sweep_class cls = SWEEP_decode;
    const char *path = "";
    char config[64] = "";
    spidx_params p{};
    double bytes = 0, fused_us = 0, baseline_us = 0, floor_us = 0, keep_traffic_us = 0;
    double fused_min = 0, fused_max = 0, baseline_min = 0, baseline_max = 0;
    bool mismatch = false; /* some implementation disagreed with the reference: not timed */
    std::vector<std::pair<std::string, double>> plugins; /* device plug-ins' graph (or b2b) medians */
    bool keep() const { return p.mode == SPIDX_MODE_KEEP; }
    /* Nothing to write (sk = 0, or KEEP without list entries): every implementation is a
     * launch or none, so its ratios say nothing; listed, left out of the distributions. */
    bool writes() const { return !mismatch && bytes > 0; }
    double x_floor() const { return fused_us / floor_us; }
    double x_baseline() const { return fused_us / baseline_us; }
    /* Against the target's reference: the floor in ZERO mode, keep-traffic in KEEP mode
     * (as the fixed table's targets). */
    double x_target() const { return keep() ? fused_us / keep_traffic_us : x_floor(); }
    /* Against what the call must move: the floor in ZERO mode; in KEEP mode the larger of
     * the floor and keep-traffic, since each can be the bigger of the two (many tiny rows
     * write more list bytes than their scattered sectors; long sparse rows the reverse). */
    double x_required() const { return keep() ? fused_us / std::max(floor_us, keep_traffic_us) : x_floor(); }
    double keep_traffic_x_floor() const { return keep_traffic_us / floor_us; }
    /* fused slower than the baseline by more than their measured spreads overlap */
    bool slower() const { return fused_min > baseline_max; }
};

/* Nearest rank: the smallest value with at least q of the values at or below it. */
double percentile(std::vector<double> v, double q)
{
    std::sort(v.begin(), v.end());
    const size_t k = (size_t)std::min<double>((double)v.size() - 1, std::ceil(q * (double)v.size()) - 1);
    return v[k];
}

/* Writes shape r's .case (its params and top-k values, drawn again) into dir; false when its
 * top-k is too large for a useful text file. */
bool write_sweep_case(const char *dir, const sweep_row &r, unsigned long long seed, char *path, size_t n)
{
    const config c = make_config_params(r.p);
    if (c.s.rows * c.s.H > 200000) return false;
    g_rng = sweep_rng_state(seed, r.index);
    const std::vector<int64_t> topk = make_topk(c);
    spidx_case k;
    case_init(&k, &r.p, (uint64_t)r.index);
    for (int64_t row = 0; row < c.s.rows; row++)
        for (int64_t j = 0; j < c.s.H; j++) case_set_topk(&k, row / r.p.h, row % r.p.h, j, topk[(size_t)(row * c.s.H + j)]);
    snprintf(path, n, "%s/sweep%03d-%s.case", dir, r.index, sweep_class_name(r.cls));
    FILE *f = fopen(path, "w");
    BENCH_CHECK(f != nullptr);
    char note[200];
    if (r.mismatch)
        snprintf(note, sizeof note, "spidx_bench --sweep shape %d (seed %llu, class %s): an implementation disagreed "
                 "with the reference", r.index, seed, sweep_class_name(r.cls));
    else
        snprintf(note, sizeof note, "spidx_bench --sweep shape %d (seed %llu, class %s): fused at %.2fx its target's "
                 "reference (%s)", r.index, seed, sweep_class_name(r.cls), r.x_target(),
                 r.keep() ? "keep-traffic" : "the floor");
    case_write(f, &k, note);
    BENCH_CHECK(fclose(f) == 0);
    case_free(&k);
    return true;
}

/* The sweep's report: DIR/sweep-<UTC>.md, .json, .dat and .gp (gnuplot: fused / floor
 * against bytes written, one point per shape, log x), and the 10 worst shapes as .case. */
void write_sweep_report(const char *dir, const report_meta &meta, const std::vector<sweep_row> &rows,
                        int drawn, unsigned long long seed, const char *only)
{
    /* The command as given: with --only, the drawn count and the filter, then the shapes kept. */
    char command[900];
    if (only)
        snprintf(command, sizeof command, "spidx_bench --sweep %d --seed %llu --only %s (%zu shapes)", drawn, seed,
                 only, rows.size());
    else
        snprintf(command, sizeof command, "spidx_bench --sweep %d --seed %llu", drawn, seed);
    char stamp[32], path[600];
    const time_t now = time(nullptr);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime(&now));
    std::vector<double> xf, xb, xz, xk, xkt, xr, ktf;
    for (const sweep_row &r : rows) {
        if (!r.writes()) continue;
        xf.push_back(r.x_floor()), xb.push_back(r.x_baseline()), xr.push_back(r.x_required());
        (r.keep() ? xk : xz).push_back(r.x_floor());
        if (r.keep()) xkt.push_back(r.x_target()), ktf.push_back(r.keep_traffic_x_floor());
    }
    std::vector<const sweep_row *> worst, bad;
    for (const sweep_row &r : rows) {
        if (r.writes()) worst.push_back(&r);
        if (r.mismatch) bad.push_back(&r);
    }
    std::sort(worst.begin(), worst.end(),
              [](const sweep_row *a, const sweep_row *b) { return a->x_target() > b->x_target(); });
    if (worst.size() > 10) worst.resize(10);
    snprintf(path, sizeof path, "%s/sweep-%s-cases", dir, stamp);
    mkdir(path, 0777);
    std::vector<std::string> cases, bad_cases;
    for (const sweep_row *r : worst) {
        char cp[700];
        cases.push_back(write_sweep_case(path, *r, seed, cp, sizeof cp) ? std::string(cp) : std::string("(top-k too large for .case)"));
    }
    for (const sweep_row *r : bad) {
        char cp[700];
        bad_cases.push_back(write_sweep_case(path, *r, seed, cp, sizeof cp) ? std::string(cp)
                                                                            : std::string("(top-k too large for .case)"));
    }
    snprintf(path, sizeof path, "%s/sweep-%s.dat", dir, stamp);
    FILE *d = fopen(path, "w");
    BENCH_CHECK(d != nullptr);
    fprintf(d, "# bytes x_floor x_baseline index class path\n");
    for (const sweep_row &r : rows)
        if (r.writes())
            fprintf(d, "%.0f %.4f %.4f %d %s %s\n", r.bytes, r.x_floor(), r.x_baseline(), r.index,
                    sweep_class_name(r.cls), gnuplot_word(r.path).c_str());
    std::string words;
    for (const char *pth : kFusedPaths) words += (words.empty() ? "" : " ") + gnuplot_word(pth);
    BENCH_CHECK(fclose(d) == 0);
    snprintf(path, sizeof path, "%s/sweep-%s.gp", dir, stamp);
    FILE *g = fopen(path, "w");
    BENCH_CHECK(g != nullptr);
    fprintf(g, "# gnuplot %s/sweep-%s.gp: writes sweep-%s.svg beside it\n"
               "set terminal svg size 900,560 dynamic noenhanced\nset output '%s/sweep-%s.svg'\n"
               "set title '%s on %s: fused / floor per shape'\n"
               "set logscale x\nset xlabel 'bytes written (floor bytes)'\nset ylabel 'fused time / floor'\n"
               "set key outside right\nset grid\n"
               "plot for [path in '%s'] "
               "'%s/sweep-%s.dat' using 1:(strcol(6) eq path ? $2 : 1/0) title path with points pt 7 ps 0.5\n",
            dir, stamp, stamp, dir, stamp, command, meta.dev->prop.name, words.c_str(), dir, stamp);
    BENCH_CHECK(fclose(g) == 0);
    snprintf(path, sizeof path, "%s/sweep-%s.md", dir, stamp);
    FILE *m = fopen(path, "w");
    BENCH_CHECK(m != nullptr);
    int slower = 0, silent = 0;
    for (const sweep_row &r : rows) slower += r.writes() && r.slower(), silent += !r.mismatch && !r.writes();
    fprintf(m, "# %s (%s)\n\n- GPU: %s (%d SMs); clocks as found: %s\n- commit: %s\n"
               "- each shape validated bit for bit against the reference, then timed as the fixed table (graph "
               "replay, %d samples of %d launches, or one per buffer set when there are more)\n- floor = max(launch floor, "
               "output bytes floor + top-k read); ratios on graph medians; percentiles by nearest rank\n\n",
            command, stamp, meta.dev->prop.name, meta.dev->prop.multiProcessorCount, meta.dev->clocks,
            meta.commit ? meta.commit : "unknown", meta.samples, kOpsPerSample);
    if (!bad.empty()) {
        fprintf(m, "## MISMATCHES: %zu shapes, not timed\n\n| shape | class | .case |\n|---|---|---|\n", bad.size());
        for (size_t i = 0; i < bad.size(); i++)
            fprintf(m, "| %s | %s | %s |\n", bad[i]->config, sweep_class_name(bad[i]->cls), bad_cases[i].c_str());
        fprintf(m, "\n");
    }
    fprintf(m, "| ratio | shapes | median | 90th | 99th | worst |\n|---|---:|---:|---:|---:|---:|\n");
    const struct {
        const char *name;
        const std::vector<double> *v;
    } dists[] = {{"fused / floor, all", &xf},
                 {"fused / floor, ZERO", &xz},
                 {"fused / floor, KEEP", &xk},
                 {"fused / keep-traffic, KEEP", &xkt},
                 {"keep-traffic / floor, KEEP", &ktf},
                 {"fused / required (ZERO: floor; KEEP: max(floor, keep-traffic)), all", &xr},
                 {"fused / baseline", &xb}};
    for (const auto &dd : dists)
        if (!dd.v->empty())
            fprintf(m, "| %s | %zu | %.2f | %.2f | %.2f | %.2f |\n", dd.name, dd.v->size(), percentile(*dd.v, 0.5),
                    percentile(*dd.v, 0.9), percentile(*dd.v, 0.99), percentile(*dd.v, 1.0));
    fprintf(m, "\nfused slower than the baseline beyond both medians' spread on %d of %zu shapes. %d shapes write "
               "nothing (sk = 0, or KEEP without list entries): listed below, left out of the ratios and the plot.\n\n",
            slower, xb.size(), silent);
    fprintf(m, "## Shapes per class and per fused path\n\n| class | shapes |\n|---|---:|\n");
    for (int k = 0; k < SWEEP_CLASS_COUNT; k++) {
        int n = 0;
        for (const sweep_row &r : rows) n += r.cls == k;
        fprintf(m, "| %s | %d |\n", sweep_class_name(k), n);
    }
    fprintf(m, "\n| fused path | shapes |\n|---|---:|\n");
    for (const char *pth : kFusedPaths) {
        int n = 0;
        for (const sweep_row &r : rows) n += !strcmp(r.path, pth);
        fprintf(m, "| %s | %d |\n", pth, n);
    }
    fprintf(m, "\n## The 10 worst shapes against their target's reference (ZERO: the floor; KEEP: keep-traffic)\n\n"
               "| shape | class | path | mode | bytes | fused us | baseline us | floor us | keep-traffic us | x target | "
               ".case |\n|---|---|---|---|---:|---:|---:|---:|---:|---:|---|\n");
    for (size_t i = 0; i < worst.size(); i++)
        fprintf(m, "| %s | %s | %s | %s | %.0f | %.2f | %.2f | %.2f | %.2f | %.2f | %s |\n", worst[i]->config,
                sweep_class_name(worst[i]->cls), worst[i]->path, spidx_mode_name(worst[i]->p.mode), worst[i]->bytes,
                worst[i]->fused_us, worst[i]->baseline_us, worst[i]->floor_us, worst[i]->keep_traffic_us,
                worst[i]->x_target(), cases[i].c_str());
    fprintf(m, "\nPlot: `gnuplot %s/sweep-%s.gp` writes `sweep-%s.svg`.\n\n## Every shape\n\n| shape | class | path | b | h | "
               "sk | sink | heavy | window | weights | mode | bytes | fused us | baseline us | floor us | x floor | x "
               "baseline | plug-ins us |\n|---|---|---|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---|\n",
            dir, stamp, stamp);
    for (const sweep_row &r : rows) {
        char xf_text[32], xb_text[32];
        snprintf(xf_text, sizeof xf_text, r.writes() ? "%.2f" : "n/a", r.x_floor());
        snprintf(xb_text, sizeof xb_text, r.writes() ? "%.2f" : "n/a", r.x_baseline());
        std::string plug;
        for (const auto &pl : r.plugins) plug += (plug.empty() ? "" : ", ") + pl.first + " " + std::to_string(pl.second);
        fprintf(m, "| %d | %s | %s | %lld | %lld | %lld | %lld | %lld | %lld | %s | %s | %.0f | %.2f | %.2f | %.2f | %s | %s | %s |\n",
                r.index, sweep_class_name(r.cls), r.path, (long long)r.p.b, (long long)r.p.h, (long long)r.p.sk,
                (long long)r.p.sink, (long long)r.p.heavy, (long long)r.p.window, spidx_weight_type_name(r.p.weight_type),
                spidx_mode_name(r.p.mode), r.bytes, r.fused_us, r.baseline_us, r.floor_us,
                r.mismatch ? "MISMATCH" : xf_text, r.mismatch ? "MISMATCH" : xb_text, plug.empty() ? "-" : plug.c_str());
    }
    BENCH_CHECK(fclose(m) == 0);
    snprintf(path, sizeof path, "%s/sweep-%s.json", dir, stamp);
    FILE *j = fopen(path, "w");
    BENCH_CHECK(j != nullptr);
    fprintf(j, "{\"gpu\": \"%s\", \"commit\": \"%s\", \"seed\": %llu, \"shapes\": [\n", meta.dev->prop.name,
            meta.commit ? meta.commit : "unknown", seed);
    for (size_t i = 0; i < rows.size(); i++) {
        const sweep_row &r = rows[i];
        fprintf(j, "  {\"index\": %d, \"class\": \"%s\", \"path\": \"%s\", \"b\": %lld, \"h\": %lld, \"sk\": %lld, "
                   "\"sink\": %lld, \"heavy\": %lld, \"window\": %lld, \"weight_type\": %d, \"mode\": %d, \"bytes\": %.0f, "
                   "\"fused_us\": %.3f, \"baseline_us\": %.3f, \"floor_us\": %.3f, \"keep_traffic_us\": %.3f, "
                   "\"mismatch\": %s, \"writes\": %s, \"plugins_us\": {",
                r.index, sweep_class_name(r.cls), r.path, (long long)r.p.b, (long long)r.p.h, (long long)r.p.sk,
                (long long)r.p.sink, (long long)r.p.heavy, (long long)r.p.window, (int)r.p.weight_type, (int)r.p.mode,
                r.bytes, r.fused_us, r.baseline_us, r.floor_us, r.keep_traffic_us, r.mismatch ? "true" : "false",
                r.writes() ? "true" : "false");
        for (size_t k = 0; k < r.plugins.size(); k++)
            fprintf(j, "%s\"%s\": %.3f", k ? ", " : "", r.plugins[k].first.c_str(), r.plugins[k].second);
        fprintf(j, "}}%s\n", i + 1 < rows.size() ? "," : "");
    }
    fprintf(j, "]}\n");
    BENCH_CHECK(fclose(j) == 0);
    printf("spidx_bench: wrote %s/sweep-%s.{md,json,dat,gp} and the worst shapes' .case files\n", dir, stamp);
}

/* --sweep N: draws the shapes, validates and times each; the report with --report-dir. */
int run_sweep(const options &o, const device_info &dev, const std::vector<impl_row> &impls, cudaStream_t st,
              double memset_bw)
{
    std::vector<sweep_row> rows;
    int mismatches = 0;
    for (int i = 0; i < o.sweep; i++) {
        sweep_shape sh;
        sweep_draw(o.seed, i, (size_t)1 << 30, &sh);
        const config c = make_config_params(sh.p);
        char cname[64];
        snprintf(cname, sizeof cname, "sweep%03d/%s", i, sweep_class_name(sh.cls));
        if (!only_matches(o.only, cname)) continue;
        g_rng = sweep_rng_state(o.seed, i);
        std::vector<result> results;
        sweep_row r;
        r.index = i, r.cls = sh.cls, r.p = sh.p;
        const char *path = spidx_fused_path_name(&sh.p);
        r.path = path ? path : "invalid";
        snprintf(r.config, sizeof r.config, "%s", cname);
        /* A mismatching shape is reported (with its .case) and the sweep goes on. */
        r.mismatch = !run_config(c, cname, o, impls, st, memset_bw, true, results);
        mismatches += r.mismatch;
        if (results.empty() && !r.mismatch) continue; /* --validate-only */
        for (const result &x : results) {
            r.floor_us = x.floor_graph_us, r.bytes = x.bytes;
            const double us = x.graph.median_us > 0 ? x.graph.median_us : x.b2b.median_us;
            if (!strcmp(x.impl, "fused")) r.fused_us = x.graph.median_us, r.fused_min = x.graph.min_us, r.fused_max = x.graph.max_us;
            else if (!strcmp(x.impl, "baseline"))
                r.baseline_us = x.graph.median_us, r.baseline_min = x.graph.min_us, r.baseline_max = x.graph.max_us;
            else if (!strcmp(x.impl, "keep-traffic")) r.keep_traffic_us = x.graph.median_us;
            for (const impl_row &im : impls)
                if (im.plugin && !strcmp(im.name, x.impl)) r.plugins.emplace_back(x.impl, us);
        }
        rows.push_back(r);
    }
    if (!o.validate_only && o.report_dir)
        write_sweep_report(o.report_dir, {&dev, o.commit, nullptr, o.samples, memset_bw}, rows, o.sweep, o.seed,
                           o.only);
    printf("spidx_bench --sweep: %s\n", mismatches ? "MISMATCH on some shapes (listed in the report)"
                                                   : "every implementation matches the reference on every shape");
    return mismatches ? 1 : 0;
}

/* --case FILE: one shape from a .case file (contiguous rows, int64 list: the bench's buffers). */
int run_case(const options &o, const std::vector<impl_row> &impls, cudaStream_t st, double memset_bw,
             std::vector<result> &results)
{
    FILE *f = fopen(o.case_file, "rb");
    if (!f) {
        fprintf(stderr, "spidx_bench: cannot read %s\n", o.case_file);
        return 2;
    }
    std::string text;
    char buf[65536];
    for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
    fclose(f);
    spidx_case k;
    char err[256];
    /* The sweep writes shapes of up to 1 GiB of buffers: read them back at that budget. */
    if (case_parse_bounded(text.data(), text.size(), &k, err, sizeof err, (size_t)1 << 30, SPIDX_CASE_MAX_ROWS) != 0) {
        fprintf(stderr, "spidx_bench: %s: %s\n", o.case_file, err);
        return 2;
    }
    const spidx_params q = case_contiguous_params(k.p.b, k.p.h, k.p.sk, k.p.sink, k.p.heavy, k.p.window, k.p.init_offset);
    const bool contiguous = k.check == SPIDX_OK && k.p.index_type == SPIDX_INDEX_I64 && k.p.topk_sb == q.topk_sb &&
                            k.p.topk_sh == q.topk_sh && k.p.list_sb == q.list_sb && k.p.list_sh == q.list_sh &&
                            k.p.weight_sb == q.weight_sb && k.p.weight_sh == q.weight_sh && k.null_mask == 0;
    if (!contiguous) {
        fprintf(stderr, "spidx_bench: %s: the bench times valid calls with contiguous rows and an int64 list\n", o.case_file);
        case_free(&k);
        return 2;
    }
    const config c = make_config_params(k.p);
    std::vector<int64_t> topk((size_t)c.s.topk_span);
    for (int64_t row = 0; row < c.s.rows; row++)
        for (int64_t j = 0; j < c.s.H; j++) topk[(size_t)(row * c.s.H + j)] = case_get_topk(&k, row / k.p.h, row % k.p.h, j);
    case_free(&k);
    const char *base = strrchr(o.case_file, '/');
    char cname[64];
    snprintf(cname, sizeof cname, "%.63s", base ? base + 1 : o.case_file);
    return run_config(c, cname, o, impls, st, memset_bw, true, results, &topk) ? 0 : 1;
}

} // namespace

int main(int argc, char **argv)
{
    options o;
    const int usage_status = parse_options(argc, argv, &o);
    if (usage_status != 0) return usage_status;
    char perr[512];
    if (spidx_registry_load_env(perr, sizeof perr) != 0) { /* before the device check, which reads their kinds */
        fprintf(stderr, "spidx_bench: %s\n", perr);
        return 2;
    }
    const int gpu_status = gpu_missing_status();
    if (gpu_status != 0) return gpu_status;

    device_info dev;
    CUDA_CHECK(cudaGetDeviceProperties(&dev.prop, 0));
    read_clocks(dev.clocks, sizeof dev.clocks);
    cudaStream_t st;
    CUDA_CHECK(cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking));
    const double memset_bw = o.validate_only ? 0.0 : measure_memset_bandwidth(st, o.samples);
    const std::vector<impl_row> impls = bench_impls();

    printf("spidx_bench on %s (%d SMs); clocks (sm, mem, max sm, max mem, temp, power): %s\n", dev.prop.name,
           dev.prop.multiProcessorCount, dev.clocks[0] ? dev.clocks : "unknown");
    if (!o.validate_only) printf("memset bandwidth (1 GiB, median of %d): %.0f GB/s\n", o.samples, memset_bw / 1e3);
    printf("%-26s %-14s %10s %7s %10s %7s %8s %8s %8s\n", "config", "impl", "b2b_us", "spread", "graph_us",
           "spread", "GB/s", "x_floor", "b2b_xfl");
    if (o.sweep) return run_sweep(o, dev, impls, st, memset_bw);
    std::vector<result> results;
    if (o.case_file) {
        const int rc = run_case(o, impls, st, memset_bw, results);
        if (rc == 0 && o.report_dir && !o.validate_only)
            write_report(o.report_dir, {&dev, o.commit, nullptr, o.samples, memset_bw}, results);
        return rc;
    }
    /* Each configuration is validated before it is timed; after a mismatch the rest are
     * validated only. */
    bool all_valid = true;
    for (const shape_row &sh : kShapes)
        for (int wt : kWeightTypes)
            for (int mode : kModes) {
                const config c = make_config(&sh, wt, mode);
                char cname[64];
                snprintf(cname, sizeof cname, "%s/%s/%s", sh.name, wt == SPIDX_WEIGHT_F32 ? "f32" : "bf16",
                         spidx_mode_name(mode));
                if (!only_matches(o.only, cname)) continue; /* e.g. --only large/f32/keep for a profiler */
                if (!run_config(c, cname, o, impls, st, memset_bw, all_valid, results)) all_valid = false;
            }

    if (o.validate_only) {
        printf("spidx_bench: %s\n", all_valid ? "every implementation matches the reference on every configuration"
                                                : "MISMATCH");
        return all_valid ? 0 : 1;
    }
    if (!all_valid) return 1;
    if (o.report_dir) write_report(o.report_dir, {&dev, o.commit, nullptr, o.samples, memset_bw}, results);
    return 0;
}
