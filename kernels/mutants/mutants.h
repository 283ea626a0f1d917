/* mutants.h - the mutants of the mutation-testing build (README.md beside this file): one
 * row per mutant, X(number, source copied, name, reach, the bug). reach says which inputs
 * can show the bug: fuzz (any layer, the fuzzer included), grid (more work items than 65,535
 * blocks hold: rows past 65,535 x 8, x 32 or x 256 by the rows kernel's grouping, or
 * chunks past 65,535; past the fuzz budget: test_gpu_grid) or large (more than 2^31 weight
 * elements: test_gpu_large only). CMake is the one reader of this text: it compiles each
 * copy and writes the table as mutants.json in the build tree for fuzz/mutation.py;
 * registry.c expands the rows as opt-in implementations. Numbers are stable: a report
 * names mutants by them. */
#ifndef SPIDX_MUTANTS_H
#define SPIDX_MUTANTS_H

#include "spidx.h"

#define SPIDX_MUTANT_LIST(X)                                                                                   \
    X(1, fused, "mut01-window-start-off-by-one", fuzz, "window list entries start at sk - W + 1")                     \
    X(2, fused, "mut02-init-offset-dropped", fuzz, "heavy entries lack + init_offset (list, marks and KEEP scatter)") \
    X(3, fused, "mut03-sink-not-clamped", fuzz, "the kernel uses sink instead of S = min(sink, sk)")                  \
    X(4, fused, "mut04-range-check-le", fuzz, "top-k range check t <= sk - init_offset instead of <")                 \
    X(5, fused, "mut05-negative-accepted", fuzz, "negative top-k values are not rejected")                            \
    X(6, fused, "mut06-strides-ignored", fuzz, "every tensor's rows assumed contiguous")                              \
    X(7, fused, "mut07-row-offset-int32", large, "the weight row offset is computed in 32 bits")                      \
    X(8, fused, "mut08-last-chunk-skipped", fuzz, "a row's last partial chunk is never written (chunks round down)")  \
    X(9, fused, "mut09-grid-65535", grid, "one work item per block or warp, grid capped at 65,535 blocks")            \
    X(10, fused, "mut10-no-barrier-before-write", fuzz, "no barrier between marking the bitmap and writing the row")  \
    X(11, baseline, "mut11-keep-float-rmw", fuzz, "KEEP mode passes every weight through float arithmetic")           \
    X(12, fused, "mut12-bf16-one-pattern", fuzz, "bfloat16 1.0 written as the float16 pattern 0x3C00")                \
    X(13, fused, "mut13-first-bad-last-writer", fuzz, "the invalid-entry report keeps the last writer, not the minimum") \
    X(14, fused, "mut14-vector-tail-skipped", fuzz, "the elements after the last 16-byte vector are not written")     \
    X(15, fused, "mut15-bitfield-one-word", fuzz, "a vector whose marks straddle two bitmap words reads only the first") \
    X(16, fused, "mut16-heavy-share-rounds-down", fuzz, "the heavy list is split over chunks rounding down")          \
    X(17, fused, "mut17-bitmap-cleared-once", fuzz, "the bitmap is cleared once per block or warp, not per work item") \
    X(18, fused, "mut18-keep-scatters-invalid", fuzz, "KEEP mode scatters invalid entries to weight[-1]")             \
    X(19, fused, "mut19-warps-share-bitmap", fuzz, "the warp kernel gives every warp of a block the same bitmap")     \
    X(20, fused, "mut20-warp-rows-past-bitmap", fuzz, "rows up to 2,080 weights go to the warp kernel (bitmap: 2,048 bits)") \
    X(21, fused, "mut21-keep-marks-past-chunk", fuzz, "KEEP mode's bitmap write also takes the window bits past the chunk end") \
    X(22, fused, "mut22-span-tail-skipped", fuzz, "row spans: the weights after the span's last 16-byte vector are not written") \
    X(23, fused, "mut23-span-no-barrier", fuzz, "row spans: no barrier between building the marks and writing the span")

/* Pair mutants: one copy of a source carrying two of the bugs above at once, P(number,
 * source, bug a, bug b, name), both bugs within reach of the fuzzer. fuzz/mutant_pairs.py
 * fuzzes each pair beside its two bugs alone, to see whether both bugs keep a failure
 * signature of their own or collapse into one (a campaign reports one failure per
 * signature). The pairs are chosen where a collapse is likely: the same field, with the
 * same kind of mismatch. Numbers from 101; CMake writes them to mutant_pairs.json. */
#define SPIDX_MUTANT_PAIR_LIST(P)                                                                              \
    P(101, fused, 1, 2, "pair101-mut01+mut02")   /* list entries: window vs heavy */                       \
    P(102, fused, 4, 5, "pair102-mut04+mut05")   /* status E_HEAVY_RANGE -> OK: past the end vs negative */ \
    P(103, fused, 8, 14, "pair103-mut08+mut14")  /* weights missing at a row's end: chunk vs vector tail */ \
    P(104, fused, 17, 19, "pair104-mut17+mut19") /* bitmap reuse: across work items vs across warps */      \
    P(105, fused, 3, 12, "pair105-mut03+mut12")  /* different fields: list (sink) vs weight bits (bf16) */

#ifdef __cplusplus
extern "C" {
#endif
#define SPIDX_MUTANT_PAIR_DECLARE(n, source, a, b, name) SPIDX_MUTANT_DECLARE(n, source, name, fuzz, "")
#define SPIDX_MUTANT_DECLARE(n, source, name, reach, bug)                                                             \
    spidx_status spidx_mutant_run_##n(const spidx_params *p, const int64_t *topk, void *list, void *weight,     \
                                      spidx_detail *detail);                                                   \
    spidx_status spidx_mutant_call_##n(int how, const spidx_params *p, const int64_t *topk, void *list,        \
                                       void *weight, spidx_detail *detail);
SPIDX_MUTANT_LIST(SPIDX_MUTANT_DECLARE)
SPIDX_MUTANT_PAIR_LIST(SPIDX_MUTANT_PAIR_DECLARE)
#undef SPIDX_MUTANT_PAIR_DECLARE
#undef SPIDX_MUTANT_DECLARE
#ifdef __cplusplus
}
#endif

#endif /* SPIDX_MUTANTS_H */
