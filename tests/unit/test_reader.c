/*
 * test_reader.c — framing, bad input and incremental reading, without FUSE.
 *
 * Streams are built in memory by wire_enc.h. Covers: truncation at every
 * byte offset, corruption of each part of a record (length, length CRC,
 * payload, payload CRC), garbage before and between records, impossible
 * lengths, undecodable payloads, empty and garbage-only input, growth of a
 * file between refreshes (including a record completed later), gzip files,
 * replacement of a file, new files, TensorBoard's purge after a restart.
 */
#include "tbr.h"
#include "expect.h"
#include "wire_enc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define NREC 20

struct stream {
	uint8_t data[NREC * 128 + 256];
	size_t len;
	size_t ends[NREC + 1]; /* end offset of each record */
	size_t nrec;
};

static void build(struct stream *s, int first_step)
{
	struct enc e;

	s->len = 0;
	s->nrec = 0;
	enc_version_event(&e, 1600000000.0);
	s->len += enc_record(s->data + s->len, e.b, e.n);
	s->ends[s->nrec++] = s->len;
	for (int i = 0; i < NREC - 1; i++) {
		enc_scalar_event(&e, 1600000000.5 + i, first_step + i, "loss",
				 (float)i * 0.1f);
		s->len += enc_record(s->data + s->len, e.b, e.n);
		s->ends[s->nrec++] = s->len;
	}
}

struct count {
	size_t records, problems, scalars;
	tbr_status last;
	float last_value;
};

static bool on_rec(void *ctx, const struct tbr_record *rec, tbr_status st,
		   uint64_t off)
{
	struct count *c = ctx;

	if (!rec) {
		c->problems++;
		c->last = st;
		return true;
	}
	c->records++;
	for (size_t i = 0; i < rec->value_count; i++)
		if (rec->values[i].has_scalar) {
			c->scalars++;
			c->last_value = rec->values[i].scalar.v.f32;
		}
	return true;
}

static struct count scan(const uint8_t *d, size_t n, struct tbr_file_stats *st,
			 tbr_status *rc)
{
	struct count c = { 0 };
	struct tbr_file_stats local;

	*rc = tbr_scan_buffer(d, n, NULL, on_rec, &c, st ? st : &local);
	return c;
}

static void test_clean_and_truncation(void)
{
	struct stream s;
	struct tbr_file_stats st;
	tbr_status rc;

	build(&s, 0);
	struct count c = scan(s.data, s.len, &st, &rc);
	EXPECT(rc == TBR_OK);
	EXPECT(c.records == NREC && c.scalars == NREC - 1 && c.problems == 0);
	EXPECT(st.records_read == NREC && st.bytes_read == s.len);
	EXPECT(!st.truncated_tail);
	EXPECT(c.last_value == (float)(NREC - 2) * 0.1f);

	/* Every prefix: the complete records and nothing else, no error. */
	for (size_t l = 0; l <= s.len; l++) {
		size_t complete = 0;
		bool boundary = l == 0;

		for (size_t k = 0; k < s.nrec; k++) {
			if (s.ends[k] <= l)
				complete++;
			boundary |= s.ends[k] == l;
		}
		uint8_t *copy = malloc(l ? l : 1); /* exact size: ASan checks */
		memcpy(copy, s.data, l);
		c = scan(copy, l, &st, &rc);
		free(copy);
		EXPECT_MSG(c.records == complete && c.problems == 0,
			   "prefix %zu: %zu records, %zu problems", l, c.records,
			   c.problems);
		EXPECT_MSG((rc == TBR_OK) == boundary && st.truncated_tail == !boundary,
			   "prefix %zu: rc %d", l, rc);
	}
}

static void test_corruption(void)
{
	struct stream s;
	struct tbr_file_stats st;
	tbr_status rc;

	build(&s, 0);
	/* damage record 5 in each of its four parts */
	size_t start = s.ends[4], end = s.ends[5];
	const struct {
		size_t off;
		tbr_status why;
	} cases[] = {
		{ start + 0, TBR_ERR_LENGTH_CRC },   /* length */
		{ start + 9, TBR_ERR_LENGTH_CRC },   /* length CRC */
		{ start + 20, TBR_ERR_DATA_CRC },    /* payload */
		{ end - 2, TBR_ERR_DATA_CRC },       /* payload CRC */
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct stream d = s;

		d.data[cases[k].off] ^= 0x40;
		struct count c = scan(d.data, d.len, &st, &rc);
		EXPECT_MSG(c.records == NREC - 1, "case %zu: %zu records", k,
			   c.records);
		EXPECT_MSG(c.problems == 1 && c.last == cases[k].why,
			   "case %zu: %zu problems, last %d", k, c.problems, c.last);
		EXPECT(st.records_skipped == 1 && rc == TBR_OK);
		EXPECT(cases[k].why != TBR_ERR_LENGTH_CRC || st.skipped_length_crc == 1);
		EXPECT(cases[k].why != TBR_ERR_DATA_CRC || st.skipped_data_crc == 1);
	}

	/* garbage before, between and after records */
	uint8_t *g = malloc(s.len + 3000);
	size_t n = 0;
	uint32_t seed = 7;
	for (int i = 0; i < 1000; i++) {
		seed = seed * 1103515245u + 12345u;
		g[n++] = (uint8_t)(seed >> 16);
	}
	memcpy(g + n, s.data, s.ends[9]);
	n += s.ends[9];
	for (int i = 0; i < 1000; i++) {
		seed = seed * 1103515245u + 12345u;
		g[n++] = (uint8_t)(seed >> 16);
	}
	memcpy(g + n, s.data + s.ends[9], s.len - s.ends[9]);
	n += s.len - s.ends[9];
	struct count c = scan(g, n, &st, &rc);
	EXPECT_MSG(c.records == NREC, "garbage: %zu records", c.records);
	EXPECT(st.garbage_bytes >= 2000 && st.garbage_bytes < 2100);
	/* garbage only, and an empty stream */
	c = scan(g, 1000, &st, &rc);
	EXPECT(c.records == 0 && st.records_read == 0);
	c = scan(g, 0, &st, &rc);
	EXPECT(c.records == 0 && c.problems == 0 && rc == TBR_OK);
	free(g);

	/* a CRC-valid length far beyond the data and the cap: skipped, never
	 * allocated, the records after it still read */
	uint8_t big[NREC * 128 + 256 + 16];
	uint64_t huge = 1ull << 40;
	uint32_t cr;
	memcpy(big, &huge, 8);
	cr = tbr_crc_mask(tbr_crc32c(big, 8));
	memcpy(big + 8, &cr, 4);
	memcpy(big + 12, s.data, s.len);
	c = scan(big, s.len + 12, &st, &rc);
	EXPECT(c.records == NREC && st.skipped_too_large == 1);

	/* valid CRCs around a payload that is not an Event */
	struct enc e;
	uint8_t rec[64];
	size_t rl;
	const uint8_t bad[] = { 0x0a, 0xff, 0xff, 0xff, 0x7f };
	memcpy(big, s.data, s.ends[3]);
	rl = enc_record(rec, bad, sizeof(bad));
	memcpy(big + s.ends[3], rec, rl);
	memcpy(big + s.ends[3] + rl, s.data + s.ends[3], s.len - s.ends[3]);
	c = scan(big, s.len + rl, &st, &rc);
	EXPECT(c.records == NREC && st.skipped_decode == 1 && rc == TBR_OK);
	(void)e;

	/* a record cut short in the middle of a file, good records after it */
	memcpy(big, s.data, s.ends[6] - 10);
	memcpy(big + s.ends[6] - 10, s.data + s.ends[6], s.len - s.ends[6]);
	c = scan(big, s.len - 10, &st, &rc);
	EXPECT_MSG(c.records == NREC - 1, "cut: %zu records", c.records);
	EXPECT(st.records_skipped == 1 && !st.truncated_tail);
}

/* ------------------------------------------------------------- on disk */

static char tmpl[] = "/tmp/tbfs-test-reader-XXXXXX";

static void write_file(const char *path, const void *d, size_t n, bool append)
{
	int fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC),
		      0644);
	EXPECT(fd >= 0);
	if (fd >= 0) {
		EXPECT(write(fd, d, n) == (ssize_t)n);
		close(fd);
	}
}

static const struct tbr_tag *loss(struct tbr_run *run)
{
	return tbr_run_find_tag(run, "loss", TBR_KIND_SCALAR);
}

static void test_incremental(const char *root)
{
	char dir[512], path[600], path2[600], tmp[600];
	struct stream s;
	struct tbr_logdir *ld;
	struct tbr_run *run;
	bool changed;

	snprintf(dir, sizeof(dir), "%s/exp", root);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/exp/train", root);
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/events.out.tfevents.1600000000.host", dir);
	build(&s, 0);
	/* first a cut in the middle of record 10 */
	size_t cut = s.ends[9] + 7;
	write_file(path, s.data, cut, false);

	EXPECT(tbr_logdir_open(root, NULL, &ld) == TBR_OK);
	EXPECT(tbr_logdir_scan(ld, &changed) == TBR_OK && changed);
	EXPECT(tbr_logdir_run_count(ld) == 1);
	run = tbr_logdir_find_run(ld, "exp/train");
	EXPECT(run != NULL);
	if (!run)
		goto out;
	EXPECT(!tbr_run_loaded(run));
	EXPECT(tbr_run_refresh(run, &changed) == TBR_OK && changed);
	EXPECT(loss(run) && tbr_tag_count(loss(run)) == 9);
	EXPECT(tbr_run_file_stats(run, 0)->truncated_tail);

	/* nothing new: no change */
	EXPECT(tbr_run_refresh(run, &changed) == TBR_OK && !changed);

	/* the writer completes the record and adds the rest */
	write_file(path, s.data + cut, s.len - cut, true);
	uint64_t gen = tbr_run_generation(run);
	EXPECT(tbr_run_refresh(run, &changed) == TBR_OK && changed);
	EXPECT(tbr_run_generation(run) > gen);
	EXPECT(tbr_tag_count(loss(run)) == NREC - 1);
	EXPECT(!tbr_run_file_stats(run, 0)->truncated_tail);
	EXPECT(tbr_run_file_stats(run, 0)->records_read == NREC);
	EXPECT(tbr_run_file_stats(run, 0)->records_skipped == 0);

	/* points are exact and in order */
	struct tbr_scalar pts[NREC];
	size_t got = tbr_tag_scalars(loss(run), 0, pts, NREC);
	EXPECT(got == NREC - 1);
	for (size_t i = 0; i < got; i++)
		EXPECT(pts[i].step == (int64_t)i && pts[i].wall_time == 1600000000.5 + i &&
		       pts[i].value.dtype == TBR_DT_F32 &&
		       pts[i].value.v.f32 == (float)i * 0.1f);

	/* a second file (later name): appended after the first */
	struct stream s2;
	build(&s2, 100);
	snprintf(path2, sizeof(path2), "%s/events.out.tfevents.1600000100.host", dir);
	write_file(path2, s2.data, s2.len, false);
	EXPECT(tbr_run_refresh(run, &changed) == TBR_OK && changed);
	EXPECT(tbr_run_file_count(run) == 2);
	EXPECT(tbr_tag_count(loss(run)) == 2 * (NREC - 1));
	EXPECT(tbr_run_restarts(run) == 0); /* appended, not re-read */
	EXPECT(tbr_tag_last_step(loss(run)) == 100 + NREC - 2);

	/* replacement (rsync without --inplace): new inode, shorter */
	snprintf(tmp, sizeof(tmp), "%s/.tmp", dir);
	write_file(tmp, s.data, s.ends[4], false);
	EXPECT(rename(tmp, path) == 0);
	EXPECT(tbr_run_refresh(run, &changed) == TBR_OK && changed);
	EXPECT(tbr_tag_count(loss(run)) == 4 + NREC - 1);
	EXPECT(tbr_run_file_stats(run, 0)->replaced == 1);
	EXPECT(tbr_run_restarts(run) == 1);

	/* shrunk in place (same inode, truncated): read again from scratch */
	EXPECT(truncate(path, (off_t)s.ends[2]) == 0);
	EXPECT(tbr_run_refresh(run, &changed) == TBR_OK && changed);
	EXPECT(tbr_tag_count(loss(run)) == 2 + NREC - 1);
	EXPECT(tbr_run_file_stats(run, 0)->replaced == 2);
	EXPECT(tbr_run_restarts(run) == 2);

	/* a new run appears; the first stays */
	snprintf(dir, sizeof(dir), "%s/exp/eval", root);
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/events.out.tfevents.1600000000.host", dir);
	write_file(path, s.data, s.len, false);
	EXPECT(tbr_logdir_scan(ld, &changed) == TBR_OK && changed);
	EXPECT(tbr_logdir_run_count(ld) == 2);
	EXPECT(!strcmp(tbr_run_name(tbr_logdir_run(ld, 0)), "exp/eval"));
	EXPECT(tbr_logdir_find_run(ld, "exp/train") == run);

	/* gzip: read transparently */
	snprintf(dir, sizeof(dir), "%s/gz", root);
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/events.out.tfevents.1600000000.host.gz", dir);
	gzFile gz = gzopen(path, "wb");
	EXPECT(gz != NULL);
	if (gz) {
		EXPECT(gzwrite(gz, s.data, (unsigned)s.len) == (int)s.len);
		gzclose(gz);
	}
	EXPECT(tbr_logdir_scan(ld, &changed) == TBR_OK && changed);
	struct tbr_run *gr = tbr_logdir_find_run(ld, "gz");
	EXPECT(gr && tbr_run_refresh(gr, NULL) == TBR_OK);
	EXPECT(gr && loss(gr) && tbr_tag_count(loss(gr)) == NREC - 1);
	EXPECT(gr && tbr_run_file_stats(gr, 0)->gzip);
	EXPECT(gr && tbr_run_file_stats(gr, 0)->records_skipped == 0);

	/* a directory symlink loop does not hang the walk */
	snprintf(path, sizeof(path), "%s/exp/loop", root);
	EXPECT(symlink("..", path) == 0);
	EXPECT(tbr_logdir_scan(ld, &changed) == TBR_OK);
	EXPECT(tbr_logdir_run_count(ld) == 3);
out:
	tbr_logdir_close(ld);
}

static void test_purge(const char *root)
{
	char dir[512], path[600];
	uint8_t buf[8192];
	size_t n = 0;
	struct enc e;
	struct tbr_logdir *ld;

	snprintf(dir, sizeof(dir), "%s/restart", root);
	mkdir(dir, 0755);
	enc_version_event(&e, 1.0);
	n += enc_record(buf + n, e.b, e.n);
	for (int s = 0; s < 10; s++) {
		enc_scalar_event(&e, 10.0 + s, s, "loss", (float)s);
		n += enc_record(buf + n, e.b, e.n);
	}
	enc_session_log(&e, 30.0, 5, 1); /* START at step 5 */
	n += enc_record(buf + n, e.b, e.n);
	for (int s = 5; s < 13; s++) {
		enc_scalar_event(&e, 40.0 + s, s, "loss", (float)-s);
		n += enc_record(buf + n, e.b, e.n);
	}
	snprintf(path, sizeof(path), "%s/events.out.tfevents.1.host", dir);
	write_file(path, buf, n, false);

	EXPECT(tbr_logdir_open(dir, NULL, &ld) == TBR_OK);
	tbr_logdir_scan(ld, NULL);
	struct tbr_run *run = tbr_logdir_find_run(ld, ".");
	EXPECT(run != NULL);
	if (run) {
		struct tbr_run_counts c;
		struct tbr_scalar pts[32];

		tbr_run_refresh(run, NULL);
		tbr_run_counts(run, &c);
		EXPECT(c.session_start == 1);
		EXPECT(tbr_tag_count(loss(run)) == 18);
		EXPECT(tbr_tag_count_unorphaned(loss(run)) == 13);
		size_t got = tbr_tag_scalars(loss(run), 0, pts, 32);
		EXPECT(got == 18);
		for (size_t i = 0; i < got; i++)
			EXPECT_MSG(pts[i].orphaned == (i >= 5 && i < 10),
				   "point %zu", i);
		EXPECT(!strcmp(tbr_run_file_version(run), "brain.Event:2"));
	}
	tbr_logdir_close(ld);
}

struct capture {
	struct tbr_num v;
	int n;
};

static bool capture_cb(void *ctx, const struct tbr_record *r, tbr_status s,
		       uint64_t off)
{
	struct capture *c = ctx;

	if (r)
		for (size_t i = 0; i < r->value_count; i++)
			if (r->values[i].has_scalar) {
				c->v = r->values[i].scalar;
				c->n++;
			}
	return true;
}

/* Scans an Event holding a rank-0 "scalars" tensor of @dtype whose value
 * is field @field with wire type @wt (2 = length-delimited, e.g. packed
 * or tensor_content) and bytes @raw, with decoder @pbc; returns how many
 * scalars were seen and the last one in *@v. */
static int scan_tensor_scalar(int dtype, unsigned field, unsigned wt,
			      const char *raw, size_t len, bool pbc,
			      struct tbr_num *v)
{
	struct enc t = { .n = 0 }, ev;
	uint8_t rec[256];
	struct capture c = { 0 };
	struct tbr_options o = { .use_protobuf_c = pbc };
	size_t n;

	enc_key(&t, 1, 0);
	enc_varint(&t, (uint64_t)dtype);
	enc_key(&t, field, wt);
	if (wt == 2)
		enc_varint(&t, len);
	enc_bytes(&t, raw, len);
	enc_tensor_event(&ev, 1.0, 3, "x", &t, "scalars");
	n = enc_record(rec, ev.b, ev.n);
	tbr_scan_buffer(rec, n, &o, capture_cb, &c, NULL);
	*v = c.v;
	return c.n;
}

static void test_dtype_values(void)
{
	/* dtype, tensor_content bytes, expected double, stored type */
	static const struct {
		int dtype;
		const char *content;
		size_t len;
		double want;
		tbr_dtype as;
	} cases[] = {
		{ 1, "\xa4\x70\x7d\x3f", 4, (double)0.99f, TBR_DT_F32 },
		{ 2, "\x9a\x99\x99\x99\x99\x99\xb9\x3f", 8, 0.1, TBR_DT_F64 },
		{ 3, "\xfe\xff\xff\xff", 4, -2, TBR_DT_I32 },
		{ 9, "\x00\x00\x00\x00\x01\x00\x00\x00", 8, 4294967296.0, TBR_DT_I64 },
		{ 10, "\x01", 1, 1, TBR_DT_BOOL },
		{ 19, "\x00\x3c", 2, 1.0, TBR_DT_F16 },
		{ 19, "\x00\xc0", 2, -2.0, TBR_DT_F16 },
		{ 19, "\x01\x00", 2, 5.9604644775390625e-08, TBR_DT_F16 },
		{ 14, "\x80\x3f", 2, 1.0, TBR_DT_BF16 },
		{ 4, "\xff", 1, 255, TBR_DT_I32 },
		{ 6, "\xff", 1, -1, TBR_DT_I32 },
		{ 23, "\xff\xff\xff\xff\xff\xff\xff\xff", 8, 18446744073709551615.0, TBR_DT_U64 },
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		for (int pbc = 0; pbc < 2; pbc++) {
			struct tbr_num v;
			int n = scan_tensor_scalar(cases[k].dtype, 4, 2,
						   cases[k].content,
						   cases[k].len, pbc, &v);

			EXPECT_MSG(n == 1 && v.dtype == cases[k].as &&
					   tbr_num_to_double(&v) == cases[k].want,
				   "case %zu pbc %d: n %d dtype %d value %.17g", k,
				   pbc, n, v.dtype, tbr_num_to_double(&v));
		}

	/* typed fields, packed and unpacked, and the 10-byte negative varint */
	static const struct {
		int dtype, field, wt;
		const char *raw;
		size_t len;
		double want;
	} typed[] = {
		{ 1, 5, 2, "\xcd\xcc\xcc\x3d", 4, (double)0.1f },
		{ 1, 5, 5, "\xcd\xcc\xcc\x3d", 4, (double)0.1f },
		{ 2, 6, 2, "\x9a\x99\x99\x99\x99\x99\xb9\x3f", 8, 0.1 },
		{ 2, 6, 1, "\x9a\x99\x99\x99\x99\x99\xb9\x3f", 8, 0.1 },
		{ 3, 7, 0, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10, -1 },
		{ 3, 7, 2, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10, -1 },
		{ 9, 10, 2, "\x80\x80\x80\x80\x10", 5, 4294967296.0 },
		{ 10, 11, 0, "\x01", 1, 1 },
		{ 19, 13, 0, "\x80\x78", 2, 1.0 },
		/* PyTorch writes float32 bits into half_val: 1.5f */
		{ 19, 13, 2, "\x80\x80\x80\xfe\x03", 5, 1.5 },
	};
	for (size_t k = 0; k < sizeof(typed) / sizeof(typed[0]); k++)
		for (int pbc = 0; pbc < 2; pbc++) {
			struct tbr_num v;
			int n = scan_tensor_scalar(typed[k].dtype,
						   (unsigned)typed[k].field,
						   (unsigned)typed[k].wt, typed[k].raw,
						   typed[k].len, pbc, &v);

			EXPECT_MSG(n == 1 && tbr_num_to_double(&v) == typed[k].want,
				   "typed %zu pbc %d: n %d value %.17g", k, pbc,
				   n, tbr_num_to_double(&v));
		}
}

/* Sealed blocks (tbr_options.on_block): reported in order, contiguous
 * from point 0, never the last (still growing) block, and decoding each
 * gives the points tbr_tag_scalars gives. */
struct sealed {
	struct tbr_block b[64];
	const struct tbr_tag *tag[64];
	uint64_t restarts[64];
	size_t n;
};

static void on_block(void *ud, struct tbr_run *run, const struct tbr_tag *tag,
		     uint64_t restarts, const struct tbr_block *b)
{
	struct sealed *sd = ud;

	(void)run;
	if (sd->n < 64) {
		sd->b[sd->n] = *b;
		sd->tag[sd->n] = tag;
		sd->restarts[sd->n++] = restarts;
	}
}

static void test_sealed_blocks(const char *root)
{
	enum { NPTS = 1000 };
	static uint8_t buf[NPTS * 2 * 64 + 256];
	struct tbr_options o = { 0 };
	struct sealed sd = { .n = 0 };
	struct tbr_logdir *ld = NULL;
	struct tbr_run *run;
	struct enc e;
	size_t len = 0, next[2] = { 0, 0 };
	char dir[512], path[600];
	bool changed;

	snprintf(dir, sizeof(dir), "%s/sealed", root);
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/events.out.tfevents.1.host", dir);
	enc_version_event(&e, 1600000000.0);
	len += enc_record(buf + len, e.b, e.n);
	for (int i = 0; i < NPTS; i++) {
		enc_scalar_event(&e, 1600000000.25 + i, i, "a", (float)i / 3);
		len += enc_record(buf + len, e.b, e.n);
		if (i % 2)
			continue; /* "b" has half as many points */
		enc_scalar_event(&e, 1600000000.75 + i, i, "b", -(float)i);
		len += enc_record(buf + len, e.b, e.n);
	}
	write_file(path, buf, len, false);
	o.on_block = on_block;
	o.on_block_ud = &sd;
	EXPECT(tbr_logdir_open(root, &o, &ld) == TBR_OK);
	EXPECT(tbr_logdir_scan(ld, &changed) == TBR_OK);
	run = tbr_logdir_find_run(ld, "sealed");
	EXPECT(run && tbr_run_refresh(run, &changed) == TBR_OK);
	if (!run)
		goto out;
	/* 1000 points: 3 blocks of 256 sealed, 232 still open; 500: 1. */
	EXPECT(sd.n == 4);
	for (size_t i = 0; i < sd.n; i++) {
		const struct tbr_tag *t = sd.tag[i];
		struct tbr_scalar got[256], want[256];
		int k = strcmp(tbr_tag_name(t), "b") == 0;
		size_t n;

		EXPECT(sd.restarts[i] == 0 && sd.b[i].count == 256);
		EXPECT(sd.b[i].first == next[k]);
		next[k] = sd.b[i].first + sd.b[i].count;
		n = tbr_block_decode(&sd.b[i], got);
		EXPECT(n == 256 &&
		       tbr_tag_scalars(t, sd.b[i].first, want, 256) == 256);
		for (size_t j = 0; j < n; j++)
			EXPECT(got[j].step == want[j].step &&
			       got[j].wall_time == want[j].wall_time &&
			       got[j].value.dtype == want[j].value.dtype &&
			       got[j].value.v.f32 == want[j].value.v.f32);
	}
	EXPECT(next[0] == 768 && next[1] == 256);
out:
	tbr_logdir_close(ld);
}

static void rm_rf(const char *p)
{
	char cmd[700];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", p);
}

int main(void)
{
	char *root = mkdtemp(tmpl);

	EXPECT(root != NULL);
	test_clean_and_truncation();
	test_corruption();
	test_dtype_values();
	if (root) {
		test_incremental(root);
		test_purge(root);
		test_sealed_blocks(root);
		rm_rf(root);
	}
	return expect_done("reader");
}
