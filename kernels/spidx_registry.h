/* spidx_registry.h - the one list of every implementation of ref/SPEC.md behind one
 * host-side call shape, so tests, fuzzers and tools iterate over "all available
 * implementations": the reference, the CUDA kernels, the mutants of a mutant build, and
 * the implementations of plug-ins (plugins/spidx_plugin.h) loaded from SPIDX_PLUGINS or
 * a tool's --plugin PATH (kernels/plugin_loader.c). */
#ifndef SPIDX_REGISTRY_H
#define SPIDX_REGISTRY_H

#include <stddef.h>

#include "spidx.h"
#include "spidx_plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The call shape: spidx_ref_run's contract (SPEC status, detail may be NULL). */
typedef spidx_status (*spidx_run_fn)(const spidx_params *p, const int64_t *topk, void *list, void *weight,
                                     spidx_detail *detail);

typedef enum spidx_impl_kind { SPIDX_IMPL_CPU = 0, SPIDX_IMPL_GPU = 1 } spidx_impl_kind;

/* Ways to call a GPU implementation through its device entry point, as decoding loops
 * do (kernels/device_calls.cu): on a user stream; twice at once on two streams with
 * distinct buffers (the copies must agree); captured in a CUDA graph and replayed after
 * the top-k changed in place. */
typedef enum spidx_device_call {
    SPIDX_DEVICE_CALL_STREAM = 0,
    SPIDX_DEVICE_CALL_TWO_STREAMS = 1,
    SPIDX_DEVICE_CALL_GRAPH = 2
} spidx_device_call;

/* run()'s contract, the call made as `how` (spidx_device_call) says; SPIDX_E_ARG for an
 * unknown `how`, SPIDX_E_DEVICE when a CUDA call fails or two streams' copies disagree. */
typedef spidx_status (*spidx_run_call_fn)(int how, const spidx_params *p, const int64_t *topk, void *list,
                                          void *weight, spidx_detail *detail);

/* The most implementations spidx_impls returns: callers may size arrays with it. */
#define SPIDX_MAX_IMPLS 48

typedef struct spidx_impl {
    const char *name;        /* "ref", "fused", "baseline", or a mutant's name */
    spidx_impl_kind kind;
    int is_reference;        /* 1 for the implementation others are compared with */
    spidx_run_fn run;
    /* Returns 1 when run() can execute here; else 0 with the reason in why. */
    int (*available)(char *why, size_t why_size);
    /* 1: run only when SPIDX_IMPLS names it, never as part of "all" (the mutants of a
     * SPIDX_ENABLE_MUTANTS build, which are wrong on purpose). */
    int opt_in;
    /* NULL for implementations without a device entry point (the CPU ones and the
     * plug-ins): the harness then calls run() whatever the case's call mode. */
    spidx_run_call_fn run_call;
    /* What it supports: SPIDX_CAP_* bits of plugins/spidx_plugin.h (SPIDX_CAP_ALL for the
     * built-in ones). The harness runs it only on cases inside them (case_applies). */
    uint32_t caps;
    /* The plug-in file it came from, or NULL for a built-in implementation. */
    const char *plugin;
    /* A plug-in's own declaration (its run on its own memory, for the bench), or NULL. */
    const spidx_plugin_impl *plugin_impl;
} spidx_impl;

/* All registered implementations (at most SPIDX_MAX_IMPLS): the reference first, then the
 * other built-in ones, opt-in ones last among them, then those of loaded plug-ins in
 * load order; *count gets their number. Never NULL. The array only grows (plug-ins
 * append), so an entry's address and index stay valid. */
const spidx_impl *spidx_impls(size_t *count);

/* Loads the plug-ins that SPIDX_PLUGINS names (paths separated by ':'), once per
 * process: later calls return the first call's result. Returns 0, or -1 with the reason
 * in err (the file and what is wrong: cannot be opened, no entry point, wrong ABI
 * version, a declaration that makes no sense, init refused, too many implementations).
 * A plug-in that fails adds none of its implementations. */
int spidx_registry_load_env(char *err, size_t err_size);

/* Loads one plug-in file (a tool's --plugin PATH). Returns 0, or -1 with the reason in
 * err as spidx_registry_load_env does. Loading a file a second time is an error. */
int spidx_registry_load_plugin(const char *path, char *err, size_t err_size);

/* The implementation called name, or NULL when none is. */
const spidx_impl *spidx_impl_find(const char *name);

/* "cpu" or "gpu". */
const char *spidx_impl_kind_name(spidx_impl_kind kind);

#ifdef __cplusplus
}
#endif
#endif /* SPIDX_REGISTRY_H */
