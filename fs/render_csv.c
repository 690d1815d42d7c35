/*
 * render_csv.c — the files made of rows of scalar series: scalars/<tag>.csv
 * and .json, a run's scalars.csv, the root's scalars.csv and
 * compare/scalars/<tag>.csv.
 *
 * Layer: fs/ view renderers (no FUSE). These are the big files: a 1 GB run
 * gives a 150 MB loss.csv, and printing numbers is nearly all their cost.
 * Two things keep a user from waiting for all of it:
 *
 *  - The size without the bytes. stat must give the exact size before the
 *    first byte is read. The bytes of every PAGE points of a series are
 *    counted once and kept (struct tbv_pages, per run and tag), mostly
 *    while the run is parsed (the background counter below); a number's
 *    length costs about half of printing it (numfmt's _lens functions).
 *    A series only grows at its end until its run is re-read from scratch
 *    (tbr_run_restarts), so counted pages stay true and a refresh counts
 *    only the new ones.
 *  - The bytes on demand. A file is a header, then one chunk per page of
 *    each series at an offset known from the counts, then a footer. A read
 *    writes the chunks it touches plus a window of the next ones, which
 *    doubles with each read that had to write (as readahead does), on one
 *    thread per core. The first byte of a 4-million-row CSV then waits
 *    for one chunk, not for the whole file.
 *
 * A chunk is written aside, its length checked against its count, then
 * copied into place: a count that disagreed with the text (a bug) gives
 * EIO, never a torn file.
 *
 * Snapshots: a content promises the rows its series had when it was
 * made. The reader changes a series only inside tbr_run_refresh, and the
 * view finishes (or drops from its cache) every content still being
 * written before it refreshes a run that content reads (view.c,
 * tbv_rows_settle), so chunks written later see the same points. Worker
 * threads run only inside a view call, while the caller waits.
 */
#include "view_i.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

/* Points per counted page and per chunk: ~150 kB of CSV, small enough
 * for a quick first byte and to balance threads, big enough that the
 * bookkeeping (12 bytes a page) is noise. */
#define PAGE 4096
#define PAR_MAX_THREADS 4
/* Work below this many points is done by the calling thread alone. */
#define PAR_MIN_POINTS (4 * PAGE)
/* Chunks written by one read at most, once the window has grown. */
#define WINDOW_MAX 128

/* Upper bounds of one row's bytes, prefix excluded (JSON: with ",\n"). */
#define CSV_ROW_MAX (3 * TBN_BUF + 4)
#define JSON_ROW_MAX (48 + 3 * TBN_BUF)
/* The fixed bytes of a JSON row: {"step":,"wall_time":,"value":} */
#define JSON_ROW_FIXED 31

/* ------------------------------------------------------------ page sizes */

struct page_size {
	uint32_t csv;  /* bytes of its CSV rows, no prefix */
	uint32_t json; /* bytes of its JSON objects, no separators */
	uint32_t rows; /* rows shown (purge drops orphaned points) */
};

/* The counted pages of one series, kept in its run's vrun->pages. */
struct tbv_pages {
	uint64_t restarts;      /* tbr_run_restarts when counted */
	size_t orphaned;        /* points orphaned then (purge only) */
	size_t n, cap;          /* full pages counted */
	struct page_size *p;
	size_t tail_at;         /* series length when the tail was counted */
	struct page_size tail;  /* the last, partial page */
	/* the background counter's page in progress: points up to acc_at */
	size_t acc_at;
	struct page_size acc;
};

void tbv_pages_free(void *p)
{
	struct tbv_pages *pg = p;

	if (pg)
		free(pg->p);
	free(pg);
}

/* Per-thread scratch: one page of points and of text. */
struct scratch {
	struct tbr_scalar *pts;
	char *text;
	size_t cap;
};

static int scratch_text(struct scratch *s, size_t need)
{
	if (s->cap < need) {
		char *t = realloc(s->text, need);

		if (!t)
			return -ENOMEM;
		s->text = t;
		s->cap = need;
	}
	return 0;
}

/* Adds one row's bytes to @ps. */
static inline void point_count(struct page_size *ps, const struct tbr_scalar *s)
{
	size_t step = tbn_i64_len(s->step), wj, vj;
	size_t w = tbn_f64_lens(s->wall_time, &wj);
	size_t val = tbv_num_lens(&s->value, &vj);

	ps->csv += (uint32_t)(step + w + val + 3);
	ps->json += (uint32_t)(JSON_ROW_FIXED + step + wj + vj);
	ps->rows++;
}

static struct page_size page_count(const struct tbr_scalar *pts, size_t n,
				   bool purge)
{
	struct page_size ps = { 0 };

	for (size_t i = 0; i < n; i++)
		if (!purge || !pts[i].orphaned)
			point_count(&ps, &pts[i]);
	return ps;
}

/* Makes room for @want full pages in @pg. */
static int pages_reserve(struct tbv_pages *pg, size_t want)
{
	size_t c = pg->cap ? pg->cap : 16;
	struct page_size *a;

	if (want <= pg->cap)
		return 0;
	while (c < want)
		c *= 2;
	a = realloc(pg->p, c * sizeof(*a));
	if (!a)
		return -ENOMEM;
	pg->p = a;
	pg->cap = c;
	return 0;
}


/* The pages of series @name of @r, emptied when they were counted for
 * another reading of the run (@restarts) or other orphan flags
 * (@orphaned, purge only); NULL when out of memory. */
static struct tbv_pages *pages_get(struct tbv_vrun *r, const char *name,
				   uint64_t restarts, size_t orphaned)
{
	struct tbv_pages *pg = tbv_map_get(&r->pages, name, strlen(name));

	if (!pg) {
		pg = calloc(1, sizeof(*pg));
		if (!pg || tbv_map_put(&r->pages, name, strlen(name), pg)) {
			free(pg);
			return NULL;
		}
	} else if (pg->restarts == restarts && pg->orphaned == orphaned) {
		return pg;
	}
	pg->restarts = restarts;
	pg->orphaned = orphaned;
	pg->n = 0;
	pg->tail_at = 0;
	pg->acc_at = 0;
	return pg;
}

/* Appends a counted full page (the next one) to @pg. */
static int pages_push(struct tbv_pages *pg, const struct page_size *ps)
{
	int err = pages_reserve(pg, pg->n + 1);

	if (!err)
		pg->p[pg->n++] = *ps;
	return err;
}

/* -------------------------------------------------- the background counter
 *
 * While a run is parsed, the reader hands over each sealed block of a
 * scalar series (tbr_options.on_block); a thread counts its rows' bytes
 * meanwhile on another core, so that when the parse ends the pages are
 * mostly counted: stat and the first byte of any scalar file then wait
 * for what it has not reached yet, not for a pass over millions of
 * points. It is best effort: before any refresh and before a plan reads
 * counted pages, the view stops it and drops what it has not started
 * (tbv_counter_quiesce), so nobody ever waits for it beyond one block,
 * and the plan counts what is missing of the series it needs. Sealed
 * blocks never change until their run is refreshed again, so the thread
 * never races the reader, and it is stopped whenever the view reads or
 * resets pages. Not used with purge: orphan flags are not in the blocks. */

struct count_item {
	struct tbv_vrun *r;
	const struct tbr_tag *t;
	uint64_t restarts;
	struct tbr_block b;
};

/* Items are handed over this many at a time: a lock and a wake-up per
 * sealed block would slow the parse. */
#define COUNT_BATCH 64

struct tbv_counter {
	/* the parsing thread's batch, not yet handed over (no lock) */
	struct count_item batch[COUNT_BATCH];
	size_t nbatch;
	pthread_mutex_t lock __attribute__((aligned(64)));
	pthread_cond_t work; /* items came, or stop */
	pthread_cond_t idle; /* the queue ran empty */
	struct count_item *q; /* ring of @cap items from @head, @n long */
	size_t head, n, cap;
	bool busy, stop, started, failed;
	pthread_t th;
};

/* Counts the points of @it's block into its series' pages. */
static void counter_block(const struct count_item *it, struct tbr_scalar *pts)
{
	/* No purge here, so no orphans. */
	struct tbv_pages *pg = pages_get(it->r, tbr_tag_name(it->t),
					 it->restarts, 0);
	size_t n;

	if (!pg)
		return;
	n = tbr_block_decode(&it->b, pts);
	for (size_t k = 0; k < n; k++) {
		size_t i = it->b.first + k;

		if (i < pg->n * PAGE)
			continue; /* counted already (by a plan) */
		if (i % PAGE == 0) {
			memset(&pg->acc, 0, sizeof(pg->acc));
			pg->acc_at = i;
		}
		if (pg->acc_at != i)
			continue; /* a gap: wait for the next page */
		point_count(&pg->acc, &pts[k]);
		pg->acc_at++;
		if (pg->acc_at % PAGE == 0 && pg->acc_at / PAGE == pg->n + 1 &&
		    pages_push(pg, &pg->acc))
			pg->acc_at = 0;
	}
}

static void *counter_main(void *arg)
{
	struct tbv_counter *c = arg;
	struct tbr_scalar *pts = malloc(TBR_BLOCK_MAX * sizeof(*pts));
	struct count_item it;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->n && !c->stop)
			pthread_cond_wait(&c->work, &c->lock);
		if (!c->n)
			break;
		it = c->q[c->head];
		c->head = (c->head + 1) % c->cap;
		c->n--;
		c->busy = true;
		pthread_mutex_unlock(&c->lock);
		if (pts)
			counter_block(&it, pts);
		pthread_mutex_lock(&c->lock);
		c->busy = false;
		pthread_cond_broadcast(&c->idle);
	}
	pthread_mutex_unlock(&c->lock);
	free(pts);
	return NULL;
}

struct tbv_counter *tbv_counter_new(void)
{
	struct tbv_counter *c = aligned_alloc(64, sizeof(*c));

	if (!c)
		return NULL;
	memset(c, 0, sizeof(*c));
	if (pthread_mutex_init(&c->lock, NULL)) {
		free(c);
		return NULL;
	}
	pthread_cond_init(&c->work, NULL);
	pthread_cond_init(&c->idle, NULL);
	return c;
}

void tbv_counter_free(struct tbv_counter *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	c->n = 0; /* what is left is not needed any more */
	pthread_cond_broadcast(&c->work);
	pthread_mutex_unlock(&c->lock);
	if (c->started)
		pthread_join(c->th, NULL);
	pthread_cond_destroy(&c->work);
	pthread_cond_destroy(&c->idle);
	pthread_mutex_destroy(&c->lock);
	free(c->q);
	free(c);
}

/* Starts @fn(@arg) with every signal blocked, so that signals (an
 * unmount's SIGTERM) go to the thread serving requests. */
static bool thread_start(pthread_t *th, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	bool ok;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ok = !pthread_create(th, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ok;
}

/* Hands the batch over to the thread (started on first use). Items that
 * cannot be queued (no memory, no thread) are dropped: the plans then
 * count those pages themselves. */
void tbv_counter_flush(struct tbv_counter *c)
{
	size_t n = c ? c->nbatch : 0;

	if (!n)
		return;
	c->nbatch = 0;
	pthread_mutex_lock(&c->lock);
	if (!c->started && !c->failed) {
		c->started = thread_start(&c->th, counter_main, c);
		c->failed = !c->started;
	}
	if (c->started && c->n + n > c->cap) {
		size_t cap = c->cap ? c->cap : 1024;
		struct count_item *q;

		while (cap < c->n + n)
			cap *= 2;
		q = malloc(cap * sizeof(*q));
		if (q) {
			for (size_t i = 0; i < c->n; i++)
				q[i] = c->q[(c->head + i) % c->cap];
			free(c->q);
			c->q = q;
			c->head = 0;
			c->cap = cap;
		}
	}
	if (c->started && c->n + n <= c->cap) {
		for (size_t i = 0; i < n; i++)
			c->q[(c->head + c->n + i) % c->cap] = c->batch[i];
		if (!c->n)
			pthread_cond_signal(&c->work);
		c->n += n;
	}
	pthread_mutex_unlock(&c->lock);
}

void tbv_counter_quiesce(struct tbv_counter *c)
{
	if (!c)
		return;
	c->nbatch = 0;
	pthread_mutex_lock(&c->lock);
	c->n = 0;
	while (c->busy)
		pthread_cond_wait(&c->idle, &c->lock);
	pthread_mutex_unlock(&c->lock);
}

void tbv_counter_block(void *ud, struct tbr_run *run, const struct tbr_tag *t,
		       uint64_t restarts, const struct tbr_block *b)
{
	struct tbv_view *v = ud;
	struct tbv_counter *c = v->counter;

	if (!v->refreshing || v->refreshing->run != run)
		return;
	c->batch[c->nbatch++] = (struct count_item){
		.r = v->refreshing, .t = t, .restarts = restarts, .b = *b
	};
	if (c->nbatch == COUNT_BATCH)
		tbv_counter_flush(c);
}

/* ---------------------------------------------------------- the threads */

/* Cores this process may use now, capped at PAR_MAX_THREADS (asked each
 * time: the affinity can change, and a syscall is nothing next to the
 * work). */
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

/* @n tasks, taken in order by whichever thread is free. */
struct par {
	size_t n;
	atomic_size_t next;
	atomic_int err;
	int (*fn)(void *ctx, size_t i, struct scratch *s);
	void *ctx;
};

static void *par_loop(void *arg)
{
	struct par *p = arg;
	struct scratch s = { 0 };
	size_t i;
	int err;

	s.pts = malloc(PAGE * sizeof(*s.pts));
	if (!s.pts) {
		atomic_store(&p->err, -ENOMEM);
		return NULL;
	}
	while (!atomic_load(&p->err) &&
	       (i = atomic_fetch_add(&p->next, 1)) < p->n) {
		err = p->fn(p->ctx, i, &s);
		if (err)
			atomic_store(&p->err, err);
	}
	free(s.pts);
	free(s.text);
	return NULL;
}

/* Runs @fn for tasks 0..@n-1 of about @points points in all, on one
 * thread per core when that is worth it; returns the first error. */
static int par_run(size_t n, size_t points,
		   int (*fn)(void *ctx, size_t i, struct scratch *s),
		   void *ctx)
{
	struct par p = { .n = n, .fn = fn, .ctx = ctx };
	pthread_t th[PAR_MAX_THREADS];
	size_t nth = 0, want = 0;

	atomic_init(&p.next, 0);
	atomic_init(&p.err, 0);
	if (points >= PAR_MIN_POINTS && n > 1)
		want = cpus() - 1;
	if (want > n - 1)
		want = n - 1;
	/* No thread is no failure: the calling thread then does it all. */
	while (nth < want && thread_start(&th[nth], par_loop, &p))
		nth++;
	par_loop(&p);
	while (nth)
		pthread_join(th[--nth], NULL);
	return atomic_load(&p.err);
}

/* ------------------------------------------------------------- the plan */

/* One series of rows, each led by the prefix at @pre_off (@plen bytes)
 * of the plan's prefix buffer ("run,tag,"). */
struct rows_src {
	struct tbv_vrun *run;
	const struct tbr_tag *t;
	struct tbv_pages *pg;
	size_t count; /* points in this snapshot */
	size_t pre_off, plen;
};

/* Page @page of series @src, at @off in the file. */
struct rows_chunk {
	size_t off, len;
	uint32_t src, page, rows;
	bool first; /* JSON: holds the file's first row (no comma before) */
	bool done;
};

struct tbv_rows {
	struct tbv_view *v;
	struct rows_src *src;
	size_t nsrc, capsrc;
	struct tbv_buf pre;
	struct tbv_buf head;
	bool json, purge;
	struct tbv_vrun **runs; /* distinct runs read, in order */
	size_t nruns;
	struct rows_chunk *c;
	size_t nc, ndone;
	size_t rows, size;
	size_t window; /* chunks the next read that must write may write */
	char *buf;     /* the file, once a content (tbv_rows_content) */
};

static struct tbv_rows *rows_new(struct tbv_view *v, bool json,
				 const char *head)
{
	struct tbv_rows *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->v = v;
	x->json = json;
	x->purge = v->opts.purge_orphaned;
	x->window = 1;
	tbv_buf_puts(&x->head, head);
	if (x->head.oom) {
		free(x);
		return NULL;
	}
	return x;
}

void tbv_rows_free(struct tbv_rows *x)
{
	if (!x)
		return;
	free(x->src);
	free(x->runs);
	free(x->c);
	tbv_buf_free(&x->pre);
	tbv_buf_free(&x->head);
	free(x->buf);
	free(x);
}

/* The counted pages of @t, reset when they no longer describe it. */
static struct tbv_pages *pages_of(struct tbv_rows *x, struct tbv_vrun *r,
				  const struct tbr_tag *t)
{
	size_t orphaned = x->purge ? tbr_tag_count(t) -
					     tbr_tag_count_unorphaned(t)
				   : 0;

	tbv_counter_quiesce(x->v->counter); /* it writes pages too */
	return pages_get(r, tbr_tag_name(t), tbr_run_restarts(r->run),
			 orphaned);
}

/* Adds the rows of scalar series @t of run @r, each led by @pre. */
static int rows_add(struct tbv_rows *x, struct tbv_vrun *r,
		    const struct tbr_tag *t, const char *pre, size_t plen)
{
	struct rows_src *s;

	if (x->nsrc == x->capsrc) {
		size_t cap = x->capsrc ? x->capsrc * 2 : 8;
		struct rows_src *a = realloc(x->src, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		x->src = a;
		x->capsrc = cap;
	}
	if (!x->nruns || x->runs[x->nruns - 1] != r) {
		struct tbv_vrun **a = realloc(x->runs,
					      (x->nruns + 1) * sizeof(*a));
		if (!a)
			return -ENOMEM;
		x->runs = a;
		x->runs[x->nruns++] = r;
	}
	s = &x->src[x->nsrc];
	s->run = r;
	s->t = t;
	s->count = tbr_tag_count(t);
	s->pg = pages_of(x, r, t);
	s->pre_off = x->pre.len;
	s->plen = plen;
	if (plen)
		tbv_buf_put(&x->pre, pre, plen);
	if (!s->pg || x->pre.oom)
		return -ENOMEM;
	x->nsrc++;
	return 0;
}

/* Adds every scalar tag of @r, rows led by "[@rel,]tag,". */
static int rows_add_run(struct tbv_rows *x, struct tbv_vrun *r,
			const char *rel, struct tbv_buf *pre)
{
	struct tbr_run *run = r->run;
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
		err = pre->oom ? -ENOMEM : rows_add(x, r, t, pre->p, pre->len);
	}
	return err;
}

/* A page still to count: full page @page of @src, or its tail. */
struct count_task {
	struct rows_src *src;
	size_t page;
};

struct count_job {
	struct count_task *t;
	bool purge;
};

static int count_one(void *ctx, size_t i, struct scratch *s)
{
	struct count_job *j = ctx;
	struct rows_src *src = j->t[i].src;
	size_t page = j->t[i].page;
	size_t start = page * PAGE, n = src->count - start;
	struct page_size ps;

	if (n > PAGE)
		n = PAGE;
	if (tbr_tag_scalars(src->t, start, s->pts, n) != n)
		return -EIO;
	ps = page_count(s->pts, n, j->purge);
	if (n == PAGE) {
		src->pg->p[page] = ps;
	} else {
		src->pg->tail = ps;
		src->pg->tail_at = src->count;
	}
	return 0;
}

/* Counts the pages nobody counted yet, all series at once. */
static int rows_count(struct tbv_rows *x)
{
	struct count_job j = { .purge = x->purge };
	size_t n = 0, cap = 0, points = 0;
	int err = 0;

	for (size_t k = 0; k < x->nsrc; k++) {
		struct rows_src *s = &x->src[k];
		struct tbv_pages *pg = s->pg;
		size_t full = s->count / PAGE;
		bool tail = s->count % PAGE && pg->tail_at != s->count;

		err = pages_reserve(pg, full);
		if (err)
			break;
		if (n + (full - pg->n) + tail > cap) {
			size_t c = cap ? cap * 2 : 64;
			struct count_task *a;

			while (c < n + (full - pg->n) + tail)
				c *= 2;
			a = realloc(j.t, c * sizeof(*a));
			if (!a) {
				err = -ENOMEM;
				break;
			}
			j.t = a;
			cap = c;
		}
		for (size_t p = pg->n; p < full; p++)
			j.t[n++] = (struct count_task){ s, p };
		points += (full - pg->n) * PAGE;
		if (tail) {
			j.t[n++] = (struct count_task){ s, full };
			points += s->count % PAGE;
		}
	}
	if (!err && n)
		err = par_run(n, points, count_one, &j);
	free(j.t);
	if (err)
		return err;
	for (size_t k = 0; k < x->nsrc; k++) {
		struct tbv_pages *pg = x->src[k].pg;

		if (pg->n < x->src[k].count / PAGE)
			pg->n = x->src[k].count / PAGE;
	}
	return 0;
}

/* Counts what is missing, then lays the chunks out. */
static int rows_plan(struct tbv_rows *x)
{
	size_t off = x->head.len, nc = 0;
	bool first = x->json;
	int err = rows_count(x);

	if (err)
		return err;
	for (size_t k = 0; k < x->nsrc; k++)
		nc += (x->src[k].count + PAGE - 1) / PAGE;
	x->c = calloc(nc ? nc : 1, sizeof(*x->c));
	if (!x->c)
		return -ENOMEM;
	for (size_t k = 0; k < x->nsrc; k++) {
		const struct rows_src *s = &x->src[k];
		size_t pages = (s->count + PAGE - 1) / PAGE;

		for (size_t p = 0; p < pages; p++) {
			const struct page_size *ps =
				p < s->pg->n ? &s->pg->p[p] : &s->pg->tail;
			struct rows_chunk *c = &x->c[x->nc];

			if (!ps->rows)
				continue; /* all purged */
			c->off = off;
			c->src = (uint32_t)k;
			c->page = (uint32_t)p;
			c->rows = ps->rows;
			if (x->json) {
				c->len = ps->json + 2 * (size_t)ps->rows;
				c->first = first;
				c->len -= first;
				first = false;
			} else {
				c->len = ps->csv + ps->rows * s->plen;
			}
			off += c->len;
			x->rows += ps->rows;
			x->nc++;
		}
	}
	x->size = off + (x->json ? (x->rows ? 3 : 2) : 0);
	return 0;
}

/* Lays out @x, or frees it on error. */
static int rows_done(struct tbv_rows *x, int err, struct tbv_rows **out)
{
	if (!err)
		err = rows_plan(x);
	if (err) {
		tbv_rows_free(x);
		return err;
	}
	*out = x;
	return 0;
}

int tbv_rows_tag(struct tbv_view *v, struct tbv_vrun *r,
		 const struct tbr_tag *t, bool json, struct tbv_rows **out)
{
	struct tbv_rows *x = rows_new(v, json,
				      json ? "[" : "step,wall_time,value\n");

	if (!x)
		return -ENOMEM;
	return rows_done(x, rows_add(x, r, t, NULL, 0), out);
}

int tbv_rows_run(struct tbv_view *v, struct tbv_vrun *r,
		 struct tbv_rows **out)
{
	struct tbv_rows *x = rows_new(v, false, "tag,step,wall_time,value\n");
	struct tbv_buf pre = { 0 };
	int err;

	if (!x)
		return -ENOMEM;
	err = rows_add_run(x, r, NULL, &pre);
	tbv_buf_free(&pre);
	return rows_done(x, err, out);
}

int tbv_rows_scope(struct tbv_view *v, const struct tbv_scope *s,
		   const char *tag, struct tbv_rows **out)
{
	struct tbv_rows *x = rows_new(v, false,
				      tag ? "run,step,wall_time,value\n"
					  : "run,tag,step,wall_time,value\n");
	struct tbv_buf pre = { 0 };
	int err = 0;

	if (!x)
		return -ENOMEM;
	for (size_t k = 0; k < s->n && !err; k++) {
		const struct tbr_tag *t;

		if (!tag) {
			err = rows_add_run(x, s->runs[k], s->rel[k], &pre);
			continue;
		}
		t = tbr_run_find_tag(s->runs[k]->run, tag, TBR_KIND_SCALAR);
		if (!t)
			continue;
		pre.len = 0;
		tbv_csv_strz(&pre, s->rel[k]);
		tbv_buf_putc(&pre, ',');
		err = pre.oom ? -ENOMEM
			      : rows_add(x, s->runs[k], t, pre.p, pre.len);
	}
	tbv_buf_free(&pre);
	return rows_done(x, err, out);
}

size_t tbv_rows_size(const struct tbv_rows *x)
{
	return x->size;
}

bool tbv_rows_uses(const struct tbv_rows *x, const struct tbv_vrun *r)
{
	for (size_t i = 0; i < x->nruns; i++)
		if (x->runs[i] == r)
			return true;
	return false;
}

void tbv_rows_pin(struct tbv_rows *x, int delta)
{
	for (size_t i = 0; i < x->nruns; i++)
		x->runs[i]->rows_pending += (size_t)(ptrdiff_t)delta;
}

/* ---------------------------------------------------------- the bytes */

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
	p += tbn_f64_json(p, s->wall_time);
	memcpy(p, k_val, sizeof(k_val) - 1);
	p += sizeof(k_val) - 1;
	p += tbv_json_num(p, &s->value);
	*p++ = '}';
	return p;
}

/* Writes chunk @k of @x into place (see the comment at the top). */
static int chunk_write(struct tbv_rows *x, size_t k, struct scratch *s)
{
	struct rows_chunk *c = &x->c[k];
	const struct rows_src *src = &x->src[c->src];
	const char *pre = src->plen ? x->pre.p + src->pre_off : NULL;
	size_t start = (size_t)c->page * PAGE, n = src->count - start;
	bool first = c->first;
	char *p;
	int err;

	if (n > PAGE)
		n = PAGE;
	err = scratch_text(s, n * (x->json ? JSON_ROW_MAX
					     : CSV_ROW_MAX + src->plen));
	if (err)
		return err;
	if (tbr_tag_scalars(src->t, start, s->pts, n) != n)
		return -EIO;
	p = s->text;
	for (size_t i = 0; i < n; i++) {
		if (x->purge && s->pts[i].orphaned)
			continue;
		if (x->json) {
			if (!first)
				*p++ = ',';
			first = false;
			*p++ = '\n';
			p = json_row(p, &s->pts[i]);
		} else {
			p = csv_row(p, &s->pts[i], pre, src->plen);
		}
	}
	if ((size_t)(p - s->text) != c->len)
		return -EIO; /* counted and written disagree: a bug */
	memcpy(x->buf + c->off, s->text, c->len);
	return 0;
}

/* The chunks one call writes. */
struct write_job {
	struct tbv_rows *x;
	size_t *k;
};

static int write_one(void *ctx, size_t i, struct scratch *s)
{
	struct write_job *j = ctx;

	return chunk_write(j->x, j->k[i], s);
}

/* Writes the chunks of @x not written yet among up to @max from @from on
 * (in file order). */
static int rows_write(struct tbv_rows *x, size_t from, size_t max)
{
	struct write_job j = { .x = x };
	size_t n = 0, points = 0;
	int err;

	j.k = malloc((max ? max : 1) * sizeof(*j.k));
	if (!j.k)
		return -ENOMEM;
	for (size_t k = from; k < x->nc && n < max; k++)
		if (!x->c[k].done) {
			j.k[n++] = k;
			points += x->c[k].rows;
		}
	err = par_run(n, points, write_one, &j);
	if (!err)
		for (size_t i = 0; i < n; i++) {
			x->c[j.k[i]].done = true;
			x->ndone++;
		}
	free(j.k);
	return err;
}

/* Index of the chunk holding byte @off (the last one starting at or
 * before it; 0 for the header). */
static size_t chunk_at(const struct tbv_rows *x, size_t off)
{
	size_t lo = 0, hi = x->nc;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (x->c[mid].off <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

int tbv_rows_content(struct tbv_rows *x, struct tbv_content **out)
{
	struct tbv_content *c = calloc(1, sizeof(*c));

	x->buf = malloc(x->size ? x->size : 1);
	if (!c || !x->buf) {
		free(c);
		return -ENOMEM;
	}
	memcpy(x->buf, x->head.p, x->head.len);
	if (x->json)
		memcpy(x->buf + x->size - (x->rows ? 3 : 2),
		       x->rows ? "\n]\n" : "]\n", x->rows ? 3 : 2);
	c->refs = 1;
	c->size = x->size;
	c->data = x->buf;
	c->rows = x;
	*out = c;
	return 0;
}

char *tbv_rows_take_buf(struct tbv_rows *x)
{
	char *b = x->buf;

	x->buf = NULL;
	return b;
}

bool tbv_rows_complete(const struct tbv_rows *x)
{
	return x->ndone == x->nc;
}

int tbv_rows_fill(struct tbv_rows *x, size_t off, size_t len)
{
	size_t k0, k1, want;
	bool missing = false;
	int err;

	if (x->ndone == x->nc || !len || !x->nc)
		return 0;
	k0 = chunk_at(x, off);
	k1 = chunk_at(x, off + len - 1);
	for (size_t k = k0; k <= k1 && !missing; k++)
		missing = !x->c[k].done;
	if (!missing)
		return 0;
	want = k1 - k0 + 1;
	if (want < x->window)
		want = x->window;
	err = rows_write(x, k0, want);
	if (x->window < WINDOW_MAX)
		x->window *= 2;
	return err;
}

int tbv_rows_finish(struct tbv_rows *x)
{
	return x->ndone == x->nc ? 0 : rows_write(x, 0, x->nc);
}
