/*
 * render_runs.c — the tables across runs at the root: runs.csv and
 * runs.json (one row per run), tags.csv (one row per run and tag) and
 * hparams.csv (only the hyperparameters that differ between runs).
 *
 * Layer: fs/ view renderers (no FUSE). runs.csv columns, in order:
 *   run, path, event_files, first_step, last_step, first_wall_time,
 *   last_wall_time, points, one tag count per kind (scalars, histograms,
 *   images, audio, text, tensors, hparams, graphs), hparam/<name> for the
 *   union of every run's hyperparameters, <file>.<key> for the flat
 *   values of JSON sidecars (config.json, metadata.json), then
 *   <tag>/last, <tag>/min, <tag>/max for the union of scalar tags (min and
 *   max over finite values). Missing values are empty cells (null in
 *   runs.json).
 */
#include "view_i.h"

#include <errno.h>
#include <stdlib.h>

/* A sorted, duplicate-free set of borrowed strings. */
struct strset {
	const char **s;
	size_t n, cap;
	bool oom;
};

static void set_add(struct strset *set, const char *s)
{
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 32;
		const char **a = realloc(set->s, cap * sizeof(*a));
		if (!a) {
			set->oom = true;
			return;
		}
		set->s = a;
		set->cap = cap;
	}
	set->s[set->n++] = s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void set_finish(struct strset *set)
{
	size_t k = 0;

	if (!set->n)
		return;
	tbv_qsort(set->s, set->n, sizeof(*set->s), cmp_str);
	for (size_t i = 0; i < set->n; i++)
		if (!k || strcmp(set->s[i], set->s[k - 1]))
			set->s[k++] = set->s[i];
	set->n = k;
}

struct rowinfo {
	struct tbv_vrun *r;
	struct tbv_hp *hp;
	size_t nhp;
};

static const struct tbr_hparam *row_hp(const struct rowinfo *ri,
				       const char *name)
{
	size_t lo = 0, hi = ri->nhp;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, ri->hp[mid].p->name);
		if (!c)
			return ri->hp[mid].p;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static void rows_free(struct rowinfo *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++)
		free(rows[i].hp);
	free(rows);
}

static int rows_get(struct tbv_view *v, const struct tbv_scope *s,
		    struct rowinfo **out)
{
	struct rowinfo *rows = calloc(s->n ? s->n : 1, sizeof(*rows));

	*out = NULL;
	if (!rows)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++) {
		rows[i].r = s->runs[i];
		if (tbv_vrun_hparams(v, s->runs[i], &rows[i].hp,
				     &rows[i].nhp)) {
			rows_free(rows, s->n);
			return -ENOMEM;
		}
	}
	*out = rows;
	return 0;
}

/* TensorFlow DataType of a reader dtype, to print min/max like values. */
static int tf_dtype(tbr_dtype d)
{
	switch (d) {
	case TBR_DT_F32: return 1;
	case TBR_DT_F64: return 2;
	case TBR_DT_F16: return 19;
	case TBR_DT_BF16: return 14;
	case TBR_DT_I32: return 3;
	case TBR_DT_I64: return 9;
	case TBR_DT_U64: return 23;
	case TBR_DT_BOOL: return 10;
	default: return 2;
	}
}

/* Exact min and max of an integer series (the reader's summary holds
 * doubles, which cannot show every int64). Returns false if none. */
static bool int_minmax(const struct tbr_tag *t, bool purge,
		       struct tbr_num *mn, struct tbr_num *mx)
{
	struct tbr_scalar buf[512];
	size_t start = 0, got;
	bool any = false;

	while ((got = tbr_tag_scalars(t, start, buf, 512)) > 0) {
		for (size_t i = 0; i < got; i++) {
			const struct tbr_num *x = &buf[i].value;
			bool u = x->dtype == TBR_DT_U64;

			if (purge && buf[i].orphaned)
				continue;
			if (x->dtype != TBR_DT_I32 && x->dtype != TBR_DT_I64 &&
			    x->dtype != TBR_DT_BOOL && !u)
				return false; /* mixed types: use doubles */
			if (!any || (u ? x->v.u < mn->v.u : x->v.i < mn->v.i))
				*mn = *x;
			if (!any || (u ? x->v.u > mx->v.u : x->v.i > mx->v.i))
				*mx = *x;
			any = true;
		}
		start += got;
	}
	return any;
}

static const tbr_kind kinds[] = {
	TBR_KIND_SCALAR, TBR_KIND_HISTOGRAM, TBR_KIND_IMAGE, TBR_KIND_AUDIO,
	TBR_KIND_TEXT,	 TBR_KIND_TENSOR,    TBR_KIND_HPARAMS, TBR_KIND_GRAPH,
};
#define NKINDS (sizeof(kinds) / sizeof(*kinds))

/* One cell or JSON member; the table writer hides the format. */
struct table {
	struct tbv_buf *b;
	bool json;
	struct tbv_jw w;
	bool first;
};

static void cell_begin(struct table *t, const char *col)
{
	if (t->json) {
		tbv_jw_key(&t->w, col);
		return;
	}
	if (!t->first)
		tbv_buf_putc(t->b, ',');
	t->first = false;
}

static void cell_str(struct table *t, const char *col, const char *s)
{
	cell_begin(t, col);
	if (t->json)
		tbv_jw_str(&t->w, s);
	else
		tbv_csv_strz(t->b, s);
}

static void cell_null(struct table *t, const char *col)
{
	cell_begin(t, col);
	if (t->json)
		tbv_jw_null(&t->w);
}

static void cell_u64(struct table *t, const char *col, uint64_t v)
{
	cell_begin(t, col);
	if (t->json)
		tbv_jw_u64(&t->w, v);
	else
		tbv_put_u64(t->b, v);
}

static void cell_i64(struct table *t, const char *col, int64_t v)
{
	cell_begin(t, col);
	if (t->json)
		tbv_jw_i64(&t->w, v);
	else
		tbv_put_i64(t->b, v);
}

static void cell_f64(struct table *t, const char *col, double v)
{
	cell_begin(t, col);
	if (t->json)
		tbv_jw_f64(&t->w, v);
	else
		tbv_put_f64(t->b, v, false);
}

static void cell_json(struct table *t, const char *col, const json_t *j)
{
	cell_begin(t, col);
	if (t->json) {
		tbv_jw_json(&t->w, j);
		return;
	}
	switch (json_typeof(j)) {
	case JSON_STRING:
		tbv_csv_str(t->b, json_string_value(j), json_string_length(j));
		break;
	case JSON_INTEGER:
		tbv_put_i64(t->b, json_integer_value(j));
		break;
	case JSON_REAL:
		tbv_put_f64(t->b, json_real_value(j), false);
		break;
	case JSON_TRUE:
		tbv_buf_puts(t->b, "true");
		break;
	case JSON_FALSE:
		tbv_buf_puts(t->b, "false");
		break;
	default:
		break;
	}
}

static bool flat_value(const json_t *j)
{
	return j && !json_is_object(j) && !json_is_array(j);
}

int tbv_render_runs(struct tbv_view *v, const struct tbv_scope *s, bool json,
		    struct tbv_buf *b)
{
	struct strset hps = { 0 }, flats = { 0 }, tags = { 0 };
	struct tbv_buf col = { 0 }, path = { 0 };
	struct rowinfo *rows = NULL;
	struct table t = { .b = b, .json = json };
	bool purge = v->opts.purge_orphaned;
	char **flatnames = NULL;
	int err;

	err = rows_get(v, s, &rows);
	if (err)
		return err;
	for (size_t i = 0; i < s->n; i++) {
		struct tbr_run *run = rows[i].r->run;

		for (size_t k = 0; k < rows[i].nhp; k++)
			set_add(&hps, rows[i].hp[k].p->name);
		for (size_t k = 0; k < tbr_run_tag_count(run); k++) {
			const struct tbr_tag *tg = tbr_run_tag(run, k);
			if (tbr_tag_kind(tg) == TBR_KIND_SCALAR)
				set_add(&tags, tbr_tag_name(tg));
		}
		for (int f = 0; f < TBV_NSIDECARS; f++) {
			const char *key;
			json_t *val;

			if (!rows[i].r->sc[f].flat)
				continue;
			json_object_foreach(rows[i].r->sc[f].flat, key, val) {
				char *name;
				if (!flat_value(val))
					continue;
				if (asprintf(&name, "%s.%s",
					     tbv_sidecar_names[f], key) < 0) {
					flats.oom = true;
					continue;
				}
				set_add(&flats, name);
				if (flats.oom)
					free(name);
			}
		}
	}
	/* The flat names were allocated; keep the list to free them. */
	flatnames = calloc(flats.n + 1, sizeof(*flatnames));
	if (!flatnames) {
		for (size_t i = 0; i < flats.n; i++)
			free((char *)flats.s[i]);
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < flats.n; i++)
		flatnames[i] = (char *)flats.s[i];
	{
		size_t nflat = flats.n;
		set_finish(&hps);
		set_finish(&tags);
		set_finish(&flats); /* duplicates stay owned by flatnames */
		flatnames[nflat] = NULL;
	}
	if (hps.oom || tags.oom || flats.oom) {
		err = -ENOMEM;
		goto out;
	}

	/* Header (CSV only: JSON objects carry their keys). */
	if (!json) {
		tbv_buf_puts(b, "run,path,event_files,first_step,last_step,"
				"first_wall_time,last_wall_time,points");
		for (size_t k = 0; k < NKINDS; k++) {
			tbv_buf_putc(b, ',');
			tbv_buf_puts(b, tbr_kind_name(kinds[k]));
		}
		for (size_t i = 0; i < hps.n; i++) {
			col.len = 0;
			tbv_buf_puts(&col, "hparam/");
			tbv_buf_puts(&col, hps.s[i]);
			tbv_buf_putc(b, ',');
			tbv_csv_str(b, col.p, col.len);
		}
		for (size_t i = 0; i < flats.n; i++) {
			tbv_buf_putc(b, ',');
			tbv_csv_strz(b, flats.s[i]);
		}
		for (size_t i = 0; i < tags.n; i++) {
			static const char *const sfx[] = { "/last", "/min",
							   "/max" };
			for (int k = 0; k < 3; k++) {
				col.len = 0;
				tbv_buf_puts(&col, tags.s[i]);
				tbv_buf_puts(&col, sfx[k]);
				tbv_buf_putc(b, ',');
				tbv_csv_str(b, col.p, col.len);
			}
		}
		tbv_buf_putc(b, '\n');
	} else {
		tbv_jw_init(&t.w, b, 2);
		tbv_jw_arr(&t.w);
	}

	for (size_t i = 0; i < s->n; i++) {
		struct tbv_vrun *r = rows[i].r;
		struct tbr_run *run = r->run;
		const char *mpath = tbv_vrun_mpath(v, r);
		size_t counts[TBR_KIND_COUNT] = { 0 };
		uint64_t points = 0;
		int64_t s0, s1;
		double t0, t1;
		bool hs = tbr_run_step_range(run, &s0, &s1);
		bool ht = tbr_run_time_range(run, &t0, &t1);

		for (size_t k = 0; k < tbr_run_tag_count(run); k++) {
			const struct tbr_tag *tg = tbr_run_tag(run, k);
			counts[tbr_tag_kind(tg)]++;
			if (tbr_tag_kind(tg) == TBR_KIND_SCALAR)
				points += purge ? tbr_tag_count_unorphaned(tg)
						: tbr_tag_count(tg);
		}
		t.first = true;
		if (json)
			tbv_jw_obj(&t.w);
		cell_str(&t, "run", s->rel[i]);
		cell_str(&t, "path", mpath ? mpath : "");
		cell_u64(&t, "event_files", tbr_run_file_count(run));
		if (hs) {
			cell_i64(&t, "first_step", s0);
			cell_i64(&t, "last_step", s1);
		} else {
			cell_null(&t, "first_step");
			cell_null(&t, "last_step");
		}
		if (ht) {
			cell_f64(&t, "first_wall_time", t0);
			cell_f64(&t, "last_wall_time", t1);
		} else {
			cell_null(&t, "first_wall_time");
			cell_null(&t, "last_wall_time");
		}
		cell_u64(&t, "points", points);
		for (size_t k = 0; k < NKINDS; k++)
			cell_u64(&t, tbr_kind_name(kinds[k]), counts[kinds[k]]);
		for (size_t k = 0; k < hps.n; k++) {
			const struct tbr_hparam *p = row_hp(&rows[i], hps.s[k]);

			col.len = 0;
			tbv_buf_puts(&col, "hparam/");
			tbv_buf_puts(&col, hps.s[k]);
			tbv_buf_putc(&col, '\0');
			if (col.oom)
				break;
			if (!p) {
				cell_null(&t, col.p);
				continue;
			}
			cell_begin(&t, col.p);
			if (json)
				tbv_jw_hparam(&t.w, p);
			else
				tbv_put_hparam(b, p, false);
		}
		for (size_t k = 0; k < flats.n; k++) {
			const char *name = flats.s[k];
			json_t *val = NULL;

			for (int f = 0; f < TBV_NSIDECARS; f++) {
				size_t fl = strlen(tbv_sidecar_names[f]);
				if (r->sc[f].flat &&
				    !strncmp(name, tbv_sidecar_names[f], fl) &&
				    name[fl] == '.')
					val = json_object_get(r->sc[f].flat,
							      name + fl + 1);
			}
			if (flat_value(val))
				cell_json(&t, name, val);
			else
				cell_null(&t, name);
		}
		for (size_t k = 0; k < tags.n; k++) {
			const struct tbr_tag *tg =
				tbr_run_find_tag(run, tags.s[k],
						 TBR_KIND_SCALAR);
			struct tbr_scalar_summary sum = { 0 };
			static const char *const sfx[] = { "/last", "/min",
							   "/max" };
			char *names[3] = { NULL };

			struct tbr_num imin, imax;
			bool exact = false;

			if (tg)
				tbr_tag_scalar_summary(tg, purge, &sum);
			if (tg && sum.count && sum.last.value.dtype != TBR_DT_F32 &&
			    sum.last.value.dtype != TBR_DT_F64 &&
			    sum.last.value.dtype != TBR_DT_F16 &&
			    sum.last.value.dtype != TBR_DT_BF16)
				exact = int_minmax(tg, purge, &imin, &imax);
			for (int q = 0; q < 3; q++) {
				col.len = 0;
				tbv_buf_puts(&col, tags.s[k]);
				tbv_buf_puts(&col, sfx[q]);
				tbv_buf_putc(&col, '\0');
				if (col.oom)
					break;
				names[q] = col.p; /* used right away */
				if (!tg || !sum.count ||
				    (q && !sum.has_finite)) {
					cell_null(&t, names[q]);
					continue;
				}
				cell_begin(&t, names[q]);
				if (q && exact && json)
					tbv_jw_num(&t.w, q == 1 ? &imin : &imax);
				else if (q && exact)
					tbv_put_num(b, q == 1 ? &imin : &imax,
						    false);
				else if (q == 0 && json)
					tbv_jw_num(&t.w, &sum.last.value);
				else if (q == 0)
					tbv_put_num(b, &sum.last.value, false);
				else if (json)
					tbv_jw_tensor_value(
						&t.w,
						tf_dtype(sum.last.value.dtype),
						q == 1 ? sum.min : sum.max);
				else
					tbv_put_tensor_value(
						b,
						tf_dtype(sum.last.value.dtype),
						q == 1 ? sum.min : sum.max,
						false);
			}
		}
		if (json)
			tbv_jw_obj_end(&t.w);
		else
			tbv_buf_putc(b, '\n');
	}
	if (json) {
		tbv_jw_arr_end(&t.w);
		tbv_jw_finish(&t.w);
	}
	if (col.oom || path.oom)
		b->oom = true;
	err = b->oom ? -ENOMEM : 0;
out:
	if (flatnames) {
		for (size_t i = 0; flatnames[i]; i++)
			free(flatnames[i]);
		free(flatnames);
	}
	free(hps.s);
	free(flats.s);
	free(tags.s);
	tbv_buf_free(&col);
	tbv_buf_free(&path);
	rows_free(rows, s->n);
	return err;
}

int tbv_render_tags_csv(struct tbv_view *v, const struct tbv_scope *s,
			struct tbv_buf *b)
{
	struct tbv_buf path = { 0 };
	bool purge = v->opts.purge_orphaned;

	tbv_buf_puts(b, "run,tag,kind,count,first_step,last_step,file\n");
	for (size_t i = 0; i < s->n; i++) {
		struct tbr_run *run = s->runs[i]->run;

		for (size_t k = 0; k < tbr_run_tag_count(run); k++) {
			const struct tbr_tag *tg = tbr_run_tag(run, k);

			tbv_csv_strz(b, s->rel[i]);
			tbv_buf_putc(b, ',');
			tbv_csv_strz(b, tbr_tag_name(tg));
			tbv_buf_putc(b, ',');
			tbv_buf_puts(b, tbr_kind_name(tbr_tag_kind(tg)));
			tbv_buf_putc(b, ',');
			tbv_put_u64(b, purge ? tbr_tag_count_unorphaned(tg)
					     : tbr_tag_count(tg));
			tbv_buf_putc(b, ',');
			tbv_put_i64(b, tbr_tag_first_step(tg));
			tbv_buf_putc(b, ',');
			tbv_put_i64(b, tbr_tag_last_step(tg));
			tbv_buf_putc(b, ',');
			path.len = 0;
			tbv_tag_file_path(v, s->runs[i], tg, &path);
			if (path.len)
				tbv_csv_str(b, path.p, path.len);
			tbv_buf_putc(b, '\n');
		}
	}
	if (path.oom)
		b->oom = true;
	tbv_buf_free(&path);
	return b->oom ? -ENOMEM : 0;
}

/* hparams.csv: rows for the runs that have hyperparameters (their own or
 * from add_hparams children); columns for the names whose CSV cell is not
 * the same in every such row (a missing value counts as an empty cell). */
int tbv_render_hparams_csv(struct tbv_view *v, const struct tbv_scope *s,
			   struct tbv_buf *b)
{
	struct strset names = { 0 };
	struct tbv_buf c0 = { 0 }, c1 = { 0 };
	struct rowinfo *rows = NULL;
	bool *keep = NULL;
	size_t nrows = 0;
	int err;

	err = rows_get(v, s, &rows);
	if (err)
		return err;
	for (size_t i = 0; i < s->n; i++) {
		if (!rows[i].nhp)
			continue;
		nrows++;
		for (size_t k = 0; k < rows[i].nhp; k++)
			set_add(&names, rows[i].hp[k].p->name);
	}
	set_finish(&names);
	keep = calloc(names.n + 1, sizeof(*keep));
	if (names.oom || !keep) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < names.n; k++) {
		bool first = true;

		for (size_t i = 0; i < s->n && !keep[k]; i++) {
			const struct tbr_hparam *p;
			struct tbv_buf *cb = first ? &c0 : &c1;

			if (!rows[i].nhp)
				continue;
			p = row_hp(&rows[i], names.s[k]);
			cb->len = 0;
			tbv_buf_putc(cb, p ? 'v' : '-');
			if (p)
				tbv_put_hparam(cb, p, false);
			if (!first && (c0.len != c1.len ||
				       memcmp(c0.p, c1.p, c0.len)))
				keep[k] = true;
			first = false;
		}
	}
	tbv_buf_puts(b, "run,path");
	for (size_t k = 0; k < names.n; k++) {
		if (!keep[k])
			continue;
		tbv_buf_putc(b, ',');
		tbv_csv_strz(b, names.s[k]);
	}
	tbv_buf_putc(b, '\n');
	for (size_t i = 0; i < s->n; i++) {
		const char *mpath;

		if (!rows[i].nhp)
			continue;
		mpath = tbv_vrun_mpath(v, rows[i].r);
		tbv_csv_strz(b, s->rel[i]);
		tbv_buf_putc(b, ',');
		tbv_csv_strz(b, mpath ? mpath : "");
		for (size_t k = 0; k < names.n; k++) {
			const struct tbr_hparam *p;

			if (!keep[k])
				continue;
			tbv_buf_putc(b, ',');
			p = row_hp(&rows[i], names.s[k]);
			if (p)
				tbv_put_hparam(b, p, false);
		}
		tbv_buf_putc(b, '\n');
	}
	if (c0.oom || c1.oom)
		b->oom = true;
	err = b->oom ? -ENOMEM : 0;
out:
	(void)nrows;
	free(keep);
	free(names.s);
	tbv_buf_free(&c0);
	tbv_buf_free(&c1);
	rows_free(rows, s->n);
	return err;
}
