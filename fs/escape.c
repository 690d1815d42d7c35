/*
 * escape.c — how tag names and run directories become file names.
 *
 * Layer: fs/ view (no FUSE). This is part of the mount's contract
 * (man/tbfs.1 repeats it); change nothing here without changing the page.
 *
 * Base rule, one path component at a time (tags are split on '/'):
 *   '%'                   -> %25
 *   bytes 0x00-0x1F, 0x7F -> %XX (uppercase hex)
 *   a component "." / ".."-> %2E / %2E%2E
 *   an empty component    -> %   (alone; it cannot be confused with an
 *                                 escape since '%' itself is always %25)
 *   everything else, UTF-8 included, is kept as is.
 * Decoding the %XX escapes gives back the raw bytes, so a name cannot
 * leave its directory and two raw components never share a name.
 *
 * Long components: when the escaped form is longer than 200 bytes it is
 * cut to at most 180 bytes (never inside a %XX escape or a UTF-8
 * character) and "%~" plus the 16 uppercase hex digits of the 64-bit
 * FNV-1a hash of the whole raw component are appended. Such names are
 * unique but not reversible; tags.csv gives the mapping.
 *
 * Context rules, each of which percent-encodes one more byte so that
 * decoding still gives the raw name:
 *  - Log-tree directories: a real directory whose escaped name equals a
 *    synthetic entry of its parent (scalars, run.json, compare, ...; at
 *    the root runs.csv, status.json, ...) has its first byte encoded:
 *    "scalars" -> "%73calars". The reserved set is fixed (it does not
 *    depend on what the parent currently shows) so names never move. The
 *    run "." (event files directly in LOGDIR) is the root directory "%2E"
 *    by the base rule.
 *  - Per-tag file trees (scalars/, histograms/, text/, tensors/,
 *    compare/scalars/): file names are <stem>.csv, <stem>.json,
 *    <stem>.stats.csv, <stem>.wide.csv, and <step>.md inside text dirs.
 *    A component (directory or stem) whose escaped form ends in ".csv",
 *    ".json", ".md", ".stats" or ".wide" has that last dot encoded as %2E
 *    ("loss.csv" -> "loss%2Ecsv"), so no directory and no other file can
 *    take a file's name.
 *  - Per-step file trees (images/, audio/): files are <step>.<ext> or
 *    <step>_<i>.<ext>; a tag directory whose escaped name starts like one
 *    (optional '-', digits, optional _digits, then '.') has its first byte
 *    encoded ("0.png" -> "%30.png").
 */
#include "view_i.h"

#include <stdio.h>
#include <string.h>

#define ESC_CUT 180

static const char hexdig[] = "0123456789ABCDEF";

static bool needs_escape(unsigned char c)
{
	return c < 0x20 || c == 0x7f || c == '%';
}

uint64_t tbv_fnv1a(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

size_t tbv_escape(const char *s, size_t len, char *out)
{
	size_t elen = 0, o = 0;

	if (len == 0) {
		strcpy(out, "%");
		return 1;
	}
	if (len == 1 && s[0] == '.') {
		strcpy(out, "%2E");
		return 3;
	}
	if (len == 2 && s[0] == '.' && s[1] == '.') {
		strcpy(out, "%2E%2E");
		return 6;
	}
	for (size_t i = 0; i < len; i++)
		elen += needs_escape((unsigned char)s[i]) ? 3 : 1;

	/* Copy whole escapes and bytes while they fit in the limit. */
	size_t limit = elen > TBV_ESC_MAX ? ESC_CUT : TBV_ESC_MAX;
	size_t i;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t w = needs_escape(c) ? 3 : 1;

		if (o + w > limit)
			break;
		if (w == 3) {
			out[o++] = '%';
			out[o++] = hexdig[c >> 4];
			out[o++] = hexdig[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	if (elen > TBV_ESC_MAX) {
		/* Do not end inside a multi-byte UTF-8 character. */
		if (i < len && ((unsigned char)s[i] & 0xc0) == 0x80) {
			while (o > 0 && ((unsigned char)out[o - 1] & 0xc0) == 0x80)
				o--;
			if (o > 0 && ((unsigned char)out[o - 1] & 0xc0) == 0xc0)
				o--;
		}
		uint64_t h = tbv_fnv1a(s, len);
		out[o++] = '%';
		out[o++] = '~';
		for (int k = 15; k >= 0; k--)
			out[o++] = hexdig[(h >> (4 * k)) & 15];
	}
	out[o] = '\0';
	return o;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

long tbv_unescape(const char *in, char *out)
{
	size_t o = 0;

	if (strcmp(in, "%") == 0) {
		out[0] = '\0';
		return 0;
	}
	for (size_t i = 0; in[i]; i++) {
		if (in[i] != '%') {
			out[o++] = in[i];
			continue;
		}
		if (in[i + 1] == '~')
			return -1;
		int hi = hexval(in[i + 1]);
		int lo = hi < 0 ? -1 : hexval(in[i + 2]);
		if (lo < 0)
			return -1;
		out[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	out[o] = '\0';
	return (long)o;
}

/* Entries a run (or plain) directory may show besides its children. */
static const char *const reserved_dir[] = {
	"audio", "compare", "config.json", "config.yaml", "graphs",
	"histograms", "hparams.json", "hparams.yaml", "images",
	"metadata.json", "model_summary.txt", "run.json", "scalars",
	"scalars.csv", "tensors", "text",
};

static const char *const reserved_root[] = {
	"compare", "hparams.csv", "runs.csv", "runs.json", "scalars.csv",
	"status.json", "tags.csv",
};

bool tbv_name_reserved(const char *name, bool at_root)
{
	const char *const *set = at_root ? reserved_root : reserved_dir;
	size_t n = at_root ? sizeof(reserved_root) / sizeof(*reserved_root)
			   : sizeof(reserved_dir) / sizeof(*reserved_dir);

	for (size_t i = 0; i < n; i++)
		if (strcmp(name, set[i]) == 0)
			return true;
	return false;
}

/* Percent-encodes the first byte of @out (length @n); returns the new
 * length. Only used on names starting with a byte that is not '%'. */
static size_t encode_first(char *out, size_t n)
{
	unsigned char c = (unsigned char)out[0];

	memmove(out + 3, out + 1, n); /* moves the NUL too */
	out[0] = '%';
	out[1] = hexdig[c >> 4];
	out[2] = hexdig[c & 15];
	return n + 2;
}

size_t tbv_name_logdir(const char *s, size_t len, bool at_root, char *out)
{
	size_t n = tbv_escape(s, len, out);

	if (tbv_name_reserved(out, at_root))
		n = encode_first(out, n);
	return n;
}

static bool ends_with(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n >= k && memcmp(s + n - k, suf, k) == 0;
}

size_t tbv_name_tagcomp(const char *s, size_t len, char *out)
{
	static const char *const sufs[] = { ".csv", ".json", ".md", ".stats",
					    ".wide" };
	size_t n = tbv_escape(s, len, out);

	for (size_t i = 0; i < sizeof(sufs) / sizeof(*sufs); i++) {
		if (!ends_with(out, n, sufs[i]))
			continue;
		size_t dot = n - strlen(sufs[i]);
		memmove(out + dot + 3, out + dot + 1, n - dot); /* with NUL */
		memcpy(out + dot, "%2E", 3);
		return n + 2;
	}
	return n;
}

/* Does @s start like a per-step file name: -?[0-9]+(_[0-9]+)?\. */
static bool looks_like_step_file(const char *s)
{
	size_t i = 0;

	if (s[i] == '-')
		i++;
	if (s[i] < '0' || s[i] > '9')
		return false;
	while (s[i] >= '0' && s[i] <= '9')
		i++;
	if (s[i] == '_') {
		i++;
		if (s[i] < '0' || s[i] > '9')
			return false;
		while (s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return s[i] == '.';
}

size_t tbv_name_blobdir(const char *s, size_t len, char *out)
{
	size_t n = tbv_escape(s, len, out);

	if (looks_like_step_file(out))
		n = encode_first(out, n);
	return n;
}

bool tbv_name_is_timestamp(const char *comp)
{
	size_t i = 0, digits = 0;

	while (comp[i] >= '0' && comp[i] <= '9')
		i++;
	if (i == 0 || comp[i] != '.')
		return false;
	i++;
	while (comp[i] >= '0' && comp[i] <= '9') {
		i++;
		digits++;
	}
	return digits > 0 && comp[i] == '\0';
}
