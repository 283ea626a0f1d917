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

/* The largest case that decoding materializes: all three buffers in bytes, and rows
 * (b * h, which costs time even when rows are empty). Larger valid cases are shrunk by
 * halving b, then h, then sk, then heavy until they fit. */
#define SPIDX_CASE_MAX_BYTES ((size_t)256 << 20)
#define SPIDX_CASE_MAX_ROWS ((int64_t)1 << 18)

/* First byte of the exact ("raw") byte form that case_encode writes. Any other first
 * byte selects the structured fuzzing decoder. */
#define SPIDX_RAW_TAG 0xA7u

/* Decodes any byte string (a `.case` text included) into *c; never fails. */
void case_decode(const uint8_t *data, size_t size, spidx_case *c);

/* The same with a smaller budget for byte-decoded cases (a `.case` text is taken as
 * written): fuzz_ref uses it to keep the CPU-only mix small. */
void case_decode_bounded(const uint8_t *data, size_t size, spidx_case *c, size_t max_bytes, int64_t max_rows);

/* Encodes c in the raw byte form; returns a malloc'ed buffer of *size bytes. */
uint8_t *case_encode(const spidx_case *c, size_t *size);

/* Writes c as `.case` text, with optional comment lines (NULL: none) after the header. */
void case_write(FILE *out, const spidx_case *c, const char *comment);

/* Parses `.case` text. Returns 0 and fills *c, or -1 with a message "line N: ..." in err. */
int case_parse(const char *text, size_t size, spidx_case *c, char *err, size_t err_size);

/* 1 when text starts like a `.case` file (its first line is "spidx-case 1"). */
int case_is_text(const uint8_t *data, size_t size);

/* 1 when a and b describe the same call (params, null mask, fill, row top-k values). */
int case_equal(const spidx_case *a, const spidx_case *b);

#endif /* SPIDX_CASE_IO_H */
