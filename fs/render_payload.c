/*
 * render_payload.c — summaries whose data stays on disk until a file is
 * read: histograms/<tag>.{csv,json,stats.csv}, text/<tag>.{csv,json} and
 * text/<tag>/<step>.md, tensors/<tag>.json.
 *
 * Layer: fs/ view renderers (no FUSE). Each event is re-read and decoded
 * by tbr_tag_load one at a time and freed at once. An event that cannot
 * be read any more (file replaced, CRC mismatch) is left out: one bad
 * record must not hide the rest.
 *
 * Text tensors of rank > 0 (TensorBoard shows them as tables): the CSV
 * cell and the .md file hold the elements in row-major order, separated
 * by "\n" (CSV) or a blank line (.md); the JSON keeps them as an array
 * next to the shape.
 */
#include "view_i.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#define DT_DOUBLE 2

/* Loads event @i; NULL if it cannot be read (skipped) and sets *@err on
 * out-of-memory, which is not skipped. */
static struct tbr_payload *load(struct tbv_vrun *r, const struct tbr_tag *t,
				size_t i, int *err)
{
	struct tbr_payload *p = NULL;
	tbr_status st = tbr_tag_load(r->run, t, i, &p);

	if (st == TBR_OK && p)
		return p;
	tbr_payload_free(p);
	if (st == TBR_ERR_NOMEM)
		*err = -ENOMEM;
	return NULL;
}

/* ----------------------------------------------------------- histograms */

static int hist_dtype(const struct tbr_payload *p)
{
	/* TF2 histograms keep their tensor: print float32 data as such. */
	return p->tensor.count ? p->tensor.dtype : DT_DOUBLE;
}

static void put_f(struct tbv_buf *b, double v)
{
	tbv_buf_putc(b, ',');
	tbv_put_f64(b, v, false);
}

int tbv_render_hist(struct tbv_view *v, struct tbv_vrun *r,
		    const struct tbr_tag *t, int fmt, struct tbv_buf *b)
{
	struct tbv_jw w;
	int err = 0;

	if (fmt == TF_CSV)
		tbv_buf_puts(b, "step,wall_time,left,right,count\n");
	else if (fmt == TF_STATS_CSV)
		tbv_buf_puts(b, "step,wall_time,min,max,num,sum,sum_squares,"
				"mean,std\n");
	else {
		tbv_jw_init(&w, b, 1);
		tbv_jw_arr(&w);
	}
	for (size_t i = 0; i < tbr_tag_count(t) && !err && !b->oom; i++) {
		struct tbr_payload *p = load(r, t, i, &err);
		const struct tbr_histogram *h;
		int dt;

		if (!p)
			continue;
		h = &p->histogram;
		dt = hist_dtype(p);
		if (fmt == TF_CSV) {
			for (size_t k = 0; k < h->buckets; k++) {
				tbv_put_i64(b, p->step);
				put_f(b, p->wall_time);
				tbv_buf_putc(b, ',');
				tbv_put_tensor_value(b, dt, h->left[k], false);
				tbv_buf_putc(b, ',');
				tbv_put_tensor_value(b, dt, h->right[k], false);
				tbv_buf_putc(b, ',');
				tbv_put_tensor_value(b, dt, h->count[k], false);
				tbv_buf_putc(b, '\n');
			}
		} else if (fmt == TF_STATS_CSV) {
			if (h->has_stats) {
				double mean = h->num > 0 ? h->sum / h->num : NAN;
				double var = h->num > 0
						     ? h->sum_squares / h->num -
							       mean * mean
						     : NAN;
				tbv_put_i64(b, p->step);
				put_f(b, p->wall_time);
				put_f(b, h->min);
				put_f(b, h->max);
				put_f(b, h->num);
				put_f(b, h->sum);
				put_f(b, h->sum_squares);
				put_f(b, mean);
				put_f(b, var < 0 ? 0 : sqrt(var));
				tbv_buf_putc(b, '\n');
			}
		} else {
			tbv_jw_obj(&w);
			tbv_jw_key(&w, "step");
			tbv_jw_i64(&w, p->step);
			tbv_jw_key(&w, "wall_time");
			tbv_jw_f64(&w, p->wall_time);
			tbv_jw_key(&w, "buckets");
			tbv_jw_arr(&w);
			for (size_t k = 0; k < h->buckets; k++) {
				tbv_jw_arr(&w);
				tbv_jw_tensor_value(&w, dt, h->left[k]);
				tbv_jw_tensor_value(&w, dt, h->right[k]);
				tbv_jw_tensor_value(&w, dt, h->count[k]);
				tbv_jw_arr_end(&w);
			}
			tbv_jw_arr_end(&w);
			if (h->has_stats) {
				tbv_jw_key(&w, "min");
				tbv_jw_f64(&w, h->min);
				tbv_jw_key(&w, "max");
				tbv_jw_f64(&w, h->max);
				tbv_jw_key(&w, "num");
				tbv_jw_f64(&w, h->num);
				tbv_jw_key(&w, "sum");
				tbv_jw_f64(&w, h->sum);
				tbv_jw_key(&w, "sum_squares");
				tbv_jw_f64(&w, h->sum_squares);
			}
			tbv_jw_obj_end(&w);
		}
		tbr_payload_free(p);
	}
	if (fmt == TF_JSON) {
		tbv_jw_arr_end(&w);
		tbv_jw_finish(&w);
	}
	if (!err && b->oom)
		err = -ENOMEM;
	return err;
}

/* ----------------------------------------------------------------- text */

static size_t text_count(const struct tbr_tensor *tn)
{
	return tn->strings ? tn->count : 0;
}

/* Row-major elements joined by @sep. */
static void text_join(struct tbv_buf *b, const struct tbr_tensor *tn,
		      const char *sep)
{
	for (size_t k = 0; k < text_count(tn); k++) {
		if (k)
			tbv_buf_puts(b, sep);
		tbv_buf_put(b, tn->strings[k],
			    tn->string_sizes ? tn->string_sizes[k]
					     : strlen(tn->strings[k]));
	}
}

int tbv_render_text(struct tbv_view *v, struct tbv_vrun *r,
		    const struct tbr_tag *t, int fmt, struct tbv_buf *b)
{
	struct tbv_buf cell = { 0 };
	struct tbv_jw w;
	int err = 0;

	if (fmt == TF_CSV) {
		tbv_buf_puts(b, "step,wall_time,text\n");
	} else {
		tbv_jw_init(&w, b, 1);
		tbv_jw_arr(&w);
	}
	for (size_t i = 0; i < tbr_tag_count(t) && !err && !b->oom; i++) {
		struct tbr_payload *p = load(r, t, i, &err);
		const struct tbr_tensor *tn;

		if (!p)
			continue;
		tn = &p->tensor;
		if (fmt == TF_CSV) {
			cell.len = 0;
			text_join(&cell, tn, "\n");
			tbv_put_i64(b, p->step);
			put_f(b, p->wall_time);
			tbv_buf_putc(b, ',');
			tbv_csv_str(b, cell.p ? cell.p : "", cell.len);
			tbv_buf_putc(b, '\n');
		} else {
			tbv_jw_obj(&w);
			tbv_jw_key(&w, "step");
			tbv_jw_i64(&w, p->step);
			tbv_jw_key(&w, "wall_time");
			tbv_jw_f64(&w, p->wall_time);
			tbv_jw_key(&w, "text");
			if (tn->rank == 0) {
				cell.len = 0;
				text_join(&cell, tn, "");
				tbv_jw_strn(&w, cell.p ? cell.p : "", cell.len);
			} else {
				tbv_jw_arr(&w);
				for (size_t k = 0; k < text_count(tn); k++)
					tbv_jw_strn(&w, tn->strings[k],
						    tn->string_sizes
							    ? tn->string_sizes[k]
							    : strlen(tn->strings[k]));
				tbv_jw_arr_end(&w);
				tbv_jw_key(&w, "shape");
				tbv_jw_arr(&w);
				for (size_t k = 0; k < tn->rank; k++)
					tbv_jw_i64(&w, tn->shape[k]);
				tbv_jw_arr_end(&w);
			}
			tbv_jw_obj_end(&w);
		}
		tbr_payload_free(p);
	}
	if (fmt != TF_CSV) {
		tbv_jw_arr_end(&w);
		tbv_jw_finish(&w);
	}
	if (cell.oom)
		b->oom = true;
	tbv_buf_free(&cell);
	if (!err && b->oom)
		err = -ENOMEM;
	return err;
}

int tbv_render_text_md(struct tbv_view *v, struct tbv_vrun *r,
		       const struct tbr_tag *t, size_t ev, struct tbv_buf *b)
{
	struct tbr_payload *p = NULL;
	tbr_status st = tbr_tag_load(r->run, t, ev, &p);

	if (st != TBR_OK || !p) {
		tbr_payload_free(p);
		return tbv_errno(st) ? tbv_errno(st) : -EIO;
	}
	text_join(b, &p->tensor, "\n\n");
	tbr_payload_free(p);
	return b->oom ? -ENOMEM : 0;
}

/* -------------------------------------------------------------- tensors */

int tbv_render_tensor_json(struct tbv_view *v, struct tbv_vrun *r,
			   const struct tbr_tag *t, struct tbv_buf *b)
{
	struct tbv_jw w;
	char tmp[16];
	int err = 0;

	tbv_jw_init(&w, b, 1);
	tbv_jw_arr(&w);
	for (size_t i = 0; i < tbr_tag_count(t) && !err && !b->oom; i++) {
		struct tbr_payload *p = load(r, t, i, &err);
		const struct tbr_tensor *tn;

		if (!p)
			continue;
		tn = &p->tensor;
		tbv_jw_obj(&w);
		tbv_jw_key(&w, "step");
		tbv_jw_i64(&w, p->step);
		tbv_jw_key(&w, "wall_time");
		tbv_jw_f64(&w, p->wall_time);
		tbv_jw_key(&w, "dtype");
		tbv_jw_str(&w, tbv_dtype_name(tn->dtype, tmp));
		tbv_jw_key(&w, "shape");
		tbv_jw_arr(&w);
		for (size_t k = 0; k < tn->rank; k++)
			tbv_jw_i64(&w, tn->shape[k]);
		tbv_jw_arr_end(&w);
		tbv_jw_key(&w, "values");
		tbv_jw_arr(&w);
		for (size_t k = 0; k < tn->count; k++) {
			if (tn->values)
				tbv_jw_tensor_value(&w, tn->dtype,
						    tn->values[k]);
			else if (tn->strings)
				tbv_jw_strn(&w, tn->strings[k],
					    tn->string_sizes
						    ? tn->string_sizes[k]
						    : strlen(tn->strings[k]));
			else
				tbv_jw_null(&w);
		}
		tbv_jw_arr_end(&w);
		tbv_jw_obj_end(&w);
		tbr_payload_free(p);
	}
	tbv_jw_arr_end(&w);
	tbv_jw_finish(&w);
	if (!err && b->oom)
		err = -ENOMEM;
	return err;
}
