/*
 * view_list.c — what each directory of the mount contains.
 *
 * Layer: fs/ view (no FUSE). Given a directory node, lists its entries as
 * (name, descriptor) pairs; view.c sorts them, gives them inode numbers
 * and caches the listing under the generation computed here. Names follow
 * escape.c's rules; this file decides which entries exist:
 *   root      runs.csv runs.json tags.csv scalars.csv status.json
 *             hparams.csv compare/ and the top directories of the log tree
 *   directory of the log tree: its subdirectories, and compare/ when its
 *             subtree holds two runs or more; a run directory adds
 *             scalars.csv run.json, one directory per summary kind it has,
 *             hparams.json (own hparams or add_hparams children) and the
 *             sidecar files present.
 *   scalars/ histograms/ text/ tensors/ images/ audio/: the tag trees.
 *   compare/scalars/: the union of the scope's scalar tags.
 */
#include "view_i.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

void tbv_desc_clear(struct tbv_desc *d)
{
	free(d->scope);
	free(d->tag);
	memset(d, 0, sizeof(*d));
}

void tbv_entries_free(struct tbv_entries *es)
{
	for (size_t i = 0; i < es->n; i++) {
		free(es->e[i].name);
		tbv_desc_clear(&es->e[i].d);
	}
	free(es->e);
	memset(es, 0, sizeof(*es));
}

/* Adds an entry named @name (+ @suffix) and returns its zeroed
 * descriptor, or NULL (es->err set) when out of memory. */
static struct tbv_desc *add(struct tbv_entries *es, const char *name,
			    size_t len, const char *suffix, uint8_t type)
{
	size_t sl = suffix ? strlen(suffix) : 0;
	struct tbv_entry *e;

	if (es->err)
		return NULL;
	if (es->n == es->cap) {
		size_t cap = es->cap ? es->cap * 2 : 32;
		struct tbv_entry *a = realloc(es->e, cap * sizeof(*a));
		if (!a)
			goto oom;
		es->e = a;
		es->cap = cap;
	}
	e = &es->e[es->n];
	memset(e, 0, sizeof(*e));
	e->name = malloc(len + sl + 1);
	if (!e->name)
		goto oom;
	memcpy(e->name, name, len);
	if (sl)
		memcpy(e->name + len, suffix, sl);
	e->name[len + sl] = '\0';
	e->d.type = type;
	es->n++;
	return &e->d;
oom:
	es->err = -ENOMEM;
	return NULL;
}

static char *dupn(struct tbv_entries *es, const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		es->err = -ENOMEM;
	return p;
}

/* ------------------------------------------------------------ log tree */

static const char *const root_files[RF_COUNT] = {
	[RF_RUNS_CSV] = "runs.csv",	  [RF_RUNS_JSON] = "runs.json",
	[RF_TAGS_CSV] = "tags.csv",	  [RF_SCALARS_CSV] = "scalars.csv",
	[RF_STATUS_JSON] = "status.json", [RF_HPARAMS_CSV] = "hparams.csv",
};

static const char *const kind_dirs[TBR_KIND_COUNT] = {
	[TBR_KIND_SCALAR] = "scalars", [TBR_KIND_HISTOGRAM] = "histograms",
	[TBR_KIND_IMAGE] = "images",   [TBR_KIND_AUDIO] = "audio",
	[TBR_KIND_TEXT] = "text",      [TBR_KIND_TENSOR] = "tensors",
};

static void list_ldir(struct tbv_view *v, struct tbv_dnode *dn,
		      struct tbv_entries *es)
{
	struct tbv_desc *d;

	if (dn == v->droot) {
		for (int i = 0; i < RF_COUNT; i++) {
			d = add(es, root_files[i], strlen(root_files[i]), NULL,
				NT_ROOTFILE);
			if (d)
				d->fmt = (uint8_t)i;
		}
		d = add(es, "compare", 7, NULL, NT_CMPDIR);
		if (d)
			d->scope = dupn(es, "", 0);
	} else {
		if (dn->nruns >= 2) {
			d = add(es, "compare", 7, NULL, NT_CMPDIR);
			if (d)
				d->scope = dupn(es, dn->prefix,
						strlen(dn->prefix));
		}
	}
	if (dn != v->droot && dn->run) {
		struct tbv_vrun *r = dn->run;
		unsigned kinds = 0;

		d = add(es, "scalars.csv", 11, NULL, NT_RUNFILE);
		if (d) {
			d->fmt = UF_SCALARS_CSV;
			d->run = r;
		}
		d = add(es, "run.json", 8, NULL, NT_RUNFILE);
		if (d) {
			d->fmt = UF_RUN_JSON;
			d->run = r;
		}
		for (size_t i = 0; i < tbr_run_tag_count(r->run); i++)
			kinds |= 1u << tbr_tag_kind(tbr_run_tag(r->run, i));
		for (int k = 0; k < TBR_KIND_COUNT; k++) {
			if (!kind_dirs[k] || !(kinds & (1u << k)))
				continue;
			d = add(es, kind_dirs[k], strlen(kind_dirs[k]), NULL,
				NT_TAGDIR);
			if (d) {
				d->run = r;
				d->kind = (uint8_t)k;
			}
		}
		if (tbv_vrun_has_hparams(v, r)) {
			d = add(es, "hparams.json", 12, NULL, NT_RUNFILE);
			if (d) {
				d->fmt = UF_HPARAMS_JSON;
				d->run = r;
			}
		}
		for (int i = 0; i < TBV_NSIDECARS; i++) {
			const char *n = tbv_sidecar_names[i];
			if (!r->sc[i].present)
				continue;
			d = add(es, n, strlen(n), NULL, NT_SIDECAR);
			if (d) {
				d->fmt = (uint8_t)i;
				d->run = r;
			}
		}
	}
	for (size_t i = 0; i < dn->nkids; i++) {
		struct tbv_dnode *k = dn->kids[i];
		d = add(es, k->ename, strlen(k->ename), NULL, NT_LDIR);
		if (d)
			d->scope = dupn(es, k->prefix, strlen(k->prefix));
	}
}

/* ------------------------------------------------------------ tag trees */

const char *tbv_blob_ext(struct tbv_view *v, struct tbv_vrun *r,
			 const struct tbr_tag *t)
{
	tbr_kind kind = tbr_tag_kind(t);
	const char *name = tbr_tag_name(t);
	const char *def = kind == TBR_KIND_AUDIO ? "wav" : "png";
	size_t nlen = strlen(name), klen;
	char *key, *ext;
	const char *found = NULL;

	/* Files are named from the first item's encoding (PNG, GIF, JPEG,
	 * WAV...), learned by loading that one item: listing a directory of
	 * 10,000 images must not read them all. */
	klen = 2 * sizeof(uint64_t) + 1 + nlen;
	key = malloc(klen);
	if (!key)
		return def;
	memcpy(key, &r->serial, sizeof(uint64_t));
	memcpy(key + 8, &r->epoch, sizeof(uint64_t));
	key[16] = (char)kind;
	memcpy(key + 17, name, nlen);
	ext = tbv_map_get(&v->exts, key, klen);
	if (ext)
		goto out;
	for (size_t i = 0; i < tbr_tag_count(t) && i < 8; i++) {
		struct tbr_payload *p = NULL;

		if (!tbr_tag_event_items(t, i))
			continue;
		if (tbr_tag_load(r->run, t, i, &p) != TBR_OK) {
			tbr_payload_free(p);
			break;
		}
		if (p->blob_count && p->blobs[0].ext && p->blobs[0].ext[0] &&
		    strlen(p->blobs[0].ext) < 8 && !strchr(p->blobs[0].ext, '/'))
			found = p->blobs[0].ext;
		ext = strdup(found ? found : def);
		tbr_payload_free(p);
		if (ext && tbv_map_put(&v->exts, key, klen, ext)) {
			free(ext);
			ext = NULL;
		}
		break;
	}
out:
	free(key);
	return ext ? ext : def;
}

struct stepitem {
	int64_t step;
	size_t ev, item;
};

static int cmp_stepitem(const void *a, const void *b)
{
	const struct stepitem *x = a, *y = b;

	if (x->step != y->step)
		return x->step < y->step ? -1 : 1;
	if (x->ev != y->ev)
		return x->ev < y->ev ? -1 : 1;
	return x->item < y->item ? -1 : (x->item > y->item);
}

/* The per-step files of one tag: <step>.<ext>, or <step>_<i>.<ext> for
 * each item (i in file order) when a step holds several. */
static void list_steps(struct tbv_view *v, struct tbv_vrun *r,
		       const struct tbr_tag *t, struct tbv_entries *es)
{
	bool blob = tbr_tag_kind(t) != TBR_KIND_TEXT;
	const char *ext = blob ? tbv_blob_ext(v, r, t) : "md";
	size_t n = tbr_tag_count(t), m = 0, cap = n;
	struct stepitem *a = NULL;

	for (size_t i = 0; blob && i < n; i++)
		cap += tbr_tag_event_items(t, i);
	a = malloc((cap ? cap : 1) * sizeof(*a));
	if (!a) {
		es->err = -ENOMEM;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		int64_t step;
		double wt;
		size_t items = blob ? tbr_tag_event_items(t, i) : 1;

		if (tbr_tag_event(t, i, &step, &wt) != TBR_OK)
			continue;
		for (size_t j = 0; j < items && m < cap; j++)
			a[m++] = (struct stepitem){ step, i, j };
	}
	tbv_qsort(a, m, sizeof(*a), cmp_stepitem);
	for (size_t i = 0; i < m;) {
		size_t j = i;
		while (j < m && a[j].step == a[i].step)
			j++;
		for (size_t k = i; k < j; k++) {
			char name[64];
			int len;
			struct tbv_desc *d;

			if (j - i == 1)
				len = snprintf(name, sizeof(name), "%lld.%s",
					       (long long)a[k].step, ext);
			else
				len = snprintf(name, sizeof(name), "%lld_%zu.%s",
					       (long long)a[k].step, k - i, ext);
			d = add(es, name, (size_t)len, NULL,
				blob ? NT_BLOB : NT_MD);
			if (!d)
				goto out;
			d->run = r;
			d->kind = (uint8_t)tbr_tag_kind(t);
			d->tag = dupn(es, tbr_tag_name(t),
				      strlen(tbr_tag_name(t)));
			d->ev = a[k].ev;
			d->item = a[k].item;
			snprintf(d->ext, sizeof(d->ext), "%s", ext);
		}
		i = j;
	}
out:
	free(a);
}

/* Where @name sits relative to the prefix @pfx (@ncomp components):
 * returns the rest after "pfx/" (the whole name when ncomp is 0), or
 * NULL if outside; sets *@self when the name is the prefix itself. */
static const char *under(const char *name, const char *pfx, uint32_t ncomp,
			 bool *self)
{
	size_t pl;

	*self = false;
	if (!ncomp)
		return name;
	pl = strlen(pfx);
	if (strncmp(name, pfx, pl) != 0)
		return NULL;
	if (name[pl] == '\0') {
		*self = true;
		return NULL;
	}
	return name[pl] == '/' ? name + pl + 1 : NULL;
}

static void tag_dir_entry(struct tbv_entries *es, uint8_t type,
			  const struct tbv_desc *parent, const char *name,
			  const char *rest, size_t clen, bool blob)
{
	char comp[TBV_NAME_MAX];
	size_t n = blob ? tbv_name_blobdir(rest, clen, comp)
			: tbv_name_tagcomp(rest, clen, comp);
	struct tbv_desc *d = add(es, comp, n, NULL, type);

	if (!d)
		return;
	d->run = parent->run;
	d->kind = parent->kind;
	d->ncomp = parent->ncomp + 1;
	d->tag = dupn(es, name, (size_t)(rest - name) + clen);
	if (parent->scope)
		d->scope = dupn(es, parent->scope, strlen(parent->scope));
}

static void tag_file_entry(struct tbv_entries *es, uint8_t type,
			   const struct tbv_desc *parent, const char *name,
			   const char *stem, size_t slen, const char *suffix,
			   uint8_t fmt)
{
	struct tbv_desc *d = add(es, stem, slen, suffix, type);

	if (!d)
		return;
	d->run = parent->run;
	d->kind = parent->kind;
	d->fmt = fmt;
	d->tag = dupn(es, name, strlen(name));
	if (parent->scope)
		d->scope = dupn(es, parent->scope, strlen(parent->scope));
}

/* One tag's contribution to the tag directory @pd. */
static void list_tag(struct tbv_view *v, const struct tbv_desc *pd,
		     struct tbv_vrun *r, const struct tbr_tag *t,
		     const char *name, struct tbv_entries *es)
{
	bool self, cmp = pd->type == NT_CMPTAGDIR;
	tbr_kind k = cmp ? TBR_KIND_SCALAR : (tbr_kind)pd->kind;
	bool blob = k == TBR_KIND_IMAGE || k == TBR_KIND_AUDIO;
	uint8_t dtype = cmp ? NT_CMPTAGDIR : NT_TAGDIR;
	uint8_t ftype = cmp ? NT_CMPFILE : NT_TAGFILE;
	const char *rest = under(name, pd->tag, pd->ncomp, &self);
	const char *slash;
	size_t clen;
	char stem[TBV_NAME_MAX];
	size_t sl;

	if (self) {
		if (!cmp && (blob || k == TBR_KIND_TEXT))
			list_steps(v, r, t, es);
		return;
	}
	if (!rest)
		return;
	slash = strchr(rest, '/');
	clen = slash ? (size_t)(slash - rest) : strlen(rest);
	if (slash || blob || k == TBR_KIND_TEXT)
		tag_dir_entry(es, dtype, pd, name, rest, clen, blob);
	if (slash || blob)
		return;
	sl = tbv_name_tagcomp(rest, clen, stem);
	if (cmp) {
		tag_file_entry(es, ftype, pd, name, stem, sl, ".csv", TF_CSV);
		tag_file_entry(es, ftype, pd, name, stem, sl, ".wide.csv",
			       TF_WIDE_CSV);
		tag_file_entry(es, ftype, pd, name, stem, sl, ".stats.csv",
			       TF_STATS_CSV);
		return;
	}
	if (k != TBR_KIND_TENSOR)
		tag_file_entry(es, ftype, pd, name, stem, sl, ".csv", TF_CSV);
	tag_file_entry(es, ftype, pd, name, stem, sl, ".json", TF_JSON);
	if (k == TBR_KIND_HISTOGRAM)
		tag_file_entry(es, ftype, pd, name, stem, sl, ".stats.csv",
			       TF_STATS_CSV);
}

static void list_tagdir(struct tbv_view *v, struct tbv_node *dn,
			struct tbv_entries *es)
{
	struct tbv_vrun *r = dn->d.run;

	for (size_t i = 0; i < tbr_run_tag_count(r->run) && !es->err; i++) {
		const struct tbr_tag *t = tbr_run_tag(r->run, i);

		if (tbr_tag_kind(t) == dn->d.kind)
			list_tag(v, &dn->d, r, t, tbr_tag_name(t), es);
	}
}

static int list_cmptagdir(struct tbv_view *v, struct tbv_node *dn,
			  struct tbv_entries *es)
{
	struct tbv_dnode *scope = tbv_dnode_find(v, dn->d.scope);
	struct tbv_scope s;

	if (!scope)
		return -ENOENT;
	if (tbv_scope_get(v, scope, &s))
		return -ENOMEM;
	for (size_t i = 0; i < s.n && !es->err; i++) {
		struct tbr_run *run = s.runs[i]->run;

		for (size_t j = 0; j < tbr_run_tag_count(run) && !es->err;
		     j++) {
			const struct tbr_tag *t = tbr_run_tag(run, j);
			if (tbr_tag_kind(t) == TBR_KIND_SCALAR)
				list_tag(v, &dn->d, s.runs[i], t,
					 tbr_tag_name(t), es);
		}
	}
	tbv_scope_free(&s);
	return 0;
}

/* ---------------------------------------------------------------- entry */

int tbv_list_gen(struct tbv_view *v, struct tbv_node *dir, uint64_t *gen)
{
	struct tbv_dnode *dn;
	struct tbv_scope s;
	int err;

	switch (dir->d.type) {
	case NT_LDIR:
		dn = tbv_dnode_find(v, dir->d.scope);
		if (!dn)
			return -ENOENT;
		*gen = tbv_mix(0x1d1, v->tree_version);
		if (dn->run && dn != v->droot) {
			tbv_vrun_ensure(v, dn->run);
			*gen = tbv_mix(*gen, dn->run->gen);
		}
		return 0;
	case NT_TAGDIR:
		tbv_vrun_ensure(v, dir->d.run);
		*gen = tbv_mix(0x7a9, dir->d.run->gen);
		return 0;
	case NT_CMPDIR:
		*gen = tbv_mix(0xc4d, v->tree_version);
		return 0;
	case NT_CMPTAGDIR:
		dn = tbv_dnode_find(v, dir->d.scope);
		if (!dn)
			return -ENOENT;
		err = tbv_scope_get(v, dn, &s);
		if (err)
			return err;
		*gen = tbv_mix(0xc7d, tbv_scope_gen(v, &s));
		tbv_scope_free(&s);
		return 0;
	default:
		return -ENOTDIR;
	}
}

int tbv_list_build(struct tbv_view *v, struct tbv_node *dir,
		   struct tbv_entries *es)
{
	struct tbv_dnode *dn;
	struct tbv_desc *d;
	int err = 0;

	switch (dir->d.type) {
	case NT_LDIR:
		dn = tbv_dnode_find(v, dir->d.scope);
		if (!dn)
			return -ENOENT;
		list_ldir(v, dn, es);
		break;
	case NT_TAGDIR:
		list_tagdir(v, dir, es);
		break;
	case NT_CMPDIR:
		d = add(es, "scalars", 7, NULL, NT_CMPTAGDIR);
		if (d)
			d->scope = dupn(es, dir->d.scope, strlen(dir->d.scope));
		break;
	case NT_CMPTAGDIR:
		err = list_cmptagdir(v, dir, es);
		break;
	default:
		return -ENOTDIR;
	}
	return err ? err : es->err;
}
