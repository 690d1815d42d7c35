/*
 * test_view.c — the mounted tree without FUSE: walks views of log trees
 * through tbv_lookup / tbv_opendir / tbv_open and checks the contract.
 *
 *  - Every file of the real fixtures (tests/fixtures/real): size from
 *    getattr equals the bytes served, JSON parses strictly (jansson),
 *    CSV is RFC 4180 with rectangular rows, listings are sorted, names are
 *    safe, inode numbers are stable, tbv_export writes the same bytes.
 *  - Scalars against expected/scalars.jsonl (TensorBoard's own loader):
 *    row counts, steps, wall times and values bit-exact in the stored
 *    type, per tag (CSV and JSON) and in the root scalars.csv.
 *  - Other kinds against expected/counts.jsonl: event counts, images
 *    (PNG/GIF signatures), audio (RIFF), text, histogram buckets, hparams.
 *  - Generated trees (tests/gen/tbfs-gen, found via TBFS_BUILDDIR): every
 *    dtype against the generator's --expect file, odd tags and the
 *    escaping rules, name clashes and the run ".", live appends and the
 *    refresh interval, add_hparams children, sidecars, compare/, purge.
 *  - Series big enough to be written by several threads (wire_enc.h):
 *    the same bytes as one thread writes, with and without purge, through
 *    the cache, past it and with the default (automatic) cache cap.
 *
 * Run: meson test -C build view (needs TBFS_FIXTURES; generated parts are
 * skipped with a message when the generator is missing).
 */

#include "expect.h"
#include "view.h"
#include "wire_enc.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *fixtures;
static char gen[4096];
static bool have_gen;

/* ------------------------------------------------------------- helpers */

__attribute__((format(printf, 1, 2)))
static char *xfmt(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	return s;
}

__attribute__((format(printf, 1, 2)))
static int sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int rc;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		abort();
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
	free(cmd);
	return rc;
}

static int rm_one(const char *p, const struct stat *st, int flag,
		  struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static void rmrf(const char *p)
{
	nftw(p, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

static char *tmpdir(void)
{
	char *t = strdup("/tmp/tbfs-view-XXXXXX");

	if (!t || !mkdtemp(t))
		abort();
	return t;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

static struct tbv_view *open_view(const char *dir, double refresh,
				  size_t cache, bool purge)
{
	struct tbv_options o;
	struct tbv_view *v = NULL;
	int err;

	tbv_options_default(&o);
	o.refresh_secs = refresh;
	o.cache_bytes = cache;
	o.purge_orphaned = purge;
	err = tbv_view_open(dir, &o, &v);
	EXPECT_MSG(err == 0, "tbv_view_open(%s): %s", dir, strerror(-err));
	return v;
}

/* Resolves a mount path ("a/b/c.csv", "" = root). */
static int resolve(struct tbv_view *v, const char *path, tbv_ino *ino,
		   struct stat *st)
{
	char *copy = strdup(path), *save = NULL;
	tbv_ino cur = TBV_ROOT_INO;
	int err = 0;

	for (char *c = strtok_r(copy, "/", &save); c;
	     c = strtok_r(NULL, "/", &save)) {
		err = tbv_lookup(v, cur, c, &cur, st);
		if (err)
			break;
	}
	free(copy);
	if (!err && st && cur == TBV_ROOT_INO)
		err = tbv_getattr(v, cur, st);
	*ino = cur;
	return err;
}

/* A NUL-terminated copy of a file's bytes, or NULL. */
/* All bytes of @c (written on demand for big CSV/JSON files). */
static const char *cdata(struct tbv_view *v, struct tbv_content *c)
{
	const char *p = NULL;

	EXPECT(tbv_content_read(v, c, 0, tbv_content_size(c), &p) == 0);
	return p ? p : "";
}

/* Reads @path's bytes in pieces of @piece bytes, last piece first, each
 * into its place: big rows files are written chunk by chunk on demand,
 * and a piece must never depend on the ones read before. */
static char *read_pieces(struct tbv_view *v, const char *path, size_t piece,
			 size_t *len)
{
	struct tbv_content *c;
	tbv_ino ino;
	char *s;

	if (resolve(v, path, &ino, NULL) || tbv_open(v, ino, &c, NULL))
		return NULL;
	*len = tbv_content_size(c);
	s = malloc(*len + 1);
	for (size_t end = *len; end > 0;) {
		size_t off = end > piece ? end - piece : 0;
		const char *p = NULL;

		EXPECT(tbv_content_read(v, c, off, end - off, &p) == 0);
		if (p)
			memcpy(s + off, p, end - off);
		end = off;
	}
	s[*len] = '\0';
	tbv_content_release(c);
	return s;
}

static char *read_view(struct tbv_view *v, const char *path, size_t *len)
{
	return read_pieces(v, path, SIZE_MAX, len);
}

static bool exists(struct tbv_view *v, const char *path)
{
	tbv_ino ino;

	return resolve(v, path, &ino, NULL) == 0;
}

/* ----------------------------------------------------------------- CSV */

struct csv {
	size_t nrows;
	size_t *ncols;
	char ***rows;
};

static void csv_free(struct csv *c)
{
	for (size_t r = 0; r < c->nrows; r++) {
		for (size_t k = 0; k < c->ncols[r]; k++)
			free(c->rows[r][k]);
		free(c->rows[r]);
	}
	free(c->rows);
	free(c->ncols);
	memset(c, 0, sizeof(*c));
}

/* Strict RFC 4180 with "\n" line ends: quotes only around whole fields,
 * every record ends with "\n". Returns 0 or -1. */
static int csv_parse(const char *s, size_t n, struct csv *c)
{
	char *f = malloc(n + 1); /* one field at a time */
	size_t i = 0;

	memset(c, 0, sizeof(*c));
	while (i < n) {
		char **row = NULL;
		size_t nf = 0;

		for (;;) {
			size_t fl = 0;

			if (i < n && s[i] == '"') {
				i++;
				for (;;) {
					if (i >= n)
						goto bad_row;
					if (s[i] == '"') {
						if (i + 1 < n && s[i + 1] == '"') {
							f[fl++] = '"';
							i += 2;
							continue;
						}
						i++;
						break;
					}
					f[fl++] = s[i++];
				}
			} else {
				while (i < n && s[i] != ',' && s[i] != '\n') {
					if (s[i] == '"' || s[i] == '\r')
						goto bad_row;
					f[fl++] = s[i++];
				}
			}
			row = realloc(row, (nf + 1) * sizeof(*row));
			row[nf++] = strndup(f, fl);
			if (i < n && s[i] == ',') {
				i++;
				continue;
			}
			if (i < n && s[i] == '\n') {
				i++;
				break;
			}
			goto bad_row; /* EOF without "\n" or junk */
		}
		if (c->nrows % 1024 == 0) {
			c->rows = realloc(c->rows,
					  (c->nrows + 1024) * sizeof(*c->rows));
			c->ncols = realloc(c->ncols,
					   (c->nrows + 1024) * sizeof(size_t));
		}
		c->rows[c->nrows] = row;
		c->ncols[c->nrows++] = nf;
		continue;
bad_row:
		for (size_t k = 0; k < nf; k++)
			free(row[k]);
		free(row);
		csv_free(c);
		free(f);
		return -1;
	}
	free(f);
	return 0;
}

static int csv_col(const struct csv *c, const char *name)
{
	if (!c->nrows)
		return -1;
	for (size_t k = 0; k < c->ncols[0]; k++)
		if (!strcmp(c->rows[0][k], name))
			return (int)k;
	return -1;
}

static int read_csv(struct tbv_view *v, const char *path, struct csv *c)
{
	size_t len;
	char *s = read_view(v, path, &len);
	int rc;

	if (!s) {
		memset(c, 0, sizeof(*c));
		return -1;
	}
	rc = csv_parse(s, len, c);
	free(s);
	return rc;
}

static json_t *read_json(struct tbv_view *v, const char *path)
{
	size_t len;
	char *s = read_view(v, path, &len);
	json_error_t e;
	json_t *j;

	if (!s)
		return NULL;
	j = json_loadb(s, len, 0, &e);
	EXPECT_MSG(j != NULL, "%s: %s (line %d)", path, e.text, e.line);
	free(s);
	return j;
}

/* Row of @c whose column @col equals @val (first from row 1), or -1. */
static long csv_find(const struct csv *c, int col, const char *val)
{
	for (size_t r = 1; r < c->nrows; r++)
		if (col >= 0 && (size_t)col < c->ncols[r] &&
		    !strcmp(c->rows[r][col], val))
			return (long)r;
	return -1;
}

/* ---------------------------------------------------------- tree walk */

struct walkstat {
	size_t files, dirs, bytes;
	const char *export_dir;
};

static bool ends(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && !strcmp(s + a - b, suf);
}

static void check_file(struct tbv_view *v, tbv_ino ino, const char *path,
		       const char *name, struct walkstat *ws)
{
	struct tbv_content *c = NULL;
	struct stat st, st2;
	bool changed = true;
	int err;

	err = tbv_getattr(v, ino, &st);
	EXPECT_MSG(err == 0, "getattr %s: %d", path, err);
	if (err)
		return;
	EXPECT_MSG(st.st_mode == (S_IFREG | 0444), "mode %s", path);
	err = tbv_open(v, ino, &c, &changed);
	EXPECT_MSG(err == 0, "open %s: %d", path, err);
	if (err)
		return;
	EXPECT_MSG(!changed, "changed on first open: %s", path);
	EXPECT_MSG((size_t)st.st_size == tbv_content_size(c),
		   "%s: stat size %lld, content %zu", path,
		   (long long)st.st_size, tbv_content_size(c));
	EXPECT(tbv_getattr(v, ino, &st2) == 0 && st2.st_size == st.st_size &&
	       st2.st_mtim.tv_sec == st.st_mtim.tv_sec);
	ws->files++;
	ws->bytes += tbv_content_size(c);

	if (ends(name, ".json")) {
		json_error_t e;
		json_t *j = json_loadb(cdata(v, c), tbv_content_size(c),
				       0, &e);
		EXPECT_MSG(j != NULL, "%s: %s", path, e.text);
		json_decref(j);
	} else if (ends(name, ".csv")) {
		struct csv csv;
		int rc = csv_parse(cdata(v, c), tbv_content_size(c),
				   &csv);
		EXPECT_MSG(rc == 0 && csv.nrows >= 1, "%s: bad CSV", path);
		for (size_t r = 1; rc == 0 && r < csv.nrows; r++)
			if (csv.ncols[r] != csv.ncols[0]) {
				EXPECT_MSG(false, "%s row %zu: %zu fields, %zu",
					   path, r, csv.ncols[r], csv.ncols[0]);
				break;
			}
		csv_free(&csv);
	}
	if (ws->export_dir) {
		char *p = xfmt("%s/%s", ws->export_dir, path);
		FILE *f = fopen(p, "rb");
		size_t n = tbv_content_size(c);
		char *buf = malloc(n + 1);
		struct stat xs;

		EXPECT_MSG(f && fread(buf, 1, n + 1, f) == n &&
				   !memcmp(buf, cdata(v, c), n),
			   "export differs: %s", path);
		EXPECT(stat(p, &xs) == 0 &&
		       xs.st_mtim.tv_sec == st.st_mtim.tv_sec);
		if (f)
			fclose(f);
		free(buf);
		free(p);
	}
	tbv_content_release(c);
}

static void walk(struct tbv_view *v, tbv_ino ino, const char *path,
		 struct walkstat *ws)
{
	struct tbv_dirlist *d = NULL, *d2 = NULL;
	int err = tbv_opendir(v, ino, &d);

	EXPECT_MSG(err == 0, "opendir %s: %d", path, err);
	if (err)
		return;
	ws->dirs++;
	/* A second listing is identical (stable). */
	EXPECT(tbv_opendir(v, ino, &d2) == 0 &&
	       tbv_dirlist_count(d2) == tbv_dirlist_count(d));
	for (size_t i = 0; i < tbv_dirlist_count(d); i++) {
		tbv_ino eino, lino, eino2;
		mode_t mode, mode2;
		const char *name = tbv_dirlist_name(d, i, &eino, &mode);
		const char *name2 = d2 ? tbv_dirlist_name(d2, i, &eino2, &mode2)
				       : NULL;
		char *p = *path ? xfmt("%s/%s", path, name) : xfmt("%s", name);
		struct stat st;

		EXPECT_MSG(name2 && !strcmp(name, name2) && eino == eino2,
			   "unstable listing at %s", p);
		EXPECT_MSG(*name && strlen(name) <= 255 && !strchr(name, '/') &&
				   strcmp(name, ".") && strcmp(name, ".."),
			   "unsafe name %s", p);
		if (i) {
			const char *prev = tbv_dirlist_name(d, i - 1, NULL, NULL);
			EXPECT_MSG(strcmp(prev, name) < 0, "unsorted at %s", p);
		}
		err = tbv_lookup(v, ino, name, &lino, &st);
		EXPECT_MSG(err == 0 && lino == eino, "lookup %s: %d", p, err);
		EXPECT(err || (st.st_mode & S_IFMT) == (mode & S_IFMT));
		EXPECT(err || st.st_ino == eino);
		if (S_ISDIR(mode)) {
			EXPECT(mode == (S_IFDIR | 0555));
			walk(v, eino, p, ws);
		} else {
			check_file(v, eino, p, name, ws);
		}
		free(p);
	}
	tbv_dirlist_release(d);
	tbv_dirlist_release(d2);
}

/* --------------------------------------------------------- expectations */

/* Python's json writes NaN/Infinity: make them strings for jansson. */
static json_t *load_jsonl_line(const char *line)
{
	static const struct { const char *from, *to; } r[] = {
		{ "-Infinity", "\"-inf\"" }, { "Infinity", "\"inf\"" },
		{ "NaN", "\"nan\"" },
	};
	size_t n = strlen(line), o = 0;
	char *buf = malloc(2 * n + 16);
	json_t *j;

	while (*line) {
		size_t k;

		for (k = 0; k < 3; k++)
			if (!strncmp(line, r[k].from, strlen(r[k].from)))
				break;
		if (k < 3) {
			o += (size_t)sprintf(buf + o, "%s", r[k].to);
			line += strlen(r[k].from);
		} else {
			buf[o++] = *line++;
		}
	}
	buf[o] = '\0';
	j = json_loads(buf, JSON_DECODE_ANY, NULL);
	free(buf);
	return j;
}

static double jnum(const json_t *j)
{
	if (json_is_string(j)) {
		const char *s = json_string_value(j);
		if (!strcmp(s, "nan"))
			return NAN;
		return !strcmp(s, "inf") ? INFINITY : -INFINITY;
	}
	return json_number_value(j);
}

/* README rule: a float32 widened to double compares as float32. */
static bool value_ok(const char *text, double want)
{
	char *end;
	double d = strtod(text, &end);

	if (*end || !*text)
		return false;
	if (isnan(want))
		return isnan(d);
	if ((double)(float)want == want) {
		float f = strtof(text, NULL);
		return f == (float)want && !signbit(f) == !signbit(want);
	}
	return d == want;
}

static void key2(char *buf, size_t cap, const char *a, const char *b)
{
	snprintf(buf, cap, "%s\x1f%s", a, b);
}

/* (run, tag) with kind "scalars" -> file, and (run, tag) -> total events. */
static void tags_maps(struct tbv_view *v, json_t *files, json_t *events,
		      const char *want_kind)
{
	struct csv c;
	int cr, ct, ck, cc, cf;

	EXPECT(read_csv(v, "tags.csv", &c) == 0);
	cr = csv_col(&c, "run");
	ct = csv_col(&c, "tag");
	ck = csv_col(&c, "kind");
	cc = csv_col(&c, "count");
	cf = csv_col(&c, "file");
	EXPECT(cr == 0 && ct == 1 && ck == 2 && cc == 3 && cf == 6);
	for (size_t r = 1; r < c.nrows && cf >= 0; r++) {
		char k[2048];
		json_int_t prev;

		key2(k, sizeof(k), c.rows[r][cr], c.rows[r][ct]);
		if (!want_kind || !strcmp(c.rows[r][ck], want_kind)) {
			char k3[2100];
			snprintf(k3, sizeof(k3), "%s\x1f%s", k, c.rows[r][ck]);
			json_object_set_new(files, k3,
					    json_string(c.rows[r][cf]));
		}
		prev = json_integer_value(json_object_get(events, k));
		json_object_set_new(events, k,
				    json_integer(prev + atoll(c.rows[r][cc])));
	}
	csv_free(&c);
}

static const char *file_of(json_t *files, const char *run, const char *tag,
			   const char *kind)
{
	char k[2100];

	snprintf(k, sizeof(k), "%s\x1f%s\x1f%s", run, tag, kind);
	return json_string_value(json_object_get(files, k));
}

struct series {
	char *run, *tag;
	size_t n, cap;
	int64_t *step;
	double *wall, *val;
};

static void check_series(struct tbv_view *v, json_t *files,
			 const struct series *s, json_t *counts)
{
	const char *path = file_of(files, s->run, s->tag, "scalars");
	struct csv c;
	char *jpath;
	json_t *j;
	char k[2048];

	key2(k, sizeof(k), s->run, s->tag);
	json_object_set_new(counts, k, json_integer((json_int_t)s->n));
	EXPECT_MSG(path, "no scalars file for %s %s", s->run, s->tag);
	if (!path)
		return;
	EXPECT_MSG(read_csv(v, path, &c) == 0, "%s", path);
	EXPECT(c.nrows >= 1 && c.ncols[0] == 3 &&
	       !strcmp(c.rows[0][0], "step") &&
	       !strcmp(c.rows[0][1], "wall_time") &&
	       !strcmp(c.rows[0][2], "value"));
	EXPECT_MSG(c.nrows == s->n + 1, "%s: %zu rows, want %zu", path,
		   c.nrows - 1, s->n);
	for (size_t i = 0; i < s->n && i + 1 < c.nrows; i++) {
		char **row = c.rows[i + 1];
		bool ok = strtoll(row[0], NULL, 10) == s->step[i] &&
			  strtod(row[1], NULL) == s->wall[i] &&
			  value_ok(row[2], s->val[i]);
		EXPECT_MSG(ok, "%s row %zu: %s,%s,%s want %lld,%.17g,%.17g",
			   path, i, row[0], row[1], row[2],
			   (long long)s->step[i], s->wall[i], s->val[i]);
		if (!ok)
			break;
	}
	csv_free(&c);

	jpath = xfmt("%.*s.json", (int)strlen(path) - 4, path);
	j = read_json(v, jpath);
	EXPECT(json_is_array(j) && json_array_size(j) == s->n);
	for (size_t i = 0; j && i < s->n && i < json_array_size(j); i++) {
		json_t *o = json_array_get(j, i);
		json_t *val = json_object_get(o, "value");
		bool ok = json_integer_value(json_object_get(o, "step")) ==
				  s->step[i] &&
			  json_number_value(json_object_get(o, "wall_time")) ==
				  s->wall[i];
		if (!isfinite(s->val[i]))
			ok = ok && json_is_null(val);
		else if ((double)(float)s->val[i] == s->val[i])
			ok = ok && (float)json_number_value(val) ==
					   (float)s->val[i];
		else
			ok = ok && json_number_value(val) == s->val[i];
		EXPECT_MSG(ok, "%s element %zu", jpath, i);
		if (!ok)
			break;
	}
	json_decref(j);
	free(jpath);
}

static void test_fixture_scalars(struct tbv_view *v)
{
	char *path = xfmt("%s/expected/scalars.jsonl", fixtures);
	FILE *f = fopen(path, "r");
	json_t *files = json_object(), *events = json_object();
	json_t *counts = json_object();
	struct series s = { 0 };
	char *line = NULL;
	size_t cap = 0, nseries = 0, npoints = 0;
	struct csv all;

	EXPECT_MSG(f != NULL, "%s", path);
	if (!f)
		goto out;
	tags_maps(v, files, events, NULL);
	for (;;) {
		ssize_t got = getline(&line, &cap, f);
		json_t *o = got > 0 ? load_jsonl_line(line) : NULL;
		const char *run = o ? json_string_value(json_object_get(o, "run"))
				    : NULL;
		const char *tag = o ? json_string_value(json_object_get(o, "tag"))
				    : NULL;

		if (s.run && (!o || strcmp(run, s.run) || strcmp(tag, s.tag))) {
			check_series(v, files, &s, counts);
			nseries++;
			free(s.run);
			free(s.tag);
			free(s.step);
			free(s.wall);
			free(s.val);
			memset(&s, 0, sizeof(s));
		}
		if (!o)
			break;
		if (!s.run) {
			s.run = strdup(run);
			s.tag = strdup(tag);
		}
		if (s.n == s.cap) {
			s.cap = s.cap ? 2 * s.cap : 64;
			s.step = realloc(s.step, s.cap * sizeof(*s.step));
			s.wall = realloc(s.wall, s.cap * sizeof(*s.wall));
			s.val = realloc(s.val, s.cap * sizeof(*s.val));
		}
		s.step[s.n] = json_integer_value(json_object_get(o, "step"));
		s.wall[s.n] = json_number_value(json_object_get(o, "wall_time"));
		s.val[s.n++] = jnum(json_object_get(o, "value"));
		npoints++;
		json_decref(o);
	}
	fclose(f);
	EXPECT(nseries > 100 && npoints > 10000);

	/* The root scalars.csv: the same number of rows per (run, tag). */
	EXPECT(read_csv(v, "scalars.csv", &all) == 0);
	EXPECT(all.nrows >= 1 && all.ncols[0] == 5 &&
	       !strcmp(all.rows[0][0], "run") && !strcmp(all.rows[0][1], "tag"));
	{
		json_t *got = json_object();
		const char *k;
		json_t *val;

		for (size_t r = 1; r < all.nrows; r++) {
			char key[2048];
			key2(key, sizeof(key), all.rows[r][0], all.rows[r][1]);
			json_object_set_new(
				got, key,
				json_integer(json_integer_value(
						     json_object_get(got, key)) +
					     1));
		}
		EXPECT(json_object_size(got) == json_object_size(counts));
		json_object_foreach(counts, k, val)
			EXPECT_MSG(json_equal(val, json_object_get(got, k)),
				   "root scalars.csv count for %s", k);
		json_decref(got);
	}
	csv_free(&all);
out:
	free(line);
	free(path);
	json_decref(files);
	json_decref(events);
	json_decref(counts);
}

static void check_blobs(struct tbv_view *v, const char *dir, size_t want,
			const char *what)
{
	struct tbv_dirlist *d = NULL;
	tbv_ino ino;
	size_t n = 0;

	EXPECT_MSG(resolve(v, dir, &ino, NULL) == 0 &&
			   tbv_opendir(v, ino, &d) == 0,
		   "no dir %s", dir);
	if (!d)
		return;
	for (size_t i = 0; i < tbv_dirlist_count(d); i++) {
		mode_t mode;
		tbv_ino eino;
		const char *name = tbv_dirlist_name(d, i, &eino, &mode);
		struct tbv_content *c;
		struct stat st;

		if (S_ISDIR(mode))
			continue; /* a deeper tag */
		n++;
		if (tbv_open(v, eino, &c, NULL))
			continue;
		const unsigned char *p =
			(const unsigned char *)cdata(v, c);
		size_t len = tbv_content_size(c);
		EXPECT(tbv_getattr(v, eino, &st) == 0 &&
		       (size_t)st.st_size == len);
		if (ends(name, ".png"))
			EXPECT_MSG(len > 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8),
				   "%s/%s is not a PNG", dir, name);
		else if (ends(name, ".gif"))
			EXPECT(len > 6 && !memcmp(p, "GIF8", 4));
		else if (ends(name, ".wav"))
			EXPECT(len > 12 && !memcmp(p, "RIFF", 4));
		else
			EXPECT_MSG(false, "unexpected %s %s/%s", what, dir,
				   name);
		tbv_content_release(c);
	}
	EXPECT_MSG(n == want, "%s: %zu %s, want %zu", dir, n, what, want);
	tbv_dirlist_release(d);
}

static void test_fixture_counts(struct tbv_view *v)
{
	char *path = xfmt("%s/expected/counts.jsonl", fixtures);
	FILE *f = fopen(path, "r");
	json_t *files = json_object(), *events = json_object();
	char *line = NULL;
	size_t cap = 0, nimg = 0, ntext = 0, nhist = 0, nhp = 0;

	EXPECT_MSG(f != NULL, "%s", path);
	if (!f)
		goto out;
	tags_maps(v, files, events, NULL);
	while (getline(&line, &cap, f) > 0) {
		json_t *o = load_jsonl_line(line);
		const char *run = json_string_value(json_object_get(o, "run"));
		const char *tag = json_string_value(json_object_get(o, "tag"));
		const char *plugin =
			json_string_value(json_object_get(o, "plugin"));
		json_t *ev = json_object_get(o, "events");
		const char *file;
		char k[2048];

		if (!ev) { /* hparams plugin metadata line */
			char *hp = NULL;
			const char *any = file_of(files, run, tag, "hparams");
			json_t *j;

			EXPECT_MSG(any, "no hparams for %s", run);
			if (any) {
				j = read_json(v, any);
				EXPECT(json_is_object(json_object_get(j, "hparams")));
				json_decref(j);
				nhp++;
			}
			free(hp);
			json_decref(o);
			continue;
		}
		/* TensorBoard keys series by tag alone: the sum of our
		 * series of that tag (a histogram and an image both tagged
		 * conv1.weight count together there). */
		key2(k, sizeof(k), run, tag);
		EXPECT_MSG(json_integer_value(json_object_get(events, k)) ==
				   json_integer_value(ev),
			   "%s %s: %lld events, want %lld", run, tag,
			   (long long)json_integer_value(json_object_get(events, k)),
			   (long long)json_integer_value(ev));
		if (!strcmp(plugin, "images")) {
			file = file_of(files, run, tag, "images");
			if (file)
				check_blobs(v, file,
					    (size_t)json_integer_value(
						    json_object_get(o, "images")),
					    "images");
			nimg++;
		} else if (!strcmp(plugin, "audio")) {
			file = file_of(files, run, tag, "audio");
			if (file)
				check_blobs(v, file,
					    (size_t)json_integer_value(
						    json_object_get(o, "clips")),
					    "clips");
		} else if (!strcmp(plugin, "text")) {
			struct csv c;
			const char *first = json_string_value(
				json_object_get(o, "first_text"));

			file = file_of(files, run, tag, "text");
			EXPECT(file && read_csv(v, file, &c) == 0);
			if (!file)
				goto next;
			EXPECT(c.nrows == (size_t)json_integer_value(ev) + 1);
			EXPECT_MSG(c.nrows > 1 && !strcmp(c.rows[1][2], first),
				   "text of %s %s", run, tag);
			if (json_integer_value(ev) == 1) {
				char *md = xfmt("%.*s/%s.md",
						(int)(strlen(file) - 4), file,
						c.rows[1][0]);
				size_t len;
				char *s = read_view(v, md, &len);
				EXPECT_MSG(s && !strcmp(s, first), "%s", md);
				free(s);
				free(md);
			}
			csv_free(&c);
			ntext++;
		} else if (!strcmp(plugin, "histograms")) {
			json_t *bpe = json_object_get(o, "buckets_per_event");
			struct csv c;
			size_t events_seen = 0;

			file = file_of(files, run, tag, "histograms");
			EXPECT(file && read_csv(v, file, &c) == 0);
			if (!file)
				goto next;
			/* Consecutive rows of one (step, wall_time) are one
			 * event; its bucket count must be one TensorBoard
			 * reports. */
			for (size_t r = 1; r < c.nrows;) {
				size_t e = r;
				bool found = false;
				size_t i;
				json_t *x;

				while (e < c.nrows &&
				       !strcmp(c.rows[e][0], c.rows[r][0]) &&
				       !strcmp(c.rows[e][1], c.rows[r][1]))
					e++;
				json_array_foreach(bpe, i, x)
					if (json_integer_value(x) ==
					    (json_int_t)(e - r))
						found = true;
				EXPECT_MSG(found, "%s: event of %zu buckets",
					   file, e - r);
				events_seen++;
				r = e;
			}
			EXPECT(events_seen > 0);
			csv_free(&c);
			nhist++;
		}
next:
		json_decref(o);
	}
	fclose(f);
	EXPECT(nimg > 10 && ntext > 3 && nhist > 10 && nhp > 3);
out:
	free(line);
	free(path);
	json_decref(files);
	json_decref(events);
}

static void test_fixtures(void)
{
	struct walkstat ws = { 0 };
	struct tbv_view *v;
	char *out = tmpdir();
	char *exp = xfmt("%s/export", out);
	tbv_ino a, b;
	struct stat st;
	json_t *status;

	v = open_view(fixtures, 2.0, (size_t)256 << 20, false);
	if (!v)
		goto done;
	EXPECT(tbv_export(v, exp) == 0);
	ws.export_dir = exp;
	walk(v, TBV_ROOT_INO, "", &ws);
	fprintf(stderr, "fixtures: %zu files, %zu dirs, %zu bytes\n", ws.files,
		ws.dirs, ws.bytes);
	EXPECT(ws.files > 1000);
	test_fixture_scalars(v);
	test_fixture_counts(v);

	/* Root files and the contract's columns. */
	{
		struct csv c;
		static const char *const cols[] = {
			"run", "path", "event_files", "first_step",
			"last_step", "first_wall_time", "last_wall_time",
			"points", "scalars", "histograms", "images", "audio",
			"text", "tensors", "hparams", "graphs",
		};
		EXPECT(read_csv(v, "runs.csv", &c) == 0);
		for (size_t k = 0; k < sizeof(cols) / sizeof(*cols); k++)
			EXPECT(c.nrows && c.ncols[0] > k &&
			       !strcmp(c.rows[0][k], cols[k]));
		EXPECT(csv_col(&c, "hparam/learning_rate") > 0);
		EXPECT(csv_col(&c, "loss/last") > 0);
		/* Each run's path leads to its run.json. */
		for (size_t r = 1; r < c.nrows; r++) {
			char *p = xfmt("%s/run.json", c.rows[r][1]);
			EXPECT_MSG(exists(v, p), "%s", p);
			free(p);
		}
		csv_free(&c);
		EXPECT(read_csv(v, "hparams.csv", &c) == 0);
		/* header, nidl, three hparam_tuning sessions and their
		 * train/ and validation/ runs, which inherit the session's */
		EXPECT_MSG(c.nrows == 11, "%zu rows", c.nrows);
		csv_free(&c);
	}
	status = read_json(v, "status.json");
	EXPECT(json_integer_value(json_object_get(status, "runs")) > 50);
	EXPECT(json_integer_value(json_object_get(status, "records_read")) >
	       20000);
	EXPECT(json_integer_value(json_object_get(status, "truncated_tails")) ==
	       2); /* the two peft files (expected/README.md) */
	json_decref(status);

	/* Inodes: stable per path, distinct across paths. */
	EXPECT(resolve(v, "tbreducer/tests/runs/strict/run_1/scalars.csv", &a,
		       &st) == 0);
	EXPECT(resolve(v, "tbreducer/tests/runs/strict/run_1/scalars.csv", &b,
		       NULL) == 0 && a == b);
	EXPECT(resolve(v, "tbreducer/tests/runs/strict/run_2/scalars.csv", &b,
		       NULL) == 0 && a != b);
	/* Errors. */
	EXPECT(resolve(v, "no/such/run", &a, NULL) == -ENOENT);
	EXPECT(resolve(v, "runs.csv/x", &a, NULL) == -ENOTDIR);
	{
		struct tbv_dirlist *d;
		struct tbv_content *c;
		EXPECT(resolve(v, "runs.csv", &a, NULL) == 0);
		EXPECT(tbv_opendir(v, a, &d) == -ENOTDIR);
		EXPECT(tbv_open(v, TBV_ROOT_INO, &c, NULL) == -EISDIR);
		EXPECT(tbv_getattr(v, 999999999, &st) == -ENOENT);
	}
	/* compare/ where a directory holds several runs, not in a run
	 * without children. */
	EXPECT(exists(v, "tbreducer/tests/runs/strict/compare/scalars"));
	EXPECT(!exists(v, "tbreducer/tests/runs/strict/run_1/compare"));
	EXPECT(exists(v, "compare/scalars"));
	/* Two kinds under one tag, each in its own tree. */
	EXPECT(exists(v, "ignite/examples/mnist/logs/histograms/conv1.weight.csv"));
	EXPECT(exists(v, "ignite/examples/mnist/logs/images/conv1.weight"));
	tbv_view_close(v);
done:
	rmrf(out);
	free(exp);
	free(out);
}

/* --------------------------------------------------------- generated */

static char *mkrun(const char *root, const char *run)
{
	char *d = xfmt("%s/%s", root, run);

	sh("mkdir -p '%s'", d);
	return d;
}

/* Each dtype: the view's CSV equals the generator's --expect file. */
static void test_dtypes(void)
{
	static const char *const dts[] = { "f32", "f64", "f16", "bf16",
					   "i32", "i64", "bool" };
	char *root = tmpdir();
	struct tbv_view *v;

	for (size_t i = 0; i < sizeof(dts) / sizeof(*dts); i++) {
		char *d = mkrun(root, dts[i]);
		sh("'%s' scalars '%s/events.out.tfevents.1.gen' --tags 3 "
		   "--steps 200 --dtype %s --expect '%s/%s.expect'",
		   gen, d, dts[i], root, dts[i]);
		free(d);
	}
	v = open_view(root, 2.0, (size_t)64 << 20, false);
	for (size_t i = 0; v && i < sizeof(dts) / sizeof(*dts); i++) {
		char *ep = xfmt("%s/%s.expect", root, dts[i]);
		FILE *f = fopen(ep, "r");
		char *buf = NULL;
		size_t len = 0;
		struct csv want, got[3];
		bool is_float = dts[i][0] == 'f' || dts[i][0] == 'b';
		bool f64 = !strcmp(dts[i], "f64");
		size_t next[3] = { 1, 1, 1 };

		if (!f) {
			EXPECT_MSG(false, "%s", ep);
			free(ep);
			continue;
		}
		buf = malloc(1 << 20);
		len = fread(buf, 1, 1 << 20, f);
		fclose(f);
		EXPECT(csv_parse(buf, len, &want) == 0);
		free(buf);
		for (int t = 0; t < 3; t++) {
			char *p = xfmt("%s/scalars/tag%d.csv", dts[i], t);
			EXPECT(read_csv(v, p, &got[t]) == 0);
			EXPECT(got[t].nrows == 201);
			free(p);
		}
		if (!strcmp(dts[i], "bool"))
			is_float = false;
		for (size_t r = 1; r < want.nrows; r++) {
			int t = atoi(want.rows[r][0] + 3);
			char **g;
			bool ok;

			if (t < 0 || t > 2 || next[t] >= got[t].nrows) {
				EXPECT(false);
				break;
			}
			g = got[t].rows[next[t]++];
			ok = !strcmp(g[0], want.rows[r][1]) &&
			     strtod(g[1], NULL) == strtod(want.rows[r][2], NULL);
			if (f64) {
				ok = ok && strtod(g[2], NULL) ==
						   strtod(want.rows[r][3], NULL);
			} else if (is_float) {
				float a = strtof(g[2], NULL);
				float b = strtof(want.rows[r][3], NULL);
				ok = ok && (memcmp(&a, &b, 4) == 0 ||
					    (isnan(a) && isnan(b)));
			} else {
				ok = ok && strtoll(g[2], NULL, 10) ==
						   strtoll(want.rows[r][3], NULL,
							   10) &&
				     !strchr(g[2], '.');
			}
			EXPECT_MSG(ok, "%s row %zu: %s,%s,%s want %s,%s,%s",
				   dts[i], r, g[0], g[1], g[2], want.rows[r][1],
				   want.rows[r][2], want.rows[r][3]);
			if (!ok)
				break;
		}
		csv_free(&want);
		for (int t = 0; t < 3; t++)
			csv_free(&got[t]);
		free(ep);
	}
	tbv_view_close(v);
	rmrf(root);
	free(root);
}

/* Odd tags (tbfs-gen kinds), the clash rule, the run ".", every kind. */
static void test_names(void)
{
	char *root = tmpdir();
	struct tbv_view *v;
	struct csv c;
	struct walkstat ws = { 0 };

	/* Event files directly in LOGDIR: the run "." */
	sh("'%s' scalars '%s/events.out.tfevents.1.gen' --tags 1 --steps 5",
	   gen, root);
	/* A run named like a root file, runs named like run entries. */
	sh("mkdir -p '%s/runs.csv' '%s/odd/scalars' '%s/odd/compare' "
	   "'%s/odd/run.json' '%s/odd/scalars/%%73x'",
	   root, root, root, root, root);
	sh("'%s' scalars '%s/runs.csv/events.out.tfevents.1.gen' --tags 1 "
	   "--steps 5", gen, root);
	sh("'%s' kinds '%s/odd/events.out.tfevents.1.gen'", gen, root);
	sh("'%s' scalars '%s/odd/scalars/events.out.tfevents.1.gen' --tags 1 "
	   "--steps 5", gen, root);
	sh("'%s' scalars '%s/odd/compare/events.out.tfevents.1.gen' --tags 1 "
	   "--steps 5", gen, root);
	sh("'%s' scalars '%s/odd/run.json/events.out.tfevents.1.gen' --tags 1 "
	   "--steps 5", gen, root);
	sh("'%s' scalars '%s/odd/scalars/%%73x/events.out.tfevents.1.gen' "
	   "--tags 1 --steps 5", gen, root);

	v = open_view(root, 2.0, 0 /* no cache: render every time */, false);
	if (!v)
		goto out;
	walk(v, TBV_ROOT_INO, "", &ws);
	/* The run "." is the directory %2E; the root keeps its own files. */
	EXPECT(exists(v, "%2E/scalars/tag0.csv"));
	EXPECT(exists(v, "%2E/run.json"));
	EXPECT(exists(v, "scalars.csv") && exists(v, "runs.csv"));
	/* First byte encoded for clashes: 'r' = 0x72, 's' = 0x73,
	 * 'c' = 0x63; '%' itself is %25. */
	EXPECT(exists(v, "%72uns.csv/scalars/tag0.csv"));
	EXPECT(exists(v, "odd/%73calars/scalars/tag0.csv"));
	EXPECT(exists(v, "odd/%63ompare/run.json"));
	EXPECT(exists(v, "odd/%72un.json/scalars.csv"));
	EXPECT(exists(v, "odd/%73calars/%2573x/run.json"));
	EXPECT(exists(v, "odd/compare/scalars"));
	EXPECT(exists(v, "odd/scalars/%2E%2E/evil.csv"));
	EXPECT(exists(v, "odd/scalars/x/%/y.csv"));
	EXPECT(exists(v, "odd/scalars/%25percent.csv"));
	EXPECT(exists(v, "odd/scalars/new%0Aline.csv"));
	EXPECT(exists(v, "odd/scalars/a,b.json"));
	/* Every tags.csv file path resolves, with the tag's data. */
	EXPECT(read_csv(v, "tags.csv", &c) == 0);
	for (size_t r = 1; r < c.nrows; r++) {
		const char *file = c.rows[r][6];
		if (!*file)
			continue; /* graphs */
		EXPECT_MSG(exists(v, file), "tags.csv file %s", file);
		if (!strcmp(c.rows[r][2], "scalars")) {
			struct csv t;
			EXPECT(read_csv(v, file, &t) == 0 &&
			       t.nrows == (size_t)atoll(c.rows[r][3]) + 1);
			csv_free(&t);
		}
		for (const unsigned char *p = (const void *)file; *p; p++)
			EXPECT(*p >= 0x20 && *p != 0x7f);
	}
	csv_free(&c);
	/* runs.csv paths equal the escaped directories. */
	EXPECT(read_csv(v, "runs.csv", &c) == 0);
	{
		long r = csv_find(&c, 0, "runs.csv");
		EXPECT(r > 0 && !strcmp(c.rows[r][1], "%72uns.csv"));
		r = csv_find(&c, 0, ".");
		EXPECT(r > 0 && !strcmp(c.rows[r][1], "%2E"));
		r = csv_find(&c, 0, "odd/scalars/%73x");
		EXPECT(r > 0 && !strcmp(c.rows[r][1], "odd/%73calars/%2573x"));
	}
	csv_free(&c);
	/* runs.csv last/min/max equal the tag's own CSV, exactly, for an
	 * int64 series with extreme values. */
	{
		struct csv t;
		long r;
		int cmin, cmax, clast;
		long long mn = 0, mx = 0;

		EXPECT(read_csv(v, "runs.csv", &c) == 0);
		EXPECT(read_csv(v, "odd/scalars/dtype/i64_int64_val.csv", &t) ==
		       0);
		r = csv_find(&c, 0, "odd");
		cmin = csv_col(&c, "dtype/i64_int64_val/min");
		cmax = csv_col(&c, "dtype/i64_int64_val/max");
		clast = csv_col(&c, "dtype/i64_int64_val/last");
		for (size_t k = 1; k < t.nrows; k++) {
			long long x = strtoll(t.rows[k][2], NULL, 10);
			mn = k == 1 || x < mn ? x : mn;
			mx = k == 1 || x > mx ? x : mx;
		}
		EXPECT(r > 0 && cmin > 0 && cmax > 0 && clast > 0 &&
		       t.nrows > 1);
		if (r > 0 && cmin > 0 && cmax > 0 && clast > 0 && t.nrows > 1) {
			EXPECT(strtoll(c.rows[r][cmin], NULL, 10) == mn &&
			       !strchr(c.rows[r][cmin], 'e'));
			EXPECT(strtoll(c.rows[r][cmax], NULL, 10) == mx);
			EXPECT(!strcmp(c.rows[r][clast],
				       t.rows[t.nrows - 1][2]));
		}
		csv_free(&t);
		csv_free(&c);
	}
	/* Kinds: multiple images per step, text of rank 2, hparams. */
	EXPECT(exists(v, "odd/images/image/tf2/0_0.png"));
	EXPECT(exists(v, "odd/images/image/tf2/0_1.png"));
	EXPECT(exists(v, "odd/audio/audio/tf2/0_1.wav"));
	check_blobs(v, "odd/images/image/tf2", 2, "images");
	check_blobs(v, "odd/audio/audio/tf2", 2, "clips");
	{
		json_t *j = read_json(v, "odd/text/text/rank2.json");
		json_t *e = json_array_get(j, 0);
		EXPECT(json_array_size(json_object_get(e, "text")) == 4);
		EXPECT(json_array_size(json_object_get(e, "shape")) == 2);
		json_decref(j);
		j = read_json(v, "odd/hparams.json");
		EXPECT(json_is_object(json_object_get(j, "hparams")));
		json_decref(j);
		j = read_json(v, "odd/histograms/histo/tf2.json");
		EXPECT(json_array_size(j) == 2);
		json_decref(j);
		j = read_json(v, "odd/tensors/pr/curve.json");
		EXPECT(json_is_array(json_object_get(json_array_get(j, 0),
						     "values")));
		json_decref(j);
	}
	/* JSON: non-finite values are null, not NaN. */
	{
		json_t *j = read_json(v, "odd/scalars/dtype/f32_float_val.json");
		EXPECT(json_array_size(j) == 5);
		EXPECT(json_is_null(json_object_get(json_array_get(j, 1),
						    "value")));
		json_decref(j);
		EXPECT(read_csv(v, "odd/scalars/dtype/f32_float_val.csv", &c) ==
		       0);
		EXPECT(c.nrows == 6 && !strcmp(c.rows[2][2], "nan") &&
		       !strcmp(c.rows[3][2], "inf") &&
		       !strcmp(c.rows[4][2], "-inf"));
		csv_free(&c);
	}
	tbv_view_close(v);
out:
	rmrf(root);
	free(root);
}

/* Appends show up after the interval; snapshots stay; untouched files
 * keep size, mtime and generation. */
static void test_live(void)
{
	char *root = tmpdir();
	char *grow = mkrun(root, "grow"), *still = mkrun(root, "still");
	char *gf = xfmt("%s/events.out.tfevents.1.gen", grow);
	struct tbv_view *v, *slow;
	static const char *const unread_path[2] = { "grow/scalars.csv",
						    "grow/scalars/tag0.json" };
	struct tbv_content *snap = NULL, *c = NULL, *unread[2];
	struct stat st1, st2, s1, s2, t1, t2;
	tbv_ino gi, si, ti;
	bool changed = true;
	size_t len1;
	char *copy1;
	struct csv csv;

	sh("'%s' scalars '%s' --tags 2 --steps 100", gen, gf);
	sh("'%s' scalars '%s/events.out.tfevents.1.gen' --tags 1 --steps 10",
	   gen, still);
	v = open_view(root, 0, (size_t)64 << 20, false);
	slow = open_view(root, 3600, (size_t)64 << 20, false);
	if (!v || !slow)
		goto out;
	EXPECT(resolve(v, "grow/scalars/tag0.csv", &gi, &st1) == 0);
	EXPECT(resolve(v, "still/scalars/tag0.csv", &si, &s1) == 0);
	EXPECT(tbv_open(v, gi, &snap, &changed) == 0 && !changed);
	len1 = tbv_content_size(snap);
	copy1 = malloc(len1);
	memcpy(copy1, cdata(v, snap), len1);
	EXPECT((size_t)st1.st_size == len1);
	EXPECT(read_csv(slow, "grow/scalars/tag0.csv", &csv) == 0 &&
	       csv.nrows == 101);
	csv_free(&csv);

	EXPECT(resolve(v, "grow/scalars/tag1.csv", &ti, &t1) == 0);
	/* Opened, not read yet: their bytes are written on the first read,
	 * which comes after the run grew. */
	for (int i = 0; i < 2; i++) {
		tbv_ino ino;

		unread[i] = NULL;
		EXPECT(resolve(v, unread_path[i], &ino, NULL) == 0 &&
		       tbv_open(v, ino, &unread[i], NULL) == 0);
	}
	/* Only tag0 grows. */
	sh("'%s' scalars '%s' --tags 1 --tag tag0 --steps 50 --start-step 100 "
	   "--append", gen, gf);
	sh("touch -d '+1 sec' '%s'", gf); /* mtime granularity */
	sh("mkdir -p '%s/fresh' && '%s' scalars "
	   "'%s/fresh/events.out.tfevents.1.gen' --tags 1 --steps 3",
	   root, gen, root);

	EXPECT(tbv_getattr(v, gi, &st2) == 0 && st2.st_size > st1.st_size);
	EXPECT(st2.st_mtim.tv_sec > st1.st_mtim.tv_sec);
	EXPECT(tbv_open(v, gi, &c, &changed) == 0 && changed);
	EXPECT(c && tbv_content_size(c) == (size_t)st2.st_size);
	EXPECT(c && csv_parse(cdata(v, c), tbv_content_size(c),
			      &csv) == 0 && csv.nrows == 151);
	csv_free(&csv);
	tbv_content_release(c);
	/* The snapshot taken before is unchanged. */
	EXPECT(tbv_content_size(snap) == len1 &&
	       !memcmp(cdata(v, snap), copy1, len1));
	tbv_content_release(snap);
	free(copy1);
	/* So are those opened but not read (slow still shows the old data). */
	for (int i = 0; i < 2; i++) {
		size_t n = 0;
		char *want = read_view(slow, unread_path[i], &n);

		EXPECT_MSG(want && unread[i] &&
				   tbv_content_size(unread[i]) == n &&
				   !memcmp(cdata(v, unread[i]), want, n),
			   "%s: snapshot changed", unread_path[i]);
		free(want);
		if (unread[i])
			tbv_content_release(unread[i]);
	}
	/* The other run: same size, same mtime, not changed. */
	EXPECT(tbv_getattr(v, si, &s2) == 0 && s2.st_size == s1.st_size &&
	       s2.st_mtim.tv_sec == s1.st_mtim.tv_sec &&
	       s2.st_mtim.tv_nsec == s1.st_mtim.tv_nsec);
	EXPECT(tbv_open(v, si, &c, &changed) == 0 && !changed);
	tbv_content_release(c);
	/* The other tag of the grown run: same size and mtime. */
	EXPECT(tbv_getattr(v, ti, &t2) == 0 && t2.st_size == t1.st_size &&
	       t2.st_mtim.tv_sec == t1.st_mtim.tv_sec &&
	       t2.st_mtim.tv_nsec == t1.st_mtim.tv_nsec);
	EXPECT(tbv_open(v, ti, &c, &changed) == 0 && !changed);
	tbv_content_release(c);
	/* Aggregates and new runs. */
	EXPECT(read_csv(v, "runs.csv", &csv) == 0);
	{
		long r = csv_find(&csv, 0, "grow");
		int col = csv_col(&csv, "points");
		EXPECT(r > 0 && col > 0 && !strcmp(csv.rows[r][col], "250"));
		EXPECT(csv_find(&csv, 0, "fresh") > 0);
	}
	csv_free(&csv);
	EXPECT(exists(v, "fresh/scalars/tag0.csv"));
	/* Within the interval nothing moves. */
	EXPECT(read_csv(slow, "grow/scalars/tag0.csv", &csv) == 0 &&
	       csv.nrows == 101);
	csv_free(&csv);
	EXPECT(!exists(slow, "fresh"));
out:
	tbv_view_close(v);
	tbv_view_close(slow);
	rmrf(root);
	free(root);
	free(grow);
	free(still);
	free(gf);
}

/* add_hparams children, sidecars, compare/, purge. */
static void test_runs(void)
{
	static const char summary[] = "Layer (type)  Output Shape\n"
				      "\x01 odd bytes \xff\n";
	char *root = tmpdir();
	char *parent = mkrun(root, "exp/parent");
	struct tbv_view *v, *small;
	struct tbv_options o;
	struct csv c;
	json_t *pj, *cj;

	sh("'%s' scalars '%s/events.out.tfevents.1.gen' --tags 1 --steps 5",
	   gen, parent);
	sh("mkdir -p '%s/1700000000.123' && '%s' kinds "
	   "'%s/1700000000.123/events.out.tfevents.1.gen'",
	   parent, gen, parent);
	{
		char *p = xfmt("%s/config.json", parent);
		write_text(p, "{\"lr\": 0.25, \"name\": \"a,b\", \"flag\": true,"
			      " \"nested\": {\"x\": 1}}\n");
		free(p);
		p = xfmt("%s/model_summary.txt", parent);
		write_text(p, summary);
		free(p);
		p = xfmt("%s/metadata.json", parent);
		write_text(p, "{\"big\": \"0123456789012345678901234567890123"
			      "45678901234567890123456789012345678901234567"
			      "89\"}\n");
		free(p);
	}
	/* Seeds for compare/, and a restart for purge. */
	sh("'%s' tree '%s/seeds' --runs 3 --tags 2 --steps 20", gen, root);
	sh("mkdir -p '%s/restart' && '%s' restart "
	   "'%s/restart/events.out.tfevents.1.gen'", root, gen, root);

	v = open_view(root, 2.0, (size_t)64 << 20, false);
	if (!v)
		goto out;
	/* The child's hparams are the parent's too. */
	pj = read_json(v, "exp/parent/hparams.json");
	cj = read_json(v, "exp/parent/1700000000.123/hparams.json");
	EXPECT(pj && cj &&
	       json_equal(json_object_get(pj, "hparams"),
			  json_object_get(cj, "hparams")));
	EXPECT(json_object_size(json_object_get(pj, "hparams")) > 0);
	EXPECT(read_csv(v, "runs.csv", &c) == 0);
	{
		long r = csv_find(&c, 0, "exp/parent");
		const char *key;
		json_t *val;

		EXPECT(r > 0);
		json_object_foreach(json_object_get(cj, "hparams"), key, val) {
			char *col = xfmt("hparam/%s", key);
			int k = csv_col(&c, col);
			EXPECT_MSG(k > 0 && r > 0 && *c.rows[r][k], "%s", col);
			if (json_is_string(val) && k > 0 && r > 0)
				EXPECT(!strcmp(c.rows[r][k],
					       json_string_value(val)));
			free(col);
		}
		/* Flat JSON sidecar values, not nested ones. */
		EXPECT(csv_col(&c, "config.json.lr") > 0 && r > 0 &&
		       !strcmp(c.rows[r][csv_col(&c, "config.json.lr")],
			       "0.25"));
		EXPECT(csv_col(&c, "config.json.name") > 0 && r > 0 &&
		       !strcmp(c.rows[r][csv_col(&c, "config.json.name")],
			       "a,b"));
		EXPECT(csv_col(&c, "config.json.flag") > 0 && r > 0 &&
		       !strcmp(c.rows[r][csv_col(&c, "config.json.flag")],
			       "true"));
		EXPECT(csv_col(&c, "config.json.nested") < 0);
	}
	csv_free(&c);
	json_decref(pj);
	json_decref(cj);
	/* Sidecars byte for byte; over the cap, not shown. */
	{
		size_t len;
		char *s = read_view(v, "exp/parent/model_summary.txt", &len);
		EXPECT(s && len == strlen(summary) && !strcmp(s, summary));
		free(s);
		EXPECT(exists(v, "exp/parent/metadata.json"));
	}
	tbv_options_default(&o);
	o.sidecar_max_bytes = 64;
	EXPECT(tbv_view_open(root, &o, &small) == 0);
	EXPECT(exists(small, "exp/parent/config.json"));
	EXPECT(!exists(small, "exp/parent/metadata.json"));
	tbv_view_close(small);

	/* compare/: each wide cell is that run's value at the step. */
	EXPECT(exists(v, "seeds/compare/scalars/tag0.csv"));
	EXPECT(read_csv(v, "seeds/compare/scalars/tag1.wide.csv", &c) == 0);
	EXPECT(c.nrows == 21 && c.ncols[0] == 4);
	for (size_t k = 1; c.nrows && k < c.ncols[0]; k++) {
		struct csv one;
		char *p = xfmt("seeds/%s/scalars/tag1.csv", c.rows[0][k]);
		EXPECT_MSG(read_csv(v, p, &one) == 0, "%s", p);
		for (size_t r = 1; r < c.nrows && r < one.nrows; r++)
			EXPECT(!strcmp(c.rows[r][0], one.rows[r][0]) &&
			       !strcmp(c.rows[r][k], one.rows[r][2]));
		csv_free(&one);
		free(p);
	}
	{
		struct csv st, lng;
		EXPECT(read_csv(v, "seeds/compare/scalars/tag1.stats.csv", &st) ==
		       0);
		EXPECT(st.nrows == c.nrows && st.ncols[0] == 7);
		for (size_t r = 1; r < st.nrows && r < c.nrows; r++) {
			double sum = 0, mn = INFINITY;
			for (size_t k = 1; k < c.ncols[r]; k++) {
				/* float32 data: parse as float32 */
				double x = strtof(c.rows[r][k], NULL);
				sum += x;
				mn = x < mn ? x : mn;
			}
			EXPECT(!strcmp(st.rows[r][1], "3"));
			EXPECT(fabs(strtod(st.rows[r][2], NULL) - sum / 3) <=
			       1e-12 * fabs(sum));
			EXPECT(strtof(st.rows[r][4], NULL) == mn);
		}
		csv_free(&st);
		EXPECT(read_csv(v, "seeds/compare/scalars/tag1.csv", &lng) == 0);
		EXPECT(lng.nrows == 61 && !strcmp(lng.rows[0][0], "run"));
		csv_free(&lng);
	}
	csv_free(&c);
	/* Restart: 10 + 8 points; the purged view drops steps 5..9 of the
	 * first session. */
	EXPECT(read_csv(v, "restart/scalars.csv", &c) == 0);
	{
		size_t n = c.nrows;
		struct tbv_view *pv = open_view(root, 2.0, 1 << 20, true);
		struct csv pc;

		EXPECT(pv && read_csv(pv, "restart/scalars.csv", &pc) == 0);
		/* Per tag: 18 points, 13 after the purge. */
		EXPECT_MSG(n > 1 && (n - 1) % 18 == 0 &&
				   pc.nrows - 1 == (n - 1) / 18 * 13,
			   "purge: %zu rows, unpurged %zu", pc.nrows, n);
		csv_free(&pc);
		tbv_view_close(pv);
	}
	csv_free(&c);
out:
	tbv_view_close(v);
	rmrf(root);
	free(root);
	free(parent);
}

/* Bad files next to good ones: the good data is whole, the bad runs
 * show what could be read, and the counters say what was skipped. */
static void test_bad(void)
{
	static const char *const runs[] = { "good", "datacrc", "lencrc",
					    "trunc", "garbage", "empty" };
	static const char *const modes[] = { NULL, "data-crc:5",
					     "length-crc:7", "truncate:-7",
					     "garbage-middle:64:4", NULL };
	char *root = tmpdir();
	char *base = xfmt("%s/base", root);
	struct tbv_view *v;
	json_t *status, *j;
	struct csv c;

	sh("'%s' scalars '%s' --tags 1 --steps 20", gen, base);
	for (size_t i = 0; i < sizeof(runs) / sizeof(*runs); i++) {
		char *d = mkrun(root, runs[i]);
		if (modes[i])
			sh("'%s' corrupt '%s' '%s/events.out.tfevents.1.gen' "
			   "--mode %s", gen, base, d, modes[i]);
		else if (i == 0)
			sh("cp '%s' '%s/events.out.tfevents.1.gen'", base, d);
		else
			sh(": > '%s/events.out.tfevents.1.gen'", d);
		free(d);
	}
	remove(base);
	v = open_view(root, 2.0, (size_t)16 << 20, false);
	if (!v)
		goto out;
	EXPECT(read_csv(v, "good/scalars/tag0.csv", &c) == 0 && c.nrows == 21);
	csv_free(&c);
	/* One record (event 5) lost to its CRC; the rest is there. */
	EXPECT(read_csv(v, "datacrc/scalars/tag0.csv", &c) == 0 &&
	       c.nrows == 20);
	csv_free(&c);
	j = read_json(v, "datacrc/run.json");
	{
		json_t *f = json_array_get(json_object_get(j, "event_files"), 0);
		EXPECT(json_integer_value(json_object_get(f, "skipped_data_crc")) ==
		       1);
		EXPECT(json_integer_value(json_object_get(f, "records_skipped")) ==
		       1);
		EXPECT(json_is_string(json_object_get(f, "last_error")));
	}
	json_decref(j);
	for (size_t i = 2; i < 5; i++) {
		char *p = xfmt("%s/scalars.csv", runs[i]);
		EXPECT_MSG(read_csv(v, p, &c) == 0 && c.nrows >= 2 &&
				   c.nrows <= 21,
			   "%s", p);
		csv_free(&c);
		free(p);
	}
	j = read_json(v, "trunc/run.json");
	EXPECT(json_is_true(json_object_get(
		json_array_get(json_object_get(j, "event_files"), 0),
		"truncated_tail")));
	json_decref(j);
	EXPECT(read_csv(v, "empty/scalars.csv", &c) == 0 && c.nrows == 1);
	csv_free(&c);
	status = read_json(v, "status.json");
	EXPECT(json_integer_value(json_object_get(status, "runs")) == 6);
	EXPECT(json_integer_value(json_object_get(status, "records_skipped")) >=
	       2);
	EXPECT(json_integer_value(json_object_get(
		       json_object_get(status, "skipped"), "data_crc")) == 1);
	EXPECT(json_array_size(json_object_get(status, "problems")) >= 2);
	json_decref(status);
	tbv_view_close(v);
out:
	rmrf(root);
	free(root);
	free(base);
}

/* ------------------------------------------------------ parallel render */

static void put_record(FILE *f, const struct enc *e)
{
	uint8_t rec[sizeof(e->b) + 16];
	size_t n = enc_record(rec, e->b, e->n);

	EXPECT(fwrite(rec, 1, n, f) == n);
}

/* Tags a and b: steps 0..@n1-1, a restart (SessionLog START at step 0,
 * which orphans all of them), then steps 0..@n2-1. */
static void write_restarted(const char *path, int64_t n1, int64_t n2)
{
	FILE *f = fopen(path, "wb");
	struct enc e;
	double t = 1.6e9;

	if (!f)
		abort();
	enc_version_event(&e, t);
	put_record(f, &e);
	for (int attempt = 0; attempt < 2; attempt++) {
		for (int64_t s = 0; s < (attempt ? n2 : n1); s++) {
			/* Values of every length: 0.1, 12.345678, 3e-05 ... */
			float a = (float)((double)(s % 977) / 7.0);
			float b = (float)(s % 13) * 1e-5f - 3.5f;

			t += 0.0125 + (double)(s % 7) * 1e-4;
			enc_scalar_event(&e, t, s, "a", a);
			put_record(f, &e);
			enc_scalar_event(&e, t, s, "b", b);
			put_record(f, &e);
		}
		if (!attempt) {
			enc_session_log(&e, t, 0, 1);
			put_record(f, &e);
		}
	}
	fclose(f);
}

/* Big rows files (render_csv.c) are written by several threads, chunk
 * by chunk as they are read: the bytes must be those one thread writes
 * reading front to back. One thread
 * is forced by running on one CPU. With purge the first chunks of each
 * series have no rows, which moves the JSON commas. */
static void test_parallel(void)
{
	static const char *const files[] = {
		"run/scalars/a.csv", "run/scalars/a.json", "run/scalars.csv",
		"scalars.csv",	     "compare/scalars/a.csv",
	};
	enum { NF = sizeof(files) / sizeof(files[0]) };
	const int64_t n1 = 60000, n2 = 180000;
	char *root = tmpdir(), *dir = xfmt("%s/run", root), *path;
	cpu_set_t all, one;

	EXPECT(mkdir(dir, 0755) == 0);
	path = xfmt("%s/events.out.tfevents.1.test", dir);
	write_restarted(path, n1, n2);
	EXPECT(sched_getaffinity(0, sizeof(all), &all) == 0);
	CPU_ZERO(&one);
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (CPU_ISSET(c, &all)) {
			CPU_SET(c, &one);
			break;
		}
	}
	if (CPU_COUNT(&all) < 2)
		fprintf(stderr, "one CPU: parallel rendering not exercised\n");
	for (int purge = 0; purge < 2; purge++) {
		char *ref[NF];
		size_t rlen[NF];
		struct csv c;
		json_t *j;
		struct tbv_view *v;

		EXPECT(sched_setaffinity(0, sizeof(one), &one) == 0);
		v = open_view(root, 60, (size_t)256 << 20, purge);
		for (int i = 0; i < NF; i++) {
			ref[i] = read_view(v, files[i], &rlen[i]);
			EXPECT_MSG(ref[i], "%s", files[i]);
		}
		tbv_view_close(v);
		EXPECT(sched_setaffinity(0, sizeof(all), &all) == 0);
		if (!ref[0] || !ref[1]) {
			for (int i = 0; i < NF; i++)
				free(ref[i]);
			continue;
		}
		/* The reference itself: every point, or those kept. */
		EXPECT(csv_parse(ref[0], rlen[0], &c) == 0 &&
		       c.nrows == 1 + (size_t)(purge ? n2 : n1 + n2));
		csv_free(&c);
		j = json_loadb(ref[1], rlen[1], 0, NULL);
		EXPECT(json_array_size(j) == (size_t)(purge ? n2 : n1 + n2));
		json_decref(j);
		/* Cached (the open after stat reuses the bytes), past a tiny
		 * cache (stat and open each render), default options. */
		for (int pass = 0; pass < 3; pass++) {
			struct tbv_options o;

			if (pass == 2) {
				if (purge)
					break;
				tbv_options_default(&o);
				v = NULL;
				EXPECT(tbv_view_open(root, &o, &v) == 0);
			} else {
				v = open_view(root, 60,
					      pass ? 4096 : (size_t)256 << 20,
					      purge);
			}
			for (int i = 0; v && i < NF; i++) {
				struct stat st;
				tbv_ino ino;
				size_t len = 0;
				char *got;

				EXPECT(resolve(v, files[i], &ino, &st) == 0);
				/* Pass 1 (a tiny cache) reads back to front. */
				got = pass == 1 ? read_pieces(v, files[i], 65536,
							      &len)
						: read_view(v, files[i], &len);
				EXPECT_MSG(got && ref[i] && len == rlen[i] &&
						   (size_t)st.st_size == len &&
						   !memcmp(got, ref[i], len),
					   "%s: purge %d, pass %d", files[i],
					   purge, pass);
				free(got);
			}
			tbv_view_close(v);
		}
		for (int i = 0; i < NF; i++)
			free(ref[i]);
	}
	rmrf(root);
	free(path);
	free(dir);
	free(root);
}

/* A run re-read from scratch (its file replaced, as rsync does): the
 * counted pages of its series start over, so sizes and bytes are those
 * of the new file. Big enough that pages are counted while it is parsed
 * (render_csv.c, the background counter). */
static void test_reread(void)
{
	char *root = tmpdir();
	char *run = mkrun(root, "r");
	char *f = xfmt("%s/events.out.tfevents.1.gen", run);
	const char *const files[] = { "r/scalars/tag0.csv",
				      "r/scalars/tag0.json", "r/scalars.csv" };
	struct tbv_view *v;
	struct csv c;

	sh("'%s' scalars '%s' --tags 2 --steps 20000", gen, f);
	v = open_view(root, 0, (size_t)64 << 20, false);
	if (!v)
		goto out;
	EXPECT(read_csv(v, "r/scalars/tag0.csv", &c) == 0 &&
	       c.nrows == 20001);
	csv_free(&c);
	sh("'%s' scalars '%s.new' --tags 2 --steps 15000 --start-step 7 && "
	   "mv '%s.new' '%s'", gen, f, f, f);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct stat st;
		tbv_ino ino;
		size_t len = 0;
		char *got;

		EXPECT(resolve(v, files[i], &ino, &st) == 0);
		got = read_view(v, files[i], &len);
		EXPECT_MSG(got && (size_t)st.st_size == len, "%s: %zu vs %zu",
			   files[i], (size_t)st.st_size, len);
		if (got && i == 0) {
			EXPECT(csv_parse(got, len, &c) == 0 &&
			       c.nrows == 15001 && !strcmp(c.rows[1][0], "7"));
			csv_free(&c);
		}
		free(got);
	}
	tbv_view_close(v);
out:
	rmrf(root);
	free(f);
	free(run);
	free(root);
}

int main(void)
{
	const char *b = getenv("TBFS_BUILDDIR");
	struct tbv_view *v = NULL;

	fixtures = getenv("TBFS_FIXTURES");
	if (b) {
		snprintf(gen, sizeof(gen), "%s/tests/gen/tbfs-gen", b);
		have_gen = access(gen, X_OK) == 0;
	}
	/* A missing LOGDIR fails at open. */
	EXPECT(tbv_view_open("/nonexistent/tbfs", NULL, &v) < 0 && !v);
	test_parallel();
	if (fixtures)
		test_fixtures();
	else
		fprintf(stderr, "TBFS_FIXTURES unset: fixture checks skipped\n");
	if (have_gen) {
		test_dtypes();
		test_names();
		test_live();
		test_reread();
		test_runs();
		test_bad();
	} else {
		fprintf(stderr, "no generator at '%s': generated checks "
				"skipped\n", gen);
	}
	return expect_done("view");
}
