/*
 * numfmt.cc — shortest round-trip number printing (see numfmt.h).
 *
 * Layer: fs/ render support, used by the CSV and JSON renderers; no FUSE,
 * no I/O. This is the only C++ in tbfs: a thin extern "C" shim over
 * Google's double-conversion (Debian libdouble-conversion).
 *
 * Why a library: printing the *shortest* decimal that reads back to the
 * same float is a known hard problem (Steele & White, Grisu, Ryu); the
 * hand-written versions tend to be wrong at power-of-two boundaries and
 * for denormals, and snprintf("%.9g") is both slow and longer than
 * needed. double-conversion is exact (Grisu3 with a bignum fallback),
 * has a real single-precision mode (ToShortestSingle), and does not
 * allocate. Integers are trivial, so they are done here, without
 * snprintf.
 */
#include "numfmt.h"

#include <string.h>

#include <double-conversion/double-to-string.h>
#include <double-conversion/utils.h>

namespace dc = double_conversion;

/*
 * One immutable converter shared by every thread: the conversion methods
 * are const and keep their state on the stack, so no locking is needed.
 * It is a function-local static because its constructor is not constexpr:
 * a namespace-scope object would be built by a load-time constructor, and
 * a caller running before that (another constructor) would see zeros.
 * C++11 makes the first-use initialisation thread-safe; afterwards it
 * costs one predictable branch.
 *
 * Flags: EMIT_POSITIVE_EXPONENT_SIGN gives "1e+21" (JSON accepts both,
 * but "+" reads better next to "e-10"). No UNIQUE_ZERO, so -0.0 stays
 * "-0" and reads back with its sign. No trailing-point flags, so 1.0 is
 * "1", not "1." or "1.0".
 * Decimal range: plain notation while the decimal exponent is in [-7, 21),
 * the exponent form outside it. The longest possible output is then
 * "-0.00000012345678901234567" (26 chars), which fits TBN_BUF.
 * The two precision-mode paddings are unused by ToShortest.
 */
static const dc::DoubleToStringConverter &converter(void)
{
	static const dc::DoubleToStringConverter conv(
		dc::DoubleToStringConverter::EMIT_POSITIVE_EXPONENT_SIGN,
		"inf", "nan", 'e', -7, 21, 0, 0);

	return conv;
}

size_t tbn_f32(char *buf, float v)
{
	dc::StringBuilder sb(buf, TBN_BUF);
	int len;

	/* Only fails without inf/nan symbols, and we give both. */
	converter().ToShortestSingle(v, &sb);
	len = sb.position();
	sb.Finalize();
	return (size_t)len;
}

size_t tbn_f64(char *buf, double v)
{
	dc::StringBuilder sb(buf, TBN_BUF);
	int len;

	converter().ToShortest(v, &sb);
	len = sb.position();
	sb.Finalize();
	return (size_t)len;
}

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

static size_t u64_len(uint64_t v)
{
	size_t n = 1;

	/* Four digits per step: at most 5 steps for 20 digits. */
	for (;;) {
		if (v < 10)
			return n;
		if (v < 100)
			return n + 1;
		if (v < 1000)
			return n + 2;
		if (v < 10000)
			return n + 3;
		v /= 10000;
		n += 4;
	}
}

size_t tbn_u64(char *buf, uint64_t v)
{
	size_t len = u64_len(v);
	char *p = buf + len;

	/* Knowing the length first lets us write right to left in place. */
	*p = '\0';
	while (v >= 100) {
		unsigned int i = (unsigned int)(v % 100) * 2;

		v /= 100;
		p -= 2;
		memcpy(p, digit_pairs + i, 2);
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, digit_pairs + v * 2, 2);
	} else {
		*--p = (char)('0' + v);
	}
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
