/*
 * test_numfmt.c — unit test of fs/numfmt (shortest round-trip printing).
 *
 * What is checked:
 *  - known vectors, where the exact text matters (CSV/JSON users see it);
 *  - millions of pseudo-random bit patterns (fixed seed, so a failure
 *    reproduces), each checked for bit-exact round trip, for the exact
 *    notation rules of numfmt.h, for JSON validity, and for being
 *    shortest;
 *  - every float32/float64 within a window of each power of two, where
 *    the rounding interval is lopsided and naive printers go wrong;
 *  - short decimals (what a human typed) print back exactly as typed;
 *  - integers, against printf;
 *  - the _len functions against the writers, and the _json writers
 *    against a reference rewrite of the plain text (json_ref, the rule
 *    the renderers applied before numfmt had JSON writers), on the
 *    vectors, the random values, a stride of all float32 patterns and
 *    the values at the notation boundaries (1e-7, 1e16, 1e21).
 *
 * "Shortest" is proved without trusting any other printer. Say our text
 * has d significant digits. It reads back, so it lies in the value's
 * rounding interval; the interval is convex, so if it held any
 * (d-1)-digit decimal it would hold one of the two that bracket our text.
 * So we check that both of those fail to read back; then no (d-1)-digit
 * decimal reads back, and no shorter one either (they are a subset).
 * That is two strtof/strtod calls per value, which is what lets us test
 * millions of values in seconds.
 * The slower literal statement, "never more digits than the smallest N
 * for which %.Ng reads back", is checked on a sample as well. It counts
 * significant digits, not bytes: the notations differ on purpose (we
 * write 100000000000000000000 where %g writes 1e+20).
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "numfmt.h"

#define N_RAND_F32 600000
#define N_RAND_F64 400000
#define N_RAND_INT 300000
#define N_PRETTY 200000
/* Random doubles for the cheaper _len/_json checks. */
#define N_RAND_FMT 800000
/* Every this-many-th float32 bit pattern (a prime: all exponents, both
 * signs, some 215000 patterns). */
#define F32_STRIDE 19997
/* Values on each side of each power of two in the boundary sweep. */
#define POW2_WINDOW 64
/* One random value in this many also gets the literal %.Ng check. */
#define NAIVE_EVERY 64

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* splitmix64: tiny, full period, good enough to spray bit patterns. */
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static float f32_from_bits(uint32_t b)
{
	float f;

	memcpy(&f, &b, sizeof(f));
	return f;
}

static uint32_t f32_bits(float f)
{
	uint32_t b;

	memcpy(&b, &f, sizeof(b));
	return b;
}

static double f64_from_bits(uint64_t b)
{
	double d;

	memcpy(&d, &b, sizeof(d));
	return d;
}

static uint64_t f64_bits(double d)
{
	uint64_t b;

	memcpy(&b, &d, sizeof(b));
	return b;
}

/* A decimal split into sign, significant digits and scientific exponent. */
struct dec {
	bool neg;
	int nd;		/* significant digits; 0 for zero */
	int x;		/* value = d[0].d[1..] * 10^x */
	char d[64];
};

/* Accepts any strtod-style decimal; strips leading and trailing zeros. */
static bool dec_parse(const char *s, struct dec *o)
{
	char raw[64];
	int m = 0, int_digits = -1, e = 0, lead = 0;

	o->neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	for (; (*s >= '0' && *s <= '9') || *s == '.'; s++) {
		if (*s == '.') {
			if (int_digits >= 0)
				return false;
			int_digits = m;
			continue;
		}
		if (m == (int)sizeof(raw))
			return false;
		raw[m++] = *s;
	}
	if (m == 0)
		return false;
	if (int_digits < 0)
		int_digits = m;
	if (*s == 'e' || *s == 'E') {
		char *end;

		e = (int)strtol(s + 1, &end, 10);
		if (end == s + 1)
			return false;
		s = end;
	}
	if (*s != '\0')
		return false;
	while (lead < m && raw[lead] == '0')
		lead++;
	while (m > lead && raw[m - 1] == '0')
		m--;
	o->nd = m - lead;
	memcpy(o->d, raw + lead, (size_t)o->nd);
	o->d[o->nd] = '\0';
	o->x = int_digits + e - lead - 1;
	return true;
}

static char *put_int(char *p, int v)
{
	char tmp[16];
	int n = 0;

	if (v < 0) {
		*p++ = '-';
		v = -v;
	}
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* The one text numfmt.h allows for a decimal: an independent re-render. */
static void dec_render(const struct dec *v, char *out)
{
	char *p = out;
	int i;

	if (v->neg)
		*p++ = '-';
	if (v->nd == 0) {
		*p++ = '0';
	} else if (v->x >= -7 && v->x < 21) {
		if (v->x < 0) {
			*p++ = '0';
			*p++ = '.';
			for (i = 0; i < -v->x - 1; i++)
				*p++ = '0';
			memcpy(p, v->d, (size_t)v->nd);
			p += v->nd;
		} else {
			for (i = 0; i <= v->x; i++)
				*p++ = i < v->nd ? v->d[i] : '0';
			if (v->nd > v->x + 1) {
				*p++ = '.';
				memcpy(p, v->d + v->x + 1,
				       (size_t)(v->nd - v->x - 1));
				p += v->nd - v->x - 1;
			}
		}
	} else {
		*p++ = v->d[0];
		if (v->nd > 1) {
			*p++ = '.';
			memcpy(p, v->d + 1, (size_t)v->nd - 1);
			p += v->nd - 1;
		}
		*p++ = 'e';
		if (v->x >= 0)
			*p++ = '+';
		p = put_int(p, v->x);
	}
	*p = '\0';
}

/* RFC 8259 number grammar. */
static bool is_json_number(const char *s)
{
#define DIGIT(c) ((c) >= '0' && (c) <= '9')
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (DIGIT(*s))
			s++;
	else
		return false;
	if (*s == '.') {
		s++;
		if (!DIGIT(*s))
			return false;
		while (DIGIT(*s))
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!DIGIT(*s))
			return false;
		while (DIGIT(*s))
			s++;
	}
	return *s == '\0';
#undef DIGIT
}

/* Writes [-]d[0].d[1..n-1]e<x>, the plainest input for strtod. */
static void put_sci(char *p, bool neg, const char *d, int n, int x)
{
	if (neg)
		*p++ = '-';
	*p++ = d[0];
	if (n > 1) {
		*p++ = '.';
		memcpy(p, d + 1, (size_t)n - 1);
		p += n - 1;
	}
	*p++ = 'e';
	*put_int(p, x) = '\0';
}

/*
 * The (nd-1)-digit decimals just below and just above @v in magnitude.
 * @v has no trailing zero digit, so it lies strictly between the two.
 */
static void dec_bracket(const struct dec *v, char *lo, char *hi)
{
	char d[64];
	int n = v->nd - 1, x = v->x, i;

	memcpy(d, v->d, (size_t)n);
	put_sci(lo, v->neg, d, n, x);
	for (i = n - 1; i >= 0 && d[i] == '9'; i--)
		d[i] = '0';
	if (i >= 0) {
		d[i]++;
	} else {
		/* 99..9 + 1 = 100..0: same digit count, next exponent. */
		d[0] = '1';
		x++;
	}
	put_sci(hi, v->neg, d, n, x);
}

/* Smallest N such that "%.Ng" reads back: the naive shortest printer. */
static int naive_digits_f32(float f)
{
	char s[64];
	int n;

	for (n = 1; n <= 9; n++) {
		snprintf(s, sizeof(s), "%.*g", n, (double)f);
		if (f32_bits(strtof(s, NULL)) == f32_bits(f))
			return n;
	}
	return 99;
}

static int naive_digits_f64(double v)
{
	char s[64];
	int n;

	for (n = 1; n <= 17; n++) {
		snprintf(s, sizeof(s), "%.*g", n, v);
		if (f64_bits(strtod(s, NULL)) == f64_bits(v))
			return n;
	}
	return 99;
}

/* Per-loop failure tally: one EXPECT per loop, not millions. */
struct tally {
	const char *what;
	unsigned long n, bad, naive, shorter_than_naive;
	char first[200];
};

static void tally_fail(struct tally *t, const char *why, const char *in,
		       const char *out)
{
	if (t->bad++ == 0)
		snprintf(t->first, sizeof(t->first), "%s: input %s -> \"%s\"",
			 why, in, out);
}

/* Names the input by its bits; only formatted on failure (it is slow). */
static void tally_fail_f32(struct tally *t, const char *why, float f,
			   const char *out)
{
	char in[64];

	snprintf(in, sizeof(in), "f32 0x%08" PRIx32 " (%.9g)", f32_bits(f),
		 (double)f);
	tally_fail(t, why, in, out);
}

static void tally_fail_f64(struct tally *t, const char *why, double d,
			   const char *out)
{
	char in[64];

	snprintf(in, sizeof(in), "f64 0x%016" PRIx64 " (%.17g)", f64_bits(d),
		 d);
	tally_fail(t, why, in, out);
}

static void tally_expect(const struct tally *t)
{
	EXPECT_MSG(t->bad == 0, "%s: %lu of %lu bad, first: %s", t->what,
		   t->bad, t->n, t->first);
	if (t->shorter_than_naive)
		fprintf(stderr, "numfmt: %s: %lu of %lu sampled have fewer "
			"digits than the shortest %%.Ng\n", t->what,
			t->shorter_than_naive, t->naive);
}

/*
 * Everything we require of one text: length, no stray bytes, the exact
 * notation, JSON validity. Returns the reason it is wrong, or NULL.
 */
static const char *check_text(const char *s, size_t len, struct dec *v)
{
	char canon[64];

	if (len != strlen(s) || len >= TBN_BUF)
		return "length";
	if (!is_json_number(s))
		return "not a JSON number";
	if (!dec_parse(s, v))
		return "unparsable";
	dec_render(v, canon);
	if (strcmp(canon, s) != 0)
		return "notation";
	return NULL;
}

static void check_f32(struct tally *t, float f, bool naive)
{
	char buf[TBN_BUF], lo[64], hi[64];
	const char *why;
	struct dec v;
	char *end;
	size_t len;

	t->n++;
	len = tbn_f32(buf, f);
	if (!isfinite(f)) {
		const char *want = isnan(f) ? "nan" : f > 0 ? "inf" : "-inf";

		if (strcmp(buf, want) != 0 || len != strlen(want))
			tally_fail_f32(t, "non-finite", f, buf);
		return;
	}
	why = check_text(buf, len, &v);
	if (why) {
		tally_fail_f32(t, why, f, buf);
		return;
	}
	if (f32_bits(strtof(buf, &end)) != f32_bits(f) || *end) {
		tally_fail_f32(t, "round trip", f, buf);
		return;
	}
	if (v.nd > 1) {
		dec_bracket(&v, lo, hi);
		if (f32_bits(strtof(lo, NULL)) == f32_bits(f) ||
		    f32_bits(strtof(hi, NULL)) == f32_bits(f)) {
			tally_fail_f32(t, "not shortest", f, buf);
			return;
		}
	}
	if (naive) {
		int n = naive_digits_f32(f);

		t->naive++;
		if (v.nd > n)
			tally_fail_f32(t, "longer than %.Ng", f, buf);
		else if (v.nd < n)
			t->shorter_than_naive++;
	}
}

static void check_f64(struct tally *t, double d, bool naive)
{
	char buf[TBN_BUF], lo[64], hi[64];
	const char *why;
	struct dec v;
	char *end;
	size_t len;

	t->n++;
	len = tbn_f64(buf, d);
	if (!isfinite(d)) {
		const char *want = isnan(d) ? "nan" : d > 0 ? "inf" : "-inf";

		if (strcmp(buf, want) != 0 || len != strlen(want))
			tally_fail_f64(t, "non-finite", d, buf);
		return;
	}
	why = check_text(buf, len, &v);
	if (why) {
		tally_fail_f64(t, why, d, buf);
		return;
	}
	if (f64_bits(strtod(buf, &end)) != f64_bits(d) || *end) {
		tally_fail_f64(t, "round trip", d, buf);
		return;
	}
	if (v.nd > 1) {
		dec_bracket(&v, lo, hi);
		if (f64_bits(strtod(lo, NULL)) == f64_bits(d) ||
		    f64_bits(strtod(hi, NULL)) == f64_bits(d)) {
			tally_fail_f64(t, "not shortest", d, buf);
			return;
		}
	}
	if (naive) {
		int n = naive_digits_f64(d);

		t->naive++;
		if (v.nd > n)
			tally_fail_f64(t, "longer than %.Ng", d, buf);
		else if (v.nd < n)
			t->shorter_than_naive++;
	}
}

/*
 * The reference for the _json writers: how the renderers turned tbn_f32
 * or tbn_f64 text into JSON before numfmt had JSON writers (copied from
 * fs/view_util.c, tbv_json_float, as it was then). Plain digits of 16 or
 * more (an integral value; tbn writes up to 21) become exponent form.
 * @p holds the @n bytes of text; returns the new length.
 */
static size_t json_ref(char *p, size_t n)
{
	char tmp[TBN_BUF];
	size_t neg = p[0] == '-', m, k, o = 0;
	if (n < 16 + neg)
		return n;
	for (size_t i = neg; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return n;
	m = n - neg;
	k = m;
	while (k > 1 && p[neg + k - 1] == '0')
		k--;
	if (neg)
		tmp[o++] = '-';
	tmp[o++] = p[neg];
	if (k > 1) {
		tmp[o++] = '.';
		memcpy(tmp + o, p + neg + 1, k - 1);
		o += k - 1;
	}
	o += (size_t)snprintf(tmp + o, sizeof(tmp) - o, "e+%zu", m - 1);
	memcpy(p, tmp, o);
	return o;
}

/*
 * The _len and _json functions for one value, against the plain writer
 * (checked on its own by check_f32/check_f64): the lengths agree, also
 * both at once from tbn_f32_lens/tbn_f64_lens; the JSON text is json_ref
 * of the plain text ("null" if not finite), and it is a JSON number that
 * reads back to the same bits. Reading back is what costs; with @parse
 * false it is done only where the JSON text differs from the plain one,
 * whose round trip check_f32/f64 covers.
 */
static void check_fmt_f32(struct tally *t, float f, bool parse)
{
	char plain[TBN_BUF], json[TBN_BUF], want[TBN_BUF];
	size_t n, nj, nw;
	char *end;

	t->n++;
	n = tbn_f32(plain, f);
	nj = tbn_f32_json(json, f);
	if (tbn_f32_len(f) != n || n != strlen(plain)) {
		tally_fail_f32(t, "tbn_f32_len", f, plain);
		return;
	}
	if (tbn_f32_json_len(f) != nj || nj != strlen(json)) {
		tally_fail_f32(t, "tbn_f32_json_len", f, json);
		return;
	}
	if (tbn_f32_lens(f, &nw) != n || nw != nj) {
		tally_fail_f32(t, "tbn_f32_lens", f, json);
		return;
	}
	if (!isfinite(f)) {
		if (strcmp(json, "null") != 0)
			tally_fail_f32(t, "json non-finite", f, json);
		return;
	}
	memcpy(want, plain, n + 1);
	nw = json_ref(want, n);
	want[nw] = '\0';
	if (nj != nw || strcmp(json, want) != 0) {
		tally_fail_f32(t, "json text", f, json);
		return;
	}
	if ((parse || nj != n) &&
	    (!is_json_number(json) ||
	     f32_bits(strtof(json, &end)) != f32_bits(f) || *end))
		tally_fail_f32(t, "json round trip", f, json);
}

static void check_fmt_f64(struct tally *t, double d, bool parse)
{
	char plain[TBN_BUF], json[TBN_BUF], want[TBN_BUF];
	size_t n, nj, nw;
	char *end;

	t->n++;
	n = tbn_f64(plain, d);
	nj = tbn_f64_json(json, d);
	if (tbn_f64_len(d) != n || n != strlen(plain)) {
		tally_fail_f64(t, "tbn_f64_len", d, plain);
		return;
	}
	if (tbn_f64_json_len(d) != nj || nj != strlen(json)) {
		tally_fail_f64(t, "tbn_f64_json_len", d, json);
		return;
	}
	if (tbn_f64_lens(d, &nw) != n || nw != nj) {
		tally_fail_f64(t, "tbn_f64_lens", d, json);
		return;
	}
	if (!isfinite(d)) {
		if (strcmp(json, "null") != 0)
			tally_fail_f64(t, "json non-finite", d, json);
		return;
	}
	memcpy(want, plain, n + 1);
	nw = json_ref(want, n);
	want[nw] = '\0';
	if (nj != nw || strcmp(json, want) != 0) {
		tally_fail_f64(t, "json text", d, json);
		return;
	}
	if ((parse || nj != n) &&
	    (!is_json_number(json) ||
	     f64_bits(strtod(json, &end)) != f64_bits(d) || *end))
		tally_fail_f64(t, "json round trip", d, json);
}

static void test_vectors(void)
{
	static const struct {
		float v;
		const char *s;
	} f32v[] = {
		{ 0.1f, "0.1" },
		{ 0.3f, "0.3" },
		{ 1.0f / 3, "0.33333334" },
		{ 1.0f, "1" },
		{ 100.0f, "100" },
		{ -2.5f, "-2.5" },
		{ 0.0f, "0" },
		{ -0.0f, "-0" },
		{ 1e21f, "1e+21" },
		{ 1e20f, "100000000000000000000" },
		{ 1e-7f, "0.0000001" },
		{ 1e-8f, "1e-8" },
		{ 1.5e-10f, "1.5e-10" },
		{ 123456789.0f, "123456790" },
		{ 16777216.0f, "16777216" },
		{ FLT_MAX, "3.4028235e+38" },
		{ -FLT_MAX, "-3.4028235e+38" },
		{ FLT_MIN, "1.1754944e-38" },
		{ 1e-45f, "1e-45" },	/* smallest denormal, 1.4e-45 */
		{ -1e-45f, "-1e-45" },
		{ 3e-45f, "3e-45" },	/* 2 * denorm_min */
		{ INFINITY, "inf" },
		{ -INFINITY, "-inf" },
		{ NAN, "nan" },
		{ -NAN, "nan" },
	};
	static const struct {
		double v;
		const char *s;
	} f64v[] = {
		{ 0.1, "0.1" },
		{ 0.1 + 0.2, "0.30000000000000004" },
		{ 1.0 / 3, "0.3333333333333333" },
		{ 1.0, "1" },
		{ 100.0, "100" },
		{ 0.0, "0" },
		{ -0.0, "-0" },
		{ 1e21, "1e+21" },
		{ 1e20, "100000000000000000000" },
		{ 123456789012345678e3, "123456789012345680000" },
		{ 1e23, "1e+23" },	/* %.17g says 9.9999999999999992e+22 */
		{ 1e-7, "0.0000001" },
		{ 5e-7, "0.0000005" },
		{ 1e-8, "1e-8" },
		{ 1.5e-10, "1.5e-10" },
		{ -1.2345678901234567e-7, "-0.00000012345678901234566" },
		{ 123456789.0, "123456789" },
		{ 9007199254740993.0, "9007199254740992" },
		{ 9223372036854775808.0, "9223372036854776000" },
		{ DBL_MAX, "1.7976931348623157e+308" },
		{ -DBL_MAX, "-1.7976931348623157e+308" },
		{ DBL_MIN, "2.2250738585072014e-308" },
		{ 5e-324, "5e-324" },
		{ INFINITY, "inf" },
		{ -INFINITY, "-inf" },
		{ NAN, "nan" },
		{ -NAN, "nan" },
	};
	static const struct {
		int64_t v;
		const char *s;
	} i64v[] = {
		{ 0, "0" },
		{ 7, "7" },
		{ -7, "-7" },
		{ 10, "10" },
		{ 99, "99" },
		{ 100, "100" },
		{ -100, "-100" },
		{ 1234567890, "1234567890" },
		{ INT64_MAX, "9223372036854775807" },
		{ INT64_MIN, "-9223372036854775808" },
	};
	static const struct {
		uint64_t v;
		const char *s;
	} u64v[] = {
		{ 0, "0" },
		{ 1, "1" },
		{ 10000000000000000000ULL, "10000000000000000000" },
		{ UINT64_MAX, "18446744073709551615" },
	};
	/* What the _json writers add: null, and exponents for big integers. */
	static const struct {
		double v;
		const char *s;
	} jsonv[] = {
		{ NAN, "null" },
		{ -INFINITY, "null" },
		{ -0.0, "-0" },
		{ 0.5, "0.5" },
		{ 999999999999999.0, "999999999999999" },	/* 15 digits */
		{ -999999999999999.0, "-999999999999999" },
		{ 1e15, "1e+15" },				/* 16 digits */
		{ 1234567890123456.0, "1.234567890123456e+15" },
		{ 1234567890123456.8, "1234567890123456.8" },	/* has a point */
		{ 9007199254740993.0, "9.007199254740992e+15" },
		{ 9223372036854775808.0, "9.223372036854776e+18" },
		{ -1.5e19, "-1.5e+19" },
		{ 1e20, "1e+20" },
		{ 123456789012345678e3, "1.2345678901234568e+20" },
		{ 1e21, "1e+21" },
		{ 1e-7, "0.0000001" },
	};
	static const struct {
		float v;
		const char *s;
	} jsonv32[] = {
		{ NAN, "null" },
		{ INFINITY, "null" },
		{ 16777216.0f, "16777216" },
		{ 1e15f, "1e+15" },
		{ 1e20f, "1e+20" },
		{ -3.4028235e+38f, "-3.4028235e+38" },
	};
	struct tally t = { .what = "vectors: _len and _json" };
	char buf[TBN_BUF];
	size_t i, n;

	for (i = 0; i < sizeof(f32v) / sizeof(f32v[0]); i++) {
		n = tbn_f32(buf, f32v[i].v);
		EXPECT_MSG(strcmp(buf, f32v[i].s) == 0 && n == strlen(buf),
			   "tbn_f32 #%zu: \"%s\", want \"%s\"", i, buf,
			   f32v[i].s);
		check_fmt_f32(&t, f32v[i].v, true);
	}
	for (i = 0; i < sizeof(f64v) / sizeof(f64v[0]); i++) {
		n = tbn_f64(buf, f64v[i].v);
		EXPECT_MSG(strcmp(buf, f64v[i].s) == 0 && n == strlen(buf),
			   "tbn_f64 #%zu: \"%s\", want \"%s\"", i, buf,
			   f64v[i].s);
		check_fmt_f64(&t, f64v[i].v, true);
	}
	for (i = 0; i < sizeof(jsonv) / sizeof(jsonv[0]); i++) {
		n = tbn_f64_json(buf, jsonv[i].v);
		EXPECT_MSG(strcmp(buf, jsonv[i].s) == 0 && n == strlen(buf),
			   "tbn_f64_json #%zu: \"%s\", want \"%s\"", i, buf,
			   jsonv[i].s);
		check_fmt_f64(&t, jsonv[i].v, true);
	}
	for (i = 0; i < sizeof(jsonv32) / sizeof(jsonv32[0]); i++) {
		n = tbn_f32_json(buf, jsonv32[i].v);
		EXPECT_MSG(strcmp(buf, jsonv32[i].s) == 0 && n == strlen(buf),
			   "tbn_f32_json #%zu: \"%s\", want \"%s\"", i, buf,
			   jsonv32[i].s);
		check_fmt_f32(&t, jsonv32[i].v, true);
	}
	for (i = 0; i < sizeof(i64v) / sizeof(i64v[0]); i++) {
		n = tbn_i64(buf, i64v[i].v);
		EXPECT_MSG(strcmp(buf, i64v[i].s) == 0 && n == strlen(buf) &&
			   tbn_i64_len(i64v[i].v) == n,
			   "tbn_i64 #%zu: \"%s\", want \"%s\"", i, buf,
			   i64v[i].s);
	}
	for (i = 0; i < sizeof(u64v) / sizeof(u64v[0]); i++) {
		n = tbn_u64(buf, u64v[i].v);
		EXPECT_MSG(strcmp(buf, u64v[i].s) == 0 && n == strlen(buf) &&
			   tbn_u64_len(u64v[i].v) == n,
			   "tbn_u64 #%zu: \"%s\", want \"%s\"", i, buf,
			   u64v[i].s);
	}
	tally_expect(&t);
}

static void test_random_f32(void)
{
	struct tally t = { .what = "random f32" };
	unsigned long i;

	for (i = 0; i < N_RAND_F32; i++)
		check_f32(&t, f32_from_bits((uint32_t)(rng_next() >> 32)),
			  i % NAIVE_EVERY == 0);
	tally_expect(&t);
}

static void test_random_f64(void)
{
	struct tally t = { .what = "random f64" };
	unsigned long i;

	for (i = 0; i < N_RAND_F64; i++)
		check_f64(&t, f64_from_bits(rng_next()),
			  i % NAIVE_EVERY == 0);
	tally_expect(&t);
}

/*
 * At 2^k the gap below is half the gap above, so the rounding interval is
 * lopsided; denormals and the normal/denormal seam are special again.
 */
static void test_pow2_f32(void)
{
	struct tally t = { .what = "f32 around powers of two" };
	int e, k, j, sign;

	for (sign = 0; sign < 2; sign++) {
		uint32_t s = (uint32_t)sign << 31;

		/* Normal powers of two (e = 255 gives the top below inf). */
		for (e = 1; e <= 255; e++)
			for (k = -POW2_WINDOW; k <= POW2_WINDOW; k++) {
				uint32_t b = ((uint32_t)e << 23) + (uint32_t)k;

				if (e == 255 && k >= 0)
					break;
				check_f32(&t, f32_from_bits(s | b), true);
			}
		/* Denormal powers of two, and zero. */
		for (j = 0; j < 23; j++)
			for (k = -POW2_WINDOW; k <= POW2_WINDOW; k++) {
				int64_t b = ((int64_t)1 << j) + k;

				if (b < 0)
					continue;
				check_f32(&t, f32_from_bits(s | (uint32_t)b),
					  true);
			}
	}
	tally_expect(&t);
}

static void test_pow2_f64(void)
{
	struct tally t = { .what = "f64 around powers of two" };
	int e, k, j, sign;

	for (sign = 0; sign < 2; sign++) {
		uint64_t s = (uint64_t)sign << 63;

		for (e = 1; e <= 2047; e++)
			for (k = -POW2_WINDOW; k <= POW2_WINDOW; k++) {
				uint64_t b = ((uint64_t)e << 52) + (uint64_t)k;

				if (e == 2047 && k >= 0)
					break;
				check_f64(&t, f64_from_bits(s | b),
					  k % 32 == 0);
			}
		for (j = 0; j < 52; j++)
			for (k = -POW2_WINDOW; k <= POW2_WINDOW; k++) {
				int64_t b = ((int64_t)1 << j) + k;

				if (b < 0)
					continue;
				check_f64(&t, f64_from_bits(s | (uint64_t)b),
					  k % 32 == 0);
			}
	}
	tally_expect(&t);
}

/*
 * What a human typed comes back unchanged: a decimal with at most 6
 * (float) or 15 (double) significant digits survives decimal -> binary
 * -> decimal, so the shortest text must be those very digits.
 */
static void test_pretty(void)
{
	struct tally t = { .what = "short decimals print as typed" };
	char in[64], want[64], buf[TBN_BUF];
	struct dec v;
	int i, j;

	for (i = 0; i < N_PRETTY; i++) {
		bool is_f32 = i & 1;
		int nd = 1 + (int)(rng_next() % (is_f32 ? 6 : 15));
		int x = (int)(rng_next() % (is_f32 ? 70 : 600)) -
			(is_f32 ? 35 : 300);
		char *p = in;

		if (rng_next() & 1)
			*p++ = '-';
		for (j = 0; j < nd; j++)
			*p++ = (char)('0' + rng_next() % 10);
		if (in[in[0] == '-'] == '0')
			in[in[0] == '-'] = '1';
		*p++ = 'e';
		*put_int(p, x - nd + 1) = '\0';

		dec_parse(in, &v);
		dec_render(&v, want);
		if (is_f32)
			tbn_f32(buf, strtof(in, NULL));
		else
			tbn_f64(buf, strtod(in, NULL));
		t.n++;
		if (strcmp(buf, want) != 0) {
			char why[80];

			snprintf(why, sizeof(why), "want \"%s\"", want);
			tally_fail(&t, why, in, buf);
		}
	}
	tally_expect(&t);
}

static void check_int(struct tally *t, uint64_t u)
{
	char buf[TBN_BUF], want[32];
	int64_t s = (int64_t)u;
	size_t n;

	t->n++;
	n = tbn_u64(buf, u);
	snprintf(want, sizeof(want), "%" PRIu64, u);
	if (strcmp(buf, want) != 0 || n != strlen(want))
		tally_fail(t, "u64", want, buf);
	if (tbn_u64_len(u) != n)
		tally_fail(t, "tbn_u64_len", want, buf);
	n = tbn_i64(buf, s);
	snprintf(want, sizeof(want), "%" PRId64, s);
	if (strcmp(buf, want) != 0 || n != strlen(want))
		tally_fail(t, "i64", want, buf);
	if (tbn_i64_len(s) != n)
		tally_fail(t, "tbn_i64_len", want, buf);
}

static void test_int(void)
{
	struct tally t = { .what = "integers" };
	uint64_t p = 1;
	int i, k;

	/* Every digit-count boundary, where the length changes. */
	for (i = 0; i < 20; i++, p *= 10)
		for (k = -2; k <= 2; k++) {
			check_int(&t, p + (uint64_t)k);
			check_int(&t, 0 - (p + (uint64_t)k));
		}
	/* The ends of the int64_t range (as u64: the middle of it). */
	for (k = -2; k <= 2; k++) {
		check_int(&t, (uint64_t)INT64_MIN + (uint64_t)k);
		check_int(&t, (uint64_t)INT64_MAX + (uint64_t)k);
	}
	/* Random magnitudes, not just random bits (those are all 19-20). */
	for (i = 0; i < N_RAND_INT; i++)
		check_int(&t, rng_next() >> (rng_next() % 64));
	tally_expect(&t);
}

/*
 * numfmt.cc turns 8 digits into ASCII with multiply-shifts in place of
 * divisions (ascii8); they are exact only over the range each is used
 * on, which is small enough to check here in full.
 */
static void test_ascii8_constants(void)
{
	bool ok = true;
	uint32_t x;

	for (x = 0; x < 10000; x++)
		ok &= ((x * 10486) >> 20) == x / 100;
	for (x = 0; x < 100; x++)
		ok &= ((x * 103) >> 10) == x / 10;
	EXPECT_MSG(ok, "a multiply-shift of numfmt.cc's ascii8 is not exact");
}

/* Random bit patterns: lengths and JSON of a few million doubles. */
static void test_fmt_random(void)
{
	struct tally t = { .what = "random f64: _len and _json" };
	unsigned long i;

	for (i = 0; i < N_RAND_FMT; i++)
		check_fmt_f64(&t, f64_from_bits(rng_next()), false);
	tally_expect(&t);
}

/* A stride through all float32 patterns: every exponent, both signs. */
static void test_fmt_f32_stride(void)
{
	struct tally t = { .what = "f32 stride: _len and _json" };
	uint64_t b;

	for (b = 0; b < ((uint64_t)1 << 32); b += F32_STRIDE)
		check_fmt_f32(&t, f32_from_bits((uint32_t)b), true);
	tally_expect(&t);
}

/* @v and the @k values on each side of it (bit patterns), both signs. */
static void around_f64(struct tally *t, double v, int k)
{
	int i;

	for (i = -k; i <= k; i++) {
		double d = f64_from_bits(f64_bits(v) + (uint64_t)(int64_t)i);

		check_fmt_f64(t, d, true);
		check_fmt_f64(t, -d, true);
		check_f64(t, d, false);
	}
}

static void around_f32(struct tally *t, float v, int k)
{
	int i;

	for (i = -k; i <= k; i++) {
		float f = f32_from_bits(f32_bits(v) + (uint32_t)i);

		check_fmt_f32(t, f, true);
		check_fmt_f32(t, -f, true);
		check_f32(t, f, false);
	}
}

/*
 * Where the layout changes: powers of ten and two around 1e-7 (0.0000001
 * or 1e-8), 1e15/1e16 (JSON's 16 integer digits), 1e21 (plain or 1e+21);
 * integral doubles of 15 to 21 digits; denormals; the special values.
 */
static void test_fmt_boundaries(void)
{
	static const double specials[] = {
		0.0, -0.0, INFINITY, -INFINITY, NAN, -NAN, DBL_MAX, DBL_MIN,
		5e-324, FLT_MAX, FLT_MIN,
	};
	struct tally t = { .what = "notation boundaries: _len and _json" };
	char s[64];
	int e, d, i, j;

	for (e = -12; e <= 25; e++) {
		snprintf(s, sizeof(s), "1e%d", e);
		around_f64(&t, strtod(s, NULL), 8);
		around_f32(&t, strtof(s, NULL), 8);
		/* 9.99...e(e-1): the largest values below the power. */
		snprintf(s, sizeof(s), "9.9999999999999999e%d", e - 1);
		around_f64(&t, strtod(s, NULL), 2);
		around_f32(&t, strtof(s, NULL), 2);
	}
	for (e = -30; e <= 80; e++) {
		around_f64(&t, ldexp(1.0, e), 4);
		around_f32(&t, ldexpf(1.0f, e), 4);
	}
	/* Integral doubles of 15-21 digits, random and all nines. */
	for (d = 15; d <= 21; d++)
		for (i = 0; i < 2000; i++) {
			for (j = 0; j < d; j++)
				s[j] = (char)(i == 0 ? '9' :
					      '0' + rng_next() % 10);
			s[0] = s[0] == '0' ? '1' : s[0];
			s[d] = '\0';
			around_f64(&t, strtod(s, NULL), 0);
			around_f32(&t, strtof(s, NULL), 0);
		}
	/* Denormals, and the specials (NaN payloads too). */
	for (i = 0; i < 20000; i++) {
		check_fmt_f64(&t, f64_from_bits(rng_next() &
						0x800fffffffffffffULL), true);
		check_fmt_f32(&t, f32_from_bits((uint32_t)rng_next() &
						0x807fffffU), true);
	}
	for (i = 0; i < (int)(sizeof(specials) / sizeof(specials[0])); i++) {
		around_f64(&t, specials[i], 0);
		around_f32(&t, (float)specials[i], 0);
	}
	check_fmt_f64(&t, f64_from_bits(0x7ff0000000000001ULL), true);
	check_fmt_f64(&t, f64_from_bits(0xfff8000000000000ULL), true);
	check_fmt_f32(&t, f32_from_bits(0x7f800001U), true);
	check_fmt_f32(&t, f32_from_bits(0xffc00000U), true);
	tally_expect(&t);
}

int main(void)
{
	test_vectors();
	test_int();
	test_random_f32();
	test_random_f64();
	test_pow2_f32();
	test_pow2_f64();
	test_pretty();
	test_ascii8_constants();
	test_fmt_random();
	test_fmt_f32_stride();
	test_fmt_boundaries();
	return expect_done("numfmt");
}
