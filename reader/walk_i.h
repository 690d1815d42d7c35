/*
 * walk_i.h — the record walk shared by ingestion and scanning (walk.c).
 * Private to the reader.
 */
#ifndef TBR_WALK_I_H
#define TBR_WALK_I_H

#include "source_i.h"

struct tbr_walk {
	uint64_t pos;            /* stream offset of the next record */
	uint64_t max_len;
	struct tbr_file_stats *stats;
	/* Called per framed record with a good payload CRC. Returns TBR_OK,
	 * TBR_ERR_DECODE (counted, skipped), TBR_END (stop after this one),
	 * or another error (aborts the walk, e.g. TBR_ERR_NOMEM). */
	tbr_status (*on_record)(void *ctx, const uint8_t *payload, size_t len,
				uint64_t offset);
	void (*on_problem)(void *ctx, tbr_status st, uint64_t offset);
	void *ctx;
	uint8_t *buf;            /* reusable read buffer (owned by caller) */
	size_t cap;
};

/* Walks @src from w->pos on; on return w->pos is where the next walk
 * resumes (the start of a partial tail record, if any). */
tbr_status tbr_walk_source(struct tbr_walk *w, struct tbr_source *src);
tbr_status tbr_walk_buffer(struct tbr_walk *w, const uint8_t *data,
			   size_t len);

#endif
