/*
 * export.c — writes the whole view as a plain directory tree (the bytes
 * the mount would serve), for machines without FUSE and for tests.
 *
 * Layer: fs/ view (no FUSE). Walks the view through its public API only
 * (tbv_opendir / tbv_open / tbv_getattr), one file at a time, so image
 * and audio bytes are held only while their file is written. Files get
 * the mount's mtimes; modes are ordinary (0644/0755 minus umask) so the
 * copy can be updated or removed. Paths are opened relative to directory
 * descriptors, so deep tag trees never hit PATH_MAX.
 */
#include "view_i.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void set_times(struct tbv_view *v, tbv_ino ino, int fd)
{
	struct stat st;
	struct timespec ts[2];

	if (tbv_getattr(v, ino, &st))
		return;
	ts[0] = st.st_mtim;
	ts[1] = st.st_mtim;
	(void)futimens(fd, ts);
}

static int export_file(struct tbv_view *v, tbv_ino ino, int dfd,
		       const char *name)
{
	struct tbv_content *c = NULL;
	const char *bytes;
	int fd = -1, err;

	err = tbv_open(v, ino, &c, NULL);
	if (err)
		return err;
	err = tbv_content_read(v, c, 0, tbv_content_size(c), &bytes);
	if (err)
		goto out;
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
				       O_NOFOLLOW, 0644);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	err = write_all(fd, bytes, tbv_content_size(c));
	if (!err)
		set_times(v, ino, fd);
	if (close(fd) && !err)
		err = -errno;
out:
	tbv_content_release(c);
	return err;
}

/* Exports directory @ino into the open directory @dfd. Entries that
 * vanish meanwhile are skipped; the first other error is returned after
 * everything else was written. */
static int export_dir(struct tbv_view *v, tbv_ino ino, int dfd)
{
	struct tbv_dirlist *d = NULL;
	int first = 0, err;

	err = tbv_opendir(v, ino, &d);
	if (err)
		return err;
	for (size_t i = 0; i < tbv_dirlist_count(d); i++) {
		tbv_ino eino;
		mode_t mode;
		const char *name = tbv_dirlist_name(d, i, &eino, &mode);

		if (S_ISDIR(mode)) {
			int sub;

			if (mkdirat(dfd, name, 0755) && errno != EEXIST) {
				err = -errno;
				goto next;
			}
			sub = openat(dfd, name, O_RDONLY | O_DIRECTORY |
							O_CLOEXEC | O_NOFOLLOW);
			if (sub < 0) {
				err = -errno;
				goto next;
			}
			err = export_dir(v, eino, sub);
			set_times(v, eino, sub);
			close(sub);
		} else {
			err = export_file(v, eino, dfd, name);
		}
next:
		if (err && err != -ENOENT && !first)
			first = err;
	}
	tbv_dirlist_release(d);
	return first;
}

int tbv_export(struct tbv_view *v, const char *outdir)
{
	int dfd, err;

	if (mkdir(outdir, 0755) && errno != EEXIST)
		return -errno;
	dfd = open(outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	err = export_dir(v, TBV_ROOT_INO, dfd);
	set_times(v, TBV_ROOT_INO, dfd);
	close(dfd);
	return err;
}
