/* test_first_call.c - a failure in the call before the checked one (call = twice: the case
 * itself; after_larger: a larger case) is reported as the first call's: its status pair and
 * message, its guard canaries, its own signature (IMPL:first_call:CLASS). Before, it passed
 * unseen, or surfaced in the checked call as a sticky CUDA error with a misleading message.
 * The implementations here are built for the test: the reference's run, plus one fault each.
 * Run: ctest -R test_first_call. */
#define _POSIX_C_SOURCE 200809L /* fmemopen */
#include "test_helpers.h"

#include <stdio.h>
#include <string.h>

/* The checked case: one row of 8 weights, sink 1, window 1. after_larger's first case has
 * more weights than the checked case's buffer holds (case_helpers.c, larger_case). */
#define SK 8

static spidx_status ref_run(const spidx_params *p, const int64_t *topk, void *list, void *weight, spidx_detail *d)
{
    return spidx_impl_find("ref")->run(p, topk, list, weight, d);
}

/* Fails the larger case as a CUDA fault would, and passes the checked one. */
static spidx_status fails_large(const spidx_params *p, const int64_t *topk, void *list, void *weight, spidx_detail *d)
{
    if (p->sk > SK) {
        snprintf(d->message, sizeof d->message, "fails_large: an illegal memory access was encountered "
                                                "(cudaErrorIllegalAddress)");
        return SPIDX_E_DEVICE;
    }
    return ref_run(p, topk, list, weight, d);
}

/* Writes one byte past its weight buffer on the larger case (its rows are contiguous). */
static spidx_status overruns_large(const spidx_params *p, const int64_t *topk, void *list, void *weight,
                                   spidx_detail *d)
{
    const spidx_status st = ref_run(p, topk, list, weight, d);
    if (p->sk > SK) ((unsigned char *)weight)[p->b * p->h * p->sk * 4] ^= 0xFF; /* float32 */
    return st;
}

/* Fails every other call, starting with the first: call = twice's first call. */
static int calls;
static spidx_status fails_first_of_two(const spidx_params *p, const int64_t *topk, void *list, void *weight,
                                       spidx_detail *d)
{
    if (calls++ % 2 == 0) {
        snprintf(d->message, sizeof d->message, "fails_first_of_two: first call");
        return SPIDX_E_DEVICE;
    }
    return ref_run(p, topk, list, weight, d);
}

/* Runs ref and impl on the case with the given call mode; returns case_compare's count,
 * with its report and first field, and the signature. */
static long compare_with(spidx_run_fn run, const char *name, int call, char *report, size_t report_size,
                         const char **field, char *sig)
{
    spidx_impl impl = {.name = name, .kind = SPIDX_IMPL_CPU, .run = run, .caps = SPIDX_CAP_ALL};
    spidx_case c;
    const spidx_params p = case_contiguous_params(1, 1, SK, 1, 0, 1, 0);
    case_init(&c, &p, 7);
    c.call = call;
    spidx_outcome want, got;
    calls = 0;
    case_run(spidx_impl_find("ref"), &c, &want);
    case_run(&impl, &c, &got);
    FILE *out = fmemopen(report, report_size, "w");
    ck_assert_ptr_nonnull(out);
    *field = NULL;
    const long n = case_compare(&c, "ref", &want, name, &got, out, 10, field);
    fclose(out);
    if (n) case_mismatch_signature(&c, name, &want, &got, *field, sig, SPIDX_SIGNATURE_MAX);
    outcome_free(&want);
    outcome_free(&got);
    case_free(&c);
    return n;
}

START_TEST(test_failure_in_the_larger_call_is_reported_as_the_first_calls)
{
    char report[2048], sig[SPIDX_SIGNATURE_MAX];
    const char *field;
    ck_assert_int_eq(compare_with(fails_large, "fails_large", SPIDX_CALL_AFTER_LARGER, report, sizeof report, &field, sig),
                     1);
    ck_assert_str_eq(field, "first_call");
    ck_assert_msg(strstr(report, "  first call (call = after_larger): ref=SPIDX_OK fails_large=SPIDX_E_DEVICE: "
                                 "fails_large: an illegal memory access was encountered (cudaErrorIllegalAddress)\n"),
                  "%s", report);
    ck_assert_str_eq(sig, "fails_large:first_call:OK->E_DEVICE(cudaErrorIllegalAddress)");
}
END_TEST

START_TEST(test_same_implementation_called_once_agrees)
{
    char report[2048], sig[SPIDX_SIGNATURE_MAX];
    const char *field;
    ck_assert_int_eq(compare_with(fails_large, "fails_large", SPIDX_CALL_ONCE, report, sizeof report, &field, sig), 0);
    ck_assert_int_eq(compare_with(overruns_large, "overruns_large", SPIDX_CALL_ONCE, report, sizeof report, &field, sig),
                     0);
}
END_TEST

START_TEST(test_write_past_the_buffer_in_the_first_call_is_a_guard_mismatch)
{
    char report[2048], sig[SPIDX_SIGNATURE_MAX];
    const char *field;
    ck_assert_int_eq(
        compare_with(overruns_large, "overruns_large", SPIDX_CALL_AFTER_LARGER, report, sizeof report, &field, sig), 1);
    ck_assert_str_eq(field, "guard");
    ck_assert_str_eq(report, "  overruns_large wrote outside its buffers in the first call (call = after_larger)\n");
}
END_TEST

START_TEST(test_first_of_two_calls_failing_does_not_pass)
{
    char report[2048], sig[SPIDX_SIGNATURE_MAX];
    const char *field;
    ck_assert_int_eq(
        compare_with(fails_first_of_two, "fails_first_of_two", SPIDX_CALL_TWICE, report, sizeof report, &field, sig), 1);
    ck_assert_str_eq(report, "  first call (call = twice): ref=SPIDX_OK fails_first_of_two=SPIDX_E_DEVICE: "
                             "fails_first_of_two: first call\n");
    ck_assert_str_eq(sig, "fails_first_of_two:first_call:OK->E_DEVICE");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("first_call");
    TCase *reported = tcase_create("reported");
    tcase_add_test(reported, test_failure_in_the_larger_call_is_reported_as_the_first_calls);
    tcase_add_test(reported, test_write_past_the_buffer_in_the_first_call_is_a_guard_mismatch);
    tcase_add_test(reported, test_first_of_two_calls_failing_does_not_pass);
    suite_add_tcase(s, reported);
    TCase *control = tcase_create("control");
    tcase_add_test(control, test_same_implementation_called_once_agrees);
    suite_add_tcase(s, control);
    return run_suite(s);
}
