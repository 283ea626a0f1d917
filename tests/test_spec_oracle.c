/* test_spec_oracle.c - fuzz_ref's independent reading of SPEC.md's status classes 1-3
 * (fuzz/spec_oracle.c) against verdicts worked out by hand from SPEC.md, and its layout
 * soundness check against hand-made spans. The oracle is what catches bugs in the
 * validation every implementation shares, so it is checked on its own here.
 * Run: ctest -R test_spec_oracle. */
#include "test_helpers.h"

#include <stdint.h>
#include <string.h>

#include "spec_oracle.h"

/* b = 2, h = 3, sk = 10, sink 1, heavy 2, window 1: T = 4, contiguous rows. */
static spidx_params base(void)
{
    return case_contiguous_params(2, 3, 10, 1, 2, 1, 0);
}

static void expect_verdict(const spidx_params *p, unsigned null_mask, spidx_status want, const char *rule_part)
{
    const spec_verdict v = spec_classify(p, null_mask);
    ck_assert_msg(v.status == want, "%s, expected %s (rule: %s)", spidx_status_name(v.status), spidx_status_name(want),
                  v.rule);
    ck_assert_msg(strstr(v.rule, rule_part) != NULL, "rule '%s' does not name '%s'", v.rule, rule_part);
}

START_TEST(test_valid_contiguous_params_pass)
{
    const spidx_params p = base();
    expect_verdict(&p, 0, SPIDX_OK, "OK");
    expect_verdict(NULL, 0, SPIDX_E_ARG, "params is NULL");
}
END_TEST

START_TEST(test_argument_rules)
{
    spidx_params p = base();
    p.init_offset = -1;
    expect_verdict(&p, 0, SPIDX_E_ARG, "negative");
    p = base();
    p.mode = 2;
    expect_verdict(&p, 0, SPIDX_E_ARG, "mode");
    p = base();
    expect_verdict(&p, SPIDX_NULL_LIST, SPIDX_E_ARG, "list");
    p.heavy = 0; /* an empty top-k may be NULL */
    p.topk_sb = p.topk_sh = 0;
    expect_verdict(&p, SPIDX_NULL_TOPK, SPIDX_OK, "OK");
    p = base();
    p.b = 0; /* no rows: every buffer is empty */
    expect_verdict(&p, SPIDX_NULL_TOPK | SPIDX_NULL_LIST | SPIDX_NULL_WEIGHT, SPIDX_OK, "OK");
}
END_TEST

START_TEST(test_stride_rules)
{
    spidx_params p = base();
    /* Weights: inner (head) stride 10 >= sk, outer must be >= h x 10 = 30. */
    p.weight_sb = 30;
    expect_verdict(&p, 0, SPIDX_OK, "OK");
    p.weight_sb = 29;
    expect_verdict(&p, 0, SPIDX_E_STRIDE, "weight rows overlap");
    /* Permuted: heads outermost, batch stride 10 inner, head stride >= b x 10 = 20. */
    p.weight_sb = 10;
    p.weight_sh = 20;
    expect_verdict(&p, 0, SPIDX_OK, "OK");
    p.weight_sh = 19;
    expect_verdict(&p, 0, SPIDX_E_STRIDE, "weight rows overlap");
    /* Equal strides on two dimensions of extent > 1. */
    p = base();
    p.list_sb = p.list_sh = 8;
    expect_verdict(&p, 0, SPIDX_E_STRIDE, "list rows overlap");
    /* Inner stride shorter than the row. */
    p = base();
    p.topk_sh = 1;
    expect_verdict(&p, 0, SPIDX_E_STRIDE, "topk rows overlap");
    /* Negative, and the order top-k, list, weights. */
    p = base();
    p.weight_sb = -1;
    p.list_sh = -1;
    expect_verdict(&p, 0, SPIDX_E_STRIDE, "list negative stride");
    /* An extent-1 dimension's stride is ignored, whatever it is. */
    p = base();
    p.b = 1;
    p.weight_sb = -5;
    expect_verdict(&p, 0, SPIDX_OK, "OK");
}
END_TEST

START_TEST(test_size_rules)
{
    /* Weight span (2-1) x (INT64_MAX / 2) + 1 fits int64, its 4-byte elements do not. */
    spidx_params p = case_contiguous_params(2, 1, 1, 0, 0, 0, 0);
    p.weight_sb = INT64_MAX / 2;
    expect_verdict(&p, 0, SPIDX_E_TOO_LARGE, "span");
    p = case_contiguous_params(3, INT64_MAX / 2, 1, 0, 0, 0, 0);
    expect_verdict(&p, 0, SPIDX_E_TOO_LARGE, "b * h");
    /* T = (INT64_MAX - 2) + 4 on one row (strides of one row are ignored). */
    memset(&p, 0, sizeof p);
    p.b = p.h = 1;
    p.sk = 4;
    p.heavy = INT64_MAX - 2;
    p.window = 4;
    expect_verdict(&p, 0, SPIDX_E_TOO_LARGE, "T beyond int64");
    p = case_contiguous_params(1, 1, (int64_t)INT32_MAX + 1, 0, 0, 0, 0);
    p.index_type = SPIDX_INDEX_I32;
    expect_verdict(&p, 0, SPIDX_E_TOO_LARGE, "int32");
    p.index_type = SPIDX_INDEX_I64;
    expect_verdict(&p, 0, SPIDX_OK, "OK");
}
END_TEST

START_TEST(test_layout_soundness_sees_overlap_and_wrong_spans)
{
    const spidx_params p = base();
    spidx_shape s = {0};
    s.topk_span = 12; /* 2 x 3 rows of 2 */
    s.list_span = 24;
    s.weight_span = 60;
    char why[160];
    ck_assert_msg(spec_layout_sound(&p, &s, 1 << 16, why, sizeof why), "%s", why);
    s.weight_span = 59; /* not SPEC.md's (2-1)x30 + (3-1)x10 + 10 */
    ck_assert(!spec_layout_sound(&p, &s, 1 << 16, why, sizeof why));
    ck_assert_msg(strstr(why, "weight span") != NULL, "%s", why);
    spidx_params q = p; /* overlapping weight rows that a broken validation let through */
    q.weight_sb = 20;
    s.weight_span = 50;
    ck_assert(!spec_layout_sound(&q, &s, 1 << 16, why, sizeof why));
    ck_assert_msg(strstr(why, "belongs to two rows") != NULL, "%s", why);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("spec_oracle");
    TCase *tc = tcase_create("classify");
    tcase_add_test(tc, test_valid_contiguous_params_pass);
    tcase_add_test(tc, test_argument_rules);
    tcase_add_test(tc, test_stride_rules);
    tcase_add_test(tc, test_size_rules);
    suite_add_tcase(s, tc);
    TCase *lay = tcase_create("layout");
    tcase_add_test(lay, test_layout_soundness_sees_overlap_and_wrong_spans);
    suite_add_tcase(s, lay);
    return run_suite(s);
}
