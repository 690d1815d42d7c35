/*
 * run.c — one run: its event files, read incrementally into the index.
 *
 * Layer: reader. A refresh lists the run directory, reads only bytes past
 * where each file's last read stopped, and feeds every record through the
 * decoder into per-tag series. A file that shrank or was replaced (rsync
 * without --inplace), or a new file sorting before ones already read,
 * makes the run start over, so points always come in file-name order.
 */
#include "run_i.h"

#include <dirent.h>
#include <math.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

static char *xstrndup(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

struct tbr_run *tbr_run_new(struct tbr_logdir *ld, const char *name,
			    const char *path)
{
	struct tbr_run *run = calloc(1, sizeof(*run));

	if (!run)
		return NULL;
	run->ld = ld;
	run->name = strdup(name);
	run->path = strdup(path);
	if (!run->name || !run->path) {
		tbr_run_free(run);
		return NULL;
	}
	return run;
}

static void free_data(struct tbr_run *run)
{
	for (size_t i = 0; i < run->ntags; i++) {
		struct tbr_tag *t = run->tags[i];

		tbr_series_free(t->series);
		free(t->refs);
		free(t->name);
		free(t);
	}
	free(run->tags);
	run->tags = NULL;
	run->ntags = run->cap_tags = 0;
	for (size_t i = 0; i < run->nplugins; i++)
		free(run->plugins[i]);
	free(run->plugins);
	run->plugins = NULL;
	run->nplugins = run->cap_plugins = 0;
	tbr_strmap_clear(&run->tag_index);
	tbr_strmap_clear(&run->plugin_index);
	tbr_hparams_clear(&run->hp);
	free(run->file_version);
	run->file_version = NULL;
	memset(run->tag_cache, 0, sizeof(run->tag_cache));
	run->has_steps = run->has_times = false;
	memset(&run->counts, 0, sizeof(run->counts));
	run->version = 0;
	run->most_recent_step = 0;
}

static void free_files(struct tbr_evfile *files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(files[i].name);
	free(files);
}

void tbr_run_free(struct tbr_run *run)
{
	if (!run)
		return;
	free_data(run);
	free_files(run->files, run->nfiles);
	tbr_raw_event_free(&run->ev);
	free(run->name);
	free(run->path);
	free(run);
}

/* --------------------------------------------------------------- ingest */

static const char *plugin_of(struct tbr_run *run, const struct tbr_raw_value *v,
			     size_t *len)
{
	uint32_t idx;

	if (tbr_strmap_get(&run->plugin_index, v->tag, v->tag_len, 0, &idx)) {
		*len = strlen(run->plugins[idx]);
		return run->plugins[idx];
	}
	if (!v->plugin) {
		*len = 0;
		return "";
	}
	/* First metadata seen for this tag: it applies from now on (TF1
	 * writers put metadata on the first value of a tag only). */
	if (run->nplugins == run->cap_plugins) {
		size_t cap = run->cap_plugins ? run->cap_plugins * 2 : 16;
		char **np = realloc(run->plugins, cap * sizeof(*np));

		if (!np)
			goto fallback;
		run->plugins = np;
		run->cap_plugins = cap;
	}
	char *p = xstrndup(v->plugin, v->plugin_len);
	if (!p)
		goto fallback;
	if (tbr_strmap_put(&run->plugin_index, v->tag, v->tag_len, 0,
			   (uint32_t)run->nplugins) != TBR_OK) {
		free(p);
		goto fallback;
	}
	run->plugins[run->nplugins++] = p;
	*len = v->plugin_len;
	return p;
fallback:
	*len = 0;
	return "";
}

static struct tbr_tag *tag_get(struct tbr_run *run, const char *name,
			       size_t len, tbr_kind kind, const char *plugin)
{
	uint32_t idx;
	struct tbr_tag *t;

	if (tbr_strmap_get(&run->tag_index, name, len, kind, &idx))
		return run->tags[idx];
	if (run->ntags == run->cap_tags) {
		size_t cap = run->cap_tags ? run->cap_tags * 2 : 16;
		struct tbr_tag **nt = realloc(run->tags, cap * sizeof(*nt));

		if (!nt)
			return NULL;
		run->tags = nt;
		run->cap_tags = cap;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->name = xstrndup(name, len);
	t->name_len = len;
	t->kind = kind;
	t->raw_plugin = plugin;
	t->raw_plugin_len = strlen(plugin);
	/* Legacy TF1 values carry no plugin; TensorBoard migrates them to
	 * the plugin of their kind, so report that one. */
	if (!plugin[0] && kind <= TBR_KIND_AUDIO)
		plugin = tbr_kind_name(kind);
	t->plugin = plugin;
	if (kind == TBR_KIND_SCALAR)
		t->series = tbr_series_new(run, t);
	if (!t->name || (kind == TBR_KIND_SCALAR && !t->series) ||
	    tbr_strmap_put(&run->tag_index, name, len, kind,
			   (uint32_t)run->ntags) != TBR_OK) {
		tbr_series_free(t->series);
		free(t->name);
		free(t);
		return NULL;
	}
	run->tags[run->ntags++] = t;
	return t;
}

static void tag_touch(struct tbr_run *run, struct tbr_tag *t, int64_t step)
{
	if (!t->count)
		t->first_step = step;
	t->last_step = step;
	t->count++;
	t->unorphaned++;
	t->generation = run->generation + 1;
}

static tbr_status add_ref(struct tbr_run *run, struct tbr_tag *t,
			  const struct tbr_raw_event *ev, uint64_t offset,
			  uint32_t value_index, size_t items,
			  const struct tbr_raw_value *v)
{
	if (t->count == t->cap_refs) {
		size_t cap = t->cap_refs ? t->cap_refs * 2 : 4;
		struct tbr_evref *nr = realloc(t->refs, cap * sizeof(*nr));

		if (!nr)
			return TBR_ERR_NOMEM;
		t->refs = nr;
		t->cap_refs = cap;
	}
	struct tbr_evref *r = &t->refs[t->count];
	r->step = ev->step;
	r->wall_time = ev->wall_time;
	r->offset = offset;
	r->file = run->cur_file;
	r->value_index = value_index;
	r->items = (uint32_t)items;
	r->orphaned = false;
	r->has_blob_size = v && v->has_blob_len && items == 1;
	r->blob_size = r->has_blob_size ? v->blob_len : 0;
	tag_touch(run, t, ev->step);
	return TBR_OK;
}

static void orphan_tag(struct tbr_run *run, struct tbr_tag *t, int64_t step)
{
	size_t n = 0;

	if (t->series) {
		n = tbr_series_orphan_from(t->series, step);
	} else {
		for (size_t i = 0; i < t->count; i++)
			if (!t->refs[i].orphaned && t->refs[i].step >= step) {
				t->refs[i].orphaned = true;
				n++;
			}
	}
	if (n) {
		t->unorphaned -= n;
		t->generation = run->generation + 1;
	}
}

/* TensorBoard's _MaybePurgeOrphanedData, recorded as flags instead of
 * dropping points, so both views stay available (wire-format.md §6). */
static void purge_check(struct tbr_run *run, const struct tbr_raw_event *ev)
{
	if (run->version >= 2) {
		if (ev->what == TBR_WHAT_SESSION_LOG && ev->session_status == 1)
			for (size_t i = 0; i < run->ntags; i++)
				orphan_tag(run, run->tags[i], ev->step);
		return;
	}
	if (ev->step < run->most_recent_step && ev->what == TBR_WHAT_SUMMARY) {
		for (size_t i = 0; i < ev->nvalues; i++)
			for (int k = 0; k < TBR_KIND_COUNT; k++) {
				uint32_t idx;

				if (tbr_strmap_get(&run->tag_index,
						   ev->values[i].tag,
						   ev->values[i].tag_len,
						   (uint32_t)k, &idx))
					orphan_tag(run, run->tags[idx], ev->step);
			}
	} else {
		run->most_recent_step = ev->step;
	}
}

/* Tag comparison without a libc call for the usual short tags. */
static inline bool same_bytes(const char *a, const char *b, size_t n)
{
	uint64_t x, y;

	if (n < 8) {
		for (size_t i = 0; i < n; i++)
			if (a[i] != b[i])
				return false;
		return true;
	}
	memcpy(&x, a, 8);
	memcpy(&y, b, 8);
	if (x != y)
		return false;
	memcpy(&x, a + n - 8, 8);
	memcpy(&y, b + n - 8, 8);
	if (x != y)
		return false;
	return n <= 16 || memcmp(a + 8, b + 8, n - 16) == 0;
}

static inline unsigned cache_slot(const char *s, size_t n)
{
	uint64_t a = 0, b = 0;

	if (n >= 8) {
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
	} else {
		memcpy(&a, s, n);
	}
	return (unsigned)(((a * 0x9E3779B97F4A7C15ull) ^
			   (b * 0xC2B2AE3D27D4EB4Full) ^ n) >> 58);
}

static tbr_status apply_summary(struct tbr_run *run,
				const struct tbr_raw_event *ev,
				const uint8_t *payload, size_t len,
				uint64_t offset)
{
	tbr_status st;

	if (!run->has_steps) {
		run->first_step = run->last_step = ev->step;
		run->first_time = run->last_time = ev->wall_time;
		run->has_steps = run->has_times = true;
	}
	if (ev->step < run->first_step)
		run->first_step = ev->step;
	if (ev->step > run->last_step)
		run->last_step = ev->step;
	if (ev->wall_time < run->first_time)
		run->first_time = ev->wall_time;
	if (ev->wall_time > run->last_time)
		run->last_time = ev->wall_time;

	for (size_t i = 0; i < ev->nvalues; i++) {
		const struct tbr_raw_value *v = &ev->values[i];
		unsigned slot = cache_slot(v->tag, v->tag_len);
		struct tbr_tag *t = run->tag_cache[slot];
		struct tbr_num num;
		size_t items, plen;
		bool is_scalar;
		const char *plugin;
		tbr_kind kind;

		if (t && t->name_len == v->tag_len &&
		    same_bytes(t->name, v->tag, v->tag_len) &&
		    (t->raw_plugin[0] || !v->plugin)) {
			plugin = t->raw_plugin;
			plen = t->raw_plugin_len;
		} else {
			plugin = plugin_of(run, v, &plen);
			t = NULL;
		}
		if (v->oneof == 2) { /* simple_value: no plugin needed */
			kind = TBR_KIND_SCALAR;
			num.dtype = TBR_DT_F32;
			num.v.f32 = v->simple_value;
			items = 1;
		} else {
			kind = tbr_classify(v, plugin, plen, &items, &num,
					    &is_scalar);
		}
		if (!t || t->kind != kind) {
			t = tag_get(run, v->tag, v->tag_len, kind, plugin);
			if (!t)
				return TBR_ERR_NOMEM;
			run->tag_cache[slot] = t;
		}
		if (kind == TBR_KIND_SCALAR) {
			st = tbr_series_append_inline(t->series, ev->step,
						      ev->wall_time, &num);
			if (st != TBR_OK)
				return st;
			tag_touch(run, t, ev->step);
			run->counts.scalar_points++;
			continue;
		}
		st = add_ref(run, t, ev, offset, v->index, items, v);
		if (st != TBR_OK)
			return st;
		if (kind == TBR_KIND_HPARAMS) {
			st = tbr_hparams_apply(run, payload, len, v->index);
			if (st == TBR_ERR_NOMEM)
				return st;
		}
	}
	return TBR_OK;
}

static tbr_status apply_event(struct tbr_run *run,
			      const struct tbr_raw_event *ev,
			      const uint8_t *payload, size_t len,
			      uint64_t offset)
{
	struct tbr_tag *t;

	if (ev->what == TBR_WHAT_FILE_VERSION) {
		char vbuf[64];
		size_t n = ev->file_version_len < 63 ? ev->file_version_len : 63;

		memcpy(vbuf, ev->file_version, n);
		vbuf[n] = 0;
		if (!run->file_version) {
			run->file_version = xstrndup((const char *)ev->file_version,
						     ev->file_version_len);
			if (!run->file_version)
				return TBR_ERR_NOMEM;
		}
		if (strncmp(vbuf, "brain.Event:", 12) == 0)
			run->version = strtod(vbuf + 12, NULL);
	}
	purge_check(run, ev);
	switch (ev->what) {
	case TBR_WHAT_SUMMARY:
		return apply_summary(run, ev, payload, len, offset);
	case TBR_WHAT_SESSION_LOG:
		if (ev->session_status == 1)
			run->counts.session_start++;
		else if (ev->session_status == 2)
			run->counts.session_stop++;
		else if (ev->session_status == 3)
			run->counts.session_checkpoint++;
		return TBR_OK;
	case TBR_WHAT_GRAPH_DEF:
		/* TensorBoard shows it as tag __run_graph__, plugin graphs */
		run->counts.graphs++;
		t = tag_get(run, "__run_graph__", 13, TBR_KIND_GRAPH, "graphs");
		if (!t)
			return TBR_ERR_NOMEM;
		return add_ref(run, t, ev, offset, UINT32_MAX, 1, NULL);
	case TBR_WHAT_META_GRAPH_DEF:
		run->counts.meta_graphs++;
		return TBR_OK;
	case TBR_WHAT_TAGGED_RUN_METADATA:
		run->counts.tagged_run_metadata++;
		return TBR_OK;
	default:
		return TBR_OK;
	}
}

static tbr_status on_record(void *ctx, const uint8_t *payload, size_t len,
			    uint64_t offset)
{
	struct tbr_run *run = ctx;
	tbr_status st;

	if (run->ld->opts.use_protobuf_c)
		st = tbr_decode_event_pbc(payload, len, &run->ev);
	else
		st = tbr_decode_event(payload, len, &run->ev);
	if (st != TBR_OK)
		return st;
	return apply_event(run, &run->ev, payload, len, offset);
}

/* -------------------------------------------------------------- refresh */

static bool is_event_file(const char *name)
{
	size_t n = strlen(name);
	static const char skip[] = ".profile-empty";

	if (!strstr(name, "tfevents"))
		return false;
	/* profiler placeholders hold no summaries (TensorBoard skips them) */
	return !(n >= sizeof(skip) - 1 &&
		 strcmp(name + n - (sizeof(skip) - 1), skip) == 0);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Event file names in the run directory, sorted. */
static tbr_status list_files(const char *path, char ***out, size_t *count)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	*count = 0;
	if (!d)
		return TBR_ERR_IO;
	while ((de = readdir(d))) {
		struct stat st;

		if (!is_event_file(de->d_name))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 8;
			char **nn = realloc(names, nc * sizeof(*nn));

			if (!nn)
				goto nomem;
			names = nn;
			cap = nc;
		}
		names[n] = strdup(de->d_name);
		if (!names[n])
			goto nomem;
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	*out = names;
	*count = n;
	return TBR_OK;
nomem:
	closedir(d);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return TBR_ERR_NOMEM;
}

static struct tbr_evfile *find_file(struct tbr_run *run, const char *name)
{
	for (size_t i = 0; i < run->nfiles; i++)
		if (strcmp(run->files[i].name, name) == 0)
			return &run->files[i];
	return NULL;
}

static char *join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = malloc(a + b + 2);

	if (p) {
		memcpy(p, dir, a);
		p[a] = '/';
		memcpy(p + a + 1, name, b + 1);
	}
	return p;
}

/* Does the new listing force a re-read from scratch? */
static bool needs_restart(struct tbr_run *run, char **names, size_t n)
{
	size_t known = 0;

	for (size_t i = 0; i < n; i++) {
		struct tbr_evfile *f = find_file(run, names[i]);
		struct stat st;
		char *p;

		if (!f) {
			/* a new file sorting before one already read */
			if (known < run->nfiles)
				return true;
			continue;
		}
		known++;
		p = join(run->path, names[i]);
		if (!p)
			return false;
		if (stat(p, &st) == 0 &&
		    (st.st_ino != f->ino || st.st_dev != f->dev ||
		     (uint64_t)st.st_size < f->stats.size)) {
			free(p);
			return true;
		}
		free(p);
	}
	return false;
}

tbr_status tbr_run_refresh(struct tbr_run *run, bool *changed)
{
	struct tbr_logdir *ld = run->ld;
	char **names;
	size_t n;
	tbr_status st;
	bool any = false;

	if (changed)
		*changed = false;
	st = list_files(run->path, &names, &n);
	if (st != TBR_OK) {
		run->loaded = true;
		return st;
	}

	if (run->nfiles && needs_restart(run, names, n)) {
		/* Start over; keep how often each file was replaced. */
		struct tbr_evfile *old = run->files;
		size_t nold = run->nfiles;

		free_data(run);
		run->restarts++;
		run->files = NULL;
		run->nfiles = 0;
		st = TBR_OK;
		for (size_t i = 0; i < n; i++) {
			for (size_t j = 0; j < nold; j++)
				if (strcmp(old[j].name, names[i]) == 0)
					old[j].stats.replaced++;
		}
		/* carry the counters over through a temporary list */
		run->files = calloc(n ? n : 1, sizeof(*run->files));
		if (!run->files) {
			free_files(old, nold);
			st = TBR_ERR_NOMEM;
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			run->files[i].name = strdup(names[i]);
			for (size_t j = 0; j < nold; j++)
				if (strcmp(old[j].name, names[i]) == 0)
					run->files[i].stats.replaced =
						old[j].stats.replaced;
		}
		run->nfiles = n;
		free_files(old, nold);
		any = true;
	} else if (n > run->nfiles || !run->files) {
		/* append the new names (they sort after the known ones) */
		struct tbr_evfile *nf = realloc(run->files,
						(n ? n : 1) * sizeof(*nf));
		if (!nf) {
			st = TBR_ERR_NOMEM;
			goto out;
		}
		run->files = nf;
		for (size_t i = 0; i < n; i++) {
			if (find_file(run, names[i]))
				continue;
			memset(&run->files[run->nfiles], 0, sizeof(*nf));
			run->files[run->nfiles].name = strdup(names[i]);
			run->nfiles++;
			any = true;
		}
	}

	for (size_t i = 0; i < run->nfiles; i++) {
		struct tbr_evfile *f = &run->files[i];
		struct tbr_source src;
		struct tbr_walk w;
		char *p;
		uint64_t before_records, before_pos;

		if (!f->name) {
			st = TBR_ERR_NOMEM;
			goto out;
		}
		p = join(run->path, f->name);
		if (!p) {
			st = TBR_ERR_NOMEM;
			goto out;
		}
		if (tbr_source_open(&src, p) != TBR_OK) {
			/* Unreadable (permissions) or vanished since the
			 * listing: keep what was read, and say so. */
			if (f->stats.last_error != TBR_ERR_IO)
				any = true;
			f->stats.last_error = TBR_ERR_IO;
			f->stats.last_error_offset = f->pos;
			free(p);
			continue;
		}
		if (f->stats.last_error == TBR_ERR_IO)
			f->stats.last_error = TBR_OK; /* readable again */
		free(p);
		if (src.size == f->stats.size && src.mtime_ns == f->stats.mtime_ns &&
		    f->ino == src.ino && !f->stats.truncated_tail &&
		    f->pos == f->stats.bytes_read && f->stats.size) {
			tbr_source_close(&src);
			continue; /* unchanged since the last refresh */
		}
		if (f->stats.mtime_ns != src.mtime_ns || f->stats.size != src.size)
			any = true;
		f->dev = src.dev;
		f->ino = src.ino;
		f->stats.size = src.size;
		f->stats.mtime_ns = src.mtime_ns;
		if (src.mtime_ns > run->mtime_ns)
			run->mtime_ns = src.mtime_ns;

		memset(&w, 0, sizeof(w));
		w.pos = f->pos;
		w.max_len = ld->opts.max_record_bytes;
		w.stats = &f->stats;
		w.on_record = on_record;
		w.ctx = run;
		w.buf = ld->buf;
		w.cap = ld->cap;
		run->cur_file = (uint32_t)i;
		before_records = f->stats.records_read + f->stats.records_skipped;
		before_pos = f->pos;
		st = tbr_walk_source(&w, &src);
		ld->buf = w.buf;
		ld->cap = w.cap;
		f->pos = w.pos;
		tbr_source_close(&src);
		if (f->stats.records_read + f->stats.records_skipped != before_records ||
		    f->pos != before_pos)
			any = true;
		if (st == TBR_ERR_NOMEM)
			goto out;
		st = TBR_OK; /* I/O trouble is in the file's counters */
	}
	for (size_t i = 0; i < run->ntags; i++)
		if (run->tags[i]->series)
			tbr_series_compact(run->tags[i]->series);
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (any || !run->loaded) {
		run->generation++;
		if (changed)
			*changed = true;
	}
	run->loaded = true;
	return st;
}

/* -------------------------------------------------------------- getters */

const char *tbr_run_name(const struct tbr_run *run) { return run->name; }
const char *tbr_run_path(const struct tbr_run *run) { return run->path; }
bool tbr_run_gone(const struct tbr_run *run) { return run->gone; }
bool tbr_run_loaded(const struct tbr_run *run) { return run->loaded; }
uint64_t tbr_run_generation(const struct tbr_run *run) { return run->generation; }
uint64_t tbr_run_restarts(const struct tbr_run *run) { return run->restarts; }
size_t tbr_run_file_count(const struct tbr_run *run) { return run->nfiles; }
int64_t tbr_run_mtime_ns(const struct tbr_run *run) { return run->mtime_ns; }
const char *tbr_run_file_version(const struct tbr_run *run)
{
	return run->file_version;
}

const char *tbr_run_file_name(const struct tbr_run *run, size_t i)
{
	return i < run->nfiles ? run->files[i].name : NULL;
}

const struct tbr_file_stats *tbr_run_file_stats(const struct tbr_run *run,
						size_t i)
{
	return i < run->nfiles ? &run->files[i].stats : NULL;
}

bool tbr_run_step_range(const struct tbr_run *run, int64_t *first,
			int64_t *last)
{
	if (!run->has_steps)
		return false;
	*first = run->first_step;
	*last = run->last_step;
	return true;
}

bool tbr_run_time_range(const struct tbr_run *run, double *first,
			double *last)
{
	if (!run->has_times)
		return false;
	*first = run->first_time;
	*last = run->last_time;
	return true;
}

void tbr_run_counts(const struct tbr_run *run, struct tbr_run_counts *out)
{
	*out = run->counts;
}

size_t tbr_run_tag_count(const struct tbr_run *run) { return run->ntags; }

const struct tbr_tag *tbr_run_tag(const struct tbr_run *run, size_t i)
{
	return i < run->ntags ? run->tags[i] : NULL;
}

const struct tbr_tag *tbr_run_find_tag(const struct tbr_run *run,
				       const char *name, tbr_kind kind)
{
	uint32_t idx;

	if (tbr_strmap_get(&run->tag_index, name, strlen(name), kind, &idx))
		return run->tags[idx];
	return NULL;
}

const struct tbr_hparams *tbr_run_hparams(const struct tbr_run *run)
{
	return &run->hp.pub;
}

size_t tbr_run_memory(const struct tbr_run *run)
{
	size_t n = sizeof(*run) + run->cap_tags * sizeof(void *) +
		   tbr_strmap_memory(&run->tag_index) +
		   tbr_strmap_memory(&run->plugin_index) +
		   run->nfiles * sizeof(struct tbr_evfile);

	for (size_t i = 0; i < run->ntags; i++) {
		const struct tbr_tag *t = run->tags[i];

		n += sizeof(*t) + t->name_len + 1 +
		     t->cap_refs * sizeof(struct tbr_evref);
		if (t->series)
			n += tbr_series_memory(t->series);
	}
	for (size_t i = 0; i < run->nplugins; i++)
		n += strlen(run->plugins[i]) + 1;
	return n;
}

/* ------------------------------------------------------------------ tag */

const char *tbr_tag_name(const struct tbr_tag *t) { return t->name; }
tbr_kind tbr_tag_kind(const struct tbr_tag *t) { return t->kind; }
const char *tbr_tag_plugin(const struct tbr_tag *t) { return t->plugin; }
size_t tbr_tag_count(const struct tbr_tag *t) { return t->count; }
size_t tbr_tag_count_unorphaned(const struct tbr_tag *t) { return t->unorphaned; }
int64_t tbr_tag_first_step(const struct tbr_tag *t) { return t->first_step; }
int64_t tbr_tag_last_step(const struct tbr_tag *t) { return t->last_step; }
uint64_t tbr_tag_generation(const struct tbr_tag *t) { return t->generation; }

size_t tbr_tag_scalars(const struct tbr_tag *t, size_t start,
		       struct tbr_scalar *out, size_t n)
{
	if (!t->series)
		return 0;
	return tbr_series_read(t->series, start, out, n);
}

void tbr_tag_scalar_summary(const struct tbr_tag *t, bool skip_orphaned,
			    struct tbr_scalar_summary *out)
{
	struct tbr_scalar buf[1024];
	size_t i = 0, got;

	memset(out, 0, sizeof(*out));
	if (!t->series)
		return;
	while ((got = tbr_series_read(t->series, i, buf, 1024)) > 0) {
		for (size_t k = 0; k < got; k++) {
			const struct tbr_scalar *s = &buf[k];
			double d;

			if (skip_orphaned && s->orphaned)
				continue;
			if (!out->count)
				out->first = *s;
			out->last = *s;
			out->count++;
			d = tbr_num_to_double(&s->value);
			if (!isfinite(d))
				continue;
			if (!out->has_finite || d < out->min)
				out->min = d;
			if (!out->has_finite || d > out->max)
				out->max = d;
			out->has_finite = true;
		}
		i += got;
	}
}

tbr_status tbr_tag_event(const struct tbr_tag *t, size_t i, int64_t *step,
			 double *wall_time)
{
	if (i >= t->count)
		return TBR_ERR_NOT_FOUND;
	if (t->series) {
		struct tbr_scalar s;

		if (tbr_series_read(t->series, i, &s, 1) != 1)
			return TBR_ERR_NOT_FOUND;
		*step = s.step;
		*wall_time = s.wall_time;
		return TBR_OK;
	}
	*step = t->refs[i].step;
	*wall_time = t->refs[i].wall_time;
	return TBR_OK;
}

bool tbr_tag_event_blob_size(const struct tbr_tag *t, size_t i,
			     uint64_t *size)
{
	if (t->series || i >= t->count || !t->refs[i].has_blob_size)
		return false;
	*size = t->refs[i].blob_size;
	return true;
}

size_t tbr_tag_event_items(const struct tbr_tag *t, size_t i)
{
	if (t->series || i >= t->count)
		return 1;
	return t->refs[i].items;
}
