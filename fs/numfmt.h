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
 * JSON callers must check isfinite() first and write null.
 * Notation: plain decimal for exponents in [-7, 21), otherwise
 * "1.5e-10" / "1e+21" (valid in CSV, JSON and for strtod).
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

#ifdef __cplusplus
}
#endif

#endif /* TBFS_NUMFMT_H */
