/*
 * numfmt.cc — shortest round-trip number printing (see numfmt.h).
 *
 * Layer: fs/ render support, used by the CSV and JSON renderers; no FUSE,
 * no I/O, no allocation, no shared state. This is the only C++ in tbfs: a
 * thin extern "C" shim over Dragonbox (Debian libdragonbox-dev, header
 * only as used here), plus our own digit writer for the notation that
 * numfmt.h fixes.
 *
 * Why a library: printing the *shortest* decimal that reads back to the
 * same float is a known hard problem (Steele & White, Grisu, Ryu); the
 * hand-written versions tend to be wrong at power-of-two boundaries and
 * for denormals, and snprintf("%.9g") is both slow and longer than
 * needed. Dragonbox (Jeon, 2020, after Schubfach) has a proof that its
 * digits are the shortest that round-trip and, among those, the closest
 * to the binary value (ties to even digit), with a native binary32 path.
 * It replaced Google's double-conversion here because number printing is
 * the bottleneck of a large CSV and double-conversion (Grisu3 with a
 * bignum fallback; Debian builds it with assertions on) was 3-4x slower
 * in tests/bench/bench_numfmt (110-170 ns a value against 31-45 ns).
 * The output is byte-for-byte what the double-conversion shim wrote:
 * checked on every float32 and tens of millions of doubles; the digit
 * writer below was then rewritten and checked byte-for-byte against the
 * one before on every float32 and 400 million random doubles.
 *
 * Dragonbox gives significand and exponent only; the text is ours, in
 * two steps that the writers and the _len functions share:
 *  1. plan_float/plan_decimal decide the layout and the exact length
 *     from the digit count and the exponent alone, without digits. The
 *     _len functions stop there, so they cannot disagree with the
 *     writers, which return the plan's length, not a count of their own.
 *  2. put_plan writes the digits. Written for speed, because it was most
 *     of the cost: the significand is turned into ASCII 8 digits at a
 *     time in one register (ascii8) and left-aligned to a fixed 17
 *     digits, so that every notation is a few 8-byte stores at offsets
 *     the plan gives, and nothing branches on the notation.
 *     The stores may leave bytes past the end of the text (digits, '0's,
 *     a point where the NUL then goes), all inside TBN_BUF.
 * Measured against the writer before (both in one process, pinned to a
 * core, best of 9 runs; bench_numfmt agrees but is noisier): training-
 * curve values went from 32 to 28 ns (float32) and 35 to 31-32 ns
 * (double); random bit patterns from 30 to 31 ns (float32) and 31 to
 * 32-33 ns (double); but 17-digit timestamps like 1700000000.1234567
 * from 25 to 29-30 ns: for them the old right-to-left writer never
 * mispredicted and did less work. Dragonbox alone is 13 ns of each;
 * its own to_chars (exponent form only) takes 25-30 ns. What is left is
 * mostly the latency of ascii8 (six dependent multiplies); a SIMD
 * conversion could cut it further.
 */
#include "numfmt.h"

#include <stdint.h>
#include <string.h>

/*
 * Dragonbox checks its invariants with assert(), compiled in because the
 * build is debugoptimized (NDEBUG not defined). They stay on: defining
 * NDEBUG for this file changed neither the instructions executed a value
 * (callgrind) nor the time in bench_numfmt, and they would catch misuse
 * such as to_decimal of zero.
 */
#include <dragonbox/dragonbox.h>

namespace db = jkj::dragonbox;

static const uint64_t pow10_u64[20] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL,
	10000000000000000000ULL,
};

/* Eight ASCII '0's: the padding of every digit word. */
static const uint64_t ascii_zeros = 0x3030303030303030ULL;

/*
 * Decimal digits of @v > 0. t = bit width * 1233 / 4096 (1233/4096 is
 * log10 2, close enough up to 64 bits) is @v's digit count or one less;
 * one table compare decides.
 */
static inline int dec_len(uint64_t v)
{
	int t = ((64 - __builtin_clzll(v)) * 1233) >> 12;

	return t + (v >= pow10_u64[t]);
}

/*
 * Stores the 8 bytes of @w at @p, byte i of the word (bits 8i..8i+7) at
 * p[i]: the words below are built in that order, so the first character
 * is the least significant byte, whatever the machine's byte order.
 */
static inline void store8(char *p, uint64_t w)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	memcpy(p, &w, 8);
}

/*
 * The 8 decimal digits of @v < 10^8, leading zeros included, as an ASCII
 * word for store8 (first digit in byte 0). SWAR: the value is split into
 * lanes of one register and each step halves the lane width, so three
 * steps do the work of eight divisions by 10. Each lane's quotient q is
 * a multiply-shift that is exact for the lane's range (x * 10486 >> 20
 * == x / 100 for x < 10^4, x * 103 >> 10 == x / 10 for x < 100; both
 * checked exhaustively in test_numfmt), and no lane's product reaches
 * the next lane (10^4 * 10486 < 2^32, 100 * 103 < 2^16). The step from
 * lane x to (remainder << w) + q is the single multiply-add
 * (x << w) + q * (1 - (d << w)): no dependent subtraction.
 */
static inline uint64_t ascii8(uint32_t v)
{
	/* Two 4-digit lanes of 32 bits, the leading half in the low lane. */
	uint64_t q = v / 10000;
	uint64_t x = ((uint64_t)v << 32) + q * (1 - (10000ULL << 32));

	/* Each into two 2-digit lanes of 16 bits. */
	q = ((x * 10486) >> 20) & 0x0000007f0000007fULL;
	x = (x << 16) + q * (1 - (100ULL << 16));
	/* Each into two digits of 8 bits. */
	q = ((x * 103) >> 10) & 0x000f000f000f000fULL;
	x = (x << 8) + q * (1 - (10ULL << 8));
	return x | ascii_zeros;
}

/*
 * The significant digits of a float as the writers use them: always 17
 * (the most a double needs) and padded with '0's on the right, so that
 * every digit has a fixed place and every notation is a few 8-byte
 * stores at offsets known from the plan: digits 0-7 in w0, 8-15 in w1,
 * digit 16 in last.
 */
struct digits17 {
	uint64_t w0, w1;
	char last;
};

/* Bytes k..k+7 of the 16-byte string lo, hi (0 <= k <= 8; the shifts
 * are split in two so that none is by 64, which C leaves undefined). */
static inline uint64_t funnel(uint64_t lo, uint64_t hi, int k)
{
	return (lo >> (4 * k) >> (4 * k)) |
	       (hi << (32 - 4 * k) << (32 - 4 * k));
}

/*
 * @sig has @n <= 17 digits (a double's significand). The digits are
 * converted right-aligned, as 17 with leading zeros, and then moved left
 * by 17 - n bytes: that way the conversion does not wait for n, which
 * takes a dependent multiply and table load to find. (Scaling sig by
 * 10^(17 - n) first was about 1 ns a value slower.)
 */
static inline digits17 split_digits(uint64_t sig, int n)
{
	uint64_t hi = sig / 100000000;		/* < 10^9 */
	uint64_t mid = ascii8((uint32_t)(hi % 100000000));
	uint64_t low = ascii8((uint32_t)(sig % 100000000));
	/* The 17 digits, then '0's: bytes 0-7, 8-15, 16-23. */
	uint64_t b0 = ('0' + hi / 100000000) | mid << 8;
	uint64_t b1 = mid >> 56 | low << 8;
	uint64_t b2 = low >> 56 | ascii_zeros << 8;
	int k = 17 - n;
	digits17 d;

	if (k >= 8) {
		b0 = b1;
		b1 = b2;
		b2 = ascii_zeros;
		k -= 8;
	}
	/* k <= 8 here (n = 1 leaves 16 - 8), which funnel allows. */
	d.w0 = funnel(b0, b1, k);
	d.w1 = funnel(b1, b2, k);
	d.last = (char)funnel(b2, ascii_zeros, k);
	return d;
}

/* @sig has @n <= 9 digits (a float's significand): fewer, same layout. */
static inline digits17 split_digits(uint32_t sig, int n)
{
	uint64_t low = ascii8(sig % 100000000);
	uint64_t b0 = ('0' + sig / 100000000) | low << 8;
	uint64_t b1 = low >> 56 | ascii_zeros << 8;
	digits17 d;

	d.w0 = funnel(b0, b1, 9 - n);
	d.w1 = funnel(b1, ascii_zeros, 9 - n);
	d.last = '0';
	return d;
}

/*
 * @w with a '.' in byte @j (0 <= j < 8): bytes below j stay, the bytes
 * from j on move one place up and the top one drops out (the caller has
 * already stored it one place up).
 */
static inline uint64_t with_point(uint64_t w, int j)
{
	uint64_t keep = ((uint64_t)1 << (8 * j)) - 1;

	return (w & keep) | ((w & ~keep) << 8) | ((uint64_t)'.' << (8 * j));
}

/*
 * How the text of sig * 10^e is laid out, where n is the number of
 * digits of sig (which has no trailing zero digit) and x = e + n - 1 the
 * scientific exponent. numfmt.h fixes the notations:
 *   0 <= x < 21, n <= x + 1   1200        digits, then zeros
 *   0 <= x < 21, n > x + 1    12.34       the point after digit x + 1
 *   -7 <= x < 0               0.001234    "0.", -x - 1 zeros, digits
 *   otherwise                 1.234e-10   the point after the first
 *                             1e+21       digit (none if it is alone)
 * which all are: z '0's, then the digits (z = -x for 0.001234, else 0),
 * from byte m = z + 1 of the text (after the sign) on, a point after
 * byte a, '0's up to byte f (the zeros of 1200; its point falls where
 * the NUL goes), and an exponent if sci. That depends on x alone, so it
 * is a table, indexed by x clamped to [-8, 21] (all exponents outside
 * are alike), and so is the length, one formula for all notations:
 *   len = max(m - 1 + n + (n > a), f) + (sci ? 2 + exponent digits : 0)
 * (12.34: m - 1 = 0, and n > a = 2 adds the point; 0.001234: m - 1 = 3
 * zeros and the point; 0.1: f = 3 is the minimum.)
 * JSON differs in one case: an integral value of 16 or more digits is
 * written in exponent form (1.2345678901234567e+20, 1e+20), because many
 * JSON parsers read a number with no '.' or 'e' as an integer and fail
 * past 2^63: x = 16..20 are sci in JSON, and so is x = 15 unless n = 17
 * (1234567890123456.7 has its point).
 */
struct layout {
	int8_t z, m, a, f;
	bool sci;
};

struct layout_table {
	layout t[2][30];	/* [json][x + 8] */

	constexpr layout_table() : t()
	{
		for (int json = 0; json < 2; json++)
			for (int x = -8; x <= 21; x++) {
				layout &l = t[json][x + 8];
				bool plain = x >= 0 && x < (json ? 15 : 21);
				bool small = x < 0 && x >= -7;

				l.sci = !plain && !small;
				l.z = (int8_t)(small ? -x : 0);
				l.m = (int8_t)(l.z + 1);
				l.a = (int8_t)(plain ? x + 1 : 1);
				l.f = (int8_t)(plain ? x + 1 : small ? l.m + 1 : 0);
			}
	}
};

static constexpr layout_table layouts;

/*
 * The exponents of "e-5", "e+21", "e-308": for each |x| a double can
 * have, its 1-3 digits as the low bytes of a word (first digit in byte
 * 0) and their count in byte 3. Built at compile time; 1.3 KB.
 */
struct exponent_table {
	uint32_t t[325];

	constexpr exponent_table() : t()
	{
		for (int i = 0; i < 325; i++)
			t[i] = i < 10 ? (uint32_t)('0' + i) | 1u << 24 :
			       i < 100 ? (uint32_t)('0' + i / 10) |
					 (uint32_t)('0' + i % 10) << 8 |
					 2u << 24 :
			       (uint32_t)('0' + i / 100) |
			       (uint32_t)('0' + i / 10 % 10) << 8 |
			       (uint32_t)('0' + i % 10) << 16 | 3u << 24;
	}
};

static constexpr exponent_table exponents;

/* Everything about a text but its digits. */
struct plan {
	const char *word;	/* fixed text ("nan", "-0", "null"...) or NULL */
	size_t len;		/* of the text, without the NUL */
	bool neg;
	int n, x;
	layout l;
	uint32_t exp;		/* exponents.t[|x|] */
};

static inline plan plan_word(const char *word, size_t len)
{
	plan pl = {};

	pl.word = word;
	pl.len = len;
	return pl;
}

/*
 * The one place that decides the layout and the length of a finite
 * non-zero value: the _len functions stop here, the writers follow it.
 * No branch on the notation: in a column where 0.05 and 2.5 alternate a
 * branch would be mispredicted half the time, and a miss costs about as
 * much as this function and writing the digits together.
 */
static inline plan plan_decimal(bool neg, uint64_t sig, int e, bool json)
{
	int n = dec_len(sig), x = e + n - 1;
	int i = x < -8 ? -8 : x > 21 ? 21 : x;
	bool point15 = (x == 15) & (n == 17);
	layout const &l = layouts.t[json & !point15][i + 8];
	uint32_t exp = exponents.t[x < 0 ? -x : x];
	int len = l.m - 1 + n + (n > l.a);
	plan pl;

	len = len > l.f ? len : l.f;
	len += l.sci * (2 + (int)(exp >> 24));
	pl.word = NULL;
	pl.len = neg + (size_t)len;
	pl.neg = neg;
	pl.n = n;
	pl.x = x;
	pl.l = l;
	pl.exp = exp;
	return pl;
}

/* The shortest decimal of a finite non-zero value (policies: see
 * plan_float). */
template <class Float, class Signed>
static inline auto shortest(Signed s, unsigned int exp_bits)
{
	return db::to_decimal<Float>(s, exp_bits,
		db::policy::sign::ignore,
		db::policy::trailing_zero::remove,
		db::policy::decimal_to_binary_rounding::nearest_to_even,
		db::policy::binary_to_decimal_rounding::to_even,
		db::policy::cache::full);
}

/*
 * Sign, zero and non-finite values are handled here (to_decimal requires
 * a finite non-zero input), the rest by Dragonbox, the way its own
 * to_chars does it. Any NaN is "nan", whatever its sign and payload;
 * -0.0 is "-0" so it reads back with its sign. In JSON, NaN and the
 * infinities are null (RFC 8259 has no such numbers); -0 is valid JSON.
 * Policies, spelled out although they are the defaults: the sign is ours;
 * trailing zeros are removed (1e+21, not 1000...0e0); the rounding
 * interval is the one of round-to-nearest-even reading (what strtod and
 * strtof do), and a tie between two closest shortest candidates goes to
 * the even digit, as in double-conversion; the full (fastest) power table.
 * @sig receives the significand for put_plan (unset for a word).
 */
template <class Float, bool json>
__attribute__((always_inline)) static inline plan
plan_float(Float v, typename db::float_bits<Float>::carrier_uint *sig)
{
	auto const br = db::float_bits<Float>(v);
	unsigned int const exp_bits = br.extract_exponent_bits();
	auto const s = br.remove_exponent_bits(exp_bits);

	if (!br.is_finite(exp_bits)) {
		if (json)
			return plan_word("null", 4);
		if (!s.has_all_zero_significand_bits())
			return plan_word("nan", 3);
		return s.is_negative() ? plan_word("-inf", 4) :
					 plan_word("inf", 3);
	}
	if (!br.is_nonzero())
		return s.is_negative() ? plan_word("-0", 2) :
					 plan_word("0", 1);
	auto const d = shortest<Float>(s, exp_bits);

	*sig = d.significand;
	return plan_decimal(s.is_negative(), d.significand, d.exponent, json);
}

/* Both lengths from one Dragonbox call (see tbn_f64_lens). */
template <class Float>
static inline size_t float_lens(Float v, size_t *json_len)
{
	auto const br = db::float_bits<Float>(v);
	unsigned int const exp_bits = br.extract_exponent_bits();
	auto const s = br.remove_exponent_bits(exp_bits);
	typename db::float_bits<Float>::carrier_uint sig;

	if (!br.is_finite(exp_bits) || !br.is_nonzero()) {
		*json_len = plan_float<Float, true>(v, &sig).len;
		return plan_float<Float, false>(v, &sig).len;
	}
	auto const d = shortest<Float>(s, exp_bits);

	*json_len = plan_decimal(s.is_negative(), d.significand, d.exponent,
				 true).len;
	return plan_decimal(s.is_negative(), d.significand, d.exponent,
			    false).len;
}

/*
 * Writes the text @pl describes for @sig and returns pl.len.
 * The digits (with their '0' padding) are stored one place to the right
 * of the point's byte a, where the digits after the point belong; then
 * the 8-byte word that holds the point is rewritten with the digits in
 * front of it moved back one place, the point, and for 0.001234 the
 * leading '0's. Stores go left to right, each overwriting what the one
 * before wrote past its part; the last byte stored is at most buf + 26
 * (the sign, m <= 8, 17 digits, or the exponent after 18 bytes), inside
 * TBN_BUF = 32. The branches are on how long the integer part is and
 * whether there is an exponent, which stay the same down a column.
 */
template <class Sig>
__attribute__((always_inline)) static inline size_t
put_plan(char *buf, const plan &pl, Sig sig)
{
	char *p = buf + pl.neg;
	int a = pl.l.a, m = pl.l.m;
	digits17 d;

	if (pl.word) {
		memcpy(buf, pl.word, pl.len + 1);
		return pl.len;
	}
	/* Unconditional: the digits overwrite it if the value is positive. */
	buf[0] = '-';
	d = split_digits(sig, pl.n);
	store8(p + m, d.w0);
	store8(p + m + 8, d.w1);
	p[m + 16] = d.last;
	if (a < 8) {
		/* z <= 7 leading '0's: "0.00" of 0.001234 is 3 and a point. */
		int zbits = 8 * pl.l.z;
		uint64_t w = d.w0 << zbits |
			     (ascii_zeros & ~(~(uint64_t)0 << zbits));

		store8(p, with_point(w, a));
	} else if (a < 16) {
		store8(p, d.w0);
		store8(p + 8, with_point(d.w1, a - 8));
	} else {
		/* 1234567890123456.7, or 17-21 integer digits ('0' padded). */
		store8(p, d.w0);
		store8(p + 8, d.w1);
		store8(p + 16, a == 16 ? '.' | (uint64_t)(uint8_t)d.last << 8 |
					 ascii_zeros << 16 :
					 (uint8_t)d.last | ascii_zeros << 8);
	}
	if (pl.l.sci) {
		/* After the digits; a lone digit has no point, "e" covers it. */
		store8(p + (pl.n > 1 ? pl.n + 1 : 1),
		       'e' | (uint64_t)(pl.x < 0 ? '-' : '+') << 8 |
		       (uint64_t)(pl.exp & 0xffffff) << 16);
	}
	buf[pl.len] = '\0';
	return pl.len;
}

template <class Float, bool json>
static inline size_t put_float(char *buf, Float v)
{
	typename db::float_bits<Float>::carrier_uint sig = 0;
	plan const pl = plan_float<Float, json>(v, &sig);

	return put_plan(buf, pl, sig);
}

template <class Float, bool json>
static inline size_t float_len(Float v)
{
	typename db::float_bits<Float>::carrier_uint sig;

	return plan_float<Float, json>(v, &sig).len;
}

size_t tbn_f32(char *buf, float v)
{
	return put_float<float, false>(buf, v);
}

size_t tbn_f64(char *buf, double v)
{
	return put_float<double, false>(buf, v);
}

size_t tbn_f32_json(char *buf, float v)
{
	return put_float<float, true>(buf, v);
}

size_t tbn_f64_json(char *buf, double v)
{
	return put_float<double, true>(buf, v);
}

size_t tbn_f32_len(float v)
{
	return float_len<float, false>(v);
}

size_t tbn_f64_len(double v)
{
	return float_len<double, false>(v);
}

size_t tbn_f32_json_len(float v)
{
	return float_len<float, true>(v);
}

size_t tbn_f64_json_len(double v)
{
	return float_len<double, true>(v);
}

size_t tbn_f32_lens(float v, size_t *json_len)
{
	return float_lens<float>(v, json_len);
}

size_t tbn_f64_lens(double v, size_t *json_len)
{
	return float_lens<double>(v, json_len);
}

size_t tbn_u64_len(uint64_t v)
{
	return v ? (size_t)dec_len(v) : 1;
}

size_t tbn_i64_len(int64_t v)
{
	/* Negate in unsigned arithmetic: -INT64_MIN overflows int64_t. */
	return v >= 0 ? tbn_u64_len((uint64_t)v) :
			1 + tbn_u64_len(0 - (uint64_t)v);
}

size_t tbn_u64(char *buf, uint64_t v)
{
	size_t len = tbn_u64_len(v);
	int n = (int)len;

	/*
	 * Left to right in 8-digit blocks, the leading block scaled up to 8
	 * digits so that it needs no shift: its padding '0's are overwritten
	 * by the next block (or are past the end, where the NUL goes).
	 */
	if (n <= 8) {
		store8(buf, ascii8((uint32_t)(v * pow10_u64[8 - n])));
	} else {
		uint64_t hi = v / 100000000;
		uint32_t lo = (uint32_t)(v % 100000000);

		if (n <= 16) {
			store8(buf, ascii8((uint32_t)(hi * pow10_u64[16 - n])));
		} else {
			/* 17-20 digits: 1-4 leading ones, then two blocks. */
			uint32_t top = (uint32_t)(hi / 100000000);
			uint32_t mid = (uint32_t)(hi % 100000000);

			store8(buf, ascii8(top * (uint32_t)pow10_u64[24 - n]));
			store8(buf + n - 16, ascii8(mid));
		}
		store8(buf + n - 8, ascii8(lo));
	}
	buf[len] = '\0';
	return len;
}

size_t tbn_i64(char *buf, int64_t v)
{
	if (v >= 0)
		return tbn_u64(buf, (uint64_t)v);
	buf[0] = '-';
	return 1 + tbn_u64(buf + 1, 0 - (uint64_t)v);
}
