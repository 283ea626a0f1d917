/* test_sweep_shapes.c - the shape draw of spidx_bench --sweep (kernels/bench/
 * sweep_shapes.c), without a GPU: the same seed gives the same shapes, every shape is a
 * valid call within its byte budget, and over 2,000 draws each class takes about the
 * share the README states (70% decoding shapes, 5% each edge class) with the extents
 * that define it. Run: ctest -R test_sweep_shapes. */
#include "test_helpers.h"

#include "sweep_shapes.h"

#define DRAWS 2000
#define BUDGET ((size_t)1 << 30)

START_TEST(test_a_seed_gives_the_same_shapes_and_another_seed_others)
{
    int differ = 0;
    for (int i = 0; i < 50; i++) {
        sweep_shape a, b, c;
        sweep_draw(7, i, BUDGET, &a);
        sweep_draw(7, i, BUDGET, &b);
        sweep_draw(8, i, BUDGET, &c);
        ck_assert_int_eq(a.cls, b.cls);
        ck_assert_mem_eq(&a.p, &b.p, sizeof a.p);
        differ += memcmp(&a.p, &c.p, sizeof a.p) != 0;
    }
    ck_assert_int_ge(differ, 45);
}
END_TEST

START_TEST(test_every_shape_is_valid_within_the_budget)
{
    for (int i = 0; i < DRAWS; i++) {
        sweep_shape s;
        sweep_draw(1, i, BUDGET, &s);
        spidx_shape sh;
        spidx_detail d;
        ck_assert_msg(spidx_check(&s.p, &s.p, &s.p, &s.p, &sh, &d) == SPIDX_OK, "shape %d: %s", i, d.message);
        ck_assert_uint_le(sweep_bytes(&s.p), BUDGET);
        ck_assert_int_eq(s.p.index_type, SPIDX_INDEX_I64);
        ck_assert_int_eq(s.p.init_offset, s.p.sink);
        ck_assert(s.p.heavy == 0 || s.p.sink < s.p.sk); /* top-k values exist: [0, sk - sink) */
    }
    /* A small budget shrinks shapes down to it. */
    for (int i = 0; i < 200; i++) {
        sweep_shape s;
        sweep_draw(2, i, (size_t)1 << 20, &s);
        ck_assert_uint_le(sweep_bytes(&s.p), (size_t)1 << 20);
    }
}
END_TEST

START_TEST(test_each_class_takes_its_share_with_its_defining_extents)
{
    int count[SWEEP_CLASS_COUNT] = {0};
    for (int i = 0; i < DRAWS; i++) {
        sweep_shape s;
        sweep_draw(3, i, BUDGET, &s);
        count[s.cls]++;
        const spidx_params *p = &s.p;
        const int64_t S = p->sink < p->sk ? p->sink : p->sk, W = p->window < p->sk ? p->window : p->sk;
        switch (s.cls) {
        case SWEEP_tiny_rows: ck_assert(p->sk >= 1 && p->sk <= 64); break;
        case SWEEP_many_rows: ck_assert(p->b * p->h >= 8192 && p->sk <= 256); break; /* 16,384+ before rounding */
        case SWEEP_huge_row: ck_assert(p->b == 1 && p->h == 1 && p->sk >= ((int64_t)1 << 20)); break;
        case SWEEP_t_over_sk: ck_assert(S + p->heavy + W > p->sk); break;
        case SWEEP_heavy_zero: ck_assert_int_eq(p->heavy, 0); break;
        case SWEEP_sk_zero: ck_assert_int_eq(p->sk, 0); break;
        default: ck_assert(p->b <= 64 && p->h <= 128 && p->sk <= 1000000); break;
        }
    }
    /* Shares out of 2,000: 1,400 decoding, 100 per edge class; +-4 standard deviations. */
    ck_assert_int_ge(count[SWEEP_decode], 1400 - 82);
    ck_assert_int_le(count[SWEEP_decode], 1400 + 82);
    for (int k = SWEEP_tiny_rows; k < SWEEP_CLASS_COUNT; k++) {
        ck_assert_msg(count[k] >= 100 - 40 && count[k] <= 100 + 40, "%s: %d of %d", sweep_class_name(k), count[k], DRAWS);
    }
    ck_assert_str_eq(sweep_class_name(SWEEP_huge_row), "huge_row");
    ck_assert_ptr_null(sweep_class_name(SWEEP_CLASS_COUNT));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sweep_shapes");
    TCase *t = tcase_create("draw");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, test_a_seed_gives_the_same_shapes_and_another_seed_others);
    tcase_add_test(t, test_every_shape_is_valid_within_the_budget);
    tcase_add_test(t, test_each_class_takes_its_share_with_its_defining_extents);
    suite_add_tcase(s, t);
    return run_suite(s);
}
