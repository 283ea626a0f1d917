/* gpu_unavailable.c - the CUDA entry points for a build without the CUDA toolkit (and
 * the guarded staging of CUDA plug-ins): they validate like every implementation, then
 * report SPIDX_E_UNAVAILABLE. */
#include <stdio.h>

#include "registry_internal.h"
#include "spidx_gpu.h"

static const char k_why[] = "built without CUDA (no CUDA toolkit at configure time)";

int spidx_gpu_available(char *why, size_t why_size)
{
    if (why && why_size) snprintf(why, why_size, "%s", k_why);
    return 0;
}

static spidx_status unavailable(const char *impl, const spidx_params *p, const int64_t *topk, void *list,
                                void *weight, spidx_detail *detail)
{
    spidx_status st = spidx_check(p, topk, list, weight, NULL, detail);
    if (st != SPIDX_OK) return st;
    if (detail) snprintf(detail->message, sizeof detail->message, "%s: %s", impl, k_why);
    return SPIDX_E_UNAVAILABLE;
}

spidx_status spidx_fused_run(const spidx_params *p, const int64_t *topk, void *list, void *weight,
                             spidx_detail *detail)
{
    return unavailable("fused", p, topk, list, weight, detail);
}

spidx_status spidx_baseline_run(const spidx_params *p, const int64_t *topk, void *list, void *weight,
                                spidx_detail *detail)
{
    return unavailable("baseline", p, topk, list, weight, detail);
}

spidx_status spidx_fused_run_call(int how, const spidx_params *p, const int64_t *topk, void *list, void *weight,
                                  spidx_detail *detail)
{
    (void)how;
    return unavailable("fused", p, topk, list, weight, detail);
}

spidx_status spidx_baseline_run_call(int how, const spidx_params *p, const int64_t *topk, void *list, void *weight,
                                     spidx_detail *detail)
{
    (void)how;
    return unavailable("baseline", p, topk, list, weight, detail);
}

int spidx_gpu_context_ok(char *why, size_t why_size)
{
    if (why && why_size) why[0] = '\0';
    return 1;
}

void spidx_gpu_release(void) {}

const char *spidx_fused_path_name(const spidx_params *p)
{
    (void)p;
    return NULL;
}

spidx_status plugin_cuda_call(const char *name, spidx_plugin_run_fn run, void *state, const spidx_params *p,
                              const int64_t *topk, void *list, void *weight, spidx_detail *detail)
{
    (void)run, (void)state, (void)p, (void)topk, (void)list, (void)weight;
    snprintf(detail->message, sizeof detail->message, "%s: %s", name, k_why);
    return SPIDX_E_UNAVAILABLE;
}
