/*
 * tbr.h — tbfs reader: TensorBoard event logs without TensorFlow.
 *
 * The one public header of the reader library (reader/). No FUSE and no
 * protobuf-c type appears here. The library never prints, exits or aborts
 * on bad data: every problem becomes a status code and a per-file counter.
 *
 * Ownership rule: objects returned by the _open and _new functions are owned
 * by the caller and released by the matching _close or _free (which accept
 * NULL). Every other pointer returned by a getter is lent: it stays valid
 * until the owning object is next refreshed (tbr_logdir_scan, tbr_run_refresh) or
 * closed. Strings are NUL-terminated UTF-8 as stored (not validated).
 *
 * Thread safety: none. One logdir and its runs are used from one thread at
 * a time (the FUSE glue serialises access).
 */
#ifndef TBR_H
#define TBR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- status */

typedef enum tbr_status {
	TBR_OK = 0,
	TBR_END = 1,              /* clean end of data (not an error) */
	TBR_ERR_IO = -1,          /* read/open/stat failed (errno kept) */
	TBR_ERR_NOMEM = -2,
	TBR_ERR_TRUNCATED = -3,   /* record cut short: normal at a live tail */
	TBR_ERR_LENGTH_CRC = -4,  /* header CRC mismatch: resynchronise */
	TBR_ERR_DATA_CRC = -5,    /* payload CRC mismatch: record skipped */
	TBR_ERR_TOO_LARGE = -6,   /* length beyond the file or the cap */
	TBR_ERR_DECODE = -7,      /* payload is not a valid Event */
	TBR_ERR_NOT_FOUND = -8,
	TBR_ERR_INVALID = -9,     /* bad argument (programmer error) */
	TBR_ERR_GZIP = -10,       /* corrupt gzip stream */
} tbr_status;

/* Returns a static English description of @st. Never NULL. */
const char *tbr_strerror(tbr_status st);

/* ----------------------------------------------------------------- crc32c */

/* CRC32C (Castagnoli) of @len bytes, continuing from @crc (0 to start).
 * Uses the SSE4.2 crc32 instruction when the CPU has it (chosen once at
 * run time), else a portable slicing-by-8 table. */
uint32_t tbr_crc32c_extend(uint32_t crc, const void *data, size_t len);
static inline uint32_t tbr_crc32c(const void *data, size_t len)
{
	return tbr_crc32c_extend(0, data, len);
}
/* The portable implementation alone (tests compare both). */
uint32_t tbr_crc32c_portable(uint32_t crc, const void *data, size_t len);
/* "sse4.2" or "table": the implementation tbr_crc32c_extend uses. */
const char *tbr_crc32c_impl(void);
/* TFRecord/LevelDB masking (rotate right 15, add 0xa282ead8) and inverse. */
static inline uint32_t tbr_crc_mask(uint32_t crc)
{
	return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}
static inline uint32_t tbr_crc_unmask(uint32_t masked)
{
	uint32_t rot = masked - 0xa282ead8u;

	return (rot >> 17) | (rot << 15);
}

/* ------------------------------------------------------------------ types */

/* What a (run, tag) series holds. One tag name may carry several kinds
 * (a histogram and an image both tagged "conv1.weight"): each kind is its
 * own series. */
typedef enum tbr_kind {
	TBR_KIND_SCALAR = 0,
	TBR_KIND_HISTOGRAM,
	TBR_KIND_IMAGE,
	TBR_KIND_AUDIO,
	TBR_KIND_TEXT,
	TBR_KIND_TENSOR,   /* any other tensor summary (pr_curves, mesh, ...) */
	TBR_KIND_HPARAMS,  /* _hparams_/... plugin records */
	TBR_KIND_GRAPH,    /* graph_def, meta_graph_def, keras model, run metadata */
	TBR_KIND_COUNT
} tbr_kind;

/* "scalars", "histograms", "images", "audio", "text", "tensors",
 * "hparams", "graphs". */
const char *tbr_kind_name(tbr_kind k);

/* Stored type of a scalar value, kept so it can be printed exactly. */
typedef enum tbr_dtype {
	TBR_DT_F32 = 0, /* simple_value, DT_FLOAT */
	TBR_DT_F64,     /* DT_DOUBLE */
	TBR_DT_F16,     /* DT_HALF (value widened exactly to f32) */
	TBR_DT_BF16,    /* DT_BFLOAT16 (value widened exactly to f32) */
	TBR_DT_I32,     /* DT_INT32, DT_INT16, DT_INT8, DT_UINT8, DT_UINT16 */
	TBR_DT_I64,     /* DT_INT64, DT_UINT32 */
	TBR_DT_U64,     /* DT_UINT64 */
	TBR_DT_BOOL,
} tbr_dtype;

/* A scalar value in its stored type. f32 for F32/F16/BF16, f64 for F64,
 * i for I32/I64/BOOL, u for U64. */
struct tbr_num {
	tbr_dtype dtype;
	union {
		float f32;
		double f64;
		int64_t i;
		uint64_t u;
	} v;
};

/* The value widened to double (exact for every type but large integers). */
double tbr_num_to_double(const struct tbr_num *n);

struct tbr_scalar {
	int64_t step;
	double wall_time;
	struct tbr_num value;
	/* True when TensorBoard's default purge (--purge_orphaned_data) would
	 * drop this point after a restart (SessionLog START, or for files
	 * without a version-2 header, a step going backwards). */
	bool orphaned;
};

/* Health counters of one event file. */
struct tbr_file_stats {
	uint64_t size;            /* file size at the last refresh */
	int64_t mtime_ns;         /* modification time at the last refresh */
	uint64_t bytes_read;      /* bytes consumed (decompressed for gzip) */
	uint64_t records_read;    /* records whose payload decoded */
	uint64_t records_skipped; /* sum of the five reasons below */
	uint64_t skipped_length_crc; /* headers failing their CRC (resync) */
	uint64_t skipped_data_crc;
	uint64_t skipped_too_large;
	uint64_t skipped_decode;
	uint64_t skipped_truncated; /* cut short, with good records after */
	uint64_t garbage_bytes;   /* bytes jumped over while resynchronising */
	uint64_t replaced;        /* times the file shrank or was replaced */
	bool truncated_tail;      /* an incomplete record waits at the end */
	bool gzip;
	tbr_status last_error;    /* most recent problem, TBR_OK if none */
	uint64_t last_error_offset;
};

/* ---------------------------------------------------------------- logdir */

struct tbr_logdir;
struct tbr_run;
struct tbr_tag;

/* A sealed block of a scalar series: up to 256 consecutive points, whose
 * bytes never change again until the run is re-read from scratch or
 * closed. tbr_block_decode may read it on another thread meanwhile, so a
 * caller can work on the points while the parse goes on. */
#define TBR_BLOCK_MAX 256 /* points in a block at most */
struct tbr_block {
	const uint8_t *data;
	size_t len;
	size_t first; /* index of its first point in the series */
	uint32_t count;
	uint8_t dtype;
};
/* Called on the parsing thread (inside tbr_run_refresh) each time a block
 * of scalar series @tag of @run is sealed; @restarts is
 * tbr_run_restarts(@run). The last block of a series is never sealed
 * while it can still grow. */
typedef void (*tbr_block_fn)(void *ud, struct tbr_run *run,
			     const struct tbr_tag *tag, uint64_t restarts,
			     const struct tbr_block *b);
/* Decodes the points of @b into @out (room for b->count); returns how
 * many. Orphan flags are not known here (false). Thread-safe. */
size_t tbr_block_decode(const struct tbr_block *b, struct tbr_scalar *out);

struct tbr_options {
	/* Records longer than this are skipped as TBR_ERR_TOO_LARGE and never
	 * allocated. 0 means the default (256 MiB). */
	uint64_t max_record_bytes;
	/* Decode the scalar hot path with protobuf-c instead of the wire
	 * scanner (for the benchmark and cross-checks; results are equal). */
	bool use_protobuf_c;
	/* Told of every sealed scalar block (NULL: nobody). */
	tbr_block_fn on_block;
	void *on_block_ud;
};

/* Opens the log tree @root read-only. Nothing is walked or parsed yet.
 * @opts may be NULL. Returns TBR_ERR_IO (errno set) if @root is not a
 * readable directory. */
tbr_status tbr_logdir_open(const char *root, const struct tbr_options *opts,
			   struct tbr_logdir **out);
void tbr_logdir_close(struct tbr_logdir *ld);
const char *tbr_logdir_root(const struct tbr_logdir *ld);

/* Walks the tree: finds new run directories (following directory
 * symlinks without looping) and notices runs whose directory vanished.
 * Parses nothing. Sets *@changed (may be NULL) when the run list changed.
 * Existing struct tbr_run pointers stay valid (runs are never freed
 * before tbr_logdir_close; a vanished run keeps its data and is flagged
 * by tbr_run_gone). */
tbr_status tbr_logdir_scan(struct tbr_logdir *ld, bool *changed);

/* Runs in name order (byte-wise strcmp of the run names). */
size_t tbr_logdir_run_count(const struct tbr_logdir *ld);
struct tbr_run *tbr_logdir_run(const struct tbr_logdir *ld, size_t i);
/* NULL if no run has that name. */
struct tbr_run *tbr_logdir_find_run(const struct tbr_logdir *ld,
				    const char *name);

/* ------------------------------------------------------------------- run */

/* Run name: the directory relative to the root, "." for the root itself. */
const char *tbr_run_name(const struct tbr_run *run);
/* Absolute path of the run directory. */
const char *tbr_run_path(const struct tbr_run *run);
bool tbr_run_gone(const struct tbr_run *run);

/* Reads what is new: new bytes of known files, new event files, and
 * re-reads from scratch a run whose file shrank or was replaced. Costs
 * O(new data). Sets *@changed (may be NULL) if anything visible changed.
 * Returns TBR_OK even if files had bad records (see the file stats);
 * an error only when the run directory cannot be read at all. */
tbr_status tbr_run_refresh(struct tbr_run *run, bool *changed);
/* True once tbr_run_refresh has run at least once. */
bool tbr_run_loaded(const struct tbr_run *run);
/* Increases whenever the run's visible data changes. */
uint64_t tbr_run_generation(const struct tbr_run *run);
/* Counts the re-reads from scratch (a file shrank, was replaced, or a new
 * file sorts before one already read). Between two changes of this
 * number a series only grows at its end, so what was computed from its
 * first points stays true. */
uint64_t tbr_run_restarts(const struct tbr_run *run);

/* Event files in the order they are read (file-name order). */
size_t tbr_run_file_count(const struct tbr_run *run);
/* File base name (inside the run directory). */
const char *tbr_run_file_name(const struct tbr_run *run, size_t i);
const struct tbr_file_stats *tbr_run_file_stats(const struct tbr_run *run,
						size_t i);

/* Newest mtime of the run's event files (ns since the epoch). */
int64_t tbr_run_mtime_ns(const struct tbr_run *run);
/* Step and wall-time range over every event with a summary; false if
 * the run has none. */
bool tbr_run_step_range(const struct tbr_run *run, int64_t *first,
			int64_t *last);
bool tbr_run_time_range(const struct tbr_run *run, double *first,
			double *last);
/* Counts of SessionLog records by status (START, STOP, CHECKPOINT) and
 * of graph_def / meta_graph_def events. */
struct tbr_run_counts {
	uint64_t session_start, session_stop, session_checkpoint;
	uint64_t graphs, meta_graphs, tagged_run_metadata;
	uint64_t scalar_points;
};
void tbr_run_counts(const struct tbr_run *run, struct tbr_run_counts *out);
/* The file_version string of the first file ("brain.Event:2"), or NULL. */
const char *tbr_run_file_version(const struct tbr_run *run);

/* Series in first-seen order. */
size_t tbr_run_tag_count(const struct tbr_run *run);
const struct tbr_tag *tbr_run_tag(const struct tbr_run *run, size_t i);
/* NULL if absent. */
const struct tbr_tag *tbr_run_find_tag(const struct tbr_run *run,
				       const char *name, tbr_kind kind);

/* --------------------------------------------------------------- hparams */

typedef enum tbr_hp_type {
	TBR_HP_NULL = 0,
	TBR_HP_NUMBER,
	TBR_HP_STRING,
	TBR_HP_BOOL,
	TBR_HP_OTHER, /* struct or list: value holds its JSON text */
} tbr_hp_type;

struct tbr_hparam {
	const char *name;
	tbr_hp_type type;
	double number;       /* TBR_HP_NUMBER; also 0/1 for TBR_HP_BOOL */
	const char *string;  /* TBR_HP_STRING, TBR_HP_OTHER */
};

/* The hparams plugin data of a run (session start / end / experiment).
 * Lent. Never NULL; has_* say which parts were seen. group_name and
 * model_uri are "" when absent or when no session start was seen (NULL
 * only before any). */
struct tbr_hparams {
	bool has_session_start;
	bool has_session_end;
	bool has_experiment;
	size_t count;
	const struct tbr_hparam *params; /* sorted by name */
	const char *group_name;
	const char *model_uri;
	double start_time_secs;
	int end_status;      /* 0 unknown, 1 success, 2 failure, 3 running */
	double end_time_secs;
	/* Experiment: names of declared hparams and metric tags. */
	size_t experiment_hparam_count;
	const char *const *experiment_hparams;
	size_t experiment_metric_count;
	const char *const *experiment_metrics;
};
const struct tbr_hparams *tbr_run_hparams(const struct tbr_run *run);
/* "unknown", "success", "failure", "running". */
const char *tbr_hp_status_name(int status);

/* ------------------------------------------------------------------- tag */

const char *tbr_tag_name(const struct tbr_tag *tag);
tbr_kind tbr_tag_kind(const struct tbr_tag *tag);
/* Plugin name from the first-seen metadata ("" if none). */
const char *tbr_tag_plugin(const struct tbr_tag *tag);
/* Number of events (points for scalars) in file order. */
size_t tbr_tag_count(const struct tbr_tag *tag);
/* Same, without the points TensorBoard's purge drops. */
size_t tbr_tag_count_unorphaned(const struct tbr_tag *tag);
int64_t tbr_tag_first_step(const struct tbr_tag *tag);
int64_t tbr_tag_last_step(const struct tbr_tag *tag);
/* Changes whenever points are added to this series or marked orphaned.
 * Values only grow within a run, also across a re-read from scratch
 * (they derive from the run's generation), so they never repeat. */
uint64_t tbr_tag_generation(const struct tbr_tag *tag);

/* Scalars: copies up to @n points starting at index @start (file order)
 * into @out; returns how many were copied (0 at or past the end).
 * Sequential calls are O(points); a random @start costs at most one
 * block (256 points) of decoding. */
size_t tbr_tag_scalars(const struct tbr_tag *tag, size_t start,
		       struct tbr_scalar *out, size_t n);

/* Summary statistics of a scalar series over its finite values. */
struct tbr_scalar_summary {
	size_t count;
	struct tbr_scalar first, last;
	bool has_finite;
	double min, max; /* finite values only */
};
void tbr_tag_scalar_summary(const struct tbr_tag *tag, bool skip_orphaned,
			    struct tbr_scalar_summary *out);

/* Any kind: step and wall time of event @i (file order). */
tbr_status tbr_tag_event(const struct tbr_tag *tag, size_t i, int64_t *step,
			 double *wall_time);
/* Whether TensorBoard's purge would drop event @i. */
bool tbr_tag_event_orphaned(const struct tbr_tag *tag, size_t i);
/* Number of items event @i holds: images or clips in it, 1 otherwise.
 * Known from indexing, without re-reading the file. */
size_t tbr_tag_event_items(const struct tbr_tag *tag, size_t i);

/* Size in bytes of the single image or clip of event @i when indexing
 * learnt it (TF1 Summary.Image / Summary.Audio); false otherwise (TF2
 * tensors: load the payload). Lets a listing report sizes without reading
 * any image. */
bool tbr_tag_event_blob_size(const struct tbr_tag *tag, size_t i,
			     uint64_t *size);

/* ------------------------------------------------------- payloads (lazy) */

/* Decoded contents of one non-scalar event, re-read from its event file
 * on demand (images, audio and big tensors are never kept in memory). */
struct tbr_histogram {
	size_t buckets;
	double *left, *right, *count; /* TF2 layout [k,3]; TF1 converted */
	bool has_stats;               /* TF1 HistogramProto only */
	double min, max, num, sum, sum_squares;
};

struct tbr_blob {
	const uint8_t *data;
	size_t size;
	const char *ext;       /* "png", "gif", "jpg", "wav", "bin", ... */
	int width, height;     /* images, 0 if unknown */
	const char *label;     /* audio label (may be "") */
	double sample_rate;    /* audio, 0 if unknown */
};

struct tbr_tensor {
	int dtype;             /* TensorFlow DataType number */
	size_t rank;
	const int64_t *shape;
	size_t count;          /* elements */
	const double *values;  /* numeric dtypes (NULL for strings) */
	const char *const *strings; /* DT_STRING elements (NUL-terminated) */
	const size_t *string_sizes;
};

struct tbr_payload {
	tbr_kind kind;
	int64_t step;
	double wall_time;
	struct tbr_histogram histogram; /* TBR_KIND_HISTOGRAM */
	size_t blob_count;              /* TBR_KIND_IMAGE, _AUDIO, _GRAPH */
	struct tbr_blob *blobs;
	struct tbr_tensor tensor;       /* TBR_KIND_TEXT, _TENSOR, histograms */
};

/* Re-reads event @i of @tag from disk and decodes it. The payload is
 * owned by the caller: tbr_payload_free. Errors: TBR_ERR_IO (file gone),
 * TBR_ERR_DATA_CRC (changed under us), TBR_ERR_DECODE, TBR_ERR_NOMEM. */
tbr_status tbr_tag_load(const struct tbr_run *run, const struct tbr_tag *tag,
			size_t i, struct tbr_payload **out);
void tbr_payload_free(struct tbr_payload *p);

/* ------------------------------------------------- raw records (dumping) */

/* One decoded record, as passed to a tbr_record_fn. All pointers are
 * lent for the duration of the callback. */
struct tbr_value_info {
	const char *tag;
	size_t tag_len;
	tbr_kind kind;
	const char *plugin;      /* may be "" */
	size_t plugin_len;
	bool has_scalar;         /* kind == TBR_KIND_SCALAR */
	struct tbr_num scalar;
	size_t items;            /* images/clips in this value, else 1 */
};

typedef enum tbr_event_what {
	TBR_WHAT_NONE = 0,
	TBR_WHAT_FILE_VERSION,
	TBR_WHAT_GRAPH_DEF,
	TBR_WHAT_SUMMARY,
	TBR_WHAT_LOG_MESSAGE,
	TBR_WHAT_SESSION_LOG,
	TBR_WHAT_TAGGED_RUN_METADATA,
	TBR_WHAT_META_GRAPH_DEF,
} tbr_event_what;

struct tbr_record {
	uint64_t offset;         /* of the record header in the stream */
	uint64_t length;         /* payload length */
	double wall_time;
	int64_t step;
	tbr_event_what what;
	const char *file_version; /* TBR_WHAT_FILE_VERSION (NUL-terminated) */
	int session_status;       /* TBR_WHAT_SESSION_LOG */
	size_t value_count;
	const struct tbr_value_info *values;
};

/* Called once per good record, and once per problem with @rec NULL and
 * @st the reason (the record or bytes at @offset were skipped). Return
 * false to stop the walk. */
typedef bool (*tbr_record_fn)(void *ctx, const struct tbr_record *rec,
			      tbr_status st, uint64_t offset);

/* Walks the records of an in-memory event stream (already decompressed).
 * Never reads outside [@data, @data+@len). Fills @stats (may be NULL).
 * Returns TBR_OK if the stream ends on a record boundary, otherwise
 * TBR_ERR_TRUNCATED (a partial record at the end). This is the fuzzing
 * entry point. */
tbr_status tbr_scan_buffer(const void *data, size_t len,
			   const struct tbr_options *opts, tbr_record_fn fn,
			   void *ctx, struct tbr_file_stats *stats);

/* Same for a file on disk (gzip detected by its magic bytes). */
tbr_status tbr_scan_file(const char *path, const struct tbr_options *opts,
			 tbr_record_fn fn, void *ctx,
			 struct tbr_file_stats *stats);

/* Resident bytes used by the run's index (series, tags, file table). */
size_t tbr_run_memory(const struct tbr_run *run);

#ifdef __cplusplus
}
#endif

#endif /* TBR_H */
