/*
 * view.h — the log tree seen as a tree of files (tbfs's contract).
 *
 * Layer: fs/ view (no FUSE header here). The FUSE glue (tbfs.c) and the
 * plain-directory exporter (export.c) both drive this API; neither knows
 * how files are rendered.
 *
 * Ownership: tbv_view_open returns a view owned by the caller
 * (tbv_view_close). Directory listings and file contents are snapshots
 * owned by the caller until tbv_dirlist_release / tbv_content_release;
 * they stay valid (and unchanged) however the logs grow meanwhile.
 * Contents are released before the view is closed.
 *
 * Errors are negative errno values (-ENOENT, -ENOTDIR, -EISDIR, -EIO,
 * -ENOMEM); 0 is success.
 *
 * Thread safety: none; callers serialise (tbfs runs a single-threaded loop).
 */
#ifndef TBFS_VIEW_H
#define TBFS_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tbv_view;
struct tbv_dirlist;
struct tbv_content;

/* Inode numbers: the root is 1 (FUSE_ROOT_ID). A path keeps its inode
 * number for the life of the view. */
typedef uint64_t tbv_ino;
#define TBV_ROOT_INO 1

struct tbv_options {
	double refresh_secs;   /* re-check the logs at most this often (2.0) */
	size_t cache_bytes;    /* cap on rendered contents kept; SIZE_MAX (the
				  default) = sized by the reader's index */
	bool purge_orphaned;   /* TensorBoard's purged view after restarts */
	uid_t uid;             /* owner reported for every node */
	gid_t gid;
	size_t sidecar_max_bytes; /* largest sidecar file shown (1 MiB) */
};

/* Fills @o with the defaults above and the calling user's uid/gid. */
void tbv_options_default(struct tbv_options *o);

/* Opens the view of @logdir. Nothing is walked or parsed until a node is
 * used, so this is instant for any tree size. */
int tbv_view_open(const char *logdir, const struct tbv_options *opts,
		  struct tbv_view **out);
void tbv_view_close(struct tbv_view *v);

/* Receives one line (no newline) per problem met while reading the logs:
 * records skipped in an event file, and why. Called during view calls,
 * from the calling thread. @fn NULL turns logging off. */
typedef void (*tbv_log_fn)(void *ud, const char *msg);
void tbv_set_logger(struct tbv_view *v, tbv_log_fn fn, void *ud);

/* Finds @name in directory @parent; fills @st (may be NULL). */
int tbv_lookup(struct tbv_view *v, tbv_ino parent, const char *name,
	       tbv_ino *ino, struct stat *st);

/* Attributes: mode 0444 files / 0555 dirs, exact st_size, st_mtime the
 * newest modification of the event files the node derives from. */
int tbv_getattr(struct tbv_view *v, tbv_ino ino, struct stat *st);

/* Snapshot of a directory, entries sorted by name ("." and ".." not
 * included). */
int tbv_opendir(struct tbv_view *v, tbv_ino ino, struct tbv_dirlist **out);
size_t tbv_dirlist_count(const struct tbv_dirlist *d);
/* Entry @i: name, inode and mode (S_IFDIR|0555 or S_IFREG|0444). */
const char *tbv_dirlist_name(const struct tbv_dirlist *d, size_t i,
			     tbv_ino *ino, mode_t *mode);
void tbv_dirlist_release(struct tbv_dirlist *d);

/* Snapshot of a file's bytes. *@changed (may be NULL) is set when the
 * content differs from what the previous tbv_open of this inode returned
 * (the FUSE glue then drops the kernel's page cache for it). */
int tbv_open(struct tbv_view *v, tbv_ino ino, struct tbv_content **out,
	     bool *changed);
size_t tbv_content_size(const struct tbv_content *c);
/* Points *@out at bytes [@off, @off + @len) of the snapshot (clamped to
 * its size), valid until the release. Big CSV and JSON files are written
 * on demand, so the first read of a range may take a moment and may fail
 * (-ENOMEM, -EIO); the view must be the one that opened @c. */
int tbv_content_read(struct tbv_view *v, struct tbv_content *c, size_t off,
		     size_t len, const char **out);
void tbv_content_release(struct tbv_content *c);

/* Writes the whole view as a plain directory tree under @outdir (created
 * if missing). Returns 0 or a negative errno. */
int tbv_export(struct tbv_view *v, const char *outdir);

#ifdef __cplusplus
}
#endif

#endif /* TBFS_VIEW_H */
