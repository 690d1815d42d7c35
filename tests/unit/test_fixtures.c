/*
 * test_fixtures.c — the reader against what TensorBoard's own loader reads
 * from the real event files in tests/fixtures/real (expected/README.md):
 * every scalar bit-exact in its stored type, in file order; the number of
 * events of every other kind per (run, tag); and the wire scanner and the
 * protobuf-c decoder giving identical indexes.
 */
#include "tbr.h"
#include "expect.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static char fixtures[4096];

static struct tbr_logdir *load(bool pbc)
{
	struct tbr_options o = { .use_protobuf_c = pbc };
	struct tbr_logdir *ld = NULL;

	if (tbr_logdir_open(fixtures, &o, &ld) != TBR_OK)
		return NULL;
	tbr_logdir_scan(ld, NULL);
	for (size_t i = 0; i < tbr_logdir_run_count(ld); i++)
		tbr_run_refresh(tbr_logdir_run(ld, i), NULL);
	return ld;
}

/* TensorBoard widens float32 to double; compare in the stored type. */
static bool same_value(const struct tbr_num *got, double want)
{
	double g = tbr_num_to_double(got);

	if (isnan(want))
		return isnan(g);
	if ((double)(float)want == want && got->dtype != TBR_DT_F64)
		return (float)g == (float)want;
	return g == want;
}

static void fix_nonfinite(const char *in, char *out, size_t cap)
{
	static const struct { const char *from, *to; } r[] = {
		{ "-Infinity", "\"-inf\"" }, { "Infinity", "\"inf\"" },
		{ "NaN", "\"nan\"" },
	};
	size_t o = 0;

	while (*in && o + 12 < cap) {
		size_t k;

		for (k = 0; k < 3; k++)
			if (!strncmp(in, r[k].from, strlen(r[k].from)))
				break;
		if (k < 3) {
			o += (size_t)snprintf(out + o, cap - o, "%s", r[k].to);
			in += strlen(r[k].from);
		} else {
			out[o++] = *in++;
		}
	}
	out[o] = 0;
}

static void check_scalars(struct tbr_logdir *ld)
{
	char path[4200];
	FILE *f;
	char line[8192];
	const struct tbr_tag *tag = NULL;
	char cur_run[1024] = "", cur_tag[1024] = "";
	size_t idx = 0, lines = 0, mismatches = 0;

	snprintf(path, sizeof(path), "%s/expected/scalars.jsonl", fixtures);
	f = fopen(path, "r");
	EXPECT(f != NULL);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		json_error_t err;
		char fixed[8300];

		/* Python's json writes NaN / Infinity, which strict JSON
		 * (and jansson) reject: turn them into strings first. */
		fix_nonfinite(line, fixed, sizeof(fixed));
		json_t *o = json_loads(fixed, 0, &err);
		const char *run, *tg;
		json_int_t step;
		double wall, value;
		struct tbr_scalar s;

		EXPECT(o != NULL);
		if (!o)
			continue;
		lines++;
		run = json_string_value(json_object_get(o, "run"));
		tg = json_string_value(json_object_get(o, "tag"));
		step = json_integer_value(json_object_get(o, "step"));
		wall = json_number_value(json_object_get(o, "wall_time"));
		json_t *jv = json_object_get(o, "value");
		value = json_is_number(jv) ? json_number_value(jv) :
			!strcmp(json_string_value(jv), "inf") ? INFINITY :
			!strcmp(json_string_value(jv), "-inf") ? -INFINITY : NAN;
		if (strcmp(run, cur_run) || strcmp(tg, cur_tag)) {
			/* the previous series must be complete */
			if (tag)
				EXPECT_MSG(idx == tbr_tag_count(tag),
					   "%s %s: %zu points, expected %zu",
					   cur_run, cur_tag, tbr_tag_count(tag), idx);
			snprintf(cur_run, sizeof(cur_run), "%s", run);
			snprintf(cur_tag, sizeof(cur_tag), "%s", tg);
			struct tbr_run *r = tbr_logdir_find_run(ld, run);
			EXPECT_MSG(r != NULL, "run %s missing", run);
			tag = r ? tbr_run_find_tag(r, tg, TBR_KIND_SCALAR) : NULL;
			EXPECT_MSG(tag != NULL, "%s: tag %s missing", run, tg);
			idx = 0;
		}
		if (tag && tbr_tag_scalars(tag, idx, &s, 1) == 1) {
			bool ok = s.step == step && s.wall_time == wall &&
				  same_value(&s.value, value);
			if (!ok && mismatches++ < 10)
				fprintf(stderr, "%s %s #%zu: got %lld %.17g %.17g"
					" want %lld %.17g %.17g\n", run, tg, idx,
					(long long)s.step, s.wall_time,
					tbr_num_to_double(&s.value),
					(long long)step, wall, value);
			EXPECT(ok);
		} else {
			EXPECT_MSG(0, "%s %s: point %zu missing", run, tg, idx);
		}
		idx++;
		json_decref(o);
	}
	if (tag)
		EXPECT(idx == tbr_tag_count(tag));
	fclose(f);
	EXPECT(lines > 27000);
	fprintf(stderr, "scalars: %zu points compared, %zu mismatches\n", lines,
		mismatches);
}

static bool kind_of_plugin(const char *p, tbr_kind *k)
{
	static const struct { const char *p; tbr_kind k; } m[] = {
		{ "scalars", TBR_KIND_SCALAR }, { "histograms", TBR_KIND_HISTOGRAM },
		{ "images", TBR_KIND_IMAGE }, { "audio", TBR_KIND_AUDIO },
		{ "text", TBR_KIND_TEXT }, { "hparams", TBR_KIND_HPARAMS },
		{ "graphs", TBR_KIND_GRAPH }, { "graph_run_metadata", TBR_KIND_GRAPH },
		{ "graph_keras_model", TBR_KIND_GRAPH },
		{ "graph_run_metadata_graph", TBR_KIND_GRAPH },
		{ "custom_scalars", TBR_KIND_TENSOR },
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (!strcmp(m[i].p, p)) {
			*k = m[i].k;
			return true;
		}
	return false;
}

static void check_counts(struct tbr_logdir *ld)
{
	char path[4200], line[65536];
	FILE *f;
	size_t checked = 0, items_checked = 0, blob_sizes = 0;

	snprintf(path, sizeof(path), "%s/expected/counts.jsonl", fixtures);
	f = fopen(path, "r");
	EXPECT(f != NULL);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		json_t *o = json_loads(line, 0, NULL);
		tbr_kind kind;

		if (!o)
			continue;
		json_t *events = json_object_get(o, "events");
		const char *plugin = json_string_value(json_object_get(o, "plugin"));
		if (!events || !plugin || !kind_of_plugin(plugin, &kind)) {
			json_decref(o);
			continue;
		}
		const char *run = json_string_value(json_object_get(o, "run"));
		const char *tg = json_string_value(json_object_get(o, "tag"));
		struct tbr_run *r = tbr_logdir_find_run(ld, run);
		const struct tbr_tag *t = r ? tbr_run_find_tag(r, tg, kind) : NULL;

		EXPECT_MSG(t != NULL, "%s %s (%s) missing", run, tg, plugin);
		if (t) {
			/* TensorBoard keys series by tag alone: a histogram and
			 * an image under one tag become one series of both
			 * (ignite/). We keep them apart; the sum must match. */
			size_t total = 0;
			bool mixed = false;
			for (int k = 0; k < TBR_KIND_COUNT; k++) {
				const struct tbr_tag *ot = tbr_run_find_tag(r, tg, (tbr_kind)k);
				if (ot)
					total += tbr_tag_count(ot);
				mixed |= ot && ot != t;
			}
			EXPECT_MSG(total == (size_t)json_integer_value(events),
				   "%s %s: %zu events, expected %lld", run, tg,
				   total, (long long)json_integer_value(events));
			if (strcmp(tbr_tag_plugin(t), plugin) &&
			    kind != TBR_KIND_HISTOGRAM && kind != TBR_KIND_IMAGE &&
			    kind != TBR_KIND_AUDIO && strcmp(tg, "__run_graph__"))
				EXPECT_MSG(0, "%s %s plugin %s", run, tg,
					   tbr_tag_plugin(t));
			/* images / clips per tag */
			json_t *ji = json_object_get(o, kind == TBR_KIND_AUDIO ?
							       "clips" : "images");
			if (ji && (kind == TBR_KIND_IMAGE || kind == TBR_KIND_AUDIO)) {
				size_t n = 0;
				for (size_t i = 0; i < tbr_tag_count(t); i++) {
					struct tbr_payload *p;
					uint64_t sz;

					n += tbr_tag_event_items(t, i);
					/* a size known from indexing is the
					 * size of the bytes loaded later */
					if (tbr_tag_event_blob_size(t, i, &sz) &&
					    tbr_tag_load(r, t, i, &p) == TBR_OK) {
						EXPECT(p->blob_count == 1 &&
						       p->blobs[0].size == sz);
						tbr_payload_free(p);
						blob_sizes++;
					}
				}
				EXPECT_MSG(n == (size_t)json_integer_value(ji),
					   "%s %s: %zu items", run, tg, n);
				items_checked++;
			}
			/* histogram bucket counts after TensorBoard's migration:
			 * the distinct counts seen must all appear */
			json_t *jb = json_object_get(o, "buckets_per_event");
			if (jb && kind == TBR_KIND_HISTOGRAM) {
				size_t k;
				json_t *jn;
				json_array_foreach(jb, k, jn) {
					bool found = false;
					for (size_t i = 0; i < tbr_tag_count(t) && !found; i++) {
						struct tbr_payload *p;
						if (tbr_tag_load(r, t, i, &p) == TBR_OK) {
							found = p->histogram.buckets ==
								(size_t)json_integer_value(jn);
							tbr_payload_free(p);
						}
					}
					EXPECT_MSG(found || mixed, "%s %s: no event with %lld buckets",
						   run, tg, (long long)json_integer_value(jn));
				}
				items_checked++;
			}
			json_t *jt = json_object_get(o, "first_text");
			if (jt && kind == TBR_KIND_TEXT) {
				struct tbr_payload *p = NULL;
				EXPECT(tbr_tag_load(r, t, 0, &p) == TBR_OK);
				EXPECT(p && p->tensor.count >= 1 &&
				       !strcmp(p->tensor.strings[0], json_string_value(jt)));
				tbr_payload_free(p);
				items_checked++;
			}
		}
		checked++;
		json_decref(o);
	}
	fclose(f);
	EXPECT(checked > 400);
	EXPECT(items_checked > 50);
	EXPECT(blob_sizes > 30); /* TF1 images and clips in the fixtures */
	fprintf(stderr, "counts: %zu series, %zu item checks\n", checked,
		items_checked);
}

/* Both decoders must build the same index. */
static void check_decoders_agree(struct tbr_logdir *a, struct tbr_logdir *b)
{
	EXPECT(tbr_logdir_run_count(a) == tbr_logdir_run_count(b));
	for (size_t i = 0; i < tbr_logdir_run_count(a); i++) {
		struct tbr_run *ra = tbr_logdir_run(a, i), *rb = tbr_logdir_run(b, i);

		EXPECT(tbr_run_tag_count(ra) == tbr_run_tag_count(rb));
		for (size_t k = 0; k < tbr_run_tag_count(ra); k++) {
			const struct tbr_tag *ta = tbr_run_tag(ra, k);
			const struct tbr_tag *tb = tbr_run_find_tag(
				rb, tbr_tag_name(ta), tbr_tag_kind(ta));
			EXPECT(tb && tbr_tag_count(ta) == tbr_tag_count(tb));
			if (!tb || tbr_tag_kind(ta) != TBR_KIND_SCALAR)
				continue;
			for (size_t j = 0; j < tbr_tag_count(ta); j++) {
				struct tbr_scalar x, y;
				tbr_tag_scalars(ta, j, &x, 1);
				tbr_tag_scalars(tb, j, &y, 1);
				EXPECT(x.step == y.step && x.value.dtype == y.value.dtype &&
				       !memcmp(&x.wall_time, &y.wall_time, 8) &&
				       !memcmp(&x.value.v, &y.value.v, 8));
			}
		}
	}
}

int main(void)
{
	const char *env = getenv("TBFS_FIXTURES");

	snprintf(fixtures, sizeof(fixtures), "%s",
		 env ? env : "tests/fixtures/real");
	struct tbr_logdir *ld = load(false), *ld2 = load(true);
	EXPECT(ld != NULL && ld2 != NULL);
	if (ld && ld2) {
		check_scalars(ld);
		check_counts(ld);
		check_decoders_agree(ld, ld2);
		size_t mem = 0, pts = 0;
		for (size_t i = 0; i < tbr_logdir_run_count(ld); i++) {
			struct tbr_run_counts c;
			tbr_run_counts(tbr_logdir_run(ld, i), &c);
			pts += c.scalar_points;
			mem += tbr_run_memory(tbr_logdir_run(ld, i));
		}
		fprintf(stderr, "%zu points, %zu bytes of index\n", pts, mem);
	}
	tbr_logdir_close(ld);
	tbr_logdir_close(ld2);
	return expect_done("fixtures");
}
