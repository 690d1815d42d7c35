/*
 * render_csv.c — scalar series as CSV and JSON: scalars/<tag>.csv and
 * .json, a run's scalars.csv and the root's scalars.csv.
 *
 * Layer: fs/ view renderers (no FUSE). These are the big files (millions
 * of points), so rows are written straight into the output buffer with
 * numfmt.h, points fetched from the reader 4096 at a time.
 */
#include "view_i.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#define BATCH 4096

/* Appends one line per point of @t, each starting with the ready-made
 * cells @pre (@plen bytes, may be 0): "step,wall_time,value\n". */
static int scalar_rows(struct tbv_view *v, const struct tbr_tag *t,
		       struct tbv_buf *b, const char *pre, size_t plen)
{
	bool purge = v->opts.purge_orphaned;
	struct tbr_scalar *pts;
	size_t start = 0, got;
	size_t row = plen + 3 * TBN_BUF + 4;

	pts = malloc(BATCH * sizeof(*pts));
	if (!pts)
		return -ENOMEM;
	/* A fair guess of the final size saves most regrowth copies. */
	tbv_buf_tail(b, tbr_tag_count(t) * (plen + 36));
	while ((got = tbr_tag_scalars(t, start, pts, BATCH)) > 0) {
		char *p = tbv_buf_tail(b, got * row);

		if (!p)
			break;
		for (size_t i = 0; i < got; i++) {
			const struct tbr_scalar *s = &pts[i];

			if (purge && s->orphaned)
				continue;
			if (plen) {
				memcpy(p, pre, plen);
				p += plen;
			}
			p += tbn_i64(p, s->step);
			*p++ = ',';
			p += tbn_f64(p, s->wall_time);
			*p++ = ',';
			p += tbv_fmt_num(p, &s->value);
			*p++ = '\n';
		}
		b->len = (size_t)(p - b->p);
		start += got;
	}
	free(pts);
	return b->oom ? -ENOMEM : 0;
}

int tbv_render_scalar_csv(struct tbv_view *v, const struct tbr_tag *t,
			  struct tbv_buf *b)
{
	tbv_buf_puts(b, "step,wall_time,value\n");
	return scalar_rows(v, t, b, NULL, 0);
}

int tbv_render_scalar_json(struct tbv_view *v, const struct tbr_tag *t,
			   struct tbv_buf *b)
{
	static const char k_step[] = "{\"step\":";
	static const char k_wall[] = ",\"wall_time\":";
	static const char k_val[] = ",\"value\":";
	bool purge = v->opts.purge_orphaned;
	struct tbr_scalar *pts;
	size_t start = 0, got, n = 0;
	size_t row = sizeof(k_step) + sizeof(k_wall) + sizeof(k_val) +
		     3 * TBN_BUF + 4;

	pts = malloc(BATCH * sizeof(*pts));
	if (!pts)
		return -ENOMEM;
	tbv_buf_tail(b, tbr_tag_count(t) * 72);
	tbv_buf_putc(b, '[');
	while ((got = tbr_tag_scalars(t, start, pts, BATCH)) > 0) {
		char *p = tbv_buf_tail(b, got * row);

		if (!p)
			break;
		for (size_t i = 0; i < got; i++) {
			const struct tbr_scalar *s = &pts[i];

			if (purge && s->orphaned)
				continue;
			if (n++)
				*p++ = ',';
			*p++ = '\n';
			memcpy(p, k_step, sizeof(k_step) - 1);
			p += sizeof(k_step) - 1;
			p += tbn_i64(p, s->step);
			memcpy(p, k_wall, sizeof(k_wall) - 1);
			p += sizeof(k_wall) - 1;
			if (isfinite(s->wall_time)) {
				p += tbv_json_float(p, tbn_f64(p, s->wall_time));
			} else {
				memcpy(p, "null", 4);
				p += 4;
			}
			memcpy(p, k_val, sizeof(k_val) - 1);
			p += sizeof(k_val) - 1;
			if (tbv_num_finite(&s->value)) {
				p += tbv_json_num(p, &s->value);
			} else {
				memcpy(p, "null", 4);
				p += 4;
			}
			*p++ = '}';
		}
		b->len = (size_t)(p - b->p);
		start += got;
	}
	free(pts);
	tbv_buf_puts(b, n ? "\n]\n" : "]\n");
	return b->oom ? -ENOMEM : 0;
}

int tbv_render_run_scalars(struct tbv_view *v, struct tbv_vrun *r,
			   struct tbv_buf *b)
{
	struct tbv_buf pre = { 0 };
	int err = 0;

	tbv_buf_puts(b, "tag,step,wall_time,value\n");
	for (size_t i = 0; i < tbr_run_tag_count(r->run) && !err; i++) {
		const struct tbr_tag *t = tbr_run_tag(r->run, i);

		if (tbr_tag_kind(t) != TBR_KIND_SCALAR)
			continue;
		pre.len = 0;
		tbv_csv_strz(&pre, tbr_tag_name(t));
		tbv_buf_putc(&pre, ',');
		if (pre.oom)
			err = -ENOMEM;
		else
			err = scalar_rows(v, t, b, pre.p, pre.len);
	}
	tbv_buf_free(&pre);
	return err;
}

int tbv_render_all_scalars(struct tbv_view *v, const struct tbv_scope *s,
			   struct tbv_buf *b)
{
	struct tbv_buf pre = { 0 };
	int err = 0;

	tbv_buf_puts(b, "run,tag,step,wall_time,value\n");
	for (size_t k = 0; k < s->n && !err; k++) {
		struct tbr_run *run = s->runs[k]->run;

		for (size_t i = 0; i < tbr_run_tag_count(run) && !err; i++) {
			const struct tbr_tag *t = tbr_run_tag(run, i);

			if (tbr_tag_kind(t) != TBR_KIND_SCALAR)
				continue;
			pre.len = 0;
			tbv_csv_strz(&pre, s->rel[k]);
			tbv_buf_putc(&pre, ',');
			tbv_csv_strz(&pre, tbr_tag_name(t));
			tbv_buf_putc(&pre, ',');
			if (pre.oom)
				err = -ENOMEM;
			else
				err = scalar_rows(v, t, b, pre.p, pre.len);
		}
	}
	tbv_buf_free(&pre);
	return err;
}
