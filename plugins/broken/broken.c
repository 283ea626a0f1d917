/* broken.c - plug-ins broken on purpose, one per failure class a loader or a harness must
 * report: CMake compiles this file once per class with -DBROKEN_<CLASS>, each a copy of
 * plugins/examples/rowmark.c with one defect (the way kernels/mutants/ copies kernels).
 * tests/test_plugins.sh loads each and checks what spidx says.
 *   abi         declares ABI version 99
 *   no_entry    exports no spidx_plugin_entry
 *   null_entry  its entry point returns NULL
 *   nonsense    declares no mode
 *   init        its init refuses, with a reason
 *   past_row    correct, then writes one weight past the end of every row
 *   i32_crash   declares int32 lists, and crashes (SIGSEGV) on them
 *   bad_status  returns 42, which is no spidx_status */
#define ROWMARK_NO_ENTRY
#include "../examples/rowmark.c"

#include <signal.h>
#include <stdio.h>

#if defined(BROKEN_PAST_ROW)
static int broken_run(void *state, const spidx_params *p, const int64_t *topk, void *list, void *weight,
                      void *stream, spidx_detail *detail)
{
    const int st = rowmark_run(state, p, topk, list, weight, stream, detail);
    const size_t wsize = p->weight_type == SPIDX_WEIGHT_F32 ? 4 : 2;
    for (int64_t bi = 0; bi < p->b; bi++)
        for (int64_t hi = 0; hi < p->h; hi++) {
            const int64_t at = bi * (p->b > 1 ? p->weight_sb : 0) + hi * (p->h > 1 ? p->weight_sh : 0) + p->sk;
            memset((unsigned char *)weight + at * (int64_t)wsize, 0x7f, wsize);
        }
    return st;
}
#elif defined(BROKEN_I32_CRASH)
static int broken_run(void *state, const spidx_params *p, const int64_t *topk, void *list, void *weight,
                      void *stream, spidx_detail *detail)
{
    if (p->index_type == SPIDX_INDEX_I32) raise(SIGSEGV);
    return rowmark_run(state, p, topk, list, weight, stream, detail);
}
#elif defined(BROKEN_BAD_STATUS)
static int broken_run(void *state, const spidx_params *p, const int64_t *topk, void *list, void *weight,
                      void *stream, spidx_detail *detail)
{
    (void)rowmark_run(state, p, topk, list, weight, stream, detail);
    return 42;
}
#else
#define broken_run rowmark_run
#endif

#if defined(BROKEN_INIT)
static int refuse(char *why, size_t why_size)
{
    snprintf(why, why_size, "the licence file is missing");
    return 1;
}
#define INIT refuse
#else
#define INIT NULL
#endif

#if defined(BROKEN_NONSENSE)
static const spidx_plugin_impl k_impls[] = {
    {"broken", SPIDX_PLUGIN_HOST, SPIDX_CAP_INDEX_I64 | SPIDX_CAP_WEIGHT_F32, broken_run, NULL},
};
#else
static const spidx_plugin_impl k_impls[] = {
    {"broken", SPIDX_PLUGIN_HOST, SPIDX_CAP_ALL & ~(uint32_t)(SPIDX_CAP_VALIDATES | SPIDX_CAP_HEAVY_RANGE), broken_run, NULL},
};
#endif
#if defined(BROKEN_ABI)
static const spidx_plugin k_plugin = {99, 1, k_impls, INIT, NULL};
#else
static const spidx_plugin k_plugin = {SPIDX_PLUGIN_ABI_VERSION, 1, k_impls, INIT, NULL};
#endif

#if !defined(BROKEN_NO_ENTRY)
const spidx_plugin *spidx_plugin_entry(void);
const spidx_plugin *spidx_plugin_entry(void)
{
#if defined(BROKEN_NULL_ENTRY)
    return k_plugin.count == 0 ? &k_plugin : NULL; /* always NULL */
#else
    return &k_plugin;
#endif
}
#else
/* Something else, so the module is not empty. */
const spidx_plugin *spidx_plugin_entry_misspelt(void);
const spidx_plugin *spidx_plugin_entry_misspelt(void)
{
    return &k_plugin;
}
#endif
