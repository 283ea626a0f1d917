/* ref_mutants.h - mutants of the reference and of the shared validation, for mutation
 * testing of the layers that do not share them (fuzz/ref_mutation.py, README "Mutation
 * testing"). Every implementation calls spidx_check, so a bug in it is invisible to a
 * differential comparison: only the unit tests' hand-computed expectations and fuzz_ref's
 * independent oracle (fuzz/spec_oracle.c) can see one. A build configured with
 * -DSPIDX_REF_MUTANT=n carries bug n in ref/ for the whole process; 0, the default, is
 * the code as written. One row per mutant: X(number, "name", "the bug"); CMake is the one
 * reader of this text (ref/CMakeLists.txt writes ref_mutants.json for the script).
 * Numbers are stable: reports name mutants by them. */
#ifndef SPIDX_REF_MUTANTS_H
#define SPIDX_REF_MUTANTS_H

#define SPIDX_REF_MUTANT_LIST(X)                                                                               \
    X(1, "ref01-stride-outer-extent", "two-dimension stride rule multiplies the outer extent, not the inner")  \
    X(2, "ref02-inner-stride-short-by-one", "rows whose inner stride is L - 1 are taken as disjoint")          \
    X(3, "ref03-extent-one-stride-checked", "a dimension of extent 1 takes part in the stride rule")           \
    X(4, "ref04-span-bytes-unchecked", "a span whose size in bytes overflows int64 is accepted")               \
    X(5, "ref05-null-empty-topk-rejected", "a NULL top-k buffer is E_ARG even when heavy = 0")                 \
    X(6, "ref06-int32-sk-unchecked", "an int32 list with sk > INT32_MAX is accepted")                          \
    X(7, "ref07-negative-offset-accepted", "a negative init_offset is not E_ARG")                              \
    X(8, "ref08-sink-not-clamped", "S = sink instead of min(sink, sk)")                                        \
    X(9, "ref09-window-not-clamped", "W = window instead of min(window, sk)")                                  \
    X(10, "ref10-heavy-range-last-entry", "the E_HEAVY_RANGE detail names the last invalid entry")             \
    X(11, "ref11-keep-mode-zeroes", "KEEP mode clears the row as ZERO mode does")                              \
    X(12, "ref12-range-check-le", "top-k value t = sk - init_offset is taken as valid")                      \
    X(13, "ref13-effective-stride-of-two-batches", "the weight batch stride counts as 0 when b = 2")

#ifndef SPIDX_REF_MUTANT
#define SPIDX_REF_MUTANT 0
#endif

/* `bad` in a build carrying ref mutant n, `good` everywhere else (both always compile). */
#define SPIDX_REF_MUT(n, good, bad) (SPIDX_REF_MUTANT == (n) ? (bad) : (good))

#endif /* SPIDX_REF_MUTANTS_H */
