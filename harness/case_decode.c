/* case_decode.c - fuzzer bytes <-> case. The decoder is total and deterministic:
 * `.case` text parses as text; a first byte of SPIDX_RAW_TAG selects the exact raw
 * form (what case_encode writes); anything else drives a structured decoder that
 * picks a shape class, types, layout, fill, error injections and a top-k strategy,
 * keeping most cases small so execs stay fast. */
#include <stdlib.h>
#include <string.h>

#include "case_io.h"

typedef struct {
    const uint8_t *d;
    size_t n, at;
} reader;

/* Past the end every read returns 0: short inputs decode to small, plain cases. */
static uint8_t rd8(reader *r) { return r->at < r->n ? r->d[r->at++] : 0; }
static uint64_t rd64(reader *r)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)rd8(r) << (8 * i);
    return v;
}
static uint32_t rd32(reader *r)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v |= (uint32_t)rd8(r) << (8 * i);
    return v;
}
/* A value in [0, n] from two bytes (n small) or eight (n large). */
static int64_t upto(reader *r, int64_t n)
{
    if (n <= 0) return 0;
    if (n < 65535) return (int64_t)((rd8(r) | (uint32_t)rd8(r) << 8) % (uint64_t)(n + 1));
    return (int64_t)(rd64(r) % (uint64_t)(n + 1));
}

enum { LAYOUT_CONTIGUOUS, LAYOUT_PADDED, LAYOUT_PERMUTED, LAYOUT_PADDED_PERMUTED };

/* Row strides for rows of length L under a layout ([b][h] or permuted [h][b]). */
static void layout_strides(int layout, int64_t b, int64_t h, int64_t L, int64_t pad, int64_t pad2, int64_t *sb,
                           int64_t *sh)
{
    if (layout == LAYOUT_CONTIGUOUS) pad = pad2 = 0;
    if (layout == LAYOUT_PERMUTED) pad = pad2 = 0;
    if (layout == LAYOUT_PERMUTED || layout == LAYOUT_PADDED_PERMUTED) {
        *sb = L + pad;
        *sh = b * *sb + pad2;
    } else {
        *sh = L + pad;
        *sb = h * *sh + pad2;
    }
}

static int64_t list_len(const spidx_params *p)
{
    return (p->sink < p->sk ? p->sink : p->sk) + p->heavy + (p->window < p->sk ? p->window : p->sk);
}

static void apply_layout(spidx_params *p, int layout, const int64_t pads[6])
{
    layout_strides(layout, p->b, p->h, p->heavy, pads[0], pads[1], &p->topk_sb, &p->topk_sh);
    layout_strides(layout, p->b, p->h, list_len(p), pads[2], pads[3], &p->list_sb, &p->list_sh);
    layout_strides(layout, p->b, p->h, p->sk, pads[4], pads[5], &p->weight_sb, &p->weight_sh);
}

/* Bytes the case's buffers need (over the budget when rows are), or 0 when
 * spidx_check rejects p (64-byte buffers then). */
typedef struct {
    size_t max_bytes;
    int64_t max_rows;
} budget;

static size_t case_bytes(const spidx_params *p, const budget *bg)
{
    static int64_t dummy;
    spidx_shape s;
    if (spidx_check(p, &dummy, &dummy, &dummy, &s, NULL) != SPIDX_OK) return 0;
    if (s.rows > bg->max_rows) return SIZE_MAX;
    /* Each span's bytes fit int64 (spidx_check); their sum may not. */
    size_t t = (size_t)s.topk_span * 8, u;
    if (__builtin_add_overflow(t, (size_t)s.list_span * s.index_size, &u) ||
        __builtin_add_overflow(u, (size_t)s.weight_span * s.weight_size, &t))
        return SIZE_MAX;
    return t;
}

/* Drops row padding first (when relayout >= 0: the many-rows class keeps its row
 * count), then halves b, then h, then sk, then heavy until the case fits; without
 * relayout strides are kept (rows stay disjoint when extents shrink). */
static void shrink_to_budget(spidx_params *p, int relayout, const int64_t pads[6], const budget *bg)
{
    static const int64_t no_pads[6] = {0, 0, 0, 0, 0, 0};
    while (case_bytes(p, bg) > bg->max_bytes) {
        if (relayout >= 0 && pads != no_pads) {
            pads = no_pads;
            apply_layout(p, relayout, pads);
            continue;
        }
        if (p->b > 1) p->b /= 2;
        else if (p->h > 1) p->h /= 2;
        else if (p->sk > 1) p->sk /= 2;
        else p->heavy /= 2;
        if (relayout >= 0) apply_layout(p, relayout, pads);
    }
}

/* The raw form, exact: 0 when it was decoded into *c, -1 (nothing allocated) when its
 * case is over the budget. */
static int decode_raw(reader *r, spidx_case *c, const budget *bg)
{
    spidx_params p;
    memset(&p, 0, sizeof p);
    (void)rd8(r); /* format version; only 1 exists */
    int64_t *sizes[] = {&p.b, &p.h, &p.sk, &p.sink, &p.window, &p.heavy, &p.init_offset};
    for (int i = 0; i < 7; i++) *sizes[i] = (int64_t)rd64(r);
    p.index_type = (int32_t)rd32(r);
    p.weight_type = (int32_t)rd32(r);
    p.mode = (int32_t)rd32(r);
    int64_t *strides[] = {&p.topk_sb, &p.topk_sh, &p.list_sb, &p.list_sh, &p.weight_sb, &p.weight_sh};
    for (int i = 0; i < 6; i++) *strides[i] = (int64_t)rd64(r);
    const unsigned null_mask = rd8(r) & SPIDX_NULL_ALL;
    const int fill = rd8(r) % SPIDX_FILL_COUNT;
    const uint64_t seed = rd64(r);
    if (case_bytes(&p, bg) > bg->max_bytes) return -1;
    case_init_fill(c, &p, fill, seed);
    c->null_mask = null_mask;
    if (c->check == SPIDX_OK)
        for (int64_t bi = 0; bi < p.b && c->shape.rows > 0; bi++)
            for (int64_t hi = 0; hi < p.h; hi++)
                for (int64_t k = 0; k < p.heavy; k++) case_set_topk(c, bi, hi, k, (int64_t)rd64(r));
    c->call = rd8(r) % SPIDX_CALL_COUNT; /* last, so raw inputs written before it exist call once */
    return 0;
}

/* Error injections: each makes one status class 1-3 reachable from few bytes. */
static void inject_error(reader *r, spidx_params *p, unsigned *null_mask)
{
    const int64_t big = (int64_t)1 << 32;
    switch (rd8(r) % 12) {
    case 0: {
        int64_t *f[] = {&p->b, &p->h, &p->sk, &p->sink, &p->window, &p->heavy, &p->init_offset};
        *f[rd8(r) % 7] = rd8(r) & 1 ? INT64_MIN : -1 - upto(r, 3);
        break;
    }
    case 1: p->index_type = 2 + (int32_t)(rd8(r) % 3); break;
    case 2: p->weight_type = rd8(r) & 1 ? -1 : 3; break;
    case 3: p->mode = 2 + (int32_t)(rd8(r) % 3); break;
    case 4: *null_mask = 1u + rd8(r) % SPIDX_NULL_ALL; break; /* a non-empty subset */
    case 5: {
        int64_t *s[] = {&p->topk_sb, &p->topk_sh, &p->list_sb, &p->list_sh, &p->weight_sb, &p->weight_sh};
        *s[rd8(r) % 6] = -1 - upto(r, 5);
        break;
    }
    case 6: p->list_sh = list_len(p) > 0 ? list_len(p) - 1 : -1; break;
    case 7: p->weight_sb = p->weight_sh; break;
    case 8: /* b * h overflows with disjoint weight rows */
        p->b = p->h = big;
        p->sk = 1;
        p->sink = p->window = p->heavy = 0;
        p->weight_sh = 1;
        p->weight_sb = big;
        break;
    case 9: /* T overflows on one row */
        p->b = p->h = 1;
        p->heavy = INT64_MAX - upto(r, 3);
        break;
    case 10: /* int32 list with sk > INT32_MAX on one row */
        p->b = p->h = 1;
        p->sk = (int64_t)INT32_MAX + 1 + upto(r, 1000);
        p->index_type = SPIDX_INDEX_I32;
        p->heavy = upto(r, 3);
        p->topk_sh = p->topk_sb = p->heavy;
        break;
    default: /* a span whose bytes overflow */
        p->b = 2;
        p->weight_sb = INT64_MAX / 2 - upto(r, 7);
        break;
    }
}

enum { TOPK_EXPLICIT, TOPK_UNIFORM, TOPK_DUPLICATES, TOPK_IN_SINK, TOPK_IN_WINDOW, TOPK_SORTED, TOPK_REVERSED,
       TOPK_ALL_EQUAL, TOPK_BOUNDARY, TOPK_MIXED, TOPK_STRATEGIES };

static int cmp_i64(const void *a, const void *b)
{
    const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t strategy_value(int strategy, reader *r, uint64_t *rng, const spidx_case *c, int64_t pool[3], int npool)
{
    const spidx_params *p = &c->p;
    const int64_t range = p->sk - p->init_offset, S = c->shape.S, W = c->shape.W;
    const uint64_t x = case_splitmix64(rng);
    switch (strategy) {
    case TOPK_EXPLICIT: return (int16_t)(rd8(r) | (uint16_t)rd8(r) << 8);
    case TOPK_DUPLICATES:
    case TOPK_ALL_EQUAL: return pool[x % (uint64_t)npool];
    case TOPK_IN_SINK: return (int64_t)(x % (uint64_t)(S > 0 ? S : 1)) - p->init_offset;
    case TOPK_IN_WINDOW: return p->sk - 1 - (int64_t)(x % (uint64_t)(W > 0 ? W : 1)) - p->init_offset;
    case TOPK_BOUNDARY: return x & 1 ? 0 : range - 1;
    default: return range > 0 ? (int64_t)(x % (uint64_t)range) : (int64_t)(x % 8);
    }
}

static void fill_topk(reader *r, spidx_case *c)
{
    const spidx_params *p = &c->p;
    const int strategy = rd8(r) % TOPK_STRATEGIES;
    const int sprinkle = rd8(r) % 4 == 0;
    uint64_t rng = rd64(r) ^ 0x70B5EEDull;
    const int64_t range = p->sk - p->init_offset;
    int64_t pool[3];
    const int npool = strategy == TOPK_ALL_EQUAL ? 1 : 1 + (int)(case_splitmix64(&rng) % 3);
    for (int i = 0; i < 3; i++) pool[i] = range > 0 ? (int64_t)(case_splitmix64(&rng) % (uint64_t)range) : 0;
    int64_t *row = malloc((size_t)(p->heavy ? p->heavy : 1) * sizeof *row);
    SPIDX_ASSERT(row != NULL);
    for (int64_t bi = 0; bi < p->b && c->shape.rows > 0; bi++)
        for (int64_t hi = 0; hi < p->h; hi++) {
            for (int64_t k = 0; k < p->heavy; k++) {
                const int s = strategy == TOPK_MIXED ? (int)(case_splitmix64(&rng) % TOPK_MIXED) : strategy;
                row[k] = strategy_value(s == TOPK_SORTED || s == TOPK_REVERSED ? TOPK_UNIFORM : s, r, &rng, c, pool,
                                        npool);
                if (sprinkle && case_splitmix64(&rng) % 8 == 0) {
                    const int64_t bad[] = {-1, range, INT64_MIN, INT64_MAX, -1 - (int64_t)(case_splitmix64(&rng) % 1000),
                                           range + (int64_t)(case_splitmix64(&rng) % 5)};
                    row[k] = bad[case_splitmix64(&rng) % 6];
                }
            }
            if (strategy == TOPK_SORTED || strategy == TOPK_REVERSED) {
                qsort(row, (size_t)p->heavy, sizeof *row, cmp_i64);
                if (strategy == TOPK_REVERSED)
                    for (int64_t i = 0, j = p->heavy - 1; i < j; i++, j--) {
                        const int64_t t = row[i];
                        row[i] = row[j];
                        row[j] = t;
                    }
            }
            for (int64_t k = 0; k < p->heavy; k++) case_set_topk(c, bi, hi, k, row[k]);
        }
    free(row);
}

/* Shape classes. Each sets b, h, sk, sink, window, heavy and init_offset from the input;
 * it returns 1 when the class only makes sense in KEEP mode. */
static int shape_small(reader *r, spidx_params *p)
{
    p->b = 1 + upto(r, 2);
    p->h = 1 + upto(r, 3);
    p->sk = upto(r, 64);
    p->sink = upto(r, p->sk + 2);
    p->window = upto(r, p->sk + 2);
    p->heavy = upto(r, 16);
    p->init_offset = rd8(r) % 4 == 0 ? upto(r, p->sk + 2) : 0;
    return 0;
}

/* Rows of 513-2,080 weights, 256-319 of them: long rows that a warp's bitmap still holds
 * (the fused kernel gives rows of up to 2,048 weights a warp and a 2,048-bit bitmap when
 * there are at least 256 of them; kernels/fused.cu, re-derived here on purpose), and,
 * in one input of four, rows within 32 weights of that limit on either side. Without
 * this class no row the warp kernel took used more than 9 of its 64 bitmap words (the
 * many-rows shapes stop at 287 weights), and rows just past the limit took a bitmap
 * only when a long-rows KEEP list passed 128 Ki entries, rarely. Half of these
 * force KEEP mode with a sink long enough (T >= 513 entries, 131,328 in all at least) to
 * take the bitmap rather than the flat list (128 Ki entries); the other half take the
 * mode from the types byte with short regions. 32-bit weights with int64 lists may
 * exceed the budget and shrink off the path. */
static int shape_warp_bitmap_rows(reader *r, spidx_params *p)
{
    const int keep = rd8(r) & 1;
    p->b = 1 + upto(r, 1);
    p->h = (256 + upto(r, 63)) / p->b; /* 256 rows at least, whatever b */
    p->sk = rd8(r) % 4 == 0 ? 2017 + upto(r, 63) : 513 + upto(r, 1503);
    p->sink = keep ? 520 + upto(r, 63) : upto(r, 64);
    p->window = upto(r, 64);
    p->heavy = upto(r, 64);
    p->init_offset = upto(r, 64);
    return keep;
}

/* More rows than one wave of blocks: blocks loop over work items. */
static int shape_rows_beyond_one_wave(reader *r, spidx_params *p)
{
    p->b = 1 + upto(r, 1);
    p->h = (1024 + upto(r, 1024)) / p->b;
    p->sk = upto(r, 16);
    p->sink = upto(r, 2);
    p->window = upto(r, 2);
    p->heavy = upto(r, 4);
    p->init_offset = rd8(r) % 4 == 0 ? upto(r, 4) : 0;
    return 0;
}

/* Medium: up to a few chunks of 2,048 elements per row. */
static int shape_medium(reader *r, spidx_params *p)
{
    p->b = 1 + upto(r, 1);
    p->h = 1 + upto(r, 1);
    p->sk = upto(r, 4608);
    p->sink = upto(r, 64);
    p->window = upto(r, 128);
    p->heavy = upto(r, 128);
    p->init_offset = upto(r, 64);
    return 0;
}

static int shape_list_longer_than_sk(reader *r, spidx_params *p)
{
    p->b = 1 + upto(r, 1);
    p->h = 1 + upto(r, 2);
    p->sk = upto(r, 8);
    p->sink = upto(r, 10);
    p->window = upto(r, 10);
    p->heavy = 8 + upto(r, 24);
    return 0;
}

static int shape_zero_rows(reader *r, spidx_params *p)
{
    p->b = rd8(r) & 1 ? 0 : 1 + upto(r, 2);
    p->h = p->b ? 0 : upto(r, 3);
    p->sk = upto(r, 16);
    p->sink = upto(r, 4);
    p->window = upto(r, 4);
    p->heavy = upto(r, 4);
    return 0;
}

/* Many rows, tiny sk: more than 65,535 rows (grid limits). */
/* Many rows: a grid-stride kernel's groups take several rows each only past one pass of
 * the grid, and per-row state (the bitmap) must then be reset between rows. The fused
 * kernel's row groups hold one pass of 4,224 rows a warp each, 16,896 rows 8 lanes each
 * and 135,168 a thread each on a GPU of 132 SMs (kernels/fused.cu; re-derived here on
 * purpose, to aim at them). Half of these inputs: past 65,535 rows (grid limits; in ZERO
 * mode spans of rows when they lie back to back, else a thread per row, one pass). A
 * quarter: past one pass of 8 lanes per row (ZERO mode, 64 < sk <= 512: 8 lanes per row
 * when a layout pads the rows, spans of rows when they lie back to back; float32 weights
 * exceed the budget and are shrunk, their padding dropped first). A quarter: KEEP rows
 * a warp each past one pass (256 < sk <= 2,048, T > sk / 48, rows x T past the flat
 * list's 128 Ki entries; float32 shrinks). A thread per row past one pass needs more rows
 * than the decoding budget allows: test_gpu_grid covers it. tests/test_fused_dispatch.c
 * checks where the variants land. */
static int shape_many_rows(reader *r, spidx_params *p)
{
    const int variant = rd8(r) % 4;
    if (variant == 2) {
        p->b = 1;
        p->h = 17408 + upto(r, 1023);
        p->sk = 65 + upto(r, 15);
        p->sink = upto(r, 1);
        p->window = upto(r, 1);
        p->heavy = upto(r, 1);
        return 0;
    }
    if (variant == 3) {
        p->b = 1;
        p->h = 4352 + upto(r, 255);
        p->sk = 257 + upto(r, 31);
        /* T >= 31 > sk / 48 (at most 6) and rows x T >= 134,912 > 131,072, from the sink
         * rather than the top-k: at most 4,607 x (4 x 8 + 37 x 8 + 288 x 2) = 4,164,728
         * bytes with 16-bit weights, inside the 4 MiB budget (float32 shrinks). */
        p->sink = 30 + upto(r, 1);
        p->window = upto(r, 2);
        p->heavy = 1 + upto(r, 3);
        p->init_offset = upto(r, 4);
        return 1;
    }
    p->b = 1 + upto(r, 1);
    p->h = (65536 + upto(r, 4000)) / p->b;
    p->sk = upto(r, 2);
    p->sink = upto(r, 1);
    p->window = upto(r, 1);
    p->heavy = upto(r, 1);
    return 0;
}

/* Half: long rows, several blocks' work per row. Half: KEEP lists around and past the
 * fused kernel's flat limit (kFlatListMax in kernels/fused.cu, 128 Ki entries in all);
 * past it, KEEP rows of 2-3 chunks go through the block kernel's bitmap. */
static int shape_long_rows_or_keep_lists(reader *r, spidx_params *p)
{
    if (rd8(r) & 1) {
        p->b = 1;
        p->h = 1 + upto(r, 1);
        p->sk = 65537 + upto(r, 8192);
        p->sink = upto(r, 300);
        p->window = upto(r, 300);
        p->heavy = upto(r, 600);
        p->init_offset = upto(r, 100);
        return 0;
    }
    p->b = 1 + upto(r, 1);
    p->h = (48 + upto(r, 80)) / p->b;
    p->sk = 2049 + upto(r, 4096);
    p->sink = upto(r, 1024);
    p->window = upto(r, 1024);
    p->heavy = upto(r, 1024);
    p->init_offset = upto(r, 64);
    return 1;
}

/* The structured decoder's shape classes and their shares of the first byte (out of
 * 64, in this order). Most inputs are small so execs stay fast. A costly class (many
 * rows, rows for a warp's bitmap, long rows, long KEEP lists) also needs a second byte
 * to confirm it (1 in 8) and is small otherwise, so it stays rare in a random mix, yet
 * an empty corpus reaches it within seconds (the mutation report measures how fast the fuzzer finds the bugs each
 * class exposes). The error-injection class is small with one status class 1-3 forced. */
typedef struct {
    const char *name;
    int share;   /* values of the first byte (mod 64) that pick the class */
    int costly;  /* needs the confirming byte */
    int inject;  /* error injection */
    int (*shape)(reader *r, spidx_params *p);
} shape_class;

/* X(name, share, costly, inject, shape function), in the order of the first byte. */
#define SHAPE_CLASSES(X)                                                                                     \
    X(small, 46, 0, 0, shape_small)                                                                          \
    X(warp_bitmap_rows, 1, 1, 0, shape_warp_bitmap_rows)                                                     \
    X(rows_beyond_one_wave, 1, 0, 0, shape_rows_beyond_one_wave)                                             \
    X(medium, 4, 0, 0, shape_medium)                                                                         \
    X(list_longer_than_sk, 4, 0, 0, shape_list_longer_than_sk)                                               \
    X(error_injection, 4, 0, 1, shape_small)                                                                 \
    X(zero_rows, 2, 0, 0, shape_zero_rows)                                                                   \
    X(many_rows, 1, 1, 0, shape_many_rows)                                                                   \
    X(long_rows_or_keep_lists, 1, 1, 0, shape_long_rows_or_keep_lists)
#define SHAPE_ROW(name, share, costly, inject, fn) {#name, share, costly, inject, fn},
#define SHAPE_SHARE(name, share, costly, inject, fn) +(share)
static const shape_class k_classes[] = {SHAPE_CLASSES(SHAPE_ROW)};
enum { SHAPE_SHARES = 64 };
_Static_assert(0 SHAPE_CLASSES(SHAPE_SHARE) == SHAPE_SHARES, "the shares of the shape classes add up to 64");
#undef SHAPE_ROW
#undef SHAPE_SHARE

static const shape_class *pick_class(reader *r)
{
    int sel = rd8(r) % SHAPE_SHARES;
    size_t i = 0;
    while (sel >= k_classes[i].share) {
        sel -= k_classes[i++].share; /* the shares add up to SHAPE_SHARES: i stays in the table */
    }
    if (k_classes[i].costly && rd8(r) % 8 != 5) return &k_classes[0]; /* unconfirmed: small */
    return &k_classes[i];
}

static void decode_structured(reader *r, spidx_case *c, const budget *bg)
{
    spidx_params p;
    memset(&p, 0, sizeof p);
    const shape_class *cls = pick_class(r);
    const int keep_only = cls->shape(r, &p);
    const int inject = cls->inject;
    const uint8_t types = rd8(r);
    p.index_type = types & 1;
    p.weight_type = (types >> 1) % 3;
    p.mode = keep_only ? SPIDX_MODE_KEEP : (types >> 3) & 1;
    const int fill = rd8(r) % SPIDX_FILL_COUNT;
    const uint64_t seed = rd32(r);
    const int layout = rd8(r) % 4;
    int64_t pads[6];
    for (int i = 0; i < 6; i++) pads[i] = upto(r, 7);
    apply_layout(&p, layout, pads);
    unsigned null_mask = 0;
    if (inject) {
        if (p.b < 2) p.b = 2; /* strides only matter with two rows or more */
        if (p.h < 2) p.h = 2;
        apply_layout(&p, layout, pads);
        inject_error(r, &p, &null_mask);
    }
    shrink_to_budget(&p, inject ? -1 : layout, pads, bg);
    case_init_fill(c, &p, fill, seed);
    c->null_mask = null_mask;
    if (c->check == SPIDX_OK) fill_topk(r, c);
    /* The last byte read: 1 input in 8 runs twice, 1 in 8 after a larger case, 1 in 16
     * each on a user stream, on two streams at once, in a CUDA graph; inputs too short to
     * reach it call once. */
    const uint8_t call = rd8(r);
    c->call = call >= 224   ? SPIDX_CALL_TWICE
              : call >= 192 ? SPIDX_CALL_AFTER_LARGER
              : call >= 176 ? SPIDX_CALL_STREAM
              : call >= 160 ? SPIDX_CALL_TWO_STREAMS
              : call >= 144 ? SPIDX_CALL_GRAPH
                            : SPIDX_CALL_ONCE;
}

int case_decode(const uint8_t *data, size_t size, spidx_case *c)
{
    return case_decode_bounded(data, size, c, SPIDX_FUZZ_MAX_BYTES, SPIDX_FUZZ_MAX_ROWS);
}

int case_fits_fuzz_budget(const spidx_case *c)
{
    const budget fuzz = {SPIDX_FUZZ_MAX_BYTES, SPIDX_FUZZ_MAX_ROWS};
    return case_bytes(&c->p, &fuzz) <= fuzz.max_bytes;
}

int case_decode_bounded(const uint8_t *data, size_t size, spidx_case *c, size_t max_bytes, int64_t max_rows)
{
    const budget bg = {max_bytes, max_rows};
    /* Text is text (case_io.h): it parses within the budget or the input is rejected. The
     * raw form within the budget is taken as written; any other bytes, the raw form
     * over the budget included, drive the structured decoder. */
    if (case_is_text(data, size)) {
        char err[160];
        return case_parse_bounded((const char *)data, size, c, err, sizeof err, max_bytes, max_rows) == 0 ? 0 : -1;
    }
    reader r = {data, size, 0};
    if (size > 0 && data[0] == SPIDX_RAW_TAG) {
        r.at = 1;
        if (decode_raw(&r, c, &bg) == 0) return 0;
    }
    r.at = size > 0 ? 1 : 0;
    decode_structured(&r, c, &bg);
    return 0;
}

static void put64(uint8_t **q, uint64_t v)
{
    for (int i = 0; i < 8; i++) *(*q)++ = (uint8_t)(v >> (8 * i));
}

uint8_t *case_encode(const spidx_case *c, size_t *size)
{
    const spidx_params *p = &c->p;
    const int64_t ntopk = c->check == SPIDX_OK ? c->shape.rows * p->heavy : 0;
    const size_t n = 2 + 7 * 8 + 3 * 4 + 6 * 8 + 2 + 8 + (size_t)ntopk * 8 + 1;
    uint8_t *buf = malloc(n), *q = buf;
    SPIDX_ASSERT(buf != NULL);
    *q++ = SPIDX_RAW_TAG;
    *q++ = 1;
    const int64_t sizes[] = {p->b, p->h, p->sk, p->sink, p->window, p->heavy, p->init_offset};
    for (int i = 0; i < 7; i++) put64(&q, (uint64_t)sizes[i]);
    const int32_t types[] = {p->index_type, p->weight_type, p->mode};
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 4; k++) *q++ = (uint8_t)((uint32_t)types[i] >> (8 * k));
    const int64_t strides[] = {p->topk_sb, p->topk_sh, p->list_sb, p->list_sh, p->weight_sb, p->weight_sh};
    for (int i = 0; i < 6; i++) put64(&q, (uint64_t)strides[i]);
    *q++ = (uint8_t)c->null_mask;
    *q++ = (uint8_t)c->fill;
    put64(&q, c->fill_seed);
    if (ntopk)
        for (int64_t bi = 0; bi < p->b && c->shape.rows > 0; bi++)
            for (int64_t hi = 0; hi < p->h; hi++)
                for (int64_t k = 0; k < p->heavy; k++) put64(&q, (uint64_t)case_get_topk(c, bi, hi, k));
    *q++ = (uint8_t)c->call;
    *size = (size_t)(q - buf);
    return buf;
}

int case_equal(const spidx_case *a, const spidx_case *b)
{
    const spidx_params *x = &a->p, *y = &b->p;
    if (x->b != y->b || x->h != y->h || x->sk != y->sk || x->sink != y->sink || x->window != y->window ||
        x->heavy != y->heavy || x->init_offset != y->init_offset || x->index_type != y->index_type ||
        x->weight_type != y->weight_type || x->mode != y->mode || x->topk_sb != y->topk_sb ||
        x->topk_sh != y->topk_sh || x->list_sb != y->list_sb || x->list_sh != y->list_sh ||
        x->weight_sb != y->weight_sb || x->weight_sh != y->weight_sh)
        return 0;
    if (a->null_mask != b->null_mask || a->fill != b->fill || a->fill_seed != b->fill_seed || a->call != b->call)
        return 0;
    if (a->check != SPIDX_OK) return 1;
    for (int64_t bi = 0; bi < x->b && a->shape.rows > 0; bi++)
        for (int64_t hi = 0; hi < x->h; hi++)
            for (int64_t k = 0; k < x->heavy; k++)
                if (case_get_topk(a, bi, hi, k) != case_get_topk(b, bi, hi, k)) return 0;
    return 1;
}
