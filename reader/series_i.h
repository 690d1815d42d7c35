/*
 * series_i.h — the layout of a compressed scalar series and its append
 * fast path, inlined into the ingest loop (run.c): appending is a fifth of
 * the per-record cost, and a call into series.c per point measurably
 * slowed the reader (tests/bench/bench_reader). Private to the reader.
 */
#ifndef TBR_SERIES_I_H
#define TBR_SERIES_I_H

#include "tbr_i.h"

#define BLOCK_POINTS TBR_BLOCK_MAX
/* Worst case bytes one point can take: two 10-byte varints and a 9-byte
 * XOR word, with a margin. */
#define POINT_MAX 32

struct block {
	uint8_t *data;
	uint32_t len, cap;
	uint16_t count;
	uint8_t dtype;
	uint64_t start; /* index of the block's first point in the series */
	/* encoder state after the last point, to append without decoding */
	int64_t prev_step, prev_delta;
	uint64_t prev_time, prev_value;
};

struct tbr_series {
	size_t count;
	size_t nblocks, cap_blocks;
	struct block *blocks;
	uint64_t *orphaned; /* bitmap, NULL if none */
	size_t orphaned_words;
	uint32_t hint;      /* capacity for the next block */
	/* who is told of sealed blocks (tbr_options.on_block) */
	struct tbr_run *run;
	const struct tbr_tag *tag;
};

static inline uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline uint8_t *put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* XOR word of @nbytes (8 or 4): header byte then the middle bytes. The
 * 8-byte store may run past the significant bytes; the caller reserves
 * POINT_MAX bytes so that is always inside the buffer. */
static inline uint8_t *put_xor(uint8_t *p, uint64_t x, int nbytes)
{
	if (!x) {
		*p++ = (uint8_t)(nbytes << 4);
		return p;
	}
	int lz = __builtin_clzll(x) / 8 - (8 - nbytes);
	int tz = __builtin_ctzll(x) / 8;
	int mid = nbytes - lz - tz;

	*p++ = (uint8_t)(lz << 4 | tz);
	x >>= tz * 8;
	memcpy(p, &x, 8); /* little-endian hosts */
	return p + mid;
}

static inline uint64_t value_bits(const struct tbr_num *v)
{
	uint32_t b;

	switch (v->dtype) {
	case TBR_DT_F32:
	case TBR_DT_F16:
	case TBR_DT_BF16:
		memcpy(&b, &v->v.f32, 4);
		return b;
	case TBR_DT_F64: {
		uint64_t d;
		memcpy(&d, &v->v.f64, 8);
		return d;
	}
	case TBR_DT_U64:
		return v->v.u;
	default:
		return (uint64_t)v->v.i;
	}
}

static inline bool is_float(uint8_t dt)
{
	return dt == TBR_DT_F32 || dt == TBR_DT_F16 || dt == TBR_DT_BF16 ||
	       dt == TBR_DT_F64;
}

/* Encodes one point at the end of block @b, which has POINT_MAX bytes of
 * room, and advances the predictors. Shared by both append paths. */
static inline void block_put(struct tbr_series *s, struct block *b,
			     int64_t step, double wall_time,
			     const struct tbr_num *v)
{
	int64_t delta = (int64_t)((uint64_t)step - (uint64_t)b->prev_step);
	uint64_t tbits, vbits = value_bits(v);
	uint8_t *p = b->data + b->len;

	memcpy(&tbits, &wall_time, 8);
	p = put_varint(p, zigzag((int64_t)((uint64_t)delta -
					   (uint64_t)b->prev_delta)));
	p = put_xor(p, tbits ^ b->prev_time, 8);
	if (is_float(b->dtype))
		p = put_xor(p, vbits ^ b->prev_value,
			    b->dtype == TBR_DT_F64 ? 8 : 4);
	else
		p = put_varint(p, zigzag((int64_t)(vbits - b->prev_value)));
	b->len = (uint32_t)(p - b->data);
	b->count++;
	b->prev_step = step;
	b->prev_delta = delta;
	b->prev_time = tbits;
	b->prev_value = vbits;
	s->count++;
}

/* Appends like tbr_series_append when the point fits the open block (same
 * dtype, room left, no bitmap to grow); otherwise takes the slow path,
 * which opens or grows a block first. */
static inline tbr_status tbr_series_append_inline(struct tbr_series *s,
						  int64_t step,
						  double wall_time,
						  const struct tbr_num *v)
{
	struct block *b = s->nblocks ? &s->blocks[s->nblocks - 1] : NULL;

	if (!b || b->count >= BLOCK_POINTS || b->dtype != (uint8_t)v->dtype ||
	    b->len + POINT_MAX > b->cap || s->orphaned)
		return tbr_series_append(s, step, wall_time, v);
	block_put(s, b, step, wall_time, v);
	return TBR_OK;
}

#endif
