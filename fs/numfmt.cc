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
 * checked on every float32 and tens of millions of doubles.
 *
 * Dragonbox gives significand and exponent only; the text is ours:
 * digits two at a time from a table, right to left, into the caller's
 * buffer. Integers are trivial and use the same table.
 */
#include "numfmt.h"

#include <stdint.h>
#include <string.h>

#include <dragonbox/dragonbox.h>

namespace db = jkj::dragonbox;

/* "00" "01" ... "99": two digits per division halves the divisions. */
static const char digit_pairs[201] =
	"00010203040506070809"
	"10111213141516171819"
	"20212223242526272829"
	"30313233343536373839"
	"40414243444546474849"
	"50515253545556575859"
	"60616263646566676869"
	"70717273747576777879"
	"80818283848586878889"
	"90919293949596979899";

static const uint64_t pow10_u64[20] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL,
	10000000000000000000ULL,
};

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

/* Writes the decimal digits of @v so that the last one is end[-1]. */
static inline void put_digits32(char *end, uint32_t v)
{
	while (v >= 100) {
		uint32_t i = (v % 100) * 2;

		v /= 100;
		end -= 2;
		memcpy(end, digit_pairs + i, 2);
	}
	if (v >= 10)
		memcpy(end - 2, digit_pairs + v * 2, 2);
	else
		end[-1] = (char)('0' + v);
}

/* Same for 64 bits: 8-digit blocks in 32-bit arithmetic, then the rest. */
static inline void put_digits(char *end, uint64_t v)
{
	while (v >= 100000000) {
		uint32_t lo = (uint32_t)(v % 100000000);
		uint32_t hi4 = lo / 10000, lo4 = lo % 10000;

		v /= 100000000;
		memcpy(end - 2, digit_pairs + (lo4 % 100) * 2, 2);
		memcpy(end - 4, digit_pairs + (lo4 / 100) * 2, 2);
		memcpy(end - 6, digit_pairs + (hi4 % 100) * 2, 2);
		memcpy(end - 8, digit_pairs + (hi4 / 100) * 2, 2);
		end -= 8;
	}
	put_digits32(end, (uint32_t)v);
}

/*
 * Writes sig * 10^e (sig > 0, no trailing zero digit) in the notation of
 * numfmt.h. With n digits the scientific exponent is x = e + n - 1:
 *   0 <= x < 21   1234, 1200, 12.34   (digits, zeros or a point inside)
 *  -7 <= x < 0    0.001234            ("0." and -x-1 zeros first)
 *   otherwise     1.234e-10, 1e+21    (point after the first digit)
 * The longest text is "-0.00000012345678901234567": 26 bytes and the NUL.
 */
static size_t put_decimal(char *buf, bool neg, uint64_t sig, int e)
{
	char *p = buf;
	int n = dec_len(sig), x = e + n - 1;

	if (neg)
		*p++ = '-';
	if (x >= 0 && x < 21) {
		if (n <= x + 1) {
			put_digits(p + n, sig);
			memset(p + n, '0', (size_t)(x + 1 - n));
			p += x + 1;
		} else {
			/* Digits one place right, integer part back over the gap. */
			put_digits(p + n + 1, sig);
			memmove(p, p + 1, (size_t)(x + 1));
			p[x + 1] = '.';
			p += n + 1;
		}
	} else if (x < 0 && x >= -7) {
		p[0] = '0';
		p[1] = '.';
		memset(p + 2, '0', (size_t)(-x - 1));
		p += 1 - x;
		put_digits(p + n, sig);
		p += n;
	} else {
		/* Digits one place right, the first back, the point after it. */
		put_digits(p + n + 1, sig);
		p[0] = p[1];
		if (n > 1) {
			p[1] = '.';
			p += n + 1;
		} else {
			p += 1;
		}
		*p++ = 'e';
		if (x < 0) {
			*p++ = '-';
			x = -x;
		} else {
			*p++ = '+';
		}
		/* |x| <= 324 for doubles. */
		if (x >= 100) {
			*p++ = (char)('0' + x / 100);
			x %= 100;
			memcpy(p, digit_pairs + x * 2, 2);
			p += 2;
		} else if (x >= 10) {
			memcpy(p, digit_pairs + x * 2, 2);
			p += 2;
		} else {
			*p++ = (char)('0' + x);
		}
	}
	*p = '\0';
	return (size_t)(p - buf);
}

/*
 * Sign, zero and non-finite values are handled here (to_decimal requires
 * a finite non-zero input), the rest by Dragonbox, the way its own
 * to_chars does it. Any NaN is "nan", whatever its sign and payload;
 * -0.0 is "-0" so it reads back with its sign.
 * Policies, spelled out although they are the defaults: the sign is ours;
 * trailing zeros are removed (1e+21, not 1000...0e0); the rounding
 * interval is the one of round-to-nearest-even reading (what strtod and
 * strtof do), and a tie between two closest shortest candidates goes to
 * the even digit, as in double-conversion; the full (fastest) power table.
 */
template <class Float>
static size_t put_float(char *buf, Float v)
{
	auto const br = db::float_bits<Float>(v);
	unsigned int const exp_bits = br.extract_exponent_bits();
	auto const s = br.remove_exponent_bits(exp_bits);
	char *p = buf;

	if (!br.is_finite(exp_bits)) {
		if (!s.has_all_zero_significand_bits()) {
			memcpy(buf, "nan", 4);
			return 3;
		}
		if (s.is_negative())
			*p++ = '-';
		memcpy(p, "inf", 4);
		return (size_t)(p - buf) + 3;
	}
	if (!br.is_nonzero()) {
		if (s.is_negative())
			*p++ = '-';
		memcpy(p, "0", 2);
		return (size_t)(p - buf) + 1;
	}
	auto const d = db::to_decimal<Float>(s, exp_bits,
		db::policy::sign::ignore,
		db::policy::trailing_zero::remove,
		db::policy::decimal_to_binary_rounding::nearest_to_even,
		db::policy::binary_to_decimal_rounding::to_even,
		db::policy::cache::full);

	return put_decimal(buf, s.is_negative(), d.significand, d.exponent);
}

size_t tbn_f32(char *buf, float v)
{
	return put_float<float>(buf, v);
}

size_t tbn_f64(char *buf, double v)
{
	return put_float<double>(buf, v);
}

size_t tbn_u64(char *buf, uint64_t v)
{
	/* Knowing the length first lets us write right to left in place. */
	size_t len = v ? (size_t)dec_len(v) : 1;

	put_digits(buf + len, v);
	buf[len] = '\0';
	return len;
}

size_t tbn_i64(char *buf, int64_t v)
{
	if (v >= 0)
		return tbn_u64(buf, (uint64_t)v);
	/* Negate in unsigned arithmetic: -INT64_MIN overflows int64_t. */
	buf[0] = '-';
	return 1 + tbn_u64(buf + 1, 0 - (uint64_t)v);
}
