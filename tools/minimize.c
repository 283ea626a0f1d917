/* minimize.c - greedy, deterministic case shrinking (see minimize.h): each round tries
 * candidates from the largest reduction to the smallest and keeps the first one that
 * shows the same disagreement, until a round keeps none. */
#include "minimize.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

int case_signature(const spidx_case *c, const spidx_impl *const *impls, size_t n, char *sig, size_t sig_size)
{
    const spidx_impl *ref = spidx_impl_find("ref");
    spidx_outcome want;
    case_run(ref, c, &want);
    snprintf(sig, sig_size, "agree");
    int differ = 0;
    for (size_t i = 0; i < n && !differ; i++) {
        if (impls[i] == ref || !case_applies(impls[i], c, want.status, NULL, 0)) continue;
        spidx_outcome got;
        case_run(impls[i], c, &got);
        const char *field = NULL;
        if (case_compare(c, "ref", &want, impls[i]->name, &got, NULL, 0, &field) > 0) {
            case_mismatch_signature(c, impls[i]->name, &want, &got, field, sig, sig_size);
            differ = 1;
        }
        outcome_free(&got);
    }
    outcome_free(&want);
    return differ;
}

/* A copy of src with params np: same fill, seed and NULL buffers; top-k (bi, hi, k)
 * taken from src (bi, hi, kmap[k]) (kmap NULL: k), value mapped through vmap when set. */
static int reshape(const spidx_case *src, const spidx_params *np, const int64_t *kmap, int64_t vk, int64_t vvalue,
                   spidx_case *dst)
{
    static int64_t dummy;
    if (spidx_check(np, &dummy, &dummy, &dummy, NULL, NULL) != SPIDX_OK && src->check == SPIDX_OK) return 0;
    case_init_fill(dst, np, src->fill, src->fill_seed);
    dst->null_mask = src->null_mask;
    dst->call = src->call;
    if (dst->check != SPIDX_OK) return 1;
    for (int64_t bi = 0; bi < np->b && dst->shape.rows > 0; bi++)
        for (int64_t hi = 0; hi < np->h; hi++)
            for (int64_t k = 0; k < np->heavy; k++) {
                int64_t v = case_get_topk(src, bi, hi, kmap ? kmap[k] : k);
                if ((bi * np->h + hi) * np->heavy + k == vk) v = vvalue;
                case_set_topk(dst, bi, hi, k, v);
            }
    return 1;
}

/* p's sizes with contiguous [b][h][L] strides (case_contiguous_params' layout). */
static void contiguous(spidx_params *p)
{
    const spidx_params q = case_contiguous_params(p->b, p->h, p->sk, p->sink, p->heavy, p->window, p->init_offset);
    p->topk_sb = q.topk_sb;
    p->topk_sh = q.topk_sh;
    p->list_sb = q.list_sb;
    p->list_sh = q.list_sh;
    p->weight_sb = q.weight_sb;
    p->weight_sh = q.weight_sh;
}

/* Tries one candidate; on the same signature it replaces *c. */
static int try_candidate(spidx_case *c, const spidx_params *np, const int64_t *kmap, int64_t vk, int64_t vvalue,
                         int fill, const char *sig, const spidx_impl *const *impls, size_t n)
{
    spidx_case cand;
    spidx_case src = *c; /* shares c's buffers; reshape only reads them */
    if (fill >= 0) {
        src.fill = fill;
        src.fill_seed = 0;
    }
    if (!reshape(&src, np, kmap, vk, vvalue, &cand)) return 0;
    char got[SPIDX_SIGNATURE_MAX];
    case_signature(&cand, impls, n, got, sizeof got);
    if (strcmp(got, sig) != 0) {
        case_free(&cand);
        return 0;
    }
    case_free(c);
    *c = cand;
    return 1;
}

int case_minimize(spidx_case *c, const spidx_impl *const *impls, size_t n, FILE *log)
{
    char sig[SPIDX_SIGNATURE_MAX];
    if (!case_signature(c, impls, n, sig, sizeof sig)) return 0;
    int steps = 0;
    for (int progress = 1; progress && steps < 10000;) {
        progress = 0;
        const spidx_params p = c->p;
        /* Sizes: to the smallest first, then halves, then one less. */
        const size_t off_b = offsetof(spidx_params, b), off_h = offsetof(spidx_params, h),
                     off_sk = offsetof(spidx_params, sk), off_sink = offsetof(spidx_params, sink),
                     off_window = offsetof(spidx_params, window), off_off = offsetof(spidx_params, init_offset);
        const size_t offs[] = {off_b, off_h, off_sk, off_sink, off_window, off_off};
        const int64_t floor_of[] = {1, 1, 0, 0, 0, 0};
        for (size_t f = 0; f < 6 && !progress; f++) {
            const int64_t cur = *(const int64_t *)((const char *)&p + offs[f]);
            const int64_t lo = cur > floor_of[f] ? floor_of[f] : cur;
            const int64_t tries[] = {lo, cur / 2, cur - 1};
            for (int t = 0; t < 3 && !progress; t++) {
                if (tries[t] >= cur || tries[t] < lo) continue;
                spidx_params np = p;
                *(int64_t *)((char *)&np + offs[f]) = tries[t];
                progress = try_candidate(c, &np, NULL, -1, 0, -1, sig, impls, n);
            }
        }
        /* Top-k columns: keep a prefix, a suffix, or drop one column. */
        if (!progress && c->check == SPIDX_OK && p.heavy > 0) {
            int64_t *kmap = malloc((size_t)p.heavy * sizeof *kmap);
            SPIDX_ASSERT(kmap != NULL);
            const int64_t keep[] = {0, p.heavy / 2, p.heavy - 1};
            for (int t = 0; t < 3 && !progress; t++) {
                spidx_params np = p;
                np.heavy = keep[t];
                for (int64_t k = 0; k < np.heavy; k++) kmap[k] = k; /* prefix */
                progress = try_candidate(c, &np, kmap, -1, 0, -1, sig, impls, n);
                if (!progress && keep[t] > 0) {
                    for (int64_t k = 0; k < np.heavy; k++) kmap[k] = p.heavy - np.heavy + k; /* suffix */
                    progress = try_candidate(c, &np, kmap, -1, 0, -1, sig, impls, n);
                }
            }
            for (int64_t drop = 0; drop < p.heavy && drop < 64 && !progress; drop++) {
                spidx_params np = p;
                np.heavy = p.heavy - 1;
                for (int64_t k = 0; k < np.heavy; k++) kmap[k] = k < drop ? k : k + 1;
                progress = try_candidate(c, &np, kmap, -1, 0, -1, sig, impls, n);
            }
            free(kmap);
        }
        /* Layout and types: contiguous rows, int64 list, float32 weights, ZERO mode, zero fill. */
        if (!progress) {
            spidx_params np = p;
            contiguous(&np);
            const int same = np.topk_sb == p.topk_sb && np.topk_sh == p.topk_sh && np.list_sb == p.list_sb &&
                             np.list_sh == p.list_sh && np.weight_sb == p.weight_sb && np.weight_sh == p.weight_sh;
            if (!same) progress = try_candidate(c, &np, NULL, -1, 0, -1, sig, impls, n);
        }
        const int32_t simple[3] = {SPIDX_INDEX_I64, SPIDX_WEIGHT_F32, SPIDX_MODE_ZERO};
        const size_t toffs[3] = {offsetof(spidx_params, index_type), offsetof(spidx_params, weight_type),
                                 offsetof(spidx_params, mode)};
        for (int t = 0; t < 3 && !progress; t++) {
            spidx_params np = p;
            if (*(int32_t *)((char *)&np + toffs[t]) == simple[t]) continue;
            *(int32_t *)((char *)&np + toffs[t]) = simple[t];
            progress = try_candidate(c, &np, NULL, -1, 0, -1, sig, impls, n);
        }
        if (!progress && (c->fill != SPIDX_FILL_ZERO || c->fill_seed != 0))
            progress = try_candidate(c, &p, NULL, -1, 0, SPIDX_FILL_ZERO, sig, impls, n);
        if (!progress && c->call != SPIDX_CALL_ONCE) { /* a single call, when it still disagrees */
            const int was = c->call;
            char got[SPIDX_SIGNATURE_MAX];
            c->call = SPIDX_CALL_ONCE;
            case_signature(c, impls, n, got, sizeof got);
            progress = strcmp(got, sig) == 0;
            if (!progress) c->call = was;
        }
        /* Top-k values toward 0 (the first 64 entries). */
        const int64_t nvals = c->check == SPIDX_OK ? c->shape.rows * p.heavy : 0;
        for (int64_t i = 0; i < nvals && i < 64 && !progress; i++) {
            const int64_t bi = i / p.heavy / p.h, hi = i / p.heavy % p.h, k = i % p.heavy;
            const int64_t v = case_get_topk(c, bi, hi, k);
            const int64_t tries[] = {0, v / 2, v > 0 ? v - 1 : v + 1};
            for (int t = 0; t < 3 && !progress; t++)
                if (tries[t] != v && (tries[t] < 0 ? -(tries[t] + 1) : tries[t]) < (v < 0 ? -(v + 1) : v))
                    progress = try_candidate(c, &p, NULL, i, tries[t], -1, sig, impls, n);
        }
        steps += progress;
    }
    if (log) fprintf(log, "minimize: %d steps kept the disagreement %s\n", steps, sig);
    return steps;
}
