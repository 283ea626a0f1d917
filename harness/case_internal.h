/* case_internal.h - state the case library shares between its files. Internal to
 * harness/. */
#ifndef SPIDX_CASE_INTERNAL_H
#define SPIDX_CASE_INTERNAL_H

#include "spidx_registry.h"

/* The implementation a guarded run is calling, NULL between calls: read by the crash
 * report (case_crash.c) from a signal handler. */
extern const spidx_impl *volatile case_running;

#endif /* SPIDX_CASE_INTERNAL_H */
