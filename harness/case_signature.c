/* case_signature.c - the signature of one disagreement, IMPL:FIELD:CLASS, the key by
 * which campaigns group failures (fuzz/campaign.py), spidx_repro --signature prints and
 * fuzz_diff recognises a failure it has seen before (SPIDX_FUZZ_SEEN_DIR). */
#include <stdio.h>
#include <string.h>

#include "case_helpers.h"

/* The token that tells one device failure from another in a detail message: the CUDA
 * error name gpu_device_fail and the plug-in staging end their messages with
 * ("(cudaErrorIllegalAddress)"), or the exception type the Python bridge names ("raised
 * OutOfMemoryError:"); "" when the message has neither. */
static void device_failure_token(const char *msg, char *out, size_t size)
{
    out[0] = '\0';
    const char *p = strstr(msg, "(cudaError");
    size_t n = 0;
    if (p) {
        p++;
        while (p[n] && p[n] != ')') n++;
    } else if ((p = strstr(msg, " raised ")) != NULL) {
        p += strlen(" raised ");
        while (p[n] && p[n] != ':' && p[n] != ' ') n++;
    }
    if (n > 0 && n < size) {
        memcpy(out, p, n);
        out[n] = '\0';
    }
}

/* The class of the first mismatch in field: the status pair (with the device failure's
 * token for SPIDX_E_DEVICE), or what the first differing list/weight element did. */
static void mismatch_class(const spidx_case *c, const spidx_outcome *want, const spidx_outcome *got,
                           const char *field, char *out, size_t size)
{
    snprintf(out, size, "-");
    if (strcmp(field, "status") == 0) {
        char token[64];
        device_failure_token(got->status == SPIDX_E_DEVICE ? got->detail.message : "", token, sizeof token);
        snprintf(out, size, "%s->%s%s%s%s", spidx_status_name(want->status) + 6, spidx_status_name(got->status) + 6,
                 token[0] ? "(" : "", token, token[0] ? ")" : "");
        return;
    }
    if (c->check != SPIDX_OK) return;
    const spidx_params *p = &c->p;
    const uint32_t one = spidx_weight_one_bits(p->weight_type);
    for (int64_t bi = 0; bi < p->b; bi++)
        for (int64_t hi = 0; hi < p->h; hi++) {
            if (strcmp(field, "list") == 0) {
                for (int64_t j = 0; j < c->shape.T; j++) {
                    const int64_t a = outcome_list(c, want, bi, hi, j), b = outcome_list(c, got, bi, hi, j);
                    if (a == b) continue;
                    snprintf(out, size, "%s", b == -1 ? "spurious-invalid" : a == -1 ? "missed-invalid" : "wrong-value");
                    return;
                }
            } else if (strcmp(field, "weight") == 0) {
                for (int64_t x = 0; x < p->sk; x++) {
                    const uint32_t a = outcome_weight_bits(c, want, bi, hi, x), b = outcome_weight_bits(c, got, bi, hi, x);
                    if (a == b) continue;
                    snprintf(out, size, "%s", a == one ? "missing-one" : b == one ? "extra-one" : "other-bits");
                    return;
                }
            }
        }
}

void case_mismatch_signature(const spidx_case *c, const char *impl, const spidx_outcome *want,
                             const spidx_outcome *got, const char *field, char *sig, size_t sig_size)
{
    char cls[96];
    mismatch_class(c, want, got, field ? field : "?", cls, sizeof cls);
    snprintf(sig, sig_size, "%s:%s:%s", impl, field ? field : "?", cls);
}
