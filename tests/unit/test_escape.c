/*
 * test_escape.c — the name escaping rules of the mount (fs/escape.c),
 * checked against the contract's own examples and properties: every
 * escaped name is a safe single component, decoding gives the raw bytes
 * back, distinct raw names never share an escaped name.
 *
 * Run: meson test -C build escape (no fixtures needed).
 */
#include "expect.h"
#include "view_i.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reference FNV-1a 64, written from the published constants. */
static uint64_t ref_fnv(const unsigned char *p, size_t n)
{
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static void expect_esc(const char *raw, size_t len, const char *want)
{
	char out[TBV_NAME_MAX];
	size_t n = tbv_escape(raw, len, out);

	EXPECT_MSG(n == strlen(out) && strcmp(out, want) == 0,
		   "escape -> '%s', want '%s'", out, want);
}

/* A safe directory entry: not empty, not . or .., no '/', no NUL,
 * at most 255 bytes. */
static bool safe_name(const char *s, size_t n)
{
	return n > 0 && n <= 255 && strlen(s) == n && !strchr(s, '/') &&
	       strcmp(s, ".") && strcmp(s, "..");
}

static void test_examples(void)
{
	expect_esc("", 0, "%");
	expect_esc(".", 1, "%2E");
	expect_esc("..", 2, "%2E%2E");
	expect_esc("...", 3, "...");
	expect_esc("a%b", 3, "a%25b");
	expect_esc("new\nline", 8, "new%0Aline");
	expect_esc("tab\there", 8, "tab%09here");
	expect_esc("del\x7f", 4, "del%7F");
	expect_esc("nul\0x", 5, "nul%00x");
	expect_esc("space tag", 9, "space tag");
	expect_esc("a,b\"c", 5, "a,b\"c");
	expect_esc("\xc3\xbc", 2, "\xc3\xbc"); /* UTF-8 kept */
}

static void test_hash_vectors(void)
{
	/* Published FNV-1a 64 test vectors. */
	EXPECT(tbv_fnv1a("", 0) == 0xcbf29ce484222325ULL);
	EXPECT(tbv_fnv1a("a", 1) == 0xaf63dc4c8601ec8cULL);
	EXPECT(tbv_fnv1a("foobar", 6) == 0x85944171f73967e8ULL);
	EXPECT(ref_fnv((const unsigned char *)"foobar", 6) ==
	       0x85944171f73967e8ULL);
}

static void test_long(void)
{
	char raw[1000], out[TBV_NAME_MAX], want[TBV_NAME_MAX];
	size_t n;

	/* Exactly 200 escaped bytes: kept whole. */
	memset(raw, 'x', 200);
	n = tbv_escape(raw, 200, out);
	EXPECT(n == 200 && memcmp(out, raw, 200) == 0);

	/* 201: the first 180 bytes, %~ and 16 hex digits of FNV-1a. */
	memset(raw, 'y', 201);
	n = tbv_escape(raw, 201, out);
	memcpy(want, raw, 180);
	snprintf(want + 180, sizeof(want) - 180, "%%~%016llX",
		 (unsigned long long)ref_fnv((unsigned char *)raw, 201));
	EXPECT_MSG(n == 198 && strcmp(out, want) == 0, "long: %s", out);

	/* 70 control bytes escape to 210 > 200: never cut inside %XX. */
	memset(raw, '\n', 70);
	n = tbv_escape(raw, 70, out);
	EXPECT(n <= 198);
	EXPECT(strncmp(out + n - 18, "%~", 2) == 0);
	for (size_t i = 0; i + 18 < n; i += 3)
		EXPECT(strncmp(out + i, "%0A", 3) == 0);

	/* Two-byte UTF-8 characters: never cut inside one. */
	for (int i = 0; i < 300; i += 2) {
		raw[i] = '\xc3';
		raw[i + 1] = '\xa9';
	}
	raw[0] = 'a'; /* shift so a character straddles byte 180 */
	raw[1] = 'b';
	raw[2] = 'c';
	n = tbv_escape(raw + 1, 299, out);
	{
		size_t cut = n - 18;
		EXPECT(((unsigned char)out[cut - 1] & 0xc0) != 0xc0);
		EXPECT(cut <= 180);
	}
	/* Same first 180 bytes, different tail: different names. */
	{
		char a[400], b[400], oa[TBV_NAME_MAX], ob[TBV_NAME_MAX];
		memset(a, 'q', 400);
		memset(b, 'q', 400);
		b[399] = 'r';
		tbv_escape(a, 400, oa);
		tbv_escape(b, 400, ob);
		EXPECT(strcmp(oa, ob) != 0);
		EXPECT(tbv_unescape(oa, a) < 0); /* hashed: not reversible */
	}
}

static void test_contexts(void)
{
	char out[TBV_NAME_MAX];

	/* Log-tree directories clashing with synthetic entries. */
	tbv_name_logdir("scalars", 7, false, out);
	EXPECT(strcmp(out, "%73calars") == 0);
	tbv_name_logdir("run.json", 8, false, out);
	EXPECT(strcmp(out, "%72un.json") == 0);
	tbv_name_logdir("compare", 7, false, out);
	EXPECT(strcmp(out, "%63ompare") == 0);
	tbv_name_logdir("config.yaml", 11, false, out);
	EXPECT(strcmp(out, "%63onfig.yaml") == 0);
	tbv_name_logdir("scalars", 7, true, out); /* fine at the root */
	EXPECT(strcmp(out, "scalars") == 0);
	tbv_name_logdir("runs.csv", 8, true, out);
	EXPECT(strcmp(out, "%72uns.csv") == 0);
	tbv_name_logdir("status.json", 11, true, out);
	EXPECT(strcmp(out, "%73tatus.json") == 0);
	tbv_name_logdir("runs.csv", 8, false, out); /* fine below */
	EXPECT(strcmp(out, "runs.csv") == 0);
	tbv_name_logdir(".", 1, true, out);
	EXPECT(strcmp(out, "%2E") == 0);
	tbv_name_logdir("train", 5, false, out);
	EXPECT(strcmp(out, "train") == 0);

	/* Tag components in per-tag file trees. */
	tbv_name_tagcomp("loss.csv", 8, out);
	EXPECT(strcmp(out, "loss%2Ecsv") == 0);
	tbv_name_tagcomp("x.stats", 7, out);
	EXPECT(strcmp(out, "x%2Estats") == 0);
	tbv_name_tagcomp("x.wide", 6, out);
	EXPECT(strcmp(out, "x%2Ewide") == 0);
	tbv_name_tagcomp("5.md", 4, out);
	EXPECT(strcmp(out, "5%2Emd") == 0);
	tbv_name_tagcomp("a.json", 6, out);
	EXPECT(strcmp(out, "a%2Ejson") == 0);
	tbv_name_tagcomp("loss", 4, out);
	EXPECT(strcmp(out, "loss") == 0);
	tbv_name_tagcomp("conv1.weight", 12, out);
	EXPECT(strcmp(out, "conv1.weight") == 0);

	/* Per-step trees: tag directories that look like step files. */
	tbv_name_blobdir("0.png", 5, out);
	EXPECT(strcmp(out, "%30.png") == 0);
	tbv_name_blobdir("-3_1.gif", 8, out);
	EXPECT(strcmp(out, "%2D3_1.gif") == 0);
	tbv_name_blobdir("3", 1, out);
	EXPECT(strcmp(out, "3") == 0);
	tbv_name_blobdir("v1.2", 4, out);
	EXPECT(strcmp(out, "v1.2") == 0);

	EXPECT(tbv_name_is_timestamp("1700000000.123"));
	EXPECT(tbv_name_is_timestamp("1.5"));
	EXPECT(!tbv_name_is_timestamp("1700000000"));
	EXPECT(!tbv_name_is_timestamp("v1.5"));
	EXPECT(!tbv_name_is_timestamp("1.5e3"));
	EXPECT(!tbv_name_is_timestamp("1."));
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Random components: round trip, safety, and no two raw names sharing
 * an escaped name, in each context. */
static void test_random(void)
{
	enum { N = 4000 };
	static char names[N][TBV_NAME_MAX + 16];
	char raw[64], back[TBV_NAME_MAX];
	int bad_rt = 0, bad_safe = 0;

	for (int i = 0; i < N; i++) {
		size_t len = next() % 12;
		size_t n;

		/* Mostly troublesome bytes: . % / control, digits, high. */
		for (size_t k = 0; k < len; k++) {
			static const char pool[] = ".%\n\x7f\x01 ,\"0123-_abcsvjonmd\xc3\xa9";
			raw[k] = pool[next() % (sizeof(pool) - 1)];
			if (raw[k] == '/')
				raw[k] = '.';
		}
		/* Keep the raw name unique: suffix the index. */
		len += (size_t)snprintf(raw + len, sizeof(raw) - len, "%c%d",
					'\x02', i);
		switch (i % 3) {
		case 0:
			n = tbv_escape(raw, len, names[i]);
			break;
		case 1:
			n = tbv_name_tagcomp(raw, len, names[i]);
			break;
		default:
			n = tbv_name_blobdir(raw, len, names[i]);
			break;
		}
		if (!safe_name(names[i], n))
			bad_safe++;
		if (tbv_unescape(names[i], back) != (long)len ||
		    memcmp(back, raw, len))
			bad_rt++;
	}
	EXPECT_MSG(bad_safe == 0, "%d unsafe names", bad_safe);
	EXPECT_MSG(bad_rt == 0, "%d names do not decode back", bad_rt);

	/* Short raw names near the special cases decode back too. */
	{
		const char *const odd[] = { "", ".", "..", "...", "%", "%2E",
					    "%25", "%~", ".csv", "..csv" };
		for (size_t i = 0; i < sizeof(odd) / sizeof(*odd); i++) {
			char out[TBV_NAME_MAX];
			size_t n = tbv_name_tagcomp(odd[i], strlen(odd[i]), out);
			EXPECT(safe_name(out, n));
			EXPECT_MSG(tbv_unescape(out, back) == (long)strlen(odd[i]) &&
					   strcmp(back, odd[i]) == 0,
				   "'%s' -> '%s'", odd[i], out);
			for (size_t j = 0; j < i; j++) {
				char o2[TBV_NAME_MAX];
				tbv_name_tagcomp(odd[j], strlen(odd[j]), o2);
				EXPECT(strcmp(out, o2) != 0);
			}
		}
	}
}

/* File names in a per-tag tree never equal a directory's or another
 * file's: stems and directories pass through tbv_name_tagcomp. */
static void test_no_clash(void)
{
	static const char *const comps[] = {
		"loss", "loss.csv", "loss.json", "loss.stats", "loss.wide",
		"x.stats.csv", "a.md", "5", "5.md", ".", "..", "", "%",
	};
	static const char *const sufs[] = { ".csv", ".json", ".stats.csv",
					    ".wide.csv" };
	size_t nc = sizeof(comps) / sizeof(*comps);
	char all[128][TBV_NAME_MAX + 16];
	size_t n = 0;

	for (size_t i = 0; i < nc; i++) {
		char stem[TBV_NAME_MAX];
		tbv_name_tagcomp(comps[i], strlen(comps[i]), stem);
		snprintf(all[n++], sizeof(all[0]), "%s", stem); /* as dir */
		for (size_t s = 0; s < 4; s++)
			snprintf(all[n++], sizeof(all[0]), "%s%s", stem,
				 sufs[s]);
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			EXPECT_MSG(strcmp(all[i], all[j]) != 0, "clash %s",
				   all[i]);
}

int main(void)
{
	test_examples();
	test_hash_vectors();
	test_long();
	test_contexts();
	test_random();
	test_no_clash();
	return expect_done("escape");
}
