/* fuzz_helpers.h - what the fuzz targets share: start-up (artifact prefix, the list of
 * implementations, semantic coverage) and the failure path that prints the case in
 * `.case` form with its first mismatches, writes the `.case` next to libFuzzer's crash
 * artifact, and aborts so that libFuzzer records the input. */
#ifndef SPIDX_FUZZ_HELPERS_H
#define SPIDX_FUZZ_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include "case_helpers.h"

/* Reads -artifact_prefix= from argv, prints the implementations under test once, and
 * installs the coverage report. Safe to call more than once. */
void fuzz_setup(const char *target, int argc, char **argv);

/* This process's start-up and lifetime so far, in seconds: start-up runs from the
 * process's start to libFuzzer's first mutation (the CUDA context, the corpus loaded and
 * run), or to now when fuzzing has not begun (or the build has no probe:
 * SPIDX_FUZZ_STARTUP_PROBE). Returns 0 in a fork-mode parent (-fork=N) or a merge
 * process (-merge...), which do not fuzz; 1 otherwise. The campaign sums them over its jobs (the restart cost). */
int fuzz_startup_times(double *startup_s, double *lifetime_s);

/* The implementations selected at setup (available ones only). */
const spidx_impl *const *fuzz_impls(size_t *count);

/* What the target checks, for a summary line: "ref, fused, baseline" (a differential
 * target; with the reference alone it says so), or fuzz_ref's property checks. */
void fuzz_describe_checks(char *buf, size_t size);

/* When SPIDX_IMPLS names implementations and one of them (not the reference) was run on
 * no input, every input being outside what it declares: its name; else NULL. A replay
 * that compared nothing it was asked to must not pass. */
const char *fuzz_named_impl_that_ran_nothing(void);

/* Registry index of an implementation (for coverage counters). */
int fuzz_impl_index(const spidx_impl *impl);

/* Defined by each target: its checks on one case (data, size: the input it came from,
 * which names the artifact). LLVMFuzzerTestOneInput decodes the input within the
 * target's budget and calls it; the replay driver calls it on a `.case` file as written.
 * Returns when every check passed; calls fuzz_fail otherwise. */
void fuzz_check_case(const spidx_case *c, const uint8_t *data, size_t size);

/* Prints c as `.case` with `what` (mismatch lines) as comments to stderr, writes it to
 * <artifact_prefix>mismatch-<hash>.case, and aborts. */
_Noreturn void fuzz_fail(const spidx_case *c, const uint8_t *data, size_t size, const char *what);

/* The signature of a fuzz_ref failure: "ref:property:" and its report's first line (the
 * property's condition) with the start of its second line (what was checked, up to the
 * first '(', '=' or digit: "weight", "list", a validation rule), each number as N, cut to
 * 120 characters, every run of characters outside [A-Za-z0-9_.-] as one '-', no '-' at
 * either end: "ref:property:property-failed-got-want-weight". fuzz_fail prints it for
 * fuzz_ref (the campaign reads it there). */
void fuzz_property_signature(const char *what, char *sig, size_t sig_size);

/* The path fuzz_fail writes an input's `.case` to: <artifact_prefix>mismatch-<FNV-1a of
 * the input's bytes>.case. */
void fuzz_case_path(const uint8_t *data, size_t size, char *out, size_t out_size);

/* Whether a failure with signature sig (case_mismatch_signature) was seen before in this
 * campaign: with SPIDX_FUZZ_SEEN_DIR set (fuzz/campaign.py sets it for its fuzz_diff jobs
 * and its merge), the first process to meet sig creates one file there holding sig and
 * case_path (where fuzz_fail is about to write the case) and gets 0, so it fails as usual
 * and leaves the artifact; the campaign reports sig with that case. Every later meeting,
 * in any process, appends one '+' to that file and gets 1, and the caller goes on fuzzing
 * instead of restarting a job per repeat of a known defect (fuzz_diff asks only for
 * failures that leave the process sound: no write outside the buffers, no sticky CUDA
 * error). 0 without SPIDX_FUZZ_SEEN_DIR, or when the file cannot be made (then the
 * failure is reported, never lost). */
int fuzz_seen_before(const char *sig, const char *case_path);

/* When set, fuzz_fail calls it instead of aborting, after writing the case. It must not
 * return (the replay driver's --keep-going jumps back to its loop); NULL by default. */
extern void (*fuzz_fail_continue)(void);

#endif /* SPIDX_FUZZ_HELPERS_H */
