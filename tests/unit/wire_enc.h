/*
 * wire_enc.h — a tiny hand encoder of event records for unit tests, so the
 * reader's tests do not depend on the reader (or on tbfs-gen).
 */
#ifndef TBFS_WIRE_ENC_H
#define TBFS_WIRE_ENC_H

#include "tbr.h"

#include <stdint.h>
#include <string.h>

struct enc {
	uint8_t b[4096];
	size_t n;
};

static inline void enc_bytes(struct enc *e, const void *p, size_t n)
{
	memcpy(e->b + e->n, p, n);
	e->n += n;
}

static inline void enc_varint(struct enc *e, uint64_t v)
{
	while (v >= 0x80) {
		e->b[e->n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	e->b[e->n++] = (uint8_t)v;
}

static inline void enc_key(struct enc *e, unsigned field, unsigned wt)
{
	enc_varint(e, (uint64_t)field << 3 | wt);
}

static inline void enc_len(struct enc *e, unsigned field, const struct enc *sub)
{
	enc_key(e, field, 2);
	enc_varint(e, sub->n);
	enc_bytes(e, sub->b, sub->n);
}

static inline void enc_str(struct enc *e, unsigned field, const char *s)
{
	enc_key(e, field, 2);
	enc_varint(e, strlen(s));
	enc_bytes(e, s, strlen(s));
}

static inline void enc_head(struct enc *e, double wall, int64_t step)
{
	e->n = 0;
	enc_key(e, 1, 1);
	enc_bytes(e, &wall, 8);
	if (step) {
		enc_key(e, 2, 0);
		enc_varint(e, (uint64_t)step);
	}
}

/* Event{wall, step, summary{value{tag, simple_value}}} */
static inline void enc_scalar_event(struct enc *e, double wall, int64_t step,
				    const char *tag, float v)
{
	struct enc val = { .n = 0 }, sum = { .n = 0 };

	enc_str(&val, 1, tag);
	enc_key(&val, 2, 5);
	enc_bytes(&val, &v, 4);
	enc_len(&sum, 1, &val);
	enc_head(e, wall, step);
	enc_len(e, 5, &sum);
}

/* Event{wall, step, summary{value{tag, tensor, metadata{plugin}}}} with a
 * ready-made TensorProto body. */
static inline void enc_tensor_event(struct enc *e, double wall, int64_t step,
				    const char *tag, const struct enc *tensor,
				    const char *plugin)
{
	struct enc val = { .n = 0 }, sum = { .n = 0 }, md = { .n = 0 },
		   pd = { .n = 0 };

	enc_str(&val, 1, tag);
	enc_len(&val, 8, tensor);
	if (plugin) {
		enc_str(&pd, 1, plugin);
		enc_len(&md, 1, &pd);
		enc_len(&val, 9, &md);
	}
	enc_len(&sum, 1, &val);
	enc_head(e, wall, step);
	enc_len(e, 5, &sum);
}

static inline void enc_version_event(struct enc *e, double wall)
{
	enc_head(e, wall, 0);
	enc_str(e, 3, "brain.Event:2");
}

static inline void enc_session_log(struct enc *e, double wall, int64_t step,
				   int status)
{
	struct enc sl = { .n = 0 };

	enc_key(&sl, 1, 0);
	enc_varint(&sl, (uint64_t)status);
	enc_head(e, wall, step);
	enc_len(e, 7, &sl);
}

/* Frames @payload as a TFRecord into @out; returns the record size. */
static inline size_t enc_record(uint8_t *out, const void *payload, size_t n)
{
	uint64_t len = n;
	uint32_t c;

	memcpy(out, &len, 8);
	c = tbr_crc_mask(tbr_crc32c(out, 8));
	memcpy(out + 8, &c, 4);
	memcpy(out + 12, payload, n);
	c = tbr_crc_mask(tbr_crc32c(payload, n));
	memcpy(out + 12 + n, &c, 4);
	return n + 16;
}

#endif
