/* spidx_names.c - printable names for statuses, types and modes, the bits of 1.0 per
 * weight type, and the details every implementation reports (SPEC.md, "Status"). */
#include "spidx.h"

#include <stdio.h>
#include <string.h>

const char *spidx_status_name(spidx_status status)
{
    switch (status) {
    case SPIDX_OK: return "SPIDX_OK";
    case SPIDX_E_ARG: return "SPIDX_E_ARG";
    case SPIDX_E_STRIDE: return "SPIDX_E_STRIDE";
    case SPIDX_E_TOO_LARGE: return "SPIDX_E_TOO_LARGE";
    case SPIDX_E_HEAVY_RANGE: return "SPIDX_E_HEAVY_RANGE";
    case SPIDX_E_UNAVAILABLE: return "SPIDX_E_UNAVAILABLE";
    case SPIDX_E_DEVICE: return "SPIDX_E_DEVICE";
    }
    return "SPIDX_UNKNOWN_STATUS";
}

const char *spidx_index_type_name(int32_t index_type)
{
    switch (index_type) {
    case SPIDX_INDEX_I64: return "int64";
    case SPIDX_INDEX_I32: return "int32";
    default: return "?";
    }
}

const char *spidx_weight_type_name(int32_t weight_type)
{
    switch (weight_type) {
    case SPIDX_WEIGHT_F32: return "float32";
    case SPIDX_WEIGHT_F16: return "float16";
    case SPIDX_WEIGHT_BF16: return "bfloat16";
    default: return "?";
    }
}

const char *spidx_mode_name(int32_t mode)
{
    switch (mode) {
    case SPIDX_MODE_ZERO: return "zero";
    case SPIDX_MODE_KEEP: return "keep";
    default: return "?";
    }
}

void spidx_detail_clear(spidx_detail *detail)
{
    if (!detail) return;
    detail->bi = detail->hi = detail->j = -1;
    detail->value = 0;
    memset(detail->message, 0, sizeof detail->message);
}

uint32_t spidx_weight_one_bits(int32_t weight_type)
{
    switch (weight_type) {
    case SPIDX_WEIGHT_F32: return SPIDX_ONE_F32;
    case SPIDX_WEIGHT_F16: return SPIDX_ONE_F16;
    case SPIDX_WEIGHT_BF16: return SPIDX_ONE_BF16;
    default: return 0;
    }
}

void spidx_detail_set_heavy_range(spidx_detail *detail, int64_t bi, int64_t hi, int64_t j, int64_t value)
{
    if (!detail) return;
    detail->bi = bi;
    detail->hi = hi;
    detail->j = j;
    detail->value = value;
    snprintf(detail->message, sizeof detail->message,
             "top-k value %lld at (bi=%lld, hi=%lld, j=%lld) is outside [0, sk - init_offset)", (long long)value,
             (long long)bi, (long long)hi, (long long)j);
}
