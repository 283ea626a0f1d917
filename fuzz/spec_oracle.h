/* spec_oracle.h - a second reading of ref/SPEC.md's status classes 1-3 (E_ARG, E_STRIDE,
 * E_TOO_LARGE), written from SPEC.md alone and apart from ref/spidx_check.c on purpose:
 * every implementation shares spidx_check, so only an independent classification can
 * see a bug in it. fuzz_ref asserts that both agree on every input. */
#ifndef SPIDX_SPEC_ORACLE_H
#define SPIDX_SPEC_ORACLE_H

#include <stddef.h>

#include "spidx.h"

/* The oracle's verdict: a status of classes 1-3 or SPIDX_OK, and the SPEC rule that
 * decided it ("E_STRIDE: list rows overlap", "OK: classes 1-3 pass"). */
typedef struct spec_verdict {
    spidx_status status;
    const char *rule;
} spec_verdict;

/* Classifies params p with the buffers flagged in null_mask (SPIDX_NULL_*) passed as NULL,
 * in exact 128-bit arithmetic. p may be NULL (E_ARG). Never fails. */
spec_verdict spec_classify(const spidx_params *p, unsigned null_mask);

/* Soundness of an accepted layout: each span of shape (spidx_check's) must equal SPEC.md's
 * formula, and, by brute force for each tensor of at most max_elements elements, every
 * element of every row (SPEC.md addressing: bi * sb + hi * sh + x) must lie in [0, span)
 * and be addressed once. Returns 1 when sound (or too large to enumerate), 0 with the
 * first violation in why. */
int spec_layout_sound(const spidx_params *p, const spidx_shape *shape, int64_t max_elements, char *why,
                      size_t why_size);

#endif /* SPIDX_SPEC_ORACLE_H */
