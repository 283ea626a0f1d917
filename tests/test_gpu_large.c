/* test_gpu_large.c - proves 64-bit addressing in the CUDA implementations (those
 * SPIDX_IMPLS selects; mutant 7 of kernels/mutants/ is killed here): a float16
 * weight tensor of 3 x (2^30 + 2^20) elements (about 6.4 GB), whose last row starts
 * past 2^31 elements, in ZERO and KEEP mode. Needs a GPU with ~7 GB free and ~13 GB of
 * host memory; exits 77 (skipped) without a device, or 1 under SPIDX_REQUIRE_GPU=1.
 * Run: ctest -L gpu. */
#include "test_helpers.h"

#include <stdlib.h>
#include <string.h>

#include "spidx_gpu.h"

enum { LARGE_H = 3, LARGE_SINK = 2, LARGE_HEAVY = 3, LARGE_WINDOW = 2 };
static const int64_t LARGE_SK = ((int64_t)1 << 30) + ((int64_t)1 << 20);
static const uint16_t KEEP_FILL = 0x7E01; /* a float16 NaN with a payload */

static int64_t large_topk(int64_t hi, int64_t k)
{
    return k == 0 ? LARGE_SK - 1000 - hi : k == 1 ? 5 + hi : LARGE_SK / 2 + hi;
}

static void run_large(const spidx_impl *impl, int32_t mode, uint16_t *weight)
{
    spidx_params p = case_contiguous_params(1, LARGE_H, LARGE_SK, LARGE_SINK, LARGE_HEAVY, LARGE_WINDOW, 0);
    p.weight_type = SPIDX_WEIGHT_F16;
    p.mode = mode;
    const int64_t T = LARGE_SINK + LARGE_HEAVY + LARGE_WINDOW;
    int64_t topk[LARGE_H * LARGE_HEAVY], list[LARGE_H * 7];
    for (int64_t hi = 0; hi < LARGE_H; hi++)
        for (int64_t k = 0; k < LARGE_HEAVY; k++) topk[hi * LARGE_HEAVY + k] = large_topk(hi, k);
    const size_t n = (size_t)(LARGE_H * LARGE_SK);
    /* 0xFFFF (a NaN) everywhere: ZERO mode must clear it, KEEP mode gets a payload NaN. */
    if (mode == SPIDX_MODE_ZERO)
        memset(weight, 0xff, n * 2);
    else
        for (size_t i = 0; i < n; i++) weight[i] = KEEP_FILL;

    spidx_detail d;
    const spidx_status st = impl->run(&p, topk, list, weight, &d);
    ck_assert_msg(st == SPIDX_OK, "%s: %s (%s)", impl->name, spidx_status_name(st), d.message);
    for (int64_t hi = 0; hi < LARGE_H; hi++) {
        const int64_t marks[7] = {0, 1, large_topk(hi, 0), large_topk(hi, 1), large_topk(hi, 2), LARGE_SK - 2,
                                  LARGE_SK - 1};
        for (int j = 0; j < T; j++)
            ck_assert_msg(list[hi * T + j] == marks[j], "%s: list (0, %lld, %d) = %lld, expected %lld", impl->name,
                          (long long)hi, j, (long long)list[hi * T + j], (long long)marks[j]);
        const uint16_t *row = weight + hi * LARGE_SK;
        const uint16_t other = mode == SPIDX_MODE_ZERO ? 0 : KEEP_FILL;
        int64_t wrong = 0, first_wrong = -1;
        for (int64_t x = 0; x < LARGE_SK; x++) {
            int marked = 0;
            for (int m = 0; m < 7; m++) marked |= marks[m] == x;
            if (row[x] != (marked ? 0x3C00 : other)) {
                if (first_wrong < 0) first_wrong = x;
                wrong++;
            }
        }
        ck_assert_msg(wrong == 0, "%s %s: %lld wrong weights in row %lld, first at x=%lld (0x%04x)", impl->name,
                      spidx_mode_name(mode), (long long)wrong, (long long)hi, (long long)first_wrong,
                      first_wrong >= 0 ? row[first_wrong] : 0);
    }
    printf("%-9s %-4s mode: %lld weight elements (last row at element %lld) correct\n", impl->name,
           spidx_mode_name(mode), (long long)n, (long long)((LARGE_H - 1) * LARGE_SK));
    fflush(stdout);
}

START_TEST(test_weights_past_two_to_the_31_elements_are_addressed_correctly)
{
    const size_t n = (size_t)(LARGE_H * LARGE_SK);
    ck_assert_msg(n > ((size_t)1 << 31) && (LARGE_H - 1) * LARGE_SK > INT32_MAX, "the test must exceed 2^31");
    uint16_t *weight = malloc(n * 2);
    ck_assert_msg(weight != NULL, "cannot allocate %zu bytes of host memory", n * 2);
    const spidx_impl *impls[SPIDX_MAX_IMPLS];
    const size_t count = select_gpu_impls(impls);
    for (size_t i = 0; i < count; i++) {
        run_large(impls[i], SPIDX_MODE_ZERO, weight);
        run_large(impls[i], SPIDX_MODE_KEEP, weight);
    }
    free(weight);
    spidx_gpu_release();
}
END_TEST

int main(void)
{
    const int unavailable = gpu_test_unavailable("test_gpu_large");
    if (unavailable) return unavailable;
    Suite *s = suite_create("gpu_large");
    TCase *tc = tcase_create("addressing");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_weights_past_two_to_the_31_elements_are_addressed_correctly);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
