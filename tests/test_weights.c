/* test_weights.c - exact weight bits: 1.0 per type, +0.0 (never -0.0) in ZERO mode,
 * and KEEP mode leaving every other bit alone, NaN payloads included, on every
 * available implementation. Run: ctest -R test_weights. */
#include "test_helpers.h"

static spidx_params typed(int32_t weight_type, int32_t mode)
{
    spidx_params p = case_contiguous_params(1, 2, 6, 1, 1, 1, 0);
    p.weight_type = weight_type;
    p.mode = mode;
    return p;
}

/* Raw weight bits at (0, 0, x) from every selected implementation, every weight starting
 * as fill (SPIDX_FILL_*); all must agree. */
static uint32_t bits_at_fill(const spidx_params *p, int fill, int64_t x)
{
    const spidx_impl *impls[SPIDX_MAX_IMPLS];
    const size_t n = test_select_impls(impls, NULL);
    uint32_t first = 0;
    for (size_t i = 0; i < n; i++) {
        spidx_case c;
        case_init_fill(&c, p, fill, 42);
        case_set_topk(&c, 0, 0, 0, 2);
        case_set_topk(&c, 0, 1, 0, 3);
        spidx_outcome o;
        case_run(impls[i], &c, &o);
        ck_assert_int_eq(o.status, SPIDX_OK);
        const uint32_t v = outcome_weight_bits(&c, &o, 0, 0, x);
        if (i == 0) first = v;
        ck_assert_msg(v == first, "%s: 0x%x, %s: 0x%x", impls[0]->name, first, impls[i]->name, v);
        outcome_free(&o);
        case_free(&c);
    }
    return first;
}

static uint32_t bits_at(const spidx_params *p, int64_t x)
{
    return bits_at_fill(p, SPIDX_FILL_RANDOM, x);
}

START_TEST(test_one_has_the_exact_bits_of_each_type)
{
    /* IEEE binary32 1.0 = 0x3F800000, binary16 1.0 = 0x3C00, bfloat16 1.0 = 0x3F80. */
    spidx_params p = typed(SPIDX_WEIGHT_F32, SPIDX_MODE_ZERO);
    ck_assert_uint_eq(bits_at(&p, 0), 0x3F800000u);
    ck_assert_uint_eq(bits_at(&p, 2), 0x3F800000u);
    p = typed(SPIDX_WEIGHT_F16, SPIDX_MODE_ZERO);
    ck_assert_uint_eq(bits_at(&p, 0), 0x3C00u);
    ck_assert_uint_eq(bits_at(&p, 5), 0x3C00u);
    p = typed(SPIDX_WEIGHT_BF16, SPIDX_MODE_KEEP);
    ck_assert_uint_eq(bits_at(&p, 2), 0x3F80u);
}
END_TEST

START_TEST(test_zero_mode_writes_positive_zero_over_negative_zero)
{
    /* Every weight starts as -0.0; unmarked ones must become +0.0 (all bits clear). */
    const int32_t types[] = {SPIDX_WEIGHT_F32, SPIDX_WEIGHT_F16, SPIDX_WEIGHT_BF16};
    const uint32_t neg_zero[] = {0x80000000u, 0x8000u, 0x8000u};
    for (int i = 0; i < 3; i++) {
        const spidx_params p = typed(types[i], SPIDX_MODE_ZERO);
        const int64_t topk[] = {2, 3};
        const expectation e = {.status = SPIDX_OK, .weights = "101001" "100101", .prefill = 1,
                               .prefill_bits = neg_zero[i]};
        expect_on_all_impls(&p, topk, &e);
        ck_assert_uint_eq(bits_at_fill(&p, SPIDX_FILL_NEGZERO, 1), 0u);
        ck_assert_uint_eq(bits_at_fill(&p, SPIDX_FILL_NEGZERO, 4), 0u);
    }
}
END_TEST

START_TEST(test_keep_mode_keeps_nan_payloads)
{
    /* Quiet and signalling NaNs with payloads, both signs: a float round trip would change them. */
    const int32_t types[] = {SPIDX_WEIGHT_F32, SPIDX_WEIGHT_F32, SPIDX_WEIGHT_F16, SPIDX_WEIGHT_BF16};
    const uint32_t nans[] = {0x7F800001u, 0xFFC01234u, 0x7D01u, 0xFF81u};
    for (int i = 0; i < 4; i++) {
        const spidx_params p = typed(types[i], SPIDX_MODE_KEEP);
        const int64_t topk[] = {2, 3};
        const expectation e = {.status = SPIDX_OK, .weights = "1.1..1" "1..1.1", .prefill = 1,
                               .prefill_bits = nans[i]};
        expect_on_all_impls(&p, topk, &e);
    }
}
END_TEST

START_TEST(test_keep_mode_keeps_random_bits)
{
    /* The helper's random initial bits include denormals, infinities, NaNs and -0.0. */
    spidx_params p = case_contiguous_params(2, 3, 40, 2, 5, 3, 1);
    p.mode = SPIDX_MODE_KEEP;
    p.weight_type = SPIDX_WEIGHT_BF16;
    p.index_type = SPIDX_INDEX_I32;
    int64_t topk[2 * 3 * 5];
    for (int i = 0; i < 30; i++) topk[i] = (i * 7) % 39;
    char w[2 * 3 * 40 + 1];
    for (int r = 0; r < 6; r++)
        for (int x = 0; x < 40; x++) {
            int marked = x < 2 || x >= 37;
            for (int k = 0; k < 5; k++) marked |= topk[r * 5 + k] + 1 == x;
            w[r * 40 + x] = marked ? '1' : '.';
        }
    w[240] = 0;
    const expectation e = {.status = SPIDX_OK, .weights = w};
    expect_on_all_impls(&p, topk, &e);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("weights");
    TCase *bits = tcase_create("bit_patterns");
    tcase_add_test(bits, test_one_has_the_exact_bits_of_each_type);
    tcase_add_test(bits, test_zero_mode_writes_positive_zero_over_negative_zero);
    suite_add_tcase(s, bits);
    TCase *keep = tcase_create("keep_mode");
    tcase_add_test(keep, test_keep_mode_keeps_nan_payloads);
    tcase_add_test(keep, test_keep_mode_keeps_random_bits);
    suite_add_tcase(s, keep);
    return run_suite(s);
}
