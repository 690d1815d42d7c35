/*
 * logdir.c — find the runs of a log tree.
 *
 * Layer: reader. A run is a directory that directly holds a file whose name
 * contains "tfevents"; its name is its path relative to the root ("." for
 * the root). Directory symlinks are followed; each real directory (device,
 * inode) is visited once, which also breaks symlink loops.
 */
#include "run_i.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DEPTH 64

tbr_status tbr_logdir_open(const char *root, const struct tbr_options *opts,
			   struct tbr_logdir **out)
{
	struct tbr_logdir *ld;
	struct stat st;

	*out = NULL;
	if (stat(root, &st) < 0)
		return TBR_ERR_IO;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return TBR_ERR_IO;
	}
	ld = calloc(1, sizeof(*ld));
	if (!ld)
		return TBR_ERR_NOMEM;
	ld->root = realpath(root, NULL);
	if (!ld->root) {
		free(ld);
		return TBR_ERR_IO;
	}
	if (opts)
		ld->opts = *opts;
	if (!ld->opts.max_record_bytes)
		ld->opts.max_record_bytes = TBR_DEFAULT_MAX_RECORD;
	*out = ld;
	return TBR_OK;
}

void tbr_logdir_close(struct tbr_logdir *ld)
{
	if (!ld)
		return;
	for (size_t i = 0; i < ld->nruns; i++)
		tbr_run_free(ld->runs[i]);
	free(ld->runs);
	free(ld->buf);
	free(ld->root);
	free(ld);
}

const char *tbr_logdir_root(const struct tbr_logdir *ld)
{
	return ld->root;
}

struct found {
	char **names;
	size_t n, cap;
	dev_t *vdev;
	ino_t *vino;
	size_t nv, capv;
};

static bool visited(struct found *f, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < f->nv; i++)
		if (f->vdev[i] == dev && f->vino[i] == ino)
			return true;
	if (f->nv == f->capv) {
		size_t cap = f->capv ? f->capv * 2 : 64;
		dev_t *nd = realloc(f->vdev, cap * sizeof(*nd));
		if (!nd)
			return true;
		f->vdev = nd;
		ino_t *ni = realloc(f->vino, cap * sizeof(*ni));
		if (!ni)
			return true;
		f->vino = ni;
		f->capv = cap;
	}
	f->vdev[f->nv] = dev;
	f->vino[f->nv] = ino;
	f->nv++;
	return false;
}

static tbr_status add_name(struct found *f, const char *rel)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		char **nn = realloc(f->names, cap * sizeof(*nn));

		if (!nn)
			return TBR_ERR_NOMEM;
		f->names = nn;
		f->cap = cap;
	}
	f->names[f->n] = strdup(rel);
	if (!f->names[f->n])
		return TBR_ERR_NOMEM;
	f->n++;
	return TBR_OK;
}

/* Walks @abs (relative name @rel, "" for the root). Unreadable
 * directories are skipped: one bad directory hides nothing else. */
static tbr_status walk(struct found *f, const char *abs, const char *rel,
		       int depth)
{
	DIR *d;
	struct dirent *de;
	struct stat st;
	bool is_run = false;
	tbr_status st_ = TBR_OK;
	char **subs = NULL;
	size_t nsubs = 0, capsubs = 0;

	if (depth > MAX_DEPTH || stat(abs, &st) < 0 ||
	    visited(f, st.st_dev, st.st_ino))
		return TBR_OK;
	d = opendir(abs);
	if (!d)
		return TBR_OK;
	while ((de = readdir(d))) {
		struct stat cs;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_type == DT_REG && strstr(de->d_name, "tfevents")) {
			is_run = true;
			continue;
		}
		if (de->d_type != DT_DIR && de->d_type != DT_LNK &&
		    de->d_type != DT_UNKNOWN)
			continue;
		if (fstatat(dirfd(d), de->d_name, &cs, 0) < 0)
			continue;
		if (S_ISREG(cs.st_mode) && strstr(de->d_name, "tfevents")) {
			is_run = true;
			continue;
		}
		if (!S_ISDIR(cs.st_mode))
			continue;
		if (nsubs == capsubs) {
			size_t cap = capsubs ? capsubs * 2 : 16;
			char **ns = realloc(subs, cap * sizeof(*ns));

			if (!ns) {
				st_ = TBR_ERR_NOMEM;
				break;
			}
			subs = ns;
			capsubs = cap;
		}
		subs[nsubs] = strdup(de->d_name);
		if (!subs[nsubs]) {
			st_ = TBR_ERR_NOMEM;
			break;
		}
		nsubs++;
	}
	closedir(d);
	if (st_ == TBR_OK && is_run)
		st_ = add_name(f, *rel ? rel : ".");
	for (size_t i = 0; i < nsubs; i++) {
		if (st_ == TBR_OK) {
			size_t la = strlen(abs), lr = strlen(rel),
			       ls = strlen(subs[i]);
			char *a = malloc(la + ls + 2), *r = malloc(lr + ls + 2);

			if (!a || !r) {
				st_ = TBR_ERR_NOMEM;
			} else {
				sprintf(a, "%s/%s", abs, subs[i]);
				if (lr)
					sprintf(r, "%s/%s", rel, subs[i]);
				else
					strcpy(r, subs[i]);
				st_ = walk(f, a, r, depth + 1);
			}
			free(a);
			free(r);
		}
		free(subs[i]);
	}
	free(subs);
	return st_;
}

/* Binary search among the first @n runs (kept sorted by name). */
static struct tbr_run *find_sorted(struct tbr_run *const *runs, size_t n,
				   const char *name)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(runs[mid]->name, name);

		if (c == 0)
			return runs[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_run(const void *a, const void *b)
{
	const struct tbr_run *x = *(struct tbr_run *const *)a;
	const struct tbr_run *y = *(struct tbr_run *const *)b;

	return strcmp(x->name, y->name);
}

tbr_status tbr_logdir_scan(struct tbr_logdir *ld, bool *changed)
{
	struct found f;
	tbr_status st;
	bool any = false;

	if (changed)
		*changed = false;
	memset(&f, 0, sizeof(f));
	st = walk(&f, ld->root, "", 0);
	if (st != TBR_OK)
		goto out;
	if (f.n)
		qsort(f.names, f.n, sizeof(*f.names), cmp_name);
	size_t old = ld->nruns;
	for (size_t i = 0; i < old; i++) {
		const char *key = ld->runs[i]->name;
		bool present = bsearch(&key, f.names, f.n, sizeof(*f.names),
				       cmp_name) != NULL;

		if (ld->runs[i]->gone == present) {
			ld->runs[i]->gone = !present;
			any = true;
		}
	}
	for (size_t k = 0; k < f.n; k++) {
		char *path;
		struct tbr_run *run;

		if (find_sorted(ld->runs, old, f.names[k]))
			continue;
		if (ld->nruns == ld->cap_runs) {
			size_t cap = ld->cap_runs ? ld->cap_runs * 2 : 16;
			struct tbr_run **nr = realloc(ld->runs,
						      cap * sizeof(*nr));
			if (!nr) {
				st = TBR_ERR_NOMEM;
				goto out;
			}
			ld->runs = nr;
			ld->cap_runs = cap;
		}
		path = malloc(strlen(ld->root) + strlen(f.names[k]) + 2);
		if (!path) {
			st = TBR_ERR_NOMEM;
			goto out;
		}
		if (!strcmp(f.names[k], "."))
			strcpy(path, ld->root);
		else
			sprintf(path, "%s/%s", ld->root, f.names[k]);
		run = tbr_run_new(ld, f.names[k], path);
		free(path);
		if (!run) {
			st = TBR_ERR_NOMEM;
			goto out;
		}
		ld->runs[ld->nruns++] = run;
		any = true;
	}
	if (any)
		qsort(ld->runs, ld->nruns, sizeof(*ld->runs), cmp_run);
out:
	for (size_t k = 0; k < f.n; k++)
		free(f.names[k]);
	free(f.names);
	free(f.vdev);
	free(f.vino);
	if (changed)
		*changed = any;
	return st;
}

size_t tbr_logdir_run_count(const struct tbr_logdir *ld)
{
	return ld->nruns;
}

struct tbr_run *tbr_logdir_run(const struct tbr_logdir *ld, size_t i)
{
	return i < ld->nruns ? ld->runs[i] : NULL;
}

struct tbr_run *tbr_logdir_find_run(const struct tbr_logdir *ld,
				    const char *name)
{
	return find_sorted(ld->runs, ld->nruns, name);
}
