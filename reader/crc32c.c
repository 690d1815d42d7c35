/*
 * crc32c.c — CRC32C (Castagnoli) and the TFRecord masking.
 *
 * Layer: reader. The hardware path uses the SSE4.2 crc32 instruction,
 * chosen once at run time (cpuid via __builtin_cpu_supports), because the
 * checksum runs over every byte we read and the table walk would cap the
 * reader well below 1 GB/s. The portable path is slicing-by-8.
 */
#include "tbr_i.h"

#include <pthread.h>

#define CRC32C_POLY 0x82F63B78u /* reflected 0x1EDC6F41 */

static uint32_t crc_table[8][256];

static void crc_table_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (CRC32C_POLY & (0u - (c & 1)));
		crc_table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^
					  crc_table[0][crc_table[t - 1][i] & 0xff];
}

static pthread_once_t table_once = PTHREAD_ONCE_INIT;

uint32_t tbr_crc32c_portable(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	pthread_once(&table_once, crc_table_init);
	crc = ~crc;
	while (len >= 8) {
		uint32_t lo = tbr_load_u32(p) ^ crc;
		uint32_t hi = tbr_load_u32(p + 4);
		crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
		      crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
		      crc_table[3][hi & 0xff] ^ crc_table[2][(hi >> 8) & 0xff] ^
		      crc_table[1][(hi >> 16) & 0xff] ^ crc_table[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

#if defined(__x86_64__)
#include <nmmintrin.h>

__attribute__((target("sse4.2"))) static uint32_t
crc32c_sse42(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t c = ~crc;

	while (len >= 8) {
		c = _mm_crc32_u64(c, tbr_load_u64(p));
		p += 8;
		len -= 8;
	}
	uint32_t c32 = (uint32_t)c;
	if (len & 4) {
		c32 = _mm_crc32_u32(c32, tbr_load_u32(p));
		p += 4;
	}
	if (len & 2) {
		uint16_t h;
		memcpy(&h, p, 2);
		c32 = _mm_crc32_u16(c32, h);
		p += 2;
	}
	if (len & 1)
		c32 = _mm_crc32_u8(c32, *p);
	return ~c32;
}

static bool have_sse42(void)
{
	static int cached = -1;

	if (cached < 0)
		cached = __builtin_cpu_supports("sse4.2") ? 1 : 0;
	return cached;
}
#endif

typedef uint32_t (*crc_fn)(uint32_t, const void *, size_t);

/* Chosen on the first call; every record is checksummed twice, so the
 * dispatch must cost one indirect call, not a cpuid test. */
static uint32_t crc_first(uint32_t crc, const void *data, size_t len);
static crc_fn crc_impl = crc_first;

static uint32_t crc_first(uint32_t crc, const void *data, size_t len)
{
	crc_fn f = tbr_crc32c_portable;

#if defined(__x86_64__)
	if (have_sse42())
		f = crc32c_sse42;
#endif
	__atomic_store_n(&crc_impl, f, __ATOMIC_RELAXED);
	return f(crc, data, len);
}

uint32_t tbr_crc32c_extend(uint32_t crc, const void *data, size_t len)
{
	return __atomic_load_n(&crc_impl, __ATOMIC_RELAXED)(crc, data, len);
}

const char *tbr_crc32c_impl(void)
{
#if defined(__x86_64__)
	if (have_sse42())
		return "sse4.2";
#endif
	return "table";
}
