/*
 * test_crc32c.c — CRC32C and masking against the vectors of
 * shared/docs/wire-format.md (RFC 3720 §B.4 and TensorBoard's tests),
 * for both the hardware and the portable implementation.
 */
#include "tbr.h"
#include "expect.h"

#include <stdlib.h>
#include <string.h>

int main(void)
{
	uint8_t zeros[32], ones[32], inc[32];
	const uint8_t len24[8] = { 0x18, 0, 0, 0, 0, 0, 0, 0 };
	const uint8_t len0[8] = { 0 };
	const char crc_test[] = "\x1a\x11" "CRC test, one two";

	memset(zeros, 0, 32);
	memset(ones, 0xff, 32);
	for (int i = 0; i < 32; i++)
		inc[i] = (uint8_t)i;

	EXPECT(tbr_crc32c("123456789", 9) == 0xE3069283u);
	EXPECT(tbr_crc32c_portable(0, "123456789", 9) == 0xE3069283u);
	EXPECT(tbr_crc_mask(0xE3069283u) == 0xC78AB0E5u);
	EXPECT(tbr_crc_unmask(0xC78AB0E5u) == 0xE3069283u);
	EXPECT(tbr_crc32c("", 0) == 0);
	EXPECT(tbr_crc_mask(0) == 0xA282EAD8u);
	EXPECT(tbr_crc32c(zeros, 32) == 0x8A9136AAu);
	EXPECT(tbr_crc_mask(tbr_crc32c(zeros, 32)) == 0x0FD7FFFAu);
	EXPECT(tbr_crc32c(ones, 32) == 0x62A8AB43u);
	EXPECT(tbr_crc_mask(tbr_crc32c(ones, 32)) == 0xF909B029u);
	EXPECT(tbr_crc32c(inc, 32) == 0x46DD794Eu);
	EXPECT(tbr_crc_mask(tbr_crc32c(inc, 32)) == 0x951F7892u);
	EXPECT(tbr_crc_mask(tbr_crc32c(len24, 8)) == 0x224B7FA3u);
	EXPECT(tbr_crc_mask(tbr_crc32c(len0, 8)) == 0x07980329u);
	EXPECT(tbr_crc_mask(tbr_crc32c(crc_test, strlen(crc_test))) ==
	       0x5794D08Au);
	EXPECT(tbr_crc32c_portable(0, zeros, 32) == 0x8A9136AAu);
	EXPECT(tbr_crc32c_portable(0, inc, 32) == 0x46DD794Eu);

	/* Both implementations agree on every length and alignment, and
	 * extending in two pieces equals one pass. */
	uint8_t *buf = malloc(4096 + 16);
	uint32_t seed = 12345;
	for (int i = 0; i < 4096 + 16; i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (uint8_t)(seed >> 16);
	}
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len < 300; len++) {
			uint32_t a = tbr_crc32c(buf + off, len);
			uint32_t b = tbr_crc32c_portable(0, buf + off, len);
			uint32_t c = tbr_crc32c_extend(
				tbr_crc32c(buf + off, len / 3),
				buf + off + len / 3, len - len / 3);
			EXPECT_MSG(a == b && a == c, "off %zu len %zu", off, len);
		}
	EXPECT(tbr_crc32c(buf, 4096) == tbr_crc32c_portable(0, buf, 4096));
	free(buf);
	fprintf(stderr, "crc32c implementation: %s\n", tbr_crc32c_impl());
	return expect_done("crc32c");
}
