/* test_gpu_errors.c - CUDA failures become a clear status: a call whose staging needs
 * more device memory than the GPU has returns SPIDX_E_DEVICE naming cudaMalloc, writes
 * nothing, and the next call still works; on each GPU implementation SPIDX_IMPLS selects
 * (default: all). Exits 77 (skipped) without a device, 1 under SPIDX_REQUIRE_GPU=1, or 2
 * when SPIDX_IMPLS names a GPU implementation. Run: ctest -L gpu. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE */
#include "test_helpers.h"

#include <string.h>
#include <sys/mman.h>

#include "spidx_gpu.h"

START_TEST(test_out_of_device_memory_is_e_device_and_recoverable)
{
    /* Two float32 rows 2^36 elements apart: a 256 GiB weight span, more than any
     * current GPU holds. The host side is a lazily backed mapping that the call must
     * not touch, because staging fails at cudaMalloc before any copy. */
    const int64_t stride = (int64_t)1 << 36, sk = 16;
    const size_t bytes = (size_t)(stride + sk) * 4;
    unsigned char *weight = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    ck_assert_msg(weight != MAP_FAILED, "cannot reserve %zu bytes of address space", bytes);
    memset(weight, 0x5a, 64);
    spidx_params p = case_contiguous_params(2, 1, sk, 1, 0, 1, 0);
    p.weight_sb = stride;
    int64_t list[4] = {-7, -7, -7, -7};
    const spidx_impl *gpu[SPIDX_MAX_IMPLS];
    const size_t ngpu = select_gpu_impls(gpu);
    for (size_t i = 0; i < ngpu; i++) {
        spidx_detail d;
        const spidx_status st = gpu[i]->run(&p, NULL, list, weight, &d);
        ck_assert_msg(st == SPIDX_E_DEVICE, "%s: %s, expected SPIDX_E_DEVICE", gpu[i]->name, spidx_status_name(st));
        ck_assert_msg(strstr(d.message, "cudaMalloc") != NULL, "%s: message '%s' does not name cudaMalloc",
                      gpu[i]->name, d.message);
        printf("%s: %s: %s\n", gpu[i]->name, spidx_status_name(st), d.message);
        ck_assert_int_eq(list[0] + list[1] + list[2] + list[3], -28);
        for (int k = 0; k < 64; k++) ck_assert_uint_eq(weight[k], 0x5a);
    }
    munmap(weight, bytes);

    /* The failure is not sticky: a normal call afterwards succeeds on both. */
    const spidx_params q = case_contiguous_params(1, 1, 4, 1, 0, 1, 0);
    for (size_t i = 0; i < ngpu; i++) {
        int64_t l[2];
        uint32_t w[4] = {9, 9, 9, 9};
        spidx_detail d;
        ck_assert_int_eq(gpu[i]->run(&q, NULL, l, w, &d), SPIDX_OK);
        ck_assert_int_eq(l[0], 0);
        ck_assert_int_eq(l[1], 3);
        ck_assert_uint_eq(w[0], 0x3F800000u);
        ck_assert_uint_eq(w[1], 0u);
        ck_assert_uint_eq(w[3], 0x3F800000u);
    }
}
END_TEST

int main(void)
{
    const int unavailable = gpu_test_unavailable("test_gpu_errors");
    if (unavailable) return unavailable;
    Suite *s = suite_create("gpu_errors");
    TCase *tc = tcase_create("device_failures");
    tcase_add_test(tc, test_out_of_device_memory_is_e_device_and_recoverable);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
