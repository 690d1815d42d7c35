/*
 * tbr_i.h — private declarations shared by the reader's modules.
 * Nothing here is visible to fs/ or to users of tbr.h.
 */
#ifndef TBR_I_H
#define TBR_I_H

#include "tbr.h"

#include <stdio.h>
#include <string.h>

#define TBR_DEFAULT_MAX_RECORD (256u << 20)
#define TBR_HEADER_BYTES 12 /* u64 length + u32 masked crc */
#define TBR_FOOTER_BYTES 4  /* u32 masked crc of the payload */

static inline uint64_t tbr_load_u64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v; /* little-endian hosts only (x86, ARM): see meson.build */
}

static inline uint32_t tbr_load_u32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* ------------------------------------------------------------- framing.c */

/* Outcome of looking at the stream at one position. */
struct tbr_frame {
	tbr_status st;       /* TBR_OK, TBR_END, TBR_ERR_* */
	uint64_t payload;    /* offset of the payload (TBR_OK) */
	uint64_t length;     /* payload length (TBR_OK) */
	uint64_t next;       /* where to continue after this outcome */
};

/* Examines the record at @pos of the buffer @buf (stream offsets start at
 * @base; the buffer holds [base, base+len)). @at_eof says whether bytes past
 * the buffer may still come. On TBR_ERR_TRUNCATED nothing is consumed
 * (next == pos) unless a complete, valid record was found further on, in
 * which case the partial one is skipped (st = TBR_ERR_TRUNCATED, next = the
 * good record). On TBR_ERR_LENGTH_CRC / DATA_CRC / TOO_LARGE, next is the
 * next plausible record header found by resynchronising (or the end of the
 * scanned region, which then needs more bytes). */
void tbr_frame_next(const uint8_t *buf, uint64_t base, size_t len,
		    uint64_t pos, uint64_t max_len, bool at_eof,
		    struct tbr_frame *out);

/* The one definition of a good record: complete in the window, length
 * within the cap, both checksums right. Fills @fr (TBR_OK) and returns
 * true; false otherwise, leaving @fr alone. Inline because the walk calls
 * it once per record before falling back to tbr_frame_next. */
static inline bool tbr_frame_good(const uint8_t *buf, uint64_t base,
				  size_t len, uint64_t pos, uint64_t max_len,
				  struct tbr_frame *fr)
{
	size_t off = (size_t)(pos - base), avail = len - off;
	const uint8_t *h = buf + off;
	uint64_t l;

	if (avail < TBR_HEADER_BYTES + TBR_FOOTER_BYTES)
		return false;
	l = tbr_load_u64(h);
	if (l > max_len || l > avail - TBR_HEADER_BYTES - TBR_FOOTER_BYTES ||
	    tbr_crc_mask(tbr_crc32c(h, 8)) != tbr_load_u32(h + 8) ||
	    tbr_crc_mask(tbr_crc32c(h + TBR_HEADER_BYTES, l)) !=
		    tbr_load_u32(h + TBR_HEADER_BYTES + l))
		return false;
	fr->st = TBR_OK;
	fr->payload = pos + TBR_HEADER_BYTES;
	fr->length = l;
	fr->next = pos + TBR_HEADER_BYTES + l + TBR_FOOTER_BYTES;
	return true;
}

/* -------------------------------------------------------------- decode.c */

struct tbr_tensor_info {
	bool present;
	int dtype;
	int rank;
	int64_t dims[2];
	int64_t elements;     /* product of dims; 1 for rank 0 */
	size_t strings;       /* string_val occurrences */
	bool has_number;      /* a first numeric element was found */
	struct tbr_num number;
};

/* One Summary.Value as the scanner sees it, before classification. */
struct tbr_raw_value {
	const char *tag;
	size_t tag_len;
	int oneof;            /* Summary.Value field number of the value, 0 */
	float simple_value;
	const char *plugin;   /* from metadata on this value, else NULL */
	size_t plugin_len;
	struct tbr_tensor_info tensor;
	uint32_t index;       /* position inside the Summary */
	bool has_blob_len;    /* TF1 Image / Audio: encoded bytes' length */
	uint64_t blob_len;
};

struct tbr_raw_event {
	double wall_time;
	int64_t step;
	tbr_event_what what;
	const uint8_t *file_version;
	size_t file_version_len;
	int session_status;
	size_t nvalues;
	size_t cap;
	struct tbr_raw_value *values; /* grown with realloc, reused */
};

/* Decodes an Event payload with the hand-written wire scanner. Returns
 * TBR_OK or TBR_ERR_DECODE / TBR_ERR_NOMEM. */
tbr_status tbr_decode_event(const uint8_t *p, size_t n,
			    struct tbr_raw_event *ev);
/* The same with protobuf-c (slower; cross-check and benchmark). */
tbr_status tbr_decode_event_pbc(const uint8_t *p, size_t n,
				struct tbr_raw_event *ev);
void tbr_raw_event_free(struct tbr_raw_event *ev);

/* Kind and item count of a value given the plugin that applies to its tag
 * (its own metadata, else the first-seen one; may be "" ). */
tbr_kind tbr_classify(const struct tbr_raw_value *v, const char *plugin,
		      size_t plugin_len, size_t *items, struct tbr_num *num,
		      bool *is_scalar);
float tbr_half_to_float(uint16_t h);
/* A 16-bit float pattern as stored in half_val (or tensor_content): IEEE
 * half, or bfloat16 when @bf16. Values above 0xffff are float32 bits
 * (PyTorch's writer) and set *@was_f32. */
float tbr_half_bits_to_float(uint32_t bits, bool bf16, bool *was_f32);

/* -------------------------------------------------------------- strmap.c */

/* Open-addressing map from byte strings to uint32 values. Keys are copied. */
struct tbr_strmap {
	size_t cap, count;
	struct tbr_strmap_slot *slots;
};
bool tbr_strmap_get(const struct tbr_strmap *m, const char *key, size_t len,
		    uint32_t extra, uint32_t *val);
tbr_status tbr_strmap_put(struct tbr_strmap *m, const char *key, size_t len,
			  uint32_t extra, uint32_t val);
void tbr_strmap_clear(struct tbr_strmap *m);
size_t tbr_strmap_memory(const struct tbr_strmap *m);
uint64_t tbr_hash(const void *data, size_t len, uint32_t extra);

/* -------------------------------------------------------------- series.c */

/* Column-wise, losslessly compressed scalar points (see series.c). */
struct tbr_series;
/* A series of @tag of @run, whose sealed blocks are reported to the
 * logdir's tbr_options.on_block. */
struct tbr_series *tbr_series_new(struct tbr_run *run,
				  const struct tbr_tag *tag);
void tbr_series_free(struct tbr_series *s);
tbr_status tbr_series_append(struct tbr_series *s, int64_t step,
			     double wall_time, const struct tbr_num *v);
size_t tbr_series_count(const struct tbr_series *s);
size_t tbr_series_read(const struct tbr_series *s, size_t start,
		       struct tbr_scalar *out, size_t n);
/* Marks every point with step >= @step as orphaned; returns how many
 * became orphaned. */
size_t tbr_series_orphan_from(struct tbr_series *s, int64_t step);
size_t tbr_series_memory(const struct tbr_series *s);
/* Shrinks spare capacity (after a bulk load). */
void tbr_series_compact(struct tbr_series *s);

/* ---------------------------------------------------------------- file.c */

/* Reads the stream of an event file from @offset on in chunks, inflating
 * gzip transparently, and calls @fn for each chunk. See run.c. */

/* --------------------------------------------------------------- payload */
struct tbr_payload *tbr_payload_from_value(const uint8_t *event, size_t n,
					   uint32_t value_index,
					   tbr_kind kind, tbr_status *st);

#endif /* TBR_I_H */
