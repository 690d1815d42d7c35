/*
 * render_compare.c — one scalar tag across the runs of a directory:
 * <dir>/compare/scalars/<tag>.csv        run,step,wall_time,value
 *                                        (a rows file: render_csv.c)
 * <dir>/compare/scalars/<tag>.wide.csv   step, then one column per run
 * <dir>/compare/scalars/<tag>.stats.csv  step,runs,mean,std,min,max,median
 *
 * Layer: fs/ view renderers (no FUSE). Runs are those of the directory's
 * subtree that have the tag, in name order, named relative to the
 * directory ("." for the directory's own run). In the wide and stats
 * files a run with several points at one step counts with its last one
 * (file order). Stats use the finite values at a step: `runs` counts the
 * runs with a point there; std is the sample standard deviation (n-1, as
 * pandas and tensorboard-reducer compute it), empty below two values;
 * min, max and an odd median are input values printed in their stored
 * type, mean, std and an even median are doubles.
 */
#include "view_i.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#define BATCH 4096

struct pt {
	int64_t step;
	size_t seq;
	struct tbr_num v;
};

struct series {
	struct pt *p;
	size_t n, pos;
};

static int cmp_pt(const void *a, const void *b)
{
	const struct pt *x = a, *y = b;

	if (x->step != y->step)
		return x->step < y->step ? -1 : 1;
	return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

/* The last point of each step of @t, by step. */
static int series_load(struct tbv_view *v, const struct tbr_tag *t,
		       struct series *s)
{
	struct tbr_scalar *buf = malloc(BATCH * sizeof(*buf));
	size_t cap = tbr_tag_count(t), start = 0, got, k = 0;
	bool sorted = true;

	memset(s, 0, sizeof(*s));
	s->p = malloc((cap ? cap : 1) * sizeof(*s->p));
	if (!buf || !s->p) {
		free(buf);
		free(s->p);
		s->p = NULL;
		return -ENOMEM;
	}
	while ((got = tbr_tag_scalars(t, start, buf, BATCH)) > 0) {
		for (size_t i = 0; i < got && s->n < cap; i++) {
			if (v->opts.purge_orphaned && buf[i].orphaned)
				continue;
			if (s->n && buf[i].step < s->p[s->n - 1].step)
				sorted = false;
			s->p[s->n] = (struct pt){ buf[i].step, s->n,
						  buf[i].value };
			s->n++;
		}
		start += got;
	}
	free(buf);
	if (!sorted)
		tbv_qsort(s->p, s->n, sizeof(*s->p), cmp_pt);
	for (size_t i = 0; i < s->n; i++) {
		if (k && s->p[k - 1].step == s->p[i].step)
			k--;
		s->p[k++] = s->p[i];
	}
	s->n = k;
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : (x > y);
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : (x > y);
}

struct cmpset {
	size_t n;
	const struct tbr_tag **tags;
	const char **names;
	struct series *s;
};

static void set_free(struct cmpset *c)
{
	for (size_t i = 0; c->s && i < c->n; i++)
		free(c->s[i].p);
	free(c->s);
	free(c->tags);
	free(c->names);
}

static int wide_or_stats(struct tbv_view *v, struct cmpset *c, bool stats,
			 struct tbv_buf *b)
{
	size_t total = 0, nsteps = 0;
	int64_t *steps = NULL;
	double *vals = NULL;
	const struct tbr_num **nums = NULL;
	int err = 0;

	c->s = calloc(c->n ? c->n : 1, sizeof(*c->s));
	if (!c->s)
		return -ENOMEM;
	for (size_t r = 0; r < c->n; r++) {
		err = series_load(v, c->tags[r], &c->s[r]);
		if (err)
			return err;
		total += c->s[r].n;
	}
	steps = malloc((total ? total : 1) * sizeof(*steps));
	vals = malloc((c->n ? c->n : 1) * sizeof(*vals));
	nums = malloc((c->n ? c->n : 1) * sizeof(*nums));
	if (!steps || !vals || !nums) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t r = 0; r < c->n; r++)
		for (size_t i = 0; i < c->s[r].n; i++)
			steps[nsteps++] = c->s[r].p[i].step;
	tbv_qsort(steps, nsteps, sizeof(*steps), cmp_i64);

	if (stats) {
		tbv_buf_puts(b, "step,runs,mean,std,min,max,median\n");
	} else {
		tbv_buf_puts(b, "step");
		for (size_t r = 0; r < c->n; r++) {
			tbv_buf_putc(b, ',');
			tbv_csv_strz(b, c->names[r]);
		}
		tbv_buf_putc(b, '\n');
	}
	for (size_t i = 0; i < nsteps && !b->oom; i++) {
		int64_t step = steps[i];
		size_t present = 0, nf = 0;

		if (i && steps[i - 1] == step)
			continue;
		tbv_put_i64(b, step);
		for (size_t r = 0; r < c->n; r++) {
			struct series *s = &c->s[r];
			const struct pt *p = NULL;

			if (s->pos < s->n && s->p[s->pos].step == step)
				p = &s->p[s->pos++];
			if (!stats) {
				tbv_buf_putc(b, ',');
				if (p)
					tbv_put_num(b, &p->v, false);
				continue;
			}
			if (!p)
				continue;
			present++;
			if (tbv_num_finite(&p->v)) {
				vals[nf] = tbr_num_to_double(&p->v);
				nums[nf++] = &p->v;
			}
		}
		if (stats) {
			double sum = 0, sq = 0, mean;
			size_t imin = 0, imax = 0;

			tbv_buf_putc(b, ',');
			tbv_put_u64(b, present);
			if (!nf) {
				tbv_buf_puts(b, ",,,,,\n");
				continue;
			}
			for (size_t k = 0; k < nf; k++) {
				sum += vals[k];
				if (vals[k] < vals[imin])
					imin = k;
				if (vals[k] > vals[imax])
					imax = k;
			}
			mean = sum / (double)nf;
			for (size_t k = 0; k < nf; k++)
				sq += (vals[k] - mean) * (vals[k] - mean);
			tbv_buf_putc(b, ',');
			tbv_put_f64(b, mean, false);
			tbv_buf_putc(b, ',');
			if (nf > 1)
				tbv_put_f64(b, sqrt(sq / (double)(nf - 1)),
					    false);
			tbv_buf_putc(b, ',');
			tbv_put_num(b, nums[imin], false);
			tbv_buf_putc(b, ',');
			tbv_put_num(b, nums[imax], false);
			tbv_buf_putc(b, ',');
			if (nf % 2) {
				/* The middle value itself, in its type. */
				const struct tbr_num *mid = NULL;
				double m;
				tbv_qsort(vals, nf, sizeof(*vals), cmp_dbl);
				m = vals[nf / 2];
				for (size_t k = 0; k < nf && !mid; k++)
					if (tbr_num_to_double(nums[k]) == m)
						mid = nums[k];
				tbv_put_num(b, mid, false);
			} else {
				tbv_qsort(vals, nf, sizeof(*vals), cmp_dbl);
				tbv_put_f64(b,
					    (vals[nf / 2 - 1] + vals[nf / 2]) / 2,
					    false);
			}
		}
		tbv_buf_putc(b, '\n');
	}
	err = b->oom ? -ENOMEM : 0;
out:
	free(steps);
	free(vals);
	free(nums);
	return err;
}

int tbv_render_compare(struct tbv_view *v, const struct tbv_scope *s,
		       const char *tag, int fmt, struct tbv_buf *b)
{
	struct cmpset c = { 0 };
	int err;

	c.tags = calloc(s->n ? s->n : 1, sizeof(*c.tags));
	c.names = calloc(s->n ? s->n : 1, sizeof(*c.names));
	if (!c.tags || !c.names) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct tbr_tag *t = tbr_run_find_tag(s->runs[i]->run, tag,
							   TBR_KIND_SCALAR);
		if (!t)
			continue;
		c.tags[c.n] = t;
		c.names[c.n++] = s->rel[i];
	}
	/* The long form (TF_CSV) is a rows file: render_csv.c. */
	err = wide_or_stats(v, &c, fmt == TF_STATS_CSV, b);
out:
	set_free(&c);
	return err;
}
