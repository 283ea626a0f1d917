/* case_signature.c - the signature of one disagreement, IMPL:FIELD:CLASS, the key by
 * which campaigns group failures (fuzz/campaign.py), spidx_repro --signature prints and
 * fuzz_diff recognises a failure it has seen before (SPIDX_FUZZ_SEEN_DIR). */
#include <stdio.h>
#include <string.h>

#include "case_helpers.h"

static int token_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.';
}

/* Up to 4 words of letters and '_' at the start of s, separated by single spaces or by
 * ": ", appended to out (length *n, room size) as ".word_word": the stable head of an
 * exception's message ("Storage size calculation overflowed with sizes=[6223...]" gives
 * ".Storage_size_calculation_overflowed", "CUDA out of memory. Tried ..." gives
 * ".CUDA_out_of_memory", torch's "CUDA error: an illegal memory access ..." gives
 * ".CUDA_error_an_illegal"). A word followed by a digit, '=', '[' or '(' is part of an
 * expression, not a word ("b=1"); any other character after a word ends the head. */
static void append_words(const char *s, char *out, size_t *n, size_t size)
{
    for (int w = 0; w < 4; w++) {
        size_t len = 0;
        while ((s[len] >= 'a' && s[len] <= 'z') || (s[len] >= 'A' && s[len] <= 'Z') || s[len] == '_') len++;
        const char next = s[len];
        if (len == 0 || (next >= '0' && next <= '9') || next == '=' || next == '[' || next == '(') return;
        if (*n + 1 + len + 1 > size) return;
        out[(*n)++] = w == 0 ? '.' : '_';
        memcpy(out + *n, s, len);
        *n += len;
        out[*n] = '\0';
        if (next == ' ')
            s += len + 1;
        else if (next == ':' && s[len + 1] == ' ')
            s += len + 2;
        else
            return;
    }
}

/* The token that tells one device failure from another in a detail message: the CUDA
 * error name gpu_device_fail and the plug-in staging end their messages with
 * ("(cudaErrorIllegalAddress)"), or the exception type the Python bridge names ("raised
 * OutOfMemoryError:") followed by the first words of its message, since one type covers
 * unrelated failures ("RuntimeError.Stride_calculation_overflowed"); letters, digits, '_'
 * and '.' only, so that a signature stays one word on one line; "" when the message has
 * neither. */
static void device_failure_token(const char *msg, char *out, size_t size)
{
    out[0] = '\0';
    int python = 0;
    const char *p = strstr(msg, "(cudaError");
    if (p)
        p++;
    else if ((p = strstr(msg, " raised ")) != NULL)
        p += strlen(" raised "), python = 1;
    size_t n = 0;
    while (p && token_char(p[n]) && n + 1 < size) n++;
    if (n > 0) {
        memcpy(out, p, n);
        out[n] = '\0';
        if (python && p[n] == ':' && p[n + 1] == ' ') append_words(p + n + 2, out, &n, size);
    }
}

/* What tells apart two failures of one status pair: the device failure's token for
 * SPIDX_E_DEVICE, and for SPIDX_E_HEAVY_RANGE on one side only the kind of the value that
 * side reports (negative, past the end: t >= sk - init_offset, or in range: a valid value
 * reported as invalid), since checks of the two bounds are separate code; "" otherwise. */
static void status_token(const spidx_case *c, const spidx_outcome *want, const spidx_outcome *got, char *out,
                         size_t size)
{
    out[0] = '\0';
    if (got->status == SPIDX_E_DEVICE) {
        device_failure_token(got->detail.message, out, size);
        return;
    }
    const spidx_outcome *range = want->status == SPIDX_E_HEAVY_RANGE && got->status != SPIDX_E_HEAVY_RANGE ? want
                                 : got->status == SPIDX_E_HEAVY_RANGE && want->status != SPIDX_E_HEAVY_RANGE ? got
                                                                                                           : NULL;
    if (!range) return;
    const int64_t v = range->detail.value;
    /* v >= sk - init_offset, written without the subtraction (both are non-negative) */
    snprintf(out, size, "%s", v < 0 ? "negative" : v >= c->p.sk || c->p.init_offset >= c->p.sk - v ? "past-end" : "in-range");
}

/* "OK->E_DEVICE(token)": the status pair of want and got, status_token in parentheses. */
static void status_pair(const spidx_case *c, const spidx_outcome *want, const spidx_outcome *got, char *out,
                        size_t size)
{
    char token[64];
    status_token(c, want, got, token, sizeof token);
    snprintf(out, size, "%s->%s%s%s%s", spidx_status_name(want->status) + 6, spidx_status_name(got->status) + 6,
             token[0] ? "(" : "", token, token[0] ? ")" : "");
}

/* The class of the first mismatch in field: the status pair (of the checked call, or of
 * the first call for "first_call"), or what the first differing list/weight element did
 * and where: the list region of its position j (@sink, @heavy, @window) or the weight
 * zone of its position x (@head: x < S, @tail: x >= sk - W, @middle), so that two bugs of
 * one kernel in different parts of a row keep different signatures. */
static void mismatch_class(const spidx_case *c, const spidx_outcome *want, const spidx_outcome *got,
                           const char *field, char *out, size_t size)
{
    snprintf(out, size, "-");
    if (strcmp(field, "status") == 0) {
        status_pair(c, want, got, out, size);
        return;
    }
    if (strcmp(field, "first_call") == 0) {
        spidx_outcome w = *want, g = *got;
        w.status = want->first_status, w.detail = want->first_detail;
        g.status = got->first_status, g.detail = got->first_detail;
        status_pair(c, &w, &g, out, size);
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
                    const char *region = j < c->shape.S ? "sink" : j < c->shape.S + p->heavy ? "heavy" : "window";
                    snprintf(out, size, "%s@%s", b == -1 ? "spurious-invalid" : a == -1 ? "missed-invalid" : "wrong-value",
                             region);
                    return;
                }
            } else if (strcmp(field, "weight") == 0) {
                for (int64_t x = 0; x < p->sk; x++) {
                    const uint32_t a = outcome_weight_bits(c, want, bi, hi, x), b = outcome_weight_bits(c, got, bi, hi, x);
                    if (a == b) continue;
                    const char *zone = x < c->shape.S ? "head" : x >= p->sk - c->shape.W ? "tail" : "middle";
                    snprintf(out, size, "%s@%s", a == one ? "missing-one" : b == one ? "extra-one" : "other-bits", zone);
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
