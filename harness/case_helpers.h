/* case_helpers.h - what the tests, the fuzz targets and the tools share: a "case"
 * (one complete call: params, top-k buffer, initial output buffers), guarded buffers
 * whose canaries catch writes outside the call's buffers, running a case on one
 * implementation, and the bit-for-bit comparison that reports first mismatches
 * with (bi, hi, j) coordinates. Test and tool code only: failures abort. */
#ifndef SPIDX_CASE_HELPERS_H
#define SPIDX_CASE_HELPERS_H

#include <stdint.h>
#include <stdio.h>

#include "spidx.h"
#include "spidx_registry.h"

/* Always-on assert (also under NDEBUG): prints file, line and condition, then aborts. */
#define SPIDX_ASSERT(cond)                                                                                   \
    do {                                                                                                     \
        if (!(cond)) spidx_assert_fail(__FILE__, __LINE__, #cond);                                          \
    } while (0)
#ifdef __cplusplus /* the bench includes this header from CUDA C++ */
[[noreturn]] void spidx_assert_fail(const char *file, int line, const char *cond);
#else
_Noreturn void spidx_assert_fail(const char *file, int line, const char *cond);
#endif

/* SplitMix64: advances *state and returns its next 64 random bits. Every random choice
 * of the case library (fills, the decoder's derived values) uses it, so a seed names
 * the same bits everywhere. */
uint64_t case_splitmix64(uint64_t *state);

/* Canary bytes around every buffer and the fill of guard regions. */
#define SPIDX_GUARD_BYTES 64
#define SPIDX_CANARY 0xA5u

/* One complete call. Buffers hold `*_bytes` bytes: the spans when the params are
 * valid, SPIDX_CASE_ERROR_BYTES each otherwise. A buffer flagged in null_mask is
 * passed as NULL. */
#define SPIDX_CASE_ERROR_BYTES 64

/* Bits of spidx_case.null_mask (and of the byte and `.case` forms, which store it). */
#define SPIDX_NULL_TOPK 1u
#define SPIDX_NULL_LIST 2u
#define SPIDX_NULL_WEIGHT 4u
#define SPIDX_NULL_ALL (SPIDX_NULL_TOPK | SPIDX_NULL_LIST | SPIDX_NULL_WEIGHT)

/* How the output buffers start (KEEP mode keeps these bits; padding must keep them). */
typedef enum spidx_fill {
    SPIDX_FILL_RANDOM = 0, /* random bytes from the seed */
    SPIDX_FILL_NAN = 1,    /* NaNs of either sign with random payloads */
    SPIDX_FILL_NEGZERO = 2,/* -0.0 everywhere */
    SPIDX_FILL_ONE = 3,    /* 1.0 everywhere */
    SPIDX_FILL_ZERO = 4,   /* +0.0 everywhere */
    SPIDX_FILL_COUNT
} spidx_fill;
const char *spidx_fill_name(int fill); /* "random", ...; NULL when out of range */

/* How a case is called (its `.case` line `call = ...`): once; twice in a row, the outcome
 * being the second call's; or right after a larger case (every buffer larger, other
 * contents) on the same implementation; these two check that staging which persists and
 * grows across calls leaks nothing from one call into the next. The last three go
 * through a GPU implementation's device entry point (spidx_device_call in
 * kernels/spidx_registry.h): on a user stream, twice at once on two streams, or in a
 * CUDA graph replayed after the top-k changed in place; an implementation without one
 * (the reference) is called once. */
typedef enum spidx_call {
    SPIDX_CALL_ONCE = 0,
    SPIDX_CALL_TWICE = 1,
    SPIDX_CALL_AFTER_LARGER = 2,
    SPIDX_CALL_STREAM = 3,
    SPIDX_CALL_TWO_STREAMS = 4,
    SPIDX_CALL_GRAPH = 5,
    SPIDX_CALL_COUNT
} spidx_call;
/* "once", "twice", "after_larger", "stream", "two_streams", "graph"; NULL when out of range */
const char *spidx_call_name(int call);

/* Top-k padding (elements outside every row) holds this value: a kernel that reads
 * padding as a top-k value sees an invalid entry and the statuses disagree. */
#define SPIDX_TOPK_POISON (-0x5EEDLL)

typedef struct spidx_case {
    spidx_params p;
    int fill;             /* spidx_fill */
    uint64_t fill_seed;
    spidx_shape shape;    /* valid only when check == SPIDX_OK */
    spidx_row_strides strides; /* spidx_effective_strides; valid only when check == SPIDX_OK */
    spidx_status check;   /* spidx_check's verdict on p (classes 1-3) */
    int64_t *topk;
    unsigned char *list_init, *weight_init;
    size_t topk_bytes, list_bytes, weight_bytes;
    unsigned null_mask;
    int call;             /* spidx_call */
} spidx_case;

/* Contiguous params ([b][h][L] rows, strides = L, h*L) with types int64/float32, ZERO mode. */
spidx_params case_contiguous_params(int64_t b, int64_t h, int64_t sk, int64_t sink, int64_t heavy,
                                    int64_t window, int64_t init_offset);

/* Allocates the case's buffers for p: top-k filled with SPIDX_TOPK_POISON (set the
 * row values with case_set_topk), outputs as `fill` from seed; the list always gets
 * random bytes. Aborts when memory runs out. case_init uses SPIDX_FILL_RANDOM. */
void case_init_fill(spidx_case *c, const spidx_params *p, int fill, uint64_t seed);
void case_init(spidx_case *c, const spidx_params *p, uint64_t seed);

/* Frees the case's buffers and zeroes *c. */
void case_free(spidx_case *c);

/* Reads top-k element (bi, hi, k) through the case's strides (valid cases only). */
int64_t case_get_topk(const spidx_case *c, int64_t bi, int64_t hi, int64_t k);

/* Writes value to top-k element (bi, hi, k) through the case's strides (valid cases only). */
void case_set_topk(spidx_case *c, int64_t bi, int64_t hi, int64_t k, int64_t value);

/* What one implementation did with a case. */
typedef struct spidx_outcome {
    spidx_status status;
    spidx_detail detail;
    unsigned char *list, *weight; /* the output buffers after the call (inside guarded blocks) */
    unsigned char *list_block, *weight_block; /* the allocations holding them, for outcome_free */
    int guards_intact;            /* every canary byte around every buffer unchanged */
    int topk_intact;              /* the top-k buffer unchanged */
    /* The call before the checked one (call = twice: the case itself; after_larger: the
     * larger case), whose failure would otherwise pass unseen or surface in the checked
     * call as a sticky CUDA error with a misleading message; SPIDX_OK, a zeroed detail
     * and both flags 1 for calls made once. */
    spidx_status first_status;
    spidx_detail first_detail;
    int first_guards_intact, first_topk_intact;
} spidx_outcome;

/* Runs c on impl with guarded copies of its buffers, as c->call says, and records the
 * outcome of the last call, with the first call's status, detail, guards and top-k in the
 * first_* fields (call = twice or after_larger; after_larger's larger case only when it
 * is inside what impl declares, else its outcome is not kept). */
void case_run(const spidx_impl *impl, const spidx_case *c, spidx_outcome *o);
void outcome_free(spidx_outcome *o);

/* 1 when every byte of o's output buffers outside the rows' elements (the padding)
 * still holds the case's initial bits. Valid cases only. */
int case_padding_intact(const spidx_case *c, const spidx_outcome *o);

/* Element `at` (an element index into the buffer, not a byte offset) of a list buffer
 * widened to int64, or of a weight buffer as raw bits; valid cases only, `at` inside the
 * span. */
int64_t case_list_entry_at(const spidx_case *c, const unsigned char *buf, int64_t at);
uint32_t case_weight_bits_at(const spidx_case *c, const unsigned char *buf, int64_t at);

/* Element readers through the case's strides: list entry widened to int64, weight bits. */
int64_t outcome_list(const spidx_case *c, const spidx_outcome *o, int64_t bi, int64_t hi, int64_t j);
uint32_t outcome_weight_bits(const spidx_case *c, const spidx_outcome *o, int64_t bi, int64_t hi, int64_t x);
uint32_t case_init_weight_bits(const spidx_case *c, int64_t bi, int64_t hi, int64_t x);

/* Compares outcome b (implementation name_b) with a (name_a) bit for bit: the first
 * call's status, guards and top-k (call = twice or after_larger), then the checked call's
 * status, detail, every list and weight element, padding bytes, guards and the top-k
 * buffer. Prints up to max_report mismatches to out (NULL: silent) and returns their
 * number; *first_field (when not NULL) gets the first mismatch's field: "first_call",
 * "status", "detail", "guard", "topk", "list", "weight", "list padding" or "weight
 * padding". */
long case_compare(const spidx_case *c, const char *name_a, const spidx_outcome *a, const char *name_b,
                  const spidx_outcome *b, FILE *out, int max_report, const char **first_field);

/* The signature of b's disagreement with the reference's outcome a, whose first field
 * case_compare gave: "IMPL:FIELD:CLASS". CLASS is the status pair, with what failed for
 * SPIDX_E_DEVICE when the detail names it ("OK->E_DEVICE(cudaErrorIllegalAddress)",
 * "OK->E_DEVICE(OutOfMemoryError)") and the kind of invalid value when one side is
 * SPIDX_E_HEAVY_RANGE ("E_HEAVY_RANGE->OK(negative)", "(past-end)", and "(in-range)" for
 * a valid value reported as invalid); for "first_call", the first call's status pair in
 * the same form; or what the first
 * differing list element did (wrong-value, spurious-invalid, missed-invalid) and in which
 * region (@sink, @heavy, @window); or what the first differing weight did (missing-one,
 * extra-one, other-bits) and in which zone of the row (@head: x < S, @tail: x >= sk - W,
 * @middle); or "-". Never fails; truncates to sig_size. */
void case_mismatch_signature(const spidx_case *c, const char *impl, const spidx_outcome *a, const spidx_outcome *b,
                             const char *field, char *sig, size_t sig_size);
/* Room for any signature: an implementation's name (a plug-in's has at most 40
 * characters), the longest field, and the longest class with its token (at most 63). */
#define SPIDX_SIGNATURE_MAX 192

/* One-line description of the case's params ("b=2 h=3 sk=10 sink=2 ..."). */
void case_describe(const spidx_case *c, char *buf, size_t size);

/* 1 when SPIDX_REQUIRE_GPU=1: a GPU implementation or test must run, not skip; else 0. */
int case_require_gpu(void);

/* Outcomes of case_select_impls. Each program decides what a failure means: the tools,
 * replay drivers, fuzz targets and test binaries of spidx exit 2 with the reason. */
typedef enum case_select_status {
    CASE_SELECT_OK = 0,
    CASE_SELECT_UNAVAILABLE = 1, /* a named implementation cannot run here, or SPIDX_REQUIRE_GPU=1 and a GPU one cannot */
    CASE_SELECT_UNKNOWN = 2,     /* SPIDX_IMPLS names an implementation that is not registered */
    CASE_SELECT_PLUGIN = 3       /* a plug-in of SPIDX_PLUGINS could not be loaded */
} case_select_status;

/* Implementations selected by the environment, after loading the plug-ins SPIDX_PLUGINS
 * names (spidx_registry_load_env). SPIDX_IMPLS="ref,fused" names them: each
 * must exist and be available here. When it is unset, all but the opt-in ones (mutants)
 * that are available here; those that are not are skipped with a line to log (NULL:
 * silent), unless SPIDX_REQUIRE_GPU=1 and one is a GPU implementation. Fills impls (room
 * for SPIDX_MAX_IMPLS) and *count. Returns CASE_SELECT_OK, or a failure with the reason
 * in err (err_size bytes, NUL-terminated) and *count = 0. */
case_select_status case_select_impls(const spidx_impl **impls, size_t *count, FILE *log, char *err, size_t err_size);

/* "ref, fused, baseline": the names of impls[0..n) into buf (size bytes; nothing when
 * size is 0); with the reference alone, followed by " (reference only: no differential
 * comparison)"; with none, "nothing (no implementation selected)". Never fails. */
void case_describe_impls(const spidx_impl *const *impls, size_t n, char *buf, size_t size);

/* Whether impl may run on c, by the capabilities it declares (spidx_impl.caps): the
 * case's index type, weight type, mode and layout (padded, permuted), and the reference
 * status ref_status: statuses 1-3 need SPIDX_CAP_VALIDATES, status 4 (an invalid top-k
 * value) SPIDX_CAP_HEAVY_RANGE.
 * Returns 1, or 0 with the first reason it does not apply in why ("declares no int32
 * index", "expects valid inputs only (reference: SPIDX_E_STRIDE)"). Built-in
 * implementations declare everything. Such a case is "not applicable", never a pass. */
int case_applies(const spidx_impl *impl, const spidx_case *c, spidx_status ref_status, char *why, size_t why_size);

/* The layout bits of a valid case (SPIDX_CAP_PADDED, SPIDX_CAP_PERMUTED; 0 contiguous):
 * permuted when a tensor's batch stride is below its head stride, padded when a tensor's
 * rows or batches lie further apart than a dense packing of that order. */
uint32_t case_layout_caps(const spidx_case *c);

/* Installs handlers for SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT that print which
 * implementation (and plug-in file) was running when the signal came, then re-raise it
 * with the default action. For programs without libFuzzer's own handlers (the replay
 * drivers, spidx_repro, the tests); harmless to call twice. */
void case_install_crash_report(void);

#endif /* SPIDX_CASE_HELPERS_H */
