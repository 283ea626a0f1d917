/* minimize.h - shape-aware shrinking of a failing case while the same disagreement
 * (first disagreeing implementation and field) persists. Deterministic. */
#ifndef SPIDX_MINIMIZE_H
#define SPIDX_MINIMIZE_H

#include <stddef.h>

#include "case_helpers.h"

/* The disagreement of case c among impls (the reference first): writes the first
 * disagreeing implementation's signature "IMPL:FIELD:CLASS" (case_mismatch_signature)
 * into sig, or "agree"; returns 1 when some implementation disagrees. */
int case_signature(const spidx_case *c, const spidx_impl *const *impls, size_t n, char *sig, size_t sig_size);

/* Shrinks *c in place (b, h, sk, regions, top-k length and values, offset, strides,
 * padding, types, fill) while case_signature stays the same; returns the number of
 * accepted steps. */
int case_minimize(spidx_case *c, const spidx_impl *const *impls, size_t n, FILE *log);

#endif /* SPIDX_MINIMIZE_H */
