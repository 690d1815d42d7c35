/*
 * render_csv.c — scalar series as CSV and JSON: scalars/<tag>.csv and
 * .json, a run's scalars.csv and the root's scalars.csv (and the rows of
 * compare/scalars/<tag>.csv for render_compare.c).
 *
 * Layer: fs/ view renderers (no FUSE). These are the big files (millions
 * of points), so rows are written straight into the output buffer with
 * numfmt.h, points fetched from the reader 4096 at a time.
 *
 * Number printing is nearly all the cost, and a user waits for all of it
 * (stat must give the size), so a big file is written by one thread per
 * core. It is cut into chunks of CHUNK_POINTS points, taken in order by
 * whichever thread is free. The calling thread writes the next chunk in
 * file order straight into the file's buffer; a worker writes a later
 * chunk aside, and the calling thread appends it when its turn comes.
 * Taking chunks as threads free up balances the load when a core is busy
 * elsewhere, and a window bounds how far workers run ahead (memory). The
 * bytes are the same as one thread writes. Workers only call
 * tbr_tag_scalars, which reads the index without changing it; nothing
 * refreshes a run meanwhile, as the view's caller waits here.
 */
#include "view_i.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#define BATCH 4096

/* Below this many points a file is written by the calling thread alone
 * (a few MB of text: threads would cost more than they save). */
#define PAR_MIN_POINTS 200000
#define PAR_MAX_THREADS 4
/* About 1.5 MB of CSV: small enough to balance two cores well, big
 * enough that locking is noise. */
#define CHUNK_POINTS 32768
/* Chunks a worker may finish ahead of the one being appended. */
#define AHEAD (4 * PAR_MAX_THREADS)

/* Upper bounds of one row's bytes, prefix excluded (JSON: with the
 * separator). */
#define CSV_ROW_MAX (3 * TBN_BUF + 4)
#define JSON_ROW_MAX (48 + 3 * TBN_BUF)
/* Typical row sizes, to reserve the output once instead of regrowing. */
#define CSV_ROW_GUESS 36
#define JSON_ROW_GUESS 72

/* One series of rows: the points of @t, each row led by the prefix bytes
 * at @pre_off (@plen bytes) of the set's prefix buffer ("run,tag,"). */
struct rows_src {
	const struct tbr_tag *t;
	size_t count;
	size_t pre_off, plen;
};

/* Every row of a file, in order: its series and their prefixes. */
struct rows_set {
	struct rows_src *src;
	size_t n, cap;
	struct tbv_buf pre;
	size_t total; /* points over all series */
	bool json;
	bool purge;
};

/* A piece of the file: @n points from point @idx of series @src on. */
struct rows_chunk {
	size_t src, idx, n;
	struct tbv_buf aside; /* written by a worker, out of turn */
	bool in_place;        /* written straight into the file */
	bool done;
	size_t rows;          /* rows written (purge may skip points) */
	int err;
};

/* The shared state of one parallel write. Under @lock: @next, @joined,
 * @stop, the spare buffers and each chunk's @done. */
struct rows_job {
	const struct rows_set *set;
	struct rows_chunk *c;
	size_t nc;
	size_t next;   /* first chunk nobody took */
	size_t joined; /* chunks now in the file */
	bool stop;     /* an error: take no more */
	struct tbv_buf spare[AHEAD]; /* appended chunks' buffers, reused */
	size_t nspare;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* a chunk was finished or appended */
};

static size_t rows_guess(const struct rows_set *rs, size_t plen, size_t n)
{
	return n * (plen + (rs->json ? JSON_ROW_GUESS : CSV_ROW_GUESS));
}

static char *csv_row(char *p, const struct tbr_scalar *s, const char *pre,
		     size_t plen)
{
	if (plen) {
		memcpy(p, pre, plen);
		p += plen;
	}
	p += tbn_i64(p, s->step);
	*p++ = ',';
	p += tbn_f64(p, s->wall_time);
	*p++ = ',';
	p += tbv_fmt_num(p, &s->value);
	*p++ = '\n';
	return p;
}

static char *json_row(char *p, const struct tbr_scalar *s)
{
	static const char k_step[] = "{\"step\":";
	static const char k_wall[] = ",\"wall_time\":";
	static const char k_val[] = ",\"value\":";

	memcpy(p, k_step, sizeof(k_step) - 1);
	p += sizeof(k_step) - 1;
	p += tbn_i64(p, s->step);
	memcpy(p, k_wall, sizeof(k_wall) - 1);
	p += sizeof(k_wall) - 1;
	if (isfinite(s->wall_time)) {
		p += tbv_json_float(p, tbn_f64(p, s->wall_time));
	} else {
		memcpy(p, "null", 4);
		p += 4;
	}
	memcpy(p, k_val, sizeof(k_val) - 1);
	p += sizeof(k_val) - 1;
	if (tbv_num_finite(&s->value)) {
		p += tbv_json_num(p, &s->value);
	} else {
		memcpy(p, "null", 4);
		p += 4;
	}
	*p++ = '}';
	return p;
}

static int set_add(struct rows_set *rs, const struct tbr_tag *t,
		   const char *pre, size_t plen)
{
	struct rows_src *s;

	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 16;
		struct rows_src *a = realloc(rs->src, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		rs->src = a;
		rs->cap = cap;
	}
	s = &rs->src[rs->n];
	s->t = t;
	s->count = tbr_tag_count(t);
	s->pre_off = rs->pre.len;
	s->plen = plen;
	if (plen)
		tbv_buf_put(&rs->pre, pre, plen);
	if (rs->pre.oom)
		return -ENOMEM;
	rs->n++;
	rs->total += s->count;
	return 0;
}

static void set_free(struct rows_set *rs)
{
	free(rs->src);
	tbv_buf_free(&rs->pre);
}

/* Appends the rows of @n points from point @idx of series @src on to @b.
 * JSON rows start with ",\n", except the first one when !@comma.
 * Returns 0 or -ENOMEM; *@rows gets the rows written. */
static int rows_write(const struct rows_set *rs, size_t src, size_t idx,
		      size_t n, struct tbv_buf *b, bool comma, size_t *rows)
{
	struct tbr_scalar *pts;

	*rows = 0;
	pts = malloc(BATCH * sizeof(*pts));
	if (!pts)
		return -ENOMEM;
	while (n && src < rs->n) {
		const struct rows_src *s = &rs->src[src];
		const char *pre = s->plen ? rs->pre.p + s->pre_off : NULL;
		size_t want = BATCH, got, row;
		char *p;

		if (idx >= s->count) {
			src++;
			idx = 0;
			continue;
		}
		if (want > s->count - idx)
			want = s->count - idx;
		if (want > n)
			want = n;
		got = tbr_tag_scalars(s->t, idx, pts, want);
		if (!got) {
			/* Shorter than counted (cannot happen while the run
			 * is not refreshed): its range stays this chunk's, so
			 * the next chunk's rows are never written twice. */
			n -= n < s->count - idx ? n : s->count - idx;
			src++;
			idx = 0;
			continue;
		}
		row = rs->json ? JSON_ROW_MAX : CSV_ROW_MAX + s->plen;
		p = tbv_buf_tail(b, got * row);
		if (!p)
			break;
		for (size_t i = 0; i < got; i++) {
			if (rs->purge && pts[i].orphaned)
				continue;
			if (rs->json) {
				if (comma)
					*p++ = ',';
				comma = true;
				*p++ = '\n';
				p = json_row(p, &pts[i]);
			} else {
				p = csv_row(p, &pts[i], pre, s->plen);
			}
			(*rows)++;
		}
		b->len = (size_t)(p - b->p);
		idx += got;
		n -= got;
	}
	free(pts);
	return b->oom ? -ENOMEM : 0;
}

/* Takes chunk @k (j->lock held) and writes it aside, unlocking
 * meanwhile. A reused buffer saves faulting in fresh pages. */
static void chunk_aside(struct rows_job *j, size_t k)
{
	const struct rows_set *rs = j->set;
	struct rows_chunk *c = &j->c[k];
	int err;

	if (j->nspare)
		c->aside = j->spare[--j->nspare];
	pthread_mutex_unlock(&j->lock);
	if (!c->aside.cap)
		tbv_buf_tail(&c->aside, rows_guess(rs, rs->src[c->src].plen,
						   c->n));
	err = rows_write(rs, c->src, c->idx, c->n, &c->aside, true, &c->rows);
	pthread_mutex_lock(&j->lock);
	c->err = err;
	c->done = true;
	if (err)
		j->stop = true;
	pthread_cond_broadcast(&j->cond);
}

/* A worker: takes chunks in order, never more than AHEAD past the one
 * being appended. */
static void *worker(void *arg)
{
	struct rows_job *j = arg;

	pthread_mutex_lock(&j->lock);
	for (;;) {
		while (!j->stop && j->next < j->nc &&
		       j->next - j->joined >= AHEAD)
			pthread_cond_wait(&j->cond, &j->lock);
		if (j->stop || j->next >= j->nc)
			break;
		chunk_aside(j, j->next++);
	}
	pthread_mutex_unlock(&j->lock);
	return NULL;
}

/* Waits until chunk @i is written, writing it in place if nobody took it
 * and helping with later chunks while a worker writes it. */
static void chunk_wait(struct rows_job *j, size_t i, struct tbv_buf *b,
		       size_t rows)
{
	struct rows_chunk *c = &j->c[i];
	int err;

	pthread_mutex_lock(&j->lock);
	while (!c->done) {
		if (j->next == i) {
			j->next++;
			pthread_mutex_unlock(&j->lock);
			err = rows_write(j->set, c->src, c->idx, c->n, b,
					 rows > 0, &c->rows);
			pthread_mutex_lock(&j->lock);
			c->err = err;
			c->in_place = c->done = true;
			if (err)
				j->stop = true;
		} else if (!j->stop && j->next < j->nc &&
			   j->next - j->joined < AHEAD) {
			chunk_aside(j, j->next++);
		} else {
			pthread_cond_wait(&j->cond, &j->lock);
		}
	}
	pthread_mutex_unlock(&j->lock);
}

/* Cores this process may use now, capped at PAR_MAX_THREADS (asked at
 * each big file: the affinity can change, and a syscall is nothing next
 * to the file). */
static size_t cpus(void)
{
	cpu_set_t set;
	long c;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		c = CPU_COUNT(&set);
	else
		c = sysconf(_SC_NPROCESSORS_ONLN);
	if (c < 1)
		c = 1;
	return c > PAR_MAX_THREADS ? PAR_MAX_THREADS : (size_t)c;
}

/* Cuts @rs into chunks of CHUNK_POINTS points; returns how many, or 0
 * when out of memory. */
static size_t chunks_make(const struct rows_set *rs, struct rows_chunk **out)
{
	size_t nc = (rs->total + CHUNK_POINTS - 1) / CHUNK_POINTS;
	struct rows_chunk *c = calloc(nc, sizeof(*c));
	size_t src = 0, idx = 0;

	*out = c;
	if (!c)
		return 0;
	for (size_t k = 0; k < nc; k++) {
		size_t left = k + 1 < nc ? CHUNK_POINTS
					 : rs->total - k * CHUNK_POINTS;

		while (src < rs->n && idx >= rs->src[src].count) {
			src++;
			idx = 0;
		}
		c[k].src = src;
		c[k].idx = idx;
		c[k].n = left;
		while (left && src < rs->n) {
			size_t here = rs->src[src].count - idx;

			if (here > left)
				here = left;
			idx += here;
			left -= here;
			if (idx >= rs->src[src].count) {
				src++;
				idx = 0;
			}
		}
	}
	return nc;
}

/* Appends every row of @rs to @b; returns 0 or -ENOMEM. *@rows gets the
 * number written. */
static int set_render(const struct rows_set *rs, struct tbv_buf *b,
		      size_t *rows)
{
	struct rows_job j = { .set = rs };
	pthread_t th[PAR_MAX_THREADS];
	size_t nth = 0, nworkers, guess = 0;
	sigset_t all, old;
	int err = 0;

	for (size_t i = 0; i < rs->n; i++)
		guess += rows_guess(rs, rs->src[i].plen, rs->src[i].count);
	/* A fair guess of the size saves most regrowth copies. */
	tbv_buf_tail(b, guess);
	nworkers = rs->total >= PAR_MIN_POINTS ? cpus() - 1 : 0;
	if (!nworkers)
		return rows_write(rs, 0, 0, rs->total, b, false, rows);

	*rows = 0;
	j.nc = chunks_make(rs, &j.c);
	if (!j.nc)
		return -ENOMEM;
	if (pthread_mutex_init(&j.lock, NULL)) {
		err = -ENOMEM;
		goto out_chunks;
	}
	if (pthread_cond_init(&j.cond, NULL)) {
		err = -ENOMEM;
		goto out_lock;
	}
	/* Workers start with every signal blocked, so that signals (an
	 * unmount's SIGTERM) go to the thread serving requests. No thread
	 * is no failure: the calling thread then does it all. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	while (nth < nworkers && !pthread_create(&th[nth], NULL, worker, &j))
		nth++;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	for (size_t i = 0; i < j.nc; i++) {
		struct rows_chunk *c = &j.c[i];
		size_t skip;

		chunk_wait(&j, i, b, *rows);
		err = c->err;
		if (err)
			break;
		/* A chunk written aside starts with a comma (JSON), which
		 * goes unless a row came before it (all purged). */
		if (!c->in_place) {
			skip = rs->json && !*rows && c->rows ? 1 : 0;
			if (c->aside.len > skip)
				tbv_buf_put(b, c->aside.p + skip,
					    c->aside.len - skip);
		}
		*rows += c->rows;
		pthread_mutex_lock(&j.lock);
		c->aside.len = 0;
		if (c->aside.cap && j.nspare < AHEAD) {
			j.spare[j.nspare++] = c->aside;
			memset(&c->aside, 0, sizeof(c->aside));
		}
		j.joined = i + 1;
		if (b->oom)
			j.stop = true;
		pthread_cond_broadcast(&j.cond);
		pthread_mutex_unlock(&j.lock);
		if (b->oom) {
			err = -ENOMEM;
			break;
		}
	}
	pthread_mutex_lock(&j.lock);
	j.stop = true; /* after an error: workers finish their chunk, stop */
	pthread_cond_broadcast(&j.cond);
	pthread_mutex_unlock(&j.lock);
	while (nth)
		pthread_join(th[--nth], NULL);
	pthread_cond_destroy(&j.cond);
out_lock:
	pthread_mutex_destroy(&j.lock);
out_chunks:
	for (size_t i = 0; i < j.nc; i++)
		tbv_buf_free(&j.c[i].aside);
	for (size_t i = 0; i < j.nspare; i++)
		tbv_buf_free(&j.spare[i]);
	free(j.c);
	return err;
}

int tbv_render_scalar_csv(struct tbv_view *v, const struct tbr_tag *t,
			  struct tbv_buf *b)
{
	struct rows_set rs = { .purge = v->opts.purge_orphaned };
	size_t rows;
	int err;

	tbv_buf_puts(b, "step,wall_time,value\n");
	err = set_add(&rs, t, NULL, 0);
	if (!err)
		err = set_render(&rs, b, &rows);
	set_free(&rs);
	return err;
}

int tbv_render_scalar_json(struct tbv_view *v, const struct tbr_tag *t,
			   struct tbv_buf *b)
{
	struct rows_set rs = { .purge = v->opts.purge_orphaned, .json = true };
	size_t rows = 0;
	int err;

	tbv_buf_putc(b, '[');
	err = set_add(&rs, t, NULL, 0);
	if (!err)
		err = set_render(&rs, b, &rows);
	set_free(&rs);
	tbv_buf_puts(b, rows ? "\n]\n" : "]\n");
	return err ? err : b->oom ? -ENOMEM : 0;
}

/* Adds the scalar tags of @run, each prefixed with "[@rel,]tag,". */
static int set_add_run(struct rows_set *rs, struct tbr_run *run,
		       const char *rel, struct tbv_buf *pre)
{
	int err = 0;

	for (size_t i = 0; i < tbr_run_tag_count(run) && !err; i++) {
		const struct tbr_tag *t = tbr_run_tag(run, i);

		if (tbr_tag_kind(t) != TBR_KIND_SCALAR)
			continue;
		pre->len = 0;
		if (rel) {
			tbv_csv_strz(pre, rel);
			tbv_buf_putc(pre, ',');
		}
		tbv_csv_strz(pre, tbr_tag_name(t));
		tbv_buf_putc(pre, ',');
		err = pre->oom ? -ENOMEM : set_add(rs, t, pre->p, pre->len);
	}
	return err;
}

int tbv_render_run_scalars(struct tbv_view *v, struct tbv_vrun *r,
			   struct tbv_buf *b)
{
	struct rows_set rs = { .purge = v->opts.purge_orphaned };
	struct tbv_buf pre = { 0 };
	size_t rows;
	int err;

	tbv_buf_puts(b, "tag,step,wall_time,value\n");
	err = set_add_run(&rs, r->run, NULL, &pre);
	if (!err)
		err = set_render(&rs, b, &rows);
	tbv_buf_free(&pre);
	set_free(&rs);
	return err;
}

int tbv_render_all_scalars(struct tbv_view *v, const struct tbv_scope *s,
			   struct tbv_buf *b)
{
	struct rows_set rs = { .purge = v->opts.purge_orphaned };
	struct tbv_buf pre = { 0 };
	size_t rows;
	int err = 0;

	tbv_buf_puts(b, "run,tag,step,wall_time,value\n");
	for (size_t k = 0; k < s->n && !err; k++)
		err = set_add_run(&rs, s->runs[k]->run, s->rel[k], &pre);
	if (!err)
		err = set_render(&rs, b, &rows);
	tbv_buf_free(&pre);
	set_free(&rs);
	return err;
}

int tbv_render_named_rows(struct tbv_view *v, size_t n,
			  const struct tbr_tag *const *tags,
			  const char *const *names, struct tbv_buf *b)
{
	struct rows_set rs = { .purge = v->opts.purge_orphaned };
	struct tbv_buf pre = { 0 };
	size_t rows;
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		pre.len = 0;
		tbv_csv_strz(&pre, names[i]);
		tbv_buf_putc(&pre, ',');
		err = pre.oom ? -ENOMEM : set_add(&rs, tags[i], pre.p, pre.len);
	}
	if (!err)
		err = set_render(&rs, b, &rows);
	tbv_buf_free(&pre);
	set_free(&rs);
	return err;
}
