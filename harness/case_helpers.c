/* case_helpers.c - cases, guarded buffers, running and bit-for-bit comparison
 * (see case_helpers.h). */
#include "case_helpers.h"
#include "case_internal.h"
#include "spidx_plugin.h"

#include <stdlib.h>
#include <string.h>

void spidx_assert_fail(const char *file, int line, const char *cond)
{
    fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, cond);
    fflush(stderr);
    abort();
}

uint64_t case_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void *xmalloc(size_t n)
{
    void *q = malloc(n ? n : 1);
    SPIDX_ASSERT(q != NULL);
    return q;
}

spidx_params case_contiguous_params(int64_t b, int64_t h, int64_t sk, int64_t sink, int64_t heavy,
                                    int64_t window, int64_t init_offset)
{
    spidx_params p;
    memset(&p, 0, sizeof p);
    p.b = b;
    p.h = h;
    p.sk = sk;
    p.sink = sink;
    p.heavy = heavy;
    p.window = window;
    p.init_offset = init_offset;
    p.index_type = SPIDX_INDEX_I64;
    p.weight_type = SPIDX_WEIGHT_F32;
    p.mode = SPIDX_MODE_ZERO;
    const int64_t S = sink < sk ? sink : sk, W = window < sk ? window : sk;
    const int64_t T = S + heavy + W;
    p.topk_sh = heavy;
    p.topk_sb = h * heavy;
    p.list_sh = T;
    p.list_sb = h * T;
    p.weight_sh = sk;
    p.weight_sb = h * sk;
    return p;
}

static void fill_random(unsigned char *buf, size_t n, uint64_t *state)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const uint64_t r = case_splitmix64(state);
        memcpy(buf + i, &r, 8);
    }
    if (i < n) {
        const uint64_t r = case_splitmix64(state);
        memcpy(buf + i, &r, n - i);
    }
}

const char *spidx_fill_name(int fill)
{
    static const char *const names[SPIDX_FILL_COUNT] = {"random", "nan", "negzero", "one", "zero"};
    return fill >= 0 && fill < SPIDX_FILL_COUNT ? names[fill] : NULL;
}

/* One weight element's initial bits for a non-random fill. */
static uint32_t fill_bits(int fill, size_t wsize, int32_t weight_type, uint64_t r)
{
    const int f32 = wsize == 4;
    switch (fill) {
    case SPIDX_FILL_NAN:
        if (f32) return (uint32_t)(r & 0x80000000u) | 0x7F800000u | (uint32_t)(1 + (r >> 33) % 0x7FFFFF);
        if (weight_type == SPIDX_WEIGHT_F16) return (uint32_t)(r & 0x8000u) | 0x7C00u | (uint32_t)(1 + (r >> 33) % 0x3FF);
        return (uint32_t)(r & 0x8000u) | 0x7F80u | (uint32_t)(1 + (r >> 33) % 0x7F);
    case SPIDX_FILL_NEGZERO: return f32 ? 0x80000000u : 0x8000u;
    case SPIDX_FILL_ONE:
        return spidx_weight_one_bits(weight_type);
    default: return 0;
    }
}

void case_init(spidx_case *c, const spidx_params *p, uint64_t seed)
{
    case_init_fill(c, p, SPIDX_FILL_RANDOM, seed);
}

void case_init_fill(spidx_case *c, const spidx_params *p, int fill, uint64_t seed)
{
    static int64_t dummy;
    memset(c, 0, sizeof *c);
    c->p = *p;
    c->fill = fill;
    c->fill_seed = seed;
    c->check = spidx_check(p, &dummy, &dummy, &dummy, &c->shape, NULL);
    if (c->check == SPIDX_OK) {
        c->strides = spidx_effective_strides(p, &c->shape);
        c->topk_bytes = (size_t)c->shape.topk_span * 8;
        c->list_bytes = (size_t)c->shape.list_span * c->shape.index_size;
        c->weight_bytes = (size_t)c->shape.weight_span * c->shape.weight_size;
    } else {
        c->topk_bytes = c->list_bytes = c->weight_bytes = SPIDX_CASE_ERROR_BYTES;
    }
    uint64_t state = seed;
    c->topk = xmalloc(c->topk_bytes);
    for (size_t i = 0; i < c->topk_bytes / 8; i++) c->topk[i] = SPIDX_TOPK_POISON;
    c->list_init = xmalloc(c->list_bytes);
    c->weight_init = xmalloc(c->weight_bytes);
    fill_random(c->list_init, c->list_bytes, &state);
    if (fill == SPIDX_FILL_RANDOM || c->check != SPIDX_OK) {
        fill_random(c->weight_init, c->weight_bytes, &state);
        return;
    }
    const size_t wsize = c->shape.weight_size;
    /* Only the NaN fill draws per element; the others are one value (the generator's
     * state is not used after the fill, so skipping its draws changes nothing). */
    const int per_element = fill == SPIDX_FILL_NAN;
    const uint32_t same = fill_bits(fill, wsize, p->weight_type, 0);
    if (wsize == 4)
        for (size_t at = 0; at < c->weight_bytes; at += 4) {
            const uint32_t v = per_element ? fill_bits(fill, 4, p->weight_type, case_splitmix64(&state)) : same;
            memcpy(c->weight_init + at, &v, 4);
        }
    else
        for (size_t at = 0; at < c->weight_bytes; at += 2) {
            const uint16_t v = (uint16_t)(per_element ? fill_bits(fill, 2, p->weight_type, case_splitmix64(&state)) : same);
            memcpy(c->weight_init + at, &v, 2);
        }
}

void case_free(spidx_case *c)
{
    free(c->topk);
    free(c->list_init);
    free(c->weight_init);
    memset(c, 0, sizeof *c);
}

/* Element offset of (bi, hi, x) for effective row strides (sb, sh). */
static int64_t offset_of(int64_t sb, int64_t sh, int64_t bi, int64_t hi, int64_t x)
{
    return bi * sb + hi * sh + x;
}

void case_set_topk(spidx_case *c, int64_t bi, int64_t hi, int64_t k, int64_t value)
{
    const int64_t at = offset_of(c->strides.topk_sb, c->strides.topk_sh, bi, hi, k);
    SPIDX_ASSERT(at >= 0 && (size_t)(at + 1) * 8 <= c->topk_bytes);
    c->topk[at] = value;
}

int64_t case_get_topk(const spidx_case *c, int64_t bi, int64_t hi, int64_t k)
{
    const int64_t at = offset_of(c->strides.topk_sb, c->strides.topk_sh, bi, hi, k);
    SPIDX_ASSERT(at >= 0 && (size_t)(at + 1) * 8 <= c->topk_bytes);
    return c->topk[at];
}

typedef struct {
    unsigned char *mem;
    size_t bytes;
} guarded;

static unsigned char *guarded_new(guarded *g, const void *init, size_t bytes)
{
    g->bytes = bytes;
    g->mem = xmalloc(bytes + 2 * SPIDX_GUARD_BYTES);
    memset(g->mem, SPIDX_CANARY, bytes + 2 * SPIDX_GUARD_BYTES);
    if (bytes) memcpy(g->mem + SPIDX_GUARD_BYTES, init, bytes);
    return g->mem + SPIDX_GUARD_BYTES;
}

static int guarded_intact(const guarded *g)
{
    for (size_t i = 0; i < SPIDX_GUARD_BYTES; i++)
        if (g->mem[i] != SPIDX_CANARY || g->mem[SPIDX_GUARD_BYTES + g->bytes + i] != SPIDX_CANARY) return 0;
    return 1;
}

const char *spidx_call_name(int call)
{
    static const char *const names[SPIDX_CALL_COUNT] = {"once", "twice", "after_larger", "stream", "two_streams",
                                                        "graph"};
    return call >= 0 && call < SPIDX_CALL_COUNT ? names[call] : NULL;
}

/* One call of impl on guarded copies of c's buffers: through run(), or through run_call
 * when c's call mode names a device call and impl has one. */
static void run_once(const spidx_impl *impl, const spidx_case *c, spidx_outcome *o)
{
    guarded gt, gl, gw;
    int64_t *topk = (int64_t *)guarded_new(&gt, c->topk, c->topk_bytes);
    unsigned char *list = guarded_new(&gl, c->list_init, c->list_bytes);
    unsigned char *weight = guarded_new(&gw, c->weight_init, c->weight_bytes);
    memset(o, 0, sizeof *o);
    const int64_t *t = (c->null_mask & SPIDX_NULL_TOPK) ? NULL : topk;
    void *l = (c->null_mask & SPIDX_NULL_LIST) ? NULL : list, *w = (c->null_mask & SPIDX_NULL_WEIGHT) ? NULL : weight;
    case_running = impl;
    if (c->call >= SPIDX_CALL_STREAM && impl->run_call)
        o->status = impl->run_call(SPIDX_DEVICE_CALL_STREAM + (c->call - SPIDX_CALL_STREAM), &c->p, t, l, w, &o->detail);
    else
        o->status = impl->run(&c->p, t, l, w, &o->detail);
    case_running = NULL;
    o->guards_intact = guarded_intact(&gt) && guarded_intact(&gl) && guarded_intact(&gw);
    o->topk_intact = memcmp(topk, c->topk, c->topk_bytes) == 0;
    o->list = list;
    o->weight = weight;
    o->list_block = gl.mem;
    o->weight_block = gw.mem;
    free(gt.mem);
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* A valid case whose every buffer is larger than c's, with other contents: one row of
 * more weights than c's weight buffer holds, a list (all heavy) longer than c's top-k and
 * list buffers, NaN-filled weights, top-k values 0; c's types and mode where they are
 * valid. */
static void larger_case(const spidx_case *c, spidx_case *big)
{
    const spidx_params *p = &c->p;
    const int64_t most = (int64_t)(c->topk_bytes > c->list_bytes ? c->topk_bytes : c->list_bytes);
    spidx_params q = case_contiguous_params(1, 1, (int64_t)c->weight_bytes / 2 + 64, 0, most / 4 + 1, 0, 0);
    q.index_type = (int32_t)clamp64(p->index_type, SPIDX_INDEX_I64, SPIDX_INDEX_I32);
    q.weight_type = (int32_t)clamp64(p->weight_type, SPIDX_WEIGHT_F32, SPIDX_WEIGHT_BF16);
    q.mode = (int32_t)clamp64(p->mode, SPIDX_MODE_ZERO, SPIDX_MODE_KEEP);
    case_init_fill(big, &q, SPIDX_FILL_NAN, c->fill_seed + 1);
    SPIDX_ASSERT(big->check == SPIDX_OK);
    memset(big->topk, 0, big->topk_bytes);
}

void case_run(const spidx_impl *impl, const spidx_case *c, spidx_outcome *o)
{
    spidx_outcome first = {.status = SPIDX_OK, .guards_intact = 1, .topk_intact = 1};
    if (c->call == SPIDX_CALL_TWICE) {
        run_once(impl, c, &first);
        outcome_free(&first);
    } else if (c->call == SPIDX_CALL_AFTER_LARGER) {
        spidx_case big;
        larger_case(c, &big);
        run_once(impl, &big, &first);
        outcome_free(&first);
        /* Its types and mode are c's, clamped to known ones: an implementation that does not
         * declare them is still called (staging must not leak), but not judged on it. */
        if (!case_applies(impl, &big, SPIDX_OK, NULL, 0))
            first = (spidx_outcome){.status = SPIDX_OK, .guards_intact = 1, .topk_intact = 1};
        case_free(&big);
    }
    run_once(impl, c, o);
    o->first_status = first.status;
    o->first_detail = first.detail;
    o->first_guards_intact = first.guards_intact;
    o->first_topk_intact = first.topk_intact;
}

void outcome_free(spidx_outcome *o)
{
    free(o->list_block);
    free(o->weight_block);
    o->list = o->weight = o->list_block = o->weight_block = NULL;
}

int64_t case_list_entry_at(const spidx_case *c, const unsigned char *buf, int64_t at)
{
    SPIDX_ASSERT(c->check == SPIDX_OK && at >= 0 && at < c->shape.list_span);
    if (c->p.index_type == SPIDX_INDEX_I32) {
        int32_t v;
        memcpy(&v, buf + at * 4, 4);
        return v;
    }
    int64_t v;
    memcpy(&v, buf + at * 8, 8);
    return v;
}

uint32_t case_weight_bits_at(const spidx_case *c, const unsigned char *buf, int64_t at)
{
    SPIDX_ASSERT(c->check == SPIDX_OK && at >= 0 && at < c->shape.weight_span);
    if (c->p.weight_type == SPIDX_WEIGHT_F32) {
        uint32_t v;
        memcpy(&v, buf + at * 4, 4);
        return v;
    }
    uint16_t v;
    memcpy(&v, buf + at * 2, 2);
    return v;
}

int64_t outcome_list(const spidx_case *c, const spidx_outcome *o, int64_t bi, int64_t hi, int64_t j)
{
    return case_list_entry_at(c, o->list, offset_of(c->strides.list_sb, c->strides.list_sh, bi, hi, j));
}

uint32_t outcome_weight_bits(const spidx_case *c, const spidx_outcome *o, int64_t bi, int64_t hi, int64_t x)
{
    return case_weight_bits_at(c, o->weight, offset_of(c->strides.weight_sb, c->strides.weight_sh, bi, hi, x));
}

uint32_t case_init_weight_bits(const spidx_case *c, int64_t bi, int64_t hi, int64_t x)
{
    return case_weight_bits_at(c, c->weight_init, offset_of(c->strides.weight_sb, c->strides.weight_sh, bi, hi, x));
}

int case_padding_intact(const spidx_case *c, const spidx_outcome *o)
{
    /* Patch the row elements of a copy back to their initial bits: equal to the
     * initial buffer exactly when nothing outside the rows changed. */
    const spidx_params *p = &c->p;
    SPIDX_ASSERT(c->check == SPIDX_OK);
    if (c->shape.rows == 0)
        return memcmp(o->list, c->list_init, c->list_bytes) == 0 && memcmp(o->weight, c->weight_init, c->weight_bytes) == 0;
    /* Rows that fill their span exactly leave no padding to check. */
    if (c->shape.list_span == c->shape.rows * c->shape.T && c->shape.weight_span == c->shape.rows * p->sk) return 1;
    unsigned char *l = xmalloc(c->list_bytes), *w = xmalloc(c->weight_bytes);
    memcpy(l, o->list, c->list_bytes);
    memcpy(w, o->weight, c->weight_bytes);
    const size_t isz = c->shape.index_size, wsz = c->shape.weight_size;
    for (int64_t bi = 0; bi < p->b; bi++)
        for (int64_t hi = 0; hi < p->h; hi++) {
            if (c->shape.T) {
                const int64_t lrow = offset_of(c->strides.list_sb, c->strides.list_sh, bi, hi, 0);
                memcpy(l + (size_t)lrow * isz, c->list_init + (size_t)lrow * isz, (size_t)c->shape.T * isz);
            }
            if (p->sk) {
                const int64_t wrow = offset_of(c->strides.weight_sb, c->strides.weight_sh, bi, hi, 0);
                memcpy(w + (size_t)wrow * wsz, c->weight_init + (size_t)wrow * wsz, (size_t)p->sk * wsz);
            }
        }
    const int ok = memcmp(l, c->list_init, c->list_bytes) == 0 && memcmp(w, c->weight_init, c->weight_bytes) == 0;
    free(l);
    free(w);
    return ok;
}

/* Counts a mismatch and prints it while under the report limit. */
#define REPORT(field, ...)                                                                                   \
    do {                                                                                                     \
        if (n == 0 && first_field) *first_field = (field);                                                  \
        if (out && n < max_report) fprintf(out, __VA_ARGS__);                                               \
        n++;                                                                                                 \
    } while (0)

/* Byte-wise comparison of two buffers, for padding or for calls that must write nothing. */
static long compare_bytes(const char *what, const unsigned char *a, const unsigned char *b, size_t bytes,
                          const char *name_a, const char *name_b, FILE *out, int max_report, long n,
                          const char **first_field)
{
    if (memcmp(a, b, bytes) == 0) return n; /* the common case, without the per-byte loop */
    for (size_t i = 0; i < bytes; i++)
        if (a[i] != b[i])
            REPORT(what, "  %s byte %zu: %s=0x%02x %s=0x%02x\n", what, i, name_a, a[i], name_b, b[i]);
    return n;
}

long case_compare(const spidx_case *c, const char *name_a, const spidx_outcome *a, const char *name_b,
                  const spidx_outcome *b, FILE *out, int max_report, const char **first_field)
{
    long n = 0;
    /* The first call before the checked one: a failure there is reported as its own, not
     * as whatever the checked call inherits from it (a CUDA fault is sticky). */
    const char *call = spidx_call_name(c->call);
    if (a->first_status != b->first_status)
        REPORT("first_call", "  first call (call = %s): %s=%s %s=%s%s%s\n", call, name_a, spidx_status_name(a->first_status),
               name_b, spidx_status_name(b->first_status), b->first_detail.message[0] ? ": " : "", b->first_detail.message);
    if (!a->first_guards_intact)
        REPORT("guard", "  %s wrote outside its buffers in the first call (call = %s)\n", name_a, call);
    if (!b->first_guards_intact)
        REPORT("guard", "  %s wrote outside its buffers in the first call (call = %s)\n", name_b, call);
    if (!a->first_topk_intact) REPORT("topk", "  %s wrote the top-k buffer in the first call (call = %s)\n", name_a, call);
    if (!b->first_topk_intact) REPORT("topk", "  %s wrote the top-k buffer in the first call (call = %s)\n", name_b, call);
    if (a->status != b->status)
        REPORT("status", "  status: %s=%s %s=%s\n", name_a, spidx_status_name(a->status), name_b, spidx_status_name(b->status));
    if (a->detail.bi != b->detail.bi || a->detail.hi != b->detail.hi || a->detail.j != b->detail.j ||
        a->detail.value != b->detail.value)
        REPORT("detail", "  detail: %s=(bi=%lld hi=%lld j=%lld value=%lld) %s=(bi=%lld hi=%lld j=%lld value=%lld)\n", name_a,
               (long long)a->detail.bi, (long long)a->detail.hi, (long long)a->detail.j, (long long)a->detail.value,
               name_b, (long long)b->detail.bi, (long long)b->detail.hi, (long long)b->detail.j,
               (long long)b->detail.value);
    if (!a->guards_intact) REPORT("guard", "  %s wrote outside its buffers (guard canary changed)\n", name_a);
    if (!b->guards_intact) REPORT("guard", "  %s wrote outside its buffers (guard canary changed)\n", name_b);
    if (!a->topk_intact) REPORT("topk", "  %s wrote the top-k buffer\n", name_a);
    if (!b->topk_intact) REPORT("topk", "  %s wrote the top-k buffer\n", name_b);

    const int wrote = (a->status == SPIDX_OK || a->status == SPIDX_E_HEAVY_RANGE) &&
                      (b->status == SPIDX_OK || b->status == SPIDX_E_HEAVY_RANGE) && c->check == SPIDX_OK;
    if (!wrote) {
        /* Neither call may have written (or statuses differ): the buffers must agree byte for byte. */
        n = compare_bytes("list", a->list, b->list, c->list_bytes, name_a, name_b, out, max_report, n, first_field);
        return compare_bytes("weight", a->weight, b->weight, c->weight_bytes, name_a, name_b, out, max_report, n, first_field);
    }

    /* Row elements first, with coordinates; then b's buffers with a's row elements
     * patched in, so that any remaining difference is padding. A row's elements are
     * contiguous: equal rows (the common case) are one memcmp, and only a row that
     * differs is walked element by element. */
    const spidx_params *p = &c->p;
    const size_t isz = c->shape.index_size, wsz = c->shape.weight_size;
    const size_t lrow_bytes = (size_t)c->shape.T * isz, wrow_bytes = (size_t)p->sk * wsz;
    /* Rows that fill their spans exactly (rows never overlap: spidx_check) leave no padding. */
    const int padded = c->shape.list_span != c->shape.rows * c->shape.T || c->shape.weight_span != c->shape.rows * p->sk;
    unsigned char *lb = NULL, *wb = NULL;
    if (padded) {
        lb = xmalloc(c->list_bytes);
        wb = xmalloc(c->weight_bytes);
        memcpy(lb, b->list, c->list_bytes);
        memcpy(wb, b->weight, c->weight_bytes);
    }
    for (int64_t bi = 0; bi < p->b && c->shape.rows > 0; bi++) {
        for (int64_t hi = 0; hi < p->h; hi++) {
            const int64_t lrow = offset_of(c->strides.list_sb, c->strides.list_sh, bi, hi, 0);
            const int64_t wrow = offset_of(c->strides.weight_sb, c->strides.weight_sh, bi, hi, 0);
            if (lrow_bytes && memcmp(a->list + (size_t)lrow * isz, b->list + (size_t)lrow * isz, lrow_bytes) != 0)
                for (int64_t j = 0; j < c->shape.T; j++) {
                    const int64_t va = case_list_entry_at(c, a->list, lrow + j), vb = case_list_entry_at(c, b->list, lrow + j);
                    if (va != vb)
                        REPORT("list", "  list (bi=%lld, hi=%lld, j=%lld): %s=%lld %s=%lld\n", (long long)bi,
                               (long long)hi, (long long)j, name_a, (long long)va, name_b, (long long)vb);
                }
            if (wrow_bytes && memcmp(a->weight + (size_t)wrow * wsz, b->weight + (size_t)wrow * wsz, wrow_bytes) != 0)
                for (int64_t x = 0; x < p->sk; x++) {
                    const uint32_t va = case_weight_bits_at(c, a->weight, wrow + x), vb = case_weight_bits_at(c, b->weight, wrow + x);
                    if (va != vb)
                        REPORT("weight", "  weight (bi=%lld, hi=%lld, x=%lld): %s=0x%0*x %s=0x%0*x\n", (long long)bi,
                               (long long)hi, (long long)x, name_a, (int)wsz * 2, va, name_b, (int)wsz * 2, vb);
                }
            if (padded) {
                if (lrow_bytes) memcpy(lb + (size_t)lrow * isz, a->list + (size_t)lrow * isz, lrow_bytes);
                if (wrow_bytes) memcpy(wb + (size_t)wrow * wsz, a->weight + (size_t)wrow * wsz, wrow_bytes);
            }
        }
    }
    if (padded) {
        n = compare_bytes("list padding", a->list, lb, c->list_bytes, name_a, name_b, out, max_report, n, first_field);
        n = compare_bytes("weight padding", a->weight, wb, c->weight_bytes, name_a, name_b, out, max_report, n,
                          first_field);
    }
    free(lb);
    free(wb);
    return n;
}

void case_describe(const spidx_case *c, char *buf, size_t size)
{
    const spidx_params *p = &c->p;
    snprintf(buf, size,
             "b=%lld h=%lld sk=%lld sink=%lld heavy=%lld window=%lld init_offset=%lld index=%s weight=%s mode=%s "
             "topk_strides=(%lld,%lld) list_strides=(%lld,%lld) weight_strides=(%lld,%lld)%s",
             (long long)p->b, (long long)p->h, (long long)p->sk, (long long)p->sink, (long long)p->heavy,
             (long long)p->window, (long long)p->init_offset, spidx_index_type_name(p->index_type),
             spidx_weight_type_name(p->weight_type), spidx_mode_name(p->mode), (long long)p->topk_sb,
             (long long)p->topk_sh, (long long)p->list_sb, (long long)p->list_sh, (long long)p->weight_sb,
             (long long)p->weight_sh, c->null_mask ? " (null buffers)" : "");
}

int case_require_gpu(void)
{
    const char *v = getenv("SPIDX_REQUIRE_GPU");
    return v && strcmp(v, "1") == 0;
}

case_select_status case_select_impls(const spidx_impl **impls, size_t *count, FILE *log, char *err, size_t err_size)
{
    size_t nall, n = 0;
    const spidx_impl *all = spidx_impls(&nall);
    const char *sel = getenv("SPIDX_IMPLS");
    const int named = sel && *sel, require_gpu = case_require_gpu();
    int wanted[SPIDX_MAX_IMPLS];
    *count = 0;
    if (err && err_size) err[0] = 0;
    if (spidx_registry_load_env(err, err_size) != 0) return CASE_SELECT_PLUGIN;
    all = spidx_impls(&nall); /* plug-ins appended */
    SPIDX_ASSERT(nall <= SPIDX_MAX_IMPLS);
    for (size_t i = 0; i < nall; i++) wanted[i] = !named && !all[i].opt_in;
    if (named) {
        /* Every name in the list must exist: a typo must not silently test less. */
        const size_t len = strlen(sel);
        char *names = malloc(len + 1);
        SPIDX_ASSERT(names != NULL);
        memcpy(names, sel, len + 1);
        int any = 0;
        for (char *tok = strtok(names, ","); tok; tok = strtok(NULL, ",")) {
            const spidx_impl *found = spidx_impl_find(tok);
            if (!found) {
                if (err) snprintf(err, err_size, "SPIDX_IMPLS names an unknown implementation '%s'", tok);
                free(names);
                return CASE_SELECT_UNKNOWN;
            }
            wanted[found - all] = 1;
            any = 1;
        }
        free(names);
        if (!any) {
            if (err) snprintf(err, err_size, "SPIDX_IMPLS = '%s' names no implementation", sel);
            return CASE_SELECT_UNKNOWN;
        }
    }
    for (size_t i = 0; i < nall; i++) {
        if (!wanted[i]) continue;
        char why[192];
        if (!all[i].available(why, sizeof why)) {
            /* A named implementation must run: a gate that names one and compares
             * nothing must not pass. */
            if (named || (require_gpu && all[i].kind == SPIDX_IMPL_GPU)) {
                if (err)
                    snprintf(err, err_size,
                             named ? "SPIDX_IMPLS names %s, which is unavailable here: %s"
                                   : "SPIDX_REQUIRE_GPU=1 but %s is unavailable here: %s",
                             all[i].name, why);
                return CASE_SELECT_UNAVAILABLE;
            }
            if (log) fprintf(log, "spidx: %s (%s) unavailable, skipped: %s\n", all[i].name,
                             spidx_impl_kind_name(all[i].kind), why);
            continue;
        }
        impls[n++] = &all[i];
    }
    *count = n;
    return CASE_SELECT_OK;
}

void case_describe_impls(const spidx_impl *const *impls, size_t n, char *buf, size_t size)
{
    size_t at = 0;
    int others = 0;
    if (size == 0) return;
    buf[0] = 0;
    if (n == 0) {
        snprintf(buf, size, "nothing (no implementation selected)");
        return;
    }
    for (size_t i = 0; i < n && at < size; i++) {
        at += (size_t)snprintf(buf + at, size - at, "%s%s", i ? ", " : "", impls[i]->name);
        others |= !impls[i]->is_reference;
    }
    if (!others && at < size) snprintf(buf + at, size - at, " (reference only: no differential comparison)");
}

const spidx_impl *volatile case_running;

/* Layout bits of one tensor of rows of n elements, from its effective strides (0 for an
 * ignored dimension). */
static uint32_t tensor_layout(int64_t b, int64_t h, int64_t n, int64_t sb, int64_t sh)
{
    if (b > 1 && h > 1 && sb < sh) /* heads outermost: dense would be sb = n, sh = b * n */
        return SPIDX_CAP_PERMUTED | ((sb != n || sh != b * n) ? SPIDX_CAP_PADDED : 0u);
    const int padded = (h > 1 && sh != n) || (b > 1 && sb != (h > 1 ? h * sh : n));
    return padded ? SPIDX_CAP_PADDED : 0u;
}

uint32_t case_layout_caps(const spidx_case *c)
{
    SPIDX_ASSERT(c->check == SPIDX_OK);
    if (c->shape.rows == 0) return 0; /* no row, no layout: the strides are ignored */
    const spidx_params *p = &c->p;
    const spidx_row_strides *s = &c->strides;
    const int64_t lengths[3] = {c->shape.H, c->shape.T, p->sk};
    const int64_t sb[3] = {s->topk_sb, s->list_sb, s->weight_sb}, sh[3] = {s->topk_sh, s->list_sh, s->weight_sh};
    uint32_t bits = 0;
    for (int i = 0; i < 3; i++)
        if (lengths[i] > 0) bits |= tensor_layout(p->b, p->h, lengths[i], sb[i], sh[i]);
    return bits;
}

int case_applies(const spidx_impl *impl, const spidx_case *c, spidx_status ref_status, char *why, size_t why_size)
{
    const uint32_t caps = impl->caps;
    const spidx_params *p = &c->p;
    if (why && why_size) why[0] = 0;
    if (ref_status == SPIDX_E_HEAVY_RANGE && !(caps & SPIDX_CAP_HEAVY_RANGE)) {
        if (why) snprintf(why, why_size, "declares no handling of invalid top-k values (reference: SPIDX_E_HEAVY_RANGE)");
        return 0;
    }
    if (ref_status != SPIDX_OK && ref_status != SPIDX_E_HEAVY_RANGE && !(caps & SPIDX_CAP_VALIDATES)) {
        if (why) snprintf(why, why_size, "expects valid inputs only (reference: %s)", spidx_status_name(ref_status));
        return 0;
    }
    /* Known types and modes must be declared; unknown values are invalid calls, which a
     * validating implementation gets. */
    const struct {
        int32_t value, known;
        uint32_t bit;
        const char *what;
    } need[] = {
        {p->index_type, SPIDX_INDEX_I64, SPIDX_CAP_INDEX_I64, "int64 index"},
        {p->index_type, SPIDX_INDEX_I32, SPIDX_CAP_INDEX_I32, "int32 index"},
        {p->weight_type, SPIDX_WEIGHT_F32, SPIDX_CAP_WEIGHT_F32, "float32 weights"},
        {p->weight_type, SPIDX_WEIGHT_F16, SPIDX_CAP_WEIGHT_F16, "float16 weights"},
        {p->weight_type, SPIDX_WEIGHT_BF16, SPIDX_CAP_WEIGHT_BF16, "bfloat16 weights"},
        {p->mode, SPIDX_MODE_ZERO, SPIDX_CAP_MODE_ZERO, "ZERO mode"},
        {p->mode, SPIDX_MODE_KEEP, SPIDX_CAP_MODE_KEEP, "KEEP mode"},
    };
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
        if (need[i].value == need[i].known && !(caps & need[i].bit)) {
            if (why) snprintf(why, why_size, "declares no %s", need[i].what);
            return 0;
        }
    if (c->check != SPIDX_OK) return 1; /* strides of an invalid call have no layout */
    const uint32_t layout = case_layout_caps(c);
    if ((layout & SPIDX_CAP_PERMUTED) && !(caps & SPIDX_CAP_PERMUTED)) {
        if (why) snprintf(why, why_size, "declares no permuted layout");
        return 0;
    }
    if ((layout & SPIDX_CAP_PADDED) && !(caps & SPIDX_CAP_PADDED)) {
        if (why) snprintf(why, why_size, "declares no padded layout");
        return 0;
    }
    return 1;
}
