/*
 * strmap.c — a small open-addressing hash map: (bytes, extra) -> uint32.
 *
 * Layer: reader. Used for tag lookup on the hot path, where a generic map
 * with per-entry allocations would cost more than the decoding itself.
 */
#include "tbr_i.h"

#include <stdlib.h>

struct tbr_strmap_slot {
	uint64_t hash;  /* 0 = empty */
	char *key;
	size_t len;
	uint32_t extra;
	uint32_t val;
};

uint64_t tbr_hash(const void *data, size_t len, uint32_t extra)
{
	/* FNV-1a, 64-bit; never 0 so 0 can mark an empty slot. */
	const uint8_t *p = data;
	uint64_t h = 0xcbf29ce484222325ull ^ extra;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h ? h : 1;
}

static struct tbr_strmap_slot *find(const struct tbr_strmap *m, uint64_t h,
				    const char *key, size_t len, uint32_t extra)
{
	size_t mask = m->cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct tbr_strmap_slot *s = &m->slots[i];

		if (!s->hash)
			return s;
		if (s->hash == h && s->len == len && s->extra == extra &&
		    memcmp(s->key, key, len) == 0)
			return s;
	}
}

bool tbr_strmap_get(const struct tbr_strmap *m, const char *key, size_t len,
		    uint32_t extra, uint32_t *val)
{
	if (!m->cap)
		return false;
	struct tbr_strmap_slot *s = find(m, tbr_hash(key, len, extra), key,
					 len, extra);
	if (!s->hash)
		return false;
	*val = s->val;
	return true;
}

static tbr_status grow(struct tbr_strmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 16;
	struct tbr_strmap_slot *ns = calloc(ncap, sizeof(*ns));
	struct tbr_strmap old = *m;

	if (!ns)
		return TBR_ERR_NOMEM;
	m->slots = ns;
	m->cap = ncap;
	for (size_t i = 0; i < old.cap; i++) {
		struct tbr_strmap_slot *s = &old.slots[i];

		if (s->hash)
			*find(m, s->hash, s->key, s->len, s->extra) = *s;
	}
	free(old.slots);
	return TBR_OK;
}

tbr_status tbr_strmap_put(struct tbr_strmap *m, const char *key, size_t len,
			  uint32_t extra, uint32_t val)
{
	if ((m->count + 1) * 4 > m->cap * 3 && grow(m) != TBR_OK)
		return TBR_ERR_NOMEM;

	uint64_t h = tbr_hash(key, len, extra);
	struct tbr_strmap_slot *s = find(m, h, key, len, extra);

	if (!s->hash) {
		s->key = malloc(len + 1);
		if (!s->key)
			return TBR_ERR_NOMEM;
		memcpy(s->key, key, len);
		s->key[len] = 0;
		s->len = len;
		s->extra = extra;
		s->hash = h;
		m->count++;
	}
	s->val = val;
	return TBR_OK;
}

void tbr_strmap_clear(struct tbr_strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	m->slots = NULL;
	m->cap = m->count = 0;
}

size_t tbr_strmap_memory(const struct tbr_strmap *m)
{
	size_t n = m->cap * sizeof(struct tbr_strmap_slot);

	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].hash)
			n += m->slots[i].len + 1;
	return n;
}
