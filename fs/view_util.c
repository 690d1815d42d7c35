/*
 * view_util.c — building blocks of the renderers: a growable output
 * buffer, number printing by the contract's rules, RFC 4180 CSV fields,
 * RFC 8259 JSON strings and a small streaming JSON writer, and a hash map.
 *
 * Layer: fs/ view (no FUSE). Numbers go through numfmt.h (shortest
 * round-trip); nothing here uses printf on the hot paths.
 */
#include "view_i.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* ------------------------------------------------------------- hash map */

struct tbv_mapent {
	struct tbv_mapent *next;
	uint64_t h;
	void *val;
	size_t klen;
	char key[];
};

static struct tbv_mapent *map_find(const struct tbv_map *m, const void *key,
				   size_t klen, uint64_t h)
{
	if (!m->nb)
		return NULL;
	for (struct tbv_mapent *e = m->b[h & (m->nb - 1)]; e; e = e->next)
		if (e->h == h && e->klen == klen && !memcmp(e->key, key, klen))
			return e;
	return NULL;
}

void *tbv_map_get(const struct tbv_map *m, const void *key, size_t klen)
{
	struct tbv_mapent *e = map_find(m, key, klen, tbv_fnv1a(key, klen));

	return e ? e->val : NULL;
}

static int map_grow(struct tbv_map *m)
{
	size_t nb = m->nb ? m->nb * 2 : 64;
	struct tbv_mapent **b = calloc(nb, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < m->nb; i++) {
		struct tbv_mapent *e = m->b[i], *next;
		for (; e; e = next) {
			next = e->next;
			e->next = b[e->h & (nb - 1)];
			b[e->h & (nb - 1)] = e;
		}
	}
	free(m->b);
	m->b = b;
	m->nb = nb;
	return 0;
}

int tbv_map_put(struct tbv_map *m, const void *key, size_t klen, void *val)
{
	uint64_t h = tbv_fnv1a(key, klen);
	struct tbv_mapent *e = map_find(m, key, klen, h);

	if (e) {
		e->val = val;
		return 0;
	}
	if (m->n + 1 > m->nb && map_grow(m))
		return -ENOMEM;
	e = malloc(sizeof(*e) + klen);
	if (!e)
		return -ENOMEM;
	e->h = h;
	e->val = val;
	e->klen = klen;
	memcpy(e->key, key, klen);
	e->next = m->b[h & (m->nb - 1)];
	m->b[h & (m->nb - 1)] = e;
	m->n++;
	return 0;
}

void tbv_map_del(struct tbv_map *m, const void *key, size_t klen)
{
	uint64_t h = tbv_fnv1a(key, klen);

	if (!m->nb)
		return;
	for (struct tbv_mapent **pe = &m->b[h & (m->nb - 1)]; *pe;
	     pe = &(*pe)->next) {
		struct tbv_mapent *e = *pe;
		if (e->h == h && e->klen == klen && !memcmp(e->key, key, klen)) {
			*pe = e->next;
			free(e);
			m->n--;
			return;
		}
	}
}

void tbv_map_clear(struct tbv_map *m, void (*free_val)(void *))
{
	for (size_t i = 0; i < m->nb; i++) {
		struct tbv_mapent *e = m->b[i], *next;
		for (; e; e = next) {
			next = e->next;
			if (free_val)
				free_val(e->val);
			free(e);
		}
	}
	free(m->b);
	m->b = NULL;
	m->nb = m->n = 0;
}

/* --------------------------------------------------------------- buffer */

bool tbv_buf_grow(struct tbv_buf *b, size_t extra)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *p;

	if (b->oom)
		return false;
	if (extra > SIZE_MAX / 2 - b->len)
		goto oom;
	while (cap - b->len < extra)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		goto oom;
	b->p = p;
	b->cap = cap;
	return true;
oom:
	b->oom = true;
	return false;
}

void tbv_buf_free(struct tbv_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->oom = false;
}

struct tbv_content *tbv_content_from_buf(struct tbv_buf *b)
{
	struct tbv_content *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	/* Give back large slack (a doubled buffer can be half empty). */
	if (b->p && b->cap - b->len > 65536 && b->cap - b->len > b->len / 8) {
		char *p = realloc(b->p, b->len ? b->len : 1);
		if (p) {
			b->p = p;
			b->cap = b->len ? b->len : 1;
		}
	}
	c->refs = 1;
	c->owned = b->p;
	c->data = b->p ? b->p : "";
	c->size = b->len;
	b->p = NULL;
	b->len = b->cap = 0;
	return c;
}

/* -------------------------------------------------------------- numbers */

void tbv_put_i64(struct tbv_buf *b, int64_t v)
{
	char *p = tbv_buf_tail(b, TBN_BUF);

	if (p)
		b->len += tbn_i64(p, v);
}

void tbv_put_u64(struct tbv_buf *b, uint64_t v)
{
	char *p = tbv_buf_tail(b, TBN_BUF);

	if (p)
		b->len += tbn_u64(p, v);
}

void tbv_put_f64(struct tbv_buf *b, double v, bool json)
{
	char *p = tbv_buf_tail(b, TBN_BUF);

	if (p)
		b->len += json ? tbn_f64_json(p, v) : tbn_f64(p, v);
}

size_t tbv_fmt_num(char *p, const struct tbr_num *n)
{
	switch (n->dtype) {
	case TBR_DT_F32:
	case TBR_DT_F16:
	case TBR_DT_BF16:
		return tbn_f32(p, n->v.f32);
	case TBR_DT_F64:
		return tbn_f64(p, n->v.f64);
	case TBR_DT_U64:
		return tbn_u64(p, n->v.u);
	case TBR_DT_I32:
	case TBR_DT_I64:
	case TBR_DT_BOOL:
	default:
		return tbn_i64(p, n->v.i);
	}
}

bool tbv_num_finite(const struct tbr_num *n)
{
	switch (n->dtype) {
	case TBR_DT_F32:
	case TBR_DT_F16:
	case TBR_DT_BF16:
		return isfinite(n->v.f32);
	case TBR_DT_F64:
		return isfinite(n->v.f64);
	default:
		return true;
	}
}

void tbv_put_num(struct tbv_buf *b, const struct tbr_num *n, bool json)
{
	char *p = tbv_buf_tail(b, TBN_BUF);

	if (p)
		b->len += json ? tbv_json_num(p, n) : tbv_fmt_num(p, n);
}

size_t tbv_json_num(char *p, const struct tbr_num *n)
{
	switch (n->dtype) {
	case TBR_DT_F32:
	case TBR_DT_F16:
	case TBR_DT_BF16:
		return tbn_f32_json(p, n->v.f32);
	case TBR_DT_F64:
		return tbn_f64_json(p, n->v.f64);
	default:
		return tbv_fmt_num(p, n);
	}
}

size_t tbv_num_lens(const struct tbr_num *n, size_t *json_len)
{
	switch (n->dtype) {
	case TBR_DT_F32:
	case TBR_DT_F16:
	case TBR_DT_BF16:
		return tbn_f32_lens(n->v.f32, json_len);
	case TBR_DT_F64:
		return tbn_f64_lens(n->v.f64, json_len);
	case TBR_DT_U64:
		return *json_len = tbn_u64_len(n->v.u);
	case TBR_DT_I32:
	case TBR_DT_I64:
	case TBR_DT_BOOL:
	default:
		return *json_len = tbn_i64_len(n->v.i);
	}
}

/* TensorFlow DataType numbers (types.proto). */
enum {
	DT_FLOAT = 1, DT_DOUBLE = 2, DT_INT32 = 3, DT_UINT8 = 4, DT_INT16 = 5,
	DT_INT8 = 6, DT_STRING = 7, DT_COMPLEX64 = 8, DT_INT64 = 9,
	DT_BOOL = 10, DT_BFLOAT16 = 14, DT_UINT16 = 17, DT_COMPLEX128 = 18,
	DT_HALF = 19, DT_UINT32 = 22, DT_UINT64 = 23,
};

void tbv_put_tensor_value(struct tbv_buf *b, int dtype, double v, bool json)
{
	if (!isfinite(v)) {
		tbv_put_f64(b, v, json);
		return;
	}
	switch (dtype) {
	case DT_FLOAT:
	case DT_HALF:
	case DT_BFLOAT16:
		if ((double)(float)v == v) {
			char *p = tbv_buf_tail(b, TBN_BUF);
			if (p)
				b->len += json ? tbn_f32_json(p, (float)v)
					       : tbn_f32(p, (float)v);
			return;
		}
		break;
	case DT_INT32:
	case DT_UINT8:
	case DT_INT16:
	case DT_INT8:
	case DT_INT64:
	case DT_BOOL:
	case DT_UINT16:
	case DT_UINT32:
		if (v == trunc(v) && fabs(v) < 9.2e18) {
			tbv_put_i64(b, (int64_t)v);
			return;
		}
		break;
	case DT_UINT64:
		if (v == trunc(v) && v >= 0 && v < 1.8e19) {
			tbv_put_u64(b, (uint64_t)v);
			return;
		}
		break;
	default:
		break;
	}
	tbv_put_f64(b, v, json);
}

const char *tbv_dtype_name(int dtype, char tmp[16])
{
	switch (dtype) {
	case DT_FLOAT: return "float32";
	case DT_DOUBLE: return "float64";
	case DT_INT32: return "int32";
	case DT_UINT8: return "uint8";
	case DT_INT16: return "int16";
	case DT_INT8: return "int8";
	case DT_STRING: return "string";
	case DT_COMPLEX64: return "complex64";
	case DT_INT64: return "int64";
	case DT_BOOL: return "bool";
	case DT_BFLOAT16: return "bfloat16";
	case DT_UINT16: return "uint16";
	case DT_COMPLEX128: return "complex128";
	case DT_HALF: return "float16";
	case DT_UINT32: return "uint32";
	case DT_UINT64: return "uint64";
	default:
		snprintf(tmp, 16, "dtype%d", dtype);
		return tmp;
	}
}

/* ------------------------------------------------------------------ CSV */

void tbv_csv_str(struct tbv_buf *b, const char *s, size_t len)
{
	size_t quotes = 0;
	bool need = false;
	char *p;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '"')
			quotes++;
		if (c == ',' || c == '"' || c == '\n' || c == '\r')
			need = true;
	}
	if (!need) {
		tbv_buf_put(b, s, len);
		return;
	}
	p = tbv_buf_tail(b, len + quotes + 2);
	if (!p)
		return;
	*p++ = '"';
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			*p++ = '"';
		*p++ = s[i];
	}
	*p++ = '"';
	b->len += len + quotes + 2;
}

/* ----------------------------------------------------------------- JSON */

/* Length of the valid UTF-8 sequence at @s (1-4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t k;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		k = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		k = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 4, cp = c & 0x07;
	else
		return 0;
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return k;
}

void tbv_json_str(struct tbv_buf *b, const char *str, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	tbv_buf_putc(b, '"');
	while (i < len) {
		/* Copy the longest run that needs nothing. */
		size_t j = i;
		while (j < len && s[j] >= 0x20 && s[j] < 0x80 && s[j] != '"' &&
		       s[j] != '\\')
			j++;
		if (j > i)
			tbv_buf_put(b, s + i, j - i);
		i = j;
		if (i >= len)
			break;
		unsigned char c = s[i];
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			tbv_buf_put(b, e, 2);
			i++;
		} else if (c < 0x20) {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4],
				      hex[c & 15] };
			switch (c) {
			case '\n': tbv_buf_put(b, "\\n", 2); break;
			case '\t': tbv_buf_put(b, "\\t", 2); break;
			case '\r': tbv_buf_put(b, "\\r", 2); break;
			case '\b': tbv_buf_put(b, "\\b", 2); break;
			case '\f': tbv_buf_put(b, "\\f", 2); break;
			default: tbv_buf_put(b, e, 6); break;
			}
			i++;
		} else {
			size_t k = utf8_len(s + i, len - i);
			if (k) {
				tbv_buf_put(b, s + i, k);
				i += k;
			} else {
				tbv_buf_put(b, "\xef\xbf\xbd", 3); /* U+FFFD */
				i++;
			}
		}
	}
	tbv_buf_putc(b, '"');
}

void tbv_jw_init(struct tbv_jw *w, struct tbv_buf *b, int pretty)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
	w->pretty = pretty;
}

static void jw_newline(struct tbv_jw *w, int depth)
{
	char *p = tbv_buf_tail(w->b, 1 + 2 * (size_t)depth);

	if (!p)
		return;
	*p++ = '\n';
	for (int i = 0; i < depth; i++) {
		*p++ = ' ';
		*p++ = ' ';
	}
	w->b->len += 1 + 2 * (size_t)depth;
}

/* Before a value or a key: comma and line break as needed. */
static void jw_pre(struct tbv_jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth > 0 && w->has[w->depth])
		tbv_buf_putc(w->b, ',');
	if (w->depth > 0 && w->depth <= w->pretty)
		jw_newline(w, w->depth);
	if (w->depth < TBV_JW_DEPTH)
		w->has[w->depth] = true;
}

static void jw_open(struct tbv_jw *w, char c)
{
	jw_pre(w);
	tbv_buf_putc(w->b, c);
	if (w->depth + 1 < TBV_JW_DEPTH) {
		w->depth++;
		w->has[w->depth] = false;
	}
}

static void jw_close(struct tbv_jw *w, char c)
{
	bool had = w->has[w->depth];

	if (w->depth > 0)
		w->depth--;
	if (had && w->depth + 1 <= w->pretty)
		jw_newline(w, w->depth);
	tbv_buf_putc(w->b, c);
}

void tbv_jw_obj(struct tbv_jw *w) { jw_open(w, '{'); }
void tbv_jw_obj_end(struct tbv_jw *w) { jw_close(w, '}'); }
void tbv_jw_arr(struct tbv_jw *w) { jw_open(w, '['); }
void tbv_jw_arr_end(struct tbv_jw *w) { jw_close(w, ']'); }

void tbv_jw_keyn(struct tbv_jw *w, const char *k, size_t len)
{
	jw_pre(w);
	tbv_json_str(w->b, k, len);
	if (w->depth <= w->pretty)
		tbv_buf_put(w->b, ": ", 2);
	else
		tbv_buf_putc(w->b, ':');
	w->after_key = true;
}

void tbv_jw_key(struct tbv_jw *w, const char *k)
{
	tbv_jw_keyn(w, k, strlen(k));
}

void tbv_jw_strn(struct tbv_jw *w, const char *s, size_t len)
{
	jw_pre(w);
	tbv_json_str(w->b, s, len);
}

void tbv_jw_str(struct tbv_jw *w, const char *s)
{
	tbv_jw_strn(w, s, strlen(s));
}

void tbv_jw_i64(struct tbv_jw *w, int64_t v)
{
	jw_pre(w);
	tbv_put_i64(w->b, v);
}

void tbv_jw_u64(struct tbv_jw *w, uint64_t v)
{
	jw_pre(w);
	tbv_put_u64(w->b, v);
}

void tbv_jw_f64(struct tbv_jw *w, double v)
{
	jw_pre(w);
	tbv_put_f64(w->b, v, true);
}

void tbv_jw_num(struct tbv_jw *w, const struct tbr_num *n)
{
	jw_pre(w);
	tbv_put_num(w->b, n, true);
}

void tbv_jw_tensor_value(struct tbv_jw *w, int dtype, double v)
{
	jw_pre(w);
	tbv_put_tensor_value(w->b, dtype, v, true);
}

void tbv_jw_bool(struct tbv_jw *w, bool v)
{
	jw_pre(w);
	tbv_buf_puts(w->b, v ? "true" : "false");
}

void tbv_jw_null(struct tbv_jw *w)
{
	jw_pre(w);
	tbv_buf_put(w->b, "null", 4);
}

void tbv_jw_json(struct tbv_jw *w, const json_t *j)
{
	const char *k;
	json_t *val;
	size_t i;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		tbv_jw_obj(w);
		/* jansson keeps insertion order; keys are sorted by caller
		 * where it matters. */
		json_object_foreach((json_t *)j, k, val) {
			tbv_jw_key(w, k);
			tbv_jw_json(w, val);
		}
		tbv_jw_obj_end(w);
		break;
	case JSON_ARRAY:
		tbv_jw_arr(w);
		json_array_foreach(j, i, val)
			tbv_jw_json(w, val);
		tbv_jw_arr_end(w);
		break;
	case JSON_STRING:
		tbv_jw_strn(w, json_string_value(j), json_string_length(j));
		break;
	case JSON_INTEGER:
		tbv_jw_i64(w, json_integer_value(j));
		break;
	case JSON_REAL:
		tbv_jw_f64(w, json_real_value(j));
		break;
	case JSON_TRUE:
		tbv_jw_bool(w, true);
		break;
	case JSON_FALSE:
		tbv_jw_bool(w, false);
		break;
	case JSON_NULL:
	default:
		tbv_jw_null(w);
		break;
	}
}

void tbv_jw_finish(struct tbv_jw *w)
{
	tbv_buf_putc(w->b, '\n');
}
