/*
 * scan.c — walk a single event stream record by record (tbfs-dump, the
 * fuzzer, unit tests), without building a run index.
 *
 * Layer: reader. Classification needs the first-seen plugin of each tag,
 * so a small tag -> plugin map lives for the duration of one scan.
 */
#include "walk_i.h"

#include <stdlib.h>

struct scan_ctx {
	tbr_record_fn fn;
	void *ctx;
	bool pbc;
	bool stopped;
	struct tbr_raw_event ev;
	struct tbr_strmap plugins;
	char **names;
	size_t nnames, cap;
	struct tbr_value_info *infos;
	size_t cap_infos;
	char fv[128];
};

static const char *remember_plugin(struct scan_ctx *s,
				   const struct tbr_raw_value *v, size_t *len)
{
	uint32_t idx;

	if (tbr_strmap_get(&s->plugins, v->tag, v->tag_len, 0, &idx)) {
		*len = strlen(s->names[idx]);
		return s->names[idx];
	}
	*len = 0;
	if (!v->plugin)
		return "";
	if (s->nnames == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		char **nn = realloc(s->names, cap * sizeof(*nn));
		if (!nn)
			return "";
		s->names = nn;
		s->cap = cap;
	}
	char *p = malloc(v->plugin_len + 1);
	if (!p)
		return "";
	memcpy(p, v->plugin, v->plugin_len);
	p[v->plugin_len] = 0;
	if (tbr_strmap_put(&s->plugins, v->tag, v->tag_len, 0,
			   (uint32_t)s->nnames) != TBR_OK) {
		free(p);
		return "";
	}
	s->names[s->nnames++] = p;
	*len = v->plugin_len;
	return p;
}

static tbr_status on_record(void *ctx, const uint8_t *payload, size_t len,
			    uint64_t offset)
{
	struct scan_ctx *s = ctx;
	struct tbr_record rec;
	tbr_status st;

	st = s->pbc ? tbr_decode_event_pbc(payload, len, &s->ev) :
		      tbr_decode_event(payload, len, &s->ev);
	if (st != TBR_OK)
		return st;
	if (s->ev.nvalues > s->cap_infos) {
		struct tbr_value_info *ni = realloc(s->infos, s->ev.nvalues *
							      sizeof(*ni));
		if (!ni)
			return TBR_ERR_NOMEM;
		s->infos = ni;
		s->cap_infos = s->ev.nvalues;
	}
	memset(&rec, 0, sizeof(rec));
	rec.offset = offset;
	rec.length = len;
	rec.wall_time = s->ev.wall_time;
	rec.step = s->ev.step;
	rec.what = s->ev.what;
	rec.session_status = s->ev.session_status;
	if (s->ev.what == TBR_WHAT_FILE_VERSION) {
		size_t n = s->ev.file_version_len < sizeof(s->fv) - 1 ?
				   s->ev.file_version_len : sizeof(s->fv) - 1;
		memcpy(s->fv, s->ev.file_version, n);
		s->fv[n] = 0;
		rec.file_version = s->fv;
	}
	for (size_t i = 0; i < s->ev.nvalues; i++) {
		const struct tbr_raw_value *v = &s->ev.values[i];
		struct tbr_value_info *vi = &s->infos[i];

		memset(vi, 0, sizeof(*vi));
		vi->tag = v->tag;
		vi->tag_len = v->tag_len;
		vi->plugin = remember_plugin(s, v, &vi->plugin_len);
		vi->kind = tbr_classify(v, vi->plugin, vi->plugin_len,
					&vi->items, &vi->scalar,
					&vi->has_scalar);
	}
	rec.value_count = s->ev.nvalues;
	rec.values = s->infos;
	if (!s->fn(s->ctx, &rec, TBR_OK, offset)) {
		s->stopped = true;
		return TBR_END;
	}
	return TBR_OK;
}

static void on_problem(void *ctx, tbr_status st, uint64_t offset)
{
	struct scan_ctx *s = ctx;

	if (!s->stopped && !s->fn(s->ctx, NULL, st, offset))
		s->stopped = true;
}

static void scan_free(struct scan_ctx *s)
{
	tbr_raw_event_free(&s->ev);
	tbr_strmap_clear(&s->plugins);
	for (size_t i = 0; i < s->nnames; i++)
		free(s->names[i]);
	free(s->names);
	free(s->infos);
}

static void walk_init(struct tbr_walk *w, struct scan_ctx *s,
		      const struct tbr_options *opts,
		      struct tbr_file_stats *stats)
{
	memset(w, 0, sizeof(*w));
	memset(stats, 0, sizeof(*stats));
	w->max_len = opts && opts->max_record_bytes ? opts->max_record_bytes :
						      TBR_DEFAULT_MAX_RECORD;
	w->stats = stats;
	w->on_record = on_record;
	w->on_problem = on_problem;
	w->ctx = s;
	s->pbc = opts && opts->use_protobuf_c;
}

tbr_status tbr_scan_buffer(const void *data, size_t len,
			   const struct tbr_options *opts, tbr_record_fn fn,
			   void *ctx, struct tbr_file_stats *stats)
{
	struct scan_ctx s = { .fn = fn, .ctx = ctx };
	struct tbr_file_stats local;
	struct tbr_walk w;
	tbr_status st;

	if (!stats)
		stats = &local;
	walk_init(&w, &s, opts, stats);
	stats->size = len;
	st = tbr_walk_buffer(&w, data, len);
	scan_free(&s);
	if (st == TBR_OK && stats->truncated_tail)
		st = TBR_ERR_TRUNCATED;
	return st;
}

tbr_status tbr_scan_file(const char *path, const struct tbr_options *opts,
			 tbr_record_fn fn, void *ctx,
			 struct tbr_file_stats *stats)
{
	struct scan_ctx s = { .fn = fn, .ctx = ctx };
	struct tbr_file_stats local;
	struct tbr_source src;
	struct tbr_walk w;
	tbr_status st;

	if (!stats)
		stats = &local;
	walk_init(&w, &s, opts, stats);
	st = tbr_source_open(&src, path);
	if (st != TBR_OK) {
		scan_free(&s);
		return st;
	}
	stats->size = src.size;
	stats->mtime_ns = src.mtime_ns;
	st = tbr_walk_source(&w, &src);
	tbr_source_close(&src);
	free(w.buf);
	scan_free(&s);
	if (st == TBR_OK && stats->truncated_tail)
		st = TBR_ERR_TRUNCATED;
	return st;
}
