/* test_applies.c - which cases an implementation is run on, by the capabilities it
 * declares (case_applies, case_layout_caps): types, modes, layouts, and valid inputs
 * only for an implementation that does not validate. Hand-built registry entries and
 * cases; the expected verdicts and layout bits are worked out by hand from the strides.
 * Run: ctest -R test_applies. */
#include "test_helpers.h"

#include <string.h>

#include "spidx_plugin.h"

static spidx_impl impl_with(uint32_t caps)
{
    spidx_impl e;
    memset(&e, 0, sizeof e);
    e.name = "under_test";
    e.caps = caps;
    return e;
}

/* b = 2, h = 3, sk = 10, sink 1, heavy 2, window 1 (T = 4): a valid case, contiguous. */
static spidx_params base(void)
{
    return case_contiguous_params(2, 3, 10, 1, 2, 1, 0);
}

static uint32_t layout_of(const spidx_params *p)
{
    spidx_case c;
    case_init(&c, p, 1);
    ck_assert_int_eq(c.check, SPIDX_OK);
    const uint32_t bits = case_layout_caps(&c);
    case_free(&c);
    return bits;
}

START_TEST(test_contiguous_padded_and_permuted_layouts_are_told_apart)
{
    spidx_params p = base();
    ck_assert_uint_eq(layout_of(&p), 0);
    p.weight_sh = 12, p.weight_sb = 36; /* rows of 10 weights 12 apart */
    ck_assert_uint_eq(layout_of(&p), SPIDX_CAP_PADDED);
    p = base();
    p.list_sb = 13; /* batches one element further apart than 3 rows of 4 */
    ck_assert_uint_eq(layout_of(&p), SPIDX_CAP_PADDED);
    p = base();
    p.topk_sh = 4, p.topk_sb = 2; /* heads outermost, densely: sb = heavy, sh = b * heavy */
    ck_assert_uint_eq(layout_of(&p), SPIDX_CAP_PERMUTED);
    p.topk_sh = 5; /* heads outermost with a gap */
    ck_assert_uint_eq(layout_of(&p), SPIDX_CAP_PERMUTED | SPIDX_CAP_PADDED);
    p = base();
    p.h = 0, p.list_sb = 0, p.list_sh = 4, p.weight_sh = 99; /* no row: strides are ignored */
    ck_assert_uint_eq(layout_of(&p), 0);
}
END_TEST

START_TEST(test_undeclared_type_mode_or_layout_is_not_applicable_with_the_reason)
{
    char why[160];
    spidx_params p = base();
    p.index_type = SPIDX_INDEX_I32;
    spidx_case c;
    case_init(&c, &p, 2);
    spidx_impl e = impl_with(SPIDX_CAP_ALL & ~(uint32_t)SPIDX_CAP_INDEX_I32);
    ck_assert_int_eq(case_applies(&e, &c, SPIDX_OK, why, sizeof why), 0);
    ck_assert_str_eq(why, "declares no int32 index");
    e = impl_with(SPIDX_CAP_ALL);
    ck_assert_int_eq(case_applies(&e, &c, SPIDX_OK, why, sizeof why), 1);
    case_free(&c);

    p = base();
    p.mode = SPIDX_MODE_KEEP;
    p.weight_type = SPIDX_WEIGHT_BF16;
    case_init(&c, &p, 3);
    e = impl_with(SPIDX_CAP_ALL & ~(uint32_t)SPIDX_CAP_MODE_KEEP);
    ck_assert_int_eq(case_applies(&e, &c, SPIDX_OK, why, sizeof why), 0);
    ck_assert_str_eq(why, "declares no KEEP mode");
    e = impl_with(SPIDX_CAP_ALL & ~(uint32_t)SPIDX_CAP_WEIGHT_BF16);
    ck_assert_int_eq(case_applies(&e, &c, SPIDX_OK, why, sizeof why), 0);
    ck_assert_str_eq(why, "declares no bfloat16 weights");
    case_free(&c);

    p = base();
    p.weight_sb = 10, p.weight_sh = 20; /* 2 x 3 rows of 10, heads outermost and dense */
    case_init(&c, &p, 4);
    ck_assert_int_eq(c.check, SPIDX_OK);
    e = impl_with(SPIDX_CAP_ALL & ~(uint32_t)SPIDX_CAP_PERMUTED);
    ck_assert_int_eq(case_applies(&e, &c, SPIDX_OK, why, sizeof why), 0);
    ck_assert_str_eq(why, "declares no permuted layout");
    case_free(&c);
}
END_TEST

START_TEST(test_invalid_calls_go_only_to_implementations_that_validate)
{
    char why[160];
    spidx_params p = base();
    p.mode = 7; /* unknown: SPIDX_E_ARG */
    spidx_case c;
    case_init(&c, &p, 5);
    ck_assert_int_eq(c.check, SPIDX_E_ARG);
    spidx_impl e = impl_with(SPIDX_CAP_ALL & ~(uint32_t)SPIDX_CAP_VALIDATES);
    ck_assert_int_eq(case_applies(&e, &c, SPIDX_E_ARG, why, sizeof why), 0);
    ck_assert_str_eq(why, "expects valid inputs only (reference: SPIDX_E_ARG)");
    /* A validating one gets it, whatever modes it declares (7 is none of them). */
    e = impl_with(SPIDX_CAP_ALL & ~(uint32_t)SPIDX_CAP_MODE_KEEP);
    ck_assert_int_eq(case_applies(&e, &c, SPIDX_E_ARG, why, sizeof why), 1);
    case_free(&c);
    /* A valid shape whose top-k is out of range (the reference says E_HEAVY_RANGE): only for
     * an implementation that declares status 4, validating 1-3 or not. */
    p = base();
    case_init(&c, &p, 6);
    e = impl_with(SPIDX_CAP_ALL & ~(uint32_t)SPIDX_CAP_HEAVY_RANGE);
    ck_assert_int_eq(case_applies(&e, &c, SPIDX_E_HEAVY_RANGE, why, sizeof why), 0);
    ck_assert_str_eq(why, "declares no handling of invalid top-k values (reference: SPIDX_E_HEAVY_RANGE)");
    ck_assert_int_eq(case_applies(&e, &c, SPIDX_OK, why, sizeof why), 1);
    e = impl_with(SPIDX_CAP_ALL & ~(uint32_t)SPIDX_CAP_VALIDATES);
    ck_assert_int_eq(case_applies(&e, &c, SPIDX_E_HEAVY_RANGE, why, sizeof why), 1);
    case_free(&c);
}
END_TEST

START_TEST(test_built_in_implementations_declare_everything)
{
    size_t n = 0;
    const spidx_impl *all = spidx_impls(&n);
    for (size_t i = 0; i < n; i++)
        if (!all[i].plugin) ck_assert_uint_eq(all[i].caps, SPIDX_CAP_ALL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("applies");
    TCase *layout = tcase_create("layout");
    tcase_add_test(layout, test_contiguous_padded_and_permuted_layouts_are_told_apart);
    suite_add_tcase(s, layout);
    TCase *caps = tcase_create("capabilities");
    tcase_add_test(caps, test_undeclared_type_mode_or_layout_is_not_applicable_with_the_reason);
    tcase_add_test(caps, test_invalid_calls_go_only_to_implementations_that_validate);
    tcase_add_test(caps, test_built_in_implementations_declare_everything);
    suite_add_tcase(s, caps);
    return run_suite(s);
}
