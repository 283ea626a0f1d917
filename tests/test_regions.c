/* test_regions.c - the list layout [sink | heavy | window] and the weights it marks,
 * region by region, against hand-computed expectations, on every available
 * implementation. Run: ctest -R test_regions (or build/<preset>/tests/test_regions). */
#include "test_helpers.h"

static spidx_params P(int64_t b, int64_t h, int64_t sk, int64_t sink, int64_t heavy, int64_t window, int64_t off)
{
    return case_contiguous_params(b, h, sk, sink, heavy, window, off);
}

START_TEST(test_all_regions_empty_writes_zero_rows)
{
    const spidx_params p = P(1, 2, 4, 0, 0, 0, 0);
    const expectation e = {.status = SPIDX_OK, .weights = "00000000"};
    expect_on_all_impls(&p, NULL, &e);
}
END_TEST

START_TEST(test_sink_alone_marks_first_positions)
{
    const spidx_params p = P(1, 1, 6, 2, 0, 0, 0);
    const int64_t list[] = {0, 1};
    const expectation e = {.status = SPIDX_OK, .list = list, .weights = "110000"};
    expect_on_all_impls(&p, NULL, &e);
}
END_TEST

START_TEST(test_heavy_alone_marks_topk_positions)
{
    const spidx_params p = P(1, 1, 6, 0, 2, 0, 0);
    const int64_t topk[] = {4, 1}, list[] = {4, 1};
    const expectation e = {.status = SPIDX_OK, .list = list, .weights = "010010"};
    expect_on_all_impls(&p, topk, &e);
}
END_TEST

START_TEST(test_window_alone_marks_last_positions)
{
    const spidx_params p = P(1, 1, 6, 0, 0, 2, 0);
    const int64_t list[] = {4, 5};
    const expectation e = {.status = SPIDX_OK, .list = list, .weights = "000011"};
    expect_on_all_impls(&p, NULL, &e);
}
END_TEST

START_TEST(test_sk_zero_clamps_sink_and_window_to_nothing)
{
    const spidx_params p = P(1, 1, 0, 3, 0, 2, 0);
    const expectation e = {.status = SPIDX_OK};
    expect_on_all_impls(&p, NULL, &e);
}
END_TEST

START_TEST(test_sk_zero_makes_every_heavy_entry_invalid)
{
    const spidx_params p = P(1, 1, 0, 3, 1, 2, 0);
    const int64_t topk[] = {0}, list[] = {-1};
    const expectation e = {.status = SPIDX_E_HEAVY_RANGE, .bad_bi = 0, .bad_hi = 0, .bad_j = 0, .bad_value = 0,
                           .list = list};
    expect_on_all_impls(&p, topk, &e);
}
END_TEST

START_TEST(test_b_zero_is_ok_and_writes_nothing)
{
    const spidx_params p = P(0, 3, 8, 1, 1, 1, 0);
    const expectation e = {.status = SPIDX_OK};
    expect_on_all_impls(&p, NULL, &e);
}
END_TEST

START_TEST(test_h_zero_is_ok_and_writes_nothing)
{
    const spidx_params p = P(2, 0, 8, 1, 1, 1, 0);
    const expectation e = {.status = SPIDX_OK};
    expect_on_all_impls(&p, NULL, &e);
}
END_TEST

START_TEST(test_sink_at_least_sk_is_clamped_to_sk)
{
    const spidx_params p = P(1, 1, 3, 5, 0, 0, 0);
    const int64_t list[] = {0, 1, 2};
    const expectation e = {.status = SPIDX_OK, .list = list, .weights = "111"};
    expect_on_all_impls(&p, NULL, &e);
}
END_TEST

START_TEST(test_window_at_least_sk_is_clamped_to_sk)
{
    const spidx_params p = P(1, 1, 3, 0, 0, 7, 0);
    const int64_t list[] = {0, 1, 2};
    const expectation e = {.status = SPIDX_OK, .list = list, .weights = "111"};
    expect_on_all_impls(&p, NULL, &e);
}
END_TEST

START_TEST(test_sink_and_window_overlap_when_their_sum_exceeds_sk)
{
    const spidx_params p = P(1, 1, 5, 3, 0, 3, 0);
    const int64_t list[] = {0, 1, 2, 2, 3, 4};
    const expectation e = {.status = SPIDX_OK, .list = list, .weights = "11111"};
    expect_on_all_impls(&p, NULL, &e);
}
END_TEST

START_TEST(test_duplicate_topk_values_mark_once)
{
    const spidx_params p = P(1, 1, 8, 0, 4, 0, 1);
    const int64_t topk[] = {3, 3, 3, 5}, list[] = {4, 4, 4, 6};
    const expectation e = {.status = SPIDX_OK, .list = list, .weights = "00001010"};
    expect_on_all_impls(&p, topk, &e);
}
END_TEST

START_TEST(test_topk_inside_sink_repeats_sink_positions)
{
    const spidx_params p = P(1, 1, 8, 3, 2, 0, 0);
    const int64_t topk[] = {0, 2}, list[] = {0, 1, 2, 0, 2};
    const expectation e = {.status = SPIDX_OK, .list = list, .weights = "11100000"};
    expect_on_all_impls(&p, topk, &e);
}
END_TEST

START_TEST(test_topk_inside_window_repeats_window_positions)
{
    const spidx_params p = P(1, 1, 8, 0, 2, 2, 0);
    const int64_t topk[] = {7, 6}, list[] = {7, 6, 6, 7};
    const expectation e = {.status = SPIDX_OK, .list = list, .weights = "00000011"};
    expect_on_all_impls(&p, topk, &e);
}
END_TEST

START_TEST(test_list_longer_than_sk_is_written_in_full)
{
    const spidx_params p = P(1, 1, 3, 2, 3, 2, 0);
    const int64_t topk[] = {1, 1, 0}, list[] = {0, 1, 1, 1, 0, 1, 2};
    const expectation e = {.status = SPIDX_OK, .list = list, .weights = "111"};
    expect_on_all_impls(&p, topk, &e);
}
END_TEST

START_TEST(test_init_offset_shifts_heavy_positions)
{
    const spidx_params p = P(1, 1, 10, 0, 3, 0, 4);
    const int64_t topk[] = {0, 5, 2}, list[] = {4, 9, 6};
    const expectation e = {.status = SPIDX_OK, .list = list, .weights = "0000101001"};
    expect_on_all_impls(&p, topk, &e);
}
END_TEST

START_TEST(test_each_row_uses_its_own_topk_row)
{
    const spidx_params p = P(2, 2, 5, 1, 1, 1, 0);
    const int64_t topk[] = {0, 1, 2, 3};
    const int64_t list[] = {0, 0, 4, 0, 1, 4, 0, 2, 4, 0, 3, 4};
    const expectation e = {.status = SPIDX_OK, .list = list, .weights = "10001" "11001" "10101" "10011"};
    expect_on_all_impls(&p, topk, &e);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("regions");
    TCase *empty = tcase_create("empty_regions");
    tcase_add_test(empty, test_all_regions_empty_writes_zero_rows);
    tcase_add_test(empty, test_sk_zero_clamps_sink_and_window_to_nothing);
    tcase_add_test(empty, test_sk_zero_makes_every_heavy_entry_invalid);
    tcase_add_test(empty, test_b_zero_is_ok_and_writes_nothing);
    tcase_add_test(empty, test_h_zero_is_ok_and_writes_nothing);
    suite_add_tcase(s, empty);
    TCase *single = tcase_create("single_region");
    tcase_add_test(single, test_sink_alone_marks_first_positions);
    tcase_add_test(single, test_heavy_alone_marks_topk_positions);
    tcase_add_test(single, test_window_alone_marks_last_positions);
    tcase_add_test(single, test_init_offset_shifts_heavy_positions);
    tcase_add_test(single, test_each_row_uses_its_own_topk_row);
    suite_add_tcase(s, single);
    TCase *clamp = tcase_create("clamping_and_overlap");
    tcase_add_test(clamp, test_sink_at_least_sk_is_clamped_to_sk);
    tcase_add_test(clamp, test_window_at_least_sk_is_clamped_to_sk);
    tcase_add_test(clamp, test_sink_and_window_overlap_when_their_sum_exceeds_sk);
    tcase_add_test(clamp, test_duplicate_topk_values_mark_once);
    tcase_add_test(clamp, test_topk_inside_sink_repeats_sink_positions);
    tcase_add_test(clamp, test_topk_inside_window_repeats_window_positions);
    tcase_add_test(clamp, test_list_longer_than_sk_is_written_in_full);
    suite_add_tcase(s, clamp);
    return run_suite(s);
}
