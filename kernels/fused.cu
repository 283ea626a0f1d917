/* fused.cu - the fused implementation of ref/SPEC.md: each call is one kernel launch that
 * writes the list and the weights of every row. Its kernels:
 *   fused_list_kernel    one thread per list entry, flat over all rows' entries: computes
 *                        the entry (sink, heavy from the top-k, or window), stores it and,
 *                        in KEEP mode, stores 1.0 at that weight.
 *   fused_rows_kernel    one group of G lanes per row, warp barriers only; the block's 2 KiB
 *                        bitmap shared out: G = 32 (rows up to 2,048 weights), 8 (up to
 *                        512, ZERO mode), 1 (up to 64, ZERO mode, no barrier).
 *   fused_span_kernel    ZERO rows of up to 512 weights and entries lying back to back: a
 *                        block takes up to 256 consecutive rows (fewer while that leaves
 *                        SMs idle), writes their list entries (marking the heavy ones in
 *                        the rows' bitmaps as it goes), then their weights as a contiguous
 *                        run.
 *   fused_chunks_kernel  one block per (row, chunk) work item with a 16 KiB bitmap; chunks
 *                        of kChunkMax (128 Ki) weights, kKeepChunkMax (32 Ki) in KEEP mode,
 *                        halved down to kChunkMin while the grid would not fill the device.
 * The rows, span and chunks kernels loop grid-stride over their work items.
 * Dispatch (fused_launch), one kernel per call:
 *   - fused_list_kernel: ZERO mode with sk = 0; KEEP mode with at most kFlatListMax (128 Ki)
 *     list entries in all, rows of at most kKeepTinyRow (256) weights, or sparse rows
 *     (T <= sk / kKeepSparse, 48): a bitmap costs a visit per 32 weights of the row,
 *     which a sparse row's few entries do not repay;
 *   - ZERO calls of fewer than kBlockRowsMax (256) rows of at least kBlockRowWork (128)
 *     weights or entries: fused_chunks_kernel, a block per row;
 *   - ZERO calls of rows of at most kSpanRowMax (512) weights and entries whose list and
 *     weight rows lie back to back: fused_span_kernel;
 *   - otherwise (ZERO mode, and the other KEEP calls) the bitmap path: rows of up to
 *     kWarpRowMax (2,048) weights to fused_rows_kernel (a warp per row; in ZERO mode,
 *     past 4,224 rows, 8 lanes per row when sk and T are at most kLane8RowMax, 512, and
 *     past 16,896 rows a thread per row when they are at most kThreadRowMax, 64), longer
 *     rows in chunks to fused_chunks_kernel.
 * The bitmap path: each work item writes its share of the row's list; its bitmap starts
 * with the chunk's sink and window bits set, and the heavy bits are set while the heavy
 * list entries are written (one top-k read, kBatch = 8 loads in flight per thread); after
 * a barrier the chunk is written in address order. ZERO mode writes every weight (1.0 or
 * +0.0) with 16-byte stores, each vector's marks read as one bit field; KEEP mode writes
 * only the marked weights, one coalesced store per bitmap word with a mark. When one
 * batch of loads holds a row's heavy list, fused_chunks_kernel issues it before the
 * bitmap set-up (Early). No other block or warp writes a chunk that goes through a
 * bitmap, so zeroing and marking cannot race; concurrent KEEP stores of the list kernel
 * write the same 1.0. Every list entry is computed in registers; the list is never read
 * back.
 * SPIDX_MUT and SPIDX_MUTANT_IS are mutation points (kernels/mutation.h, the bugs listed
 * in kernels/mutants/mutants.h); outside mutant builds they are the code as written.
 * Run through spidx_fused_run (kernels/spidx_gpu.h: host buffers, staged through the
 * device) or spidx_fused_launch_device (kernels/spidx_gpu_device.h: device buffers,
 * queued on a stream); kernels/bench/spidx_bench times it. The versions tried, their
 * measurements and the reasons for each choice are in kernels/NOTES.md. */
#include <stdint.h>

#include "gpu_helpers.h"
#include "mutation.h"
#include "spidx_gpu.h"
#include "spidx_gpu_device.h"

namespace {

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
/* Experiment knobs, fixed by kernels/bench/fused_variant.cu only (0 or the default in every
 * other build): SPIDX_FUSED_KEEP_PATH 1 sends every KEEP call flat, 2 every KEEP call with
 * weights to block chunks; SPIDX_FUSED_CHUNK_MAX is the largest chunk (the bitmap's size),
 * SPIDX_FUSED_KEEP_CHUNK_MAX the largest in KEEP mode, SPIDX_FUSED_CHUNK_MIN the smallest
 * and SPIDX_FUSED_CHUNK_FILL the resident blocks per SM the chunk halving aims at. */
#ifndef SPIDX_FUSED_CHUNK_MAX
#define SPIDX_FUSED_CHUNK_MAX 131072
#endif
#ifndef SPIDX_FUSED_KEEP_PATH
#define SPIDX_FUSED_KEEP_PATH 0
#endif
#ifndef SPIDX_FUSED_CHUNK_MIN
#define SPIDX_FUSED_CHUNK_MIN 2048
#endif
#ifndef SPIDX_FUSED_CHUNK_FILL
#define SPIDX_FUSED_CHUNK_FILL 1
#endif
#ifndef SPIDX_FUSED_KEEP_CHUNK_MAX
#define SPIDX_FUSED_KEEP_CHUNK_MAX 32768
#endif
constexpr long long kChunkMax = SPIDX_FUSED_CHUNK_MAX; /* weight elements per chunk of the chunks kernel (16 KiB bitmap) */
constexpr long long kChunkMin = SPIDX_FUSED_CHUNK_MIN;
/* KEEP mode: chunks of at most 32 Ki weights, so that a few long rows still make several
 * work items per SM (large: 1,024 items for 528 block slots, not 256). Side by side in
 * three runs (kernels/NOTES.md v20), large/bf16 went from 41.1-41.4 to 37.7-37.9 us and
 * large/f32 from 44.1-44.4 to 41.6-42.4; in two, a sweep shape of 456 rows of 218,566
 * weights from 129 to 108 us, and of the other 18 bitmap KEEP sweep shapes one was 2%
 * slower (237 rows of 57,759 weights), the rest within 2%. */
constexpr long long kKeepChunkMax = SPIDX_FUSED_KEEP_CHUNK_MAX < kChunkMax ? SPIDX_FUSED_KEEP_CHUNK_MAX : kChunkMax;
constexpr long long kWarpRowMax = 2048;           /* bitmap-path rows up to this long go one per warp */
constexpr int kWarpWords = (int)(kWarpRowMax / 32); /* bitmap words per warp */
constexpr int kBlocksPerSm = 4; /* resident blocks per SM: launch bounds cap registers at 64 per thread */
/* KEEP mode: lists of up to this many entries in all go flat. v12 set 48 Ki on the standard
 * shapes; in the sweep flat was faster on every bitmap shape of up to 105,600 entries and
 * tied at 125,282, mixed past that: with so few entries a bitmap item per row (a warp or a
 * block) leaves most of the device idle while each waits on its top-k and barriers
 * (kernels/NOTES.md v16). */
constexpr long long kFlatListMax = 128 * 1024;
/* KEEP mode: rows this short, or this sparse (T <= sk / kKeepSparse), go flat too. The
 * bitmap path scans every word of a row (about 21.5 us per million words in the sweep of
 * 2026-12-01), so its time follows sk where the list kernel's follows T; the standard
 * shapes mid and large (T/sk about 1/24), where the bitmap won (kernels/NOTES.md v12),
 * stay on it. kernels/NOTES.md v13. */
constexpr long long kKeepTinyRow = 256;
constexpr long long kKeepSparse = 48;
/* ZERO mode, rows kernel: the largest group per row that still takes every row in one
 * pass of the grid, within what the group's share of the bitmap allows. On an H200 (132
 * SMs x kBlocksPerSm blocks) a pass holds 4,224 rows a warp each, 16,896 rows 8 lanes
 * each, 135,168 a thread each; fewer rows keep the larger group, whose lanes share a
 * row's top-k loads. Rows of sk and T up to kThreadRowMax may go a thread per row, up to
 * kLane8RowMax 8 lanes per row (rows lying back to back go in spans instead, below). The
 * change's effect is measured in kernels/NOTES.md v14;
 * the thresholds themselves were not swept. */
constexpr long long kThreadRowMax = 64;
/* ZERO mode: fewer rows than this, each with at least kBlockRowWork weights or list
 * entries, go a block per row (fused_chunks_kernel) instead of a warp: a warp per row
 * leaves the device idle and walks a long row 32 lanes at a time. Fitted on the sweep of
 * 2026-12-01 (kernels/NOTES.md v18): 35 shapes, 32 of them faster by more than 5%, none
 * slower by more than 0.2%; with more rows or shorter rows the block's barriers cost more
 * than the lanes gain. */
constexpr long long kBlockRowsMax = 256;
constexpr long long kBlockRowWork = 128;
constexpr long long kLane8RowMax = 512;
/* ZERO mode, rows lying back to back, each of at most kSpanRowMax weights and entries:
 * spans of rows (fused_span_kernel) instead of row groups, whatever the row count. A group
 * writing its own row makes each warp store touch rows sk weights apart, so a 32-byte
 * sector is written in pieces; a span writes its rows' lists and weights as contiguous
 * runs. In the sweep (kernels/NOTES.md v15, v19) spans were faster than v18's row groups
 * by more than 5% on 77 of the 95 such shapes (1 to 98,280 rows) and slower by more than
 * 3% on two, by up to 8%. A span's bitmap holds kSpanWords words, ceil(sk / 32) per row;
 * a span has at most kThreads rows, halved until the spans fill every SM's kBlocksPerSm
 * blocks, as long as a span keeps kSpanMinWork list entries and weights (4 per thread):
 * spans of 256 rows, or halved only while they keep 4,096, were slower (v19). */
constexpr long long kSpanRowMax = 512;
constexpr int kSpanWords = 2048;
constexpr long long kSpanMinWork = 1024;
constexpr long long kWarpRowsPass = 132LL * kBlocksPerSm * kWarps;  /* 4,224 */
constexpr long long kLane8RowsPass = 132LL * kBlocksPerSm * (kThreads / 8); /* 16,896 */
constexpr int kListBlocksPerSm = 8; /* list kernel: launch bounds for 2,048 threads per SM (32 registers each) */
/* Top-k loads in flight per thread (kernels/NOTES.md v6); 16 made the rows kernel spill
 * (NOTES: v8 with 16 loads in flight). */
constexpr int kBatch = 8;

struct fused_args {
    const int64_t *topk;
    void *list;
    void *weight;
    unsigned long long *first_bad;
    long long h, sk, S, H, W, T, init_offset;
    spidx_row_strides rs; /* in elements, from spidx_effective_strides */
    long long rows, nchunks, chunk; /* chunks kernel's work item = (row, chunk index); rows kernel: chunk = sk */
    int span_rows, span_words;      /* span kernel: rows per span, bitmap words per row */
    int keep;
    uint32_t one;
};

/* A row's three tensor rows. */
template <typename IndexT, typename WordT>
struct fused_row {
    const int64_t *topk;
    IndexT *list;
    WordT *weight;
};

/* q = x / d and r = x % d for x >= 0, d > 0, in 32 bits where both fit: 64-bit
 * division is a long subroutine. */
__device__ __forceinline__ void fused_divmod(long long x, long long d, long long *q, long long *r)
{
    if ((((unsigned long long)x | (unsigned long long)d) >> 32) == 0) {
        *q = (unsigned)x / (unsigned)d;
        *r = (unsigned)x - (unsigned)*q * (unsigned)d;
    } else {
        *q = x / d;
        *r = x % d;
    }
}

template <typename IndexT, typename WordT>
__device__ __forceinline__ fused_row<IndexT, WordT> fused_row_at(const fused_args &a, long long row)
{
    long long bi, hi;
    fused_divmod(row, a.h, &bi, &hi);
    const long long woff = bi * a.rs.weight_sb + hi * a.rs.weight_sh;
    fused_row<IndexT, WordT> r;
    r.topk = a.topk ? a.topk + bi * a.rs.topk_sb + hi * a.rs.topk_sh : nullptr;
    r.list = a.list ? (IndexT *)a.list + bi * a.rs.list_sb + hi * a.rs.list_sh : nullptr;
    r.weight = a.weight ? (WordT *)a.weight + SPIDX_MUT(7, woff, (long long)(int)woff) : nullptr;
    return r;
}

/* Barrier of a group of G threads: the block (G = kThreads), one warp (G = 32), G
 * aligned lanes of a warp (G = 2..16: a __syncwarp naming them; the warp's other groups
 * name theirs), or one thread (G = 1: its own shared-memory accesses are in order). Each
 * orders the group's shared-memory accesses. */
template <int G>
__device__ __forceinline__ void fused_group_sync()
{
    static_assert(G == kThreads || (G >= 1 && G <= 32 && (G & (G - 1)) == 0), "a block, or a power of 2 lanes");
    if constexpr (G == kThreads)
        __syncthreads();
    else if constexpr (G == 32)
        __syncwarp();
    else if constexpr (G > 1)
        __syncwarp(((1u << G) - 1u) << (threadIdx.x & 31u & ~(unsigned)(G - 1)));
}

/* The first window position: list entry S + H + i is window_start + i. */
__device__ __forceinline__ long long fused_window_start(const fused_args &a)
{
    return SPIDX_MUT(1, a.sk - a.W, a.sk - a.W + 1);
}

/* The heavy list entry k of a row whose top-k value is t: t + init_offset, or -1 for an
 * invalid value, which it reports. */
__device__ __forceinline__ long long fused_heavy_entry(const fused_args &a, long long t, long long row, long long k)
{
    if (gpu_topk_valid(t, a.sk, a.init_offset)) return t + SPIDX_MUT(2, a.init_offset, 0);
    gpu_report_invalid(a.first_bad, row * a.H + k);
    return -1;
}

/* The list entry at position j of a row; reports an invalid heavy entry. */
__device__ __forceinline__ long long fused_entry(const fused_args &a, const int64_t *trow, long long row,
                                                 long long j)
{
    if (j < a.S) return j;
    if (j < a.S + a.H) return fused_heavy_entry(a, trow[j - a.S], row, j - a.S);
    return fused_window_start(a) + (j - a.S - a.H);
}

/* Bits of bitmap word i that are sink ([0, s)) or window ([w, ...)) offsets. */
__device__ __forceinline__ uint32_t fused_region_bits(int i, int s, int w)
{
    const int lo = min(32, max(0, s - 32 * i)), hi = min(32, max(0, w - 32 * i));
    const uint32_t below_s = lo == 32 ? ~0u : (1u << lo) - 1u, below_w = hi == 32 ? ~0u : (1u << hi) - 1u;
    return below_s | ~below_w;
}

/* Writes weights [x0, x1) of a chunk, one store per element. Offsets count from the
 * chunk's first weight `base` and index the bitmap, which marks every attended weight. */
template <int G, typename WordT>
__device__ void fused_write_scalar(WordT *base, const uint32_t *marks, int x0, int x1, WordT one, int rank)
{
    for (int x = x0 + rank; x < x1; x += G) base[x] = (marks[x >> 5] >> (x & 31)) & 1u ? one : (WordT)0;
}

/* The 16 bytes of 16 / sizeof(WordT) weights: element e is one where bit e of bits is set,
 * +0.0 elsewhere. */
template <typename WordT>
__device__ __forceinline__ uint4 fused_vector(uint32_t bits, WordT one)
{
    uint32_t out[4];
#pragma unroll
    for (int k = 0; k < 4; k++) {
        if (sizeof(WordT) == 4)
            out[k] = (bits >> k) & 1u ? (uint32_t)one : 0u;
        else /* little-endian: element 2k in the low half */
            out[k] = ((bits >> (2 * k)) & 1u ? (uint32_t)one : 0u) |
                     ((bits >> (2 * k + 1)) & 1u ? (uint32_t)one << 16 : 0u);
    }
    return make_uint4(out[0], out[1], out[2], out[3]);
}

/* Writes the n weights of a chunk from its bitmap with 16-byte stores: a scalar head up
 * to the first 16-byte boundary, whole vectors, then a scalar tail. Weight rows are
 * element-aligned, so the head is shorter than one vector. Each vector's marks are one
 * bit field (a funnel shift over two bitmap words). */
template <int G, typename WordT>
__device__ void fused_write_vec16(WordT *base, const uint32_t *marks, int n, WordT one, int rank)
{
    constexpr int kVec = 16 / sizeof(WordT);
    const int mis = (int)(((uintptr_t)base & 15u) / sizeof(WordT));
    const int head = min(n, (kVec - mis) % kVec);
    const int nvec = (n - head) / kVec;
    fused_write_scalar<G>(base, marks, 0, head, one, rank);
    for (int i = rank; i < nvec; i += G) {
        const int x = head + i * kVec;
        const unsigned sh = (unsigned)x & 31u;
        /* The next word holds bits only past bit 31; it exists whenever they are in the chunk. */
        const uint32_t hi = SPIDX_MUT(15, sh + kVec > 32 ? marks[(x >> 5) + 1] : 0u, 0u);
        const uint32_t bits = __funnelshift_r(marks[x >> 5], hi, sh); /* bit e: element x + e is attended */
        *(uint4 *)(base + x) = fused_vector<WordT>(bits, one);
    }
    if (!SPIDX_MUTANT_IS(14)) fused_write_scalar<G>(base, marks, head + nvec * kVec, n, one, rank);
}

/* Loads top-k entries kb + u * G (u < kBatch) of a row, -1 past the end. */
template <int G>
__device__ __forceinline__ void fused_load_topk(const fused_args &a, const int64_t *trow, long long kb, long long *t)
{
#pragma unroll
    for (int u = 0; u < kBatch; u++) {
        const long long k = kb + (long long)u * G;
        t[u] = k < a.H ? trow[k] : -1;
    }
}

/* Sets the bit of every valid heavy position in [c0, c1) and writes heavy list entries
 * [k0, k1). Each thread has kBatch top-k values in flight before it uses any, so it waits
 * on memory once per kBatch entries instead of once per entry (stores to the list could
 * alias the top-k as far as the compiler knows, so it would not batch the loads itself).
 * t holds the thread's first batch, loaded by the caller. */
template <int G, typename IndexT>
__device__ void fused_mark_heavy(const fused_args &a, const int64_t *trow, IndexT *lrow, long long row,
                                 uint32_t *marks, long long c0, long long c1, long long k0, long long k1, int rank,
                                 long long *t)
{
    /* Unsigned differences fold each pair of bound tests into one. */
    const unsigned long long kn = (unsigned long long)max(0LL, k1 - k0), n = (unsigned long long)(c1 - c0);
    IndexT *lheavy = lrow + a.S;
    for (long long kb = rank; kb < a.H; kb += (long long)kBatch * G) {
        if (kb != rank) fused_load_topk<G>(a, trow, kb, t);
#pragma unroll
        for (int u = 0; u < kBatch; u++) {
            const long long k = kb + (long long)u * G;
            if (k >= a.H) break;
            const bool valid = gpu_topk_valid(t[u], a.sk, a.init_offset);
            const long long v = valid ? t[u] + SPIDX_MUT(2, a.init_offset, 0) : -1;
            if ((unsigned long long)(k - k0) < kn) {
                lheavy[k] = (IndexT)v;
                if (!valid) gpu_report_invalid(a.first_bad, row * a.H + k);
            }
            const unsigned long long x = (unsigned long long)(v - c0); /* v = -1 when invalid: never below n */
            if (valid && x < n) atomicOr(&marks[x >> 5], 1u << (x & 31));
        }
    }
}

/* KEEP mode: 1.0 at each marked weight of a chunk of n weights and nothing else, in
 * address order. The warps take the bitmap words four at a time, with one 16-byte shared
 * load (the bitmaps are 16-byte aligned); for each word, lane l writes weight l of the
 * word if it is marked: one coalesced store per word, covering only the sectors that hold
 * its marks. A shared load per word instead took 25% longer on large/bf16 and 19% on
 * mid/bf16 (kernels/NOTES.md v21). The window bits of fused_region_bits run to bit 31, so
 * the last word's bits past n are masked off: it goes through the word-at-a-time loop. */
template <int G, typename WordT>
__device__ void fused_write_marked(WordT *base, const uint32_t *marks, int n, WordT one, int rank)
{
    const int words = (n + 31) / 32;
    const int lane = rank & 31;
    const int quads = (words - 1) / 4; /* whole groups of four before the last word */
    for (int q = rank / 32; q < quads; q += G / 32) {
        const uint4 w = ((const uint4 *)marks)[q];
        WordT *b = base + 128 * q + lane;
        if ((w.x >> lane) & 1u) b[0] = one;
        if ((w.y >> lane) & 1u) b[32] = one;
        if ((w.z >> lane) & 1u) b[64] = one;
        if ((w.w >> lane) & 1u) b[96] = one;
    }
#pragma unroll 4
    for (int i = 4 * quads + rank / 32; i < words; i += G / 32) {
        const int left = n - 32 * i; /* weights of word i in the chunk: at least 1 */
        const uint32_t m = marks[i] & SPIDX_MUT(21, left >= 32 ? ~0u : (1u << left) - 1u, ~0u);
        if ((m >> lane) & 1u) base[32 * i + lane] = one;
    }
}

/* Chunk c of a row, by a group of G threads (a block or a warp) that alone writes weights
 * [c0, c1) and owns `marks`; `first` is the group's first work item. ZERO mode writes
 * every weight of the chunk, KEEP mode only the marked ones. The bitmap
 * starts with the sink and window bits set, so that ZERO-mode writing reads one bit
 * field per vector and tests no bounds. */
template <int G, bool Early, typename IndexT, typename WordT>
__device__ void fused_marks_chunk(const fused_args &a, uint32_t *marks, long long row, long long c,
                                 const fused_row<IndexT, WordT> &r, int rank, bool first)
{
    /* Early: the first top-k loads go out before anything else, so that their wait
     * overlaps the list stores, the bitmap set-up and the barrier (kernels/NOTES.md v9). */
    long long t[kBatch];
    if (Early) fused_load_topk<G>(a, r.topk, rank, t);
    /* Sink and window list entries, spread over the row's chunks; heavy ones come with
     * the marks. T = S + H + W. */
    const long long win_start = fused_window_start(a);
    for (long long e = c * G + rank; e < a.S + a.W; e += a.nchunks * G) {
        if (e < a.S)
            r.list[e] = (IndexT)e;
        else
            r.list[e + a.H] = (IndexT)(win_start + (e - a.S));
    }
    const long long c0 = c * a.chunk;
    if (c0 >= a.sk) return; /* group-uniform */
    const long long c1 = min(a.sk, c0 + a.chunk);
    const int n = (int)(c1 - c0); /* a chunk has at most kChunkMax weights */
    const int s = (int)max(0LL, min((long long)n, a.S - c0));          /* offsets [0, s): sink */
    const int w = (int)max(0LL, min((long long)n, (a.sk - a.W) - c0)); /* offsets [w, n): window */
    const int words = (n + 31) / 32;
    if (!SPIDX_MUTANT_IS(17) || first)
        for (int i = rank; i < words; i += G) marks[i] = fused_region_bits(i, s, w);
    fused_group_sync<G>();
    /* This chunk also writes heavy list entries [k0, k1): one read of the top-k per chunk. */
    const long long hshare = SPIDX_MUT(16, (a.H + a.nchunks - 1) / a.nchunks, a.H / a.nchunks);
    const long long k0 = c * hshare, k1 = min(a.H, k0 + hshare);
    if (!Early) fused_load_topk<G>(a, r.topk, rank, t);
    fused_mark_heavy<G>(a, r.topk, r.list, row, marks, c0, c1, k0, k1, rank, t);
    if (!SPIDX_MUTANT_IS(10)) fused_group_sync<G>();
    if constexpr (G >= 32) {
        if (a.keep)
            fused_write_marked<G>(r.weight + c0, marks, n, (WordT)a.one, rank);
        else
            fused_write_vec16<G>(r.weight + c0, marks, n, (WordT)a.one, rank);
    } else { /* groups under a warp serve ZERO mode only (fused_pick_path) */
        fused_write_vec16<G>(r.weight + c0, marks, n, (WordT)a.one, rank);
    }
    fused_group_sync<G>(); /* marks is reused by the group's next item */
}

/* KEEP lists of at most kFlatListMax entries in all, and ZERO mode with sk = 0 (no
 * weights): one thread per list entry, flat over the rows * T entries of all rows, so
 * that a few short rows still fill the device (kernels/NOTES.md v11). One entry per
 * thread: at 30 registers 2,048 threads fit on an SM, while a batch of 2 or 4 loads per
 * thread spilled under that 32-register cap. Concurrent KEEP writes of one weight store
 * the same value, so they need no order. */
template <typename IndexT, typename WordT>
__global__ void __launch_bounds__(kThreads, kListBlocksPerSm) fused_list_kernel(fused_args a)
{
    const long long total = a.rows * a.T;
    for (long long n = (long long)blockIdx.x * kThreads + threadIdx.x; n < total; n += (long long)gridDim.x * kThreads) {
        long long row, j;
        fused_divmod(n, a.T, &row, &j);
        const fused_row<IndexT, WordT> r = fused_row_at<IndexT, WordT>(a, row);
        const long long v = fused_entry(a, r.topk, row, j);
        r.list[j] = (IndexT)v;
        if (a.keep && SPIDX_MUT(18, v >= 0, true)) r.weight[v] = (WordT)a.one;
    }
}

/* One block per work item (row, chunk), grid-stride. */
template <typename IndexT, typename WordT, bool Early>
__global__ void __launch_bounds__(kThreads, kBlocksPerSm) fused_chunks_kernel(fused_args a)
{
    __shared__ __align__(16) uint32_t marks[kChunkMax / 32]; /* 16-byte loads: fused_write_marked */
    const long long items = a.rows * a.nchunks;
    for (long long item = blockIdx.x; item < items; item += SPIDX_MUT(9, gridDim.x, items)) {
        const long long row = item / a.nchunks, c = item % a.nchunks;
        const fused_row<IndexT, WordT> r = fused_row_at<IndexT, WordT>(a, row);
        fused_marks_chunk<kThreads, Early>(a, marks, row, c, r, threadIdx.x, item == blockIdx.x);
    }
}

/* Bitmap-path rows of 1..kWarpRowMax weights: one group of G lanes per row, grid-stride
 * over rows; every group has 1/(kThreads / G) of the block's 2 KiB bitmap, so rows of up
 * to 2,048 / (32 / G) weights: G = 32 (a warp per row, up to kWarpRowMax), 8 (up to 512,
 * ZERO mode) or 1 (a thread per row, up to 64, ZERO mode). A block-per-row item would pay
 * three block barriers and a top-k wait per short row; a warp per row of a few weights
 * leaves most lanes idle and most rows waiting for a later round (kernels/NOTES.md v14).
 * Early: the top-k loads go out before the bitmap set-up. */
template <typename IndexT, typename WordT, int G, bool Early>
__global__ void __launch_bounds__(kThreads, kBlocksPerSm) fused_rows_kernel(fused_args a)
{
    constexpr int kGroups = kThreads / G;
    constexpr int kGroupWords = kWarps * kWarpWords / kGroups;
    __shared__ __align__(16) uint32_t marks[kWarps * kWarpWords]; /* a warp's 64 words: 16-byte aligned (KEEP: a warp per row) */
    const int group = threadIdx.x / G, rank = threadIdx.x % G;
    uint32_t *gmarks = marks + SPIDX_MUT(19, group * kGroupWords, 0);
    const long long first = (long long)blockIdx.x * kGroups + group;
    for (long long row = first; row < a.rows; row += SPIDX_MUT(9, (long long)gridDim.x * kGroups, a.rows)) {
        const fused_row<IndexT, WordT> r = fused_row_at<IndexT, WordT>(a, row);
        fused_marks_chunk<G, Early>(a, gmarks, row, 0, r, rank, row == first);
    }
}

/* The list entries of rows [r0, r0 + n), back to back from r0 * T, in two passes over
 * the span's rows; consecutive threads take consecutive entries of a pass. The heavy pass
 * reads the top-k once (coalesced where its rows lie back to back too), stores the
 * entries and sets each valid one's bit in its row's marks (span_words words per row),
 * which hold the sink and window bits already. A thread has one top-k load in flight at a
 * time and the span's threads share its heavy entries evenly: batches of 8 loads per
 * thread, and one pass in entry order with batches of 4 or 8, were slower on 21 of the
 * 22 span shapes timed side by side (kernels/NOTES.md v19). The other pass writes the
 * sink and window entries. */
template <typename IndexT, typename WordT>
__device__ void fused_span_write_list(const fused_args &a, uint32_t *marks, long long r0, int n)
{
    IndexT *base = (IndexT *)a.list + r0 * a.T;
    const int T = (int)a.T, H = (int)a.H, S = (int)a.S; /* T <= kSpanRowMax */
    const int heavy = n * H, other = n * (T - H);
    for (int m = threadIdx.x; m < heavy; m += kThreads) {
        const int i = m / H, k = m - i * H;
        const long long v = fused_heavy_entry(a, fused_row_at<IndexT, WordT>(a, r0 + i).topk[k], r0 + i, k);
        base[i * T + S + k] = (IndexT)v;
        if ((unsigned long long)v < (unsigned long long)a.sk) /* -1 for an invalid value */
            atomicOr(&marks[i * a.span_words + (int)(v >> 5)], 1u << (v & 31));
    }
    const long long win_start = fused_window_start(a);
    for (int m = threadIdx.x; m < other; m += kThreads) {
        const int i = m / (T - H), e = m - i * (T - H); /* e < S: sink entry e; else window entry e - S */
        base[i * T + (e < S ? e : e + H)] = (IndexT)(e < S ? e : win_start + (e - S));
    }
}

/* The weights of rows [r0, r0 + n), back to back from r0 * sk, from their marks: a scalar
 * head up to the first 16-byte boundary, whole vectors, a scalar tail; consecutive
 * threads take consecutive vectors. */
template <typename WordT>
__device__ void fused_span_write_weights(const fused_args &a, const uint32_t *marks, long long r0, int n)
{
    constexpr int kVec = 16 / sizeof(WordT);
    const int sk = (int)a.sk, total = n * sk, wpr = a.span_words; /* sk <= kSpanRowMax */
    WordT *base = (WordT *)a.weight + r0 * a.sk;
    const WordT one = (WordT)a.one;
    const int mis = (int)(((uintptr_t)base & 15u) / sizeof(WordT));
    const int head = min(total, (kVec - mis) % kVec);
    const int nvec = (total - head) / kVec;
    const auto marked = [&](int i, int col) { return (marks[i * wpr + (col >> 5)] >> (col & 31)) & 1u; };
    for (int x = threadIdx.x; x < head; x += kThreads) base[x] = marked(x / sk, x % sk) ? one : (WordT)0;
    for (int v = threadIdx.x; v < nvec; v += kThreads) {
        const int x = head + v * kVec;
        int i = x / sk, col = x - i * sk;
        uint32_t bits = 0; /* bit e: element x + e is attended */
#pragma unroll
        for (int e = 0; e < kVec; e++) {
            bits |= marked(i, col) << e;
            if (++col == sk) col = 0, i++;
        }
        *(uint4 *)(base + x) = fused_vector<WordT>(bits, one);
    }
    if (!SPIDX_MUTANT_IS(22))
        for (int x = head + nvec * kVec + threadIdx.x; x < total; x += kThreads)
            base[x] = marked(x / sk, x % sk) ? one : (WordT)0;
}

/* ZERO rows of at most kSpanRowMax weights and entries whose list and weight rows lie back
 * to back (row r at r * T and r * sk): a block takes span_rows consecutive rows at a time,
 * sets their sink and window marks, writes their list entries (marking the heavy ones),
 * then their weights. Grid-stride over spans. */
template <typename IndexT, typename WordT>
__global__ void __launch_bounds__(kThreads, kBlocksPerSm) fused_span_kernel(fused_args a)
{
    __shared__ uint32_t marks[kSpanWords];
    const int R = a.span_rows, wpr = a.span_words;
    const int s = (int)a.S, w = (int)(a.sk - a.W); /* offsets [0, s) sink, [w, sk) window */
    const long long first = (long long)blockIdx.x * R;
    for (long long r0 = first; r0 < a.rows; r0 += SPIDX_MUT(9, (long long)gridDim.x * R, a.rows)) {
        const int n = (int)min((long long)R, a.rows - r0);
        if (!SPIDX_MUTANT_IS(17) || r0 == first)
            for (int k = threadIdx.x; k < n * wpr; k += kThreads) marks[k] = fused_region_bits(k % wpr, s, w);
        __syncthreads(); /* the list writer adds heavy bits to every row's marks */
        fused_span_write_list<IndexT, WordT>(a, marks, r0, n);
        if (!SPIDX_MUTANT_IS(23)) __syncthreads(); /* the weight writer reads every row's marks */
        fused_span_write_weights<WordT>(a, marks, r0, n);
        __syncthreads(); /* marks is rebuilt for the next span */
    }
}

/* Which kernel serves a call (the dispatch in the file comment). */
enum class fused_path { list, rows, rows8, rows1, span, chunks };

/* Whether rows of L elements lie back to back (row bi * h + hi at (bi * h + hi) * L) under
 * effective strides (spidx_effective_strides: 0 for an extent of 1). */
bool fused_back_to_back(long long b, long long h, long long sb, long long sh, long long L)
{
    return (h == 1 || sh == L) && (b == 1 || sb == h * L);
}

/* The dispatch: KEEP lists of up to kFlatListMax entries in all go flat (below that, a
 * bitmap item's set-up, top-k wait and barrier cost more than scattered stores:
 * kernels/NOTES.md v12, v16), and so do KEEP rows of at most kKeepTinyRow weights or with
 * T <= sk / kKeepSparse (v13), and rows without weights; rows that fit a warp's bitmap
 * (kWarpRowMax bits) go one per warp, or, in ZERO mode and past one pass of the grid, 8
 * lanes or one thread per row (v14); ZERO rows of at most kSpanRowMax weights and
 * entries lying back to back go in spans whatever their count (v15, v19); longer rows go
 * in block chunks, and so do ZERO rows of at least kBlockRowWork weights or entries when
 * there are fewer than kBlockRowsMax of them (v18). */
fused_path fused_pick_path(long long sk, long long rows, long long T, bool keep, bool back_to_back)
{
    if (sk == 0) return fused_path::list;
    if (keep && SPIDX_FUSED_KEEP_PATH) return SPIDX_FUSED_KEEP_PATH == 1 ? fused_path::list : fused_path::chunks;
    if (!keep && rows < kBlockRowsMax && (sk >= kBlockRowWork || T >= kBlockRowWork)) return fused_path::chunks;
    if (keep && (rows * T <= kFlatListMax || sk <= kKeepTinyRow || T <= sk / kKeepSparse)) return fused_path::list;
    if (!keep && back_to_back && sk <= kSpanRowMax && T <= kSpanRowMax) return fused_path::span;
    if (!keep && rows > kLane8RowsPass && sk <= kThreadRowMax && T <= kThreadRowMax) return fused_path::rows1;
    if (!keep && rows > kWarpRowsPass && sk <= kLane8RowMax && T <= kLane8RowMax) return fused_path::rows8;
    if (sk <= SPIDX_MUT(20, kWarpRowMax, kWarpRowMax + 32)) return fused_path::rows;
    return fused_path::chunks;
}

template <typename IndexT, typename WordT>
cudaError_t fused_launch_typed(const fused_args &a, fused_path path, cudaStream_t stream)
{
    if (path == fused_path::list) {
        /* A block per kThreads entries, not a grid of resident blocks looping over them:
         * measured side by side, the uncapped grid was 2-8% faster on large and manyrow
         * (kernels/NOTES.md v11). Past 2^31 - 1 blocks the kernel's loop takes the rest. */
        const long long blocks = (a.rows * a.T + kThreads - 1) / kThreads;
        const unsigned grid = (unsigned)min(blocks, 0x7fffffffLL);
        fused_list_kernel<IndexT, WordT><<<grid, kThreads, 0, stream>>>(a);
    } else if (path == fused_path::rows || path == fused_path::rows8 || path == fused_path::rows1 ||
               path == fused_path::span) {
        const int per_block = path == fused_path::rows    ? kWarps
                              : path == fused_path::rows8 ? kThreads / 8
                              : path == fused_path::rows1 ? kThreads
                                                          : a.span_rows;
        const long long blocks = (a.rows + per_block - 1) / per_block;
        const unsigned grid = SPIDX_MUT(9, gpu_grid_for(blocks, kBlocksPerSm), (unsigned)min(blocks, 65535LL));
        if (path == fused_path::rows)
            fused_rows_kernel<IndexT, WordT, 32, false><<<grid, kThreads, 0, stream>>>(a);
        else if (path == fused_path::rows8)
            fused_rows_kernel<IndexT, WordT, 8, true><<<grid, kThreads, 0, stream>>>(a);
        else if (path == fused_path::rows1)
            fused_rows_kernel<IndexT, WordT, 1, true><<<grid, kThreads, 0, stream>>>(a);
        else
            fused_span_kernel<IndexT, WordT><<<grid, kThreads, 0, stream>>>(a);
    } else {
        const long long items = a.rows * a.nchunks;
        const unsigned grid = SPIDX_MUT(9, gpu_grid_for(items, kBlocksPerSm), (unsigned)min(items, 65535LL));
        /* Early top-k loads when one batch holds the row's heavy list: side by side in the
         * benchmark they helped there (mid) and cost 4% with two batches (large). */
        if (a.H <= (long long)kBatch * kThreads)
            fused_chunks_kernel<IndexT, WordT, true><<<grid, kThreads, 0, stream>>>(a);
        else
            fused_chunks_kernel<IndexT, WordT, false><<<grid, kThreads, 0, stream>>>(a);
    }
    return cudaGetLastError();
}

cudaError_t fused_launch(const spidx_params *p, const spidx_shape *s, const gpu_buffers *d, cudaStream_t stream)
{
    fused_args a;
    a.topk = d->topk;
    a.list = d->list;
    a.weight = d->weight;
    a.first_bad = d->first_bad;
    a.h = p->h;
    a.sk = p->sk;
    a.S = SPIDX_MUT(3, s->S, p->sink);
    a.H = s->H;
    a.W = s->W;
    a.T = s->T;
    a.init_offset = p->init_offset;
    /* Extent-1 dimensions and empty tensors have stride 0, so that an arbitrary (ignored)
     * stride cannot overflow the row offset arithmetic. */
    a.rs = spidx_effective_strides(p, s);
    if (SPIDX_MUTANT_IS(6)) { /* rows assumed contiguous */
        a.rs.topk_sb = p->h * s->H, a.rs.topk_sh = s->H;
        a.rs.list_sb = p->h * s->T, a.rs.list_sh = s->T;
        a.rs.weight_sb = p->h * p->sk, a.rs.weight_sh = p->sk;
    }
    a.rows = s->rows;
    a.span_rows = a.span_words = 0; /* set for the span kernel below */
    a.keep = p->mode == SPIDX_MODE_KEEP;
    const uint32_t one = spidx_weight_one_bits(p->weight_type);
    a.one = SPIDX_MUT(12, one, p->weight_type == SPIDX_WEIGHT_BF16 ? SPIDX_ONE_F16 : one);
    if (a.rows == 0) return cudaSuccess;

    const bool b2b = fused_back_to_back(p->b, p->h, a.rs.list_sb, a.rs.list_sh, a.T) &&
                     fused_back_to_back(p->b, p->h, a.rs.weight_sb, a.rs.weight_sh, a.sk);
    const fused_path path = fused_pick_path(a.sk, a.rows, a.T, a.keep, b2b);
    if (path == fused_path::list) {
        if (a.T == 0) return cudaSuccess; /* nothing to write */
        a.chunk = a.nchunks = 0; /* the list kernel has no chunks */
    } else if (path != fused_path::chunks) { /* rows, rows8, rows1, span: a row is one chunk */
        a.chunk = a.sk;
        a.nchunks = 1;
        if (path == fused_path::span) {
            a.span_words = (int)((a.sk + 31) / 32); /* sk <= kSpanRowMax: at most 16 */
            int R = min(kThreads, kSpanWords / a.span_words);
            const long long target = (long long)gpu_sm_count() * kBlocksPerSm;
            while ((a.rows + R - 1) / R < target && (R / 2) * (a.T + a.sk) >= kSpanMinWork) R /= 2;
            a.span_rows = R;
        }
    } else {
        /* Smaller chunks until the grid can fill the device. */
        long long chunk = a.keep ? kKeepChunkMax : kChunkMax;
        /* chunks for one block per SM (NOTES: v3, v8 chunks) */
        const long long target = (long long)gpu_sm_count() * SPIDX_FUSED_CHUNK_FILL;
        while (chunk > kChunkMin && a.rows * ((a.sk + chunk - 1) / chunk) < target) chunk /= 2;
        a.chunk = chunk;
        /* sk > 0 here, so a row has at least one chunk. */
        a.nchunks = SPIDX_MUT(8, (a.sk + chunk - 1) / chunk, max(1LL, a.sk / chunk));
    }

    const bool i32 = p->index_type == SPIDX_INDEX_I32;
    const bool w32 = p->weight_type == SPIDX_WEIGHT_F32;
    if (i32)
        return w32 ? fused_launch_typed<int32_t, uint32_t>(a, path, stream)
                   : fused_launch_typed<int32_t, uint16_t>(a, path, stream);
    return w32 ? fused_launch_typed<int64_t, uint32_t>(a, path, stream)
               : fused_launch_typed<int64_t, uint16_t>(a, path, stream);
}

} // namespace

#if SPIDX_MUTANT
/* A mutant build's copy (kernels/mutants/): the kernel with bug SPIDX_MUTANT, behind one
 * entry point with spidx_fused_run's contract. */
extern "C" spidx_status SPIDX_MUTANT_RUN_NAME(SPIDX_MUTANT_ID)(const spidx_params *p, const int64_t *topk, void *list,
                                                           void *weight, spidx_detail *detail)
{
    return gpu_run("mutant", fused_launch, p, topk, list, weight, detail);
}

extern "C" spidx_status SPIDX_MUTANT_CALL_NAME(SPIDX_MUTANT_ID)(int how, const spidx_params *p, const int64_t *topk,
                                                            void *list, void *weight, spidx_detail *detail)
{
    return gpu_run_call("mutant", fused_launch, how, p, topk, list, weight, detail);
}
#elif !defined(SPIDX_FUSED_VARIANT) /* a variant's file (kernels/bench/fused_variant.cu) calls fused_launch */
extern "C" spidx_status spidx_fused_run(const spidx_params *p, const int64_t *topk, void *list, void *weight,
                                        spidx_detail *detail)
{
    return gpu_run("fused", fused_launch, p, topk, list, weight, detail);
}

extern "C" spidx_status spidx_fused_run_call(int how, const spidx_params *p, const int64_t *topk, void *list,
                                          void *weight, spidx_detail *detail)
{
    return gpu_run_call("fused", fused_launch, how, p, topk, list, weight, detail);
}

extern "C" const char *spidx_fused_path_name(const spidx_params *p)
{
    spidx_shape s;
    if (spidx_check(p, p, p, p, &s, nullptr) != SPIDX_OK) return nullptr;
    const bool keep = p->mode == SPIDX_MODE_KEEP;
    if (s.rows == 0) return "none";
    const spidx_row_strides rs = spidx_effective_strides(p, &s);
    const bool b2b = fused_back_to_back(p->b, p->h, rs.list_sb, rs.list_sh, s.T) &&
                     fused_back_to_back(p->b, p->h, rs.weight_sb, rs.weight_sh, p->sk);
    switch (fused_pick_path(p->sk, s.rows, s.T, keep, b2b)) {
    case fused_path::list: return s.T == 0 ? "none" : keep ? "list keep" : "list"; /* as fused_launch */
    case fused_path::rows: return keep ? "warp rows keep" : "warp rows";
    case fused_path::rows8: return "8-lane rows"; /* ZERO mode only */
    case fused_path::rows1: return "thread rows"; /* ZERO mode only */
    case fused_path::span: return "row spans"; /* ZERO mode only */
    default: return keep ? "block chunks keep" : "block chunks";
    }
}

extern "C" spidx_status spidx_fused_launch_device(const spidx_params *p, const int64_t *topk, void *list,
                                                  void *weight, unsigned long long *first_bad, cudaStream_t stream,
                                                  spidx_detail *detail)
{
    return gpu_launch_device("fused", fused_launch, p, topk, list, weight, first_bad, stream, detail);
}
#endif /* SPIDX_MUTANT */
