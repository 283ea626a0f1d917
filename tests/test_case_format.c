/* test_case_format.c - the two forms of a case lose nothing: decoded fuzzer bytes
 * survive `.case` text and the raw byte form unchanged; malformed `.case` text is
 * rejected with the line number; the decoder is total and deterministic, and stays
 * within its budget (an exact form over it is decoded as structured bytes).
 * Run: ctest -R test_case_format. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include "test_helpers.h"

#include <stdlib.h>
#include <string.h>

#include "case_io.h"

static uint64_t next(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

START_TEST(test_decoded_bytes_round_trip_through_text_and_raw_forms)
{
    uint64_t s = 12345;
    for (int iter = 0; iter < 400; iter++) {
        uint8_t bytes[96];
        const size_t n = next(&s) % sizeof bytes;
        for (size_t i = 0; i < n; i++) bytes[i] = (uint8_t)next(&s);
        if (iter % 7 == 0 && n > 0) bytes[0] = SPIDX_RAW_TAG;
        spidx_case a, b, d;
        case_decode(bytes, n, &a);

        char *text = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&text, &len);
        ck_assert_ptr_nonnull(mem);
        case_write(mem, &a, "round trip");
        fclose(mem);
        char err[200];
        ck_assert_msg(case_parse(text, len, &b, err, sizeof err) == 0, "input %d: %s\n%s", iter, err, text);
        ck_assert_msg(case_equal(&a, &b), "input %d: text form differs\n%s", iter, text);

        size_t rn;
        uint8_t *raw = case_encode(&a, &rn);
        case_decode(raw, rn, &d);
        ck_assert_msg(case_equal(&a, &d), "input %d: raw form differs", iter);
        ck_assert_int_eq(memcmp(a.weight_init, d.weight_init, a.weight_bytes), 0);

        free(raw);
        free(text);
        case_free(&a);
        case_free(&b);
        case_free(&d);
    }
}
END_TEST

static void expect_parse_error(const char *text, const char *needle);

START_TEST(test_call_form_round_trips_and_rejects_unknown_forms)
{
    const char *text = "spidx-case 1\nb = 1\nh = 2\nsk = 8\nsink = 1\nheavy = 1\nwindow = 1\nmode = keep\n"
                       "call = after_larger\ntopk[0][0] = 3\ntopk[0][1] = 9\n";
    spidx_case c, d;
    char err[200];
    ck_assert_msg(case_parse(text, strlen(text), &c, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(c.call, SPIDX_CALL_AFTER_LARGER);
    char *out = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&out, &len);
    ck_assert_ptr_nonnull(mem);
    case_write(mem, &c, NULL);
    fclose(mem);
    ck_assert_msg(strstr(out, "\ncall = after_larger\n") != NULL, "%s", out);
    free(out);
    size_t rn;
    uint8_t *raw = case_encode(&c, &rn);
    case_decode(raw, rn, &d);
    ck_assert_int_eq(d.call, SPIDX_CALL_AFTER_LARGER);
    free(raw);
    case_free(&d);
    /* The outcome is the last call's: the same as one call, on the reference too (the
     * top-k value 9 is invalid: the detail must not come from the larger case). */
    const spidx_impl *ref = spidx_impl_find("ref");
    spidx_outcome once, later;
    for (int call = SPIDX_CALL_TWICE; call < SPIDX_CALL_COUNT; call++) {
        c.call = SPIDX_CALL_ONCE;
        case_run(ref, &c, &once);
        c.call = call;
        case_run(ref, &c, &later);
        ck_assert_int_eq(once.status, SPIDX_E_HEAVY_RANGE);
        /* The first call is recorded apart (test_first_call): twice's is the case itself,
         * after_larger's a valid larger case, the device forms make one call. */
        ck_assert_int_eq(later.first_status, call == SPIDX_CALL_TWICE ? SPIDX_E_HEAVY_RANGE : SPIDX_OK);
        ck_assert(later.first_guards_intact && later.first_topk_intact);
        later.first_status = once.first_status;
        later.first_detail = once.first_detail;
        ck_assert_int_eq(case_compare(&c, "once", &once, spidx_call_name(call), &later, stdout, 4, NULL), 0);
        outcome_free(&once);
        outcome_free(&later);
    }
    case_free(&c);
    expect_parse_error("spidx-case 1\nb = 1\nh = 1\nsk = 3\ncall = thrice\n", "call is once, twice, after_larger, stream, two_streams or graph");
    expect_parse_error("spidx-case 1\nb = 1\nh = 1\nsk = 3\ncall = twice again\n", "line 5");
}
END_TEST

START_TEST(test_decoding_is_deterministic)
{
    /* Inputs for several shape classes (first byte mod 64: 3 small, 47 rows beyond one
     * wave, 50 medium, 57 error injection, 62 and 63 costly classes confirmed by 5), the
     * raw form, and random NaN fills: the same bytes give the same case, buffers included. */
    const uint8_t inputs[][24] = {
        {3, 0x41, 9, 200, 7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
        {47, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20},
        {50, 99, 1, 77, 3, 200, 5, 9, 1, 1, 1, 250, 6, 1, 1, 0x0B, 1, 7, 3, 2, 1},
        {57, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 4, 9, 9, 9},
        {62, 5, 1, 0, 2, 0, 1, 0, 1, 1, 1, 8, 3, 0, 0, 0, 0, 0, 0, 0, 0},
        {63, 5, 0, 1, 0, 1, 0, 7, 7, 7, 7, 7, 7, 7, 7, 0x0A, 1, 2, 3, 4, 5},
        {SPIDX_RAW_TAG, 1, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        spidx_case a, b;
        case_decode(inputs[i], sizeof inputs[i], &a);
        case_decode(inputs[i], sizeof inputs[i], &b);
        ck_assert_msg(case_equal(&a, &b), "input %zu", i);
        ck_assert_uint_eq(a.topk_bytes, b.topk_bytes);
        ck_assert_uint_eq(a.list_bytes, b.list_bytes);
        ck_assert_uint_eq(a.weight_bytes, b.weight_bytes);
        ck_assert_int_eq(memcmp(a.topk, b.topk, a.topk_bytes), 0);
        ck_assert_int_eq(memcmp(a.list_init, b.list_init, a.list_bytes), 0);
        ck_assert_int_eq(memcmp(a.weight_init, b.weight_init, a.weight_bytes), 0);
        case_free(&a);
        case_free(&b);
    }
}
END_TEST

START_TEST(test_empty_input_decodes_to_an_empty_contiguous_case)
{
    /* Past the end every read is 0: the small class with b = h = 1 + 0, sk = sink =
     * window = heavy = init_offset = 0, int64 list, float32 ZERO weights, contiguous
     * rows of length 0 (every stride 0), no NULL buffer, random fill from seed 0. */
    spidx_case c;
    case_decode(NULL, 0, &c);
    const spidx_params *p = &c.p;
    ck_assert_int_eq(p->b, 1);
    ck_assert_int_eq(p->h, 1);
    ck_assert_int_eq(p->sk + p->sink + p->window + p->heavy + p->init_offset, 0);
    ck_assert_int_eq(p->index_type, SPIDX_INDEX_I64);
    ck_assert_int_eq(p->weight_type, SPIDX_WEIGHT_F32);
    ck_assert_int_eq(p->mode, SPIDX_MODE_ZERO);
    ck_assert_int_eq(p->topk_sb | p->topk_sh | p->list_sb | p->list_sh | p->weight_sb | p->weight_sh, 0);
    ck_assert_uint_eq(c.null_mask, 0);
    ck_assert_int_eq(c.fill, SPIDX_FILL_RANDOM);
    ck_assert_uint_eq(c.fill_seed, 0);
    ck_assert_int_eq(c.check, SPIDX_OK);
    ck_assert_int_eq(c.shape.T, 0);
    case_free(&c);
}
END_TEST

static void expect_parse_error(const char *text, const char *needle)
{
    spidx_case c;
    char err[200] = "";
    ck_assert_int_eq(case_parse(text, strlen(text), &c, err, sizeof err), -1);
    ck_assert_msg(strstr(err, needle) != NULL, "error '%s' does not contain '%s'", err, needle);
}

START_TEST(test_malformed_text_reports_the_line)
{
    expect_parse_error("spidx-case 2\nb = 1\n", "line 1");
    expect_parse_error("spidx-case 1\nb = 1\nh = one\nsk = 3\n", "line 3");
    expect_parse_error("spidx-case 1\nb = 1\nh = 1\nsk = 3\ncolour = red\n", "unknown key");
    expect_parse_error("spidx-case 1\nb = 1\nh = 1\n", "required");
    expect_parse_error("spidx-case 1\nb = 1\nh = 1\nsk = 4\nheavy = 2\ntopk[0][0] = 1\n", "line 6");
    expect_parse_error("spidx-case 1\nb = 1\nh = 1\nsk = 4\nheavy = 1\ntopk[0][0] = 1 2\n", "more than");
    expect_parse_error("spidx-case 1\nb = 1\nh = 1\nsk = 4\nmode = sometimes\n", "mode");
    expect_parse_error("spidx-case 1\nb = 99999999999999999999\n", "line 2");
}
END_TEST

START_TEST(test_errors_quote_unprintable_bytes_as_hex_escapes)
{
    /* A version of bytes 0xff, a tab and 'Z', then a key holding 0x01: each message is
     * one printable line, the bytes spelled \xNN. */
    expect_parse_error("spidx-case \xff\tZ\nb = 1\n", "unknown .case version '\\xff\\x09Z'");
    expect_parse_error("spidx-case 1\nb\x01 = 1\n", "line 2: unknown key 'b\\x01'");
    spidx_case c;
    char err[200] = "";
    const char text[] = "spidx-case 1\n\x80\x81\x82 = 1\n";
    ck_assert_int_eq(case_parse(text, strlen(text), &c, err, sizeof err), -1);
    for (const char *e = err; *e; e++) ck_assert_msg(*e >= 0x20 && *e < 0x7f, "byte 0x%02x in '%s'", *e & 0xff, err);
}
END_TEST

START_TEST(test_text_defaults_are_contiguous_rows_and_zero_topk)
{
    const char *text = "spidx-case 1\n# hand-written\nb = 2\nh = 3\nsk = 10\nsink = 1\nheavy = 2\nwindow = 2\n";
    spidx_case c;
    char err[200];
    ck_assert_int_eq(case_parse(text, strlen(text), &c, err, sizeof err), 0);
    ck_assert_int_eq(c.p.list_sh, 5);
    ck_assert_int_eq(c.p.list_sb, 15);
    ck_assert_int_eq(c.p.weight_sb, 30);
    ck_assert_int_eq(c.p.topk_sh, 2);
    ck_assert_int_eq(case_get_topk(&c, 1, 2, 1), 0);
    ck_assert_int_eq(c.p.mode, SPIDX_MODE_ZERO);
    case_free(&c);
}
END_TEST

/* One float32 row of sk weights and empty regions: 4 * sk bytes of buffers. */
static void parse_one_row(int64_t sk, spidx_case *c)
{
    char text[120], err[200];
    snprintf(text, sizeof text, "spidx-case 1\nb = 1\nh = 1\nsk = %lld\n", (long long)sk);
    ck_assert_msg(case_parse(text, strlen(text), c, err, sizeof err) == 0, "%s", err);
}

/* Decodes the case's text and raw forms; returns how many came back as written. */
static int exact_forms_taken_as_written(const spidx_case *c)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(mem);
    case_write(mem, c, NULL);
    fclose(mem);
    size_t rn;
    uint8_t *raw = case_encode(c, &rn);
    spidx_case t, r;
    int same = 0;
    if (case_decode((const uint8_t *)text, len, &t) == 0) {
        same += case_equal(c, &t);
        case_free(&t);
    }
    ck_assert_int_eq(case_decode(raw, rn, &r), 0); /* bytes are never rejected */
    same += case_equal(c, &r);
    case_free(&r);
    free(raw);
    free(text);
    return same;
}

START_TEST(test_exact_forms_at_the_budget_are_taken_as_written)
{
    spidx_case c;
    parse_one_row(1048576, &c); /* 4 MiB of float32 weights: exactly the budget */
    ck_assert_uint_eq(c.weight_bytes, (size_t)4 << 20);
    ck_assert_int_eq(exact_forms_taken_as_written(&c), 2);
    case_free(&c);
}
END_TEST

START_TEST(test_text_over_the_budget_is_rejected_and_raw_decodes_as_structured_bytes)
{
    spidx_case c;
    parse_one_row(1048577, &c); /* four bytes over */
    ck_assert_int_eq(c.p.sk, 1048577);
    ck_assert_int_eq(exact_forms_taken_as_written(&c), 0); /* text rejected, raw another case */
    case_free(&c);
}
END_TEST

START_TEST(test_text_that_does_not_parse_is_rejected_by_the_fuzz_decoder)
{
    /* The same bad files tests/test_case_rule.sh gives every program. */
    const char *bad[] = {"spidx-case 2\nb = 1\nh = 1\nsk = 4\n", "spidx-case 1\nb = 1\nh = 1\n",
                         "spidx-case\n", "spidx-case 1\nb = 1\nh = 1\nsk = 4\ncolour = red\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        spidx_case c;
        ck_assert_msg(case_decode((const uint8_t *)bad[i], strlen(bad[i]), &c) == -1, "input %zu", i);
    }
    /* The rule: a name ending in .case, or a first line starting with spidx-case. */
    ck_assert(case_file_is_text("x.case", (const uint8_t *)"", 0));
    ck_assert(case_file_is_text("crash-1234", (const uint8_t *)"spidx-case 9\n", 13));
    ck_assert(!case_file_is_text("crash-1234", (const uint8_t *)"spidx-cas", 9));
    ck_assert(!case_file_is_text(NULL, (const uint8_t *)"\xa7spidx-case", 11));
    char err[200];
    spidx_case c;
    ck_assert_int_eq(case_parse(bad[0], strlen(bad[0]), &c, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "unknown .case version '2'") != NULL, "%s", err);
    ck_assert_int_eq(case_parse("", 0, &c, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "the file is empty") != NULL, "%s", err);
}
END_TEST

START_TEST(test_bounded_parse_refuses_a_case_over_its_limit)
{
    const char *text = "spidx-case 1\nb = 1\nh = 1\nsk = 1000\n"; /* 4,000 bytes */
    spidx_case c;
    char err[200] = "";
    ck_assert_int_eq(case_parse_bounded(text, strlen(text), &c, err, sizeof err, 3999, 10), -1);
    ck_assert_msg(strstr(err, "above the 3999-byte limit") != NULL, "%s", err);
    ck_assert_int_eq(case_parse_bounded(text, strlen(text), &c, err, sizeof err, 4000, 10), 0);
    case_free(&c);
    const char *rows = "spidx-case 1\nb = 3\nh = 4\nsk = 1\n"; /* 12 rows */
    ck_assert_int_eq(case_parse_bounded(rows, strlen(rows), &c, err, sizeof err, 1000, 11), -1);
    ck_assert_msg(strstr(err, "12 rows, above the limit of 11") != NULL, "%s", err);
}
END_TEST

START_TEST(test_any_bytes_decode_within_the_budget)
{
    uint64_t s = 777;
    for (int iter = 0; iter < 3000; iter++) {
        uint8_t bytes[160];
        const size_t n = 1 + next(&s) % sizeof bytes;
        for (size_t i = 0; i < n; i++) bytes[i] = (uint8_t)next(&s);
        if (iter % 3 == 0) bytes[0] = SPIDX_RAW_TAG;
        spidx_case c;
        case_decode(bytes, n, &c);
        ck_assert_msg(c.topk_bytes + c.list_bytes + c.weight_bytes <= SPIDX_FUZZ_MAX_BYTES, "input %d", iter);
        ck_assert_msg(c.check != SPIDX_OK || c.shape.rows <= SPIDX_FUZZ_MAX_ROWS, "input %d", iter);
        case_free(&c);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("case_format");
    TCase *rt = tcase_create("round_trips");
    tcase_add_test(rt, test_decoded_bytes_round_trip_through_text_and_raw_forms);
    tcase_add_test(rt, test_decoding_is_deterministic);
    tcase_add_test(rt, test_call_form_round_trips_and_rejects_unknown_forms);
    tcase_add_test(rt, test_empty_input_decodes_to_an_empty_contiguous_case);
    suite_add_tcase(s, rt);
    TCase *txt = tcase_create("text");
    tcase_add_test(txt, test_malformed_text_reports_the_line);
    tcase_add_test(txt, test_errors_quote_unprintable_bytes_as_hex_escapes);
    tcase_add_test(txt, test_text_defaults_are_contiguous_rows_and_zero_topk);
    suite_add_tcase(s, txt);
    TCase *bud = tcase_create("budget");
    tcase_add_test(bud, test_exact_forms_at_the_budget_are_taken_as_written);
    tcase_add_test(bud, test_text_over_the_budget_is_rejected_and_raw_decodes_as_structured_bytes);
    tcase_add_test(bud, test_text_that_does_not_parse_is_rejected_by_the_fuzz_decoder);
    tcase_add_test(bud, test_bounded_parse_refuses_a_case_over_its_limit);
    tcase_add_test(bud, test_any_bytes_decode_within_the_budget);
    suite_add_tcase(s, bud);
    return run_suite(s);
}
