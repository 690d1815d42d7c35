/*
 * bench_reader.c — reader throughput and memory on a big scalar log.
 *
 *   tests/bench/bench_reader.sh            (generates ~1 GB with tbfs-gen)
 *   build/tests/bench/bench_reader FILE [--drop-caches]
 *
 * Copies the first 90% of FILE into a fresh run directory (cut anywhere:
 * the reader waits for the partial record), then measures on one core
 * with CRC checks on:
 *  1. the first full read (cold parse; page cache cold too with
 *     --drop-caches, which needs root);
 *  2. a refresh after the remaining 10% is appended (O(new data));
 *  3. resident bytes per scalar point of the index (tbr_run_memory) and
 *     the process RSS growth;
 *  4. the same first read with the protobuf-c decoder, for comparison.
 */
#include "tbr.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kb = atol(line + 6);
	fclose(f);
	return kb;
}

static int copy_range(int in, int out, off_t from, size_t n)
{
	char *buf = malloc(1 << 20);
	int rc = 0;

	while (n > 0 && rc == 0) {
		size_t want = n < (1 << 20) ? n : (1 << 20);
		ssize_t r = pread(in, buf, want, from);

		if (r <= 0 || write(out, buf, (size_t)r) != r)
			rc = -1;
		from += r;
		n -= (size_t)r;
	}
	free(buf);
	return rc;
}

static void drop_caches(void)
{
	FILE *f;

	sync();
	f = fopen("/proc/sys/vm/drop_caches", "w");
	if (f) {
		fputs("3\n", f);
		fclose(f);
	} else {
		fprintf(stderr, "note: cannot drop caches (not root?)\n");
	}
}

struct result {
	double secs;
	uint64_t bytes, records, points;
	size_t index_bytes;
};

static int read_run(const char *root, bool pbc, struct result *r,
		    struct tbr_logdir **keep)
{
	struct tbr_options o = { .use_protobuf_c = pbc };
	struct tbr_logdir *ld;
	struct tbr_run *run;
	struct tbr_run_counts c;
	double t0 = now();

	if (tbr_logdir_open(root, &o, &ld) != TBR_OK)
		return -1;
	tbr_logdir_scan(ld, NULL);
	run = tbr_logdir_find_run(ld, "run");
	if (!run || tbr_run_refresh(run, NULL) != TBR_OK)
		return -1;
	r->secs = now() - t0;
	r->bytes = tbr_run_file_stats(run, 0)->bytes_read;
	r->records = tbr_run_file_stats(run, 0)->records_read;
	tbr_run_counts(run, &c);
	r->points = c.scalar_points;
	r->index_bytes = tbr_run_memory(run);
	if (keep)
		*keep = ld;
	else
		tbr_logdir_close(ld);
	return 0;
}

static void print(const char *what, const struct result *r)
{
	printf("%-34s %8.3f s %9.0f MB/s %7.2f M records/s  (%.0f MB, %.1f M records)\n",
	       what, r->secs, r->bytes / r->secs / 1e6,
	       r->records / r->secs / 1e6, r->bytes / 1e6, r->records / 1e6);
}

int main(int argc, char **argv)
{
	char root[] = "/tmp/tbfs-bench-reader-XXXXXX";
	char dir[256], path[300];
	struct stat st;
	int in, out;
	bool drop = argc > 2 && !strcmp(argv[2], "--drop-caches");
	cpu_set_t one;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_reader FILE [--drop-caches]\n");
		return 2;
	}
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one); /* one core */

	in = open(argv[1], O_RDONLY);
	if (in < 0 || fstat(in, &st) < 0 || !mkdtemp(root)) {
		perror(argv[1]);
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/run", root);
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/events.out.tfevents.1700000000.bench", dir);
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	size_t first = (size_t)st.st_size / 10 * 9;
	if (out < 0 || copy_range(in, out, 0, first) < 0) {
		perror(path);
		return 1;
	}
	printf("tbfs reader benchmark: %s, %.0f MB, crc32c=%s, one core\n",
	       argv[1], st.st_size / 1e6, tbr_crc32c_impl());
	if (drop)
		drop_caches();

	struct result cold, app, pbc;
	struct tbr_logdir *ld;
	long rss0 = rss_kb();
	if (read_run(root, false, &cold, &ld) < 0) {
		fprintf(stderr, "read failed\n");
		return 1;
	}
	long rss1 = rss_kb();
	print("first read (wire scanner)", &cold);

	/* append the last 10% and refresh */
	if (copy_range(in, out, (off_t)first, (size_t)st.st_size - first) < 0)
		return 1;
	close(out);
	struct tbr_run *run = tbr_logdir_find_run(ld, "run");
	uint64_t b0 = tbr_run_file_stats(run, 0)->bytes_read;
	uint64_t r0 = tbr_run_file_stats(run, 0)->records_read;
	double t0 = now();
	tbr_run_refresh(run, NULL);
	app.secs = now() - t0;
	app.bytes = tbr_run_file_stats(run, 0)->bytes_read - b0;
	app.records = tbr_run_file_stats(run, 0)->records_read - r0;
	print("refresh after append (new bytes)", &app);

	struct tbr_run_counts c;
	tbr_run_counts(run, &c);
	size_t mem = tbr_run_memory(run);
	printf("%-34s %8.2f B/point (index %.1f MB for %.1f M points; RSS +%.1f MB at 90%%)\n",
	       "resident memory", (double)mem / c.scalar_points, mem / 1e6,
	       c.scalar_points / 1e6, (rss1 - rss0) / 1e3);
	printf("%-34s %s\n", "skipped / truncated tail",
	       tbr_run_file_stats(run, 0)->records_skipped ? "SOME SKIPPED" :
	       "0 skipped");
	tbr_logdir_close(ld);

	if (drop)
		drop_caches();
	if (read_run(root, true, &pbc, NULL) == 0)
		print("first read (protobuf-c unpack)", &pbc);

	unlink(path);
	rmdir(dir);
	rmdir(root);
	return 0;
}
