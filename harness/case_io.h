/* case_io.h - the two forms of a case: fuzzer bytes (decoded by a total, deterministic
 * decoder; see case_decode.c) and the versioned `.case` text format that people read,
 * edit and keep (case_text.c, documented in README.md). Conversions lose nothing:
 * case_encode's bytes decode to the same case, and case_write's text parses back to it. */
#ifndef SPIDX_CASE_IO_H
#define SPIDX_CASE_IO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "case_helpers.h"

/* The largest case a `.case` text may describe: all three buffers in bytes, and rows
 * (b * h, which costs time even when rows are empty). spidx_repro runs texts up to it. */
#define SPIDX_CASE_MAX_BYTES ((size_t)256 << 20)
#define SPIDX_CASE_MAX_ROWS ((int64_t)1 << 18)

/* fuzz_diff's budget: the largest case that decoding fuzzer bytes materializes. A text
 * input over it is rejected, a raw one goes to the structured decoder, and the
 * structured decoder shrinks its cases to fit: libFuzzer turns "sk = 4608" into
 * "sk = 46080000" in a few mutations, and one such case costs as much as thousands of
 * ordinary ones. Every shape class of the decoder fits. The replay drivers and
 * spidx_repro run `.case` files as written, whatever the budget. */
#define SPIDX_FUZZ_MAX_BYTES ((size_t)4 << 20)
#define SPIDX_FUZZ_MAX_ROWS ((int64_t)1 << 17)

/* First byte of the exact ("raw") byte form that case_encode writes. Any other first
 * byte selects the structured fuzzing decoder. */
#define SPIDX_RAW_TAG 0xA7u

/* The one rule for what an input is, in every program: a file named *.case, or bytes
 * whose first line starts with "spidx-case", are `.case` text and must parse (an unknown
 * version is an error that names it); anything else is fuzzer bytes: the raw form when
 * the first byte is SPIDX_RAW_TAG, else the structured decoder's input. */

/* 1 when the bytes' first line starts with "spidx-case" (any version), else 0. */
int case_is_text(const uint8_t *data, size_t size);

/* 1 when a file is `.case` text by the rule above: its name ends in ".case" or
 * case_is_text holds; else 0. name may be NULL (bytes alone). */
int case_file_is_text(const char *name, const uint8_t *data, size_t size);

/* Decodes an input into *c within the fuzz budget: `.case` text as written, the raw form
 * as written (over the budget: as structured bytes), other bytes by the structured
 * decoder. Returns 0, or -1 with nothing allocated for `.case` text that does not parse
 * or is over the budget: fuzz targets reject such an input (libFuzzer keeps none of it).
 * fuzz_diff decodes its inputs this way. */
int case_decode(const uint8_t *data, size_t size, spidx_case *c);

/* The same with another budget (fuzz_ref's is smaller, to keep the CPU-only mix small
 * under ASan). */
int case_decode_bounded(const uint8_t *data, size_t size, spidx_case *c, size_t max_bytes, int64_t max_rows);

/* 1 when c is within fuzz_diff's budget (its text or raw form decodes to it in fuzz_diff
 * and spidx_repro), 0 when it is larger. */
int case_fits_fuzz_budget(const spidx_case *c);

/* Encodes c in the raw byte form; returns a malloc'ed buffer of *size bytes. */
uint8_t *case_encode(const spidx_case *c, size_t *size);

/* Writes c as `.case` text, with optional comment lines (NULL: none) after the header. */
void case_write(FILE *out, const spidx_case *c, const char *comment);

/* Parses `.case` text. Returns 0 and fills *c, or -1 with a message "line N: ..." in err
 * (a case over SPIDX_CASE_MAX_BYTES or _ROWS included). */
int case_parse(const char *text, size_t size, spidx_case *c, char *err, size_t err_size);

/* The same with other limits; a case over them is refused before anything is allocated. */
int case_parse_bounded(const char *text, size_t size, spidx_case *c, char *err, size_t err_size, size_t max_bytes,
                       int64_t max_rows);

/* 1 when a and b describe the same call (params, null mask, fill, row top-k values). */
int case_equal(const spidx_case *a, const spidx_case *b);

#endif /* SPIDX_CASE_IO_H */
