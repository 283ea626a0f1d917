/* spidx.h - the public contract of spidx: types, status codes, validation and the
 * reference implementation of the sparse-attention index/weight operation.
 * The semantics are defined in ref/SPEC.md; every implementation follows that file.
 * Include this header from C11 or CUDA host code; link the spidx_ref library. */
#ifndef SPIDX_H
#define SPIDX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Stable status codes: values never change meaning; new codes are appended. */
typedef enum spidx_status {
    SPIDX_OK = 0,
    SPIDX_E_ARG = 1,          /* negative size/offset, null buffer that is non-empty, unknown type or mode */
    SPIDX_E_STRIDE = 2,       /* negative stride or rows of one tensor that could overlap */
    SPIDX_E_TOO_LARGE = 3,    /* an extent overflows int64, or int32 list with sk > INT32_MAX */
    SPIDX_E_HEAVY_RANGE = 4,  /* at least one invalid top-k value; outputs written, detail names the first */
    SPIDX_E_UNAVAILABLE = 5,  /* the implementation cannot run here (no CUDA device, built without CUDA) */
    SPIDX_E_DEVICE = 6        /* a CUDA call failed (out of memory, launch failure); detail.message says which */
} spidx_status;

/* Returns the enum name ("SPIDX_E_STRIDE"), or "SPIDX_UNKNOWN_STATUS" for a value outside the enum. */
const char *spidx_status_name(spidx_status status);

typedef enum spidx_index_type { SPIDX_INDEX_I64 = 0, SPIDX_INDEX_I32 = 1 } spidx_index_type;
typedef enum spidx_weight_type { SPIDX_WEIGHT_F32 = 0, SPIDX_WEIGHT_F16 = 1, SPIDX_WEIGHT_BF16 = 2 } spidx_weight_type;
typedef enum spidx_mode { SPIDX_MODE_ZERO = 0, SPIDX_MODE_KEEP = 1 } spidx_mode;

/* Bit patterns of 1.0 per weight type (SPEC.md, "Weights"). */
#define SPIDX_ONE_F32 0x3F800000u
#define SPIDX_ONE_F16 0x3C00u
#define SPIDX_ONE_BF16 0x3F80u

/* The bits of 1.0 in weight_type (SPIDX_ONE_*), or 0 for an unknown type. */
uint32_t spidx_weight_one_bits(int32_t weight_type);

/* One call's inputs. Types and mode are plain ints so that an unknown value can be
 * represented and rejected with SPIDX_E_ARG. Strides are in elements. */
typedef struct spidx_params {
    int64_t b, h, sk;
    int64_t sink, window, heavy, init_offset;
    int32_t index_type;  /* spidx_index_type */
    int32_t weight_type; /* spidx_weight_type */
    int32_t mode;        /* spidx_mode */
    int64_t topk_sb, topk_sh;
    int64_t list_sb, list_sh;
    int64_t weight_sb, weight_sh;
} spidx_params;

/* Returned beside a status. For SPIDX_E_HEAVY_RANGE, (bi, hi, j) is the first invalid
 * entry in row-major order, j being the top-k column (list position S + j), and value
 * is its raw top-k value; otherwise bi = hi = j = -1 and value = 0. message is a
 * NUL-terminated human-readable reason, empty for SPIDX_OK. */
typedef struct spidx_detail {
    int64_t bi, hi, j;
    int64_t value;
    char message[192];
} spidx_detail;

/* Quantities derived from valid params (SPEC.md, "Derived"). Spans are the number of
 * elements from a tensor's first element to one past its last, 0 when it is empty. */
typedef struct spidx_shape {
    int64_t S, H, W, T;
    int64_t rows;                     /* b * h */
    int64_t topk_span, list_span, weight_span;
    size_t index_size, weight_size;   /* bytes per list / weight element */
} spidx_shape;

/* Row strides as an implementation applies them, for valid params: a dimension of
 * extent 1 never multiplies a non-zero index and an empty tensor (row length 0) has no
 * element, so SPEC.md ignores their strides; they are returned as 0, so that an ignored
 * (arbitrary) stride cannot overflow row-offset arithmetic. Row (bi, hi) of the top-k
 * starts at element bi * topk_sb + hi * topk_sh, and so on. */
typedef struct spidx_row_strides {
    int64_t topk_sb, topk_sh;
    int64_t list_sb, list_sh;
    int64_t weight_sb, weight_sh;
} spidx_row_strides;

/* Effective strides of p, whose derived shape s spidx_check returned with SPIDX_OK. */
spidx_row_strides spidx_effective_strides(const spidx_params *p, const spidx_shape *s);

/* The message of an E_HEAVY_RANGE detail (SPEC.md, status 4), from detail's bi, hi, j
 * and value; every implementation reports the first invalid entry with it. Never fails. */
void spidx_detail_set_heavy_range(spidx_detail *detail, int64_t bi, int64_t hi, int64_t j, int64_t value);

/* Checks status classes 1-3 (E_ARG, E_STRIDE, E_TOO_LARGE) in SPEC order, writing
 * nothing but *shape and *detail (either may be NULL). Buffers are only tested for
 * NULL, never dereferenced. Returns SPIDX_OK, or the first failing class with
 * detail->message naming the argument. */
spidx_status spidx_check(const spidx_params *p, const void *topk, const void *list,
                         const void *weight, spidx_shape *shape, spidx_detail *detail);

/* The bit-exact CPU reference. Buffers are host memory laid out by p's strides.
 * Returns the SPEC status; on classes 1-3 nothing is written. detail may be NULL. */
spidx_status spidx_ref_run(const spidx_params *p, const int64_t *topk, void *list,
                           void *weight, spidx_detail *detail);

/* Fills *detail with "no detail" (positions -1, value 0, empty message). Never fails. */
void spidx_detail_clear(spidx_detail *detail);

/* Name of a type or mode value ("int64", "bfloat16", "keep"), "?" when unknown. */
const char *spidx_index_type_name(int32_t index_type);
const char *spidx_weight_type_name(int32_t weight_type);
const char *spidx_mode_name(int32_t mode);

#ifdef __cplusplus
}
#endif
#endif /* SPIDX_H */
