/*
 * fuzz_reader.c — libFuzzer target on the reader's from-memory entry point.
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined
 *   ninja -C build-fuzz && build-fuzz/tests/fuzz/fuzz_reader -max_total_time=60
 *
 * Feeds arbitrary bytes to tbr_scan_buffer with both decoders: any crash,
 * hang, out-of-bounds read or mismatch between the two is a bug.
 */
#include "tbr.h"

#include <stdlib.h>
#include <string.h>

struct tally {
	size_t records, values;
	double sum_steps;
};

static bool visit(void *ctx, const struct tbr_record *rec, tbr_status st,
		  uint64_t off)
{
	struct tally *t = ctx;

	if (rec) {
		t->records++;
		t->values += rec->value_count;
		t->sum_steps += (double)rec->step;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tbr_options o = { .max_record_bytes = 1 << 20 };
	struct tally a = { 0 }, b = { 0 };
	struct tbr_file_stats sa, sb;

	tbr_scan_buffer(data, size, &o, visit, &a, &sa);
	o.use_protobuf_c = true;
	tbr_scan_buffer(data, size, &o, visit, &b, &sb);
	/* Framing is shared; decoding may differ only in what each accepts
	 * as a valid Event, which the fixtures test pins down. */
	if (sa.records_read + sa.skipped_decode != sb.records_read + sb.skipped_decode)
		abort();
	return 0;
}
