/* mutation.h - mutation points for mutation testing (kernels/mutants/README.md). In every
 * ordinary build SPIDX_MUTANT is 0: SPIDX_MUT(n, good, bad) is `good` and
 * SPIDX_MUTANT_IS(n) is false, so the kernels compile exactly as written. A mutant build
 * compiles fused.cu or baseline.cu once more per mutant with -DSPIDX_MUTANT=n; that copy
 * carries bug n alone and exports spidx_mutant_run_<n> and spidx_mutant_call_<n> instead of
 * the usual entry points; a pair mutant's copy carries two bugs (below). */
#ifndef SPIDX_MUTATION_H
#define SPIDX_MUTATION_H

#ifndef SPIDX_MUTANT
#define SPIDX_MUTANT 0
#endif
/* A pair mutant's copy (mutants.h's pair rows) carries a second bug, SPIDX_MUTANT_B, and
 * its entry points carry the pair's own number, SPIDX_MUTANT_ID; 0 and SPIDX_MUTANT
 * otherwise. Mutant numbers start at 1, so a 0 never selects a bug. */
#ifndef SPIDX_MUTANT_B
#define SPIDX_MUTANT_B 0
#endif
#ifndef SPIDX_MUTANT_ID
#define SPIDX_MUTANT_ID SPIDX_MUTANT
#endif

/* `bad` in the copy built with bug n, `good` everywhere else (both always compile). */
#define SPIDX_MUT(n, good, bad) ((SPIDX_MUTANT == (n) || SPIDX_MUTANT_B == (n)) ? (bad) : (good))
/* True only in the copy built with bug n: for bugs that drop or add a statement. */
#define SPIDX_MUTANT_IS(n) (SPIDX_MUTANT == (n) || SPIDX_MUTANT_B == (n))

/* The entry point of mutant n's copy: spidx_mutant_run_<n>. */
#define SPIDX_MUTANT_RUN_NAME(n) SPIDX_MUTANT_RUN_NAME_(n)
#define SPIDX_MUTANT_RUN_NAME_(n) spidx_mutant_run_##n
/* Its run_call (kernels/spidx_registry.h): spidx_mutant_call_<n>. */
#define SPIDX_MUTANT_CALL_NAME(n) SPIDX_MUTANT_CALL_NAME_(n)
#define SPIDX_MUTANT_CALL_NAME_(n) spidx_mutant_call_##n

#endif /* SPIDX_MUTATION_H */
