/*
 * memfs_ceiling — the FUSE ceiling: one file served from memory.
 *
 * Layer: tests/bench (a measuring tool, not part of tbfs). Mounts a root
 * directory holding one read-only file, `data`, of N bytes of CSV-like
 * text generated in memory at start, and serves it with the same FUSE
 * settings as tbfs (low-level API, single-threaded loop, 1 MiB requests,
 * readdirplus off, fuse_reply_data from memory). Reading `data` through
 * the mount measures what FUSE itself can deliver on this machine, the
 * ceiling tbfs's first read of a rendered file is compared with.
 * Every open drops the page cache (keep_cache off), so each read of
 * `data` goes through FUSE; with -o keep_cache the page cache is kept
 * across opens (the ceiling of a second, cached read through FUSE).
 *
 * Run:
 *   memfs_ceiling -f -o size=1G[,keep_cache] MOUNTPOINT &
 *   dd if=MOUNTPOINT/data of=/dev/null bs=1M
 *   fusermount3 -u MOUNTPOINT
 */
#define FUSE_USE_VERSION 314

#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MEMFS_MAX_IO (1024 * 1024)
#define DATA_INO 2

static char *data;
static size_t data_size;
static int keep_cache;

static int memfs_stat(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_uid = getuid();
	st->st_gid = getgid();
	if (ino == FUSE_ROOT_ID) {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
	} else if (ino == DATA_INO) {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = (off_t)data_size;
	} else {
		return -1;
	}
	return 0;
}

static void memfs_op_init(void *userdata, struct fuse_conn_info *conn)
{
	conn->want &= ~(unsigned)(FUSE_CAP_READDIRPLUS |
				  FUSE_CAP_READDIRPLUS_AUTO);
	if (conn->max_write < MEMFS_MAX_IO)
		conn->max_write = MEMFS_MAX_IO;
	if (conn->max_readahead < MEMFS_MAX_IO)
		conn->max_readahead = MEMFS_MAX_IO;
}

static void memfs_op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	if (parent != FUSE_ROOT_ID || strcmp(name, "data"))
		return (void)fuse_reply_err(req, ENOENT);
	e.ino = DATA_INO;
	e.generation = 1;
	e.attr_timeout = 60;
	e.entry_timeout = 60;
	memfs_stat(DATA_INO, &e.attr);
	fuse_reply_entry(req, &e);
}

static void memfs_op_getattr(fuse_req_t req, fuse_ino_t ino,
			     struct fuse_file_info *fi)
{
	struct stat st;

	if (memfs_stat(ino, &st))
		return (void)fuse_reply_err(req, ENOENT);
	fuse_reply_attr(req, &st, 60);
}

static void memfs_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			     off_t off, struct fuse_file_info *fi)
{
	static const char *const names[] = { ".", "..", "data" };
	static const fuse_ino_t inos[] = { FUSE_ROOT_ID, FUSE_ROOT_ID,
					   DATA_INO };
	char buf[512];
	size_t pos = 0;
	off_t i;

	if (ino != FUSE_ROOT_ID)
		return (void)fuse_reply_err(req, ENOTDIR);
	if (size > sizeof(buf))
		size = sizeof(buf);
	for (i = off; i < 3; i++) {
		struct stat st;
		size_t len;

		memset(&st, 0, sizeof(st));
		st.st_ino = inos[i];
		st.st_mode = i < 2 ? S_IFDIR : S_IFREG;
		len = fuse_add_direntry(req, buf + pos, size - pos, names[i],
					&st, i + 1);
		if (len > size - pos)
			break;
		pos += len;
	}
	fuse_reply_buf(req, buf, pos);
}

static void memfs_op_open(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	if (ino != DATA_INO)
		return (void)fuse_reply_err(req, EISDIR);
	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return (void)fuse_reply_err(req, EROFS);
	fi->keep_cache = keep_cache;
	fuse_reply_open(req, fi);
}

static void memfs_op_read(fuse_req_t req, fuse_ino_t ino, size_t size,
			  off_t off, struct fuse_file_info *fi)
{
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(0);

	if ((size_t)off >= data_size)
		return (void)fuse_reply_buf(req, NULL, 0);
	if (size > data_size - (size_t)off)
		size = data_size - (size_t)off;
	bv.buf[0].size = size;
	bv.buf[0].mem = data + off;
	fuse_reply_data(req, &bv, FUSE_BUF_SPLICE_MOVE);
}

static const struct fuse_lowlevel_ops memfs_ops = {
	.init = memfs_op_init,
	.lookup = memfs_op_lookup,
	.getattr = memfs_op_getattr,
	.readdir = memfs_op_readdir,
	.open = memfs_op_open,
	.read = memfs_op_read,
};

struct memfs_cfg {
	char *size;
	int keep_cache;
};

static const struct fuse_opt memfs_opt_spec[] = {
	{ "size=%s", offsetof(struct memfs_cfg, size), 0 },
	{ "keep_cache", offsetof(struct memfs_cfg, keep_cache), 1 },
	FUSE_OPT_END
};

static int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (end == s || *end)
		return -1;
	*out = (size_t)v;
	return 0;
}

/* CSV-like rows ("step,wall_time,value"), so the bytes resemble tbfs's:
 * the first MiB is written row by row, then repeated. */
static void fill(char *p, size_t n)
{
	size_t pos = 0;
	unsigned long step = 0;

	while (pos < n && pos < MEMFS_MAX_IO) {
		char row[64];
		int len = snprintf(row, sizeof(row), "%lu,%.17g,%.9g\n", step,
				   1.6e9 + (double)step * 0.731,
				   1.0 / (double)(step + 1));
		size_t k = (size_t)len < n - pos ? (size_t)len : n - pos;

		memcpy(p + pos, row, k);
		pos += k;
		step++;
	}
	for (; pos < n; pos += MEMFS_MAX_IO) {
		size_t k = n - pos < MEMFS_MAX_IO ? n - pos : MEMFS_MAX_IO;

		memcpy(p + pos, p, k);
	}
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct memfs_cfg cfg = { NULL, 0 };
	struct fuse_session *se;
	int ret = 1;

	memset(&opts, 0, sizeof(opts));
	if (fuse_opt_parse(&args, &cfg, memfs_opt_spec, NULL) ||
	    fuse_parse_cmdline(&args, &opts))
		goto out_args;
	if (opts.show_help || !opts.mountpoint) {
		printf("usage: %s [-f] -o size=N[K|M|G][,keep_cache] "
		       "MOUNTPOINT\n", argv[0]);
		ret = opts.show_help ? 0 : 1;
		goto out_args;
	}
	if (parse_size(cfg.size ? cfg.size : "100M", &data_size)) {
		fprintf(stderr, "memfs_ceiling: bad size=%s\n", cfg.size);
		goto out_args;
	}
	data = malloc(data_size ? data_size : 1);
	if (!data) {
		fprintf(stderr, "memfs_ceiling: out of memory\n");
		goto out_args;
	}
	fill(data, data_size);
	keep_cache = cfg.keep_cache;
	if (fuse_opt_add_arg(&args, "-oro,subtype=memfs_ceiling"))
		goto out_data;

	se = fuse_session_new(&args, &memfs_ops, sizeof(memfs_ops), NULL);
	if (!se)
		goto out_data;
	if (fuse_set_signal_handlers(se))
		goto out_session;
	if (fuse_session_mount(se, opts.mountpoint))
		goto out_signals;
	fuse_daemonize(opts.foreground);
	ret = fuse_session_loop(se) < 0 ? 1 : 0;
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_data:
	free(data);
out_args:
	free(opts.mountpoint);
	free(cfg.size);
	fuse_opt_free_args(&args);
	return ret;
}
