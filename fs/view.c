/*
 * view.c — the log tree as a tree of files: inodes, lookups, attributes,
 * directory snapshots and file snapshots (the API of view.h).
 *
 * Layer: fs/ view (no FUSE header). Both the FUSE glue and the exporter
 * drive it; renderers (render_*.c) make the bytes.
 *
 * Model. Every path ever looked up gets a node whose inode number is its
 * index + 1 (root = 1) and stays bound to that path until the view is
 * closed: nodes are never reused. A node holds a descriptor (what it
 * shows) and, for directories, a listing cached under a generation; a
 * node is valid when its parent's fresh listing still contains it.
 *
 * Freshness. LOGDIR is rescanned, and each run refreshed, at most once per
 * refresh interval and at most once per API call (so reader pointers
 * taken during a call stay valid). A file's generation is computed from
 * the reader generations of the data it derives from; its size is
 * remembered per generation so getattr renders only when data changed,
 * and rendered bytes are kept in an LRU cache capped at cache_bytes (by
 * default sized by the reader's index: cache_cap, cache_keep). A file bigger
 * than the cap is kept by nobody but the opens serving it: getattr
 * renders it, notes its size and frees it, and each open renders it
 * again (the same bytes, as the generation is the same). Image and audio
 * bytes are never cached: they are loaded on open only.
 */
#include "view_i.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct tbv_centry {
	struct tbv_centry *prev, *next;
	struct tbv_node *node;
	uint64_t gen;
	struct tbv_content *c;
};

struct tbv_dirent {
	const char *name;
	tbv_ino ino;
	mode_t mode;
};

struct tbv_dirlist {
	size_t n;
	struct tbv_dirent *e;
};

void tbv_set_logger(struct tbv_view *v, tbv_log_fn fn, void *ud)
{
	v->log = fn;
	v->log_ud = ud;
}

void tbv_options_default(struct tbv_options *o)
{
	memset(o, 0, sizeof(*o));
	o->refresh_secs = 2.0;
	o->cache_bytes = TBV_CACHE_AUTO;
	o->purge_orphaned = false;
	o->uid = getuid();
	o->gid = getgid();
	o->sidecar_max_bytes = (size_t)1 << 20;
}

int tbv_errno(tbr_status st)
{
	switch (st) {
	case TBR_OK:
	case TBR_END:
		return 0;
	case TBR_ERR_NOMEM:
		return -ENOMEM;
	case TBR_ERR_NOT_FOUND:
		return -ENOENT;
	case TBR_ERR_INVALID:
		return -EINVAL;
	default:
		return -EIO;
	}
}

static bool is_dir(const struct tbv_node *n)
{
	return n->d.type == NT_LDIR || n->d.type == NT_TAGDIR ||
	       n->d.type == NT_CMPDIR || n->d.type == NT_CMPTAGDIR;
}

/* ---------------------------------------------------------------- cache */

/* The most bytes one cached file may have: the option, or by default
 * the reader's index size (at least TBV_CACHE_MIN), which grows with the
 * logs actually read. */
static size_t cache_cap(const struct tbv_view *v)
{
	if (v->opts.cache_bytes != TBV_CACHE_AUTO)
		return v->opts.cache_bytes;
	return v->reader_bytes > TBV_CACHE_MIN ? v->reader_bytes
					       : TBV_CACHE_MIN;
}

/* The bytes the cache keeps in all once @cap allowed a new entry. By
 * default half the cap, unless the newest file alone is bigger: the index
 * is what the daemon needs anyway, and the cache then keeps the whole
 * within about twice that. Half is plenty for the opens that follow a
 * stat (they ask for the newest file) and for re-reads of small files;
 * a file up to the whole cap is still kept alone, as the biggest files
 * cost the most to render again. */
static size_t cache_keep(const struct tbv_view *v, size_t cap)
{
	return v->opts.cache_bytes == TBV_CACHE_AUTO ? cap / 2 : cap;
}

/* --------------------------------------------------------- rows files */

/* A rows content is listed in v->pending, and pins the runs it reads,
 * until all its bytes are written. */
static void pending_unlink(struct tbv_content *c)
{
	struct tbv_view *v = c->view;

	if (!v)
		return;
	if (c->pprev)
		c->pprev->pnext = c->pnext;
	else
		v->pending = c->pnext;
	if (c->pnext)
		c->pnext->pprev = c->pprev;
	c->pprev = c->pnext = NULL;
	c->view = NULL;
	tbv_rows_pin(c->rows, -1);
}

/* All bytes written: the content becomes a plain buffer. */
static void rows_settled(struct tbv_content *c)
{
	pending_unlink(c);
	c->owned = tbv_rows_take_buf(c->rows);
	c->data = c->owned;
	tbv_rows_free(c->rows);
	c->rows = NULL;
}

static void content_unref(struct tbv_content *c)
{
	if (!c || --c->refs)
		return;
	if (c->rows) {
		pending_unlink(c);
		tbv_rows_free(c->rows);
	}
	free(c->owned);
	tbr_payload_free(c->payload);
	free(c);
}

static void lru_unlink(struct tbv_view *v, struct tbv_centry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		v->lru_head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		v->lru_tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push(struct tbv_view *v, struct tbv_centry *e)
{
	e->prev = NULL;
	e->next = v->lru_head;
	if (v->lru_head)
		v->lru_head->prev = e;
	v->lru_head = e;
	if (!v->lru_tail)
		v->lru_tail = e;
}

static void cache_drop(struct tbv_view *v, struct tbv_centry *e)
{
	lru_unlink(v, e);
	v->cache_used -= e->c->size;
	v->cache_count--;
	e->node->ce = NULL;
	content_unref(e->c);
	free(e);
}

/* Keeps @c (one more reference) as @n's rendered bytes for @gen. */
static void cache_put(struct tbv_view *v, struct tbv_node *n, uint64_t gen,
		      struct tbv_content *c)
{
	size_t cap = cache_cap(v);
	struct tbv_centry *e;

	if (n->ce)
		cache_drop(v, n->ce);
	if (c->size > cap)
		return;
	e = calloc(1, sizeof(*e));
	if (!e)
		return; /* caching is optional */
	e->node = n;
	e->gen = gen;
	e->c = c;
	c->refs++;
	n->ce = e;
	lru_push(v, e);
	v->cache_used += c->size;
	v->cache_count++;
	cap = cache_keep(v, cap);
	while (v->cache_used > cap && v->lru_tail && v->lru_tail != e)
		cache_drop(v, v->lru_tail);
}

/* ---------------------------------------------------------------- nodes */

static struct tbv_node *node_at(struct tbv_view *v, tbv_ino ino)
{
	if (ino < 1 || ino > v->nnodes)
		return NULL;
	return v->nodes[ino - 1];
}

static size_t name_key(char *key, tbv_ino parent, const char *name)
{
	size_t len = strlen(name);

	memcpy(key, &parent, sizeof(parent));
	memcpy(key + sizeof(parent), name, len);
	return sizeof(parent) + len;
}

/* The node for @name in @parent, created if new. Takes @d's strings. */
static struct tbv_node *node_child(struct tbv_view *v, tbv_ino parent,
				   const char *name, struct tbv_desc *d)
{
	char key[sizeof(tbv_ino) + TBV_NAME_MAX + 64];
	size_t klen;
	struct tbv_node *n;

	if (strlen(name) >= TBV_NAME_MAX + 56)
		return NULL;
	klen = name_key(key, parent, name);
	n = tbv_map_get(&v->names, key, klen);
	if (n) {
		if (n->d.type != d->type) {
			/* Never happens under escape.c's rules; keep the
			 * node coherent anyway. */
			n->size_valid = n->kids_valid = n->served = false;
			n->mtime_valid = n->opened = false;
			if (n->ce)
				cache_drop(v, n->ce);
		}
		tbv_desc_clear(&n->d);
		n->d = *d;
		memset(d, 0, sizeof(*d));
		return n;
	}
	if (v->nnodes == v->capnodes) {
		size_t cap = v->capnodes ? v->capnodes * 2 : 1024;
		struct tbv_node **a = realloc(v->nodes, cap * sizeof(*a));
		if (!a)
			return NULL;
		v->nodes = a;
		v->capnodes = cap;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->name = strdup(name);
	if (!n->name)
		goto fail;
	n->parent = parent;
	n->ino = v->nnodes + 1;
	if (tbv_map_put(&v->names, key, klen, n))
		goto fail;
	n->d = *d;
	memset(d, 0, sizeof(*d));
	v->nodes[v->nnodes++] = n;
	return n;
fail:
	free(n->name);
	free(n);
	return NULL;
}

static void node_free(struct tbv_node *n)
{
	tbv_desc_clear(&n->d);
	free(n->kids);
	free(n->name);
	free(n);
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct tbv_entry *)a)->name,
		      ((const struct tbv_entry *)b)->name);
}

/* Brings @dn's cached listing up to date. */
static int dir_listing(struct tbv_view *v, struct tbv_node *dn)
{
	struct tbv_entries es = { 0 };
	struct tbv_node **kids = NULL;
	size_t nk = 0;
	uint64_t gen;
	int err;

	err = tbv_list_gen(v, dn, &gen);
	if (err)
		return err;
	if (dn->kids_valid && dn->kids_gen == gen)
		return 0;
	err = tbv_list_build(v, dn, &es);
	if (err)
		goto out;
	tbv_qsort(es.e, es.n, sizeof(*es.e), cmp_entry);
	kids = malloc((es.n ? es.n : 1) * sizeof(*kids));
	if (!kids) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < es.n; i++) {
		struct tbv_node *k;

		/* Same name twice means the same thing twice (one
		 * directory reached from several tags). */
		if (i && !strcmp(es.e[i].name, es.e[i - 1].name))
			continue;
		k = node_child(v, dn->ino, es.e[i].name, &es.e[i].d);
		if (!k) {
			err = -ENOMEM;
			goto out;
		}
		kids[nk++] = k;
	}
	free(dn->kids);
	dn->kids = kids;
	dn->nkids = nk;
	dn->kids_gen = gen;
	dn->kids_valid = true;
	kids = NULL;
out:
	free(kids);
	tbv_entries_free(&es);
	return err;
}

static struct tbv_node *dir_find(struct tbv_node *dn, const char *name)
{
	size_t lo = 0, hi = dn->nkids;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, dn->kids[mid]->name);
		if (!c)
			return dn->kids[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Checks that @n still exists, refreshing what it derives from. */
static int node_valid(struct tbv_view *v, struct tbv_node *n)
{
	struct tbv_node *p;
	int err;

	err = tbv_view_scan(v);
	if (err)
		return err;
	if (n->d.type == NT_LDIR)
		return tbv_dnode_find(v, n->d.scope) ? 0 : -ENOENT;
	p = node_at(v, n->parent);
	if (!p)
		return -ENOENT;
	err = node_valid(v, p);
	if (!err)
		err = dir_listing(v, p);
	if (err)
		return err;
	return dir_find(p, n->name) == n ? 0 : -ENOENT;
}

/* ------------------------------------------------------- generations */

static int root_scope(struct tbv_view *v, const char *prefix,
		      struct tbv_scope *s)
{
	struct tbv_dnode *dn = tbv_dnode_find(v, prefix);

	if (!dn)
		return -ENOENT;
	return tbv_scope_get(v, dn, s);
}

static const struct tbr_tag *node_tag(struct tbv_view *v, struct tbv_node *n)
{
	tbv_vrun_ensure(v, n->d.run);
	return tbr_run_find_tag(n->d.run->run, n->d.tag, (tbr_kind)n->d.kind);
}

/* The generation of a file's content (sources refreshed). */
static int file_gen(struct tbv_view *v, struct tbv_node *n, uint64_t *gen)
{
	const struct tbr_tag *t;
	struct tbv_scope s;
	struct tbv_sidecar *sc;
	uint64_t g = tbv_mix(n->d.type, n->d.fmt);
	int err;

	switch (n->d.type) {
	case NT_ROOTFILE:
		err = root_scope(v, "", &s);
		if (err)
			return err;
		g = tbv_mix(g, tbv_scope_gen(v, &s));
		/* Each run's view-side inputs (hparams children) are in
		 * the scope; purge is constant for the view. */
		tbv_scope_free(&s);
		break;
	case NT_RUNFILE:
		tbv_vrun_ensure(v, n->d.run);
		if (n->d.fmt == UF_HPARAMS_JSON)
			g = tbv_mix(g, tbv_vrun_hparams_gen(v, n->d.run));
		else
			g = tbv_mix(g, n->d.run->gen);
		break;
	case NT_SIDECAR:
		tbv_vrun_ensure(v, n->d.run);
		sc = &n->d.run->sc[n->d.fmt];
		if (!sc->present)
			return -ENOENT;
		g = tbv_mix(g, sc->size);
		g = tbv_mix(g, (uint64_t)sc->mtime_ns);
		g = tbv_mix(g, sc->ino);
		break;
	case NT_TAGFILE:
	case NT_BLOB:
	case NT_MD:
		t = node_tag(v, n);
		if (!t)
			return -ENOENT;
		g = tbv_mix(g, tbv_tag_gen(n->d.run, t));
		g = tbv_mix(g, n->d.ev);
		g = tbv_mix(g, n->d.item);
		break;
	case NT_CMPFILE:
		err = root_scope(v, n->d.scope, &s);
		if (err)
			return err;
		g = tbv_mix(g, v->tree_version);
		for (size_t i = 0; i < s.n; i++) {
			t = tbr_run_find_tag(s.runs[i]->run, n->d.tag,
					     TBR_KIND_SCALAR);
			g = tbv_mix(g, s.runs[i]->serial);
			g = tbv_mix(g, tbv_tag_gen(s.runs[i], t));
		}
		tbv_scope_free(&s);
		break;
	default:
		return -EISDIR;
	}
	*gen = g;
	return 0;
}

/* ----------------------------------------------------------- rendering */

static int read_sidecar(struct tbv_view *v, struct tbv_node *n,
			struct tbv_buf *b)
{
	const char *dir = tbr_run_path(n->d.run->run);
	size_t max = v->opts.sidecar_max_bytes;
	char *path;
	FILE *f;
	size_t got;
	int err = 0;

	if (asprintf(&path, "%s/%s", dir, tbv_sidecar_names[n->d.fmt]) < 0)
		return -ENOMEM;
	f = fopen(path, "rb");
	free(path);
	if (!f)
		return errno == ENOENT ? -ENOENT : -EIO;
	/* Byte for byte, up to the cap (a file that grew past it since the
	 * last check is cut at the cap rather than shown in part). */
	if (!tbv_buf_tail(b, max + 1)) {
		err = -ENOMEM;
		goto out;
	}
	got = fread(b->p + b->len, 1, max + 1, f);
	if (ferror(f))
		err = -EIO;
	else if (got > max)
		err = -EFBIG;
	else
		b->len += got;
out:
	fclose(f);
	return err;
}

static int render_blob(struct tbv_view *v, struct tbv_node *n,
		       struct tbv_content **out)
{
	const struct tbr_tag *t = node_tag(v, n);
	struct tbr_payload *p = NULL;
	struct tbv_content *c;
	tbr_status st;

	if (!t)
		return -ENOENT;
	st = tbr_tag_load(n->d.run->run, t, n->d.ev, &p);
	if (st != TBR_OK) {
		tbr_payload_free(p);
		return tbv_errno(st) ? tbv_errno(st) : -EIO;
	}
	if (n->d.item >= p->blob_count) {
		tbr_payload_free(p);
		return -EIO;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		tbr_payload_free(p);
		return -ENOMEM;
	}
	c->refs = 1;
	c->payload = p;
	c->data = (const char *)p->blobs[n->d.item].data;
	c->size = p->blobs[n->d.item].size;
	if (!c->data)
		c->data = "";
	*out = c;
	return 0;
}

static int render_tagfile(struct tbv_view *v, struct tbv_node *n,
			  struct tbv_buf *b)
{
	const struct tbr_tag *t = node_tag(v, n);
	struct tbv_vrun *r = n->d.run;

	if (!t)
		return -ENOENT;
	switch (n->d.kind) {
	case TBR_KIND_HISTOGRAM:
		return tbv_render_hist(v, r, t, n->d.fmt, b);
	case TBR_KIND_TEXT:
		return tbv_render_text(v, r, t, n->d.fmt, b);
	case TBR_KIND_TENSOR:
		return tbv_render_tensor_json(v, r, t, b);
	default:
		return -ENOENT;
	}
}

static int render_rootfile(struct tbv_view *v, struct tbv_node *n,
			   struct tbv_buf *b)
{
	struct tbv_scope s;
	int err = root_scope(v, "", &s);

	if (err)
		return err;
	switch (n->d.fmt) {
	case RF_RUNS_CSV:
		err = tbv_render_runs(v, &s, false, b);
		break;
	case RF_RUNS_JSON:
		err = tbv_render_runs(v, &s, true, b);
		break;
	case RF_TAGS_CSV:
		err = tbv_render_tags_csv(v, &s, b);
		break;
	case RF_STATUS_JSON:
		err = tbv_render_status_json(v, &s, b);
		break;
	case RF_HPARAMS_CSV:
		err = tbv_render_hparams_csv(v, &s, b);
		break;
	default:
		err = -ENOENT;
	}
	tbv_scope_free(&s);
	return err;
}

/* The plan of @n when it is a rows file (render_csv.c); *@x stays NULL
 * for every other file. */
static int rows_of(struct tbv_view *v, struct tbv_node *n,
		   struct tbv_rows **x)
{
	const struct tbr_tag *t;
	struct tbv_scope s;
	int err;

	*x = NULL;
	switch (n->d.type) {
	case NT_TAGFILE:
		if (n->d.kind != TBR_KIND_SCALAR)
			return 0;
		t = node_tag(v, n);
		if (!t)
			return -ENOENT;
		return tbv_rows_tag(v, n->d.run, t, n->d.fmt == TF_JSON, x);
	case NT_RUNFILE:
		if (n->d.fmt != UF_SCALARS_CSV)
			return 0;
		tbv_vrun_ensure(v, n->d.run);
		return tbv_rows_run(v, n->d.run, x);
	case NT_ROOTFILE:
	case NT_CMPFILE:
		if (n->d.type == NT_ROOTFILE ? n->d.fmt != RF_SCALARS_CSV
					     : n->d.fmt != TF_CSV)
			return 0;
		err = root_scope(v, n->d.type == NT_ROOTFILE ? "" : n->d.scope,
				 &s);
		if (err)
			return err;
		err = tbv_rows_scope(v, &s,
				     n->d.type == NT_ROOTFILE ? NULL : n->d.tag,
				     x);
		tbv_scope_free(&s);
		return err;
	default:
		return 0;
	}
}

/* A content for the rows file @x of node @n, written on demand. */
static int rows_content(struct tbv_view *v, struct tbv_node *n,
			struct tbv_rows *x, struct tbv_content **out)
{
	struct tbv_content *c;
	int err = tbv_rows_content(x, &c);

	if (err) {
		tbv_rows_free(x);
		return err;
	}
	c->node = n;
	if (tbv_rows_complete(x)) {
		rows_settled(c);
	} else {
		c->view = v;
		c->pnext = v->pending;
		if (v->pending)
			v->pending->pprev = c;
		v->pending = c;
		tbv_rows_pin(x, 1);
	}
	*out = c;
	return 0;
}

static int render(struct tbv_view *v, struct tbv_node *n,
		  struct tbv_content **out)
{
	struct tbv_buf b = { 0 };
	struct tbv_scope s;
	const struct tbr_tag *t;
	int err;

	switch (n->d.type) {
	case NT_BLOB:
		return render_blob(v, n, out);
	case NT_ROOTFILE:
		err = render_rootfile(v, n, &b);
		break;
	case NT_RUNFILE:
		tbv_vrun_ensure(v, n->d.run);
		if (n->d.fmt == UF_RUN_JSON)
			err = tbv_render_run_json(v, n->d.run, &b);
		else
			err = tbv_render_hparams_json(v, n->d.run, &b);
		break;
	case NT_SIDECAR:
		err = read_sidecar(v, n, &b);
		break;
	case NT_TAGFILE:
		err = render_tagfile(v, n, &b);
		break;
	case NT_MD:
		t = node_tag(v, n);
		err = t ? tbv_render_text_md(v, n->d.run, t, n->d.ev, &b)
			: -ENOENT;
		break;
	case NT_CMPFILE:
		err = root_scope(v, n->d.scope, &s);
		if (err)
			break;
		err = tbv_render_compare(v, &s, n->d.tag, n->d.fmt, &b);
		tbv_scope_free(&s);
		break;
	default:
		err = -EISDIR;
	}
	if (!err && b.oom)
		err = -ENOMEM;
	if (!err) {
		*out = tbv_content_from_buf(&b);
		if (!*out)
			err = -ENOMEM;
	}
	tbv_buf_free(&b);
	return err;
}

/* The bytes of file @n for generation @gen, from the cache or rendered;
 * the caller holds a reference. Bytes too big for the cache are not kept
 * here: only their size is remembered. */
static int file_content(struct tbv_view *v, struct tbv_node *n, uint64_t gen,
			struct tbv_content **out)
{
	struct tbv_content *c = NULL;
	struct tbv_rows *x;
	int err;

	if (n->ce && n->ce->gen == gen) {
		lru_unlink(v, n->ce);
		lru_push(v, n->ce);
		n->ce->c->refs++;
		*out = n->ce->c;
		return 0;
	}
	err = rows_of(v, n, &x);
	if (!err)
		err = x ? rows_content(v, n, x, &c) : render(v, n, &c);
	if (err)
		return err;
	n->size = c->size;
	n->size_gen = gen;
	n->size_valid = true;
	if (n->d.type != NT_BLOB)
		cache_put(v, n, gen, c);
	*out = c;
	return 0;
}

/* ------------------------------------------------------------ attributes */

static int64_t max_loaded_mtime(const struct tbv_dnode *d)
{
	int64_t m = 0;

	if (d->run && d->run->refreshed)
		m = tbr_run_mtime_ns(d->run->run);
	for (size_t i = 0; i < d->nkids; i++) {
		int64_t k = max_loaded_mtime(d->kids[i]);
		if (k > m)
			m = k;
	}
	return m;
}

static int64_t run_mtime(struct tbv_vrun *r)
{
	return tbr_run_mtime_ns(r->run);
}

/* Newest modification of the event files @n derives from. Directories
 * of the log tree count only the runs already loaded: listing them must
 * not parse every run below. */
static int64_t node_mtime(struct tbv_view *v, struct tbv_node *n)
{
	struct tbv_dnode *dn;
	int64_t m = 0;

	switch (n->d.type) {
	case NT_LDIR:
	case NT_CMPDIR:
	case NT_CMPTAGDIR:
		dn = tbv_dnode_find(v, n->d.scope);
		if (dn)
			m = max_loaded_mtime(dn);
		break;
	case NT_ROOTFILE:
		for (size_t i = 0; i < v->nlive; i++)
			if (run_mtime(v->live[i]) > m)
				m = run_mtime(v->live[i]);
		break;
	case NT_CMPFILE:
		dn = tbv_dnode_find(v, n->d.scope);
		if (dn)
			m = max_loaded_mtime(dn); /* all loaded by file_gen */
		break;
	case NT_SIDECAR:
		m = n->d.run->sc[n->d.fmt].mtime_ns;
		break;
	case NT_RUNFILE:
		m = run_mtime(n->d.run);
		if (n->d.fmt == UF_HPARAMS_JSON) {
			struct tbv_dnode *rd = strcmp(n->d.run->name, ".")
						       ? tbv_dnode_find(
							       v, n->d.run->name)
						       : v->droot;
			for (size_t i = 0; rd && i < rd->nkids; i++) {
				struct tbv_vrun *c = rd->kids[i]->run;
				if (rd->kids[i]->ts_run && c && c->refreshed &&
				    run_mtime(c) > m)
					m = run_mtime(c);
			}
		}
		break;
	default:
		m = run_mtime(n->d.run);
		break;
	}
	return m > 0 ? m : v->start_ns;
}

static int node_stat(struct tbv_view *v, struct tbv_node *n, struct stat *st)
{
	struct tbv_content *c = NULL;
	uint64_t gen;
	int64_t m;
	int err;

	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	st->st_uid = v->opts.uid;
	st->st_gid = v->opts.gid;
	st->st_blksize = 4096;
	if (is_dir(n)) {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
	} else {
		err = file_gen(v, n, &gen);
		if (err)
			return err;
		if ((!n->size_valid || n->size_gen != gen) &&
		    n->d.type == NT_BLOB) {
			/* TF1 images and clips: the index knows the size, so
			 * `ls -l` of images/ reads no image. */
			const struct tbr_tag *t = node_tag(v, n);
			uint64_t sz;

			if (t && n->d.item == 0 &&
			    tbr_tag_event_blob_size(t, n->d.ev, &sz)) {
				n->size = (size_t)sz;
				n->size_gen = gen;
				n->size_valid = true;
			}
		}
		if (!n->size_valid || n->size_gen != gen) {
			/* Rows files know their size without their bytes. */
			struct tbv_rows *x;

			err = rows_of(v, n, &x);
			if (err)
				return err;
			if (x) {
				n->size = tbv_rows_size(x);
				n->size_gen = gen;
				n->size_valid = true;
				tbv_rows_free(x);
			}
		}
		if (!n->size_valid || n->size_gen != gen) {
			err = file_content(v, n, gen, &c);
			if (err)
				return err;
			content_unref(c); /* frees it unless cached */
		}
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = (off_t)n->size;
		st->st_blocks = (blkcnt_t)((n->size + 511) / 512);
		n->served = true;
		n->served_gen = gen;
		/* A file keeps its mtime while its own data is unchanged,
		 * even when another tag of the same run grows: rsync -a then
		 * skips it. */
		if (!n->mtime_valid || n->mtime_gen != gen) {
			n->mtime_ns = node_mtime(v, n);
			n->mtime_gen = gen;
			n->mtime_valid = true;
		}
	}
	m = is_dir(n) ? node_mtime(v, n) : n->mtime_ns;
	st->st_mtim.tv_sec = m / 1000000000;
	st->st_mtim.tv_nsec = m % 1000000000;
	st->st_ctim = st->st_mtim;
	st->st_atim = st->st_mtim;
	return 0;
}

/* ------------------------------------------------------------------ API */

int tbv_view_open(const char *logdir, const struct tbv_options *opts,
		  struct tbv_view **out)
{
	struct tbv_view *v;
	struct tbv_desc d = { .type = NT_LDIR };
	struct tbr_options ro = { 0 };
	struct timespec ts;
	tbr_status st;
	int err = -ENOMEM;

	*out = NULL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (opts)
		v->opts = *opts;
	else
		tbv_options_default(&v->opts);
	if (!(v->opts.refresh_secs >= 0))
		v->opts.refresh_secs = 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	v->start_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	/* Sealed blocks are counted on another core while runs are parsed
	 * (render_csv.c); the purged view needs orphan flags they lack. */
	if (!v->opts.purge_orphaned) {
		v->counter = tbv_counter_new();
		if (v->counter) {
			ro.on_block = tbv_counter_block;
			ro.on_block_ud = v;
		}
	}
	st = tbr_logdir_open(logdir, &ro, &v->ld);
	if (st != TBR_OK) {
		err = st == TBR_ERR_IO ? (errno ? -errno : -EIO)
				       : tbv_errno(st);
		goto fail;
	}
	d.scope = strdup("");
	if (!d.scope || !node_child(v, 0, "", &d))
		goto fail;
	*out = v;
	return 0;
fail:
	tbv_desc_clear(&d);
	tbv_view_close(v);
	return err;
}

void tbv_view_close(struct tbv_view *v)
{
	if (!v)
		return;
	tbv_counter_free(v->counter); /* before the pages it writes go */
	v->counter = NULL;
	while (v->lru_head)
		cache_drop(v, v->lru_head);
	/* Contents still open (no release came) can no longer be written. */
	while (v->pending) {
		struct tbv_content *c = v->pending;

		pending_unlink(c);
		c->failed = -EIO;
	}
	for (size_t i = 0; i < v->nnodes; i++)
		node_free(v->nodes[i]);
	free(v->nodes);
	tbv_map_clear(&v->names, NULL);
	tbv_map_clear(&v->exts, free);
	tbv_dtree_free(v);
	for (size_t i = 0; i < v->nvruns; i++)
		tbv_vrun_free(v->vruns[i]);
	free(v->vruns);
	free(v->live);
	tbv_map_clear(&v->vrun_by_ptr, NULL);
	tbr_logdir_close(v->ld);
	free(v);
}

int tbv_lookup(struct tbv_view *v, tbv_ino parent, const char *name,
	       tbv_ino *ino, struct stat *st)
{
	struct tbv_node *p = node_at(v, parent), *k;
	int err;

	v->call++;
	if (!p)
		return -ENOENT;
	if (!is_dir(p))
		return -ENOTDIR;
	err = node_valid(v, p);
	if (!err)
		err = dir_listing(v, p);
	if (err)
		return err;
	k = dir_find(p, name);
	if (!k)
		return -ENOENT;
	*ino = k->ino;
	return st ? node_stat(v, k, st) : 0;
}

int tbv_getattr(struct tbv_view *v, tbv_ino ino, struct stat *st)
{
	struct tbv_node *n = node_at(v, ino);
	int err;

	v->call++;
	if (!n)
		return -ENOENT;
	err = node_valid(v, n);
	return err ? err : node_stat(v, n, st);
}

int tbv_opendir(struct tbv_view *v, tbv_ino ino, struct tbv_dirlist **out)
{
	struct tbv_node *n = node_at(v, ino);
	struct tbv_dirlist *d;
	size_t names = 0;
	char *p;
	int err;

	v->call++;
	if (!n)
		return -ENOENT;
	if (!is_dir(n))
		return -ENOTDIR;
	err = node_valid(v, n);
	if (!err)
		err = dir_listing(v, n);
	if (err)
		return err;
	for (size_t i = 0; i < n->nkids; i++)
		names += strlen(n->kids[i]->name) + 1;
	/* One block: header, entries, then the names. */
	d = malloc(sizeof(*d) + n->nkids * sizeof(*d->e) + names);
	if (!d)
		return -ENOMEM;
	d->n = n->nkids;
	d->e = (struct tbv_dirent *)(d + 1);
	p = (char *)(d->e + n->nkids);
	for (size_t i = 0; i < n->nkids; i++) {
		struct tbv_node *k = n->kids[i];
		size_t len = strlen(k->name) + 1;

		memcpy(p, k->name, len);
		d->e[i].name = p;
		d->e[i].ino = k->ino;
		d->e[i].mode = is_dir(k) ? (S_IFDIR | 0555) : (S_IFREG | 0444);
		p += len;
	}
	*out = d;
	return 0;
}

size_t tbv_dirlist_count(const struct tbv_dirlist *d)
{
	return d->n;
}

const char *tbv_dirlist_name(const struct tbv_dirlist *d, size_t i,
			     tbv_ino *ino, mode_t *mode)
{
	if (i >= d->n)
		return NULL;
	if (ino)
		*ino = d->e[i].ino;
	if (mode)
		*mode = d->e[i].mode;
	return d->e[i].name;
}

void tbv_dirlist_release(struct tbv_dirlist *d)
{
	free(d);
}

int tbv_open(struct tbv_view *v, tbv_ino ino, struct tbv_content **out,
	     bool *changed)
{
	struct tbv_node *n = node_at(v, ino);
	uint64_t gen;
	int err;

	v->call++;
	if (changed)
		*changed = false;
	if (!n)
		return -ENOENT;
	if (is_dir(n))
		return -EISDIR;
	err = node_valid(v, n);
	if (!err)
		err = file_gen(v, n, &gen);
	if (!err)
		err = file_content(v, n, gen, out);
	if (err)
		return err;
	/* Changed since the last open, or since a size was reported: the
	 * kernel may hold pages or a size of another generation. */
	if (changed)
		*changed = (n->opened && n->open_gen != gen) ||
			   (n->served && n->served_gen != gen);
	n->opened = true;
	n->open_gen = gen;
	n->served = true;
	n->served_gen = gen;
	return 0;
}

int tbv_content_read(struct tbv_view *v, struct tbv_content *c, size_t off,
		     size_t len, const char **out)
{
	int err;

	*out = NULL;
	if (c->failed)
		return c->failed;
	if (off > c->size)
		off = c->size;
	if (len > c->size - off)
		len = c->size - off;
	if (c->rows) {
		err = tbv_rows_fill(c->rows, off, len);
		if (err) {
			if (err == -EIO && v->log)
				v->log(v->log_ud, "error: a rows file's bytes "
						  "disagree with its size (a "
						  "bug: please report it)");
			return err;
		}
		if (tbv_rows_complete(c->rows))
			rows_settled(c);
	}
	*out = c->data + off;
	return 0;
}

void tbv_rows_settle(struct tbv_view *v, struct tbv_vrun *r)
{
	struct tbv_content *c, *next;
	int err;

	if (!r->rows_pending)
		return;
	for (c = v->pending; c; c = next) {
		next = c->pnext;
		if (!tbv_rows_uses(c->rows, r))
			continue;
		/* Only the cache holds it: drop it rather than write it. */
		if (c->refs == 1 && c->node && c->node->ce &&
		    c->node->ce->c == c) {
			cache_drop(v, c->node->ce);
			continue;
		}
		err = tbv_rows_finish(c->rows);
		if (err) {
			pending_unlink(c);
			c->failed = err;
			continue;
		}
		rows_settled(c);
	}
}

size_t tbv_content_size(const struct tbv_content *c)
{
	return c->size;
}

void tbv_content_release(struct tbv_content *c)
{
	content_unref(c);
}
