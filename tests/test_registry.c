/* test_registry.c - the registry of implementations: its contents, lookup, selection by
 * SPIDX_IMPLS, and that the GPU implementations validate first, with or without a
 * device (test_gpu_unavailable.c checks what they do without one). Run: ctest -R test_registry. */
#define _POSIX_C_SOURCE 200809L /* setenv, unsetenv */
#include "test_helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spidx_gpu.h"

START_TEST(test_registry_lists_reference_first_then_both_kernels)
{
    size_t n = 0;
    const spidx_impl *all = spidx_impls(&n);
    ck_assert_uint_ge(n, 3);
    ck_assert_uint_le(n, SPIDX_MAX_IMPLS);
    ck_assert_str_eq(all[0].name, "ref");
    ck_assert_int_eq(all[0].is_reference, 1);
    ck_assert_int_eq(all[0].kind, SPIDX_IMPL_CPU);
    ck_assert_str_eq(all[1].name, "fused");
    ck_assert_int_eq(all[1].kind, SPIDX_IMPL_GPU);
    ck_assert_str_eq(all[2].name, "baseline");
    ck_assert_int_eq(all[2].kind, SPIDX_IMPL_GPU);
    ck_assert_int_eq(all[1].is_reference + all[2].is_reference, 0);
    ck_assert_int_eq(all[0].opt_in + all[1].opt_in + all[2].opt_in, 0);
}
END_TEST

START_TEST(test_entries_past_the_kernels_are_opt_in_gpu_mutants)
{
    /* Only a SPIDX_ENABLE_MUTANTS build has them; they must never join "all". */
    size_t n = 0;
    const spidx_impl *all = spidx_impls(&n);
    for (size_t i = 3; i < n; i++) {
        if (all[i].plugin) continue; /* loaded from SPIDX_PLUGINS: after the built-in ones */
        ck_assert_msg(strncmp(all[i].name, "mut", 3) == 0 || strncmp(all[i].name, "pair", 4) == 0,
                      "entry %zu is %s", i, all[i].name); /* a mutant, or a pair mutant */
        ck_assert_int_eq(all[i].opt_in, 1);
        ck_assert_int_eq(all[i].is_reference, 0);
        ck_assert_int_eq(all[i].kind, SPIDX_IMPL_GPU);
    }
    /* The default selection leaves them out: SPIDX_IMPLS unset, and SPIDX_REQUIRE_GPU
     * too (an unavailable GPU would fail the selection); both restored afterwards. */
    const char *names[2] = {"SPIDX_IMPLS", "SPIDX_REQUIRE_GPU"};
    char saved[2][256];
    int was_set[2];
    for (int i = 0; i < 2; i++) {
        const char *v = getenv(names[i]);
        was_set[i] = v != NULL;
        snprintf(saved[i], sizeof saved[i], "%s", v ? v : "");
        unsetenv(names[i]);
    }
    const spidx_impl *sel[SPIDX_MAX_IMPLS];
    const size_t k = test_select_impls(sel, NULL);
    for (int i = 0; i < 2; i++)
        if (was_set[i]) setenv(names[i], saved[i], 1);
    ck_assert_uint_ge(k, 1);
    for (size_t i = 0; i < k; i++) ck_assert_int_eq(sel[i]->opt_in, 0);
}
END_TEST

START_TEST(test_selection_of_an_unknown_name_returns_an_error_naming_it)
{
    const char *v = getenv("SPIDX_IMPLS");
    char saved[256];
    snprintf(saved, sizeof saved, "%s", v ? v : "");
    setenv("SPIDX_IMPLS", "ref,no-such-impl", 1);
    const spidx_impl *sel[SPIDX_MAX_IMPLS];
    size_t k = 99;
    char err[256];
    const case_select_status st = case_select_impls(sel, &k, NULL, err, sizeof err);
    if (v) setenv("SPIDX_IMPLS", saved, 1);
    else unsetenv("SPIDX_IMPLS");
    ck_assert_int_eq(st, CASE_SELECT_UNKNOWN);
    ck_assert_uint_eq(k, 0);
    ck_assert_str_eq(err, "SPIDX_IMPLS names an unknown implementation 'no-such-impl'");
}
END_TEST

START_TEST(test_find_returns_null_for_unknown_names)
{
    ck_assert_ptr_nonnull(spidx_impl_find("fused"));
    ck_assert_str_eq(spidx_impl_find("baseline")->name, "baseline");
    ck_assert_ptr_null(spidx_impl_find("fuse"));
    ck_assert_ptr_null(spidx_impl_find(NULL));
}
END_TEST

START_TEST(test_gpu_implementations_validate_first_with_or_without_a_device)
{
    /* sk = -1 is E_ARG whether or not a device is present, and nothing is written. */
    spidx_params p = case_contiguous_params(1, 1, 4, 1, 0, 0, 0);
    p.sk = -1;
    int64_t list[1] = {123};
    uint32_t weight[4] = {7, 7, 7, 7};
    spidx_detail d;
    ck_assert_int_eq(spidx_fused_run(&p, NULL, list, weight, &d), SPIDX_E_ARG);
    ck_assert_int_eq(spidx_baseline_run(&p, NULL, list, weight, &d), SPIDX_E_ARG);
    ck_assert_msg(strstr(d.message, "sk") != NULL, "message '%s' does not name sk", d.message);
    ck_assert_int_eq(list[0], 123);
    ck_assert_uint_eq(weight[0] + weight[1] + weight[2] + weight[3], 28);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("registry");
    TCase *tc = tcase_create("registry");
    tcase_add_test(tc, test_registry_lists_reference_first_then_both_kernels);
    tcase_add_test(tc, test_find_returns_null_for_unknown_names);
    tcase_add_test(tc, test_selection_of_an_unknown_name_returns_an_error_naming_it);
    tcase_add_test(tc, test_entries_past_the_kernels_are_opt_in_gpu_mutants);
    tcase_add_test(tc, test_gpu_implementations_validate_first_with_or_without_a_device);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
