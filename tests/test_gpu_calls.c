/* test_gpu_calls.c - calls as decoding loops make them, on each GPU implementation that
 * SPIDX_IMPLS selects (default: fused and baseline): the same case twice in a row and a
 * small case right after a larger one through the host entry points (staging that
 * persists must not leak stale contents), the device entry points on a user stream and
 * on two streams at once, and a captured CUDA graph replayed after the top-k changes in
 * place. Every output is compared bit for bit with the reference, padding included.
 * Exits 77 (skipped) without a device, 1 under SPIDX_REQUIRE_GPU=1, 2 when SPIDX_IMPLS
 * names a GPU implementation. Run: ctest -L gpu. */
#include "test_helpers.h"

#include <cuda_runtime.h>
#include <stdlib.h>
#include <string.h>

#include "spidx_gpu.h"
#include "spidx_gpu_device.h"

#define CUDA_OK(call) ck_assert_msg((call) == cudaSuccess, "%s failed", #call)

typedef spidx_status (*launch_device_fn)(const spidx_params *p, const int64_t *topk, void *list, void *weight,
                                         unsigned long long *first_bad, cudaStream_t stream, spidx_detail *detail);

/* The device entry point of a registered implementation, or NULL (the mutants have none). */
static launch_device_fn device_entry(const spidx_impl *impl)
{
    if (strcmp(impl->name, "fused") == 0) return spidx_fused_launch_device;
    if (strcmp(impl->name, "baseline") == 0) return spidx_baseline_launch_device;
    return NULL;
}

/* A padded, permuted case with NaN-filled weights and top-k values that hit every region,
 * one invalid value in row 1 when `invalid`. */
static void make_case(spidx_case *c, int64_t b, int64_t h, int64_t sk, int mode, int weight_type, uint64_t seed,
                      int invalid)
{
    spidx_params p = case_contiguous_params(b, h, sk, 3, 17, 5, 2);
    p.mode = mode;
    p.weight_type = weight_type;
    const int64_t T = 3 + 17 + 5;
    p.weight_sb = sk + 3; /* permuted: heads outermost, rows padded by 3 */
    p.weight_sh = b * (sk + 3) + 1;
    p.list_sh = T + 2;
    p.list_sb = h * (T + 2) + 5;
    case_init_fill(c, &p, SPIDX_FILL_NAN, seed);
    ck_assert_int_eq(c->check, SPIDX_OK);
    for (int64_t bi = 0; bi < b; bi++)
        for (int64_t hi = 0; hi < h; hi++)
            for (int64_t k = 0; k < 17; k++)
                case_set_topk(c, bi, hi, k, (int64_t)((seed * 31 + (uint64_t)(bi * h + hi) * 7 + (uint64_t)k * 13) %
                                                      (uint64_t)(sk - 2)));
    if (invalid && b * h > 1) case_set_topk(c, 0, 1, 4, sk); /* past the end: E_HEAVY_RANGE */
}

/* Runs c on impl through the host entry point and compares with the reference. */
static void expect_host_call_matches(const spidx_impl *impl, const spidx_case *c, const char *what)
{
    spidx_outcome want, got;
    case_run(spidx_impl_find("ref"), c, &want);
    case_run(impl, c, &got);
    const long bad = case_compare(c, "ref", &want, impl->name, &got, stdout, 8, NULL);
    ck_assert_msg(bad == 0, "%s: %s: %ld mismatches with ref", impl->name, what, bad);
    outcome_free(&want);
    outcome_free(&got);
}

START_TEST(test_same_case_twice_and_small_after_large_match_the_reference)
{
    const spidx_impl *gpu[SPIDX_MAX_IMPLS];
    const size_t n = select_gpu_impls(gpu);
    spidx_case large, small;
    make_case(&large, 6, 9, 9000, SPIDX_MODE_KEEP, SPIDX_WEIGHT_F32, 1, 1);
    make_case(&small, 2, 3, 40, SPIDX_MODE_ZERO, SPIDX_WEIGHT_BF16, 2, 1);
    for (size_t i = 0; i < n; i++) {
        expect_host_call_matches(gpu[i], &small, "first call");
        expect_host_call_matches(gpu[i], &small, "same case again");
        expect_host_call_matches(gpu[i], &large, "larger case");
        expect_host_call_matches(gpu[i], &small, "small case after a larger one");
        expect_host_call_matches(gpu[i], &large, "larger case after a small one");
    }
    case_free(&large);
    case_free(&small);
}
END_TEST

/* A case's buffers on the device, filled from its initial contents. */
typedef struct {
    int64_t *topk;
    void *list, *weight;
    unsigned long long *first_bad;
} device_case;

/* Writes c's top-k and initial outputs into d, and waits until they have landed. The wait
 * is needed: a cudaMemcpy from pageable memory may return before its DMA has finished,
 * cudaMemset does not wait at all, and the launches below go to non-blocking streams,
 * which do not wait for the legacy stream; a launch could then run before the copy and
 * see its zeros overwritten by the initial fill (seen on the H200 under load). */
static void device_case_load(device_case *d, const spidx_case *c)
{
    CUDA_OK(cudaMemcpy(d->topk, c->topk, c->topk_bytes, cudaMemcpyHostToDevice));
    CUDA_OK(cudaMemcpy(d->list, c->list_init, c->list_bytes, cudaMemcpyHostToDevice));
    CUDA_OK(cudaMemcpy(d->weight, c->weight_init, c->weight_bytes, cudaMemcpyHostToDevice));
    CUDA_OK(cudaMemset(d->first_bad, 0xff, sizeof *d->first_bad));
    CUDA_OK(cudaDeviceSynchronize());
}

static void device_case_new(device_case *d, const spidx_case *c)
{
    CUDA_OK(cudaMalloc((void **)&d->topk, c->topk_bytes));
    CUDA_OK(cudaMalloc(&d->list, c->list_bytes));
    CUDA_OK(cudaMalloc(&d->weight, c->weight_bytes));
    CUDA_OK(cudaMalloc((void **)&d->first_bad, sizeof *d->first_bad));
    device_case_load(d, c);
}

static void device_case_free(device_case *d)
{
    CUDA_OK(cudaFree(d->topk));
    CUDA_OK(cudaFree(d->list));
    CUDA_OK(cudaFree(d->weight));
    CUDA_OK(cudaFree(d->first_bad));
}

/* Compares the device buffers (whole spans: padding must keep its bits) and first_bad
 * with the reference's outcome on c. */
static void expect_device_matches(const char *name, const char *what, const spidx_case *c, const device_case *d)
{
    spidx_outcome want;
    case_run(spidx_impl_find("ref"), c, &want);
    unsigned char *list = malloc(c->list_bytes), *weight = malloc(c->weight_bytes);
    ck_assert(list && weight);
    unsigned long long first_bad;
    CUDA_OK(cudaMemcpy(list, d->list, c->list_bytes, cudaMemcpyDeviceToHost));
    CUDA_OK(cudaMemcpy(weight, d->weight, c->weight_bytes, cudaMemcpyDeviceToHost));
    CUDA_OK(cudaMemcpy(&first_bad, d->first_bad, sizeof first_bad, cudaMemcpyDeviceToHost));
    for (size_t at = 0; at < c->list_bytes; at++)
        ck_assert_msg(list[at] == want.list[at], "%s: %s: list byte %zu is 0x%02x, ref 0x%02x", name, what, at,
                      list[at], want.list[at]);
    for (size_t at = 0; at < c->weight_bytes; at++)
        ck_assert_msg(weight[at] == want.weight[at], "%s: %s: weight byte %zu is 0x%02x, ref 0x%02x", name, what,
                      at, weight[at], want.weight[at]);
    /* first_bad = row * heavy + j of the first invalid entry (spidx_gpu_device.h). */
    const unsigned long long expected =
        want.status == SPIDX_E_HEAVY_RANGE
            ? (unsigned long long)((want.detail.bi * c->p.h + want.detail.hi) * c->p.heavy + want.detail.j)
            : ~0ull;
    ck_assert_msg(first_bad == expected, "%s: %s: first_bad %llu, ref %llu", name, what, first_bad, expected);
    free(list);
    free(weight);
    outcome_free(&want);
}

START_TEST(test_device_entry_points_on_user_streams_match_the_reference)
{
    const spidx_impl *gpu[SPIDX_MAX_IMPLS];
    const size_t n = select_gpu_impls(gpu);
    spidx_case a, b;
    make_case(&a, 3, 5, 3000, SPIDX_MODE_ZERO, SPIDX_WEIGHT_F16, 3, 1);
    make_case(&b, 5, 2, 700, SPIDX_MODE_KEEP, SPIDX_WEIGHT_F32, 4, 0);
    cudaStream_t s1, s2;
    CUDA_OK(cudaStreamCreateWithFlags(&s1, cudaStreamNonBlocking));
    CUDA_OK(cudaStreamCreateWithFlags(&s2, cudaStreamNonBlocking));
    for (size_t i = 0; i < n; i++) {
        const launch_device_fn launch = device_entry(gpu[i]);
        if (!launch) {
            printf("%s has no device entry point: not checked here\n", gpu[i]->name);
            continue;
        }
        device_case da, db;
        spidx_detail det;
        /* One user stream. */
        device_case_new(&da, &a);
        ck_assert_int_eq(launch(&a.p, da.topk, da.list, da.weight, da.first_bad, s1, &det), SPIDX_OK);
        CUDA_OK(cudaStreamSynchronize(s1));
        expect_device_matches(gpu[i]->name, "one user stream", &a, &da);
        device_case_free(&da);
        /* Two streams at once, distinct buffers, no synchronization between the launches. */
        device_case_new(&da, &a);
        device_case_new(&db, &b);
        ck_assert_int_eq(launch(&a.p, da.topk, da.list, da.weight, da.first_bad, s1, &det), SPIDX_OK);
        ck_assert_int_eq(launch(&b.p, db.topk, db.list, db.weight, db.first_bad, s2, &det), SPIDX_OK);
        CUDA_OK(cudaStreamSynchronize(s1));
        CUDA_OK(cudaStreamSynchronize(s2));
        expect_device_matches(gpu[i]->name, "stream 1 of 2", &a, &da);
        expect_device_matches(gpu[i]->name, "stream 2 of 2", &b, &db);
        device_case_free(&da);
        device_case_free(&db);
    }
    CUDA_OK(cudaStreamDestroy(s1));
    CUDA_OK(cudaStreamDestroy(s2));
    case_free(&a);
    case_free(&b);
}
END_TEST

START_TEST(test_graph_replay_follows_topk_changed_in_place)
{
    const spidx_impl *gpu[SPIDX_MAX_IMPLS];
    const size_t n = select_gpu_impls(gpu);
    cudaStream_t s;
    CUDA_OK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    for (size_t i = 0; i < n; i++) {
        const launch_device_fn launch = device_entry(gpu[i]);
        if (!launch) {
            printf("%s has no device entry point: not checked here\n", gpu[i]->name);
            continue;
        }
        for (int mode = SPIDX_MODE_ZERO; mode <= SPIDX_MODE_KEEP; mode++) {
            /* Captured once on the first top-k; each replay runs on new values written into
             * the same device buffer, and on fresh initial outputs. */
            spidx_case c;
            make_case(&c, 4, 3, 2500, mode, SPIDX_WEIGHT_BF16, 10, 0);
            device_case d;
            device_case_new(&d, &c);
            cudaGraph_t graph;
            cudaGraphExec_t exec;
            spidx_detail det;
            CUDA_OK(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal));
            CUDA_OK(cudaMemsetAsync(d.first_bad, 0xff, sizeof *d.first_bad, s));
            ck_assert_int_eq(launch(&c.p, d.topk, d.list, d.weight, d.first_bad, s, &det), SPIDX_OK);
            CUDA_OK(cudaStreamEndCapture(s, &graph));
            CUDA_OK(cudaGraphInstantiate(&exec, graph, 0));
            for (uint64_t round = 0; round < 3; round++) {
                spidx_case next;
                make_case(&next, 4, 3, 2500, mode, SPIDX_WEIGHT_BF16, 11 + round, round == 1);
                device_case_load(&d, &next); /* first_bad too: the graph resets it anyway */
                CUDA_OK(cudaGraphLaunch(exec, s));
                CUDA_OK(cudaStreamSynchronize(s));
                char what[64];
                snprintf(what, sizeof what, "graph replay %d, %s mode", (int)round + 1, spidx_mode_name(mode));
                expect_device_matches(gpu[i]->name, what, &next, &d);
                case_free(&next);
            }
            CUDA_OK(cudaGraphExecDestroy(exec));
            CUDA_OK(cudaGraphDestroy(graph));
            device_case_free(&d);
            case_free(&c);
        }
    }
    CUDA_OK(cudaStreamDestroy(s));
}
END_TEST

int main(void)
{
    const int unavailable = gpu_test_unavailable("test_gpu_calls");
    if (unavailable) return unavailable;
    Suite *s = suite_create("gpu_calls");
    TCase *host = tcase_create("host_entry");
    tcase_set_timeout(host, 120);
    tcase_add_test(host, test_same_case_twice_and_small_after_large_match_the_reference);
    suite_add_tcase(s, host);
    TCase *dev = tcase_create("device_entry");
    tcase_set_timeout(dev, 120);
    tcase_add_test(dev, test_device_entry_points_on_user_streams_match_the_reference);
    tcase_add_test(dev, test_graph_replay_follows_topk_changed_in_place);
    suite_add_tcase(s, dev);
    return run_suite(s);
}
