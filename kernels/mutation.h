/* mutation.h - mutation points for mutation testing (kernels/mutants/README.md). In every
 * ordinary build SPIDX_MUTANT is 0: SPIDX_MUT(n, good, bad) is `good` and
 * SPIDX_MUTANT_IS(n) is false, so the kernels compile exactly as written. A mutant build
 * compiles fused.cu or baseline.cu once more per mutant with -DSPIDX_MUTANT=n; that copy
 * carries bug n alone and exports spidx_mutant_run_<n> and spidx_mutant_call_<n> instead of
 * the usual entry points. */
#ifndef SPIDX_MUTATION_H
#define SPIDX_MUTATION_H

#ifndef SPIDX_MUTANT
#define SPIDX_MUTANT 0
#endif

/* `bad` in the copy built as mutant n, `good` everywhere else (both always compile). */
#define SPIDX_MUT(n, good, bad) (SPIDX_MUTANT == (n) ? (bad) : (good))
/* True only in the copy built as mutant n: for bugs that drop or add a statement. */
#define SPIDX_MUTANT_IS(n) (SPIDX_MUTANT == (n))

/* The entry point of mutant n's copy: spidx_mutant_run_<n>. */
#define SPIDX_MUTANT_RUN_NAME(n) SPIDX_MUTANT_RUN_NAME_(n)
#define SPIDX_MUTANT_RUN_NAME_(n) spidx_mutant_run_##n
/* Its run_call (kernels/spidx_registry.h): spidx_mutant_call_<n>. */
#define SPIDX_MUTANT_CALL_NAME(n) SPIDX_MUTANT_CALL_NAME_(n)
#define SPIDX_MUTANT_CALL_NAME_(n) spidx_mutant_call_##n

#endif /* SPIDX_MUTATION_H */
