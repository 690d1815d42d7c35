/*
 * series.c — compressed, column-wise storage of one scalar series.
 *
 * Layer: reader. Points are grouped in blocks of up to 256; each block is
 * a byte string that decodes on its own (the predictors restart at zero),
 * so a random index costs one block of decoding. Per point:
 *  - step: zigzag varint of the delta of deltas (regular steps: 1 byte);
 *  - wall_time and float values: XOR with the previous bit pattern, in the
 *    spirit of Facebook's Gorilla, but byte-aligned for speed: one header
 *    byte (leading zero bytes << 4 | trailing zero bytes) then the
 *    significant bytes;
 *  - integer values: zigzag varint of the delta.
 * A block holds one value dtype; a dtype change starts a new block.
 * Orphaned points (TensorBoard's purge) are a lazily allocated bitmap.
 */
#include "run_i.h"
#include "series_i.h"

#include <stdlib.h>

struct tbr_series *tbr_series_new(struct tbr_run *run,
				  const struct tbr_tag *tag)
{
	struct tbr_series *s = calloc(1, sizeof(struct tbr_series));

	if (s) {
		s->hint = 256;
		s->run = run;
		s->tag = tag;
	}
	return s;
}

/* Block @b is final: tell whoever asked (its bytes stay put from now). */
static void block_sealed(const struct tbr_series *s, const struct block *b)
{
	const struct tbr_options *o = s->run ? &s->run->ld->opts : NULL;
	struct tbr_block pub;

	if (!o || !o->on_block)
		return;
	pub.data = b->data;
	pub.len = b->len;
	pub.first = (size_t)b->start;
	pub.count = b->count;
	pub.dtype = b->dtype;
	o->on_block(o->on_block_ud, s->run, s->tag, s->run->restarts, &pub);
}

void tbr_series_free(struct tbr_series *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nblocks; i++)
		free(s->blocks[i].data);
	free(s->blocks);
	free(s->orphaned);
	free(s);
}

size_t tbr_series_count(const struct tbr_series *s)
{
	return s->count;
}

static inline int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static inline const uint8_t *get_varint(const uint8_t *p, uint64_t *v)
{
	uint64_t r = 0;
	int shift = 0;

	while (*p & 0x80) {
		r |= (uint64_t)(*p++ & 0x7f) << shift;
		shift += 7;
	}
	*v = r | ((uint64_t)*p++ << shift);
	return p;
}

static inline const uint8_t *get_xor(const uint8_t *p, uint64_t *x,
				     int nbytes)
{
	int lz = *p >> 4, tz = *p & 15;
	int mid = nbytes - lz - tz;
	uint64_t v = 0;

	p++;
	for (int i = 0; i < mid; i++)
		v |= (uint64_t)p[i] << (8 * i);
	*x = v << (tz * 8);
	return p + mid;
}

static struct block *open_block(struct tbr_series *s, uint8_t dtype)
{
	struct block *b = s->nblocks ? &s->blocks[s->nblocks - 1] : NULL;

	if (b && b->count < BLOCK_POINTS && b->dtype == dtype)
		return b;
	if (b) {
		uint64_t h = (uint64_t)b->len * BLOCK_POINTS /
				     (b->count ? b->count : 1) + POINT_MAX * 4;
		s->hint = h > (1u << 16) ? (1u << 16) : (uint32_t)h;
	}
	if (b && b->len < b->cap) {
		/* a finished block keeps no spare capacity */
		uint8_t *nd = realloc(b->data, b->len ? b->len : 1);
		if (nd) {
			b->data = nd;
			b->cap = b->len;
		}
	}
	if (b)
		block_sealed(s, b);
	if (s->nblocks == s->cap_blocks) {
		size_t cap = s->cap_blocks ? s->cap_blocks * 2 : 4;
		struct block *nb = realloc(s->blocks, cap * sizeof(*nb));

		if (!nb)
			return NULL;
		s->blocks = nb;
		s->cap_blocks = cap;
	}
	b = &s->blocks[s->nblocks++];
	memset(b, 0, sizeof(*b));
	b->dtype = dtype;
	b->start = s->count;
	return b;
}


tbr_status tbr_series_append(struct tbr_series *s, int64_t step,
			     double wall_time, const struct tbr_num *v)
{
	struct block *b = open_block(s, (uint8_t)v->dtype);

	if (!b)
		return TBR_ERR_NOMEM;
	if (b->len + POINT_MAX > b->cap) {
		/* size a new block like the previous full one, so a block is
		 * allocated once and trimmed once */
		uint32_t cap = b->cap ? b->cap * 2 : s->hint;
		uint8_t *nd;

		if (cap < b->len + POINT_MAX)
			cap = b->len + POINT_MAX;
		nd = realloc(b->data, cap);
		if (!nd)
			return TBR_ERR_NOMEM;
		b->data = nd;
		b->cap = cap;
	}
	if (s->orphaned && s->count / 64 >= s->orphaned_words) {
		size_t words = s->orphaned_words * 2;
		uint64_t *no = realloc(s->orphaned, words * 8);

		if (!no)
			return TBR_ERR_NOMEM;
		memset(no + s->orphaned_words, 0,
		       (words - s->orphaned_words) * 8);
		s->orphaned = no;
		s->orphaned_words = words;
	}

	block_put(s, b, step, wall_time, v);
	return TBR_OK;
}

/* Decodes points [from, from+n) of block @b (block-relative indexes). */
static size_t block_read(const struct block *b, size_t from,
			 struct tbr_scalar *out, size_t n)
{
	const uint8_t *p = b->data;
	int64_t step = 0, delta = 0;
	uint64_t t = 0, val = 0, x;
	size_t got = 0;
	bool flt = is_float(b->dtype);
	int vbytes = b->dtype == TBR_DT_F64 ? 8 : 4;

	for (size_t i = 0; i < b->count && got < n; i++) {
		p = get_varint(p, &x);
		delta = (int64_t)((uint64_t)delta + (uint64_t)unzigzag(x));
		step = (int64_t)((uint64_t)step + (uint64_t)delta);
		p = get_xor(p, &x, 8);
		t ^= x;
		if (flt) {
			p = get_xor(p, &x, vbytes);
			val ^= x;
		} else {
			p = get_varint(p, &x);
			val += (uint64_t)unzigzag(x);
		}
		if (i < from)
			continue;

		struct tbr_scalar *o = &out[got++];
		uint32_t b32 = (uint32_t)val;

		o->step = step;
		memcpy(&o->wall_time, &t, 8);
		o->value.dtype = (tbr_dtype)b->dtype;
		o->orphaned = false;
		switch (b->dtype) {
		case TBR_DT_F32:
		case TBR_DT_F16:
		case TBR_DT_BF16:
			memcpy(&o->value.v.f32, &b32, 4);
			break;
		case TBR_DT_F64:
			memcpy(&o->value.v.f64, &val, 8);
			break;
		case TBR_DT_U64:
			o->value.v.u = val;
			break;
		default:
			o->value.v.i = (int64_t)val;
		}
	}
	return got;
}

size_t tbr_block_decode(const struct tbr_block *pub, struct tbr_scalar *out)
{
	struct block b = { .data = (uint8_t *)(uintptr_t)pub->data,
			   .len = (uint32_t)pub->len,
			   .count = (uint16_t)pub->count,
			   .dtype = pub->dtype };

	return block_read(&b, 0, out, pub->count);
}

/* Index of the block holding point @i (binary search on the starts:
 * blocks closed early by a dtype change are shorter than 256). */
static size_t find_block(const struct tbr_series *s, size_t i, size_t *first)
{
	size_t lo = 0, hi = s->nblocks;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->blocks[mid].start <= i)
			lo = mid;
		else
			hi = mid;
	}
	*first = s->nblocks ? (size_t)s->blocks[lo].start : 0;
	return lo;
}

size_t tbr_series_read(const struct tbr_series *s, size_t start,
		       struct tbr_scalar *out, size_t n)
{
	size_t got = 0, first;

	if (start >= s->count)
		return 0;
	if (n > s->count - start)
		n = s->count - start;
	size_t k = find_block(s, start, &first);
	size_t from = start - first;

	while (got < n && k < s->nblocks) {
		got += block_read(&s->blocks[k], from, out + got, n - got);
		from = 0;
		k++;
	}
	if (s->orphaned)
		for (size_t i = 0; i < got; i++) {
			size_t j = start + i;
			out[i].orphaned = (s->orphaned[j / 64] >> (j % 64)) & 1;
		}
	return got;
}

size_t tbr_series_orphan_from(struct tbr_series *s, int64_t step)
{
	struct tbr_scalar buf[BLOCK_POINTS];
	size_t marked = 0, idx = 0;

	for (size_t k = 0; k < s->nblocks; k++) {
		size_t n = block_read(&s->blocks[k], 0, buf, BLOCK_POINTS);

		for (size_t i = 0; i < n; i++, idx++) {
			if (buf[i].step < step)
				continue;
			if (!s->orphaned) {
				size_t words = s->count / 64 + 16;

				s->orphaned = calloc(words, 8);
				if (!s->orphaned)
					return marked;
				s->orphaned_words = words;
			}
			uint64_t bit = 1ull << (idx % 64);
			if (!(s->orphaned[idx / 64] & bit)) {
				s->orphaned[idx / 64] |= bit;
				marked++;
			}
		}
	}
	return marked;
}

size_t tbr_series_memory(const struct tbr_series *s)
{
	size_t n = sizeof(*s) + s->cap_blocks * sizeof(struct block) +
		   s->orphaned_words * 8;

	for (size_t k = 0; k < s->nblocks; k++)
		n += s->blocks[k].cap;
	return n;
}

void tbr_series_compact(struct tbr_series *s)
{
	if (s->nblocks) {
		struct block *b = &s->blocks[s->nblocks - 1];
		if (b->len && b->len < b->cap) {
			uint8_t *nd = realloc(b->data, b->len);
			if (nd) {
				b->data = nd;
				b->cap = b->len;
			}
		}
	}
	if (s->nblocks && s->nblocks < s->cap_blocks) {
		struct block *nb = realloc(s->blocks,
					   s->nblocks * sizeof(*nb));
		if (nb) {
			s->blocks = nb;
			s->cap_blocks = s->nblocks;
		}
	}
}
