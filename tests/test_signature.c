/* test_signature.c - failure signatures (case_mismatch_signature): the status pair with
 * the device failure's token (a CUDA error name, a Python exception type and the first
 * words of its message) or the kind of invalid top-k value, and the class and place of
 * the first differing list entry or weight, and fuzz_ref's property signatures. Outcomes
 * are built by hand; the expected strings are written out.
 * Run: ctest -R test_signature. */
#include "test_helpers.h"

#include <string.h>

#include "fuzz_helpers.h" /* fuzz_property_signature: fuzz_ref's signatures */

/* An outcome of case c with the given status and detail message, its buffers holding
 * the case's initial contents. */
static void outcome_with(const spidx_case *c, spidx_status st, const char *msg, spidx_outcome *o,
                         unsigned char *list, unsigned char *weight)
{
    memset(o, 0, sizeof *o);
    o->status = st;
    snprintf(o->detail.message, sizeof o->detail.message, "%s", msg);
    memcpy(list, c->list_init, c->list_bytes);
    memcpy(weight, c->weight_init, c->weight_bytes);
    o->list = list, o->weight = weight;
    o->guards_intact = o->topk_intact = o->first_guards_intact = o->first_topk_intact = 1;
}

/* The signature of implementation impl's SPIDX_E_DEVICE with detail message msg, against
 * a reference that returned SPIDX_OK. */
static void device_signature(const char *impl, const char *msg, char *sig, size_t size)
{
    spidx_case c;
    const spidx_params p = case_contiguous_params(1, 1, 4, 1, 0, 1, 0);
    case_init(&c, &p, 1);
    unsigned char l1[64], w1[64], l2[64], w2[64];
    spidx_outcome want, got;
    outcome_with(&c, SPIDX_OK, "", &want, l1, w1);
    outcome_with(&c, SPIDX_E_DEVICE, msg, &got, l2, w2);
    case_mismatch_signature(&c, impl, &want, &got, "status", sig, size);
    case_free(&c);
}

typedef struct {
    const char *impl, *message, *signature;
} device_failure;

static void expect_signatures(const device_failure *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char sig[SPIDX_SIGNATURE_MAX];
        device_signature(cases[i].impl, cases[i].message, sig, sizeof sig);
        ck_assert_msg(strcmp(sig, cases[i].signature) == 0, "message '%s': signature %s, want %s", cases[i].message,
                      sig, cases[i].signature);
    }
}

START_TEST(test_device_failure_names_the_cuda_error)
{
    static const device_failure cases[] = {
        {"k",
         "k: cudaStreamSynchronize after the call failed: an illegal memory access was encountered "
         "(cudaErrorIllegalAddress)",
         "k:status:OK->E_DEVICE(cudaErrorIllegalAddress)"},
        {"k", "no token here", "k:status:OK->E_DEVICE"},
    };
    expect_signatures(cases, sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(test_python_exception_is_named_by_its_type_and_first_words)
{
    static const device_failure cases[] = {
        {"seed_torch", "seed_torch raised OutOfMemoryError: CUDA out of memory (traceback on stderr)",
         "seed_torch:status:OK->E_DEVICE(OutOfMemoryError.CUDA_out_of_memory)"},
        /* One exception type, two failures: the message's first words keep them apart. */
        {"seed_torch",
         "seed_torch raised RuntimeError: Storage size calculation overflowed with sizes=[6223974685026025472] "
         "(traceback on stderr)",
         "seed_torch:status:OK->E_DEVICE(RuntimeError.Storage_size_calculation_overflowed)"},
        {"seed_triton", "seed_triton raised RuntimeError: Stride calculation overflowed (traceback on stderr)",
         "seed_triton:status:OK->E_DEVICE(RuntimeError.Stride_calculation_overflowed)"},
        /* Words stop before an expression ("b=1") and at a number. */
        {"raises", "raises raised RuntimeError: no kernel for b=1 (traceback on stderr)",
         "raises:status:OK->E_DEVICE(RuntimeError.no_kernel_for)"},
        {"x", "x raised TypeError: returned 4294967296: None or a spidx status", "x:status:OK->E_DEVICE(TypeError.returned)"},
        {"x", "x raised ValueError (traceback on stderr)", "x:status:OK->E_DEVICE(ValueError)"},
        /* torch's CUDA errors share a head: the words go on past ": ". */
        {"t", "t raised RuntimeError: CUDA error: an illegal memory access was encountered",
         "t:status:OK->E_DEVICE(RuntimeError.CUDA_error_an_illegal)"},
        {"t", "t raised RuntimeError: CUDA error: device-side assert triggered",
         "t:status:OK->E_DEVICE(RuntimeError.CUDA_error_device)"},
    };
    expect_signatures(cases, sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(test_first_differing_weight_gives_the_class)
{
    spidx_case c;
    const spidx_params p = case_contiguous_params(1, 1, 4, 1, 0, 1, 0); /* marks x = 0 and x = 3 */
    case_init_fill(&c, &p, SPIDX_FILL_ZERO, 1);
    unsigned char l1[64], w1[64], l2[64], w2[64];
    spidx_outcome want, got;
    outcome_with(&c, SPIDX_OK, "", &want, l1, w1);
    outcome_with(&c, SPIDX_OK, "", &got, l2, w2);
    const float one = 1.0f;
    memcpy(w1, &one, 4), memcpy(w1 + 12, &one, 4); /* the reference marks x = 0 and 3 */
    memcpy(w2 + 4, &one, 4);                       /* the other marks x = 1 only */
    char sig[160];
    case_mismatch_signature(&c, "k", &want, &got, "weight", sig, sizeof sig);
    ck_assert_str_eq(sig, "k:weight:missing-one@head"); /* x = 0 (< S = 1) comes first */
    memcpy(w2, &one, 4);
    case_mismatch_signature(&c, "k", &want, &got, "weight", sig, sizeof sig);
    ck_assert_str_eq(sig, "k:weight:extra-one@middle"); /* now x = 1 comes first */
    memcpy(w2 + 4, w1 + 4, 4), memcpy(w2 + 12, w1 + 8, 4); /* x = 1 agrees; x = 3 (>= sk - W) lacks its 1.0 */
    case_mismatch_signature(&c, "k", &want, &got, "weight", sig, sizeof sig);
    ck_assert_str_eq(sig, "k:weight:missing-one@tail");
    case_mismatch_signature(&c, "k", &want, &got, "guard", sig, sizeof sig);
    ck_assert_str_eq(sig, "k:guard:-");
    case_free(&c);
}
END_TEST

START_TEST(test_heavy_range_on_one_side_names_the_kind_of_value)
{
    spidx_case c;
    const spidx_params p = case_contiguous_params(1, 1, 8, 1, 2, 1, 0);
    case_init(&c, &p, 1);
    unsigned char l1[256], w1[256], l2[256], w2[256];
    spidx_outcome want, got;
    outcome_with(&c, SPIDX_E_HEAVY_RANGE, "", &want, l1, w1);
    outcome_with(&c, SPIDX_OK, "", &got, l2, w2);
    char sig[160];
    want.detail.value = -3;
    case_mismatch_signature(&c, "k", &want, &got, "status", sig, sizeof sig);
    ck_assert_str_eq(sig, "k:status:E_HEAVY_RANGE->OK(negative)");
    want.detail.value = 8; /* t = sk - init_offset: one past the last valid value */
    case_mismatch_signature(&c, "k", &want, &got, "status", sig, sizeof sig);
    ck_assert_str_eq(sig, "k:status:E_HEAVY_RANGE->OK(past-end)");
    /* The implementation's side: a valid value (7 < 8) reported as invalid. */
    outcome_with(&c, SPIDX_OK, "", &want, l1, w1);
    outcome_with(&c, SPIDX_E_HEAVY_RANGE, "", &got, l2, w2);
    got.detail.value = 7;
    case_mismatch_signature(&c, "k", &want, &got, "status", sig, sizeof sig);
    ck_assert_str_eq(sig, "k:status:OK->E_HEAVY_RANGE(in-range)");
    case_free(&c);
}
END_TEST

START_TEST(test_first_differing_list_entry_gives_its_region)
{
    spidx_case c;
    const spidx_params p = case_contiguous_params(1, 1, 8, 1, 2, 1, 0); /* T = 4: sink j 0, heavy 1-2, window 3 */
    case_init(&c, &p, 1);
    unsigned char l1[256], w1[256], l2[256], w2[256];
    spidx_outcome want, got;
    outcome_with(&c, SPIDX_OK, "", &want, l1, w1);
    outcome_with(&c, SPIDX_OK, "", &got, l2, w2);
    const int64_t seven = 7, six = 6;
    char sig[160];
    memcpy(l1 + 3 * 8, &seven, 8), memcpy(l2 + 3 * 8, &six, 8); /* window entry j = 3 differs */
    case_mismatch_signature(&c, "k", &want, &got, "list", sig, sizeof sig);
    ck_assert_str_eq(sig, "k:list:wrong-value@window");
    memcpy(l1 + 2 * 8, &seven, 8), memcpy(l2 + 2 * 8, &six, 8); /* now heavy entry j = 2 comes first */
    case_mismatch_signature(&c, "k", &want, &got, "list", sig, sizeof sig);
    ck_assert_str_eq(sig, "k:list:wrong-value@heavy");
    const int64_t invalid = -1; /* SPEC's mark of an invalid entry (KEEP mode) */
    memcpy(l1, &seven, 8), memcpy(l2, &invalid, 8); /* now sink entry j = 0 comes first */
    case_mismatch_signature(&c, "k", &want, &got, "list", sig, sizeof sig);
    ck_assert_str_eq(sig, "k:list:spurious-invalid@sink");
    memcpy(l1, &invalid, 8), memcpy(l2, &seven, 8);
    case_mismatch_signature(&c, "k", &want, &got, "list", sig, sizeof sig);
    ck_assert_str_eq(sig, "k:list:missed-invalid@sink");
    case_free(&c);
}
END_TEST

START_TEST(test_property_failure_is_named_by_its_condition_and_check_with_numbers_as_n)
{
    char sig[SPIDX_SIGNATURE_MAX];
    fuzz_property_signature("property failed: got == want\n  weight (bi=0, hi=1, x=-3) = 0x3f800000", sig, sizeof sig);
    ck_assert_str_eq(sig, "ref:property:property-failed-got-want-weight");
    fuzz_property_signature("property failed: got == want\n  list (bi=0, hi=1, j=2) = 7, expected 6", sig, sizeof sig);
    ck_assert_str_eq(sig, "ref:property:property-failed-got-want-list"); /* another check, another signature */
    fuzz_property_signature("property failed: o.status == v.status\n  validation: the reference returns SPIDX_OK, "
                            "SPEC.md's rule \"negative sizes\" gives SPIDX_E_ARG",
                            sig, sizeof sig);
    /* cut at 120 characters: "property failed: o.status == v.status validation: ... rule \"negative sizes\" gives " */
    ck_assert_str_eq(sig, "ref:property:property-failed-o.status-v.status-validation-the-reference-returns-SPIDX_OK-"
                          "SPEC.md-s-rule-negative-sizes-gives");
    fuzz_property_signature("  status SPIDX_E_ARG with -12 invalid entries  ", sig, sizeof sig);
    ck_assert_str_eq(sig, "ref:property:status-SPIDX_E_ARG-with-N-invalid-entries");
    fuzz_property_signature("x<3 -7- --5", sig, sizeof sig); /* each run of others is one '-', kept '-' stay */
    ck_assert_str_eq(sig, "ref:property:x-N-N---N");
    fuzz_property_signature("", sig, sizeof sig);
    ck_assert_str_eq(sig, "ref:property:");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("signature");
    TCase *status = tcase_create("status");
    tcase_add_test(status, test_device_failure_names_the_cuda_error);
    tcase_add_test(status, test_python_exception_is_named_by_its_type_and_first_words);
    tcase_add_test(status, test_heavy_range_on_one_side_names_the_kind_of_value);
    suite_add_tcase(s, status);
    TCase *property = tcase_create("property");
    tcase_add_test(property, test_property_failure_is_named_by_its_condition_and_check_with_numbers_as_n);
    suite_add_tcase(s, property);
    TCase *values = tcase_create("values");
    tcase_add_test(values, test_first_differing_weight_gives_the_class);
    tcase_add_test(values, test_first_differing_list_entry_gives_its_region);
    suite_add_tcase(s, values);
    return run_suite(s);
}
