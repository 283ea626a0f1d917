/* test_gpu_unavailable.c - without a usable CUDA device the GPU implementations say so:
 * SPIDX_E_UNAVAILABLE with a reason naming the implementation, after validating like
 * every other, and without writing. Exits 77 (CTest: skipped) where a device is present,
 * since there is nothing to check there. Run: ctest -R test_gpu_unavailable. */
#include "test_helpers.h"

#include <string.h>

#include "spidx_gpu.h"

START_TEST(test_unavailable_gpu_implementation_validates_then_writes_nothing)
{
    char why[192];
    ck_assert(!spidx_gpu_available(why, sizeof why));
    ck_assert_msg(why[0] != 0, "no reason given for an unavailable GPU");
    spidx_params p = case_contiguous_params(1, 1, 4, 1, 0, 0, 0);
    int64_t list[1] = {123};
    uint32_t weight[4] = {7, 7, 7, 7};
    spidx_detail d;
    ck_assert_int_eq(spidx_fused_run(&p, NULL, list, weight, &d), SPIDX_E_UNAVAILABLE);
    ck_assert_msg(strstr(d.message, "fused") != NULL, "message '%s' does not name the implementation", d.message);
    ck_assert_int_eq(spidx_baseline_run(&p, NULL, list, weight, &d), SPIDX_E_UNAVAILABLE);
    ck_assert_msg(strstr(d.message, "baseline") != NULL, "message '%s' does not name the implementation",
                  d.message);
    ck_assert_int_eq(list[0], 123);
    ck_assert_uint_eq(weight[0] + weight[1] + weight[2] + weight[3], 28);
    p.sk = -1; /* validation comes first */
    ck_assert_int_eq(spidx_fused_run(&p, NULL, list, weight, &d), SPIDX_E_ARG);
}
END_TEST

int main(void)
{
    char why[192];
    if (spidx_gpu_available(why, sizeof why)) {
        printf("SKIPPED: a CUDA device is present, so the unavailable path cannot be checked here\n");
        return 77;
    }
    Suite *s = suite_create("gpu_unavailable");
    TCase *tc = tcase_create("no_device");
    tcase_add_test(tc, test_unavailable_gpu_implementation_validates_then_writes_nothing);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
