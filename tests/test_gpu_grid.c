/* test_gpu_grid.c - proves that the CUDA implementations (those SPIDX_IMPLS selects) write
 * every row when the work outnumbers a 65,535-block grid, for each of the fused kernel's
 * row groupings in ZERO mode: more than 65,535 x 256 rows of 4 weights lying back to back
 * (spans of 256 rows), more than 65,535 x 32 rows of 65 padded to 66 (8 lanes per row),
 * more than 65,535 rows longer than 2,048 weights (its block kernel's items), and 65,535 x
 * 8 + 4,001 rows of 5 padded to 6 (a thread per row; the baseline's grid). Weight padding
 * must keep its fill. In KEEP mode these sparse rows go to the list kernel. Mutant 9 of
 * kernels/mutants/ is killed here, and mutant 17 (a bitmap set up once per group) by
 * every group that takes a second row.
 * Needs ~1.4 GB of host memory and a GPU; exits 77 (skipped) without a device, or 1 under
 * SPIDX_REQUIRE_GPU=1. Run: ctest -L gpu. */
#include "test_helpers.h"

#include <stdlib.h>
#include <string.h>

#include "spidx_gpu.h"

static const uint16_t KEEP_FILL = 0x7E01; /* a float16 NaN with a payload */

/* One sink, one heavy and one window entry per row; the heavy value moves with the row. */
typedef struct {
    int64_t rows, sk, init_offset, period;
    int64_t pad; /* weight elements after each row: the weight row stride is sk + pad */
} grid_shape;

static int64_t grid_topk(const grid_shape *g, int64_t row) { return (row * 7) % g->period; }

static void run_grid(const spidx_impl *impl, const grid_shape *g, int32_t mode, int64_t *topk, int64_t *list,
                     uint16_t *weight)
{
    spidx_params p = case_contiguous_params(1, g->rows, g->sk, 1, 1, 1, g->init_offset);
    const int64_t stride = g->sk + g->pad;
    p.weight_type = SPIDX_WEIGHT_F16;
    p.mode = mode;
    p.weight_sh = stride;
    p.weight_sb = g->rows * stride;
    for (int64_t r = 0; r < g->rows; r++) topk[r] = grid_topk(g, r);
    /* ZERO: 0xFFFF, a NaN, so that every weight must be written; KEEP: kept. Padding keeps it. */
    const uint16_t fill = mode == SPIDX_MODE_ZERO ? 0xFFFF : KEEP_FILL;
    const size_t n = (size_t)(g->rows * stride);
    for (size_t i = 0; i < n; i++) weight[i] = fill;
    memset(list, 0xff, (size_t)g->rows * 3 * sizeof *list);

    spidx_detail d;
    const spidx_status st = impl->run(&p, topk, list, weight, &d);
    ck_assert_msg(st == SPIDX_OK, "%s: %s (%s)", impl->name, spidx_status_name(st), d.message);
    /* Mismatches are counted and asserted once: ck_assert per element costs a mark point each. */
    const uint16_t other = mode == SPIDX_MODE_ZERO ? 0 : KEEP_FILL;
    int64_t wrong = 0, first_r = -1, first_x = -1, first_list = -1;
    for (int64_t r = 0; r < g->rows; r++) {
        const int64_t marks[3] = {0, grid_topk(g, r) + g->init_offset, g->sk - 1};
        for (int j = 0; j < 3; j++)
            if (list[r * 3 + j] != marks[j] && first_list < 0) first_list = r * 3 + j;
        const uint16_t *row = weight + r * stride;
        for (int64_t x = 0; x < stride; x++) {
            const int marked = x == marks[0] || x == marks[1] || x == marks[2];
            if (row[x] != (x >= g->sk ? fill : marked ? 0x3C00 : other)) {
                if (wrong++ == 0) first_r = r, first_x = x;
            }
        }
    }
    ck_assert_msg(first_list < 0, "%s %s: first wrong list entry (0, %lld, %lld) = %lld", impl->name,
                  spidx_mode_name(mode), (long long)(first_list / 3), (long long)(first_list % 3),
                  first_list >= 0 ? (long long)list[first_list] : 0LL);
    ck_assert_msg(wrong == 0, "%s %s: %lld wrong weights, first (0, %lld, %lld) = 0x%04x", impl->name,
                  spidx_mode_name(mode), (long long)wrong, (long long)first_r, (long long)first_x,
                  wrong ? weight[first_r * stride + first_x] : 0);
    printf("%-9s %-4s mode: %lld rows of %lld weights correct\n", impl->name, spidx_mode_name(mode),
           (long long)g->rows, (long long)g->sk);
    fflush(stdout);
}

/* Runs both modes on every selected GPU implementation. */
static void run_grid_on_gpu_impls(const grid_shape *g)
{
    int64_t *topk = malloc((size_t)g->rows * sizeof *topk);
    int64_t *list = malloc((size_t)g->rows * 3 * sizeof *list);
    uint16_t *weight = malloc((size_t)(g->rows * (g->sk + g->pad)) * 2);
    ck_assert_msg(topk && list && weight, "cannot allocate host memory for %lld rows", (long long)g->rows);
    const spidx_impl *impls[SPIDX_MAX_IMPLS];
    const size_t count = select_gpu_impls(impls);
    for (size_t i = 0; i < count; i++) {
        run_grid(impls[i], g, SPIDX_MODE_ZERO, topk, list, weight);
        run_grid(impls[i], g, SPIDX_MODE_KEEP, topk, list, weight);
    }
    free(topk);
    free(list);
    free(weight);
    spidx_gpu_release();
}

START_TEST(test_more_short_rows_than_65535_blocks_of_eight_warps_are_all_written)
{
    /* 5 weights per row and one of padding: sink 0, heavy 1..3, window 4. */
    const grid_shape g = {.rows = 65535LL * 8 + 4001, .sk = 5, .init_offset = 1, .period = 3, .pad = 1};
    run_grid_on_gpu_impls(&g);
}
END_TEST

START_TEST(test_more_rows_than_65535_spans_of_256_rows_are_all_written)
{
    /* 4 weights per row: sink 0, heavy 1..2, window 3; 16,780,961 rows. */
    const grid_shape g = {.rows = 65535LL * 256 + 4001, .sk = 4, .init_offset = 1, .period = 2};
    run_grid_on_gpu_impls(&g);
}
END_TEST

START_TEST(test_more_rows_than_65535_blocks_of_32_eight_lane_rows_are_all_written)
{
    /* 65 weights per row, one past a thread's bitmap, and one of padding: sink 0, heavy
     * 1..63, window 64. */
    const grid_shape g = {.rows = 65535LL * 32 + 4001, .sk = 65, .init_offset = 1, .period = 63, .pad = 1};
    run_grid_on_gpu_impls(&g);
}
END_TEST

START_TEST(test_more_long_rows_than_65535_blocks_are_all_written)
{
    /* 2,049 weights per row, one past the fused warp kernel's rows: sink 0, heavy 1..2,047,
     * window 2,048. */
    const grid_shape g = {.rows = 65535 + 65, .sk = 2049, .init_offset = 1, .period = 2047};
    run_grid_on_gpu_impls(&g);
}
END_TEST

int main(void)
{
    const int unavailable = gpu_test_unavailable("test_gpu_grid");
    if (unavailable) return unavailable;
    Suite *s = suite_create("gpu_grid");
    TCase *tc = tcase_create("grid");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_more_short_rows_than_65535_blocks_of_eight_warps_are_all_written);
    tcase_add_test(tc, test_more_rows_than_65535_spans_of_256_rows_are_all_written);
    tcase_add_test(tc, test_more_rows_than_65535_blocks_of_32_eight_lane_rows_are_all_written);
    tcase_add_test(tc, test_more_long_rows_than_65535_blocks_are_all_written);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
