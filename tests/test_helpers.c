/* test_helpers.c - see test_helpers.h. */
#include "test_helpers.h"

#include <stdlib.h>
#include <string.h>

#include "spidx_gpu.h"

static void check_one(const spidx_impl *impl, const spidx_case *c, const expectation *e)
{
    const spidx_params *p = &c->p;
    const char *nm = impl->name;
    spidx_outcome o;
    case_run(impl, c, &o);
    ck_assert_msg(o.status == e->status, "%s: status %s, expected %s (%s)", nm, spidx_status_name(o.status),
                  spidx_status_name(e->status), o.detail.message);
    ck_assert_msg(o.guards_intact, "%s wrote outside its buffers", nm);
    ck_assert_msg(o.topk_intact, "%s wrote the top-k buffer", nm);
    if (e->status != SPIDX_OK) ck_assert_msg(o.detail.message[0] != 0, "%s: no message for a non-OK status", nm);
    if (e->status == SPIDX_E_HEAVY_RANGE) {
        ck_assert_msg(o.detail.bi == e->bad_bi && o.detail.hi == e->bad_hi && o.detail.j == e->bad_j &&
                          o.detail.value == e->bad_value,
                      "%s: first invalid entry (bi=%lld hi=%lld j=%lld value=%lld), expected (%lld %lld %lld %lld)",
                      nm, (long long)o.detail.bi, (long long)o.detail.hi, (long long)o.detail.j,
                      (long long)o.detail.value, (long long)e->bad_bi, (long long)e->bad_hi, (long long)e->bad_j,
                      (long long)e->bad_value);
    } else {
        ck_assert_msg(o.detail.bi == -1 && o.detail.hi == -1 && o.detail.j == -1 && o.detail.value == 0,
                      "%s: detail position set for %s", nm, spidx_status_name(o.status));
    }
    if (e->status != SPIDX_OK && e->status != SPIDX_E_HEAVY_RANGE) {
        ck_assert_msg(memcmp(o.list, c->list_init, c->list_bytes) == 0, "%s: %s but the list was written", nm,
                      spidx_status_name(o.status));
        ck_assert_msg(memcmp(o.weight, c->weight_init, c->weight_bytes) == 0, "%s: %s but weights were written", nm,
                      spidx_status_name(o.status));
        outcome_free(&o);
        return;
    }
    ck_assert_msg(case_padding_intact(c, &o), "%s: bytes between rows (padding) were written", nm);
    const uint32_t one = spidx_weight_one_bits(p->weight_type);
    int64_t n = 0;
    for (int64_t bi = 0; bi < p->b; bi++)
        for (int64_t hi = 0; hi < p->h; hi++)
            for (int64_t j = 0; j < c->shape.T; j++, n++) {
                if (!e->list && !e->list_at) continue;
                const int64_t want = e->list ? e->list[n] : e->list_at(p, bi, hi, j);
                const int64_t got = outcome_list(c, &o, bi, hi, j);
                ck_assert_msg(got == want, "%s: list (bi=%lld, hi=%lld, j=%lld) = %lld, expected %lld", nm,
                              (long long)bi, (long long)hi, (long long)j, (long long)got, (long long)want);
            }
    n = 0;
    for (int64_t bi = 0; bi < p->b; bi++)
        for (int64_t hi = 0; hi < p->h; hi++)
            for (int64_t x = 0; x < p->sk; x++, n++) {
                if (!e->weights && !e->weight_at) continue;
                const char ch = e->weights ? e->weights[n] : e->weight_at(p, bi, hi, x);
                SPIDX_ASSERT(ch == '0' || ch == '1' || ch == '.');
                const uint32_t want = ch == '1' ? one : ch == '0' ? 0u : case_init_weight_bits(c, bi, hi, x);
                const uint32_t got = outcome_weight_bits(c, &o, bi, hi, x);
                ck_assert_msg(got == want, "%s: weight (bi=%lld, hi=%lld, x=%lld) = 0x%x, expected 0x%x ('%c')", nm,
                              (long long)bi, (long long)hi, (long long)x, got, want, ch);
            }
    if (e->weights) SPIDX_ASSERT(e->weights[n] == 0); /* the expectation spells exactly b*h*sk weights */
    outcome_free(&o);
}

static const int64_t *g_topk_rowmajor;
static int64_t topk_from_array(const spidx_params *p, int64_t bi, int64_t hi, int64_t k)
{
    return g_topk_rowmajor ? g_topk_rowmajor[(bi * p->h + hi) * p->heavy + k] : 0;
}

static int run_all(const spidx_params *p, int64_t (*topk_at)(const spidx_params *, int64_t, int64_t, int64_t),
                   unsigned null_mask, const expectation *e)
{
    const spidx_impl *impls[SPIDX_MAX_IMPLS];
    const size_t n = test_select_impls(impls, NULL);
    SPIDX_ASSERT(n >= 1);
    spidx_case c;
    case_init(&c, p, 0xC0FFEEu);
    c.null_mask = null_mask;
    if (e->prefill && c.check == SPIDX_OK) {
        for (size_t at = 0; at < c.weight_bytes; at += c.shape.weight_size) {
            const uint16_t half = (uint16_t)e->prefill_bits;
            if (c.shape.weight_size == 4) memcpy(c.weight_init + at, &e->prefill_bits, 4);
            else memcpy(c.weight_init + at, &half, 2);
        }
    }
    if (c.check == SPIDX_OK)
        for (int64_t bi = 0; bi < p->b; bi++)
            for (int64_t hi = 0; hi < p->h; hi++)
                for (int64_t k = 0; k < p->heavy; k++) case_set_topk(&c, bi, hi, k, topk_at(p, bi, hi, k));
    /* The hand-computed status stands for the reference's in deciding what applies. */
    int checked = 0;
    for (size_t i = 0; i < n; i++)
        if (case_applies(impls[i], &c, e->status, NULL, 0)) {
            check_one(impls[i], &c, e);
            checked++;
        }
    case_free(&c);
    return checked;
}

int expect_on_all_impls(const spidx_params *p, const int64_t *topk, const expectation *e)
{
    g_topk_rowmajor = topk;
    return run_all(p, topk_from_array, 0, e);
}

int expect_on_all_impls_fn(const spidx_params *p, int64_t (*topk_at)(const spidx_params *p, int64_t bi,
                                                                      int64_t hi, int64_t k),
                           const expectation *e)
{
    return run_all(p, topk_at, 0, e);
}

int expect_with_null_buffers(const spidx_params *p, unsigned null_mask, const expectation *e)
{
    g_topk_rowmajor = NULL;
    return run_all(p, topk_from_array, null_mask, e);
}

size_t test_select_impls(const spidx_impl **impls, FILE *log)
{
    size_t n;
    char err[256];
    const int selected = case_select_impls(impls, &n, log, err, sizeof err) == CASE_SELECT_OK;
    if (!selected) fprintf(stderr, "%s\n", err);
    SPIDX_ASSERT(selected);
    return n;
}

size_t select_gpu_impls(const spidx_impl **impls)
{
    const spidx_impl *all[SPIDX_MAX_IMPLS];
    const size_t count = test_select_impls(all, stdout);
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        if (all[i]->kind == SPIDX_IMPL_GPU) impls[n++] = all[i];
    ck_assert_msg(n > 0, "no GPU implementation selected");
    return n;
}

/* 1 when SPIDX_IMPLS names a GPU implementation. */
static int gpu_impl_named(void)
{
    const char *sel = getenv("SPIDX_IMPLS");
    char names[256];
    snprintf(names, sizeof names, "%s", sel ? sel : "");
    for (char *tok = strtok(names, ","); tok; tok = strtok(NULL, ",")) {
        const spidx_impl *impl = spidx_impl_find(tok);
        if (impl && impl->kind == SPIDX_IMPL_GPU) return 1;
    }
    return 0;
}

int gpu_test_unavailable(const char *test)
{
    char why[192];
    if (spidx_gpu_available(why, sizeof why)) return 0;
    if (gpu_impl_named()) {
        printf("SPIDX_IMPLS names a GPU implementation but %s has no CUDA device: %s\n", test, why);
        return 2;
    }
    if (case_require_gpu()) {
        printf("SPIDX_REQUIRE_GPU=1 but %s has no CUDA device: %s\n", test, why);
        return EXIT_FAILURE;
    }
    printf("SKIPPED: %s needs a CUDA device: %s\n", test, why);
    return 77;
}

int run_suite(Suite *s)
{
    const spidx_impl *impls[SPIDX_MAX_IMPLS];
    size_t n;
    char err[256];
    SRunner *sr = srunner_create(s); /* owns s from here on */
    case_install_crash_report();
    if (case_select_impls(impls, &n, stdout, err, sizeof err) != CASE_SELECT_OK) {
        printf("%s\n", err); /* before any test runs: the binary fails as a whole */
        srunner_free(sr);
        return 2;
    }
    char names[512];
    case_describe_impls(impls, n, names, sizeof names);
    printf("implementations under test: %s\n", names);
    fflush(stdout);
    if (!getenv("CK_FORK")) srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    const int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
