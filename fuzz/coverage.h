/* coverage.h - semantic coverage: which categories of the case space (ref/SPEC.md's
 * regions, overlaps, statuses, types, layouts, sizes) each input exercised, counted
 * per implementation, printed at exit, written as JSON (SPIDX_COVERAGE_JSON=path, "%p" in it becomes the pid),
 * and, in libFuzzer builds, fed to libFuzzer as extra features. */
#ifndef SPIDX_COVERAGE_H
#define SPIDX_COVERAGE_H

#include <stdint.h>

#include "case_helpers.h"

#define SPIDX_COVERAGE_CATEGORIES(X)                                                                         \
    X(sink_empty) X(heavy_empty) X(window_empty) X(all_regions_empty) X(sk_zero) X(rows_zero)                 \
    X(sink_window_overlap) X(heavy_in_sink) X(heavy_in_window) X(heavy_duplicates) X(list_longer_than_sk)    \
    X(init_offset_past_sk) X(status_ok) X(e_arg) X(e_stride) X(e_too_large) X(e_heavy_range)                  \
    X(invalid_negative) X(invalid_past_end) X(invalid_int64_extreme) X(index_int64) X(index_int32)           \
    X(weight_float32) X(weight_float16) X(weight_bfloat16) X(mode_zero) X(mode_keep) X(padded_strides)        \
    X(permuted_strides) X(many_rows) X(multi_block_row) X(null_buffer) X(fill_nan) X(fill_negzero) X(fill_one) \
    X(rows_beyond_one_wave) X(multi_chunk_row) X(call_twice) X(call_after_larger) \
    X(call_stream) X(call_two_streams) X(call_graph)

#define SPIDX_COV_ENUM(name) COV_##name,
typedef enum { SPIDX_COVERAGE_CATEGORIES(SPIDX_COV_ENUM) COV_COUNT } spidx_coverage_category;
#undef SPIDX_COV_ENUM

/* Name of a category ("heavy_in_sink"). */
const char *coverage_name(int category);

/* Sets hit[k] = 1 for every category the case exercises; status is the reference's. */
void coverage_classify(const spidx_case *c, spidx_status status, uint8_t hit[COV_COUNT]);

/* Counts the input's categories for implementation impl_index (registry order). */
void coverage_record(int impl_index, const uint8_t hit[COV_COUNT]);

/* Counts an input that impl_index was not run on because the case lies outside what it
 * declares (case_applies): shown as "not applicable", never as covered. */
void coverage_record_na(int impl_index, const uint8_t hit[COV_COUNT]);

/* Inputs recorded for impl_index so far: run on it, or not applicable to it. */
unsigned long long coverage_inputs(int impl_index);
unsigned long long coverage_na_inputs(int impl_index);

/* Counts categories that impl_index cannot exercise whatever the input (the device call
 * modes, for an implementation without a device entry point) as not applicable, without
 * counting an input. */
void coverage_record_na_categories(int impl_index, const uint8_t hit[COV_COUNT]);

/* Prints the per-implementation table to stderr and writes JSON to $SPIDX_COVERAGE_JSON
 * when set. Registered with atexit by coverage_install; also callable directly. */
void coverage_report(void);
void coverage_install(const char *target_name);

#endif /* SPIDX_COVERAGE_H */
