/*
 * test_series.c — the compressed scalar column store round-trips every
 * point bit for bit (NaN payloads, -0.0, infinities, huge step jumps,
 * dtype changes mid-series), random access by index works across blocks,
 * and realistic series stay under the memory target (16 B/point).
 */
#include "tbr_i.h"
#include "expect.h"

#include <math.h>
#include <stdlib.h>

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static bool same(const struct tbr_num *a, const struct tbr_num *b)
{
	if (a->dtype != b->dtype)
		return false;
	switch (a->dtype) {
	case TBR_DT_F32: case TBR_DT_F16: case TBR_DT_BF16:
		return !memcmp(&a->v.f32, &b->v.f32, 4);
	default:
		return !memcmp(&a->v, &b->v, 8);
	}
}

int main(void)
{
	enum { N = 100000 };
	struct tbr_series *s = tbr_series_new(NULL, NULL);
	int64_t *steps = malloc(N * sizeof(int64_t));
	double *times = malloc(N * sizeof(double));
	struct tbr_num *vals = malloc(N * sizeof(struct tbr_num));
	int64_t step = -5;

	for (size_t i = 0; i < N; i++) {
		uint64_t r = next();

		/* mostly regular steps, sometimes jumps, restarts and extremes */
		if (r % 97 == 0)
			step = (int64_t)next();
		else if (r % 89 == 0)
			step = (int64_t)((uint64_t)step - 1000);
		else if (r % 1000 == 3)
			step = INT64_MIN;
		else
			step = (int64_t)((uint64_t)step + 10);
		steps[i] = step;
		times[i] = 1.7e9 + (double)i * 0.25 + (double)(next() % 1000) * 1e-6;
		if (r % 501 == 0) {
			uint64_t b = next();
			memcpy(&times[i], &b, 8); /* any bit pattern */
		}
		struct tbr_num *v = &vals[i];
		memset(v, 0, sizeof(*v));
		switch ((i / 300) % 7) { /* dtype runs, changing mid-block */
		case 0: case 1: {
			uint32_t b = (uint32_t)next();
			v->dtype = TBR_DT_F32;
			if (r % 3)
				v->v.f32 = (float)sin((double)i) * 3.5f;
			else
				memcpy(&v->v.f32, &b, 4); /* NaN payloads too */
			if (r % 211 == 0)
				v->v.f32 = -0.0f;
			break;
		}
		case 2:
			v->dtype = TBR_DT_F64;
			v->v.f64 = r % 5 ? cos((double)i) : (r % 2 ? INFINITY : -INFINITY);
			break;
		case 3:
			v->dtype = TBR_DT_I64;
			v->v.i = (int64_t)next();
			break;
		case 4:
			v->dtype = TBR_DT_BOOL;
			v->v.i = (int64_t)(r & 1);
			break;
		case 5:
			v->dtype = TBR_DT_U64;
			v->v.u = next();
			break;
		default:
			v->dtype = TBR_DT_I32;
			v->v.i = (int32_t)next();
		}
		EXPECT(tbr_series_append(s, steps[i], times[i], v) == TBR_OK);
	}
	EXPECT(tbr_series_count(s) == N);

	struct tbr_scalar *out = malloc(N * sizeof(*out));
	size_t got = tbr_series_read(s, 0, out, N);
	size_t bad = 0;
	EXPECT(got == N);
	for (size_t i = 0; i < got; i++)
		if (out[i].step != steps[i] || memcmp(&out[i].wall_time, &times[i], 8) ||
		    !same(&out[i].value, &vals[i]) || out[i].orphaned)
			bad++;
	EXPECT_MSG(bad == 0, "%zu points differ", bad);

	/* random access, including across blocks and at the end */
	for (int k = 0; k < 2000; k++) {
		size_t i = next() % N, n = next() % 700;
		size_t g = tbr_series_read(s, i, out, n);
		EXPECT(g == (i + n <= N ? n : N - i));
		for (size_t j = 0; j < g; j++)
			if (out[j].step != steps[i + j] || !same(&out[j].value, &vals[i + j])) {
				EXPECT_MSG(0, "random read at %zu+%zu", i, j);
				break;
			}
	}
	EXPECT(tbr_series_read(s, N, out, 10) == 0);

	/* orphan marking */
	tbr_series_free(s);
	s = tbr_series_new(NULL, NULL);
	for (int i = 0; i < 1000; i++) {
		struct tbr_num v = { .dtype = TBR_DT_F32 };
		v.v.f32 = (float)i;
		tbr_series_append(s, i, i, &v);
	}
	EXPECT(tbr_series_orphan_from(s, 600) == 400);
	EXPECT(tbr_series_orphan_from(s, 600) == 0);
	for (int i = 0; i < 500; i++) {
		struct tbr_num v = { .dtype = TBR_DT_F32 };
		tbr_series_append(s, 600 + i, i, &v);
	}
	got = tbr_series_read(s, 0, out, 2000);
	EXPECT(got == 1500);
	for (size_t i = 0; i < got; i++)
		EXPECT(out[i].orphaned == (i >= 600 && i < 1000));
	tbr_series_free(s);

	/* memory on a realistic series: regular steps, time.time() wall
	 * times, noisy float32 values */
	s = tbr_series_new(NULL, NULL);
	for (int i = 0; i < 200000; i++) {
		struct tbr_num v = { .dtype = TBR_DT_F32 };
		v.v.f32 = (float)(1.0 / (1 + i * 1e-3) + (double)(next() % 1000) * 1e-5);
		tbr_series_append(s, i * 10,
				  1.7e9 + i * 0.0123 + (double)(next() % 1000) * 1e-7,
				  &v);
	}
	tbr_series_compact(s);
	double bpp = (double)tbr_series_memory(s) / 200000;
	fprintf(stderr, "realistic series: %.2f bytes/point\n", bpp);
	EXPECT(bpp <= 16.0);
	tbr_series_free(s);

	free(out);
	free(steps);
	free(times);
	free(vals);
	return expect_done("series");
}
