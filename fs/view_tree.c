/*
 * view_tree.c — the runs and the log tree behind the view: scanning
 * LOGDIR, refreshing runs at most once per interval, sidecar files, the
 * directories leading to runs, scopes for aggregate files, and the
 * hyperparameters PyTorch's add_hparams leaves in timestamp child runs.
 *
 * Layer: fs/ view (no FUSE). The reader does the parsing; this file only
 * decides when to ask it, and remembers what the view derives from it.
 */
#include "view_i.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* hparams.yaml: Lightning; metadata.json, config.*: experiment configs;
 * model_summary.txt: Keras/Lightning summaries. Indices 1 and 2 are the
 * JSON ones (TBV_SIDECAR_IS_JSON). */
const char *const tbv_sidecar_names[TBV_NSIDECARS] = {
	"hparams.yaml", "metadata.json", "config.json", "config.yaml",
	"model_summary.txt",
};

double tbv_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static bool due(const struct tbv_view *v, bool done, double last)
{
	return !done || tbv_now() - last >= v->opts.refresh_secs;
}

/* ------------------------------------------------------------- sidecars */

/* Parses a JSON sidecar and keeps its top-level object, if it is one. */
static json_t *load_flat(const char *path, size_t max)
{
	json_t *j = NULL;
	char *data = NULL;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	data = malloc(max + 1);
	if (!data)
		goto out;
	n = read(fd, data, max + 1);
	if (n < 0 || (size_t)n > max)
		goto out;
	j = json_loadb(data, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
	if (j && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
out:
	free(data);
	close(fd);
	return j;
}

/* Re-stats the run's sidecar files; returns true if any changed. */
static bool sidecars_check(struct tbv_view *v, struct tbv_vrun *r)
{
	const char *dir = tbr_run_path(r->run);
	bool changed = false;
	char path[4096];

	for (int i = 0; i < TBV_NSIDECARS; i++) {
		struct tbv_sidecar *sc = &r->sc[i];
		struct tbv_sidecar now = { 0 };
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, tbv_sidecar_names[i]);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    (uint64_t)st.st_size <= v->opts.sidecar_max_bytes) {
			now.present = true;
			now.size = (uint64_t)st.st_size;
			now.mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 +
				       st.st_mtim.tv_nsec;
			now.ino = (uint64_t)st.st_ino;
		}
		if (now.present == sc->present && now.size == sc->size &&
		    now.mtime_ns == sc->mtime_ns && now.ino == sc->ino)
			continue;
		changed = true;
		json_decref(sc->flat);
		now.flat = NULL;
		if (now.present && TBV_SIDECAR_IS_JSON(i))
			now.flat = load_flat(path, v->opts.sidecar_max_bytes);
		*sc = now;
	}
	return changed;
}

/* ----------------------------------------------------------------- runs */

static uint64_t vrun_compute_gen(const struct tbv_vrun *r)
{
	uint64_t g = tbv_mix(r->serial, tbr_run_generation(r->run));

	g = tbv_mix(g, r->epoch);
	for (int i = 0; i < TBV_NSIDECARS; i++) {
		const struct tbv_sidecar *sc = &r->sc[i];
		g = tbv_mix(g, sc->present);
		g = tbv_mix(g, sc->size);
		g = tbv_mix(g, (uint64_t)sc->mtime_ns);
		g = tbv_mix(g, sc->ino);
	}
	return g;
}

/* Says once per new problem which records of which file were skipped,
 * so a user watching the daemon's log learns about damage as it is met
 * (status.json and run.json keep the totals). */
static void log_skips(struct tbv_view *v, struct tbv_vrun *r)
{
	size_t n = tbr_run_file_count(r->run);

	if (n > r->nskipped) {
		uint64_t *s = realloc(r->skipped, n * sizeof(*s));

		if (!s)
			return;
		memset(s + r->nskipped, 0, (n - r->nskipped) * sizeof(*s));
		r->skipped = s;
		r->nskipped = n;
	}
	for (size_t i = 0; i < n; i++) {
		const struct tbr_file_stats *fs = tbr_run_file_stats(r->run, i);
		char msg[1024];

		if (fs->records_skipped == r->skipped[i])
			continue;
		if (fs->records_skipped > r->skipped[i] && v->log) {
			snprintf(msg, sizeof(msg),
				 "warning: %s/%s: skipped %llu damaged record%s "
				 "(last: %s at byte %llu); the records around "
				 "them are read",
				 r->name, tbr_run_file_name(r->run, i),
				 (unsigned long long)(fs->records_skipped -
						      r->skipped[i]),
				 fs->records_skipped - r->skipped[i] == 1 ? "" : "s",
				 tbr_strerror(fs->last_error),
				 (unsigned long long)fs->last_error_offset);
			v->log(v->log_ud, msg);
		}
		r->skipped[i] = fs->records_skipped;
	}
}

void tbv_vrun_ensure(struct tbv_view *v, struct tbv_vrun *r)
{
	uint64_t replaced = 0;
	bool changed = false;
	size_t mem;

	if (r->call_seen == v->call && r->refreshed)
		return;
	r->call_seen = v->call;
	if (!due(v, r->refreshed, r->last_refresh))
		return;
	/* Contents still being written, and the counter, read the series
	 * as they are. */
	tbv_rows_settle(v, r);
	tbv_counter_quiesce(v->counter);
	/* An unreadable run directory keeps the data read so far. */
	v->refreshing = r;
	(void)tbr_run_refresh(r->run, &changed);
	v->refreshing = NULL;
	tbv_counter_flush(v->counter);
	r->refreshed = true;
	r->last_refresh = tbv_now();
	for (size_t i = 0; i < tbr_run_file_count(r->run); i++)
		replaced += tbr_run_file_stats(r->run, i)->replaced;
	/* Re-read files restart the reader's counters; never reuse a
	 * generation seen before that. */
	if (replaced != r->replaced)
		r->epoch++;
	r->replaced = replaced;
	log_skips(v, r);
	sidecars_check(v, r);
	r->gen = vrun_compute_gen(r);
	/* The index only changes with the data (also when a re-read from
	 * scratch gives memory back); counting it walks the run's blocks,
	 * too slow for every call with refresh=0. */
	if (changed) {
		mem = tbr_run_memory(r->run);
		v->reader_bytes = v->reader_bytes - r->mem + mem;
		r->mem = mem;
	}
}

void tbv_vrun_free(struct tbv_vrun *r)
{
	if (!r)
		return;
	for (int i = 0; i < TBV_NSIDECARS; i++)
		json_decref(r->sc[i].flat);
	tbv_map_clear(&r->pages, tbv_pages_free);
	free(r->skipped);
	free(r->name);
	free(r);
}

static struct tbv_vrun *vrun_get(struct tbv_view *v, struct tbr_run *run)
{
	struct tbv_vrun *r = tbv_map_get(&v->vrun_by_ptr, &run, sizeof(run));

	if (r)
		return r;
	if (v->nvruns == v->capvruns) {
		size_t cap = v->capvruns ? v->capvruns * 2 : 64;
		struct tbv_vrun **a = realloc(v->vruns, cap * sizeof(*a));
		if (!a)
			return NULL;
		v->vruns = a;
		v->capvruns = cap;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->run = run;
	r->name = strdup(tbr_run_name(run));
	r->serial = ++v->next_serial;
	if (!r->name || tbv_map_put(&v->vrun_by_ptr, &run, sizeof(run), r)) {
		tbv_vrun_free(r);
		return NULL;
	}
	v->vruns[v->nvruns++] = r;
	return r;
}

/* ------------------------------------------------------------- log tree */

static void dnode_free(void *p)
{
	struct tbv_dnode *d = p;

	free(d->prefix);
	free(d->ename);
	free(d->mpath);
	free(d->kids);
	free(d);
}

void tbv_dtree_free(struct tbv_view *v)
{
	tbv_map_clear(&v->dnodes, dnode_free);
	v->droot = NULL;
}

struct tbv_dnode *tbv_dnode_find(struct tbv_view *v, const char *prefix)
{
	return tbv_map_get(&v->dnodes, prefix, strlen(prefix));
}

static struct tbv_dnode *dnode_new(struct tbv_view *v,
				   struct tbv_dnode *parent,
				   const char *prefix, size_t plen,
				   const char *comp, size_t clen)
{
	struct tbv_dnode *d = calloc(1, sizeof(*d));
	char name[TBV_NAME_MAX];

	if (!d)
		return NULL;
	d->parent = parent;
	d->prefix = strndup(prefix, plen);
	if (parent) {
		tbv_name_logdir(comp, clen, parent == v->droot, name);
		d->ename = strdup(name);
	} else {
		d->ename = strdup("");
	}
	if (!d->prefix || !d->ename)
		goto fail;
	if (tbv_map_put(&v->dnodes, d->prefix, plen, d))
		goto fail;
	if (parent) {
		if (parent->nkids == parent->capkids) {
			size_t cap = parent->capkids ? parent->capkids * 2 : 4;
			struct tbv_dnode **k =
				realloc(parent->kids, cap * sizeof(*k));
			if (!k) {
				tbv_map_del(&v->dnodes, d->prefix, plen);
				goto fail;
			}
			parent->kids = k;
			parent->capkids = cap;
		}
		parent->kids[parent->nkids++] = d;
	}
	return d;
fail:
	dnode_free(d);
	return NULL;
}

static int dtree_add(struct tbv_view *v, struct tbv_vrun *r)
{
	const char *name = r->name;
	struct tbv_dnode *d = v->droot;
	size_t start = 0, len = strlen(name);

	/* The run "." lives in the root's own directory; it is shown as
	 * the child "%2E" (tbv_escape of ".") and has no subdirectories. */
	for (;;) {
		const char *slash = memchr(name + start, '/', len - start);
		size_t end = slash ? (size_t)(slash - name) : len;
		struct tbv_dnode *k = tbv_map_get(&v->dnodes, name, end);

		if (!k) {
			k = dnode_new(v, d, name, end, name + start, end - start);
			if (!k)
				return -ENOMEM;
		}
		d = k;
		if (!slash)
			break;
		start = end + 1;
	}
	d->run = r;
	{
		const char *comp = strrchr(name, '/');
		d->ts_run = tbv_name_is_timestamp(comp ? comp + 1 : name);
	}
	return 0;
}

static int cmp_dnode(const void *a, const void *b)
{
	const struct tbv_dnode *x = *(struct tbv_dnode *const *)a;
	const struct tbv_dnode *y = *(struct tbv_dnode *const *)b;

	return strcmp(x->ename, y->ename);
}

/* Sorts children, computes mount paths and run counts. */
static int dtree_finish(struct tbv_dnode *d)
{
	d->nruns = d->run ? 1 : 0;
	tbv_qsort(d->kids, d->nkids, sizeof(*d->kids), cmp_dnode);
	for (size_t i = 0; i < d->nkids; i++) {
		struct tbv_dnode *k = d->kids[i];
		size_t pl = strlen(d->mpath), el = strlen(k->ename);

		k->mpath = malloc(pl + el + 2);
		if (!k->mpath)
			return -ENOMEM;
		if (pl) {
			memcpy(k->mpath, d->mpath, pl);
			k->mpath[pl] = '/';
			memcpy(k->mpath + pl + 1, k->ename, el + 1);
		} else {
			memcpy(k->mpath, k->ename, el + 1);
		}
		if (dtree_finish(k))
			return -ENOMEM;
		d->nruns += k->nruns;
	}
	return 0;
}

static int dtree_build(struct tbv_view *v)
{
	size_t n = tbr_logdir_run_count(v->ld);
	struct tbv_vrun **live;
	size_t nlive = 0;
	int err = -ENOMEM;

	live = calloc(n ? n : 1, sizeof(*live));
	if (!live)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct tbr_run *run = tbr_logdir_run(v->ld, i);
		struct tbv_vrun *r;

		if (tbr_run_gone(run))
			continue;
		r = vrun_get(v, run);
		if (!r)
			goto fail;
		live[nlive++] = r;
	}
	tbv_dtree_free(v);
	v->droot = dnode_new(v, NULL, "", 0, NULL, 0);
	if (!v->droot)
		goto fail;
	v->droot->mpath = strdup("");
	if (!v->droot->mpath)
		goto fail;
	for (size_t i = 0; i < nlive; i++)
		if (dtree_add(v, live[i]))
			goto fail;
	if (dtree_finish(v->droot))
		goto fail;
	free(v->live);
	v->live = live;
	v->nlive = nlive;
	v->tree_version++;
	return 0;
fail:
	/* Leave an empty but consistent tree; the next scan retries. */
	tbv_dtree_free(v);
	v->droot = dnode_new(v, NULL, "", 0, NULL, 0);
	if (v->droot)
		v->droot->mpath = strdup("");
	free(live);
	free(v->live);
	v->live = NULL;
	v->nlive = 0;
	v->scanned = false;
	v->tree_version++;
	return err;
}

int tbv_view_scan(struct tbv_view *v)
{
	bool changed = false;
	tbr_status st;

	if (v->scan_call == v->call && v->scanned)
		return 0;
	v->scan_call = v->call;
	if (!due(v, v->scanned, v->last_scan))
		return 0;
	st = tbr_logdir_scan(v->ld, &changed);
	if (st != TBR_OK && !v->scanned && st == TBR_ERR_NOMEM)
		return -ENOMEM;
	v->last_scan = tbv_now();
	if (!v->scanned || changed || !v->droot) {
		v->scanned = true;
		return dtree_build(v);
	}
	return 0;
}

const char *tbv_vrun_mpath(struct tbv_view *v, const struct tbv_vrun *r)
{
	struct tbv_dnode *d = tbv_dnode_find(v, r->name);

	return d && d->run == r ? d->mpath : NULL;
}

/* --------------------------------------------------------------- scopes */

static int cmp_vrun(const void *a, const void *b)
{
	const struct tbv_vrun *x = *(struct tbv_vrun *const *)a;
	const struct tbv_vrun *y = *(struct tbv_vrun *const *)b;

	return strcmp(x->name, y->name);
}

static void collect(struct tbv_dnode *d, struct tbv_vrun **out, size_t *n)
{
	if (d->run)
		out[(*n)++] = d->run;
	for (size_t i = 0; i < d->nkids; i++)
		collect(d->kids[i], out, n);
}

int tbv_scope_get(struct tbv_view *v, struct tbv_dnode *dir,
		  struct tbv_scope *s)
{
	size_t plen = strlen(dir->prefix);

	memset(s, 0, sizeof(*s));
	s->dir = dir;
	s->runs = calloc(dir->nruns ? dir->nruns : 1, sizeof(*s->runs));
	s->rel = calloc(dir->nruns ? dir->nruns : 1, sizeof(*s->rel));
	if (!s->runs || !s->rel) {
		tbv_scope_free(s);
		return -ENOMEM;
	}
	collect(dir, s->runs, &s->n);
	tbv_qsort(s->runs, s->n, sizeof(*s->runs), cmp_vrun);
	for (size_t i = 0; i < s->n; i++) {
		const char *name = s->runs[i]->name;

		if (dir == v->droot)
			s->rel[i] = name;
		else if (strcmp(name, dir->prefix) == 0)
			s->rel[i] = ".";
		else
			s->rel[i] = name + plen + 1;
		tbv_vrun_ensure(v, s->runs[i]);
	}
	return 0;
}

void tbv_scope_free(struct tbv_scope *s)
{
	free(s->runs);
	free(s->rel);
	memset(s, 0, sizeof(*s));
}

uint64_t tbv_scope_gen(struct tbv_view *v, const struct tbv_scope *s)
{
	uint64_t g = tbv_mix(0x5c09e, v->tree_version);

	for (size_t i = 0; i < s->n; i++)
		g = tbv_mix(g, s->runs[i]->gen);
	return g;
}

/* -------------------------------------------------------------- hparams */

static bool has_hparams(const struct tbr_hparams *h)
{
	return h && (h->count || h->has_session_start || h->has_experiment ||
		     h->has_session_end);
}

/* The add_hparams children of @r: timestamp-named child runs. Those of
 * the run "." are top-level runs, children of the root. */
static size_t ts_children(struct tbv_view *v, struct tbv_vrun *r,
			  struct tbv_dnode ***out)
{
	struct tbv_dnode *d;

	*out = NULL;
	if (strcmp(r->name, ".") == 0) {
		d = v->droot;
	} else {
		d = tbv_dnode_find(v, r->name);
		if (d && d->run != r)
			d = NULL;
	}
	if (!d)
		return 0;
	*out = d->kids;
	return d->nkids;
}

/* The nearest ancestor run with a session start. TF2's hp.hparams writes
 * it in the session run and the metrics in train/ and validation/ below
 * it; TensorBoard attaches those metrics to the session, so runs without
 * hyperparameters of their own inherit the session's (runs.csv can then
 * rank train/ and validation/ runs by their hyperparameters). */
static struct tbv_vrun *session_ancestor(struct tbv_view *v,
					 struct tbv_vrun *r)
{
	struct tbv_dnode *d;

	if (!strcmp(r->name, "."))
		return NULL;
	d = tbv_dnode_find(v, r->name);
	for (d = d ? d->parent : NULL; d; d = d->parent) {
		struct tbv_vrun *a = d->run;

		if (d == v->droot) {
			/* the run "." is the root directory's own run */
			struct tbv_dnode *dot = tbv_dnode_find(v, ".");
			a = dot ? dot->run : NULL;
		}
		if (!a)
			continue;
		tbv_vrun_ensure(v, a);
		if (tbr_run_hparams(a->run)->has_session_start)
			return a;
	}
	return NULL;
}

/* Whether @r shows hyperparameters of its own or of add_hparams
 * children (then it inherits nothing). */
static bool own_hparams(struct tbv_view *v, struct tbv_vrun *r)
{
	struct tbv_dnode **kids;
	size_t n = ts_children(v, r, &kids);

	if (has_hparams(tbr_run_hparams(r->run)))
		return true;
	for (size_t i = 0; i < n; i++)
		if (kids[i]->ts_run && kids[i]->run)
			return true;
	return false;
}

uint64_t tbv_vrun_hparams_gen(struct tbv_view *v, struct tbv_vrun *r)
{
	struct tbv_dnode **kids;
	size_t n = ts_children(v, r, &kids);
	uint64_t g = tbv_mix(r->gen, 0x4a7);

	for (size_t i = 0; i < n; i++) {
		if (!kids[i]->ts_run || !kids[i]->run)
			continue;
		tbv_vrun_ensure(v, kids[i]->run);
		g = tbv_mix(g, kids[i]->run->gen);
	}
	if (!own_hparams(v, r)) {
		struct tbv_vrun *a = session_ancestor(v, r);

		if (a)
			g = tbv_mix(g, tbv_mix(a->gen, a->serial));
	}
	return g;
}

bool tbv_vrun_has_hparams(struct tbv_view *v, struct tbv_vrun *r)
{
	return own_hparams(v, r) || session_ancestor(v, r) != NULL;
}

static int hp_add(struct tbv_hp **a, size_t *n, size_t *cap,
		  const struct tbr_hparam *p, const struct tbv_vrun *from,
		  bool replace)
{
	for (size_t i = 0; i < *n; i++) {
		if (strcmp((*a)[i].p->name, p->name) == 0) {
			if (replace) {
				(*a)[i].p = p;
				(*a)[i].from = from;
			}
			return 0;
		}
	}
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		struct tbv_hp *x = realloc(*a, c * sizeof(*x));
		if (!x)
			return -ENOMEM;
		*a = x;
		*cap = c;
	}
	(*a)[*n].p = p;
	(*a)[*n].from = from;
	(*n)++;
	return 0;
}

static int cmp_hp(const void *a, const void *b)
{
	return strcmp(((const struct tbv_hp *)a)->p->name,
		      ((const struct tbv_hp *)b)->p->name);
}

int tbv_vrun_hparams(struct tbv_view *v, struct tbv_vrun *r,
		     struct tbv_hp **out, size_t *nout)
{
	const struct tbr_hparams *own = tbr_run_hparams(r->run);
	struct tbv_dnode **kids;
	size_t nk = ts_children(v, r, &kids);
	struct tbv_hp *a = NULL;
	size_t n = 0, cap = 0;
	size_t nown = own ? own->count : 0;

	for (size_t i = 0; i < nown; i++)
		if (hp_add(&a, &n, &cap, &own->params[i], r, false))
			goto fail;
	for (size_t k = 0; k < nk; k++) {
		struct tbv_vrun *c = kids[k]->run;
		const struct tbr_hparams *h;

		if (!kids[k]->ts_run || !c)
			continue;
		tbv_vrun_ensure(v, c);
		h = tbr_run_hparams(c->run);
		for (size_t i = 0; h && i < h->count; i++) {
			/* Own values win over attached ones. */
			bool is_own = false;
			for (size_t j = 0; j < nown; j++)
				if (!strcmp(own->params[j].name,
					    h->params[i].name))
					is_own = true;
			if (!is_own &&
			    hp_add(&a, &n, &cap, &h->params[i], c, true))
				goto fail;
		}
	}
	if (!n) {
		struct tbv_vrun *anc = session_ancestor(v, r);
		const struct tbr_hparams *h = anc ? tbr_run_hparams(anc->run) : NULL;

		for (size_t i = 0; h && i < h->count; i++)
			if (hp_add(&a, &n, &cap, &h->params[i], anc, false))
				goto fail;
	}
	tbv_qsort(a, n, sizeof(*a), cmp_hp);
	*out = a;
	*nout = n;
	return 0;
fail:
	free(a);
	*out = NULL;
	*nout = 0;
	return -ENOMEM;
}

/* ----------------------------------------------------------------- tags */

uint64_t tbv_tag_gen(const struct tbv_vrun *r, const struct tbr_tag *t)
{
	uint64_t g;

	if (!t)
		return 0;
	g = tbv_mix(r->serial, r->epoch);
	g = tbv_mix(g, tbr_tag_generation(t));
	return tbv_mix(g, tbr_tag_count(t));
}

static const char *kind_dir(tbr_kind k)
{
	switch (k) {
	case TBR_KIND_SCALAR: return "scalars";
	case TBR_KIND_HISTOGRAM: return "histograms";
	case TBR_KIND_IMAGE: return "images";
	case TBR_KIND_AUDIO: return "audio";
	case TBR_KIND_TEXT: return "text";
	case TBR_KIND_TENSOR: return "tensors";
	default: return NULL;
	}
}

void tbv_tag_file_path(struct tbv_view *v, const struct tbv_vrun *r,
		       const struct tbr_tag *t, struct tbv_buf *b)
{
	const char *mpath = tbv_vrun_mpath(v, r);
	tbr_kind k = tbr_tag_kind(t);
	const char *dir = kind_dir(k);
	const char *name = tbr_tag_name(t);
	bool blob = k == TBR_KIND_IMAGE || k == TBR_KIND_AUDIO;
	char comp[TBV_NAME_MAX];
	size_t start = 0, len = strlen(name);

	if (!mpath)
		return;
	if (k == TBR_KIND_HPARAMS) {
		tbv_buf_puts(b, mpath);
		tbv_buf_puts(b, "/hparams.json");
		return;
	}
	if (!dir)
		return;
	tbv_buf_puts(b, mpath);
	tbv_buf_putc(b, '/');
	tbv_buf_puts(b, dir);
	for (;;) {
		const char *slash = memchr(name + start, '/', len - start);
		size_t end = slash ? (size_t)(slash - name) : len;
		size_t n = blob ? tbv_name_blobdir(name + start, end - start,
						   comp)
				: tbv_name_tagcomp(name + start, end - start,
						   comp);
		tbv_buf_putc(b, '/');
		tbv_buf_put(b, comp, n);
		if (!slash)
			break;
		start = end + 1;
	}
	if (k == TBR_KIND_TENSOR)
		tbv_buf_puts(b, ".json");
	else if (!blob)
		tbv_buf_puts(b, ".csv");
}
