/*
 * render_json.c — the small structured JSON files: a run's run.json and
 * hparams.json, the root's status.json.
 *
 * Layer: fs/ view renderers (no FUSE). Written with the streaming writer
 * of view_util.c rather than jansson so numbers follow the contract
 * (shortest round-trip, null for non-finite) like every other file.
 */
#include "view_i.h"

#include <errno.h>
#include <stdlib.h>

/* --------------------------------------------------------------- hparams */

void tbv_jw_hparam(struct tbv_jw *w, const struct tbr_hparam *p)
{
	json_t *j;

	switch (p->type) {
	case TBR_HP_NUMBER:
		tbv_jw_f64(w, p->number);
		break;
	case TBR_HP_STRING:
		tbv_jw_str(w, p->string ? p->string : "");
		break;
	case TBR_HP_BOOL:
		tbv_jw_bool(w, p->number != 0);
		break;
	case TBR_HP_OTHER:
		/* Structs and lists arrive as JSON text: re-encode them so
		 * the output stays strict whatever the text was. */
		j = p->string ? json_loads(p->string, JSON_DECODE_ANY, NULL)
			      : NULL;
		if (j)
			tbv_jw_json(w, j);
		else
			tbv_jw_str(w, p->string ? p->string : "");
		json_decref(j);
		break;
	case TBR_HP_NULL:
	default:
		tbv_jw_null(w);
		break;
	}
}

void tbv_put_hparam(struct tbv_buf *b, const struct tbr_hparam *p, bool json)
{
	struct tbv_jw w;

	if (json) {
		tbv_jw_init(&w, b, 0);
		tbv_jw_hparam(&w, p);
		return;
	}
	switch (p->type) {
	case TBR_HP_NUMBER:
		tbv_put_f64(b, p->number, false);
		break;
	case TBR_HP_STRING:
	case TBR_HP_OTHER:
		if (p->string)
			tbv_csv_strz(b, p->string);
		break;
	case TBR_HP_BOOL:
		tbv_buf_puts(b, p->number != 0 ? "true" : "false");
		break;
	default:
		break;
	}
}

static void jw_strs(struct tbv_jw *w, const char *const *s, size_t n)
{
	tbv_jw_arr(w);
	for (size_t i = 0; i < n; i++)
		tbv_jw_str(w, s[i] ? s[i] : "");
	tbv_jw_arr_end(w);
}

static bool hp_any(const struct tbr_hparams *h)
{
	return h && (h->has_session_start || h->has_session_end ||
		     h->has_experiment);
}

int tbv_render_hparams_json(struct tbv_view *v, struct tbv_vrun *r,
			    struct tbv_buf *b)
{
	const struct tbr_hparams *h = tbr_run_hparams(r->run);
	struct tbv_hp *hp = NULL;
	struct tbv_jw w;
	size_t n = 0;
	int err;

	err = tbv_vrun_hparams(v, r, &hp, &n);
	if (err)
		return err;
	/* Session details come from the run itself, else from the first
	 * add_hparams child that has them. */
	for (size_t i = 0; !hp_any(h) && i < n; i++)
		if (hp[i].from != r && hp_any(tbr_run_hparams(hp[i].from->run)))
			h = tbr_run_hparams(hp[i].from->run);

	tbv_jw_init(&w, b, 2);
	tbv_jw_obj(&w);
	tbv_jw_key(&w, "hparams");
	tbv_jw_obj(&w);
	for (size_t i = 0; i < n; i++) {
		tbv_jw_key(&w, hp[i].p->name);
		tbv_jw_hparam(&w, hp[i].p);
	}
	tbv_jw_obj_end(&w);
	tbv_jw_key(&w, "sources");
	tbv_jw_obj(&w);
	for (size_t i = 0; i < n; i++) {
		tbv_jw_key(&w, hp[i].p->name);
		tbv_jw_str(&w, hp[i].from->name);
	}
	tbv_jw_obj_end(&w);
	if (h && h->has_session_start) {
		tbv_jw_key(&w, "group_name");
		if (h->group_name)
			tbv_jw_str(&w, h->group_name);
		else
			tbv_jw_null(&w);
		tbv_jw_key(&w, "model_uri");
		if (h->model_uri)
			tbv_jw_str(&w, h->model_uri);
		else
			tbv_jw_null(&w);
		tbv_jw_key(&w, "start_time_secs");
		tbv_jw_f64(&w, h->start_time_secs);
	}
	if (h && h->has_session_end) {
		tbv_jw_key(&w, "status");
		tbv_jw_str(&w, tbr_hp_status_name(h->end_status));
		tbv_jw_key(&w, "end_time_secs");
		tbv_jw_f64(&w, h->end_time_secs);
	}
	if (h && h->has_experiment) {
		tbv_jw_key(&w, "experiment");
		tbv_jw_obj(&w);
		tbv_jw_key(&w, "hparams");
		jw_strs(&w, h->experiment_hparams, h->experiment_hparam_count);
		tbv_jw_key(&w, "metrics");
		jw_strs(&w, h->experiment_metrics, h->experiment_metric_count);
		tbv_jw_obj_end(&w);
	}
	tbv_jw_obj_end(&w);
	tbv_jw_finish(&w);
	free(hp);
	return b->oom ? -ENOMEM : 0;
}

/* ---------------------------------------------------------------- run.json */

static void jw_file_stats(struct tbv_jw *w, const struct tbr_file_stats *fs)
{
	tbv_jw_key(w, "size");
	tbv_jw_u64(w, fs->size);
	tbv_jw_key(w, "mtime_ns");
	tbv_jw_i64(w, fs->mtime_ns);
	tbv_jw_key(w, "gzip");
	tbv_jw_bool(w, fs->gzip);
	tbv_jw_key(w, "bytes_read");
	tbv_jw_u64(w, fs->bytes_read);
	tbv_jw_key(w, "records_read");
	tbv_jw_u64(w, fs->records_read);
	tbv_jw_key(w, "records_skipped");
	tbv_jw_u64(w, fs->records_skipped);
	tbv_jw_key(w, "skipped_length_crc");
	tbv_jw_u64(w, fs->skipped_length_crc);
	tbv_jw_key(w, "skipped_data_crc");
	tbv_jw_u64(w, fs->skipped_data_crc);
	tbv_jw_key(w, "skipped_too_large");
	tbv_jw_u64(w, fs->skipped_too_large);
	tbv_jw_key(w, "skipped_decode");
	tbv_jw_u64(w, fs->skipped_decode);
	tbv_jw_key(w, "garbage_bytes");
	tbv_jw_u64(w, fs->garbage_bytes);
	tbv_jw_key(w, "replaced");
	tbv_jw_u64(w, fs->replaced);
	tbv_jw_key(w, "truncated_tail");
	tbv_jw_bool(w, fs->truncated_tail);
	tbv_jw_key(w, "last_error");
	if (fs->last_error != TBR_OK)
		tbv_jw_str(w, tbr_strerror(fs->last_error));
	else
		tbv_jw_null(w);
	tbv_jw_key(w, "last_error_offset");
	if (fs->last_error != TBR_OK)
		tbv_jw_u64(w, fs->last_error_offset);
	else
		tbv_jw_null(w);
}

static const tbr_kind kind_order[] = {
	TBR_KIND_SCALAR, TBR_KIND_HISTOGRAM, TBR_KIND_IMAGE, TBR_KIND_AUDIO,
	TBR_KIND_TEXT,	 TBR_KIND_TENSOR,    TBR_KIND_HPARAMS, TBR_KIND_GRAPH,
};

int tbv_render_run_json(struct tbv_view *v, struct tbv_vrun *r,
			struct tbv_buf *b)
{
	struct tbr_run *run = r->run;
	const char *mpath = tbv_vrun_mpath(v, r);
	const char *fv = tbr_run_file_version(run);
	struct tbr_run_counts c;
	struct tbv_buf path = { 0 };
	struct tbv_jw w;
	int64_t s0, s1;
	double t0, t1;
	bool has_steps = tbr_run_step_range(run, &s0, &s1);
	bool has_times = tbr_run_time_range(run, &t0, &t1);

	tbr_run_counts(run, &c);
	tbv_jw_init(&w, b, 3);
	tbv_jw_obj(&w);
	tbv_jw_key(&w, "run");
	tbv_jw_str(&w, r->name);
	tbv_jw_key(&w, "path");
	tbv_jw_str(&w, mpath ? mpath : "");
	tbv_jw_key(&w, "file_version");
	if (fv)
		tbv_jw_str(&w, fv);
	else
		tbv_jw_null(&w);
	tbv_jw_key(&w, "first_step");
	if (has_steps)
		tbv_jw_i64(&w, s0);
	else
		tbv_jw_null(&w);
	tbv_jw_key(&w, "last_step");
	if (has_steps)
		tbv_jw_i64(&w, s1);
	else
		tbv_jw_null(&w);
	tbv_jw_key(&w, "first_wall_time");
	if (has_times)
		tbv_jw_f64(&w, t0);
	else
		tbv_jw_null(&w);
	tbv_jw_key(&w, "last_wall_time");
	if (has_times)
		tbv_jw_f64(&w, t1);
	else
		tbv_jw_null(&w);
	tbv_jw_key(&w, "mtime_ns");
	tbv_jw_i64(&w, tbr_run_mtime_ns(run));
	tbv_jw_key(&w, "scalar_points");
	tbv_jw_u64(&w, c.scalar_points);
	tbv_jw_key(&w, "session_log");
	tbv_jw_obj(&w);
	tbv_jw_key(&w, "start");
	tbv_jw_u64(&w, c.session_start);
	tbv_jw_key(&w, "stop");
	tbv_jw_u64(&w, c.session_stop);
	tbv_jw_key(&w, "checkpoint");
	tbv_jw_u64(&w, c.session_checkpoint);
	tbv_jw_obj_end(&w);
	tbv_jw_key(&w, "graphs");
	tbv_jw_u64(&w, c.graphs);
	tbv_jw_key(&w, "meta_graphs");
	tbv_jw_u64(&w, c.meta_graphs);
	tbv_jw_key(&w, "tagged_run_metadata");
	tbv_jw_u64(&w, c.tagged_run_metadata);

	tbv_jw_key(&w, "event_files");
	tbv_jw_arr(&w);
	for (size_t i = 0; i < tbr_run_file_count(run); i++) {
		tbv_jw_obj(&w);
		tbv_jw_key(&w, "name");
		tbv_jw_str(&w, tbr_run_file_name(run, i));
		jw_file_stats(&w, tbr_run_file_stats(run, i));
		tbv_jw_obj_end(&w);
	}
	tbv_jw_arr_end(&w);

	tbv_jw_key(&w, "tags");
	tbv_jw_obj(&w);
	for (size_t k = 0; k < sizeof(kind_order) / sizeof(*kind_order); k++) {
		bool any = false;

		for (size_t i = 0; i < tbr_run_tag_count(run); i++) {
			const struct tbr_tag *t = tbr_run_tag(run, i);
			size_t cnt;

			if (tbr_tag_kind(t) != kind_order[k])
				continue;
			if (!any) {
				tbv_jw_key(&w, tbr_kind_name(kind_order[k]));
				tbv_jw_arr(&w);
				any = true;
			}
			cnt = v->opts.purge_orphaned
				      ? tbr_tag_count_unorphaned(t)
				      : tbr_tag_count(t);
			tbv_jw_obj(&w);
			tbv_jw_key(&w, "tag");
			tbv_jw_str(&w, tbr_tag_name(t));
			tbv_jw_key(&w, "count");
			tbv_jw_u64(&w, cnt);
			tbv_jw_key(&w, "first_step");
			tbv_jw_i64(&w, tbr_tag_first_step(t));
			tbv_jw_key(&w, "last_step");
			tbv_jw_i64(&w, tbr_tag_last_step(t));
			tbv_jw_key(&w, "plugin");
			tbv_jw_str(&w, tbr_tag_plugin(t));
			path.len = 0;
			tbv_tag_file_path(v, r, t, &path);
			tbv_jw_key(&w, "file");
			if (path.len)
				tbv_jw_strn(&w, path.p, path.len);
			else
				tbv_jw_null(&w);
			tbv_jw_obj_end(&w);
		}
		if (any)
			tbv_jw_arr_end(&w);
	}
	tbv_jw_obj_end(&w);

	tbv_jw_key(&w, "sidecars");
	tbv_jw_arr(&w);
	for (int i = 0; i < TBV_NSIDECARS; i++)
		if (r->sc[i].present)
			tbv_jw_str(&w, tbv_sidecar_names[i]);
	tbv_jw_arr_end(&w);
	tbv_jw_obj_end(&w);
	tbv_jw_finish(&w);
	if (path.oom)
		b->oom = true;
	tbv_buf_free(&path);
	return b->oom ? -ENOMEM : 0;
}

/* ------------------------------------------------------------ status.json */

/* A file with a recorded error, or one ending in an incomplete record
 * (normal while a writer is busy, a lost tail once it is gone: listed
 * either way so nothing is silently missing). */
static bool has_problem(const struct tbr_file_stats *fs)
{
	return fs->last_error != TBR_OK || fs->truncated_tail;
}

int tbv_render_status_json(struct tbv_view *v, const struct tbv_scope *s,
			   struct tbv_buf *b)
{
	struct tbr_file_stats sum = { 0 };
	uint64_t files = 0, truncated = 0, problems = 0;
	struct tbv_jw w;

	for (size_t k = 0; k < s->n; k++) {
		struct tbr_run *run = s->runs[k]->run;

		for (size_t i = 0; i < tbr_run_file_count(run); i++) {
			const struct tbr_file_stats *fs =
				tbr_run_file_stats(run, i);
			files++;
			sum.size += fs->size;
			sum.bytes_read += fs->bytes_read;
			sum.records_read += fs->records_read;
			sum.records_skipped += fs->records_skipped;
			sum.skipped_length_crc += fs->skipped_length_crc;
			sum.skipped_data_crc += fs->skipped_data_crc;
			sum.skipped_too_large += fs->skipped_too_large;
			sum.skipped_decode += fs->skipped_decode;
			sum.garbage_bytes += fs->garbage_bytes;
			sum.replaced += fs->replaced;
			truncated += fs->truncated_tail;
			problems += has_problem(fs);
		}
	}
	tbv_jw_init(&w, b, 2);
	tbv_jw_obj(&w);
	tbv_jw_key(&w, "logdir");
	tbv_jw_str(&w, tbr_logdir_root(v->ld));
	tbv_jw_key(&w, "runs");
	tbv_jw_u64(&w, s->n);
	tbv_jw_key(&w, "event_files");
	tbv_jw_u64(&w, files);
	tbv_jw_key(&w, "bytes");
	tbv_jw_u64(&w, sum.size);
	tbv_jw_key(&w, "bytes_read");
	tbv_jw_u64(&w, sum.bytes_read);
	tbv_jw_key(&w, "records_read");
	tbv_jw_u64(&w, sum.records_read);
	tbv_jw_key(&w, "records_skipped");
	tbv_jw_u64(&w, sum.records_skipped);
	tbv_jw_key(&w, "skipped");
	tbv_jw_obj(&w);
	tbv_jw_key(&w, "length_crc");
	tbv_jw_u64(&w, sum.skipped_length_crc);
	tbv_jw_key(&w, "data_crc");
	tbv_jw_u64(&w, sum.skipped_data_crc);
	tbv_jw_key(&w, "too_large");
	tbv_jw_u64(&w, sum.skipped_too_large);
	tbv_jw_key(&w, "decode");
	tbv_jw_u64(&w, sum.skipped_decode);
	tbv_jw_obj_end(&w);
	tbv_jw_key(&w, "garbage_bytes");
	tbv_jw_u64(&w, sum.garbage_bytes);
	tbv_jw_key(&w, "files_replaced");
	tbv_jw_u64(&w, sum.replaced);
	tbv_jw_key(&w, "truncated_tails");
	tbv_jw_u64(&w, truncated);
	tbv_jw_key(&w, "files_with_problems");
	tbv_jw_u64(&w, problems);
	tbv_jw_key(&w, "problems");
	tbv_jw_arr(&w);
	for (size_t k = 0; k < s->n; k++) {
		struct tbr_run *run = s->runs[k]->run;

		for (size_t i = 0; i < tbr_run_file_count(run); i++) {
			const struct tbr_file_stats *fs =
				tbr_run_file_stats(run, i);
			if (!has_problem(fs))
				continue;
			tbv_jw_obj(&w);
			tbv_jw_key(&w, "run");
			tbv_jw_str(&w, s->runs[k]->name);
			tbv_jw_key(&w, "file");
			tbv_jw_str(&w, tbr_run_file_name(run, i));
			tbv_jw_key(&w, "error");
			tbv_jw_str(&w, tbr_strerror(fs->last_error != TBR_OK
							    ? fs->last_error
							    : TBR_ERR_TRUNCATED));
			/* Where the incomplete tail starts when that is all. */
			tbv_jw_key(&w, "offset");
			tbv_jw_u64(&w, fs->last_error != TBR_OK
					       ? fs->last_error_offset
					       : fs->bytes_read);
			tbv_jw_key(&w, "records_skipped");
			tbv_jw_u64(&w, fs->records_skipped);
			tbv_jw_key(&w, "truncated_tail");
			tbv_jw_bool(&w, fs->truncated_tail);
			tbv_jw_obj_end(&w);
		}
	}
	tbv_jw_arr_end(&w);
	tbv_jw_obj_end(&w);
	tbv_jw_finish(&w);
	return b->oom ? -ENOMEM : 0;
}
