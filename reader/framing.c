/*
 * framing.c — TFRecord framing: find, check and resynchronise records.
 *
 * Layer: reader. Works on a window of the byte stream; never reads outside
 * it. The cases are kept apart as TensorBoard's tf_record.rs does: a short
 * tail is normal for a live file (retry later), a bad length CRC or a bad
 * payload CRC means we scan forward for the next header whose length CRC
 * checks out, so one bad record never hides the good ones after it.
 */
#include "tbr_i.h"

static bool header_ok(const uint8_t *h, uint64_t *length)
{
	*length = tbr_load_u64(h);
	return tbr_crc_mask(tbr_crc32c(h, 8)) == tbr_load_u32(h + 8);
}

/* First offset >= @from (buffer-relative) holding a header with a valid
 * length CRC and a length within the cap; or, when none, the first offset
 * that could not be examined for lack of bytes. */
static size_t resync(const uint8_t *buf, size_t len, size_t from,
		     uint64_t max_len)
{
	size_t q;
	uint64_t l;

	for (q = from; q + TBR_HEADER_BYTES <= len; q++)
		if (header_ok(buf + q, &l) && l <= max_len)
			return q;
	return q;
}

/* Is there a good record at or after @from? Used to tell a record cut in
 * the middle of a file (skip it) from the partial tail of a file still
 * being written (wait for it). */
static bool later_good_record(const uint8_t *buf, size_t len, size_t from,
			      uint64_t max_len, size_t *at)
{
	struct tbr_frame fr;

	for (size_t q = from;; q++) {
		q = resync(buf, len, q, max_len);
		if (q + TBR_HEADER_BYTES > len)
			return false;
		if (tbr_frame_good(buf, 0, len, q, max_len, &fr)) {
			*at = q;
			return true;
		}
	}
}

void tbr_frame_next(const uint8_t *buf, uint64_t base, size_t len,
		    uint64_t pos, uint64_t max_len, bool at_eof,
		    struct tbr_frame *out)
{
	size_t off = (size_t)(pos - base);
	size_t avail = len - off;
	uint64_t length;

	if (tbr_frame_good(buf, base, len, pos, max_len, out))
		return;
	out->payload = 0;
	out->length = 0;
	out->next = pos;
	if (avail == 0) {
		out->st = TBR_END;
		return;
	}
	if (avail < TBR_HEADER_BYTES) {
		out->st = TBR_ERR_TRUNCATED;
		return;
	}
	if (!header_ok(buf + off, &length)) {
		out->st = TBR_ERR_LENGTH_CRC;
		out->next = base + resync(buf, len, off + 1, max_len);
		return;
	}
	out->length = length;
	if (length > max_len) {
		out->st = TBR_ERR_TOO_LARGE;
		out->next = base + resync(buf, len, off + 1, max_len);
		return;
	}
	if (avail - TBR_HEADER_BYTES < length + TBR_FOOTER_BYTES) {
		size_t at;

		out->st = TBR_ERR_TRUNCATED;
		if (at_eof && later_good_record(buf, len, off + 1, max_len, &at))
			out->next = base + at;
		return;
	}
	/* Complete, sane length, header right: not good, so the payload
	 * checksum is what failed. */
	out->st = TBR_ERR_DATA_CRC;
	out->next = base + resync(buf, len, off + 1, max_len);
}
