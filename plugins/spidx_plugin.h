/* spidx_plugin.h - the plug-in ABI: how a shared library offers one or more
 * implementations of ref/SPEC.md to every layer of spidx (tests, replays, fuzz targets,
 * spidx_repro, campaigns, the gate, the bench) without editing spidx. Load with
 * SPIDX_PLUGINS=a.so:b.so (or a tool's --plugin PATH); select by name with SPIDX_IMPLS.
 * README "Testing your own kernel" has a complete example. Plain C; include ref/spidx.h
 * for the params, status and detail types. */
#ifndef SPIDX_PLUGIN_H
#define SPIDX_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "spidx.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Raised on any change to the structs or rules below; a plug-in built for another
 * version is refused with both numbers named. */
#define SPIDX_PLUGIN_ABI_VERSION 1

/* The symbol a plug-in exports: spidx_plugin_entry, of type spidx_plugin_entry_fn. */
#define SPIDX_PLUGIN_ENTRY_SYMBOL "spidx_plugin_entry"

/* Where an implementation's buffers live. */
typedef enum spidx_plugin_memory {
    SPIDX_PLUGIN_HOST = 0, /* host memory: spidx passes its guarded host buffers */
    SPIDX_PLUGIN_CUDA = 1  /* CUDA device memory of the current device, staged by spidx */
} spidx_plugin_memory;

/* What an implementation supports (bits of spidx_plugin_impl.caps). A case outside them
 * is not run on it: spidx counts it as "not applicable", never as a pass. At least one
 * index type, one weight type and one mode must be declared. */
enum {
    SPIDX_CAP_INDEX_I64 = 1u << 0,
    SPIDX_CAP_INDEX_I32 = 1u << 1,
    SPIDX_CAP_WEIGHT_F32 = 1u << 2,
    SPIDX_CAP_WEIGHT_F16 = 1u << 3,
    SPIDX_CAP_WEIGHT_BF16 = 1u << 4,
    SPIDX_CAP_MODE_ZERO = 1u << 5,
    SPIDX_CAP_MODE_KEEP = 1u << 6,
    /* Rows further apart than contiguous (padding between rows or between batches). */
    SPIDX_CAP_PADDED = 1u << 7,
    /* A batch stride smaller than the head stride (heads outermost in memory). */
    SPIDX_CAP_PERMUTED = 1u << 8,
    /* It validates calls as SPEC statuses 1-3 say (SPIDX_E_ARG, _STRIDE, _TOO_LARGE),
     * writing nothing. Without this bit it is not run on such calls. */
    SPIDX_CAP_VALIDATES = 1u << 9,
    /* It handles invalid top-k values as SPEC status 4 says: SPIDX_E_HEAVY_RANGE, the
     * detail of the first one, outputs written for the valid entries. Without this bit it
     * is not run on calls with an invalid top-k value. */
    SPIDX_CAP_HEAVY_RANGE = 1u << 10,
    SPIDX_CAP_ALL = (1u << 11) - 1
};

/* One call. state is the implementation's own pointer (spidx_plugin_impl.state). Buffers
 * are laid out by p's strides, in the memory the implementation declared; topk, list or
 * weight is NULL only where the call's tensor is empty (a validating implementation
 * may also see the NULLs of an invalid call). stream: a cudaStream_t for CUDA
 * implementations (the work may be queued on it: spidx synchronizes it after the call),
 * NULL for host ones. detail may be NULL; when not, it arrives zeroed with bi = hi = j
 * = -1. Returns a spidx_status; a value outside the enum is reported as such. */
typedef int (*spidx_plugin_run_fn)(void *state, const spidx_params *p, const int64_t *topk, void *list,
                                   void *weight, void *stream, spidx_detail *detail);

typedef struct spidx_plugin_impl {
    const char *name;    /* 1-40 characters of [a-z0-9_-], unique among all implementations */
    uint32_t memory;     /* spidx_plugin_memory */
    uint32_t caps;       /* SPIDX_CAP_* bits */
    spidx_plugin_run_fn run;
    void *state;         /* passed to run unchanged */
} spidx_plugin_impl;

typedef struct spidx_plugin {
    uint32_t abi_version; /* SPIDX_PLUGIN_ABI_VERSION */
    uint32_t count;       /* entries of impls, 1 to 16 */
    const spidx_plugin_impl *impls;
    /* Optional (NULL: none). init runs once, before the first call of any of impls;
     * it returns 0, or non-zero with the reason in why (why_size bytes), and the
     * plug-in is then refused. finalize runs at process exit after a successful init. */
    int (*init)(char *why, size_t why_size);
    void (*finalize)(void);
} spidx_plugin;

/* The entry point: returns the plug-in's description, which must stay valid until the
 * process exits; NULL refuses loading (the plug-in should print why). Called once.
 * Declared here inside extern "C", so a plug-in compiled as C++ (nvcc) exports the
 * unmangled name. */
typedef const spidx_plugin *(*spidx_plugin_entry_fn)(void);
const spidx_plugin *spidx_plugin_entry(void);

#ifdef __cplusplus
}
#endif
#endif /* SPIDX_PLUGIN_H */
