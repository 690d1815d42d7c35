/*
 * last_values.c — the reader library without FUSE: every run's scalar
 * tags with their number of points and last value.
 *
 *   build/examples/last_values examples/logs
 *
 * prints one line per (run, tag), e.g.
 *   seeds/run_1  strict/foo  100 points  last step 495  value 1.2120899
 * and, for runs whose event files had damaged records, what was skipped.
 * Exit status 1 if LOGDIR cannot be opened.
 */
#include "tbr.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct tbr_logdir *ld;
	tbr_status st;

	if (argc != 2) {
		fprintf(stderr, "usage: last_values LOGDIR\n");
		return 2;
	}
	st = tbr_logdir_open(argv[1], NULL, &ld);
	if (st != TBR_OK) {
		fprintf(stderr, "last_values: %s: %s (%s)\n", argv[1],
			tbr_strerror(st), strerror(errno));
		return 1;
	}
	tbr_logdir_scan(ld, NULL);
	for (size_t r = 0; r < tbr_logdir_run_count(ld); r++) {
		struct tbr_run *run = tbr_logdir_run(ld, r);

		tbr_run_refresh(run, NULL); /* parses the run's event files */
		for (size_t i = 0; i < tbr_run_tag_count(run); i++) {
			const struct tbr_tag *t = tbr_run_tag(run, i);
			struct tbr_scalar last;
			size_t n = tbr_tag_count(t);

			if (tbr_tag_kind(t) != TBR_KIND_SCALAR || !n ||
			    tbr_tag_scalars(t, n - 1, &last, 1) != 1)
				continue;
			/* %.9g is enough to tell float32 values apart */
			printf("%s\t%s\t%zu points\tlast step %lld\tvalue %.9g\n",
			       tbr_run_name(run), tbr_tag_name(t), n,
			       (long long)last.step,
			       tbr_num_to_double(&last.value));
		}
		for (size_t i = 0; i < tbr_run_file_count(run); i++) {
			const struct tbr_file_stats *fs = tbr_run_file_stats(run, i);

			if (fs->records_skipped || fs->truncated_tail)
				printf("%s\t%s: %llu records skipped%s\n",
				       tbr_run_name(run), tbr_run_file_name(run, i),
				       (unsigned long long)fs->records_skipped,
				       fs->truncated_tail ? ", truncated tail" : "");
		}
	}
	tbr_logdir_close(ld);
	return 0;
}
