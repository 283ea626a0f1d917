/* test_helpers.h - expectations for the Check unit tests: a test states the expected
 * status, list and weights by hand, and expect_on_all_impls checks them on every
 * available implementation (SPIDX_IMPLS narrows the set), together with the rules
 * that hold for every call: guards, top-k and padding untouched. */
#ifndef SPIDX_TEST_HELPERS_H
#define SPIDX_TEST_HELPERS_H

#include <check.h>

#include "case_helpers.h"

/* Hand-written expectation for one call. Weight characters: '1' = the type's 1.0
 * bits, '0' = +0.0 bits, '.' = the caller's initial bits (KEEP mode). Arrays are
 * row-major over [b][h][T] (list) and [b][h][sk] (weights); callbacks serve shapes
 * too large to spell out. A NULL list/weights with no callback skips that check. */
typedef struct expectation {
    spidx_status status;
    int64_t bad_bi, bad_hi, bad_j, bad_value; /* SPIDX_E_HEAVY_RANGE only */
    const int64_t *list;
    const char *weights;
    int64_t (*list_at)(const spidx_params *p, int64_t bi, int64_t hi, int64_t j);
    char (*weight_at)(const spidx_params *p, int64_t bi, int64_t hi, int64_t x);
    int prefill;               /* 1: every weight element starts as prefill_bits instead of random bits */
    uint32_t prefill_bits;
} expectation;

/* topk: row-major [b][h][heavy] values, or NULL for all zeros (written through p's
 * strides). topk_at, when not NULL, supplies values instead. For statuses 1-3 the
 * expectation's list and weights are ignored: nothing may be written. Returns the
 * number of implementations checked (at least 1: the reference); one whose declared
 * capabilities exclude the call (case_applies, with e->status as the reference's) is
 * not run. */
int expect_on_all_impls(const spidx_params *p, const int64_t *topk, const expectation *e);
int expect_on_all_impls_fn(const spidx_params *p, int64_t (*topk_at)(const spidx_params *p, int64_t bi,
                                                                      int64_t hi, int64_t k),
                           const expectation *e);

/* Same as expect_on_all_impls with buffers passed as NULL per null_mask (SPIDX_NULL_*). */
int expect_with_null_buffers(const spidx_params *p, unsigned null_mask, const expectation *e);

/* case_select_impls for a test: the selected available implementations into impls
 * (SPIDX_MAX_IMPLS entries), their number returned; a selection failure aborts the test
 * binary with its reason. log: where unavailable implementations are listed (NULL: silent). */
size_t test_select_impls(const spidx_impl **impls, FILE *log);

/* For a GPU-only test: 0 when a CUDA device can run the kernels. Otherwise prints why
 * and returns the exit code to leave with: 77 (CTest: skipped), 2 when SPIDX_IMPLS names
 * a GPU implementation, or 1 (failed) under SPIDX_REQUIRE_GPU=1, which promises that
 * every GPU test runs. */
int gpu_test_unavailable(const char *test);

/* The GPU implementations SPIDX_IMPLS selects (default: fused and baseline), in impls
 * (SPIDX_MAX_IMPLS entries); returns how many. Fails the test when there is none. */
size_t select_gpu_impls(const spidx_impl **impls);

/* Runs the suite without fork (CUDA contexts do not survive fork) unless CK_FORK is
 * set, prints the implementations under test, and returns the process exit code: 0, 1
 * when a test failed, 2 when the implementations could not be selected (an unknown or
 * unavailable name in SPIDX_IMPLS; SPIDX_REQUIRE_GPU=1 without a device). */
int run_suite(Suite *s);

#endif /* SPIDX_TEST_HELPERS_H */
