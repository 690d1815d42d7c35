/*
 * bench_numfmt.c — how fast and how short is fs/numfmt against snprintf?
 *
 * Usage: bench_numfmt [N [N_NAIVE]]
 *
 * Formats N (default 10 million) float32 values and N doubles with
 *   tbn     tbn_f32 / tbn_f64 (Dragonbox, shortest round trip);
 *   json    tbn_f32_json / tbn_f64_json (the same, JSON's exponents);
 *   len     tbn_f32_len / tbn_f64_len: the length only, no text (MB/s
 *           is then of the text it measured, not wrote);
 *   jlen    tbn_f32_json_len / tbn_f64_json_len;
 *   %.Ng    snprintf "%.9g" / "%.17g" (round-trips, but never shortest);
 *   naive   snprintf "%.Ng" for N = 1, 2, ... until strtof/strtod reads
 *           the value back (shortest digits, the obvious way).
 * The naive way is some 50x slower, so it formats only N_NAIVE values
 * (default N / 10); the per-value figures do not depend on the count.
 *
 * Two inputs: "bits" is every finite bit pattern with equal weight (so
 * mostly huge and tiny exponents: the worst case for printers), and
 * "scalars" is log-uniform in [1e-4, 1e4), what training curves hold.
 * Values come from a fixed-seed ring of 2^20 entries, so runs compare;
 * it is read in order, so memory is not what gets timed.
 *
 * Prints ns/value, MB/s of text produced, and the mean text length,
 * which is what a CSV column costs per value.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "numfmt.h"

#define RING (1u << 20)

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1) from the top 53 bits. */
static double rng_unit(void)
{
	return (double)(rng_next() >> 11) * 0x1p-53;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static size_t printf_f32(char *buf, float v)
{
	return (size_t)snprintf(buf, TBN_BUF, "%.9g", (double)v);
}

static size_t printf_f64(char *buf, double v)
{
	return (size_t)snprintf(buf, TBN_BUF, "%.17g", v);
}

static size_t naive_f32(char *buf, float v)
{
	int n;

	for (n = 1; n < 9; n++) {
		int len = snprintf(buf, TBN_BUF, "%.*g", n, (double)v);

		if (strtof(buf, NULL) == v)
			return (size_t)len;
	}
	return (size_t)snprintf(buf, TBN_BUF, "%.9g", (double)v);
}

static size_t naive_f64(char *buf, double v)
{
	int n;

	for (n = 1; n < 17; n++) {
		int len = snprintf(buf, TBN_BUF, "%.*g", n, v);

		if (strtod(buf, NULL) == v)
			return (size_t)len;
	}
	return (size_t)snprintf(buf, TBN_BUF, "%.17g", v);
}

/* The _len functions in the writers' shape; @buf is left alone. */
static size_t len_f32(char *buf, float v)
{
	(void)buf;
	return tbn_f32_len(v);
}

static size_t len_f64(char *buf, double v)
{
	(void)buf;
	return tbn_f64_len(v);
}

static size_t jlen_f32(char *buf, float v)
{
	(void)buf;
	return tbn_f32_json_len(v);
}

static size_t jlen_f64(char *buf, double v)
{
	(void)buf;
	return tbn_f64_json_len(v);
}

/* Keeps the compiler from dropping the formatting as dead code. */
static volatile unsigned int sink;

static void report(const char *type, const char *input, const char *method,
		   unsigned long n, double secs, unsigned long bytes)
{
	printf("%-4s %-8s %-8s %10lu %10.1f %9.1f %8.2f\n", type, input,
	       method, n, secs * 1e9 / (double)n,
	       (double)bytes / secs / 1e6, (double)bytes / (double)n);
}

static void run_f32(const char *input, const float *ring, const char *method,
		    size_t (*fmt)(char *, float), unsigned long n)
{
	char buf[TBN_BUF] = "";
	unsigned long i, bytes = 0;
	unsigned int x = 0;
	double t0 = now();

	for (i = 0; i < n; i++) {
		bytes += fmt(buf, ring[i & (RING - 1)]);
		x += (unsigned char)buf[0];
	}
	report("f32", input, method, n, now() - t0, bytes);
	sink += x;
}

static void run_f64(const char *input, const double *ring, const char *method,
		    size_t (*fmt)(char *, double), unsigned long n)
{
	char buf[TBN_BUF] = "";
	unsigned long i, bytes = 0;
	unsigned int x = 0;
	double t0 = now();

	for (i = 0; i < n; i++) {
		bytes += fmt(buf, ring[i & (RING - 1)]);
		x += (unsigned char)buf[0];
	}
	report("f64", input, method, n, now() - t0, bytes);
	sink += x;
}

int main(int argc, char **argv)
{
	unsigned long n = 10000000, n_naive;
	float *f32_bits, *f32_scal;
	double *f64_bits, *f64_scal;
	unsigned int i;

	if (argc > 1)
		n = strtoul(argv[1], NULL, 10);
	n_naive = argc > 2 ? strtoul(argv[2], NULL, 10) : n / 10;
	if (n == 0 || n_naive == 0) {
		fprintf(stderr, "usage: bench_numfmt [N [N_NAIVE]]\n");
		return 2;
	}

	f32_bits = malloc(RING * sizeof(*f32_bits));
	f32_scal = malloc(RING * sizeof(*f32_scal));
	f64_bits = malloc(RING * sizeof(*f64_bits));
	f64_scal = malloc(RING * sizeof(*f64_scal));
	if (!f32_bits || !f32_scal || !f64_bits || !f64_scal) {
		perror("bench_numfmt");
		return 1;
	}
	for (i = 0; i < RING; i++) {
		uint32_t b32;
		uint64_t b64;

		/* Redraw non-finite patterns: they are not what we time. */
		do {
			b32 = (uint32_t)(rng_next() >> 32);
			memcpy(&f32_bits[i], &b32, sizeof(b32));
		} while (!isfinite(f32_bits[i]));
		do {
			b64 = rng_next();
			memcpy(&f64_bits[i], &b64, sizeof(b64));
		} while (!isfinite(f64_bits[i]));
		f64_scal[i] = pow(10.0, rng_unit() * 8.0 - 4.0);
		if (rng_next() & 1)
			f64_scal[i] = -f64_scal[i];
		f32_scal[i] = (float)f64_scal[i];
	}

	printf("bench_numfmt: N=%lu, naive N=%lu, ring of %u values\n", n,
	       n_naive, RING);
	printf("%-4s %-8s %-8s %10s %10s %9s %8s\n", "type", "input",
	       "method", "values", "ns/value", "MB/s", "avg len");
	run_f32("bits", f32_bits, "tbn", tbn_f32, n);
	run_f32("bits", f32_bits, "json", tbn_f32_json, n);
	run_f32("bits", f32_bits, "len", len_f32, n);
	run_f32("bits", f32_bits, "jlen", jlen_f32, n);
	run_f32("bits", f32_bits, "%.9g", printf_f32, n);
	run_f32("bits", f32_bits, "naive", naive_f32, n_naive);
	run_f32("scalars", f32_scal, "tbn", tbn_f32, n);
	run_f32("scalars", f32_scal, "json", tbn_f32_json, n);
	run_f32("scalars", f32_scal, "len", len_f32, n);
	run_f32("scalars", f32_scal, "jlen", jlen_f32, n);
	run_f32("scalars", f32_scal, "%.9g", printf_f32, n);
	run_f32("scalars", f32_scal, "naive", naive_f32, n_naive);
	run_f64("bits", f64_bits, "tbn", tbn_f64, n);
	run_f64("bits", f64_bits, "json", tbn_f64_json, n);
	run_f64("bits", f64_bits, "len", len_f64, n);
	run_f64("bits", f64_bits, "jlen", jlen_f64, n);
	run_f64("bits", f64_bits, "%.17g", printf_f64, n);
	run_f64("bits", f64_bits, "naive", naive_f64, n_naive);
	run_f64("scalars", f64_scal, "tbn", tbn_f64, n);
	run_f64("scalars", f64_scal, "json", tbn_f64_json, n);
	run_f64("scalars", f64_scal, "len", len_f64, n);
	run_f64("scalars", f64_scal, "jlen", jlen_f64, n);
	run_f64("scalars", f64_scal, "%.17g", printf_f64, n);
	run_f64("scalars", f64_scal, "naive", naive_f64, n_naive);

	free(f32_bits);
	free(f32_scal);
	free(f64_bits);
	free(f64_scal);
	return 0;
}
