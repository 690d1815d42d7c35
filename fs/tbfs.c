/*
 * tbfs.c — the tbfs command: FUSE low-level glue and main.
 *
 * Layer: fs/ glue. Parses options, checks LOGDIR and MOUNTPOINT before
 * mounting, opens the view (view.h) and serves it read-only through the
 * FUSE low-level API from a single-threaded loop (the view is not thread
 * safe). Each op function finds the view node, calls the view and sends
 * exactly one reply; view errors are negative errno values and go straight
 * to fuse_reply_err. Nothing here knows how files are rendered.
 *
 * Shape: libfuse example/hello_ll.c (ops table + main) and squashfuse
 * ll.c (one function per request). `tbfs --export LOGDIR OUTDIR` writes
 * the same tree to a plain directory without FUSE.
 *
 * Kernel caches. Entries and attributes are cached for the refresh
 * interval. A file's bytes are a per-open snapshot kept in fi->fh. The
 * page cache is used (keep_cache) only while a file is stable; when a
 * file changes, or when the size the kernel holds may differ from the
 * snapshot, the open uses direct I/O so that every open file reads its
 * own snapshot, never a mix of versions through shared pages.
 */
#define FUSE_USE_VERSION 314

#include <fuse_lowlevel.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "view.h"

#ifndef TBFS_VERSION
#define TBFS_VERSION "unknown"
#endif

/* Largest request the kernel may send (FUSE_MAX_MAX_PAGES pages): also
 * raises max_pages, so one read request carries up to 1 MiB. */
#define TBFS_MAX_IO (1024 * 1024)

/* What the glue remembers about an inode: who its parent is (for ".."),
 * what size the kernel was last told and until when it may trust it (to
 * know when its cached i_size may disagree with a new snapshot), and how
 * the last open was served. Times are monotonic seconds. */
struct tbfs_node {
	tbv_ino ino;		/* 0 = empty slot */
	tbv_ino parent;
	off_t size_told;
	double told_until;	/* kernel's attributes valid until then */
	unsigned flags;
};

#define NODE_OPENED 1u		/* opened at least once */
#define NODE_LAST_DIRECT 2u	/* last open bypassed the page cache */
/* Seen changing while mounted: from then on every open uses direct I/O
 * and attributes are not cached. Handles on older snapshots may still be
 * open; a short read on one of them makes the kernel shrink the inode's
 * size, which would cut page-cache reads of a newer snapshot mid-row
 * (seen in test_live). Direct reads are not clamped by that size. */
#define NODE_LIVE 4u

struct tbfs_nodes {
	struct tbfs_node *slot;
	size_t cap;		/* power of two */
	size_t used;
};

struct tbfs {
	struct tbv_view *view;
	struct fuse_session *se;
	double timeout;		/* entry/attr timeout = refresh interval */
	struct tbfs_nodes nodes;
	struct fuse_conn_info_opts *conn_opts;
};

/* Command line. Strings are owned (strdup'd by fuse_opt or by us). */
struct tbfs_cfg {
	char *logdir;
	char *mountpoint;
	char *refresh;
	char *cache;
	char *sidecar_max;
	int purge;
	int nonempty;
	int show_help;
	int show_version;
	int export_mode;
	int extra_args;
};

enum {
	KEY_HELP,
	KEY_VERSION,
};

#define CFG_OPT(t, p, v) { t, offsetof(struct tbfs_cfg, p), v }

static const struct fuse_opt tbfs_opt_spec[] = {
	CFG_OPT("refresh=%s", refresh, 0),
	CFG_OPT("cache=%s", cache, 0),
	CFG_OPT("sidecar_max=%s", sidecar_max, 0),
	CFG_OPT("purge", purge, 1),
	CFG_OPT("nopurge", purge, 0),
	CFG_OPT("nonempty", nonempty, 1),
	CFG_OPT("--export", export_mode, 1),
	FUSE_OPT_KEY("-h", KEY_HELP),
	FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_KEY("-V", KEY_VERSION),
	FUSE_OPT_KEY("--version", KEY_VERSION),
	FUSE_OPT_END
};

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- inode table (open addressing, linear probing) ---- */

static size_t node_hash(tbv_ino ino, size_t cap)
{
	uint64_t h = ino * 0x9E3779B97F4A7C15ull;

	return (size_t)(h >> 17) & (cap - 1);
}

static int nodes_grow(struct tbfs_nodes *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 1024;
	struct tbfs_node *ns = calloc(ncap, sizeof(*ns));
	size_t i;

	if (!ns)
		return -ENOMEM;
	for (i = 0; i < t->cap; i++) {
		struct tbfs_node *o = &t->slot[i];
		size_t j;

		if (!o->ino)
			continue;
		j = node_hash(o->ino, ncap);
		while (ns[j].ino)
			j = (j + 1) & (ncap - 1);
		ns[j] = *o;
	}
	free(t->slot);
	t->slot = ns;
	t->cap = ncap;
	return 0;
}

/* Returns the node for @ino, creating it; NULL only when out of memory. */
static struct tbfs_node *node_get(struct tbfs_nodes *t, tbv_ino ino)
{
	size_t j, mask;

	if ((t->used + 1) * 4 > t->cap * 3 && nodes_grow(t))
		return NULL;
	mask = t->cap - 1;
	for (j = node_hash(ino, t->cap); t->slot[j].ino; j = (j + 1) & mask)
		if (t->slot[j].ino == ino)
			return &t->slot[j];
	t->slot[j].ino = ino;
	t->used++;
	return &t->slot[j];
}

static struct tbfs_node *node_find(const struct tbfs_nodes *t, tbv_ino ino)
{
	size_t j, mask;

	if (!t->cap)
		return NULL;
	mask = t->cap - 1;
	for (j = node_hash(ino, t->cap); t->slot[j].ino; j = (j + 1) & mask)
		if (t->slot[j].ino == ino)
			return &t->slot[j];
	return NULL;
}

/* Notes what the kernel is about to cache about @ino and returns the
 * attribute timeout to give it: none while a file is changing, so that
 * a stat sees the newest size at once and a read past the size the
 * kernel holds asks us again (with its handle: see tbfs_op_getattr). */
static double node_told(struct tbfs *fs, tbv_ino ino, const struct stat *st)
{
	struct tbfs_node *n;
	double now, t;

	if (!S_ISREG(st->st_mode))
		return fs->timeout;
	n = node_get(&fs->nodes, ino);
	if (!n)
		return 0;
	now = mono_now();
	t = (n->flags & NODE_LIVE) ? 0 : fs->timeout;
	n->size_told = st->st_size;
	n->told_until = now + t;
	return t;
}

/* View errors are negative errno values; unexpected ones are logged. */
static int view_err(const char *op, fuse_ino_t ino, int err)
{
	int e = err < 0 ? -err : EIO;

	if (e == EIO || e == ENOMEM)
		fuse_log(FUSE_LOG_WARNING, "tbfs: %s of inode %llu: %s\n", op,
			 (unsigned long long)ino, strerror(e));
	return e;
}

static struct tbfs *req_fs(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* ---- operations ---- */

static void tbfs_op_init(void *userdata, struct fuse_conn_info *conn)
{
	struct tbfs *fs = userdata;

	/* Plain readdir: `ls` must not make us stat (render) every entry. */
	conn->want &= ~(unsigned)(FUSE_CAP_READDIRPLUS |
				  FUSE_CAP_READDIRPLUS_AUTO);
	/* Drop cached pages whenever a refreshed mtime or size differs. */
	if (conn->capable & FUSE_CAP_AUTO_INVAL_DATA)
		conn->want |= FUSE_CAP_AUTO_INVAL_DATA;
	/* Bigger requests: max_write also sets max_pages for reads. */
	if (conn->max_write < TBFS_MAX_IO)
		conn->max_write = TBFS_MAX_IO;
	if (conn->max_readahead < TBFS_MAX_IO)
		conn->max_readahead = TBFS_MAX_IO;
	/* Last, so that -o splice_write, max_readahead=N … override us. */
	if (fs->conn_opts)
		fuse_apply_conn_info_opts(fs->conn_opts, conn);
}

static void tbfs_op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct tbfs *fs = req_fs(req);
	struct fuse_entry_param e;
	tbv_ino ino;
	int err;

	memset(&e, 0, sizeof(e));
	err = tbv_lookup(fs->view, parent, name, &ino, &e.attr);
	if (err)
		return (void)fuse_reply_err(req,
					    view_err("lookup", parent, err));
	e.ino = ino;
	e.generation = 1;
	e.attr.st_ino = ino;
	e.entry_timeout = fs->timeout;
	if (S_ISDIR(e.attr.st_mode)) {
		struct tbfs_node *n = node_get(&fs->nodes, ino);

		if (n)
			n->parent = parent;
	}
	e.attr_timeout = node_told(fs, ino, &e.attr);
	fuse_reply_entry(req, &e);
}

static void tbfs_op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	/* Inode numbers live as long as the view: nothing to drop. */
	fuse_reply_none(req);
}

static void tbfs_op_forget_multi(fuse_req_t req, size_t count,
				 struct fuse_forget_data *forgets)
{
	fuse_reply_none(req);
}

static void tbfs_op_getattr(fuse_req_t req, fuse_ino_t ino,
			    struct fuse_file_info *fi)
{
	struct tbfs *fs = req_fs(req);
	struct stat st;
	int err;

	memset(&st, 0, sizeof(st));
	err = tbv_getattr(fs->view, ino, &st);
	if (err)
		return (void)fuse_reply_err(req, view_err("getattr", ino, err));
	st.st_ino = ino;
	/* Asked with a handle (the kernel checks the size before a cached
	 * read): answer with that handle's snapshot, so its EOF is right. */
	if (fi && fi->fh && S_ISREG(st.st_mode))
		st.st_size = (off_t)tbv_content_size(
			(const struct tbv_content *)(uintptr_t)fi->fh);
	fuse_reply_attr(req, &st, node_told(fs, ino, &st));
}

static void tbfs_op_opendir(fuse_req_t req, fuse_ino_t ino,
			    struct fuse_file_info *fi)
{
	struct tbfs *fs = req_fs(req);
	struct tbv_dirlist *d;
	int err;

	err = tbv_opendir(fs->view, ino, &d);
	if (err)
		return (void)fuse_reply_err(req, view_err("opendir", ino, err));
	fi->fh = (uintptr_t)d;
	if (fuse_reply_open(req, fi) == -ENOENT)
		tbv_dirlist_release(d);	/* interrupted: no releasedir follows */
}

/* Offsets are indexes: 0 ".", 1 "..", 2 + i the view's entry i. */
static void tbfs_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			    off_t off, struct fuse_file_info *fi)
{
	struct tbfs *fs = req_fs(req);
	const struct tbv_dirlist *d = (void *)(uintptr_t)fi->fh;
	size_t n = tbv_dirlist_count(d) + 2;
	size_t pos = 0;
	size_t i;
	char *buf;

	if (off < 0)
		return (void)fuse_reply_err(req, EINVAL);
	buf = malloc(size ? size : 1);
	if (!buf)
		return (void)fuse_reply_err(req, ENOMEM);
	for (i = (size_t)off; i < n; i++) {
		struct stat st;
		const char *name;
		size_t len;

		memset(&st, 0, sizeof(st));
		if (i == 0) {
			name = ".";
			st.st_ino = ino;
			st.st_mode = S_IFDIR;
		} else if (i == 1) {
			const struct tbfs_node *p = node_find(&fs->nodes, ino);

			name = "..";
			st.st_ino = p && p->parent ? p->parent : ino;
			st.st_mode = S_IFDIR;
		} else {
			tbv_ino eino = 0;
			mode_t mode = 0;

			name = tbv_dirlist_name(d, i - 2, &eino, &mode);
			st.st_ino = eino;
			st.st_mode = mode;
		}
		len = fuse_add_direntry(req, buf + pos, size - pos, name, &st,
					(off_t)(i + 1));
		if (len > size - pos)
			break;
		pos += len;
	}
	fuse_reply_buf(req, buf, pos);
	free(buf);
}

static void tbfs_op_releasedir(fuse_req_t req, fuse_ino_t ino,
			       struct fuse_file_info *fi)
{
	tbv_dirlist_release((struct tbv_dirlist *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

static void tbfs_op_open(fuse_req_t req, fuse_ino_t ino,
			 struct fuse_file_info *fi)
{
	struct tbfs *fs = req_fs(req);
	struct tbv_content *c;
	struct tbfs_node *n;
	bool changed = true;
	bool direct, stale;
	double now;
	off_t size;
	int err;

	if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC))
		return (void)fuse_reply_err(req, EROFS);
	err = tbv_open(fs->view, ino, &c, &changed);
	if (err)
		return (void)fuse_reply_err(req, view_err("open", ino, err));
	size = (off_t)tbv_content_size(c);
	now = mono_now();
	n = node_get(&fs->nodes, ino);
	if (!n) {
		direct = stale = true;
	} else {
		/* A file seen changing is read directly from then on, so
		 * opens of different versions never share pages or a size. */
		if (changed && (n->flags & NODE_OPENED))
			n->flags |= NODE_LIVE;
		stale = n->size_told != size && now < n->told_until;
		direct = stale || (n->flags & NODE_LIVE);
		/* Cached pages are good only if the last open used them and
		 * saw these same bytes. */
		fi->keep_cache = !direct && !changed &&
				 (n->flags & NODE_OPENED) &&
				 !(n->flags & NODE_LAST_DIRECT);
		n->flags = NODE_OPENED | (n->flags & NODE_LIVE) |
			   (direct ? NODE_LAST_DIRECT : 0);
		if (stale)
			n->told_until = 0;
	}
	/* The kernel holds another size: make it ask again (getattr on this
	 * handle then answers with the snapshot's size). Attributes only
	 * (offset < 0), so no page lock is taken and this cannot deadlock
	 * inside a request; errors (ENOENT, ENODEV at unmount) are harmless. */
	if (stale)
		fuse_lowlevel_notify_inval_inode(fs->se, ino, -1, 0);
	fi->direct_io = direct;
	fi->fh = (uintptr_t)c;
	if (fuse_reply_open(req, fi) == -ENOENT)
		tbv_content_release(c);	/* interrupted: no release follows */
}

static void tbfs_op_read(fuse_req_t req, fuse_ino_t ino, size_t size,
			 off_t off, struct fuse_file_info *fi)
{
	struct tbfs *fs = req_fs(req);
	struct tbv_content *c = (void *)(uintptr_t)fi->fh;
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(0);
	size_t len = tbv_content_size(c);
	const char *bytes;
	int err;

	if (off < 0)
		return (void)fuse_reply_err(req, EINVAL);
	if ((size_t)off >= len)
		return (void)fuse_reply_buf(req, NULL, 0);
	if (size > len - (size_t)off)
		size = len - (size_t)off;
	/* Big CSV/JSON files are written here, a window at a time. */
	err = tbv_content_read(fs->view, c, (size_t)off, size, &bytes);
	if (err)
		return (void)fuse_reply_err(req, view_err("read", ino, err));
	/* Straight from the snapshot, no copy (spliced if -o splice_write). */
	bv.buf[0].size = size;
	bv.buf[0].mem = (char *)bytes;
	fuse_reply_data(req, &bv, 0);
}

static void tbfs_op_release(fuse_req_t req, fuse_ino_t ino,
			    struct fuse_file_info *fi)
{
	tbv_content_release((struct tbv_content *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

static void tbfs_op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv;

	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = 4096;
	sv.f_frsize = 4096;
	sv.f_namemax = 255;
	sv.f_flag = ST_RDONLY;
	fuse_reply_statfs(req, &sv);
}

/* Every mutating request: the tree is read-only. (The kernel refuses most
 * of them already, as the mount is `ro`; these are the backstop.) */

static void tbfs_op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
			    int to_set, struct fuse_file_info *fi)
{
	fuse_reply_err(req, EROFS);
}

static void tbfs_op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
			  mode_t mode, dev_t rdev)
{
	fuse_reply_err(req, EROFS);
}

static void tbfs_op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
			  mode_t mode)
{
	fuse_reply_err(req, EROFS);
}

static void tbfs_op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fuse_reply_err(req, EROFS);
}

static void tbfs_op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fuse_reply_err(req, EROFS);
}

static void tbfs_op_symlink(fuse_req_t req, const char *link,
			    fuse_ino_t parent, const char *name)
{
	fuse_reply_err(req, EROFS);
}

static void tbfs_op_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
			   fuse_ino_t newparent, const char *newname,
			   unsigned int flags)
{
	fuse_reply_err(req, EROFS);
}

static void tbfs_op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
			 const char *newname)
{
	fuse_reply_err(req, EROFS);
}

static void tbfs_op_create(fuse_req_t req, fuse_ino_t parent, const char *name,
			   mode_t mode, struct fuse_file_info *fi)
{
	fuse_reply_err(req, EROFS);
}

static void tbfs_op_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
			  size_t size, off_t off, struct fuse_file_info *fi)
{
	fuse_reply_err(req, EROFS);
}

static void tbfs_op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			     const char *value, size_t size, int flags)
{
	fuse_reply_err(req, EROFS);
}

static void tbfs_op_removexattr(fuse_req_t req, fuse_ino_t ino,
				const char *name)
{
	fuse_reply_err(req, EROFS);
}

static void tbfs_op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode,
			      off_t offset, off_t length,
			      struct fuse_file_info *fi)
{
	fuse_reply_err(req, EROFS);
}

static void tbfs_op_copy_file_range(fuse_req_t req, fuse_ino_t ino_in,
				    off_t off_in, struct fuse_file_info *fi_in,
				    fuse_ino_t ino_out, off_t off_out,
				    struct fuse_file_info *fi_out, size_t len,
				    int flags)
{
	fuse_reply_err(req, EROFS);
}

static const struct fuse_lowlevel_ops tbfs_ops = {
	.init = tbfs_op_init,
	.lookup = tbfs_op_lookup,
	.forget = tbfs_op_forget,
	.forget_multi = tbfs_op_forget_multi,
	.getattr = tbfs_op_getattr,
	.opendir = tbfs_op_opendir,
	.readdir = tbfs_op_readdir,
	.releasedir = tbfs_op_releasedir,
	.open = tbfs_op_open,
	.read = tbfs_op_read,
	.release = tbfs_op_release,
	.statfs = tbfs_op_statfs,
	.setattr = tbfs_op_setattr,
	.mknod = tbfs_op_mknod,
	.mkdir = tbfs_op_mkdir,
	.unlink = tbfs_op_unlink,
	.rmdir = tbfs_op_rmdir,
	.symlink = tbfs_op_symlink,
	.rename = tbfs_op_rename,
	.link = tbfs_op_link,
	.create = tbfs_op_create,
	.write = tbfs_op_write,
	.setxattr = tbfs_op_setxattr,
	.removexattr = tbfs_op_removexattr,
	.fallocate = tbfs_op_fallocate,
	.copy_file_range = tbfs_op_copy_file_range,
};

/* ---- command line ---- */

/* Problems met while reading the logs (skipped records), from the view.
 * With -f they reach stderr; daemonized, syslog via fuse_log. */
static void log_line(void *ud, const char *msg)
{
	(void)ud;
	fuse_log(FUSE_LOG_WARNING, "tbfs: %s\n", msg);
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: tbfs [options] LOGDIR MOUNTPOINT\n"
"       tbfs --export [options] LOGDIR OUTDIR\n"
"\n"
"Shows the TensorBoard event logs under LOGDIR as a read-only tree of CSV\n"
"and JSON files at MOUNTPOINT. Unmount with: fusermount3 -u MOUNTPOINT\n"
"\n"
"tbfs options:\n"
"    -h   --help            print this help and exit\n"
"    -V   --version         print version and exit\n"
"    --export               write the tree to the directory OUTDIR, no FUSE\n"
"    -o refresh=SECS        re-check the logs at most every SECS seconds;\n"
"                           also the kernel's cache time (default 2)\n"
"    -o cache=SIZE          memory cap for rendered files, e.g. 512M\n"
"                           (suffixes K, M, G; default: the size of the\n"
"                           index of the logs read so far, at least 16M)\n"
"    -o purge               TensorBoard's purged view after restarts\n"
"    -o nopurge             keep every point (default)\n"
"    -o sidecar_max=SIZE    largest sidecar file shown (default 1M)\n"
"    -o nonempty            allow mounting over a non-empty directory\n"
"\n"
"FUSE options:\n"
"    -f                     stay in the foreground\n"
"    -d   -o debug          print every FUSE request (implies -f)\n"
"    -s                     accepted; tbfs always serves from one thread\n"
"    -o max_readahead=N     kernel readahead in bytes (default 1M)\n"
"    -o [no_]splice_write   splice file data to the kernel (default off)\n");
}

static int tbfs_opt_proc(void *data, const char *arg, int key,
			 struct fuse_args *outargs)
{
	struct tbfs_cfg *cfg = data;

	switch (key) {
	case KEY_HELP:
		cfg->show_help = 1;
		return 0;
	case KEY_VERSION:
		cfg->show_version = 1;
		return 0;
	case FUSE_OPT_KEY_NONOPT:
		if (!cfg->logdir) {
			cfg->logdir = strdup(arg);
			return 0;
		}
		if (!cfg->mountpoint) {
			cfg->mountpoint = strdup(arg);
			return 0;
		}
		if (!cfg->extra_args++)
			fprintf(stderr, "tbfs: unexpected argument '%s'; "
				"usage: tbfs [options] LOGDIR MOUNTPOINT\n",
				arg);
		return 0;
	default:
		return 1;
	}
}

/* "256M" → bytes. Suffixes K, M, G, T (powers of 1024), optional "B" or
 * "iB". Returns 0 or -1. */
static int parse_size(const char *s, size_t *out)
{
	unsigned long long mult = 1;
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || !isfinite(v) || v < 0)
		return -1;
	switch (*end) {
	case 'k': case 'K': mult = 1ull << 10; end++; break;
	case 'm': case 'M': mult = 1ull << 20; end++; break;
	case 'g': case 'G': mult = 1ull << 30; end++; break;
	case 't': case 'T': mult = 1ull << 40; end++; break;
	default: break;
	}
	if (mult > 1 && *end == 'i')
		end++;
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end)
		return -1;
	v *= (double)mult;
	if (v >= (double)SIZE_MAX)
		return -1;
	*out = (size_t)v;
	return 0;
}

static int parse_view_options(const struct tbfs_cfg *cfg,
			      struct tbv_options *vo)
{
	tbv_options_default(vo);
	if (cfg->refresh) {
		char *end;
		double v;

		errno = 0;
		v = strtod(cfg->refresh, &end);
		if (end == cfg->refresh || *end || errno || !isfinite(v) ||
		    v < 0 || v > 1e6) {
			fprintf(stderr, "tbfs: bad refresh=%s; give seconds, "
				"e.g. -o refresh=2 or -o refresh=0.5\n",
				cfg->refresh);
			return -1;
		}
		vo->refresh_secs = v;
	}
	if (cfg->cache && parse_size(cfg->cache, &vo->cache_bytes)) {
		fprintf(stderr, "tbfs: bad cache=%s; give a size such as "
			"-o cache=256M (suffixes K, M, G)\n", cfg->cache);
		return -1;
	}
	if (cfg->sidecar_max &&
	    parse_size(cfg->sidecar_max, &vo->sidecar_max_bytes)) {
		fprintf(stderr, "tbfs: bad sidecar_max=%s; give a size such "
			"as -o sidecar_max=1M (suffixes K, M, G)\n",
			cfg->sidecar_max);
		return -1;
	}
	vo->purge_orphaned = cfg->purge;
	return 0;
}

/* ---- checks before mounting: one line each, saying what to do ---- */

static int check_logdir(const char *logdir)
{
	struct stat st;
	DIR *d;

	if (stat(logdir, &st)) {
		int saverr = errno;

		if (saverr == ENOENT)
			fprintf(stderr, "tbfs: LOGDIR '%s' does not exist; "
				"give the directory that holds your event "
				"files\n", logdir);
		else
			fprintf(stderr, "tbfs: cannot access LOGDIR '%s': %s\n",
				logdir, strerror(saverr));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "tbfs: LOGDIR '%s' is not a directory; give "
			"the directory that holds your event files, not a "
			"file\n", logdir);
		return -1;
	}
	d = opendir(logdir);
	if (!d || access(logdir, R_OK | X_OK)) {
		int saverr = errno;

		if (d)
			closedir(d);
		fprintf(stderr, "tbfs: cannot read LOGDIR '%s': %s; check its "
			"permissions\n", logdir, strerror(saverr));
		return -1;
	}
	closedir(d);
	return 0;
}

/* Is @path (canonical) listed as a mount point in /proc/self/mountinfo? */
static int in_mountinfo(const char *path)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	int found = 0;

	if (!f)
		return 0;
	while (!found && getline(&line, &cap, f) > 0) {
		char mnt[PATH_MAX];
		const char *p = line;
		size_t k = 0;
		int field;

		/* Field 5 is the mount point, with octal escapes (\040). */
		for (field = 1; field < 5 && p; field++) {
			p = strchr(p, ' ');
			if (p)
				p++;
		}
		if (!p)
			continue;
		while (*p && *p != ' ' && k + 1 < sizeof(mnt)) {
			if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' &&
			    p[2] >= '0' && p[2] <= '7' && p[3] >= '0' &&
			    p[3] <= '7') {
				mnt[k++] = (char)((p[1] - '0') * 64 +
						  (p[2] - '0') * 8 +
						  (p[3] - '0'));
				p += 4;
			} else {
				mnt[k++] = *p++;
			}
		}
		mnt[k] = '\0';
		found = strcmp(mnt, path) == 0;
	}
	free(line);
	fclose(f);
	return found;
}

static int check_mountpoint(const char *mnt, const char *logdir_real,
			    int nonempty)
{
	char real[PATH_MAX];
	char parent[PATH_MAX + 4];
	struct stat st, pst;
	struct dirent *de;
	size_t ll, ml;
	DIR *d;

	/* A descriptor handed over by a privileged parent (mount.fuse3 with
	 * drop_privileges): already mounted, nothing to check. */
	if (!strncmp(mnt, "/dev/fd/", 8))
		return 0;
	if (stat(mnt, &st)) {
		int saverr = errno;

		if (saverr == ENOENT)
			fprintf(stderr, "tbfs: MOUNTPOINT '%s' does not exist; "
				"create it first: mkdir -p '%s'\n", mnt, mnt);
		else if (saverr == ENOTCONN)
			fprintf(stderr, "tbfs: MOUNTPOINT '%s' is a dead FUSE "
				"mount; clear it with: fusermount3 -u '%s'\n",
				mnt, mnt);
		else
			fprintf(stderr, "tbfs: cannot access MOUNTPOINT '%s': "
				"%s\n", mnt, strerror(saverr));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "tbfs: MOUNTPOINT '%s' is not a directory; "
			"give an empty directory\n", mnt);
		return -1;
	}
	if (!realpath(mnt, real)) {
		fprintf(stderr, "tbfs: cannot resolve MOUNTPOINT '%s': %s\n",
			mnt, strerror(errno));
		return -1;
	}
	snprintf(parent, sizeof(parent), "%s/..", real);
	if (!stat(parent, &pst) &&
	    (pst.st_dev != st.st_dev || pst.st_ino == st.st_ino ||
	     in_mountinfo(real))) {
		fprintf(stderr, "tbfs: MOUNTPOINT '%s' is busy: something is "
			"already mounted there; unmount it (fusermount3 -u "
			"'%s') or choose another directory\n", mnt, mnt);
		return -1;
	}
	/* Mounting inside LOGDIR would make tbfs read its own output, and
	 * over it would hide the logs from tbfs itself. */
	ll = strlen(logdir_real);
	if (!strncmp(real, logdir_real, ll) &&
	    (real[ll] == '\0' || real[ll] == '/' || ll == 1)) {
		fprintf(stderr, "tbfs: MOUNTPOINT '%s' is LOGDIR or inside "
			"it; choose a directory outside the logs\n", mnt);
		return -1;
	}
	ml = strlen(real);
	if (!strncmp(logdir_real, real, ml) &&
	    (logdir_real[ml] == '/' || ml == 1)) {
		fprintf(stderr, "tbfs: MOUNTPOINT '%s' contains LOGDIR; the "
			"mount would hide the logs: choose another directory\n",
			mnt);
		return -1;
	}
	if (nonempty)
		return 0;
	d = opendir(mnt);
	if (!d)
		return 0;	/* unreadable to us: the mount will tell */
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			closedir(d);
			fprintf(stderr, "tbfs: MOUNTPOINT '%s' is not empty; "
				"choose an empty directory or add -o "
				"nonempty\n", mnt);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

static int find_in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "/usr/bin/%s", prog);
	if (!access(buf, X_OK))
		return 1;
	while (path && *path) {
		const char *colon = strchr(path, ':');
		size_t n = colon ? (size_t)(colon - path) : strlen(path);

		if (n && n + strlen(prog) + 2 <= sizeof(buf)) {
			memcpy(buf, path, n);
			buf[n] = '/';
			strcpy(buf + n + 1, prog);
			if (!access(buf, X_OK))
				return 1;
		}
		path = colon ? colon + 1 : NULL;
	}
	return 0;
}

static int check_fuse(void)
{
	struct stat st;
	int fd;

	if (stat("/dev/fuse", &st) || !S_ISCHR(st.st_mode)) {
		fprintf(stderr, "tbfs: /dev/fuse is missing; load the module "
			"(modprobe fuse) or, in a container, pass the device "
			"(docker run --device /dev/fuse --cap-add "
			"SYS_ADMIN)\n");
		return -1;
	}
	/* libfuse opens the device itself, as root or not (fusermount3 only
	 * does the mount(2) for a user). */
	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "tbfs: cannot open /dev/fuse: %s; it must be "
			"crw-rw-rw- (chmod 0666 /dev/fuse as root), or mount "
			"as root\n", strerror(errno));
		return -1;
	}
	close(fd);
	if (geteuid() != 0 && !find_in_path("fusermount3")) {
		fprintf(stderr, "tbfs: fusermount3 not found in PATH; install "
			"it (Debian: apt-get install fuse3) or mount as "
			"root\n");
		return -1;
	}
	return 0;
}

/* Forced mount options, appended last so they win over any -o given:
 * read-only, kernel permission checks, and a name mount(8) and fstab
 * can show: fuse.tbfs, source tbfs:LOGDIR. */
static int add_forced_options(struct fuse_args *args, const char *logdir)
{
	char *opts = NULL;
	char *fsname;
	int ret = -1;

	if (asprintf(&fsname, "fsname=tbfs:%s", logdir) < 0)
		return -1;
	if (fuse_opt_add_opt(&opts, "ro") ||
	    fuse_opt_add_opt(&opts, "default_permissions") ||
	    fuse_opt_add_opt(&opts, "subtype=tbfs") ||
	    fuse_opt_add_opt_escaped(&opts, fsname) ||
	    fuse_opt_add_arg(args, "-o") || fuse_opt_add_arg(args, opts))
		goto out;
	ret = 0;
out:
	free(opts);
	free(fsname);
	return ret;
}

static int run_export(const char *logdir, const char *outdir,
		      const struct tbv_options *vo)
{
	struct tbv_view *v;
	int err;

	err = tbv_view_open(logdir, vo, &v);
	if (err) {
		fprintf(stderr, "tbfs: cannot open LOGDIR '%s': %s\n", logdir,
			strerror(-err));
		return 1;
	}
	err = tbv_export(v, outdir);
	tbv_view_close(v);
	if (err) {
		fprintf(stderr, "tbfs: export to '%s' failed: %s\n", outdir,
			strerror(-err));
		return 1;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct tbfs_cfg cfg;
	struct tbv_options vo;
	struct fuse_session *se;
	struct tbfs fs;
	char logdir[PATH_MAX];
	int ret = 1;
	int err;

	memset(&cfg, 0, sizeof(cfg));
	memset(&opts, 0, sizeof(opts));
	memset(&fs, 0, sizeof(fs));
	/* Rendered files are big, short-lived buffers. glibc raises its mmap
	 * threshold to the size of each such buffer freed (up to 32 MiB), after
	 * which same-sized buffers come from the heap and their memory may
	 * stay with the daemon once freed. A fixed threshold keeps every
	 * buffer over 1 MiB in its own mapping, returned to the system at
	 * free. */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);

	if (fuse_opt_parse(&args, &cfg, tbfs_opt_spec, tbfs_opt_proc))
		goto out_args;
	if (cfg.show_help) {
		usage(stdout);
		fflush(stdout);
		fuse_lowlevel_help();
		ret = 0;
		goto out_args;
	}
	if (cfg.show_version) {
		printf("tbfs version %s\n", TBFS_VERSION);
		printf("FUSE library version %s\n", fuse_pkgversion());
		fflush(stdout);
		fuse_lowlevel_version();
		ret = 0;
		goto out_args;
	}
	if (cfg.extra_args)
		goto out_args;
	if (!cfg.logdir) {
		fprintf(stderr, "tbfs: missing LOGDIR and MOUNTPOINT; usage: "
			"tbfs [options] LOGDIR MOUNTPOINT (tbfs --help)\n");
		goto out_args;
	}
	if (!cfg.mountpoint) {
		fprintf(stderr, "tbfs: missing %s; usage: tbfs [options] "
			"LOGDIR MOUNTPOINT (tbfs --help)\n",
			cfg.export_mode ? "OUTDIR" : "MOUNTPOINT");
		goto out_args;
	}
	if (parse_view_options(&cfg, &vo))
		goto out_args;
	if (check_logdir(cfg.logdir))
		goto out_args;
	if (!realpath(cfg.logdir, logdir)) {
		fprintf(stderr, "tbfs: cannot resolve LOGDIR '%s': %s\n",
			cfg.logdir, strerror(errno));
		goto out_args;
	}
	if (cfg.export_mode) {
		ret = run_export(logdir, cfg.mountpoint, &vo);
		goto out_args;
	}

	/* Standard FUSE options (-f, -d, -s, -o allow_other …). The loop is
	 * always single-threaded, whatever -s says. */
	if (fuse_parse_cmdline(&args, &opts))
		goto out_args;
	fs.conn_opts = fuse_parse_conn_info_opts(&args);
	if (!fs.conn_opts)
		goto out_args;
	if (add_forced_options(&args, logdir))
		goto out_conn;
	if (check_mountpoint(cfg.mountpoint, logdir, cfg.nonempty) ||
	    check_fuse())
		goto out_conn;

	err = tbv_view_open(logdir, &vo, &fs.view);
	if (err) {
		fprintf(stderr, "tbfs: cannot open LOGDIR '%s': %s\n", logdir,
			strerror(-err));
		goto out_conn;
	}
	fs.timeout = vo.refresh_secs;
	tbv_set_logger(fs.view, log_line, NULL);

	se = fuse_session_new(&args, &tbfs_ops, sizeof(tbfs_ops), &fs);
	if (!se) {
		fprintf(stderr, "tbfs: bad options; see tbfs --help\n");
		goto out_view;
	}
	fs.se = se;
	if (fuse_set_signal_handlers(se))
		goto out_session;
	if (fuse_session_mount(se, cfg.mountpoint)) {
		fprintf(stderr, "tbfs: mounting on '%s' failed (see the "
			"message above)\n", cfg.mountpoint);
		goto out_signals;
	}
	if (fuse_daemonize(opts.foreground))
		goto out_unmount;

	/* Returns 0 after fusermount3 -u, the signal number after SIGINT,
	 * SIGTERM or SIGHUP (a clean stop too), negative on error. */
	err = fuse_session_loop(se);
	ret = err < 0 ? 1 : 0;

out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_view:
	tbv_view_close(fs.view);
	free(fs.nodes.slot);
out_conn:
	free(fs.conn_opts);
	free(opts.mountpoint);
out_args:
	fuse_opt_free_args(&args);
	free(cfg.logdir);
	free(cfg.mountpoint);
	free(cfg.refresh);
	free(cfg.cache);
	free(cfg.sidecar_max);
	return ret;
}
