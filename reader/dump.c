/*
 * dump.c — tbfs-dump: print event files as JSON lines, with health counters.
 *
 * Layer: a small command on top of the reader (no FUSE). For a user with a
 * broken log: every record (offset, step, wall_time, what, values with
 * kind and scalar value) and every skipped stretch with its reason, then
 * one "stats" line per file. Given a directory, it lists each run's files
 * and tags instead.
 *
 *   tbfs-dump events.out.tfevents.*      one line per record, then stats
 *   tbfs-dump --stats FILE...            only the stats line of each file
 *   tbfs-dump LOGDIR                     per run: files and tags
 * Exit status 0, or 1 when a file could not be read at all.
 */
#include "tbr.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *what_name(tbr_event_what w)
{
	static const char *const n[] = { "none", "file_version", "graph_def",
		"summary", "log_message", "session_log", "tagged_run_metadata",
		"meta_graph_def" };
	return (unsigned)w < sizeof(n) / sizeof(n[0]) ? n[w] : "unknown";
}

static json_t *num_json(const struct tbr_num *n)
{
	double d = tbr_num_to_double(n);

	switch (n->dtype) {
	case TBR_DT_I32:
	case TBR_DT_I64:
	case TBR_DT_BOOL:
		return json_integer(n->v.i);
	default:
		if (!isfinite(d))
			return json_string(isnan(d) ? "nan" : d > 0 ? "inf" : "-inf");
		return json_real(d);
	}
}

static void print_json(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);

	if (s) {
		puts(s);
		free(s);
	}
	json_decref(o);
}

static json_t *stats_json(const struct tbr_file_stats *st)
{
	return json_pack("{sIsIsIsIsIsIsIsIsIsIsIsbsbss}",
		"size", (json_int_t)st->size,
		"bytes_read", (json_int_t)st->bytes_read,
		"records_read", (json_int_t)st->records_read,
		"records_skipped", (json_int_t)st->records_skipped,
		"skipped_length_crc", (json_int_t)st->skipped_length_crc,
		"skipped_data_crc", (json_int_t)st->skipped_data_crc,
		"skipped_too_large", (json_int_t)st->skipped_too_large,
		"skipped_decode", (json_int_t)st->skipped_decode,
		"skipped_truncated", (json_int_t)st->skipped_truncated,
		"garbage_bytes", (json_int_t)st->garbage_bytes,
		"replaced", (json_int_t)st->replaced,
		"truncated_tail", st->truncated_tail,
		"gzip", st->gzip,
		"last_error", tbr_strerror(st->last_error));
}

static bool print_record(void *ctx, const struct tbr_record *rec,
			 tbr_status st, uint64_t offset)
{
	bool *quiet = ctx;
	json_t *o;

	if (*quiet)
		return true;
	if (!rec) {
		print_json(json_pack("{sIss}", "skipped_at", (json_int_t)offset,
				     "reason", tbr_strerror(st)));
		return true;
	}
	o = json_pack("{sIsIsIsfss}", "offset", (json_int_t)rec->offset,
		      "length", (json_int_t)rec->length,
		      "step", (json_int_t)rec->step,
		      "wall_time", rec->wall_time,
		      "what", what_name(rec->what));
	if (!o)
		return true;
	if (rec->file_version)
		json_object_set_new(o, "file_version",
				    json_string(rec->file_version));
	if (rec->what == TBR_WHAT_SESSION_LOG)
		json_object_set_new(o, "status",
				    json_integer(rec->session_status));
	if (rec->value_count) {
		json_t *vals = json_array();

		for (size_t i = 0; i < rec->value_count; i++) {
			const struct tbr_value_info *v = &rec->values[i];
			json_t *jv = json_object();

			json_object_set_new(jv, "tag", json_stringn(v->tag, v->tag_len));
			json_object_set_new(jv, "kind",
					    json_string(tbr_kind_name(v->kind)));
			if (v->plugin_len)
				json_object_set_new(jv, "plugin",
					json_stringn(v->plugin, v->plugin_len));
			if (v->has_scalar)
				json_object_set_new(jv, "value", num_json(&v->scalar));
			if (v->items != 1)
				json_object_set_new(jv, "items",
						    json_integer((json_int_t)v->items));
			json_array_append_new(vals, jv);
		}
		json_object_set_new(o, "values", vals);
	}
	print_json(o);
	return true;
}

static int dump_file(const char *path, bool quiet)
{
	struct tbr_file_stats st;
	tbr_status rc = tbr_scan_file(path, NULL, print_record, &quiet, &st);
	json_t *o;

	if (rc == TBR_ERR_IO || rc == TBR_ERR_NOMEM) {
		fprintf(stderr, "tbfs-dump: %s: %s (%s)\n", path,
			tbr_strerror(rc), strerror(errno));
		return 1;
	}
	o = stats_json(&st);
	json_object_set_new(o, "file", json_string(path));
	json_object_set_new(o, "crc32c", json_string(tbr_crc32c_impl()));
	print_json(o);
	return 0;
}

static int dump_dir(const char *path)
{
	struct tbr_logdir *ld;
	tbr_status rc = tbr_logdir_open(path, NULL, &ld);

	if (rc != TBR_OK) {
		fprintf(stderr, "tbfs-dump: %s: %s (%s)\n", path,
			tbr_strerror(rc), strerror(errno));
		return 1;
	}
	tbr_logdir_scan(ld, NULL);
	for (size_t r = 0; r < tbr_logdir_run_count(ld); r++) {
		struct tbr_run *run = tbr_logdir_run(ld, r);

		tbr_run_refresh(run, NULL);
		for (size_t i = 0; i < tbr_run_file_count(run); i++) {
			json_t *o = stats_json(tbr_run_file_stats(run, i));

			json_object_set_new(o, "run", json_string(tbr_run_name(run)));
			json_object_set_new(o, "file",
					    json_string(tbr_run_file_name(run, i)));
			print_json(o);
		}
		for (size_t i = 0; i < tbr_run_tag_count(run); i++) {
			const struct tbr_tag *t = tbr_run_tag(run, i);

			print_json(json_pack("{sssssssssIsIsI}",
				"run", tbr_run_name(run),
				"tag", tbr_tag_name(t),
				"kind", tbr_kind_name(tbr_tag_kind(t)),
				"plugin", tbr_tag_plugin(t),
				"count", (json_int_t)tbr_tag_count(t),
				"first_step", (json_int_t)tbr_tag_first_step(t),
				"last_step", (json_int_t)tbr_tag_last_step(t)));
		}
	}
	tbr_logdir_close(ld);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: tbfs-dump [--stats] FILE...\n"
		   "       tbfs-dump LOGDIR\n"
		   "Prints TensorBoard event records as JSON lines, and health\n"
		   "counters (records read, skipped and why) per file.\n");
}

int main(int argc, char **argv)
{
	bool quiet = false;
	int rc = 0, first = 1;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--stats")) {
		quiet = true;
		first = 2;
	}
	if (first >= argc) {
		usage(stderr);
		return 2;
	}
	for (int i = first; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			rc |= dump_dir(argv[i]);
		else
			rc |= dump_file(argv[i], quiet);
	}
	return rc;
}
