/* test_heavy_range.c - invalid top-k values: -1 entries, nothing marked for them,
 * everything else written, and the exact first invalid (bi, hi, j) with its value,
 * on every available implementation. Run: ctest -R test_heavy_range. */
#include "test_helpers.h"

static spidx_params P(int64_t b, int64_t h, int64_t sk, int64_t sink, int64_t heavy, int64_t window, int64_t off)
{
    return case_contiguous_params(b, h, sk, sink, heavy, window, off);
}

START_TEST(test_negative_topk_value_is_invalid)
{
    const spidx_params p = P(1, 1, 8, 0, 3, 0, 0);
    const int64_t topk[] = {2, -1, 3}, list[] = {2, -1, 3};
    const expectation e = {.status = SPIDX_E_HEAVY_RANGE, .bad_bi = 0, .bad_hi = 0, .bad_j = 1, .bad_value = -1,
                           .list = list, .weights = "00110000"};
    expect_on_all_impls(&p, topk, &e);
}
END_TEST

START_TEST(test_topk_value_equal_to_sk_minus_init_offset_is_invalid)
{
    const spidx_params p = P(1, 1, 8, 0, 2, 0, 3);
    const int64_t topk[] = {5, 4}, list[] = {-1, 7};
    const expectation e = {.status = SPIDX_E_HEAVY_RANGE, .bad_bi = 0, .bad_hi = 0, .bad_j = 0, .bad_value = 5,
                           .list = list, .weights = "00000001"};
    expect_on_all_impls(&p, topk, &e);
}
END_TEST

START_TEST(test_int64_min_topk_value_is_invalid)
{
    const spidx_params p = P(1, 1, 4, 1, 1, 1, 0);
    const int64_t topk[] = {INT64_MIN}, list[] = {0, -1, 3};
    const expectation e = {.status = SPIDX_E_HEAVY_RANGE, .bad_bi = 0, .bad_hi = 0, .bad_j = 0,
                           .bad_value = INT64_MIN, .list = list, .weights = "1001"};
    expect_on_all_impls(&p, topk, &e);
}
END_TEST

START_TEST(test_int64_max_topk_value_is_invalid_without_overflow)
{
    const spidx_params p = P(1, 1, 4, 0, 2, 0, 2);
    const int64_t topk[] = {INT64_MAX, 1}, list[] = {-1, 3};
    const expectation e = {.status = SPIDX_E_HEAVY_RANGE, .bad_bi = 0, .bad_hi = 0, .bad_j = 0,
                           .bad_value = INT64_MAX, .list = list, .weights = "0001"};
    expect_on_all_impls(&p, topk, &e);
}
END_TEST

START_TEST(test_heavy_out_of_range_reports_first_entry_in_row_major_order)
{
    /* Rows (0,0) {0,1} valid; (0,1) {1,9}: j=1 invalid; (1,0) {-5,0}: j=0 invalid; (1,1) {2,3}. */
    const spidx_params p = P(2, 2, 4, 0, 2, 0, 0);
    const int64_t topk[] = {0, 1, 1, 9, -5, 0, 2, 3};
    const int64_t list[] = {0, 1, 1, -1, -1, 0, 2, 3};
    const expectation e = {.status = SPIDX_E_HEAVY_RANGE, .bad_bi = 0, .bad_hi = 1, .bad_j = 1, .bad_value = 9,
                           .list = list, .weights = "1100" "0100" "1000" "0011"};
    expect_on_all_impls(&p, topk, &e);
}
END_TEST

START_TEST(test_first_entry_wins_over_later_rows_with_many_invalid_entries)
{
    /* Every entry of every row is invalid except row 0's: the first is (0, 1, 0). */
    const spidx_params p = P(3, 4, 16, 0, 3, 0, 0);
    int64_t topk[3 * 4 * 3];
    for (int i = 0; i < 36; i++) topk[i] = i < 3 ? i : 100 + i;
    const expectation e = {.status = SPIDX_E_HEAVY_RANGE, .bad_bi = 0, .bad_hi = 1, .bad_j = 0, .bad_value = 103};
    expect_on_all_impls(&p, topk, &e);
}
END_TEST

START_TEST(test_init_offset_past_sk_makes_every_heavy_entry_invalid)
{
    const spidx_params p = P(1, 1, 4, 1, 2, 0, 6);
    const int64_t topk[] = {0, 1}, list[] = {0, -1, -1};
    const expectation e = {.status = SPIDX_E_HEAVY_RANGE, .bad_bi = 0, .bad_hi = 0, .bad_j = 0, .bad_value = 0,
                           .list = list, .weights = "1000"};
    expect_on_all_impls(&p, topk, &e);
}
END_TEST

START_TEST(test_keep_mode_invalid_entry_leaves_its_weight_alone)
{
    spidx_params p = P(1, 1, 4, 0, 2, 0, 0);
    p.mode = SPIDX_MODE_KEEP;
    const int64_t topk[] = {-2, 1}, list[] = {-1, 1};
    const expectation e = {.status = SPIDX_E_HEAVY_RANGE, .bad_bi = 0, .bad_hi = 0, .bad_j = 0, .bad_value = -2,
                           .list = list, .weights = ".1.."};
    expect_on_all_impls(&p, topk, &e);
}
END_TEST

START_TEST(test_keep_mode_invalid_entry_in_a_later_row_leaves_the_row_before_alone)
{
    /* Contiguous rows: a kernel that scatters the -1 of row 1 would write row 0's last weight. */
    spidx_params p = P(1, 2, 4, 0, 2, 0, 0);
    p.mode = SPIDX_MODE_KEEP;
    const int64_t topk[] = {1, 2, -1, 0}, list[] = {1, 2, -1, 0};
    const expectation e = {.status = SPIDX_E_HEAVY_RANGE, .bad_bi = 0, .bad_hi = 1, .bad_j = 0, .bad_value = -1,
                           .list = list, .weights = ".11." "1..."};
    expect_on_all_impls(&p, topk, &e);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("heavy_range");
    TCase *values = tcase_create("invalid_values");
    tcase_add_test(values, test_negative_topk_value_is_invalid);
    tcase_add_test(values, test_topk_value_equal_to_sk_minus_init_offset_is_invalid);
    tcase_add_test(values, test_int64_min_topk_value_is_invalid);
    tcase_add_test(values, test_int64_max_topk_value_is_invalid_without_overflow);
    tcase_add_test(values, test_init_offset_past_sk_makes_every_heavy_entry_invalid);
    tcase_add_test(values, test_keep_mode_invalid_entry_leaves_its_weight_alone);
    tcase_add_test(values, test_keep_mode_invalid_entry_in_a_later_row_leaves_the_row_before_alone);
    suite_add_tcase(s, values);
    TCase *first = tcase_create("first_position");
    tcase_add_test(first, test_heavy_out_of_range_reports_first_entry_in_row_major_order);
    tcase_add_test(first, test_first_entry_wins_over_later_rows_with_many_invalid_entries);
    suite_add_tcase(s, first);
    return run_suite(s);
}
