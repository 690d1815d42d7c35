/*
 * source.c — the byte stream of one event file, plain or gzip.
 *
 * Layer: reader. Files are opened O_RDONLY and read with pread (never
 * mmap: a log truncated under a mapping would raise SIGBUS). A gzip file
 * (magic 1f 8b) is inflated on the fly; its stream offsets are offsets in
 * the decompressed data, reached by inflating from the start, so a seek
 * backwards restarts the inflater (rare: lazily loaded payloads only).
 */
#include "source_i.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define GZ_IN_CHUNK (256u << 10)

tbr_status tbr_source_open(struct tbr_source *s, const char *path)
{
	struct stat st;
	uint8_t magic[2];

	memset(s, 0, sizeof(*s));
	s->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (s->fd < 0 && errno == ELOOP)
		s->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (s->fd < 0)
		return TBR_ERR_IO;
	if (fstat(s->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int e = errno;
		close(s->fd);
		s->fd = -1;
		errno = S_ISREG(st.st_mode) ? e : EINVAL;
		return TBR_ERR_IO;
	}
	s->size = (uint64_t)st.st_size;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	if (pread(s->fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
		s->gzip = true;
	return TBR_OK;
}

void tbr_source_close(struct tbr_source *s)
{
	if (s->zinit)
		inflateEnd(&s->z);
	free(s->zin);
	if (s->fd >= 0)
		close(s->fd);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

static ssize_t pread_full(int fd, uint8_t *buf, size_t want, uint64_t off)
{
	size_t got = 0;

	while (got < want) {
		ssize_t r = pread(fd, buf + got, want - got, (off_t)(off + got));

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static tbr_status gz_restart(struct tbr_source *s)
{
	if (!s->zin) {
		s->zin = malloc(GZ_IN_CHUNK);
		if (!s->zin)
			return TBR_ERR_NOMEM;
	}
	if (s->zinit) {
		inflateEnd(&s->z);
		s->zinit = false;
	}
	memset(&s->z, 0, sizeof(s->z));
	if (inflateInit2(&s->z, 15 + 32) != Z_OK)
		return TBR_ERR_NOMEM;
	s->zinit = true;
	s->zin_off = 0;
	s->out_pos = 0;
	s->zend = false;
	return TBR_OK;
}

/* Inflates up to @want bytes into @buf; fewer at the end of the data. */
static tbr_status gz_inflate(struct tbr_source *s, uint8_t *buf, size_t want,
			     size_t *got)
{
	*got = 0;
	s->z.next_out = buf;
	s->z.avail_out = (uInt)want;
	while (s->z.avail_out > 0 && !s->zend) {
		if (s->z.avail_in == 0) {
			ssize_t r = pread_full(s->fd, s->zin, GZ_IN_CHUNK,
					       s->zin_off);
			if (r < 0)
				return TBR_ERR_IO;
			if (r == 0)
				break; /* input ends (maybe still being written) */
			s->zin_off += (uint64_t)r;
			s->z.next_in = s->zin;
			s->z.avail_in = (uInt)r;
		}
		int zr = inflate(&s->z, Z_NO_FLUSH);
		if (zr == Z_STREAM_END) {
			/* concatenated members are one stream (gzip -c a b) */
			if (s->z.avail_in > 0 || s->zin_off < s->size)
				inflateReset(&s->z);
			else
				s->zend = true;
		} else if (zr == Z_BUF_ERROR) {
			if (s->z.avail_in == 0)
				continue;
			break;
		} else if (zr != Z_OK) {
			return TBR_ERR_GZIP;
		}
	}
	*got = want - s->z.avail_out;
	s->out_pos += *got;
	return TBR_OK;
}

tbr_status tbr_source_read(struct tbr_source *s, uint64_t pos, uint8_t *buf,
			   size_t want, size_t *got)
{
	*got = 0;
	if (!s->gzip) {
		ssize_t r = pread_full(s->fd, buf, want, pos);

		if (r < 0)
			return TBR_ERR_IO;
		*got = (size_t)r;
		/* Ask for the next window now, so the disk reads it while we
		 * parse this one (a cold first read is otherwise I/O, then
		 * CPU, in turn). */
		if ((size_t)r == want && pos + 2 * want < s->size)
			(void)posix_fadvise(s->fd, (off_t)(pos + want),
					    (off_t)(2 * want), POSIX_FADV_WILLNEED);
		return TBR_OK;
	}
	tbr_status st;
	if (!s->zinit || pos < s->out_pos) {
		st = gz_restart(s);
		if (st != TBR_OK)
			return st;
	}
	while (s->out_pos < pos) {
		size_t skip = pos - s->out_pos, n;

		if (skip > want)
			skip = want;
		st = gz_inflate(s, buf, skip, &n);
		if (st != TBR_OK)
			return st;
		if (n == 0)
			return TBR_OK; /* the stream ends before @pos */
	}
	return gz_inflate(s, buf, want, got);
}
