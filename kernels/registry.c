/* registry.c - the table behind spidx_registry.h: the CPU reference and the two CUDA
 * implementations (which report themselves unavailable without a device), plus, in a
 * SPIDX_ENABLE_MUTANTS build, the opt-in mutants (and pair mutants) of kernels/mutants/mutants.h; plug-ins
 * append theirs through registry_append (kernels/plugin_loader.c). */
#include <string.h>

#include "registry_internal.h"
#include "spidx_gpu.h"
#include "spidx_plugin.h"
#ifdef SPIDX_WITH_MUTANTS
#include "mutants/mutants.h"
#define SPIDX_MUTANT_ENTRY(n, source, label, reach, bug)                                                       \
    {.name = label, .kind = SPIDX_IMPL_GPU, .run = spidx_mutant_run_##n, .available = spidx_gpu_available,       \
     .opt_in = 1, .run_call = spidx_mutant_call_##n, .caps = SPIDX_CAP_ALL},
#define SPIDX_MUTANT_PAIR_ENTRY(n, source, a, b, label) SPIDX_MUTANT_ENTRY(n, source, label, fuzz, "")
#endif

static int cpu_available(char *why, size_t why_size)
{
    if (why && why_size) why[0] = 0;
    return 1;
}

static const spidx_impl k_builtin[] = {
    {.name = "ref", .kind = SPIDX_IMPL_CPU, .is_reference = 1, .run = spidx_ref_run, .available = cpu_available,
     .caps = SPIDX_CAP_ALL},
    {.name = "fused", .kind = SPIDX_IMPL_GPU, .run = spidx_fused_run, .available = spidx_gpu_available,
     .run_call = spidx_fused_run_call, .caps = SPIDX_CAP_ALL},
    {.name = "baseline", .kind = SPIDX_IMPL_GPU, .run = spidx_baseline_run, .available = spidx_gpu_available,
     .run_call = spidx_baseline_run_call, .caps = SPIDX_CAP_ALL},
#ifdef SPIDX_WITH_MUTANTS
    SPIDX_MUTANT_LIST(SPIDX_MUTANT_ENTRY)
    SPIDX_MUTANT_PAIR_LIST(SPIDX_MUTANT_PAIR_ENTRY)
#endif
};
_Static_assert(sizeof k_builtin / sizeof k_builtin[0] <= SPIDX_MAX_IMPLS, "raise SPIDX_MAX_IMPLS");

/* Built-in entries first, copied on first use; plug-ins append. Never shrinks. */
static spidx_impl g_all[SPIDX_MAX_IMPLS];
static size_t g_count;

static void ensure_builtins(void)
{
    if (g_count) return;
    memcpy(g_all, k_builtin, sizeof k_builtin);
    g_count = sizeof k_builtin / sizeof k_builtin[0];
}

const spidx_impl *spidx_impls(size_t *count)
{
    ensure_builtins();
    if (count) *count = g_count;
    return g_all;
}

const spidx_impl *spidx_impl_find(const char *name)
{
    ensure_builtins();
    for (size_t i = 0; name && i < g_count; i++)
        if (strcmp(g_all[i].name, name) == 0) return &g_all[i];
    return NULL;
}

size_t registry_room(void)
{
    ensure_builtins();
    return SPIDX_MAX_IMPLS - g_count;
}

int registry_append(const spidx_impl *impl)
{
    ensure_builtins();
    if (g_count == SPIDX_MAX_IMPLS) return -1;
    g_all[g_count++] = *impl;
    return 0;
}

const char *spidx_impl_kind_name(spidx_impl_kind kind)
{
    return kind == SPIDX_IMPL_GPU ? "gpu" : "cpu";
}
