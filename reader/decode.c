/*
 * decode.c — Event payloads to raw values, and classification into kinds.
 *
 * Layer: reader. Two decoders produce the same struct tbr_raw_event:
 *  - tbr_decode_event: a hand-written wire scanner that touches only the
 *    fields the index needs (tag, scalar value, plugin name, tensor shape).
 *    It allocates nothing per record, which is what lets the reader keep
 *    up with ~15 M scalar records/s (tests/bench/bench_reader).
 *  - tbr_decode_event_pbc: protobuf-c's generic unpacker, kept as the
 *    reference; a unit test checks both agree on every fixture.
 * Unknown fields are skipped by wire type; a known field with the wrong
 * wire type fails the record, as protobuf-c does.
 */
#include "tbr_i.h"
#include "tbfs.pb-c.h"

#include <math.h>
#include <stdlib.h>

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

/* Inlined everywhere in this file: varints are most of the bytes. */
static inline __attribute__((always_inline)) bool
varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t r = 0;

	/* one- and two-byte fast paths: keys, lengths, steps < 16384 */
	if (p < end && !(*p & 0x80)) {
		*v = *p;
		*pp = p + 1;
		return true;
	}
	if (end - p >= 2 && !(p[1] & 0x80)) {
		*v = (uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7;
		*pp = p + 2;
		return true;
	}
	if (end - p >= 3 && !(p[2] & 0x80)) {
		*v = (uint64_t)(p[0] & 0x7f) | (uint64_t)(p[1] & 0x7f) << 7 |
		     (uint64_t)p[2] << 14;
		*pp = p + 3;
		return true;
	}

	for (int shift = 0; shift < 70 && p < end; shift += 7) {
		uint8_t b = *p++;

		if (shift == 63 && b > 1)
			return false; /* more than 64 bits */
		r |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*pp = p;
			*v = r;
			return true;
		}
	}
	return false;
}

static inline bool wire_len(const uint8_t **p, const uint8_t *end,
		     const uint8_t **sub, size_t *n)
{
	uint64_t l;

	if (!varint(p, end, &l) || l > (uint64_t)(end - *p))
		return false;
	*sub = *p;
	*n = (size_t)l;
	*p += l;
	return true;
}

static bool wire_skip(const uint8_t **p, const uint8_t *end, unsigned wt)
{
	uint64_t v;
	const uint8_t *s;
	size_t n;

	switch (wt) {
	case WT_VARINT:
		return varint(p, end, &v);
	case WT_I64:
		if (end - *p < 8)
			return false;
		*p += 8;
		return true;
	case WT_LEN:
		return wire_len(p, end, &s, &n);
	case WT_I32:
		if (end - *p < 4)
			return false;
		*p += 4;
		return true;
	default:
		return false; /* groups (3, 4) never appear in these protos */
	}
}

/* Reads one key; false at a malformed key or field number 0. */
static inline bool wire_key(const uint8_t **p, const uint8_t *end, uint32_t *field,
		     unsigned *wt)
{
	uint64_t k;

	if (!varint(p, end, &k) || (k >> 3) == 0 || (k >> 3) > 0x1fffffff)
		return false;
	*field = (uint32_t)(k >> 3);
	*wt = (unsigned)(k & 7);
	return true;
}

float tbr_half_bits_to_float(uint32_t bits, bool bf16, bool *was_f32)
{
	float f;

	*was_f32 = bits > 0xffff;
	if (*was_f32) {
		/* PyTorch stores the float32 bit pattern in half_val
		 * (wire-format.md §4): keep it as the float it is. */
		memcpy(&f, &bits, 4);
	} else if (!bf16) {
		f = tbr_half_to_float((uint16_t)bits);
	} else {
		bits <<= 16; /* bfloat16: the top half of a float32 */
		memcpy(&f, &bits, 4);
	}
	return f;
}

float tbr_half_to_float(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16;
	uint32_t exp = (h >> 10) & 0x1f;
	uint32_t mant = h & 0x3ff;
	uint32_t bits;
	float f;

	if (exp == 0) {
		/* zero or subnormal: exact as a float32 */
		f = ldexpf((float)mant, -24);
		return sign ? -f : f;
	}
	if (exp == 31)
		bits = sign | 0x7f800000u | (mant << 13);
	else
		bits = sign | ((exp + 112) << 23) | (mant << 13);
	memcpy(&f, &bits, 4);
	return f;
}

/* ---------------------------------------------------------------- tensor */

/* Scalars: keep the first element of whichever typed field shows up, then
 * choose by dtype once the whole tensor is seen. */
struct tensor_scan {
	const uint8_t *content;
	size_t content_len;
	bool has_f32, has_f64, has_int, has_i64, has_bool, has_half, has_u32,
		has_u64;
	float f32;
	double f64;
	uint64_t iv, i64, bv, half, u32, u64;
};

/* First element of a repeated numeric field, packed or not. */
static bool first_elem(const uint8_t **p, const uint8_t *end, unsigned wt,
		       unsigned elem_wt, bool *has, uint64_t *out)
{
	const uint8_t *s;
	size_t n;
	uint64_t v = 0;

	if (wt == WT_LEN) {
		if (!wire_len(p, end, &s, &n))
			return false;
		if (n == 0 || *has)
			return true;
		const uint8_t *q = s, *qe = s + n;
		if (elem_wt == WT_VARINT) {
			if (!varint(&q, qe, &v))
				return false;
		} else if (elem_wt == WT_I32) {
			if (n < 4)
				return false;
			v = tbr_load_u32(q);
		} else {
			if (n < 8)
				return false;
			v = tbr_load_u64(q);
		}
	} else if (wt == elem_wt) {
		if (elem_wt == WT_VARINT) {
			if (!varint(p, end, &v))
				return false;
		} else if (elem_wt == WT_I32) {
			if (end - *p < 4)
				return false;
			v = tbr_load_u32(*p);
			*p += 4;
		} else {
			if (end - *p < 8)
				return false;
			v = tbr_load_u64(*p);
			*p += 8;
		}
		if (*has)
			return true;
	} else {
		return false;
	}
	*has = true;
	*out = v;
	return true;
}

static bool scan_shape(const uint8_t *p, const uint8_t *end,
		       struct tbr_tensor_info *t)
{
	uint32_t f;
	unsigned wt;

	t->rank = 0;
	t->elements = 1;
	while (p < end) {
		if (!wire_key(&p, end, &f, &wt))
			return false;
		if (f == 2 && wt == WT_LEN) {
			const uint8_t *d, *de;
			size_t n;
			int64_t size = 0;

			if (!wire_len(&p, end, &d, &n))
				return false;
			de = d + n;
			while (d < de) {
				uint32_t df;
				unsigned dwt;
				uint64_t v;

				if (!wire_key(&d, de, &df, &dwt))
					return false;
				if (df == 1 && dwt == WT_VARINT) {
					if (!varint(&d, de, &v))
						return false;
					size = (int64_t)v;
				} else if (df == 1 || (df == 2 && dwt != WT_LEN)) {
					return false;
				} else if (!wire_skip(&d, de, dwt)) {
					return false;
				}
			}
			if (t->rank < 2)
				t->dims[t->rank] = size;
			t->rank++;
			if (size < 0 || t->elements < 0)
				t->elements = -1;
			else if (size != 0 && t->elements > INT64_MAX / size)
				t->elements = -1;
			else
				t->elements *= size;
		} else if (f == 2 || (f == 3 && wt != WT_VARINT)) {
			return false;
		} else if (!wire_skip(&p, end, wt)) {
			return false;
		}
	}
	return true;
}

static void tensor_number(struct tbr_tensor_info *t,
			  const struct tensor_scan *s)
{
	struct tbr_num *n = &t->number;
	bool was_f32;
	const uint8_t *c = s->content;
	size_t cl = s->content_len;
	uint32_t u32;
	uint16_t u16;

	t->has_number = true;
	memset(n, 0, sizeof(*n));
	switch (t->dtype) {
	case 1: /* DT_FLOAT */
		n->dtype = TBR_DT_F32;
		if (cl >= 4)
			memcpy(&n->v.f32, c, 4);
		else if (s->has_f32)
			n->v.f32 = s->f32;
		break;
	case 2: /* DT_DOUBLE */
		n->dtype = TBR_DT_F64;
		if (cl >= 8)
			memcpy(&n->v.f64, c, 8);
		else if (s->has_f64)
			n->v.f64 = s->f64;
		break;
	case 3: /* DT_INT32 */
		n->dtype = TBR_DT_I32;
		if (cl >= 4) {
			int32_t v;
			memcpy(&v, c, 4);
			n->v.i = v;
		} else if (s->has_int) {
			n->v.i = (int32_t)(uint32_t)s->iv;
		}
		break;
	case 4: /* DT_UINT8 */
	case 6: /* DT_INT8 */
		n->dtype = TBR_DT_I32;
		if (cl >= 1)
			n->v.i = t->dtype == 4 ? (int64_t)c[0] : (int64_t)(int8_t)c[0];
		else if (s->has_int)
			n->v.i = (int32_t)(uint32_t)s->iv;
		break;
	case 5: /* DT_INT16 */
	case 17: /* DT_UINT16 */
		n->dtype = TBR_DT_I32;
		if (cl >= 2) {
			memcpy(&u16, c, 2);
			n->v.i = t->dtype == 17 ? (int64_t)u16 : (int64_t)(int16_t)u16;
		} else if (s->has_int) {
			n->v.i = (int32_t)(uint32_t)s->iv;
		}
		break;
	case 9: /* DT_INT64 */
		n->dtype = TBR_DT_I64;
		if (cl >= 8)
			memcpy(&n->v.i, c, 8);
		else if (s->has_i64)
			n->v.i = (int64_t)s->i64;
		break;
	case 10: /* DT_BOOL */
		n->dtype = TBR_DT_BOOL;
		if (cl >= 1)
			n->v.i = c[0] != 0;
		else if (s->has_bool)
			n->v.i = s->bv != 0;
		break;
	case 19: /* DT_HALF */
	case 14: /* DT_BFLOAT16 */
		n->dtype = t->dtype == 19 ? TBR_DT_F16 : TBR_DT_BF16;
		u32 = 0;
		if (cl >= 2) {
			memcpy(&u16, c, 2);
			u32 = u16;
		} else if (s->has_half) {
			u32 = (uint32_t)s->half;
		}
		n->v.f32 = tbr_half_bits_to_float(u32, t->dtype == 14, &was_f32);
		if (was_f32)
			n->dtype = TBR_DT_F32;
		break;
	case 22: /* DT_UINT32 */
		n->dtype = TBR_DT_I64;
		if (cl >= 4) {
			memcpy(&u32, c, 4);
			n->v.i = u32;
		} else if (s->has_u32) {
			n->v.i = (uint32_t)s->u32;
		}
		break;
	case 23: /* DT_UINT64 */
		n->dtype = TBR_DT_U64;
		if (cl >= 8)
			memcpy(&n->v.u, c, 8);
		else if (s->has_u64)
			n->v.u = s->u64;
		break;
	default:
		t->has_number = false;
	}
}

static bool scan_tensor(const uint8_t *p, const uint8_t *end,
			struct tbr_tensor_info *t)
{
	struct tensor_scan s;
	uint32_t f;
	unsigned wt;
	uint64_t v;
	bool ok = true;

	memset(&s, 0, sizeof(s));
	memset(t, 0, sizeof(*t));
	t->present = true;
	t->elements = 1;
	while (p < end && ok) {
		const uint8_t *sub;
		size_t n;

		if (!wire_key(&p, end, &f, &wt))
			return false;
		switch (f) {
		case 1:
			if (wt != WT_VARINT || !varint(&p, end, &v))
				return false;
			t->dtype = (int)(int32_t)v;
			break;
		case 2:
			if (wt != WT_LEN || !wire_len(&p, end, &sub, &n) ||
			    !scan_shape(sub, sub + n, t))
				return false;
			break;
		case 4:
			if (wt != WT_LEN || !wire_len(&p, end, &sub, &n))
				return false;
			s.content = sub;
			s.content_len = n;
			break;
		case 5: {
			bool had = s.has_f32;

			ok = first_elem(&p, end, wt, WT_I32, &s.has_f32, &v);
			if (ok && !had && s.has_f32) {
				uint32_t b = (uint32_t)v;
				memcpy(&s.f32, &b, 4);
			}
			break;
		}
		case 6: {
			bool had = s.has_f64;

			ok = first_elem(&p, end, wt, WT_I64, &s.has_f64, &v);
			if (ok && !had && s.has_f64)
				memcpy(&s.f64, &v, 8);
			break;
		}
		case 7:
			ok = first_elem(&p, end, wt, WT_VARINT, &s.has_int, &s.iv);
			break;
		case 8:
			if (wt != WT_LEN || !wire_len(&p, end, &sub, &n))
				return false;
			t->strings++;
			break;
		case 10:
			ok = first_elem(&p, end, wt, WT_VARINT, &s.has_i64, &s.i64);
			break;
		case 11:
			ok = first_elem(&p, end, wt, WT_VARINT, &s.has_bool, &s.bv);
			break;
		case 13:
			ok = first_elem(&p, end, wt, WT_VARINT, &s.has_half, &s.half);
			break;
		case 16:
			ok = first_elem(&p, end, wt, WT_VARINT, &s.has_u32, &s.u32);
			break;
		case 17:
			ok = first_elem(&p, end, wt, WT_VARINT, &s.has_u64, &s.u64);
			break;
		case 3:
			if (wt != WT_VARINT)
				return false;
			/* fall through */
		default:
			ok = wire_skip(&p, end, wt);
		}
	}
	if (!ok)
		return false;
	if (t->elements == 1)
		tensor_number(t, &s);
	return true;
}

/* ----------------------------------------------------------------- value */

static bool scan_metadata(const uint8_t *p, const uint8_t *end,
			  struct tbr_raw_value *rv)
{
	uint32_t f;
	unsigned wt;

	while (p < end) {
		const uint8_t *sub;
		size_t n;

		if (!wire_key(&p, end, &f, &wt))
			return false;
		if (f == 1) {
			if (wt != WT_LEN || !wire_len(&p, end, &sub, &n))
				return false;
			const uint8_t *q = sub, *qe = sub + n;
			while (q < qe) {
				const uint8_t *s2;
				size_t n2;

				if (!wire_key(&q, qe, &f, &wt))
					return false;
				if (f == 1 || f == 2) {
					if (wt != WT_LEN ||
					    !wire_len(&q, qe, &s2, &n2))
						return false;
					if (f == 1) {
						rv->plugin = (const char *)s2;
						rv->plugin_len = n2;
					}
				} else if (!wire_skip(&q, qe, wt)) {
					return false;
				}
			}
		} else if ((f == 2 || f == 3) && wt != WT_LEN) {
			return false;
		} else if (f == 4 && wt != WT_VARINT) {
			return false;
		} else if (!wire_skip(&p, end, wt)) {
			return false;
		}
	}
	return true;
}

/* Length of field 4 (bytes) of a Summary.Image or Summary.Audio. */
static bool blob_field_len(const uint8_t *p, const uint8_t *end,
			   uint64_t *len, bool *found)
{
	uint32_t f;
	unsigned wt;

	*len = 0;
	*found = true; /* absent: empty bytes (proto3 default) */
	while (p < end) {
		const uint8_t *sub;
		size_t n;

		if (!wire_key(&p, end, &f, &wt))
			return false;
		if (f == 4 && wt == WT_LEN) {
			if (!wire_len(&p, end, &sub, &n))
				return false;
			*len = n; /* the last one wins, as in protobuf */
		} else if (!wire_skip(&p, end, wt)) {
			return false;
		}
	}
	return true;
}

static bool scan_value(const uint8_t *p, const uint8_t *end,
		       struct tbr_raw_value *rv)
{
	uint32_t f;
	unsigned wt;

	while (p < end) {
		const uint8_t *sub;
		size_t n;

		if (!wire_key(&p, end, &f, &wt))
			return false;
		switch (f) {
		case 1:
			if (wt != WT_LEN || !wire_len(&p, end, &sub, &n))
				return false;
			rv->tag = (const char *)sub;
			rv->tag_len = n;
			break;
		case 2:
			if (wt != WT_I32 || end - p < 4)
				return false;
			memcpy(&rv->simple_value, p, 4);
			p += 4;
			rv->oneof = 2;
			break;
		case 3: case 4: case 5: case 6: case 7:
			if (wt != WT_LEN || !wire_len(&p, end, &sub, &n))
				return false;
			if (f != 7)
				rv->oneof = (int)f;
			/* Image and Audio keep their bytes in field 4: note
			 * the length, so listings need not load them. */
			rv->has_blob_len = false;
			if ((f == 4 || f == 6) &&
			    !blob_field_len(sub, sub + n, &rv->blob_len,
					    &rv->has_blob_len))
				return false;
			break;
		case 8:
			if (wt != WT_LEN || !wire_len(&p, end, &sub, &n) ||
			    !scan_tensor(sub, sub + n, &rv->tensor))
				return false;
			rv->oneof = 8;
			break;
		case 9:
			if (wt != WT_LEN || !wire_len(&p, end, &sub, &n) ||
			    !scan_metadata(sub, sub + n, rv))
				return false;
			break;
		default:
			if (!wire_skip(&p, end, wt))
				return false;
		}
	}
	if (rv->oneof != 8)
		rv->tensor.present = false;
	return true;
}

static struct tbr_raw_value *new_value(struct tbr_raw_event *ev)
{
	if (ev->nvalues == ev->cap) {
		size_t cap = ev->cap ? ev->cap * 2 : 8;
		struct tbr_raw_value *nv;

		nv = realloc(ev->values, cap * sizeof(*nv));
		if (!nv)
			return NULL;
		ev->values = nv;
		ev->cap = cap;
	}
	struct tbr_raw_value *rv = &ev->values[ev->nvalues];
	/* only what scan_value may leave unset (the struct is large) */
	rv->oneof = 0;
	rv->plugin = NULL;
	rv->plugin_len = 0;
	rv->tensor.present = false;
	rv->has_blob_len = false;
	rv->tag_len = 0;
	rv->tag = "";
	rv->index = (uint32_t)ev->nvalues;
	ev->nvalues++;
	return rv;
}

static tbr_status scan_summary(const uint8_t *p, const uint8_t *end,
			       struct tbr_raw_event *ev)
{
	uint32_t f;
	unsigned wt;

	while (p < end) {
		const uint8_t *sub;
		size_t n;

		if (!wire_key(&p, end, &f, &wt))
			return TBR_ERR_DECODE;
		if (f == 1) {
			struct tbr_raw_value *rv;

			if (wt != WT_LEN || !wire_len(&p, end, &sub, &n))
				return TBR_ERR_DECODE;
			rv = new_value(ev);
			if (!rv)
				return TBR_ERR_NOMEM;
			if (!scan_value(sub, sub + n, rv))
				return TBR_ERR_DECODE;
		} else if (!wire_skip(&p, end, wt)) {
			return TBR_ERR_DECODE;
		}
	}
	return TBR_OK;
}

static void event_reset(struct tbr_raw_event *ev)
{
	ev->wall_time = 0;
	ev->step = 0;
	ev->what = TBR_WHAT_NONE;
	ev->file_version = NULL;
	ev->file_version_len = 0;
	ev->session_status = 0;
	ev->nvalues = 0;
}

/* The shape most records have (TF1 and PyTorch add_scalar): wall_time,
 * step, and a Summary with one simple_value. Matched byte by byte; any
 * deviation falls back to the general scanner, which gives the same
 * result. Returns false when the record is not of this shape. */
static inline bool decode_simple_scalar(const uint8_t *p, size_t n,
					struct tbr_raw_event *ev)
{
	const uint8_t *end = p + n, *q = p;
	uint64_t step = 0, slen, vlen, tlen;

	if (n < 9 + 2 + 2 + 2 + 5 || q[0] != 0x09)
		return false;
	q += 9;
	if (*q == 0x10) {
		q++;
		if (!varint(&q, end, &step))
			return false;
	}
	if (end - q < 2 || *q++ != 0x2a || !varint(&q, end, &slen) ||
	    slen != (uint64_t)(end - q))
		return false;
	if (end - q < 2 || *q++ != 0x0a || !varint(&q, end, &vlen) ||
	    vlen != (uint64_t)(end - q))
		return false;
	if (end - q < 2 || *q++ != 0x0a || !varint(&q, end, &tlen) ||
	    tlen + 5 != (uint64_t)(end - q) || q[tlen] != 0x15)
		return false;
	if (!ev->cap) {
		ev->values = malloc(8 * sizeof(*ev->values));
		if (!ev->values)
			return false;
		ev->cap = 8;
	}
	struct tbr_raw_value *rv = &ev->values[0];
	memcpy(&ev->wall_time, p + 1, 8);
	ev->step = (int64_t)step;
	ev->what = TBR_WHAT_SUMMARY;
	ev->nvalues = 1;
	ev->file_version = NULL;
	ev->file_version_len = 0;
	ev->session_status = 0;
	rv->tag = (const char *)q;
	rv->tag_len = (size_t)tlen;
	rv->oneof = 2;
	memcpy(&rv->simple_value, q + tlen + 1, 4);
	rv->plugin = NULL;
	rv->plugin_len = 0;
	rv->tensor.present = false;
	rv->index = 0;
	return true;
}

tbr_status tbr_decode_event(const uint8_t *p, size_t n,
			    struct tbr_raw_event *ev)
{
	const uint8_t *end = p + n;
	uint32_t f;
	unsigned wt;
	uint64_t v;
	tbr_status st;

	if (decode_simple_scalar(p, n, ev))
		return TBR_OK;
	event_reset(ev);
	while (p < end) {
		const uint8_t *sub;
		size_t sn;

		if (!wire_key(&p, end, &f, &wt))
			return TBR_ERR_DECODE;
		switch (f) {
		case 1:
			if (wt != WT_I64 || end - p < 8)
				return TBR_ERR_DECODE;
			memcpy(&ev->wall_time, p, 8);
			p += 8;
			break;
		case 2:
			if (wt != WT_VARINT || !varint(&p, end, &v))
				return TBR_ERR_DECODE;
			ev->step = (int64_t)v;
			break;
		case 3: case 4: case 5: case 6: case 7: case 8: case 9:
		case 10:
			if (wt != WT_LEN || !wire_len(&p, end, &sub, &sn))
				return TBR_ERR_DECODE;
			if (f == 10)
				break;
			if (ev->what == TBR_WHAT_SUMMARY && f != 5)
				ev->nvalues = 0; /* another oneof member wins */
			ev->what = (tbr_event_what)(f - 2);
			if (f == 3) {
				ev->file_version = sub;
				ev->file_version_len = sn;
			} else if (f == 5) {
				st = scan_summary(sub, sub + sn, ev);
				if (st != TBR_OK)
					return st;
			} else if (f == 7) {
				const uint8_t *q = sub, *qe = sub + sn;

				ev->session_status = 0;
				while (q < qe) {
					uint32_t sf;
					unsigned swt;

					if (!wire_key(&q, qe, &sf, &swt))
						return TBR_ERR_DECODE;
					if (sf == 1) {
						if (swt != WT_VARINT ||
						    !varint(&q, qe, &v))
							return TBR_ERR_DECODE;
						ev->session_status = (int)(int32_t)v;
					} else if ((sf == 2 || sf == 3) && swt != WT_LEN) {
						return TBR_ERR_DECODE;
					} else if (!wire_skip(&q, qe, swt)) {
						return TBR_ERR_DECODE;
					}
				}
			}
			break;
		default:
			if (!wire_skip(&p, end, wt))
				return TBR_ERR_DECODE;
		}
	}
	return TBR_OK;
}

void tbr_raw_event_free(struct tbr_raw_event *ev)
{
	if (!ev)
		return;
	free(ev->values);
	ev->values = NULL;
	ev->cap = ev->nvalues = 0;
}

/* ------------------------------------------------------------ protobuf-c */

/* Re-encodes what the scanner would have taken from a tensor, from the
 * unpacked message, by packing the TensorProto again and scanning it: the
 * point is to exercise protobuf-c's parsing, not to duplicate
 * tensor_number. The packed bytes live in a thread-local scratch. */
static tbr_status pbc_tensor(const Tbfs__TensorProto *tp,
			     struct tbr_tensor_info *t)
{
	static _Thread_local uint8_t *buf;
	static _Thread_local size_t cap;
	size_t n = tbfs__tensor_proto__get_packed_size(tp);

	if (n > cap) {
		uint8_t *nb = realloc(buf, n);
		if (!nb)
			return TBR_ERR_NOMEM;
		buf = nb;
		cap = n;
	}
	tbfs__tensor_proto__pack(tp, buf);
	return scan_tensor(buf, buf + n, t) ? TBR_OK : TBR_ERR_DECODE;
}

tbr_status tbr_decode_event_pbc(const uint8_t *p, size_t n,
				struct tbr_raw_event *ev)
{
	Tbfs__Event *e = tbfs__event__unpack(NULL, n, p);
	tbr_status st = TBR_OK;

	event_reset(ev);
	if (!e)
		return TBR_ERR_DECODE;
	ev->wall_time = e->wall_time;
	ev->step = e->step;
	switch (e->what_case) {
	case TBFS__EVENT__WHAT_FILE_VERSION:
		ev->what = TBR_WHAT_FILE_VERSION;
		/* point into the payload, like the scanner (the message dies) */
		ev->file_version_len = strlen(e->file_version);
		ev->file_version = memmem(p, n, e->file_version,
					  ev->file_version_len);
		if (!ev->file_version)
			ev->file_version = (const uint8_t *)"";
		break;
	case TBFS__EVENT__WHAT_GRAPH_DEF:
		ev->what = TBR_WHAT_GRAPH_DEF;
		break;
	case TBFS__EVENT__WHAT_SUMMARY:
		ev->what = TBR_WHAT_SUMMARY;
		for (size_t i = 0; i < e->summary->n_value; i++) {
			Tbfs__Summary__Value *v = e->summary->value[i];
			struct tbr_raw_value *rv = new_value(ev);

			if (!rv) {
				st = TBR_ERR_NOMEM;
				goto out;
			}
			/* Borrow the tag from the payload so pointers outlive
			 * the unpacked message, as the scanner's do. */
			rv->tag_len = strlen(v->tag);
			rv->tag = rv->tag_len ? memmem(p, n, v->tag, rv->tag_len) : "";
			if (!rv->tag)
				rv->tag = "";
			if (v->metadata && v->metadata->plugin_data) {
				const char *pn = v->metadata->plugin_data->plugin_name;
				rv->plugin_len = strlen(pn);
				rv->plugin = rv->plugin_len ? memmem(p, n, pn, rv->plugin_len) : "";
			}
			switch (v->value_case) {
			case TBFS__SUMMARY__VALUE__VALUE_SIMPLE_VALUE:
				rv->oneof = 2;
				rv->simple_value = v->simple_value;
				break;
			case TBFS__SUMMARY__VALUE__VALUE_TENSOR:
				rv->oneof = 8;
				st = pbc_tensor(v->tensor, &rv->tensor);
				if (st != TBR_OK)
					goto out;
				break;
			case TBFS__SUMMARY__VALUE__VALUE__NOT_SET:
				break;
			default:
				rv->oneof = (int)v->value_case;
				if (v->value_case ==
				    TBFS__SUMMARY__VALUE__VALUE_IMAGE) {
					rv->has_blob_len = true;
					rv->blob_len = v->image->encoded_image_string.len;
				} else if (v->value_case ==
					   TBFS__SUMMARY__VALUE__VALUE_AUDIO) {
					rv->has_blob_len = true;
					rv->blob_len = v->audio->encoded_audio_string.len;
				}
			}
		}
		break;
	case TBFS__EVENT__WHAT_LOG_MESSAGE:
		ev->what = TBR_WHAT_LOG_MESSAGE;
		break;
	case TBFS__EVENT__WHAT_SESSION_LOG:
		ev->what = TBR_WHAT_SESSION_LOG;
		ev->session_status = e->session_log->status;
		break;
	case TBFS__EVENT__WHAT_TAGGED_RUN_METADATA:
		ev->what = TBR_WHAT_TAGGED_RUN_METADATA;
		break;
	case TBFS__EVENT__WHAT_META_GRAPH_DEF:
		ev->what = TBR_WHAT_META_GRAPH_DEF;
		break;
	default:
		break;
	}
out:
	tbfs__event__free_unpacked(e, NULL);
	return st;
}

/* -------------------------------------------------------- classification */

static bool plugin_is(const char *p, size_t n, const char *name)
{
	return strlen(name) == n && memcmp(p, name, n) == 0;
}

static bool numeric_dtype(int dt)
{
	switch (dt) {
	case 1: case 2: case 3: case 4: case 5: case 6: case 9: case 10:
	case 14: case 17: case 19: case 22: case 23:
		return true;
	default:
		return false;
	}
}

tbr_kind tbr_classify(const struct tbr_raw_value *v, const char *plugin,
		      size_t plen, size_t *items, struct tbr_num *num,
		      bool *is_scalar)
{
	*items = 1;
	*is_scalar = false;
	switch (v->oneof) {
	case 2:
		*is_scalar = true;
		num->dtype = TBR_DT_F32;
		num->v.f32 = v->simple_value;
		return TBR_KIND_SCALAR;
	case 4:
		return TBR_KIND_IMAGE;
	case 5:
		return TBR_KIND_HISTOGRAM;
	case 6:
		return TBR_KIND_AUDIO;
	case 8:
		break;
	default:
		if (plugin_is(plugin, plen, "hparams"))
			return TBR_KIND_HPARAMS;
		return TBR_KIND_TENSOR;
	}
	const struct tbr_tensor_info *t = &v->tensor;
	if (plugin_is(plugin, plen, "scalars")) {
		if (numeric_dtype(t->dtype) && t->elements == 1 && t->has_number) {
			*is_scalar = true;
			*num = t->number;
			return TBR_KIND_SCALAR;
		}
		return TBR_KIND_TENSOR;
	}
	if (plugin_is(plugin, plen, "histograms"))
		return TBR_KIND_HISTOGRAM;
	if (plugin_is(plugin, plen, "images")) {
		*items = t->strings > 2 ? t->strings - 2 : 0;
		return TBR_KIND_IMAGE;
	}
	if (plugin_is(plugin, plen, "audio")) {
		if (t->rank >= 1 && t->dims[0] >= 0)
			*items = (size_t)t->dims[0];
		else
			*items = t->strings;
		return TBR_KIND_AUDIO;
	}
	if (plugin_is(plugin, plen, "text"))
		return TBR_KIND_TEXT;
	if (plugin_is(plugin, plen, "hparams"))
		return TBR_KIND_HPARAMS;
	if (plen >= 6 && memcmp(plugin, "graph_", 6) == 0)
		return TBR_KIND_GRAPH;
	if (plugin_is(plugin, plen, "graphs"))
		return TBR_KIND_GRAPH;
	return TBR_KIND_TENSOR;
}
