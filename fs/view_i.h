/*
 * view_i.h — private declarations shared by the view and render modules.
 *
 * Layer: fs/ view. Nothing here is visible to the FUSE glue (tbfs.c),
 * which only sees view.h.
 *
 * Ownership: the view owns every struct tbv_vrun, tbv_dnode and tbv_node;
 * renderers borrow them for one call and write into a caller-owned
 * struct tbv_buf. Pointers lent by the reader (tags, names, hparams) are
 * used only between a refresh (tbv_vrun_ensure) and the end of the current
 * view call, never kept.
 */
#ifndef TBFS_VIEW_I_H
#define TBFS_VIEW_I_H

#include "numfmt.h"
#include "tbr.h"
#include "view.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------- hashing (view_util.c) */

uint64_t tbv_fnv1a(const void *data, size_t len);
/* Mixes @v into the running generation @h (order matters). */
static inline uint64_t tbv_mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	return h;
}

/* qsort that accepts an empty (NULL) array. */
static inline void tbv_qsort(void *base, size_t n, size_t size,
			     int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

/* A chained hash map from byte strings to pointers. Keys are copied;
 * values are borrowed (tbv_map_clear can free them). */
struct tbv_mapent;
struct tbv_map {
	struct tbv_mapent **b;
	size_t nb, n;
};
void *tbv_map_get(const struct tbv_map *m, const void *key, size_t klen);
/* Inserts or replaces. Returns 0 or -ENOMEM. */
int tbv_map_put(struct tbv_map *m, const void *key, size_t klen, void *val);
void tbv_map_del(struct tbv_map *m, const void *key, size_t klen);
void tbv_map_clear(struct tbv_map *m, void (*free_val)(void *));

/* -------------------------------------------- output buffer (view_util.c) */

/* A growable byte buffer. On allocation failure it sets @oom and drops
 * further writes, so renderers check once at the end. */
struct tbv_buf {
	char *p;
	size_t len, cap;
	bool oom;
};

bool tbv_buf_grow(struct tbv_buf *b, size_t extra);
void tbv_buf_free(struct tbv_buf *b);

/* Returns room for @n bytes at the end (NULL on OOM); the caller writes
 * there and then advances b->len. */
static inline char *tbv_buf_tail(struct tbv_buf *b, size_t n)
{
	if (b->cap - b->len < n && !tbv_buf_grow(b, n))
		return NULL;
	return b->p + b->len;
}

static inline void tbv_buf_put(struct tbv_buf *b, const void *s, size_t n)
{
	char *p = tbv_buf_tail(b, n);

	if (p) {
		memcpy(p, s, n);
		b->len += n;
	}
}

static inline void tbv_buf_putc(struct tbv_buf *b, char c)
{
	char *p = tbv_buf_tail(b, 1);

	if (p) {
		*p = c;
		b->len++;
	}
}

static inline void tbv_buf_puts(struct tbv_buf *b, const char *s)
{
	tbv_buf_put(b, s, strlen(s));
}

/* Numbers, by the contract's rules (see numfmt.h). With @json, a
 * non-finite value is written as null instead of nan/inf/-inf. */
void tbv_put_i64(struct tbv_buf *b, int64_t v);
void tbv_put_u64(struct tbv_buf *b, uint64_t v);
void tbv_put_f64(struct tbv_buf *b, double v, bool json);
/* A value in its stored type: F32/F16/BF16 as float32, F64 as double,
 * integers and booleans as integers. */
void tbv_put_num(struct tbv_buf *b, const struct tbr_num *n, bool json);
/* Raw form of tbv_put_num for the hot loops: writes at @p (TBN_BUF bytes
 * free), no null handling. */
size_t tbv_fmt_num(char *p, const struct tbr_num *n);
/* The same for JSON: null for non-finite values, and large integral
 * floats get an exponent ("1e+20") so parsers do not read them as 64-bit
 * integers (numfmt's _json forms). */
size_t tbv_json_num(char *p, const struct tbr_num *n);
/* The lengths both would write, without writing: returns tbv_fmt_num's,
 * *@json_len gets tbv_json_num's. */
size_t tbv_num_lens(const struct tbr_num *n, size_t *json_len);
bool tbv_num_finite(const struct tbr_num *n);
/* A double decoded from a TensorFlow tensor of DataType @dtype: printed
 * as float32 when the tensor was 16/32-bit float (exact), as an integer
 * for integer dtypes, else as the shortest double. */
void tbv_put_tensor_value(struct tbv_buf *b, int dtype, double v, bool json);
/* TensorFlow DataType number → "float32", "string", ... ("dtype<N>"). */
const char *tbv_dtype_name(int dtype, char tmp[16]);

/* RFC 4180 field: quoted (quotes doubled) when it holds , " CR or LF. */
void tbv_csv_str(struct tbv_buf *b, const char *s, size_t len);
static inline void tbv_csv_strz(struct tbv_buf *b, const char *s)
{
	tbv_csv_str(b, s, strlen(s));
}

/* RFC 8259 string with its quotes. Control characters are escaped; bytes
 * that are not valid UTF-8 become U+FFFD so the output always parses. */
void tbv_json_str(struct tbv_buf *b, const char *s, size_t len);

/* ----------------------------------------- streaming JSON (view_util.c) */

#define TBV_JW_DEPTH 32

/* Writes commas, and with @pretty newlines and two-space indents for
 * containers nested up to that depth (deeper ones stay on one line). */
struct tbv_jw {
	struct tbv_buf *b;
	int depth;
	int pretty;
	bool after_key;
	bool has[TBV_JW_DEPTH];
};

void tbv_jw_init(struct tbv_jw *w, struct tbv_buf *b, int pretty);
void tbv_jw_obj(struct tbv_jw *w);
void tbv_jw_obj_end(struct tbv_jw *w);
void tbv_jw_arr(struct tbv_jw *w);
void tbv_jw_arr_end(struct tbv_jw *w);
void tbv_jw_key(struct tbv_jw *w, const char *k);
void tbv_jw_keyn(struct tbv_jw *w, const char *k, size_t len);
void tbv_jw_str(struct tbv_jw *w, const char *s);
void tbv_jw_strn(struct tbv_jw *w, const char *s, size_t len);
void tbv_jw_i64(struct tbv_jw *w, int64_t v);
void tbv_jw_u64(struct tbv_jw *w, uint64_t v);
void tbv_jw_f64(struct tbv_jw *w, double v);
void tbv_jw_num(struct tbv_jw *w, const struct tbr_num *n);
void tbv_jw_tensor_value(struct tbv_jw *w, int dtype, double v);
void tbv_jw_bool(struct tbv_jw *w, bool v);
void tbv_jw_null(struct tbv_jw *w);
/* A jansson value, re-encoded compactly (borrowed). */
void tbv_jw_json(struct tbv_jw *w, const json_t *j);
/* Ends the document with a newline. */
void tbv_jw_finish(struct tbv_jw *w);

/* --------------------------------------------------- escaping (escape.c) */

/* Escaped names never exceed TBV_ESC_MAX bytes; TBV_NAME_MAX leaves room
 * for the rule-specific prefixes and the file suffixes. */
#define TBV_ESC_MAX 200
#define TBV_NAME_MAX 256

/* Percent-encodes one path component of @len raw bytes into @out (at least
 * TBV_NAME_MAX bytes), NUL-terminated; returns the length. See escape.c
 * for the rules. */
size_t tbv_escape(const char *s, size_t len, char *out);
/* Inverse of tbv_escape (and of the rules below). Returns the decoded
 * length, or -1 if @in is not reversible (hashed long name) or malformed.
 * @out needs strlen(@in) + 1 bytes. */
long tbv_unescape(const char *in, char *out);

/* The three naming contexts layered on tbv_escape: */
/* A directory of the log tree inside @parent (root or not). */
size_t tbv_name_logdir(const char *s, size_t len, bool at_root, char *out);
/* A tag component in a tree of per-tag files (scalars/, histograms/,
 * text/, tensors/, compare/scalars/): directory or file stem. */
size_t tbv_name_tagcomp(const char *s, size_t len, char *out);
/* A tag component in a tree of per-step files (images/, audio/). */
size_t tbv_name_blobdir(const char *s, size_t len, char *out);
/* True if @name is a synthetic entry name of a run (or root) directory. */
bool tbv_name_reserved(const char *name, bool at_root);
/* True if @comp (a run-name component) looks like the str(time.time())
 * name PyTorch's add_hparams gives its child run. */
bool tbv_name_is_timestamp(const char *comp);

/* -------------------------------------------------------- view state */

#define TBV_NSIDECARS 5
extern const char *const tbv_sidecar_names[TBV_NSIDECARS];
/* Sidecars whose flat values join runs.csv (indices into the above). */
#define TBV_SIDECAR_IS_JSON(i) ((i) == 1 || (i) == 2)

struct tbv_sidecar {
	bool present;
	uint64_t size;
	int64_t mtime_ns;
	uint64_t ino;
	json_t *flat; /* JSON sidecars: the top-level object, or NULL */
};

/* The view's state for one reader run (one per struct tbr_run, kept for
 * the life of the view like the run itself). */
struct tbv_vrun {
	struct tbr_run *run;
	char *name;          /* the reader's run name ("." for LOGDIR) */
	uint64_t serial;     /* unique per vrun, mixed into generations */
	bool refreshed;
	double last_refresh; /* CLOCK_MONOTONIC seconds */
	uint64_t call_seen;  /* view call that last considered refreshing */
	uint64_t gen;        /* changes when data or sidecars change */
	uint64_t replaced;   /* sum of the files' replaced counters */
	uint64_t epoch;      /* bumped when a file was re-read from scratch */
	size_t mem;          /* tbr_run_memory at the last refresh */
	uint64_t *skipped;   /* per event file: records_skipped last logged */
	size_t nskipped;
	struct tbv_sidecar sc[TBV_NSIDECARS];
	struct tbv_map pages;  /* scalar tag name -> struct tbv_pages */
	size_t rows_pending;   /* rows contents still reading this run */
};

/* One directory of the log tree leading to runs (rebuilt on each scan
 * that changes the run list). */
struct tbv_dnode {
	char *prefix;          /* raw path relative to LOGDIR; "" = root */
	char *ename;           /* name shown in the parent */
	char *mpath;           /* path inside the mount ("" for the root) */
	struct tbv_vrun *run;  /* NULL unless this directory is a run */
	struct tbv_dnode *parent;
	struct tbv_dnode **kids; /* sorted by ename */
	size_t nkids, capkids;
	size_t nruns;          /* runs in this subtree, itself included */
	bool ts_run;           /* an add_hparams timestamp child run */
};

enum tbv_ntype {
	NT_LDIR = 0,   /* root, directory of the log tree, run directory */
	NT_ROOTFILE,   /* runs.csv, runs.json, tags.csv, ... at the root */
	NT_RUNFILE,    /* scalars.csv, run.json, hparams.json of a run */
	NT_SIDECAR,    /* hparams.yaml, config.json, ... of a run */
	NT_TAGDIR,     /* scalars/, histograms/, ... and their subdirectories */
	NT_TAGFILE,    /* <tag>.csv, <tag>.json, <tag>.stats.csv */
	NT_BLOB,       /* images/<tag>/<step>.png, audio/<tag>/<step>.wav */
	NT_MD,         /* text/<tag>/<step>.md */
	NT_CMPDIR,     /* <dir>/compare/ */
	NT_CMPTAGDIR,  /* <dir>/compare/scalars/ and its subdirectories */
	NT_CMPFILE,    /* <dir>/compare/scalars/<tag>.{csv,wide.csv,stats.csv} */
};

enum tbv_rootfile {
	RF_RUNS_CSV = 0,
	RF_RUNS_JSON,
	RF_TAGS_CSV,
	RF_SCALARS_CSV,
	RF_STATUS_JSON,
	RF_HPARAMS_CSV,
	RF_COUNT
};

enum tbv_runfile { UF_SCALARS_CSV = 0, UF_RUN_JSON, UF_HPARAMS_JSON };

enum tbv_tagfmt { TF_CSV = 0, TF_JSON, TF_STATS_CSV, TF_WIDE_CSV };

/* What a node shows. Strings are owned by the node. */
struct tbv_desc {
	uint8_t type;         /* enum tbv_ntype */
	uint8_t kind;         /* tbr_kind (tag nodes) */
	uint8_t fmt;          /* rootfile / runfile / tagfmt / sidecar index */
	struct tbv_vrun *run; /* run-internal nodes */
	char *scope;          /* NT_LDIR, NT_CMP*: raw LOGDIR-relative prefix */
	char *tag;            /* raw tag (files) or raw tag prefix (dirs) */
	uint32_t ncomp;       /* components in a tag prefix (dirs) */
	size_t ev, item;      /* NT_BLOB, NT_MD: event index, item in it */
	char ext[8];          /* NT_BLOB */
};

/* tbv_options.cache_bytes meaning "choose for me" (the default): sized by
 * the reader's index of the runs loaded, at least TBV_CACHE_MIN (view.c,
 * cache_cap and cache_keep). */
#define TBV_CACHE_AUTO SIZE_MAX
#define TBV_CACHE_MIN ((size_t)16 << 20)

struct tbv_centry;

struct tbv_node {
	tbv_ino ino, parent;
	char *name;
	struct tbv_desc d;
	/* directories: cached listing, sorted by name */
	struct tbv_node **kids;
	size_t nkids;
	uint64_t kids_gen;
	bool kids_valid;
	/* files: remembered size, cache entry, last generation served */
	bool size_valid;
	uint64_t size_gen;
	size_t size;
	bool served;         /* a size was reported (getattr) ... */
	uint64_t served_gen; /* ... for this generation */
	bool mtime_valid;    /* mtime reported for generation mtime_gen */
	uint64_t mtime_gen;
	int64_t mtime_ns;
	bool opened;         /* contents were returned (tbv_open) ... */
	uint64_t open_gen;   /* ... for this generation */
	struct tbv_centry *ce;
};

struct tbv_view {
	struct tbv_options opts;
	tbv_log_fn log;
	void *log_ud;
	struct tbr_logdir *ld;
	int64_t start_ns;    /* realtime at open: mtime of untouched dirs */
	bool scanned;
	double last_scan;
	uint64_t tree_version;
	uint64_t next_serial;
	/* Each API call gets a number; a run is refreshed at most once per
	 * call so reader pointers taken during the call stay valid. */
	uint64_t call;
	uint64_t scan_call;
	/* runs */
	struct tbv_map vrun_by_ptr;
	struct tbv_vrun **vruns; /* every vrun ever made */
	size_t nvruns, capvruns;
	struct tbv_vrun **live;  /* current runs in name order */
	size_t nlive;
	/* log tree */
	struct tbv_map dnodes;   /* prefix -> dnode */
	struct tbv_dnode *droot;
	/* nodes; ino = index + 1 */
	struct tbv_node **nodes;
	size_t nnodes, capnodes;
	struct tbv_map names;    /* (parent ino, name) -> node */
	/* rendered contents, most recent first */
	struct tbv_centry *lru_head, *lru_tail;
	/* rows contents still being written (render_csv.c) */
	struct tbv_content *pending;
	/* counts sealed blocks while runs are parsed (render_csv.c); NULL
	 * with purge */
	struct tbv_counter *counter;
	struct tbv_vrun *refreshing; /* the run tbr_run_refresh is reading */
	size_t cache_used, cache_count;
	/* Index bytes the reader holds for every run loaded (the sum of
	 * tbr_run_memory): the automatic cache cap follows it. */
	size_t reader_bytes;
	/* blob file extensions by (vrun serial, kind, tag) */
	struct tbv_map exts;
};

/* A set of runs to aggregate over (a directory's subtree), in name order,
 * each refreshed, with its name relative to the scope directory. */
struct tbv_scope {
	struct tbv_dnode *dir;
	struct tbv_vrun **runs;
	const char **rel; /* lent from the runs' names */
	size_t n;
};

/* view_tree.c */
double tbv_now(void);
/* Refreshes @r if its data is older than the refresh interval. */
void tbv_vrun_ensure(struct tbv_view *v, struct tbv_vrun *r);
/* Rescans LOGDIR for runs if the last scan is older than the interval. */
int tbv_view_scan(struct tbv_view *v);
struct tbv_dnode *tbv_dnode_find(struct tbv_view *v, const char *prefix);
/* Mount path of a run's directory (lent until the next scan), or NULL. */
const char *tbv_vrun_mpath(struct tbv_view *v, const struct tbv_vrun *r);
void tbv_dtree_free(struct tbv_view *v);
void tbv_vrun_free(struct tbv_vrun *r);
/* Collects (and refreshes) the runs under @dir. Returns 0 or -ENOMEM. */
int tbv_scope_get(struct tbv_view *v, struct tbv_dnode *dir,
		  struct tbv_scope *s);
void tbv_scope_free(struct tbv_scope *s);
uint64_t tbv_scope_gen(struct tbv_view *v, const struct tbv_scope *s);

/* The effective hyperparameters of a run: its own plus those of its
 * add_hparams timestamp children (refreshed here). Own values win; among
 * children, the later name wins. Entries are lent reader memory; the
 * array is the caller's (free). */
struct tbv_hp {
	const struct tbr_hparam *p;
	const struct tbv_vrun *from;
};
int tbv_vrun_hparams(struct tbv_view *v, struct tbv_vrun *r,
		     struct tbv_hp **out, size_t *n);
/* Whether a run shows hparams.json: own hparams or timestamp children
 * (which are not loaded to answer). */
bool tbv_vrun_has_hparams(struct tbv_view *v, struct tbv_vrun *r);
/* Generation of tbv_vrun_hparams's result. */
uint64_t tbv_vrun_hparams_gen(struct tbv_view *v, struct tbv_vrun *r);

/* Generation of one tag's data (0 if the tag is absent). */
uint64_t tbv_tag_gen(const struct tbv_vrun *r, const struct tbr_tag *t);

/* Mount path of a tag's file ("<run>/scalars/a/b.csv"), or an empty
 * string for kinds without one. */
void tbv_tag_file_path(struct tbv_view *v, const struct tbv_vrun *r,
		       const struct tbr_tag *t, struct tbv_buf *b);

/* view_list.c: what each directory shows. */
struct tbv_entry {
	char *name;
	struct tbv_desc d;
};
struct tbv_entries {
	struct tbv_entry *e;
	size_t n, cap;
	int err;
};
void tbv_desc_clear(struct tbv_desc *d);
void tbv_entries_free(struct tbv_entries *es);
/* The generation of a directory's listing (refreshing its sources). */
int tbv_list_gen(struct tbv_view *v, struct tbv_node *dir, uint64_t *gen);
/* Appends the directory's entries (unsorted, maybe duplicated) to @es. */
int tbv_list_build(struct tbv_view *v, struct tbv_node *dir,
		   struct tbv_entries *es);
/* File extension of a blob tag's files ("png", "wav", ...). */
const char *tbv_blob_ext(struct tbv_view *v, struct tbv_vrun *r,
			 const struct tbr_tag *t);

/* ------------------------------------------------------------ renderers */

/* Each appends a complete file to @b and returns 0 or a negative errno
 * (-ENOMEM when @b ran out of memory is detected by the caller). */

/* render_csv.c: the files made of rows of scalar series (a tag's .csv and
 * .json, a run's scalars.csv, the root's scalars.csv, compare/scalars/
 * <tag>.csv). A struct tbv_rows knows such a file's exact size without
 * its bytes; as a content, its bytes are written on demand by
 * tbv_rows_fill. It reads the series it was made from until complete:
 * before any of its runs is refreshed it must be finished or dropped
 * (view.c, tbv_rows_settle). */
struct tbv_rows;
int tbv_rows_tag(struct tbv_view *v, struct tbv_vrun *r,
		 const struct tbr_tag *t, bool json, struct tbv_rows **out);
int tbv_rows_run(struct tbv_view *v, struct tbv_vrun *r,
		 struct tbv_rows **out);
/* The root's scalars.csv of scope @s (@tag NULL: rows "run,tag,...") or
 * its compare/scalars/@tag.csv (rows "run,..."). */
int tbv_rows_scope(struct tbv_view *v, const struct tbv_scope *s,
		   const char *tag, struct tbv_rows **out);
size_t tbv_rows_size(const struct tbv_rows *x);
void tbv_rows_free(struct tbv_rows *x);
/* A content of @x's size whose bytes are written on demand; @x is then
 * the content's (c->rows). */
int tbv_rows_content(struct tbv_rows *x, struct tbv_content **out);
/* Writes at least the bytes [@off, @off+@len) (and a growing window
 * after them); tbv_rows_finish writes all. */
int tbv_rows_fill(struct tbv_rows *x, size_t off, size_t len);
int tbv_rows_finish(struct tbv_rows *x);
bool tbv_rows_complete(const struct tbv_rows *x);
/* The file's bytes, which the caller then owns (once complete). */
char *tbv_rows_take_buf(struct tbv_rows *x);
/* Whether @x reads run @r; adds @delta to each of its runs' pending. */
bool tbv_rows_uses(const struct tbv_rows *x, const struct tbv_vrun *r);
void tbv_rows_pin(struct tbv_rows *x, int delta);
/* Frees a struct tbv_pages (vrun->pages values). */
void tbv_pages_free(void *pg);
/* The background counter of sealed blocks (see render_csv.c). The hook
 * is tbr_options.on_block with the view as its @ud; quiesce drops the
 * blocks not started and waits for the one being counted, flush hands
 * over those of the refresh just done (NULL: nothing to do). */
struct tbv_counter;
struct tbv_counter *tbv_counter_new(void);
void tbv_counter_free(struct tbv_counter *c);
void tbv_counter_quiesce(struct tbv_counter *c);
void tbv_counter_flush(struct tbv_counter *c);
void tbv_counter_block(void *ud, struct tbr_run *run, const struct tbr_tag *t,
		       uint64_t restarts, const struct tbr_block *b);
/* view.c: finishes, or drops from the cache, every rows content still
 * reading run @r; called before @r is refreshed. */
void tbv_rows_settle(struct tbv_view *v, struct tbv_vrun *r);

/* render_json.c: run.json, status.json, hparams.json */
int tbv_render_run_json(struct tbv_view *v, struct tbv_vrun *r,
			struct tbv_buf *b);
int tbv_render_status_json(struct tbv_view *v, const struct tbv_scope *s,
			   struct tbv_buf *b);
int tbv_render_hparams_json(struct tbv_view *v, struct tbv_vrun *r,
			    struct tbv_buf *b);
/* Writes one hparam value (JSON or CSV cell). */
void tbv_put_hparam(struct tbv_buf *b, const struct tbr_hparam *p, bool json);
void tbv_jw_hparam(struct tbv_jw *w, const struct tbr_hparam *p);

/* render_runs.c: runs.csv, runs.json, tags.csv, hparams.csv */
int tbv_render_runs(struct tbv_view *v, const struct tbv_scope *s, bool json,
		    struct tbv_buf *b);
int tbv_render_tags_csv(struct tbv_view *v, const struct tbv_scope *s,
			struct tbv_buf *b);
int tbv_render_hparams_csv(struct tbv_view *v, const struct tbv_scope *s,
			   struct tbv_buf *b);

/* render_payload.c: histograms, text, tensors (events re-read on demand) */
int tbv_render_hist(struct tbv_view *v, struct tbv_vrun *r,
		    const struct tbr_tag *t, int fmt, struct tbv_buf *b);
int tbv_render_text(struct tbv_view *v, struct tbv_vrun *r,
		    const struct tbr_tag *t, int fmt, struct tbv_buf *b);
int tbv_render_text_md(struct tbv_view *v, struct tbv_vrun *r,
		       const struct tbr_tag *t, size_t ev, struct tbv_buf *b);
int tbv_render_tensor_json(struct tbv_view *v, struct tbv_vrun *r,
			   const struct tbr_tag *t, struct tbv_buf *b);
/* Maps a reader status to a negative errno. */
int tbv_errno(tbr_status st);

/* render_compare.c: <dir>/compare/scalars/<tag>.{wide,stats}.csv */
int tbv_render_compare(struct tbv_view *v, const struct tbv_scope *s,
		       const char *tag, int fmt, struct tbv_buf *b);

/* ------------------------------------------------------------- contents */

struct tbv_content {
	unsigned refs;
	size_t size;
	const char *data;
	char *owned;                 /* freed with the last reference */
	struct tbr_payload *payload; /* blob files: the bytes live here */
	/* Rows files still being written: their plan, the view that lists
	 * them (v->pending) and the node they show, for tbv_rows_settle. */
	struct tbv_rows *rows;
	struct tbv_view *view;
	struct tbv_node *node;
	struct tbv_content *pprev, *pnext;
	int failed; /* could not be finished: reads give this error */
};

/* Wraps the buffer's bytes (taking them; @b is left empty). */
struct tbv_content *tbv_content_from_buf(struct tbv_buf *b);

#endif /* TBFS_VIEW_I_H */
