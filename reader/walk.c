/*
 * walk.c — walk the records of a source, counting what is skipped.
 *
 * Layer: reader. The one loop shared by run ingestion, tbr_scan_file and
 * tbr_scan_buffer: read a chunk, hand each framed record to a callback,
 * count and resynchronise past bad bytes, stop at a partial tail (which a
 * later walk resumes from the same offset).
 */
#include "walk_i.h"

#include <stdlib.h>

#define CHUNK (4u << 20)

static void problem(struct tbr_walk *w, tbr_status st, uint64_t off)
{
	struct tbr_file_stats *fs = w->stats;

	switch (st) {
	case TBR_ERR_LENGTH_CRC: fs->skipped_length_crc++; break;
	case TBR_ERR_DATA_CRC: fs->skipped_data_crc++; break;
	case TBR_ERR_TOO_LARGE: fs->skipped_too_large++; break;
	case TBR_ERR_DECODE: fs->skipped_decode++; break;
	case TBR_ERR_TRUNCATED: fs->skipped_truncated++; break;
	default: break;
	}
	fs->records_skipped++;
	fs->last_error = st;
	fs->last_error_offset = off;
	if (w->on_problem)
		w->on_problem(w->ctx, st, off);
}

static tbr_status grow(struct tbr_walk *w, size_t want)
{
	if (want <= w->cap)
		return TBR_OK;
	uint8_t *nb = realloc(w->buf, want);
	if (!nb)
		return TBR_ERR_NOMEM;
	w->buf = nb;
	w->cap = want;
	return TBR_OK;
}

/* Runs over a buffer holding stream bytes [base, base+len). Returns TBR_OK
 * when it needs the next chunk (at *need bytes at least), TBR_END when
 * done, or an error from the callback. */
static tbr_status walk_window(struct tbr_walk *w, const uint8_t *buf,
			      uint64_t base, size_t len, bool at_eof,
			      size_t *need)
{
	struct tbr_frame fr;
	tbr_status st;

	*need = 0;
	for (;;) {
		uint64_t pos = w->pos;

		if (!tbr_frame_good(buf, base, len, pos, w->max_len, &fr))
			tbr_frame_next(buf, base, len, pos, w->max_len, at_eof,
				       &fr);
		switch (fr.st) {
		case TBR_OK:
			st = w->on_record(w->ctx, buf + (fr.payload - base),
					  (size_t)fr.length, pos);
			if (st == TBR_ERR_DECODE) {
				problem(w, st, pos);
			} else if (st == TBR_END) {
				w->pos = fr.next;
				return TBR_END;
			} else if (st != TBR_OK) {
				return st;
			} else {
				w->stats->records_read++;
			}
			w->pos = fr.next;
			break;
		case TBR_END:
			w->stats->truncated_tail = false;
			return at_eof ? TBR_END : TBR_OK;
		case TBR_ERR_TRUNCATED:
			if (fr.next != pos) {
				problem(w, fr.st, pos);
				w->stats->garbage_bytes += fr.next - pos;
				w->pos = fr.next;
				break;
			}
			if (at_eof) {
				w->stats->truncated_tail = true;
				return TBR_END;
			}
			*need = fr.length ? (size_t)fr.length + 16 : 16;
			return TBR_OK;
		default: /* LENGTH_CRC, DATA_CRC, TOO_LARGE */
			problem(w, fr.st, pos);
			w->stats->garbage_bytes += fr.next - pos;
			w->pos = fr.next;
			if (fr.next > base + len)
				return TBR_OK;
			break;
		}
	}
}

tbr_status tbr_walk_source(struct tbr_walk *w, struct tbr_source *src)
{
	size_t need = 0;
	tbr_status st;

	w->stats->gzip = src->gzip;
	for (;;) {
		size_t want = need > CHUNK ? need : CHUNK, got;

		/* Never allocate for a length the file cannot hold. */
		if (!src->gzip && w->pos < src->size && want > src->size - w->pos)
			want = (size_t)(src->size - w->pos);
		if (!src->gzip && w->pos >= src->size) {
			st = walk_window(w, w->buf, w->pos, 0, true, &need);
			break;
		}
		if (want < 16)
			want = 16;
		st = grow(w, want);
		if (st != TBR_OK)
			return st;
		st = tbr_source_read(src, w->pos, w->buf, want, &got);
		if (st != TBR_OK) {
			w->stats->last_error = st;
			w->stats->last_error_offset = w->pos;
			return st;
		}
		/* The size seen at open is the end for this walk; bytes a
		 * writer appends meanwhile wait for the next refresh. */
		bool at_eof = got < want ||
			      (!src->gzip && w->pos + got >= src->size);
		uint64_t before = w->pos;

		st = walk_window(w, w->buf, w->pos, got, at_eof, &need);
		if (st != TBR_OK)
			break;
		if (w->pos == before && need <= got && !at_eof)
			need = got * 2; /* no progress: take a bigger window */
	}
	w->stats->bytes_read = w->pos;
	return st == TBR_END ? TBR_OK : st;
}

tbr_status tbr_walk_buffer(struct tbr_walk *w, const uint8_t *data,
			   size_t len)
{
	size_t need;
	tbr_status st = walk_window(w, data, 0, len, true, &need);

	w->stats->bytes_read = w->pos;
	return st == TBR_END ? TBR_OK : st;
}
