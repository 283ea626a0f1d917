/* test_fused_dispatch.c - which kernel the fused implementation picks for a call
 * (spidx_fused_path_name, kernels/fused.cu's fused_pick_path), on shapes whose expected
 * path is worked out by hand from the dispatch's rules: KEEP calls go to the list kernel
 * when small in all, when their rows are tiny or sparse, and through a bitmap otherwise;
 * ZERO calls follow the row and list lengths and, for short rows, the row count and the
 * layout (spans of rows when they lie back to back; else a thread, 8 lanes or a warp per
 * row); and that
 * the fuzz decoder's many-rows class lands past one pass of each row group. Host code
 * only: runs without a GPU where CUDA was built. Run: ctest -R test_fused_dispatch. */
#include "test_helpers.h"

#include <string.h>

#include "case_io.h"
#include "spidx_gpu.h"

static void expect_path(int64_t b, int64_t h, int64_t sk, int64_t sink, int64_t heavy, int64_t window, int32_t mode,
                        const char *want)
{
    spidx_params p = case_contiguous_params(b, h, sk, sink, heavy, window, 0);
    p.mode = mode;
    const char *got = spidx_fused_path_name(&p);
    ck_assert_msg(got && !strcmp(got, want), "b=%lld h=%lld sk=%lld sink=%lld heavy=%lld window=%lld %s: path %s, want %s",
                  (long long)b, (long long)h, (long long)sk, (long long)sink, (long long)heavy, (long long)window,
                  spidx_mode_name(mode), got ? got : "(null)", want);
}

START_TEST(test_keep_sparse_rows_go_to_the_list_kernel)
{
    /* T = 64 + 3 + 502 = 569 entries per row, 324 rows: 184,356 in all (past 128 Ki), and
     * 569 <= 540,586 / 48 = 11,262: sparse. The sweep's slowest shape (55x keep-traffic). */
    expect_path(18, 18, 540586, 64, 3, 502, SPIDX_MODE_KEEP, "list keep");
    /* sk = 4,800: sk / 48 = 100; 2,000 rows of T = 100 (200,000 entries) are sparse, of 101 not. */
    expect_path(1, 2000, 4800, 0, 100, 0, SPIDX_MODE_KEEP, "list keep");
    expect_path(1, 2000, 4800, 0, 101, 0, SPIDX_MODE_KEEP, "block chunks keep");
}
END_TEST

START_TEST(test_keep_lists_up_to_128_ki_entries_go_to_the_list_kernel)
{
    /* 36 rows of 1,735 weights, T = 256 + 283 + 1,735 = 2,274: 81,864 entries, the sweep's
     * shape 131 (a warp per row left the device idle: 7.24 us against 2.42 flat). */
    expect_path(6, 6, 1735, 256, 283, 1829, SPIDX_MODE_KEEP, "list keep");
    /* 64 rows of T = 2,048 + 0 + 0 = 2,048 on sk = 4,096 (not sparse: 2,048 > 85): 131,072
     * entries go flat, 131,136 (T = 2,049) through the bitmap. */
    expect_path(1, 64, 4096, 2048, 0, 0, SPIDX_MODE_KEEP, "list keep");
    expect_path(1, 64, 4096, 2049, 0, 0, SPIDX_MODE_KEEP, "block chunks keep");
}
END_TEST

START_TEST(test_keep_tiny_rows_go_to_the_list_kernel)
{
    /* 112,701 rows of 5 weights, T = 0 + 1 + min(9, 5) = 6: 676,206 entries. */
    expect_path(1, 112701, 5, 0, 1, 9, SPIDX_MODE_KEEP, "list keep");
    /* 256 weights is tiny, 257 not (T = 200 > 257 / 48; 200,000 entries). */
    expect_path(1, 1000, 256, 0, 200, 0, SPIDX_MODE_KEEP, "list keep");
    expect_path(1, 1000, 257, 0, 200, 0, SPIDX_MODE_KEEP, "warp rows keep");
}
END_TEST

START_TEST(test_keep_dense_rows_stay_on_the_bitmap)
{
    /* The standard shapes: mid (128 rows of T = 1,344 > 32,768 / 48 = 682: 172,032 entries),
     * large and manyrow (4,096 rows of T = 208 > 2,048 / 48 = 42), and the seed
     * keep_marks_chunked_rows (64 rows of T = 2,100: 134,400 entries, past 128 Ki). */
    expect_path(4, 32, 32768, 64, 1024, 256, SPIDX_MODE_KEEP, "block chunks keep");
    /* large: 256 rows of T = 5,248 > 131,072 / 48 = 2,730. */
    expect_path(8, 32, 131072, 128, 4096, 1024, SPIDX_MODE_KEEP, "block chunks keep");
    expect_path(64, 64, 2048, 16, 128, 64, SPIDX_MODE_KEEP, "warp rows keep");
    expect_path(2, 32, 4100, 1000, 100, 1000, SPIDX_MODE_KEEP, "block chunks keep");
    /* decode: 32 rows of T = 512, 16,384 entries: small in all. */
    expect_path(1, 32, 8192, 128, 256, 128, SPIDX_MODE_KEEP, "list keep");
}
END_TEST

START_TEST(test_zero_mode_follows_the_row_count_and_lengths)
{
    expect_path(18, 18, 540586, 64, 3, 502, SPIDX_MODE_ZERO, "block chunks");
    /* Rows of at most 512 weights and entries go in spans when they lie back to back (as
     * here), whatever their count: 112,701 rows of 5 weights, T = 0 + 1 + min(9, 5) = 6;
     * 4,225 rows of 512 weights, T = 512; 4,224 rows of 300, T = 16 + 100 + 64. */
    expect_path(1, 112701, 5, 0, 1, 9, SPIDX_MODE_ZERO, "row spans");
    expect_path(1, 4225, 512, 0, 512, 0, SPIDX_MODE_ZERO, "row spans");
    expect_path(1, 4224, 300, 16, 100, 64, SPIDX_MODE_ZERO, "row spans");
    expect_path(1, 20000, 513, 1, 1, 1, SPIDX_MODE_ZERO, "warp rows");
    expect_path(1, 20000, 512, 0, 513, 0, SPIDX_MODE_ZERO, "warp rows");
    expect_path(1, 16, 8, 1, 1, 1, SPIDX_MODE_ZERO, "row spans");
    expect_path(1, 1, 512, 0, 1, 0, SPIDX_MODE_ZERO, "block chunks"); /* few long rows: below */
    expect_path(1, 256, 2048, 0, 1, 0, SPIDX_MODE_ZERO, "warp rows");
    expect_path(1, 256, 2049, 0, 1, 0, SPIDX_MODE_ZERO, "block chunks");
    expect_path(2, 3, 0, 0, 0, 4, SPIDX_MODE_ZERO, "none"); /* sk = 0: no weights, T = 0 */
    /* KEEP never takes groups under a warp: 112,701 rows of 300 weights, T = 100 > 300 / 48. */
    expect_path(1, 112701, 300, 0, 100, 0, SPIDX_MODE_KEEP, "warp rows keep");
}
END_TEST

START_TEST(test_zero_few_long_rows_go_a_block_per_row)
{
    /* Under 256 rows, rows of at least 128 weights or list entries take a block each. */
    expect_path(1, 255, 128, 0, 1, 0, SPIDX_MODE_ZERO, "block chunks");
    expect_path(3, 85, 64, 0, 128, 0, SPIDX_MODE_ZERO, "block chunks"); /* T = 128 */
    expect_path(1, 1, 2048, 0, 1, 0, SPIDX_MODE_ZERO, "block chunks");
    /* The sweep's shape 241: 15 rows of 1,433 weights, T = 4 + 0 + 1,329. */
    expect_path(1, 15, 1433, 4, 0, 1329, SPIDX_MODE_ZERO, "block chunks");
    /* From 256 rows, or below 128 weights and entries: spans (back to back) or warps (padded). */
    expect_path(1, 256, 128, 0, 1, 0, SPIDX_MODE_ZERO, "row spans");
    expect_path(1, 255, 127, 0, 127, 0, SPIDX_MODE_ZERO, "row spans"); /* 127 weights, T = 127 */
    expect_path(1, 256, 513, 0, 1, 0, SPIDX_MODE_ZERO, "warp rows"); /* past a span's 512 weights */
    /* KEEP mode keeps its own rules: 200 rows of 1,000 weights, T = 300 (60,000 entries: flat). */
    expect_path(1, 200, 1000, 0, 300, 0, SPIDX_MODE_KEEP, "list keep");
}
END_TEST

/* The path of a ZERO call of b x h rows of sk weights (sink 1, heavy 2, window 3) with
 * the given weight and list strides. */
static const char *strided_zero_path(int64_t b, int64_t h, int64_t sk, int64_t w_sb, int64_t w_sh, int64_t l_sb,
                                     int64_t l_sh)
{
    spidx_params p = case_contiguous_params(b, h, sk, 1, 2, 3, 0);
    p.mode = SPIDX_MODE_ZERO;
    p.weight_sb = w_sb, p.weight_sh = w_sh, p.list_sb = l_sb, p.list_sh = l_sh;
    return spidx_fused_path_name(&p);
}

START_TEST(test_zero_short_rows_take_spans_only_when_rows_lie_back_to_back)
{
    /* 2 x 2,500 rows of 8 weights (past 4,224, within 16,896: a pass of 8-lane groups):
     * spans back to back, 8 lanes a row with the weight rows padded to 9. */
    ck_assert_str_eq(strided_zero_path(2, 2500, 8, 20000, 8, 15000, 6), "row spans");
    ck_assert_str_eq(strided_zero_path(2, 2500, 8, 22500, 9, 15000, 6), "8-lane rows");
    /* 2 x 10,000 rows of 100 weights padded to 101: past 64 weights, 8 lanes a row. */
    ck_assert_str_eq(strided_zero_path(2, 10000, 100, 1010000, 101, 60000, 6), "8-lane rows");
    ck_assert_str_eq(strided_zero_path(2, 10000, 100, 1000000, 100, 60000, 6), "row spans");
    /* 2 x 8 rows of 8: spans back to back, a warp a row padded. */
    ck_assert_str_eq(strided_zero_path(2, 8, 8, 64, 8, 48, 6), "row spans");
    ck_assert_str_eq(strided_zero_path(2, 8, 8, 72, 9, 48, 6), "warp rows");
    /* 256 rows of 128 weights padded to 129: a warp a row. */
    ck_assert_str_eq(strided_zero_path(1, 256, 128, 33024, 129, 1536, 6), "warp rows");
    /* 2 x 10,000 rows of 8 weights, T = 1 + 2 + 3 = 6. Back to back: head stride 8 and
     * batch stride 80,000 for the weights, 6 and 60,000 for the list. */
    ck_assert_str_eq(strided_zero_path(2, 10000, 8, 80000, 8, 60000, 6), "row spans");
    /* A padded weight row (stride 9), a padded list row (7), a gap between batches, or
     * heads outermost: a thread per row, each writing its own row. */
    ck_assert_str_eq(strided_zero_path(2, 10000, 8, 90000, 9, 60000, 6), "thread rows");
    ck_assert_str_eq(strided_zero_path(2, 10000, 8, 80000, 8, 70000, 7), "thread rows");
    ck_assert_str_eq(strided_zero_path(2, 10000, 8, 80008, 8, 60000, 6), "thread rows");
    ck_assert_str_eq(strided_zero_path(2, 10000, 8, 8, 16, 60000, 6), "thread rows");
    /* One head: the head stride does not matter (extent 1); the batch stride must be sk
     * for the weights and T for the list. A permuted list beside back-to-back weights:
     * a thread per row. */
    ck_assert_str_eq(strided_zero_path(20000, 1, 8, 8, 12345, 6, 999), "row spans");
    ck_assert_str_eq(strided_zero_path(20000, 1, 8, 9, 8, 6, 6), "thread rows");
    ck_assert_str_eq(strided_zero_path(2, 10000, 8, 80000, 8, 6, 12), "thread rows");
}
END_TEST

/* Decodes bytes with the structured decoder and checks the case's row count and fused path. */
static void expect_decoded(const uint8_t *bytes, size_t n, int64_t want_rows, const char *want_path)
{
    spidx_case c;
    ck_assert_int_eq(case_decode(bytes, n, &c), 0);
    ck_assert_int_eq(c.check, SPIDX_OK);
    const char *got = spidx_fused_path_name(&c.p);
    ck_assert_msg(c.shape.rows == want_rows && got && !strcmp(got, want_path),
                  "decoded b=%lld h=%lld sk=%lld sink=%lld heavy=%lld window=%lld %s weight type %d: %lld rows, path %s; "
                  "want %lld rows, path %s",
                  (long long)c.p.b, (long long)c.p.h, (long long)c.p.sk, (long long)c.p.sink, (long long)c.p.heavy,
                  (long long)c.p.window, spidx_mode_name(c.p.mode), (int)c.p.weight_type, (long long)c.shape.rows,
                  got ? got : "(null)", (long long)want_rows, want_path);
    case_free(&c);
}

START_TEST(test_decoder_many_rows_reaches_row_groups_past_one_pass)
{
    /* Byte 0: anything but the raw form's tag, skipped; byte 1: 62 picks many_rows (the
     * shares before it add up to 62); byte 2: 5 confirms it (5 mod 8); byte 3: the
     * variant. Then each upto() reads two bytes (little endian, modulo its bound + 1);
     * then types (bit 0 index type, bits 1-2 weight type mod 3, bit 3 mode), fill, seed
     * (4), layout (0: contiguous), 6 pads of two bytes. Past the end the decoder reads
     * zeros. The shape class's bounds are re-derived here on purpose, byte by byte. */
    /* Variant 2, bfloat16, ZERO: h = 17,408 + 1,023, sk = 65 + 15, sink 1, window 1, heavy 1:
     * 18,431 rows of 80 weights, past one pass of 8 lanes per row (16,896 on 132 SMs): in
     * spans as laid out (contiguous), 8 lanes a row with layout 1 (padded) and the weight
     * rows' pad 1 (fill 0, seed 0, then the six pads: top-k, list, weights). */
    const uint8_t spans[] = {0, 62, 5, 2, 0xff, 0x03, 15, 0, 1, 0, 1, 0, 1, 0, 2 << 1};
    expect_decoded(spans, sizeof spans, 18431, "row spans");
    const uint8_t lanes8[] = {0, 62, 5, 2, 0xff, 0x03, 15, 0, 1, 0, 1, 0, 1, 0, 2 << 1, 0, 0, 0, 0, 0, 1,
                              0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0};
    expect_decoded(lanes8, sizeof lanes8, 18431, "8-lane rows");
    /* Variant 3, KEEP forced, bfloat16: h = 4,352 + 255, sk = 257 + 31, sink 30 + 1, window 2,
     * heavy 1 + 3, init_offset 0: 4,607 rows of T = 37 (170,459 entries, past 128 Ki; 37 >
     * 288 / 48 = 6), a warp per row past one pass (4,224 rows), at 4,164,728 bytes unshrunk. */
    const uint8_t keep_warp[] = {0, 62, 5, 3, 0xff, 0, 31, 0, 1, 0, 2, 0, 3, 0, 0, 0, 2 << 1};
    expect_decoded(keep_warp, sizeof keep_warp, 4607, "warp rows keep");
    /* Variant 0: past 65,535 rows (b = 1, h = 65,536), sk 2, ZERO, rows back to back: spans. */
    const uint8_t past_64ki[] = {0, 62, 5, 0, 0, 0, 0, 0, 2, 0};
    expect_decoded(past_64ki, sizeof past_64ki, 65536, "row spans");
}
END_TEST

START_TEST(test_decoder_warp_bitmap_rows_straddle_the_warp_limit)
{
    /* Byte 1: 46 picks warp_bitmap_rows (small's 46 shares come first); byte 2: 5
     * confirms it. Then: the KEEP byte (bit 0), b = 1 + upto(1), h = (256 + upto(63)) / b,
     * the sk byte (0 mod 4: sk = 2,017 + upto(63), else 513 + upto(1,503)), sink (KEEP:
     * 520 + upto(63), else upto(64)), window, heavy and init_offset upto(64); two bytes
     * per upto(), little endian. Then types (4: int64 list, bfloat16, bit 3 clear: ZERO
     * unless KEEP is forced); the rest reads as zeros (contiguous, no pads). Re-derived
     * here on purpose, byte by byte. */
    /* ZERO, 319 rows of 2,048 weights (sink 4, window 4, heavy 8): the warp kernel's
     * longest rows; one weight more and they go in block chunks. */
    const uint8_t zero_at[] = {0, 46, 5, 0, 0, 0, 63, 0, 0, 31, 0, 4, 0, 4, 0, 8, 0, 0, 0, 2 << 1};
    expect_decoded(zero_at, sizeof zero_at, 319, "warp rows");
    const uint8_t zero_past[] = {0, 46, 5, 0, 0, 0, 63, 0, 0, 32, 0, 4, 0, 4, 0, 8, 0, 0, 0, 2 << 1};
    expect_decoded(zero_past, sizeof zero_past, 319, "block chunks");
    /* KEEP forced, 256 rows of 1,000 weights (513 + 487), sink 520, no window or heavy
     * entries: 256 x 520 = 133,120 entries, past the flat list's 131,072, and 520 >
     * 1,000 / 48: a warp per row, 32 bitmap words of its 64. At 2,049 weights (sk byte 0,
     * upto 32): block chunks. */
    const uint8_t keep_in[] = {0, 46, 5, 1, 0, 0, 0, 0, 1, 487 & 0xff, 487 >> 8, 0, 0, 0, 0, 0, 0, 0, 0, 2 << 1};
    expect_decoded(keep_in, sizeof keep_in, 256, "warp rows keep");
    const uint8_t keep_past[] = {0, 46, 5, 1, 0, 0, 0, 0, 0, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 << 1};
    expect_decoded(keep_past, sizeof keep_past, 256, "block chunks keep");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fused_dispatch");
    TCase *tc = tcase_create("paths");
    tcase_add_test(tc, test_keep_sparse_rows_go_to_the_list_kernel);
    tcase_add_test(tc, test_keep_tiny_rows_go_to_the_list_kernel);
    tcase_add_test(tc, test_keep_lists_up_to_128_ki_entries_go_to_the_list_kernel);
    tcase_add_test(tc, test_zero_few_long_rows_go_a_block_per_row);
    tcase_add_test(tc, test_keep_dense_rows_stay_on_the_bitmap);
    tcase_add_test(tc, test_zero_mode_follows_the_row_count_and_lengths);
    tcase_add_test(tc, test_zero_short_rows_take_spans_only_when_rows_lie_back_to_back);
    tcase_add_test(tc, test_decoder_many_rows_reaches_row_groups_past_one_pass);
    tcase_add_test(tc, test_decoder_warp_bitmap_rows_straddle_the_warp_limit);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
