/* registry.c - the table behind spidx_registry.h: the CPU reference and the two CUDA
 * implementations (which report themselves unavailable without a device), plus, in a
 * SPIDX_ENABLE_MUTANTS build, the opt-in mutants of kernels/mutants/mutants.h. */
#include <string.h>

#include "spidx_gpu.h"
#include "spidx_registry.h"
#ifdef SPIDX_WITH_MUTANTS
#include "mutants/mutants.h"
#define SPIDX_MUTANT_ENTRY(n, source, name, reach, bug) {name, SPIDX_IMPL_GPU, 0, spidx_mutant_run_##n, spidx_gpu_available, 1, spidx_mutant_call_##n},
#endif

static int cpu_available(char *why, size_t why_size)
{
    if (why && why_size) why[0] = 0;
    return 1;
}

static const spidx_impl k_impls[] = {
    {"ref", SPIDX_IMPL_CPU, 1, spidx_ref_run, cpu_available, 0, NULL},
    {"fused", SPIDX_IMPL_GPU, 0, spidx_fused_run, spidx_gpu_available, 0, spidx_fused_run_call},
    {"baseline", SPIDX_IMPL_GPU, 0, spidx_baseline_run, spidx_gpu_available, 0, spidx_baseline_run_call},
#ifdef SPIDX_WITH_MUTANTS
    SPIDX_MUTANT_LIST(SPIDX_MUTANT_ENTRY)
#endif
};
_Static_assert(sizeof k_impls / sizeof k_impls[0] <= SPIDX_MAX_IMPLS, "raise SPIDX_MAX_IMPLS");

const spidx_impl *spidx_impls(size_t *count)
{
    if (count) *count = sizeof k_impls / sizeof k_impls[0];
    return k_impls;
}

const spidx_impl *spidx_impl_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof k_impls / sizeof k_impls[0]; i++)
        if (strcmp(k_impls[i].name, name) == 0) return &k_impls[i];
    return NULL;
}

const char *spidx_impl_kind_name(spidx_impl_kind kind)
{
    return kind == SPIDX_IMPL_GPU ? "gpu" : "cpu";
}
