/* fuzz_diff.c - differential fuzz target: every available implementation against the
 * reference, bit for bit (status, detail, list, weights, padding, guard canaries, the
 * top-k buffer). Without a GPU it compares the CPU implementations and says so once.
 * Run: build/fuzz/fuzz/fuzz_diff corpus/seed   (replay without libFuzzer: fuzz_diff_replay). */
#define _POSIX_C_SOURCE 200809L /* fmemopen */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_io.h"
#include "coverage.h"
#include "fuzz_helpers.h"
#include "spidx_gpu.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_setup("fuzz_diff", argc ? *argc : 0, argv ? *argv : NULL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    spidx_case c;
    if (case_decode(data, size, &c) != 0) return -1; /* .case text that does not parse within the budget */
    fuzz_check_case(&c, data, size);
    case_free(&c);
    return 0;
}

/* A failure whose signature the campaign has met before (fuzz_seen_before), in a process
 * that can go on. Two kinds are always reported, and the job restarts: a write outside the
 * buffers (a changed guard canary: memory past the guards may be damaged too, and a
 * process that went on crashed or hung), and a sticky CUDA error (every later call of the
 * process would fail). */
static int seen_and_recoverable(const spidx_case *c, const uint8_t *data, size_t size, const spidx_impl *impl,
                                const spidx_outcome *want, const spidx_outcome *got, const char *field)
{
    if (!got->guards_intact || !got->first_guards_intact || (field && strcmp(field, "guard") == 0)) return 0;
    if ((got->status == SPIDX_E_DEVICE || got->first_status == SPIDX_E_DEVICE) && !spidx_gpu_context_ok(NULL, 0))
        return 0;
    char sig[SPIDX_SIGNATURE_MAX], case_path[600];
    if (got->status == SPIDX_E_DEVICE && want->status != SPIDX_E_DEVICE && !field) field = "status";
    case_mismatch_signature(c, impl->name, want, got, field, sig, sizeof sig);
    fuzz_case_path(data, size, case_path, sizeof case_path);
    return fuzz_seen_before(sig, case_path);
}

/* Counts c's categories for an implementation that ran on it. */
static void record_ran(const spidx_impl *impl, const uint8_t *hit)
{
    if (impl->run_call) {
        coverage_record(fuzz_impl_index(impl), hit);
        return;
    }
    /* called through run() in every mode: the device call modes are not its */
    uint8_t own[COV_COUNT], device_modes[COV_COUNT] = {0};
    memcpy(own, hit, sizeof own);
    const int modes[] = {COV_call_stream, COV_call_two_streams, COV_call_graph};
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        device_modes[modes[m]] = own[modes[m]];
        own[modes[m]] = 0;
    }
    coverage_record(fuzz_impl_index(impl), own);
    coverage_record_na_categories(fuzz_impl_index(impl), device_modes);
}

void fuzz_check_case(const spidx_case *c, const uint8_t *data, size_t size)
{
    fuzz_setup("fuzz_diff", 0, NULL);
    const spidx_impl *ref = spidx_impl_find("ref");
    spidx_outcome want;
    case_run(ref, c, &want);
    uint8_t hit[COV_COUNT];
    coverage_classify(c, want.status, hit);

    size_t n;
    const spidx_impl *const *impls = fuzz_impls(&n);
    for (size_t i = 0; i < n; i++) {
        spidx_outcome got;
        if (impls[i] == ref) {
            coverage_record(fuzz_impl_index(ref), hit);
            continue;
        }
        if (!case_applies(impls[i], c, want.status, NULL, 0)) {
            coverage_record_na(fuzz_impl_index(impls[i]), hit);
            continue;
        }
        case_run(impls[i], c, &got);
        char report[4096];
        FILE *mem = fmemopen(report, sizeof report, "w");
        SPIDX_ASSERT(mem != NULL);
        fprintf(mem, "ref vs %s:\n", impls[i]->name);
        const char *field = NULL;
        const long bad = case_compare(c, "ref", &want, impls[i]->name, &got, mem, 10, &field);
        if (bad > 10) fprintf(mem, "  ... %ld mismatches in all\n", bad);
        fclose(mem);
        /* A device failure of the first call (call = twice, after_larger) is the one to name:
         * the checked call only inherits it. */
        const int first = got.first_status == SPIDX_E_DEVICE;
        if ((bad || got.status == SPIDX_E_DEVICE || first) &&
            seen_and_recoverable(c, data, size, impls[i], &want, &got, field)) {
            record_ran(impls[i], hit); /* it ran; the repeat is counted in the seen folder */
            outcome_free(&got);
            continue;
        }
        if (got.status == SPIDX_E_DEVICE || first) {
            /* Under MPS (the campaign says so) a fatal fault of any client on this GPU
             * reaches every client, so a dead context may be another process's doing. */
            const char *mps = getenv("SPIDX_FUZZ_UNDER_MPS");
            const int elsewhere = mps && !strcmp(mps, "1") && !spidx_gpu_context_ok(NULL, 0);
            char msg[512];
            snprintf(msg, sizeof msg, "%s failed%s%s%s (SPIDX_E_DEVICE): %s%s", impls[i]->name,
                     first ? " in its first call (call = " : "", first ? spidx_call_name(c->call) : "", first ? ")" : "",
                     first ? got.first_detail.message : got.detail.message,
                     elsewhere ? " [under MPS: the fault may be another client's; re-run alone to tell]" : "");
            fuzz_fail(c, data, size, msg);
        }
        if (bad) fuzz_fail(c, data, size, report);
        record_ran(impls[i], hit);
        outcome_free(&got);
    }
    outcome_free(&want);
}
