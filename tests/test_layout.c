/* test_layout.c - memory layouts and sizes: padded and permuted strides, int32
 * lists, more than 65,535 rows, and rows longer than one thread block's work, on
 * every available implementation. Run: ctest -R test_layout. */
#include "test_helpers.h"

START_TEST(test_padded_strides_keep_their_padding)
{
    /* Rows of 4 weights at stride 6 within a batch, batches at stride 13; the helper
     * checks that every byte between rows keeps its initial bits. */
    spidx_params p = case_contiguous_params(2, 2, 4, 1, 1, 1, 0);
    p.topk_sh = 2;
    p.topk_sb = 5;
    p.list_sh = 4;
    p.list_sb = 9;
    p.weight_sh = 6;
    p.weight_sb = 13;
    const int64_t topk[] = {1, 2, 0, 3};
    const int64_t list[] = {0, 1, 3, 0, 2, 3, 0, 0, 3, 0, 3, 3};
    const expectation e = {.status = SPIDX_OK, .list = list, .weights = "1101" "1011" "1001" "1001"};
    expect_on_all_impls(&p, topk, &e);
}
END_TEST

START_TEST(test_permuted_strides_store_heads_outermost)
{
    /* [h][b] storage: the batch stride is the inner one. */
    spidx_params p = case_contiguous_params(3, 2, 4, 0, 1, 0, 0);
    p.topk_sb = 1;
    p.topk_sh = 3;
    p.list_sb = 1;
    p.list_sh = 3;
    p.weight_sb = 4;
    p.weight_sh = 12;
    /* Logical row-major (bi, hi): (0,0)=0 (0,1)=1 (1,0)=2 (1,1)=3 (2,0)=1 (2,1)=0 */
    const int64_t topk[] = {0, 1, 2, 3, 1, 0};
    const int64_t list[] = {0, 1, 2, 3, 1, 0};
    const expectation e = {.status = SPIDX_OK, .list = list,
                           .weights = "1000" "0100" "0010" "0001" "0100" "1000"};
    expect_on_all_impls(&p, topk, &e);
}
END_TEST

START_TEST(test_int32_list_holds_entries_and_minus_one)
{
    spidx_params p = case_contiguous_params(1, 2, 5, 1, 2, 1, 0);
    p.index_type = SPIDX_INDEX_I32;
    p.weight_type = SPIDX_WEIGHT_F16;
    const int64_t topk[] = {2, -3, 4, 1};
    const int64_t list[] = {0, 2, -1, 4, 0, 4, 1, 4};
    const expectation e = {.status = SPIDX_E_HEAVY_RANGE, .bad_bi = 0, .bad_hi = 0, .bad_j = 1, .bad_value = -3,
                           .list = list, .weights = "10101" "11001"};
    expect_on_all_impls(&p, topk, &e);
}
END_TEST

/* Many rows: row r = bi * h + hi has top-k value many_value(r) with sk = 4, sink =
 * window = 1, so its list is {0, v, 3} and it marks 0, v and 3. v is a hash of r, not
 * periodic: a kernel whose blocks loop over rows (r, r + grid, ...) and leak state
 * from one row to the next cannot match it by luck of the grid size. */
static int64_t many_value(int64_t r)
{
    return (int64_t)(((uint64_t)r * 0x9E3779B97F4A7C15ull) >> 40) % 3;
}
static int64_t many_topk(const spidx_params *p, int64_t bi, int64_t hi, int64_t k)
{
    (void)k;
    return many_value(bi * p->h + hi);
}
static int64_t many_list(const spidx_params *p, int64_t bi, int64_t hi, int64_t j)
{
    return j == 0 ? 0 : j == 1 ? many_value(bi * p->h + hi) : 3;
}
static char many_weight(const spidx_params *p, int64_t bi, int64_t hi, int64_t x)
{
    if (x == 0 || x == 3 || x == many_value(bi * p->h + hi)) return '1';
    return p->mode == SPIDX_MODE_KEEP ? '.' : '0';
}

START_TEST(test_more_than_65535_rows_are_all_written)
{
    const expectation e = {.status = SPIDX_OK, .list_at = many_list, .weight_at = many_weight};
    spidx_params p = case_contiguous_params(70001, 1, 4, 1, 1, 1, 0);
    expect_on_all_impls_fn(&p, many_topk, &e);
    p = case_contiguous_params(3, 40000, 4, 1, 1, 1, 0); /* ZERO mode */
    expect_on_all_impls_fn(&p, many_topk, &e);
    p.mode = SPIDX_MODE_KEEP; /* 120,000 rows of list entries: more than the flat KEEP kernel takes */
    expect_on_all_impls_fn(&p, many_topk, &e);
}
END_TEST

/* One long row: sk = 300,001 (three or more of the fused kernel's chunks of at most
 * 131,072 elements, and far more than a block's threads), heavy = 5,000 values
 * t = (k * 61) % 299,000 spread over the row, offset 1000. */
enum { LONG_SK = 300001, LONG_SINK = 3, LONG_WINDOW = 2, LONG_HEAVY = 5000, LONG_OFF = 1000 };
static int64_t long_topk(const spidx_params *p, int64_t bi, int64_t hi, int64_t k)
{
    (void)p;
    return ((bi * 2 + hi) * 17 + k * 61) % 299000;
}
static int64_t long_list(const spidx_params *p, int64_t bi, int64_t hi, int64_t j)
{
    if (j < LONG_SINK) return j;
    if (j < LONG_SINK + LONG_HEAVY) return long_topk(p, bi, hi, j - LONG_SINK) + LONG_OFF;
    return LONG_SK - LONG_WINDOW + (j - LONG_SINK - LONG_HEAVY);
}
static char long_weight(const spidx_params *p, int64_t bi, int64_t hi, int64_t x)
{
    if (x < LONG_SINK || x >= LONG_SK - LONG_WINDOW) return '1';
    /* x = t + 1000 with t = (r * 17 + k * 61) % 299000 for some k < 5000, r = row. */
    const int64_t t = x - LONG_OFF;
    if (t < 0 || t >= 299000) return p->mode == SPIDX_MODE_KEEP ? '.' : '0';
    const int64_t r17 = ((bi * 2 + hi) * 17) % 299000;
    /* 61 is invertible mod 299000 (gcd = 1): k = (t - r17) * 61^-1 mod 299000. */
    const int64_t inv61 = 122541; /* 61 * 122541 = 7,475,001 = 25 * 299,000 + 1 */
    const int64_t k = (((t - r17) % 299000 + 299000) % 299000) * inv61 % 299000;
    if (k < LONG_HEAVY) return '1';
    return p->mode == SPIDX_MODE_KEEP ? '.' : '0';
}

START_TEST(test_row_longer_than_a_block_is_written_in_full)
{
    spidx_params p = case_contiguous_params(1, 2, LONG_SK, LONG_SINK, LONG_HEAVY, LONG_WINDOW, LONG_OFF);
    const expectation e = {.status = SPIDX_OK, .list_at = long_list, .weight_at = long_weight};
    expect_on_all_impls_fn(&p, long_topk, &e);
    p.mode = SPIDX_MODE_KEEP;
    p.weight_type = SPIDX_WEIGHT_BF16;
    p.index_type = SPIDX_INDEX_I32;
    expect_on_all_impls_fn(&p, long_topk, &e);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("layout");
    TCase *strides = tcase_create("strides");
    tcase_add_test(strides, test_padded_strides_keep_their_padding);
    tcase_add_test(strides, test_permuted_strides_store_heads_outermost);
    tcase_add_test(strides, test_int32_list_holds_entries_and_minus_one);
    suite_add_tcase(s, strides);
    TCase *sizes = tcase_create("sizes");
    tcase_set_timeout(sizes, 60);
    tcase_add_test(sizes, test_more_than_65535_rows_are_all_written);
    tcase_add_test(sizes, test_row_longer_than_a_block_is_written_in_full);
    suite_add_tcase(s, sizes);
    return run_suite(s);
}
