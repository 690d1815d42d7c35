/*
 * numfmt.h — shortest round-trip number printing for the renderers.
 *
 * Layer: fs/ view/render support (no FUSE). Backed by Dragonbox (Debian
 * libdragonbox-dev: shortest and correctly rounded, proven) through a
 * one-file C++ shim, numfmt.cc, because hand-written shortest printing is
 * a known trap; it replaced double-conversion, 3-4x slower here.
 *
 * Every function writes into @buf (at least TBN_BUF bytes), NUL-terminates,
 * and returns the length written (without the NUL). The text parses back
 * (strtof for f32, strtod for f64) to the identical bit pattern.
 * Non-finite values are written "nan", "inf", "-inf" (pandas reads them);
 * JSON callers use the _json writers, which write null instead.
 * Notation: plain decimal for exponents in [-7, 21), otherwise
 * "1.5e-10" / "1e+21" (valid in CSV, JSON and for strtod).
 * The longest text is 26 bytes ("-0.00000012345678901234567"). The
 * writers may change any of the TBN_BUF bytes of @buf after the NUL.
 */
#ifndef TBFS_NUMFMT_H
#define TBFS_NUMFMT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TBN_BUF 32

size_t tbn_f32(char *buf, float v);
size_t tbn_f64(char *buf, double v);
size_t tbn_i64(char *buf, int64_t v);
size_t tbn_u64(char *buf, uint64_t v);

/* JSON (RFC 8259) numbers: the same text as tbn_f32/tbn_f64, except
 *  - non-finite values (nan, ±inf) are written "null";
 *  - integral values whose plain text has 16 or more digits (tbn_* writes
 *    plain digits up to 1e21) get exponent form, e.g. 1.2345678901234567e+20,
 *    "1e+20" for 100000000000000000000, "-1.5e+19": first digit, then "."
 *    and the remaining significant digits if any (no trailing zeros), then
 *    "e+" and the exponent without padding. Many JSON parsers read a
 *    number with no '.' or 'e' as an integer and fail past 2^63. */
size_t tbn_f32_json(char *buf, float v);
size_t tbn_f64_json(char *buf, double v);

/* The lengths the writers would return, computed without writing digits
 * (used to give exact file sizes in stat() without rendering the file).
 * They share the writers' layout code, so they cannot disagree; a float's
 * costs one Dragonbox conversion and no digits, some 60% of writing it. */
size_t tbn_f32_len(float v);
size_t tbn_f64_len(double v);
size_t tbn_f32_json_len(float v);
size_t tbn_f64_json_len(double v);
size_t tbn_i64_len(int64_t v);
/* Both at once, from one shortest-decimal computation: returns
 * tbn_X_len(v) and sets *@json_len to tbn_X_json_len(v). */
size_t tbn_f32_lens(float v, size_t *json_len);
size_t tbn_f64_lens(double v, size_t *json_len);
size_t tbn_u64_len(uint64_t v);

#ifdef __cplusplus
}
#endif

#endif /* TBFS_NUMFMT_H */
