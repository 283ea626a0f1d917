/* test_errors.c - status classes E_ARG, E_STRIDE and E_TOO_LARGE: their order, the
 * stride rule of ref/SPEC.md, and that a rejected call writes nothing (canary-filled
 * buffers stay intact), on every available implementation. Run: ctest -R test_errors. */
#include "test_helpers.h"

#include <string.h>

static spidx_params P(int64_t b, int64_t h, int64_t sk, int64_t sink, int64_t heavy, int64_t window, int64_t off)
{
    return case_contiguous_params(b, h, sk, sink, heavy, window, off);
}

static void expect_status(const spidx_params *p, spidx_status st)
{
    const expectation e = {.status = st};
    expect_on_all_impls(p, NULL, &e);
}

START_TEST(test_each_negative_size_is_e_arg)
{
    for (int field = 0; field < 7; field++) {
        spidx_params p = P(1, 1, 8, 1, 1, 1, 0);
        int64_t *f[] = {&p.b, &p.h, &p.sk, &p.sink, &p.heavy, &p.window, &p.init_offset};
        *f[field] = -1;
        expect_status(&p, SPIDX_E_ARG);
    }
}
END_TEST

START_TEST(test_unknown_types_and_modes_are_e_arg)
{
    spidx_params p = P(1, 1, 8, 1, 1, 1, 0);
    p.index_type = 2;
    expect_status(&p, SPIDX_E_ARG);
    p = P(1, 1, 8, 1, 1, 1, 0);
    p.weight_type = -1;
    expect_status(&p, SPIDX_E_ARG);
    p = P(1, 1, 8, 1, 1, 1, 0);
    p.mode = 7;
    expect_status(&p, SPIDX_E_ARG);
}
END_TEST

START_TEST(test_null_non_empty_buffer_is_e_arg)
{
    const spidx_params p = P(1, 2, 8, 1, 1, 1, 0);
    const expectation e = {.status = SPIDX_E_ARG};
    expect_with_null_buffers(&p, SPIDX_NULL_TOPK, &e);
    expect_with_null_buffers(&p, SPIDX_NULL_LIST, &e);
    expect_with_null_buffers(&p, SPIDX_NULL_WEIGHT, &e);
}
END_TEST

START_TEST(test_null_empty_buffers_are_accepted)
{
    /* heavy = 0: top-k is empty; b = 0: every buffer is empty. */
    spidx_params p = P(1, 1, 4, 1, 0, 0, 0);
    const expectation e1 = {.status = SPIDX_OK, .weights = "1000"};
    expect_with_null_buffers(&p, SPIDX_NULL_TOPK, &e1);
    p = P(0, 3, 4, 1, 1, 1, 0);
    const expectation e2 = {.status = SPIDX_OK};
    expect_with_null_buffers(&p, SPIDX_NULL_ALL, &e2);
}
END_TEST

START_TEST(test_e_arg_is_reported_before_e_stride)
{
    spidx_params p = P(2, 2, 8, 1, 1, 1, -1);
    p.weight_sb = -5;
    expect_status(&p, SPIDX_E_ARG);
}
END_TEST

START_TEST(test_negative_stride_is_e_stride)
{
    spidx_params p = P(2, 1, 8, 1, 1, 1, 0);
    p.weight_sb = -8;
    expect_status(&p, SPIDX_E_STRIDE);
}
END_TEST

START_TEST(test_overlapping_rows_are_e_stride)
{
    spidx_params p = P(1, 3, 8, 1, 1, 1, 0); /* T = 3 */
    p.list_sh = 2;
    expect_status(&p, SPIDX_E_STRIDE);
    p = P(2, 2, 8, 1, 1, 1, 0);
    p.weight_sb = 8; /* outer stride 8 < inner extent 2 x inner stride 8 */
    expect_status(&p, SPIDX_E_STRIDE);
    p = P(2, 2, 8, 1, 1, 1, 0);
    p.topk_sb = p.topk_sh = 5; /* equal strides on two dimensions of extent > 1 */
    expect_status(&p, SPIDX_E_STRIDE);
}
END_TEST

START_TEST(test_outer_stride_needs_inner_extent_times_inner_stride)
{
    /* b = 3 batches of h = 2 rows of sk = 4 weights: the inner (head) stride is 4, so the
     * outer (batch) stride must be at least h x 4 = 8, not b x 4 = 12. */
    spidx_params p = P(3, 2, 4, 1, 0, 0, 0);
    p.weight_sh = 4;
    p.weight_sb = 8;
    const expectation e = {.status = SPIDX_OK, .weights = "1000" "1000" "1000" "1000" "1000" "1000"};
    expect_on_all_impls(&p, NULL, &e);
    p.weight_sb = 7; /* batch 1's first row would start inside batch 0's second */
    expect_status(&p, SPIDX_E_STRIDE);
}
END_TEST

START_TEST(test_stride_of_extent_one_dimension_is_ignored)
{
    spidx_params p = P(1, 2, 4, 1, 0, 0, 0);
    p.weight_sb = -1000;
    p.list_sb = 0;
    const expectation e = {.status = SPIDX_OK, .weights = "1000" "1000"};
    expect_on_all_impls(&p, NULL, &e);
}
END_TEST

START_TEST(test_single_row_and_empty_rows_are_never_e_stride)
{
    spidx_params p = P(1, 1, 4, 1, 0, 0, 0);
    p.weight_sb = p.weight_sh = -3;
    p.list_sb = p.list_sh = 0;
    const expectation e = {.status = SPIDX_OK, .weights = "1000"};
    expect_on_all_impls(&p, NULL, &e);
    p = P(2, 2, 4, 1, 0, 0, 0); /* heavy = 0: top-k rows are empty, their strides do not matter */
    p.topk_sb = p.topk_sh = -7;
    const expectation e2 = {.status = SPIDX_OK, .weights = "1000" "1000" "1000" "1000"};
    expect_on_all_impls(&p, NULL, &e2);
}
END_TEST

START_TEST(test_e_stride_is_reported_before_e_too_large)
{
    spidx_params p = P(1, 1, 1, 0, 0, 0, 0);
    p.b = p.h = (int64_t)1 << 40; /* b * h overflows, and stride 0 overlaps rows */
    p.weight_sb = p.weight_sh = 0;
    expect_status(&p, SPIDX_E_STRIDE);
}
END_TEST

START_TEST(test_row_count_overflow_is_e_too_large)
{
    spidx_params p = P(1, 1, 1, 0, 0, 0, 0);
    p.b = p.h = (int64_t)1 << 32;
    p.weight_sh = 1;
    p.weight_sb = (int64_t)1 << 32; /* disjoint rows, but b * h = 2^64 */
    expect_status(&p, SPIDX_E_TOO_LARGE);
}
END_TEST

START_TEST(test_span_bytes_overflow_is_e_too_large)
{
    spidx_params p = P(2, 1, 8, 1, 0, 0, 0);
    p.weight_sb = INT64_MAX / 2; /* elements fit int64, bytes (x4) do not */
    expect_status(&p, SPIDX_E_TOO_LARGE);
}
END_TEST

START_TEST(test_list_length_overflow_is_e_too_large_for_one_row_and_e_stride_for_two)
{
    spidx_params p = P(1, 1, 1, 1, 0, 0, 0);
    p.heavy = INT64_MAX; /* T = 1 + INT64_MAX */
    p.topk_sh = p.topk_sb = 0;
    expect_status(&p, SPIDX_E_TOO_LARGE);
    p.h = 2;
    p.topk_sh = INT64_MAX; /* top-k rows of length INT64_MAX are disjoint at this stride */
    p.list_sh = INT64_MAX; /* list rows of length T > INT64_MAX cannot be */
    expect_status(&p, SPIDX_E_STRIDE);
}
END_TEST

START_TEST(test_int32_list_with_sk_above_int32_max_is_e_too_large)
{
    spidx_params p = P(1, 1, (int64_t)INT32_MAX + 1, 1, 0, 0, 0);
    p.index_type = SPIDX_INDEX_I32;
    expect_status(&p, SPIDX_E_TOO_LARGE);
}
END_TEST

START_TEST(test_status_names_are_the_enum_names)
{
    ck_assert_str_eq(spidx_status_name(SPIDX_OK), "SPIDX_OK");
    ck_assert_str_eq(spidx_status_name(SPIDX_E_ARG), "SPIDX_E_ARG");
    ck_assert_str_eq(spidx_status_name(SPIDX_E_STRIDE), "SPIDX_E_STRIDE");
    ck_assert_str_eq(spidx_status_name(SPIDX_E_TOO_LARGE), "SPIDX_E_TOO_LARGE");
    ck_assert_str_eq(spidx_status_name(SPIDX_E_HEAVY_RANGE), "SPIDX_E_HEAVY_RANGE");
    ck_assert_str_eq(spidx_status_name(SPIDX_E_UNAVAILABLE), "SPIDX_E_UNAVAILABLE");
    ck_assert_str_eq(spidx_status_name(SPIDX_E_DEVICE), "SPIDX_E_DEVICE");
    ck_assert_str_eq(spidx_status_name((spidx_status)99), "SPIDX_UNKNOWN_STATUS");
    ck_assert_int_eq(SPIDX_E_HEAVY_RANGE, 4); /* the numbering is part of the contract */
}
END_TEST

START_TEST(test_check_names_the_offending_argument)
{
    spidx_params p = P(2, 2, 8, 1, 1, 1, 0);
    p.list_sh = 1;
    spidx_detail d;
    int64_t buf[64];
    ck_assert_int_eq(spidx_check(&p, buf, buf, buf, NULL, &d), SPIDX_E_STRIDE);
    ck_assert_msg(strstr(d.message, "list") != NULL, "message '%s' does not name the list", d.message);
    ck_assert_int_eq(spidx_check(NULL, buf, buf, buf, NULL, &d), SPIDX_E_ARG);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("errors");
    TCase *arg = tcase_create("e_arg");
    tcase_add_test(arg, test_each_negative_size_is_e_arg);
    tcase_add_test(arg, test_unknown_types_and_modes_are_e_arg);
    tcase_add_test(arg, test_null_non_empty_buffer_is_e_arg);
    tcase_add_test(arg, test_null_empty_buffers_are_accepted);
    tcase_add_test(arg, test_e_arg_is_reported_before_e_stride);
    suite_add_tcase(s, arg);
    TCase *stride = tcase_create("e_stride");
    tcase_add_test(stride, test_negative_stride_is_e_stride);
    tcase_add_test(stride, test_overlapping_rows_are_e_stride);
    tcase_add_test(stride, test_outer_stride_needs_inner_extent_times_inner_stride);
    tcase_add_test(stride, test_stride_of_extent_one_dimension_is_ignored);
    tcase_add_test(stride, test_single_row_and_empty_rows_are_never_e_stride);
    tcase_add_test(stride, test_e_stride_is_reported_before_e_too_large);
    suite_add_tcase(s, stride);
    TCase *large = tcase_create("e_too_large");
    tcase_add_test(large, test_row_count_overflow_is_e_too_large);
    tcase_add_test(large, test_span_bytes_overflow_is_e_too_large);
    tcase_add_test(large, test_list_length_overflow_is_e_too_large_for_one_row_and_e_stride_for_two);
    tcase_add_test(large, test_int32_list_with_sk_above_int32_max_is_e_too_large);
    suite_add_tcase(s, large);
    TCase *names = tcase_create("names_and_messages");
    tcase_add_test(names, test_status_names_are_the_enum_names);
    tcase_add_test(names, test_check_names_the_offending_argument);
    suite_add_tcase(s, names);
    return run_suite(s);
}
