/*
 * run_i.h — the in-memory index: logdir, runs, event files, series.
 * Private to the reader (run.c, logdir.c, payload.c).
 */
#ifndef TBR_RUN_I_H
#define TBR_RUN_I_H

#include "series_i.h"
#include "walk_i.h"

/* A non-scalar event, found again on disk when its payload is wanted. */
struct tbr_evref {
	int64_t step;
	double wall_time;
	uint64_t offset;       /* stream offset of the record header */
	uint32_t file;         /* index in run->files */
	uint32_t value_index;  /* Summary.Value position in the event */
	uint32_t items;
	bool orphaned;
	bool has_blob_size;    /* TF1 image/audio: size known from indexing */
	uint64_t blob_size;
};

struct tbr_tag {
	char *name;
	size_t name_len;
	tbr_kind kind;
	const char *plugin;    /* reported plugin (legacy values: migrated) */
	const char *raw_plugin; /* first-seen metadata plugin of the name */
	size_t raw_plugin_len;
	size_t count, unorphaned;
	int64_t first_step, last_step;
	uint64_t generation;
	struct tbr_series *series;  /* scalars */
	struct tbr_evref *refs;     /* other kinds */
	size_t cap_refs;
};

struct tbr_evfile {
	char *name;
	dev_t dev;
	ino_t ino;
	uint64_t pos;          /* stream offset where the next read resumes */
	struct tbr_file_stats stats;
};

struct tbr_hp_store {
	struct tbr_hparams pub;
	struct tbr_hparam *params;
	char **strings;        /* every owned string, freed together */
	size_t nstrings, cap_strings;
	const char **exp_hparams;
	const char **exp_metrics;
};

struct tbr_run {
	struct tbr_logdir *ld;
	char *name;
	char *path;
	bool gone, loaded;
	uint64_t generation;
	uint64_t restarts;     /* re-reads from scratch (tbr_run_restarts) */

	struct tbr_evfile *files;
	size_t nfiles;

	struct tbr_tag **tags;
	size_t ntags, cap_tags;
	struct tbr_strmap tag_index;     /* (name, kind) -> tags[] index */
	struct tbr_strmap plugin_index;  /* name -> plugins[] index */
	char **plugins;
	size_t nplugins, cap_plugins;

	bool has_steps, has_times;
	int64_t first_step, last_step;
	double first_time, last_time;
	int64_t mtime_ns;
	struct tbr_run_counts counts;
	char *file_version;    /* of the first file */
	double version;        /* latest parsed file_version, 0 if none */
	int64_t most_recent_step;

	struct tbr_hp_store hp;

	/* hot-path cache: tags by a cheap hash of their name, so the common
	 * record (a known tag) costs no FNV hash and no map probe */
	struct tbr_tag *tag_cache[64];
	uint32_t cur_file;
	struct tbr_raw_event ev;
};

struct tbr_logdir {
	char *root;
	struct tbr_options opts;
	struct tbr_run **runs;
	size_t nruns, cap_runs;
	uint8_t *buf;          /* shared read buffer */
	size_t cap;
};

/* run.c */
struct tbr_run *tbr_run_new(struct tbr_logdir *ld, const char *name,
			    const char *path);
void tbr_run_free(struct tbr_run *run);

/* hparams.c: applies an _hparams_ value (re-decoding the payload with
 * protobuf-c) to the run's hparams store. */
tbr_status tbr_hparams_apply(struct tbr_run *run, const uint8_t *payload,
			     size_t len, uint32_t value_index);
void tbr_hparams_clear(struct tbr_hp_store *hp);

#endif
