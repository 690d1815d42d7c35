/*
 * tbfs-gen — writes TensorBoard event files for tests and benchmarks.
 *
 * Test tooling (tests/gen). It builds Event messages with the protobuf-c
 * code generated from reader/proto/tbfs.proto and frames them itself
 * (TFRecord, masked CRC32C, shared/docs/wire-format.md §1). It does NOT link
 * the reader library, so the reader's tests do not depend on the code they
 * test. Output is deterministic: the same arguments give the same bytes.
 *
 * Usage:
 *   tbfs-gen scalars OUT --tags N --steps N [--tag NAME]...
 *            [--dtype f32|f64|f16|bf16|i32|i64|bool]
 *            [--form simple|tensor_content|typed|typed_unpacked]
 *            [--start-step S] [--wall-start T] [--seed S] [--append]
 *            [--expect FILE]
 *       A file_version record, then one Event per step (steps S..S+N-1)
 *       holding one value per tag. Tags are tag0..tag{N-1}, or the names
 *       given by repeated --tag. Form simple (TF1 simple_value, f32 only;
 *       the default for f32) or a rank-0 TF2 tensor: tensor_content (raw
 *       little-endian bytes), typed (packed *_val field; default for the
 *       other dtypes) or typed_unpacked (one tag per element). Tensor forms
 *       carry plugin "scalars" metadata on the first event of each tag only.
 *       Value of tag t at step s: floats t + u, u in [0,1) from a hash of
 *       (seed, t, s), rounded to the dtype; i32/i64 the hash bits; bool its
 *       low bit. wall_time = T + (s - S) + jitter in [0, 0.5); T defaults to
 *       1600000000 + S. --append adds to OUT (no file_version and no
 *       metadata unless OUT is empty or missing). --expect FILE writes the
 *       stored values as CSV "tag,step,wall_time,value", tags raw,
 *       wall_time and f64 as %.17g, f32/f16/bf16 as %.9g (exact once
 *       parsed as float32), integers and bool (0/1) as integers.
 *   tbfs-gen big OUT [--bytes N] [--seed S]
 *       A scalar-heavy log of at most N bytes (default 1G; suffixes k, M, G
 *       are powers of 1024): 5 tags (loss, accuracy, learning_rate,
 *       train/grad_norm, eval/loss), one simple_value per Event, all 5
 *       tags at each step from 0, noisy float32 curves, wall_time rising
 *       with jitter. Hand-encoded; the first events are checked against
 *       protobuf-c.
 *   tbfs-gen tree OUTDIR --runs R --tags T --steps S
 *            [--layout flat|nested|mixed] [--seed S] [--dtype D] [--form F]
 *       R runs, each one file OUTDIR/<run>/events.out.tfevents.<secs>.tbfs-gen
 *       with secs = 1600000000 + i (10 digits), written as by "scalars" with
 *       seed S + i and wall start secs. <run> is run_%05d (flat, default),
 *       exp_%03d/seed_%d with i/4, i%4 (nested), or for mixed: even i flat,
 *       odd i nested with j = i/2 in place of i.
 *   tbfs-gen kinds OUT
 *       One file with every summary kind (see write_kinds below for the tags
 *       and values): all scalar dtypes and forms with nan/inf/-inf/-0.0,
 *       TF1/TF2 histograms, images, audio, text (rank 0 and 2), pr_curves,
 *       hparams (experiment, session start/end, metadata only), SessionLog
 *       START/CHECKPOINT/STOP, graph_def, tagged_run_metadata, log_message,
 *       and tags with odd characters.
 *   tbfs-gen corrupt IN OUT --mode MODE
 *       Copies IN to OUT with one damage (K = record index from 0):
 *         truncate:N        keep the first N bytes (N < 0: drop -N at the end)
 *         flip:OFFSET       XOR the byte at OFFSET with 0x01
 *         garbage-prefix:N  N pseudo-random bytes before the first record
 *         garbage-middle:N[:K]  N pseudo-random bytes before record K
 *                           (default K = number of records / 2)
 *         length-crc:K      break record K's length CRC
 *         data-crc:K        break record K's payload CRC
 *         huge-length:K[:V] set record K's length to V (default 2^40) with a
 *                           valid length CRC
 *   tbfs-gen gzip IN OUT
 *       gzip-compresses IN (zlib, gzip wrapper, mtime 0).
 *   tbfs-gen restart OUT
 *       file_version "brain.Event:2"; steps 0..9 with loss = s and
 *       acc = s/8; SessionLog START at step 5; steps 5..12 with
 *       loss = 100 + s and acc = 10 + s/8 (TensorBoard's purge drops the
 *       first run's steps 5..9).
 *   tbfs-gen images OUT [--steps N] [--bytes B]
 *       N TF1 images (default 10000) under tag "samples", one per step,
 *       each a valid PNG of about B bytes (default 4096).
 *   tbfs-gen selftest
 *       Checks the CRC32C and framing test vectors of wire-format.md.
 *
 * Prints nothing on success; errors go to stderr, exit 1 (2: bad usage).
 */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <zlib.h>

#include "tbfs.pb-c.h"

#define WALL_BASE 1600000000.0
#define FILE_VERSION "brain.Event:2"

static const char usage_text[] =
	"usage:\n"
	"  tbfs-gen scalars OUT --tags N --steps N [--tag NAME]...\n"
	"           [--dtype f32|f64|f16|bf16|i32|i64|bool]\n"
	"           [--form simple|tensor_content|typed|typed_unpacked]\n"
	"           [--start-step S] [--wall-start T] [--seed S] [--append]\n"
	"           [--expect FILE]\n"
	"  tbfs-gen big OUT [--bytes N] [--seed S]      (N default 1G)\n"
	"  tbfs-gen tree OUTDIR --runs R --tags T --steps S\n"
	"           [--layout flat|nested|mixed] [--seed S] [--dtype D]"
	" [--form F]\n"
	"  tbfs-gen kinds OUT\n"
	"  tbfs-gen corrupt IN OUT --mode truncate:N|flip:OFFSET|"
	"garbage-prefix:N|\n"
	"           garbage-middle:N[:K]|length-crc:K|data-crc:K|"
	"huge-length:K[:V]\n"
	"  tbfs-gen gzip IN OUT\n"
	"  tbfs-gen restart OUT\n"
	"  tbfs-gen images OUT [--steps N] [--bytes B]\n"
	"  tbfs-gen selftest\n"
	"\n"
	"scalars: file_version, then one Event per step with one value per\n"
	"  tag (tag0.. or --tag names). simple = TF1 simple_value (f32 only,\n"
	"  default for f32); tensor forms are rank-0 TF2 tensors with plugin\n"
	"  \"scalars\" metadata on each tag's first event (typed is the\n"
	"  default for other dtypes). Floats are t + u, u in [0,1) hashed\n"
	"  from (seed, t, step); wall_time = T + (step - S) + jitter in\n"
	"  [0, 0.5), T = 1600000000 + S unless --wall-start. --append: no\n"
	"  file_version and no metadata unless OUT is empty. --expect FILE:\n"
	"  CSV tag,step,wall_time,value of what was written (floats of 32\n"
	"  bits or less as %.9g: parse them as float32).\n"
	"big: 5 float32 tags, one value per Event, at most N bytes.\n"
	"tree: R runs, each one file\n"
	"  OUTDIR/<run>/events.out.tfevents.<1600000000+i>.tbfs-gen\n"
	"  with <run> = run_%05d (flat), exp_%03d/seed_%d (nested) or both\n"
	"  (mixed).\n"
	"kinds: every summary kind, dtype, non-finite values and odd tags.\n"
	"corrupt: one damage, K = record index from 0 (see tbfs-gen.c).\n"
	"restart: steps 0..9, SessionLog START at step 5, steps 5..12.\n"
	"Prints nothing on success; errors to stderr, exit 1 (2: usage).\n";

/* ------------------------------------------------------------ utilities */

static int err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int err(const char *fmt, ...)
{
	va_list ap;

	fputs("tbfs-gen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_be32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* splitmix64 finaliser: all pseudo-randomness derives from it. */
static uint64_t mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t hash3(uint64_t seed, uint64_t a, uint64_t b)
{
	return mix64(mix64(mix64(seed) ^ a) ^ b);
}

/* Uniform double in [0, 1) from the top 53 bits. */
static double unit(uint64_t x)
{
	return (double)(x >> 11) * 0x1.0p-53;
}

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* ----------------------------------------------------- half, bfloat16 */

static uint32_t f32_bits(float f)
{
	uint32_t x;

	memcpy(&x, &f, 4);
	return x;
}

static float bits_f32(uint32_t x)
{
	float f;

	memcpy(&f, &x, 4);
	return f;
}

/* IEEE binary16, round to nearest even; NaN stays a quiet NaN. */
static uint16_t f32_to_f16(float f)
{
	uint32_t x = f32_bits(f);
	uint32_t sign = (x >> 16) & 0x8000;
	uint32_t exp = (x >> 23) & 0xff;
	uint32_t man = x & 0x7fffff;
	int e = (int)exp - 127 + 15;
	uint32_t h, rem, halfway;
	int shift;

	if (exp == 0xff)
		return (uint16_t)(sign | 0x7c00 |
				  (man ? 0x200 | (man >> 13) : 0));
	if (e >= 31)
		return (uint16_t)(sign | 0x7c00);
	if (e <= 0) {
		if (e < -10)
			return (uint16_t)sign;
		man |= 0x800000;
		shift = 14 - e;
		h = man >> shift;
		rem = man & ((1u << shift) - 1);
		halfway = 1u << (shift - 1);
		if (rem > halfway || (rem == halfway && (h & 1)))
			h++;
		return (uint16_t)(sign | h);
	}
	h = ((uint32_t)e << 10) | (man >> 13);
	rem = man & 0x1fff;
	/* A carry out of the mantissa correctly bumps the exponent. */
	if (rem > 0x1000 || (rem == 0x1000 && (h & 1)))
		h++;
	return (uint16_t)(sign | h);
}

static float f16_to_f32(uint16_t h)
{
	uint32_t s = (uint32_t)(h & 0x8000) << 16;
	uint32_t e = (h >> 10) & 0x1f;
	uint32_t m = h & 0x3ff;

	if (e == 0x1f)
		return bits_f32(s | 0x7f800000 | (m << 13));
	if (e == 0) {
		if (m == 0)
			return bits_f32(s);
		e = 113;
		while (!(m & 0x400)) {
			m <<= 1;
			e--;
		}
		m &= 0x3ff;
		return bits_f32(s | (e << 23) | (m << 13));
	}
	return bits_f32(s | ((e + 112) << 23) | (m << 13));
}

/* bfloat16 = top half of a float32, round to nearest even. */
static uint16_t f32_to_bf16(float f)
{
	uint32_t x = f32_bits(f);

	if ((x & 0x7fffffff) > 0x7f800000)
		return (uint16_t)((x >> 16) | 0x40);
	return (uint16_t)((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

static float bf16_to_f32(uint16_t h)
{
	return bits_f32((uint32_t)h << 16);
}

/* -------------------------------------------------- CRC32C, framing */

static uint32_t crc_tab[8][256];

static void crc32c_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1)));
		crc_tab[0][i] = c;
	}
	for (int i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_tab[t][i] = (crc_tab[t - 1][i] >> 8) ^
					crc_tab[0][crc_tab[t - 1][i] & 0xff];
}

/* Slicing-by-8: the big mode frames a gigabyte. */
static uint32_t crc32c(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	while (n >= 8) {
		uint64_t w = get_le64(p) ^ c;

		c = crc_tab[7][w & 0xff] ^ crc_tab[6][(w >> 8) & 0xff] ^
		    crc_tab[5][(w >> 16) & 0xff] ^
		    crc_tab[4][(w >> 24) & 0xff] ^
		    crc_tab[3][(w >> 32) & 0xff] ^
		    crc_tab[2][(w >> 40) & 0xff] ^
		    crc_tab[1][(w >> 48) & 0xff] ^ crc_tab[0][w >> 56];
		p += 8;
		n -= 8;
	}
	while (n--)
		c = (c >> 8) ^ crc_tab[0][(c ^ *p++) & 0xff];
	return c ^ 0xffffffffu;
}

static uint32_t mask_crc(uint32_t c)
{
	return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

static uint32_t masked_crc32c(const uint8_t *p, size_t n)
{
	return mask_crc(crc32c(p, n));
}

/* The 12-byte header and 4-byte footer around an @n-byte payload. */
static void frame(const uint8_t *payload, size_t n, uint8_t hdr[12],
		  uint8_t ftr[4])
{
	put_le64(hdr, n);
	put_le32(hdr + 8, masked_crc32c(hdr, 8));
	put_le32(ftr, masked_crc32c(payload, n));
}

/* -------------------------------------------------------------- output */

#define OUT_BUFSZ (1u << 20)

struct out {
	FILE *f;
	const char *path;
	uint8_t *wbuf;		/* write buffer, OUT_BUFSZ bytes */
	size_t wlen;
	uint8_t *pbuf;		/* packing buffer for one Event */
	size_t pcap;
	uint64_t bytes;		/* bytes emitted so far */
};

static int out_open(struct out *o, const char *path, bool append)
{
	memset(o, 0, sizeof(*o));
	o->path = path;
	o->f = fopen(path, append ? "ab" : "wb");
	if (!o->f)
		return err("%s: %s", path, strerror(errno));
	o->wbuf = malloc(OUT_BUFSZ);
	if (!o->wbuf) {
		fclose(o->f);
		o->f = NULL;
		return err("out of memory");
	}
	return 0;
}

static int out_flush(struct out *o)
{
	if (o->wlen && fwrite(o->wbuf, 1, o->wlen, o->f) != o->wlen)
		return err("%s: write: %s", o->path, strerror(errno));
	o->wlen = 0;
	return 0;
}

static int out_write(struct out *o, const void *p, size_t n)
{
	o->bytes += n;
	if (o->wlen + n > OUT_BUFSZ) {
		if (out_flush(o))
			return -1;
		if (n > OUT_BUFSZ) {
			if (fwrite(p, 1, n, o->f) != n)
				return err("%s: write: %s", o->path,
					   strerror(errno));
			return 0;
		}
	}
	memcpy(o->wbuf + o->wlen, p, n);
	o->wlen += n;
	return 0;
}

/* Flushes and closes; returns -1 if anything failed. Accepts a closed o. */
static int out_close(struct out *o)
{
	int rc = 0;

	if (o->f) {
		if (out_flush(o))
			rc = -1;
		if (fclose(o->f) != 0 && rc == 0)
			rc = err("%s: close: %s", o->path, strerror(errno));
		o->f = NULL;
	}
	free(o->wbuf);
	free(o->pbuf);
	o->wbuf = NULL;
	o->pbuf = NULL;
	return rc;
}

static int out_record(struct out *o, const uint8_t *p, size_t n)
{
	uint8_t hdr[12], ftr[4];

	frame(p, n, hdr, ftr);
	if (out_write(o, hdr, 12) || out_write(o, p, n) || out_write(o, ftr, 4))
		return -1;
	return 0;
}

static int out_event(struct out *o, const Tbfs__Event *ev)
{
	size_t n = tbfs__event__get_packed_size(ev);

	if (n > o->pcap) {
		uint8_t *nb = realloc(o->pbuf, n);

		if (!nb)
			return err("out of memory");
		o->pbuf = nb;
		o->pcap = n;
	}
	if (tbfs__event__pack(ev, o->pbuf) != n)
		return err("protobuf-c packed an unexpected size");
	return out_record(o, o->pbuf, n);
}

static int emit_file_version(struct out *o, double wall)
{
	Tbfs__Event ev = TBFS__EVENT__INIT;

	ev.wall_time = wall;
	ev.what_case = TBFS__EVENT__WHAT_FILE_VERSION;
	ev.file_version = (char *)FILE_VERSION;
	return out_event(o, &ev);
}

static int emit_values(struct out *o, double wall, int64_t step,
		       Tbfs__Summary__Value **vals, size_t n)
{
	Tbfs__Summary sum = TBFS__SUMMARY__INIT;
	Tbfs__Event ev = TBFS__EVENT__INIT;

	sum.n_value = n;
	sum.value = vals;
	ev.wall_time = wall;
	ev.step = step;
	ev.what_case = TBFS__EVENT__WHAT_SUMMARY;
	ev.summary = &sum;
	return out_event(o, &ev);
}

static int emit_value(struct out *o, double wall, int64_t step,
		      Tbfs__Summary__Value *v)
{
	return emit_values(o, wall, step, &v, 1);
}

static int emit_session_log(struct out *o, double wall, int64_t step,
			    int status, const char *ckpt, const char *msg)
{
	Tbfs__SessionLog sl = TBFS__SESSION_LOG__INIT;
	Tbfs__Event ev = TBFS__EVENT__INIT;

	sl.status = status;
	if (ckpt)
		sl.checkpoint_path = (char *)ckpt;
	if (msg)
		sl.msg = (char *)msg;
	ev.wall_time = wall;
	ev.step = step;
	ev.what_case = TBFS__EVENT__WHAT_SESSION_LOG;
	ev.session_log = &sl;
	return out_event(o, &ev);
}

/* ------------------------------------------------------------- scalars */

enum dtype { DT_F32, DT_F64, DT_F16, DT_BF16, DT_I32, DT_I64, DT_BOOL };
enum form { FORM_SIMPLE, FORM_CONTENT, FORM_TYPED, FORM_UNPACKED };

static const struct dtinfo {
	const char *name;
	int tf;			/* TensorFlow DataType */
	int field;		/* TensorProto typed field number */
	ProtobufCWireType wire;	/* wire type of one unpacked element */
} dtinfo[] = {
	[DT_F32] = { "f32", 1, 5, PROTOBUF_C_WIRE_TYPE_32BIT },
	[DT_F64] = { "f64", 2, 6, PROTOBUF_C_WIRE_TYPE_64BIT },
	[DT_F16] = { "f16", 19, 13, PROTOBUF_C_WIRE_TYPE_VARINT },
	[DT_BF16] = { "bf16", 14, 13, PROTOBUF_C_WIRE_TYPE_VARINT },
	[DT_I32] = { "i32", 3, 7, PROTOBUF_C_WIRE_TYPE_VARINT },
	[DT_I64] = { "i64", 9, 10, PROTOBUF_C_WIRE_TYPE_VARINT },
	[DT_BOOL] = { "bool", 10, 11, PROTOBUF_C_WIRE_TYPE_VARINT },
};

static const char *const form_names[] = {
	[FORM_SIMPLE] = "simple",
	[FORM_CONTENT] = "tensor_content",
	[FORM_TYPED] = "typed",
	[FORM_UNPACKED] = "typed_unpacked",
};

/* One scalar as stored: the member matching the dtype is meaningful. */
struct sval {
	float f;		/* f32 */
	double d;		/* f64 */
	uint16_t h;		/* f16, bf16 bit pattern */
	int64_t i;		/* i32 (in range), i64, bool (0/1) */
};

static struct sval sval_make(enum dtype dt, double d, int64_t i)
{
	struct sval v = { 0 };

	switch (dt) {
	case DT_F32:
		v.f = (float)d;
		break;
	case DT_F64:
		v.d = d;
		break;
	case DT_F16:
		v.h = f32_to_f16((float)d);
		break;
	case DT_BF16:
		v.h = f32_to_bf16((float)d);
		break;
	case DT_I32:
		v.i = (int32_t)(uint32_t)i;
		break;
	case DT_I64:
		v.i = i;
		break;
	case DT_BOOL:
		v.i = i & 1;
		break;
	}
	return v;
}

static void sval_print(FILE *f, enum dtype dt, const struct sval *v)
{
	switch (dt) {
	case DT_F32:
		fprintf(f, "%.9g", (double)v->f);
		break;
	case DT_F64:
		fprintf(f, "%.17g", v->d);
		break;
	case DT_F16:
		fprintf(f, "%.9g", (double)f16_to_f32(v->h));
		break;
	case DT_BF16:
		fprintf(f, "%.9g", (double)bf16_to_f32(v->h));
		break;
	default:
		fprintf(f, "%" PRId64, v->i);
		break;
	}
}

/* Little-endian element bytes as in tensor_content; returns the size. */
static size_t sval_le(enum dtype dt, const struct sval *v, uint8_t *out)
{
	uint64_t d;

	switch (dt) {
	case DT_F32:
		put_le32(out, f32_bits(v->f));
		return 4;
	case DT_F64:
		memcpy(&d, &v->d, 8);
		put_le64(out, d);
		return 8;
	case DT_F16:
	case DT_BF16:
		out[0] = (uint8_t)v->h;
		out[1] = (uint8_t)(v->h >> 8);
		return 2;
	case DT_I32:
		put_le32(out, (uint32_t)v->i);
		return 4;
	case DT_I64:
		put_le64(out, (uint64_t)v->i);
		return 8;
	case DT_BOOL:
		out[0] = (uint8_t)v->i;
		return 1;
	}
	return 0;
}

/* Storage for one scalar Summary.Value and everything it points to. */
struct scalar_msg {
	Tbfs__Summary__Value v;
	Tbfs__TensorProto t;
	Tbfs__TensorShapeProto shape;
	Tbfs__SummaryMetadata md;
	Tbfs__SummaryMetadata__PluginData pd;
	ProtobufCMessageUnknownField uf;
	uint8_t raw[10];
	float f;
	double d;
	int32_t i32;
	int64_t i64;
	protobuf_c_boolean b;
};

static void scalar_msg_fill(struct scalar_msg *m, const char *tag,
			    enum dtype dt, enum form fm, const struct sval *sv,
			    bool with_md)
{
	static const Tbfs__Summary__Value v0 = TBFS__SUMMARY__VALUE__INIT;
	static const Tbfs__TensorProto t0 = TBFS__TENSOR_PROTO__INIT;
	static const Tbfs__TensorShapeProto s0 = TBFS__TENSOR_SHAPE_PROTO__INIT;
	static const Tbfs__SummaryMetadata md0 = TBFS__SUMMARY_METADATA__INIT;
	static const Tbfs__SummaryMetadata__PluginData pd0 =
		TBFS__SUMMARY_METADATA__PLUGIN_DATA__INIT;
	uint64_t u;

	m->v = v0;
	m->t = t0;
	m->shape = s0;
	m->md = md0;
	m->pd = pd0;
	m->v.tag = (char *)tag;
	if (fm == FORM_SIMPLE) {
		m->v.value_case = TBFS__SUMMARY__VALUE__VALUE_SIMPLE_VALUE;
		m->v.simple_value = sv->f;
		return;
	}
	m->v.value_case = TBFS__SUMMARY__VALUE__VALUE_TENSOR;
	m->v.tensor = &m->t;
	m->t.dtype = dtinfo[dt].tf;
	m->t.tensor_shape = &m->shape;	/* empty shape: rank 0, "12 00" */
	if (with_md) {
		m->pd.plugin_name = (char *)"scalars";
		m->md.plugin_data = &m->pd;
		m->v.metadata = &m->md;
	}
	switch (fm) {
	case FORM_SIMPLE:
		break;
	case FORM_CONTENT:
		m->t.tensor_content.len = sval_le(dt, sv, m->raw);
		m->t.tensor_content.data = m->raw;
		break;
	case FORM_TYPED:
		switch (dt) {
		case DT_F32:
			m->f = sv->f;
			m->t.n_float_val = 1;
			m->t.float_val = &m->f;
			break;
		case DT_F64:
			m->d = sv->d;
			m->t.n_double_val = 1;
			m->t.double_val = &m->d;
			break;
		case DT_F16:
		case DT_BF16:
			m->i32 = sv->h;
			m->t.n_half_val = 1;
			m->t.half_val = &m->i32;
			break;
		case DT_I32:
			m->i32 = (int32_t)sv->i;
			m->t.n_int_val = 1;
			m->t.int_val = &m->i32;
			break;
		case DT_I64:
			m->i64 = sv->i;
			m->t.n_int64_val = 1;
			m->t.int64_val = &m->i64;
			break;
		case DT_BOOL:
			m->b = sv->i != 0;
			m->t.n_bool_val = 1;
			m->t.bool_val = &m->b;
			break;
		}
		break;
	case FORM_UNPACKED:
		/* protobuf-c packs proto3 repeated numbers; an unknown field
		 * with the same number gives the unpacked encoding. */
		m->uf.tag = (uint32_t)dtinfo[dt].field;
		m->uf.wire_type = dtinfo[dt].wire;
		m->uf.data = m->raw;
		if (dt == DT_F32 || dt == DT_F64) {
			m->uf.len = sval_le(dt, sv, m->raw);
		} else {
			/* int32 negatives are sign-extended to 10 bytes. */
			u = (dt == DT_F16 || dt == DT_BF16) ? sv->h :
							      (uint64_t)sv->i;
			m->uf.len = put_varint(m->raw, u);
		}
		m->t.base.n_unknown_fields = 1;
		m->t.base.unknown_fields = &m->uf;
		break;
	}
}

struct scal_cfg {
	size_t ntags;
	const char *const *tags;	/* NULL: tag0, tag1, ... */
	enum dtype dt;
	enum form fm;
	int64_t start;
	int64_t steps;
	double wall0;			/* wall_time of the first step */
	uint64_t seed;
	bool metadata;			/* first event of each tag carries it */
	FILE *expect;
};

static int write_scalars(struct out *o, const struct scal_cfg *c)
{
	struct scalar_msg *msgs = calloc(c->ntags, sizeof(*msgs));
	Tbfs__Summary__Value **vp = calloc(c->ntags, sizeof(*vp));
	char (*names)[24] = NULL;
	int rc = -1;

	if (!msgs || !vp) {
		err("out of memory");
		goto out;
	}
	if (!c->tags) {
		names = calloc(c->ntags, sizeof(*names));
		if (!names) {
			err("out of memory");
			goto out;
		}
		for (size_t t = 0; t < c->ntags; t++)
			snprintf(names[t], sizeof(names[t]), "tag%zu", t);
	}
	for (int64_t k = 0; k < c->steps; k++) {
		int64_t s = c->start + k;
		uint64_t j = hash3(c->seed, UINT64_MAX, (uint64_t)s);
		double wall = c->wall0 + (double)k + 0.5 * unit(j);

		for (size_t t = 0; t < c->ntags; t++) {
			const char *tag = c->tags ? c->tags[t] : names[t];
			uint64_t x = hash3(c->seed, t, (uint64_t)s);
			struct sval sv = sval_make(c->dt, (double)t + unit(x),
						   (int64_t)x);

			scalar_msg_fill(&msgs[t], tag, c->dt, c->fm, &sv,
					c->metadata && k == 0);
			vp[t] = &msgs[t].v;
			if (c->expect) {
				fprintf(c->expect, "%s,%" PRId64 ",%.17g,", tag,
					s, wall);
				sval_print(c->expect, c->dt, &sv);
				fputc('\n', c->expect);
			}
		}
		if (emit_values(o, wall, s, vp, c->ntags))
			goto out;
	}
	rc = 0;
out:
	free(names);
	free(vp);
	free(msgs);
	return rc;
}

/* ----------------------------------------------------- option parsing */

struct opts {
	const char *pos[3];
	int npos;
	long long tags, steps, runs, bytes, start_step;
	bool have_tags, have_steps, have_runs, have_start;
	double wall_start;
	bool have_wall;
	unsigned long long seed;
	bool append;
	const char **tag_names;
	size_t n_tag_names;
	const char *dtype, *form, *layout, *mode, *expect;
};

static int parse_ll(const char *s, long long *out, bool suffixes)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno || end == s)
		return -1;
	if (suffixes && *end) {
		int sh = *end == 'k' || *end == 'K' ? 10 :
			 *end == 'm' || *end == 'M' ? 20 :
			 *end == 'g' || *end == 'G' ? 30 : -1;

		if (sh < 0 || end[1] || v < 0 || v > (LLONG_MAX >> sh))
			return -1;
		v <<= sh;
		end++;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static int parse_dtype(const char *s, enum dtype *dt)
{
	for (size_t i = 0; i < sizeof(dtinfo) / sizeof(dtinfo[0]); i++) {
		if (strcmp(s, dtinfo[i].name) == 0) {
			*dt = (enum dtype)i;
			return 0;
		}
	}
	return err("unknown dtype '%s'", s);
}

static int parse_form(const char *s, enum form *fm)
{
	for (size_t i = 0; i < sizeof(form_names) / sizeof(form_names[0]);
	     i++) {
		if (strcmp(s, form_names[i]) == 0) {
			*fm = (enum form)i;
			return 0;
		}
	}
	return err("unknown form '%s'", s);
}

/* Returns 0, -1 on a usage error (message printed), 1 for --help. */
static int parse_opts(int argc, char **argv, struct opts *op)
{
	memset(op, 0, sizeof(*op));
	op->seed = 1;
	op->bytes = 1LL << 30;
	op->tag_names = calloc((size_t)argc, sizeof(*op->tag_names));
	if (!op->tag_names)
		return err("out of memory");
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		char name[32];
		const char *val = NULL;
		const char *eq;
		size_t nlen;

		if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
			if (op->npos == 3)
				return err("too many arguments");
			op->pos[op->npos++] = a;
			continue;
		}
		a += 2;
		eq = strchr(a, '=');
		nlen = eq ? (size_t)(eq - a) : strlen(a);
		if (nlen >= sizeof(name))
			return err("unknown option --%s", a);
		memcpy(name, a, nlen);
		name[nlen] = '\0';
		if (strcmp(name, "help") == 0)
			return 1;
		if (strcmp(name, "append") == 0) {
			if (eq)
				return err("--append takes no value");
			op->append = true;
			continue;
		}
		if (eq) {
			val = eq + 1;
		} else {
			if (i + 1 >= argc)
				return err("--%s needs a value", name);
			val = argv[++i];
		}
#define NUM(optname, field, have, suf)                                      \
	if (strcmp(name, optname) == 0) {                                   \
		if (parse_ll(val, &op->field, suf))                         \
			return err("--%s: bad number '%s'", name, val);     \
		have;                                                       \
		continue;                                                   \
	}
		NUM("tags", tags, op->have_tags = true, false)
		NUM("steps", steps, op->have_steps = true, false)
		NUM("runs", runs, op->have_runs = true, false)
		NUM("bytes", bytes, (void)0, true)
		NUM("start-step", start_step, op->have_start = true, false)
#undef NUM
		if (strcmp(name, "wall-start") == 0) {
			char *end;

			op->wall_start = strtod(val, &end);
			if (end == val || *end || !isfinite(op->wall_start))
				return err("--wall-start: bad number '%s'",
					   val);
			op->have_wall = true;
		} else if (strcmp(name, "seed") == 0) {
			char *end;

			errno = 0;
			op->seed = strtoull(val, &end, 0);
			if (errno || end == val || *end)
				return err("--seed: bad number '%s'", val);
		} else if (strcmp(name, "tag") == 0) {
			op->tag_names[op->n_tag_names++] = val;
		} else if (strcmp(name, "dtype") == 0) {
			op->dtype = val;
		} else if (strcmp(name, "form") == 0) {
			op->form = val;
		} else if (strcmp(name, "layout") == 0) {
			op->layout = val;
		} else if (strcmp(name, "mode") == 0) {
			op->mode = val;
		} else if (strcmp(name, "expect") == 0) {
			op->expect = val;
		} else {
			return err("unknown option --%s", name);
		}
	}
	return 0;
}

static int need_pos(const struct opts *op, int n, const char *what)
{
	if (op->npos != n)
		return err("expected %s", what);
	return 0;
}

/* Resolves dtype and form for scalars and tree. */
static int scalar_kind(const struct opts *op, enum dtype *dt, enum form *fm)
{
	*dt = DT_F32;
	if (op->dtype && parse_dtype(op->dtype, dt))
		return -1;
	*fm = *dt == DT_F32 ? FORM_SIMPLE : FORM_TYPED;
	if (op->form && parse_form(op->form, fm))
		return -1;
	if (*fm == FORM_SIMPLE && *dt != DT_F32)
		return err("--form simple holds float32 only "
			   "(use --dtype f32)");
	return 0;
}

/* ----------------------------------------------------------- mode: scalars */

static int mode_scalars(const struct opts *op)
{
	struct scal_cfg c = { 0 };
	struct out o;
	struct stat st;
	bool fresh = true;
	FILE *ex = NULL;
	int rc = -1;

	if (need_pos(op, 1, "scalars OUT"))
		return 2;
	if (scalar_kind(op, &c.dt, &c.fm))
		return 2;
	if (!op->have_steps || op->steps < 0)
		return err("scalars: --steps N (N >= 0) is required"), 2;
	if (op->n_tag_names) {
		if (op->have_tags && op->tags != (long long)op->n_tag_names)
			return err("scalars: --tags differs from the number "
				   "of --tag names"), 2;
		c.ntags = op->n_tag_names;
		c.tags = op->tag_names;
	} else {
		if (!op->have_tags || op->tags < 1 || op->tags > 1000000)
			return err("scalars: --tags N (1..1000000) or --tag "
				   "NAME is required"), 2;
		c.ntags = (size_t)op->tags;
	}
	c.start = op->have_start ? op->start_step : 0;
	c.steps = op->steps;
	c.wall0 = op->have_wall ? op->wall_start : WALL_BASE + (double)c.start;
	c.seed = op->seed;
	if (op->append && stat(op->pos[0], &st) == 0 && st.st_size > 0)
		fresh = false;
	c.metadata = fresh;
	if (op->expect) {
		ex = fopen(op->expect, "w");
		if (!ex)
			return err("%s: %s", op->expect, strerror(errno));
		fputs("tag,step,wall_time,value\n", ex);
		c.expect = ex;
	}
	if (out_open(&o, op->pos[0], op->append))
		goto done;
	if (fresh && emit_file_version(&o, c.wall0))
		goto close;
	if (write_scalars(&o, &c))
		goto close;
	rc = 0;
close:
	if (out_close(&o))
		rc = -1;
done:
	if (ex && fclose(ex) != 0 && rc == 0)
		rc = err("%s: %s", op->expect, strerror(errno));
	return rc ? 1 : 0;
}

/* --------------------------------------------------------------- mode: big */

static const char *const big_tags[5] = {
	"loss", "accuracy", "learning_rate", "train/grad_norm", "eval/loss",
};

/*
 * Hand-encoded Event{wall_time, step, summary{value{tag, simple_value}}}:
 * protobuf-c per event would be slower than the disk. Fields in number
 * order, step omitted when 0 (proto3), exactly as protobuf-c packs it;
 * mode_big compares the first events with tbfs__event__pack.
 */
static size_t big_encode(uint8_t *p, double wall, int64_t step,
			 const char *tag, float v)
{
	size_t tl = strlen(tag), n = 0;
	size_t l2 = 2 + tl + 5, l1 = 2 + l2;
	uint64_t w;

	memcpy(&w, &wall, 8);
	p[n++] = 0x09;
	put_le64(p + n, w);
	n += 8;
	if (step) {
		p[n++] = 0x10;
		n += put_varint(p + n, (uint64_t)step);
	}
	p[n++] = 0x2a;
	p[n++] = (uint8_t)l1;
	p[n++] = 0x0a;
	p[n++] = (uint8_t)l2;
	p[n++] = 0x0a;
	p[n++] = (uint8_t)tl;
	memcpy(p + n, tag, tl);
	n += tl;
	p[n++] = 0x15;
	put_le32(p + n, f32_bits(v));
	return n + 4;
}

static int big_check(const uint8_t *p, size_t n, double wall, int64_t step,
		     const char *tag, float v)
{
	Tbfs__Summary__Value val = TBFS__SUMMARY__VALUE__INIT;
	Tbfs__Summary__Value *vp = &val;
	Tbfs__Summary sum = TBFS__SUMMARY__INIT;
	Tbfs__Event ev = TBFS__EVENT__INIT;
	uint8_t ref[128];

	val.tag = (char *)tag;
	val.value_case = TBFS__SUMMARY__VALUE__VALUE_SIMPLE_VALUE;
	val.simple_value = v;
	sum.n_value = 1;
	sum.value = &vp;
	ev.wall_time = wall;
	ev.step = step;
	ev.what_case = TBFS__EVENT__WHAT_SUMMARY;
	ev.summary = &sum;
	if (tbfs__event__get_packed_size(&ev) != n ||
	    tbfs__event__pack(&ev, ref) != n || memcmp(ref, p, n) != 0)
		return err("big: hand encoding differs from protobuf-c");
	return 0;
}

static int mode_big(const struct opts *op)
{
	struct out o;
	uint64_t limit, rng = op->seed;
	double wall = WALL_BASE;
	uint8_t rec[128];
	int rc = -1;

	if (need_pos(op, 1, "big OUT"))
		return 2;
	if (op->bytes < 0)
		return err("big: --bytes must be >= 0"), 2;
	limit = (uint64_t)op->bytes;
	if (out_open(&o, op->pos[0], false))
		return 1;
	if (limit >= 40 && emit_file_version(&o, wall))
		goto close;
	for (int64_t s = 0;; s++) {
		double x = (double)s;
		float v[5];

		wall += 0.01 + 0.02 * unit(mix64(rng++));
		v[0] = (float)(2.3 / (1.0 + x / 5000.0) +
			       0.05 * (unit(mix64(rng++)) - 0.5));
		v[1] = (float)(1.0 - 0.9 / (1.0 + x / 3000.0) +
			       0.01 * (unit(mix64(rng++)) - 0.5));
		v[2] = (float)(1e-3 / (1.0 + x / 100000.0));
		v[3] = (float)(1.0 + 0.5 * unit(mix64(rng++)));
		v[4] = (float)(2.4 / (1.0 + x / 6000.0) +
			       0.03 * (unit(mix64(rng++)) - 0.5));
		for (int t = 0; t < 5; t++) {
			double w = wall + 1e-4 * t;
			size_t n = big_encode(rec, w, s, big_tags[t], v[t]);

			if (o.bytes + n + 16 > limit) {
				rc = 0;
				goto close;
			}
			if (s < 3 && big_check(rec, n, w, s, big_tags[t], v[t]))
				goto close;
			if (out_record(&o, rec, n))
				goto close;
		}
	}
close:
	if (out_close(&o))
		rc = -1;
	return rc ? 1 : 0;
}

/* -------------------------------------------------------------- mode: tree */

static int mkdir_p(char *path)
{
	for (char *p = path + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (mkdir(path, 0755) != 0 && errno != EEXIST) {
				err("mkdir %s: %s", path, strerror(errno));
				*p = c;
				return -1;
			}
			*p = c;
			if (!c)
				return 0;
		}
	}
}

static int mode_tree(const struct opts *op)
{
	struct scal_cfg c = { 0 };
	const char *layout = op->layout ? op->layout : "flat";
	size_t plen;
	char *path;
	int rc = 1;

	if (need_pos(op, 1, "tree OUTDIR"))
		return 2;
	if (scalar_kind(op, &c.dt, &c.fm))
		return 2;
	if (!op->have_runs || !op->have_tags || !op->have_steps ||
	    op->runs < 0 || op->runs > 10000000 || op->tags < 1 ||
	    op->tags > 1000000 || op->steps < 0)
		return err("tree: --runs R --tags T --steps S are required"),
		       2;
	if (strcmp(layout, "flat") && strcmp(layout, "nested") &&
	    strcmp(layout, "mixed"))
		return err("tree: unknown layout '%s'", layout), 2;
	plen = strlen(op->pos[0]) + 128;
	path = malloc(plen);
	if (!path)
		return err("out of memory"), 1;
	c.ntags = (size_t)op->tags;
	c.steps = op->steps;
	c.metadata = true;
	for (long long i = 0; i < op->runs; i++) {
		long long secs = (long long)WALL_BASE + i, j = i;
		bool nested = layout[0] == 'n' || (layout[0] == 'm' && (i & 1));
		struct out o;
		int n;

		if (layout[0] == 'm')
			j = i / 2;
		if (nested)
			n = snprintf(path, plen, "%s/exp_%03lld/seed_%lld",
				     op->pos[0], j / 4, j % 4);
		else
			n = snprintf(path, plen, "%s/run_%05lld", op->pos[0],
				     j);
		if (n < 0 || (size_t)n >= plen || mkdir_p(path))
			goto done;
		snprintf(path + n, plen - (size_t)n,
			 "/events.out.tfevents.%010lld.tbfs-gen", secs);
		c.wall0 = (double)secs;
		c.seed = op->seed + (uint64_t)i;
		if (out_open(&o, path, false))
			goto done;
		if (emit_file_version(&o, c.wall0) || write_scalars(&o, &c)) {
			out_close(&o);
			goto done;
		}
		if (out_close(&o))
			goto done;
	}
	rc = 0;
done:
	free(path);
	return rc;
}

/* ------------------------------------------------------------- mode: kinds */

/* Valid 1x1 RGB PNGs (red, green), made with zlib. */
static const uint8_t png_red[] = {
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
	0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53, 0xde, 0x00, 0x00, 0x00,
	0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xf8, 0xcf, 0xc0, 0x00,
	0x00, 0x03, 0x01, 0x01, 0x00, 0xf7, 0x03, 0x41, 0x43, 0x00, 0x00, 0x00,
	0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};
static const uint8_t png_green[] = {
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
	0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53, 0xde, 0x00, 0x00, 0x00,
	0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x60, 0xf8, 0xcf, 0x00,
	0x00, 0x02, 0x02, 0x01, 0x00, 0x45, 0xf4, 0x52, 0xd4, 0x00, 0x00, 0x00,
	0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

/* A 52-byte WAV: PCM 16-bit mono 8000 Hz, 4 frames (amp = peak). */
static void make_wav(uint8_t w[52], int16_t amp)
{
	const int16_t s[4] = { 0, amp, 0, (int16_t)-amp };

	memcpy(w, "RIFF", 4);
	put_le32(w + 4, 44);
	memcpy(w + 8, "WAVEfmt ", 8);
	put_le32(w + 16, 16);
	w[20] = 1;		/* PCM */
	w[21] = 0;
	w[22] = 1;		/* mono */
	w[23] = 0;
	put_le32(w + 24, 8000);
	put_le32(w + 28, 16000);
	w[32] = 2;		/* block align */
	w[33] = 0;
	w[34] = 16;		/* bits per sample */
	w[35] = 0;
	memcpy(w + 36, "data", 4);
	put_le32(w + 40, 8);
	for (int i = 0; i < 4; i++) {
		w[44 + 2 * i] = (uint8_t)((uint16_t)s[i] & 0xff);
		w[45 + 2 * i] = (uint8_t)((uint16_t)s[i] >> 8);
	}
}

/* A tensor Summary.Value with plugin metadata; shape dims given. */
struct tensor_msg {
	Tbfs__Summary__Value v;
	Tbfs__TensorProto t;
	Tbfs__TensorShapeProto shape;
	Tbfs__TensorShapeProto__Dim dims[4];
	Tbfs__TensorShapeProto__Dim *dimp[4];
	Tbfs__SummaryMetadata md;
	Tbfs__SummaryMetadata__PluginData pd;
};

static void tensor_msg_init(struct tensor_msg *m, const char *tag, int dtype,
			    const int64_t *dims, size_t ndims,
			    const char *plugin, const uint8_t *content,
			    size_t clen)
{
	static const Tbfs__Summary__Value v0 = TBFS__SUMMARY__VALUE__INIT;
	static const Tbfs__TensorProto t0 = TBFS__TENSOR_PROTO__INIT;
	static const Tbfs__TensorShapeProto s0 = TBFS__TENSOR_SHAPE_PROTO__INIT;
	static const Tbfs__TensorShapeProto__Dim d0 =
		TBFS__TENSOR_SHAPE_PROTO__DIM__INIT;
	static const Tbfs__SummaryMetadata md0 = TBFS__SUMMARY_METADATA__INIT;
	static const Tbfs__SummaryMetadata__PluginData pd0 =
		TBFS__SUMMARY_METADATA__PLUGIN_DATA__INIT;

	m->v = v0;
	m->t = t0;
	m->shape = s0;
	m->md = md0;
	m->pd = pd0;
	for (size_t i = 0; i < ndims && i < 4; i++) {
		m->dims[i] = d0;
		m->dims[i].size = dims[i];
		m->dimp[i] = &m->dims[i];
	}
	m->shape.n_dim = ndims;
	m->shape.dim = m->dimp;
	m->t.dtype = dtype;
	m->t.tensor_shape = &m->shape;
	m->v.tag = (char *)tag;
	m->v.value_case = TBFS__SUMMARY__VALUE__VALUE_TENSOR;
	m->v.tensor = &m->t;
	if (plugin) {
		m->pd.plugin_name = (char *)plugin;
		m->pd.content.data = (uint8_t *)content;
		m->pd.content.len = clen;
		m->md.plugin_data = &m->pd;
		m->v.metadata = &m->md;
	}
}

/* Odd tags: each is a separate simple_value series (steps 0 and 1). */
#define N_ODD_TAGS 9
static void odd_tags(const char *tags[N_ODD_TAGS], char long_tag[301])
{
	memset(long_tag, 'x', 300);
	memcpy(long_tag, "long_", 5);
	long_tag[300] = '\0';
	tags[0] = "a,b";
	tags[1] = "quote\"tag";
	tags[2] = "space tag";
	tags[3] = "../evil";
	tags[4] = "x//y";
	tags[5] = "%percent";
	tags[6] = long_tag;		/* "long_" + 295 'x': 300 bytes */
	tags[7] = "new\nline";
	tags[8] = "unicode/\xc3\xbc";	/* UTF-8 u-umlaut */
}

static int kinds_scalars(struct out *o, double *w)
{
	/* One tag per dtype and form; values by step 0..4. */
	static const struct {
		const char *tag;
		enum dtype dt;
		enum form fm;
	} series[] = {
		{ "dtype/f32_simple_value", DT_F32, FORM_SIMPLE },
		{ "dtype/f32_tensor_content", DT_F32, FORM_CONTENT },
		{ "dtype/f32_float_val", DT_F32, FORM_TYPED },
		{ "dtype/f64_double_val", DT_F64, FORM_TYPED },
		{ "dtype/f16_half_val", DT_F16, FORM_TYPED },
		{ "dtype/bf16_half_val", DT_BF16, FORM_TYPED },
		{ "dtype/i32_int_val", DT_I32, FORM_TYPED },
		{ "dtype/i64_int64_val", DT_I64, FORM_TYPED },
		{ "dtype/bool_bool_val", DT_BOOL, FORM_TYPED },
		{ "dtype/f64_tensor_content", DT_F64, FORM_CONTENT },
		{ "dtype/i32_int_val_unpacked", DT_I32, FORM_UNPACKED },
	};
	enum { NS = sizeof(series) / sizeof(series[0]) };
	/* f32 and f64 at step 0 differ: 0.1 is not a float32. */
	const double fv[5] = { 0.1, NAN, INFINITY, -INFINITY, -0.0 };
	const int64_t iv_i32[5] = { 42, -1, INT32_MAX, INT32_MIN, 0 };
	const int64_t iv_i64[5] = { 42, -1, INT64_MAX, INT64_MIN,
				    9007199254740993LL };
	struct scalar_msg m[NS];
	Tbfs__Summary__Value *vp[NS];

	for (int s = 0; s < 5; s++) {
		for (size_t k = 0; k < NS; k++) {
			enum dtype dt = series[k].dt;
			int64_t iv = dt == DT_I32 ? iv_i32[s] :
				     dt == DT_I64 ? iv_i64[s] : !(s & 1);
			struct sval sv = sval_make(dt, fv[s], iv);

			scalar_msg_fill(&m[k], series[k].tag, dt, series[k].fm,
					&sv, s == 0);
			vp[k] = &m[k].v;
		}
		if (emit_values(o, *w += 1, s, vp, NS))
			return -1;
	}
	return 0;
}

static int kinds_odd_tags(struct out *o, double *w)
{
	const char *tags[N_ODD_TAGS];
	char long_tag[301];
	struct scalar_msg m[N_ODD_TAGS];
	Tbfs__Summary__Value *vp[N_ODD_TAGS];

	odd_tags(tags, long_tag);
	for (int s = 0; s < 2; s++) {
		for (int k = 0; k < N_ODD_TAGS; k++) {
			struct sval sv = sval_make(DT_F32, 1.0 + s, 0);

			scalar_msg_fill(&m[k], tags[k], DT_F32, FORM_SIMPLE,
					&sv, false);
			vp[k] = &m[k].v;
		}
		if (emit_values(o, *w += 1, s, vp, N_ODD_TAGS))
			return -1;
	}
	return 0;
}

static int kinds_histograms(struct out *o, double *w)
{
	/* TF1 HistogramProto, last bucket_limit DBL_MAX as TF writes it. */
	double limits[4] = { -1.0, 0.0, 1.0, DBL_MAX };
	double counts[2][4] = { { 2, 3, 4, 1 }, { 0, 5, 5, 0 } };
	/* TF2 [k,3] rows [left, right, count]. */
	double rows[2][9] = {
		{ -1, 0, 2, 0, 1, 3, 1, 2, 5 },
		{ -2, -1, 0, -1, 1, 7, 1, 2, 0 },
	};
	const int64_t dims[2] = { 3, 3 };

	for (int s = 0; s < 2; s++) {
		Tbfs__HistogramProto h = TBFS__HISTOGRAM_PROTO__INIT;
		Tbfs__Summary__Value v = TBFS__SUMMARY__VALUE__INIT;
		struct tensor_msg tm;
		uint8_t raw[72];

		h.min = s ? -0.5 : -1.5;
		h.max = s ? 0.5 : 2.5;
		h.num = 10;
		h.sum = s ? 0.0 : 3.0;
		h.sum_squares = s ? 1.25 : 12.5;
		h.n_bucket_limit = 4;
		h.bucket_limit = limits;
		h.n_bucket = 4;
		h.bucket = counts[s];
		v.tag = (char *)"histo/tf1";
		v.value_case = TBFS__SUMMARY__VALUE__VALUE_HISTO;
		v.histo = &h;
		if (emit_value(o, *w += 1, s, &v))
			return -1;

		for (int i = 0; i < 9; i++) {
			uint64_t b;

			memcpy(&b, &rows[s][i], 8);
			put_le64(raw + 8 * i, b);
		}
		tensor_msg_init(&tm, "histo/tf2", 2, dims, 2,
				s == 0 ? "histograms" : NULL, NULL, 0);
		tm.t.tensor_content.data = raw;
		tm.t.tensor_content.len = sizeof(raw);
		if (emit_value(o, *w += 1, s, &tm.v))
			return -1;
	}
	return 0;
}

static int kinds_images(struct out *o, double *w)
{
	Tbfs__Summary__Image img = TBFS__SUMMARY__IMAGE__INIT;
	Tbfs__Summary__Value v = TBFS__SUMMARY__VALUE__INIT;
	ProtobufCBinaryData sv[4];
	struct tensor_msg tm;
	const int64_t dim = 4;

	img.height = 1;
	img.width = 1;
	img.colorspace = 3;
	img.encoded_image_string.data = (uint8_t *)png_red;
	img.encoded_image_string.len = sizeof(png_red);
	v.tag = (char *)"image/tf1";
	v.value_case = TBFS__SUMMARY__VALUE__VALUE_IMAGE;
	v.image = &img;
	if (emit_value(o, *w += 1, 0, &v))
		return -1;

	/* TF2: [width, height, png, png], two images in one step. */
	sv[0].data = (uint8_t *)"1";
	sv[0].len = 1;
	sv[1].data = (uint8_t *)"1";
	sv[1].len = 1;
	sv[2].data = (uint8_t *)png_red;
	sv[2].len = sizeof(png_red);
	sv[3].data = (uint8_t *)png_green;
	sv[3].len = sizeof(png_green);
	tensor_msg_init(&tm, "image/tf2", 7, &dim, 1, "images", NULL, 0);
	tm.t.n_string_val = 4;
	tm.t.string_val = sv;
	return emit_value(o, *w += 1, 0, &tm.v);
}

static int kinds_audio(struct out *o, double *w)
{
	Tbfs__Summary__Audio au = TBFS__SUMMARY__AUDIO__INIT;
	Tbfs__Summary__Value v = TBFS__SUMMARY__VALUE__INIT;
	Tbfs__AudioPluginData apd = TBFS__AUDIO_PLUGIN_DATA__INIT;
	uint8_t wav1[52], wav2[52], content[16];
	ProtobufCBinaryData sv[4];
	struct tensor_msg tm;
	const int64_t dims[2] = { 2, 2 };
	size_t clen;

	make_wav(wav1, 16384);
	make_wav(wav2, 8192);
	au.sample_rate = 8000.0f;
	au.num_channels = 1;
	au.length_frames = 4;
	au.encoded_audio_string.data = wav1;
	au.encoded_audio_string.len = sizeof(wav1);
	au.content_type = (char *)"audio/wav";
	v.tag = (char *)"audio/tf1";
	v.value_case = TBFS__SUMMARY__VALUE__VALUE_AUDIO;
	v.audio = &au;
	if (emit_value(o, *w += 1, 0, &v))
		return -1;

	/* TF2: [k,2] rows [clip, markdown label]; the second label empty. */
	apd.encoding = 11;	/* WAV */
	clen = tbfs__audio_plugin_data__pack(&apd, content);
	sv[0].data = wav1;
	sv[0].len = sizeof(wav1);
	sv[1].data = (uint8_t *)"label *one*";
	sv[1].len = strlen("label *one*");
	sv[2].data = wav2;
	sv[2].len = sizeof(wav2);
	sv[3].data = NULL;
	sv[3].len = 0;
	tensor_msg_init(&tm, "audio/tf2", 7, dims, 2, "audio", content, clen);
	tm.t.n_string_val = 4;
	tm.t.string_val = sv;
	return emit_value(o, *w += 1, 0, &tm.v);
}

static int kinds_text(struct out *o, double *w)
{
	static const char *const cells[4] = {
		"a,b", "say \"hi\"", "line1\nline2", "\303\274nic\303\266de",
	};
	const char *md = "**hello** _markdown_";
	ProtobufCBinaryData sv[4];
	struct tensor_msg tm;
	const int64_t dims[2] = { 2, 2 };

	sv[0].data = (uint8_t *)md;
	sv[0].len = strlen(md);
	tensor_msg_init(&tm, "text/rank0", 7, NULL, 0, "text", NULL, 0);
	tm.t.n_string_val = 1;
	tm.t.string_val = sv;
	if (emit_value(o, *w += 1, 0, &tm.v))
		return -1;
	for (int i = 0; i < 4; i++) {
		sv[i].data = (uint8_t *)cells[i];
		sv[i].len = strlen(cells[i]);
	}
	tensor_msg_init(&tm, "text/rank2", 7, dims, 2, "text", NULL, 0);
	tm.t.n_string_val = 4;
	tm.t.string_val = sv;
	return emit_value(o, *w += 1, 0, &tm.v);
}

static int kinds_pr_curve(struct out *o, double *w)
{
	/* Rows TP, FP, TN, FN, precision, recall; 5 thresholds. */
	static const float vals[30] = {
		10, 8, 5, 2, 0,
		10, 6, 3, 1, 0,
		0, 4, 7, 9, 10,
		0, 2, 5, 8, 10,
		0.5f, 8.0f / 14, 5.0f / 8, 2.0f / 3, 0,
		1, 0.8f, 0.5f, 0.2f, 0,
	};
	/* PrCurvePluginData{version 0, num_thresholds (2) = 5}. */
	static const uint8_t content[2] = { 0x10, 0x05 };
	const int64_t dims[2] = { 6, 5 };
	uint8_t raw[120];
	struct tensor_msg tm;

	for (int i = 0; i < 30; i++)
		put_le32(raw + 4 * i, f32_bits(vals[i]));
	tensor_msg_init(&tm, "pr/curve", 1, dims, 2, "pr_curves", content,
			sizeof(content));
	tm.t.tensor_content.data = raw;
	tm.t.tensor_content.len = sizeof(raw);
	return emit_value(o, *w += 1, 0, &tm.v);
}

/* Emits a metadata-only hparams value whose content is @pd. */
static int emit_hparams(struct out *o, double wall, const char *tag,
			const Tbfs__HParamsPluginData *pd)
{
	Tbfs__Summary__Value v = TBFS__SUMMARY__VALUE__INIT;
	Tbfs__SummaryMetadata md = TBFS__SUMMARY_METADATA__INIT;
	Tbfs__SummaryMetadata__PluginData pld =
		TBFS__SUMMARY_METADATA__PLUGIN_DATA__INIT;
	size_t n = tbfs__hparams_plugin_data__get_packed_size(pd);
	uint8_t *buf = malloc(n ? n : 1);
	int rc;

	if (!buf)
		return err("out of memory");
	tbfs__hparams_plugin_data__pack(pd, buf);
	pld.plugin_name = (char *)"hparams";
	pld.content.data = buf;
	pld.content.len = n;
	md.plugin_data = &pld;
	v.tag = (char *)tag;
	v.metadata = &md;
	rc = emit_value(o, wall, 0, &v);
	free(buf);
	return rc;
}

static int kinds_hparams(struct out *o, double *w)
{
	Tbfs__Value v_adam = TBFS__VALUE__INIT, v_sgd = TBFS__VALUE__INIT;
	Tbfs__Value v_t = TBFS__VALUE__INIT, v_f = TBFS__VALUE__INIT;
	Tbfs__Value *opt_vals[2] = { &v_adam, &v_sgd };
	Tbfs__Value *bool_vals[2] = { &v_t, &v_f };
	Tbfs__ListValue opt_dom = TBFS__LIST_VALUE__INIT;
	Tbfs__ListValue bool_dom = TBFS__LIST_VALUE__INIT;
	Tbfs__Interval lr_dom = TBFS__INTERVAL__INIT;
	Tbfs__HParamInfo hi[3] = { TBFS__HPARAM_INFO__INIT,
				   TBFS__HPARAM_INFO__INIT,
				   TBFS__HPARAM_INFO__INIT };
	Tbfs__HParamInfo *hip[3] = { &hi[0], &hi[1], &hi[2] };
	Tbfs__MetricName mn = TBFS__METRIC_NAME__INIT;
	Tbfs__MetricInfo mi = TBFS__METRIC_INFO__INIT;
	Tbfs__MetricInfo *mip = &mi;
	Tbfs__Experiment ex = TBFS__EXPERIMENT__INIT;
	Tbfs__HParamsPluginData pd = TBFS__HPARAMS_PLUGIN_DATA__INIT;
	Tbfs__SessionStartInfo ssi = TBFS__SESSION_START_INFO__INIT;
	Tbfs__SessionEndInfo sei = TBFS__SESSION_END_INFO__INIT;
	/* session hparams: lr 0.1, optimizer "adam", use_bn true,
	 * dropout 0.0 (a oneof zero is still on the wire), layers 3 */
	static const char *const keys[5] = {
		"lr", "optimizer", "use_bn", "dropout", "layers",
	};
	Tbfs__Value hv[5] = { TBFS__VALUE__INIT, TBFS__VALUE__INIT,
			      TBFS__VALUE__INIT, TBFS__VALUE__INIT,
			      TBFS__VALUE__INIT };
	Tbfs__SessionStartInfo__HparamsEntry he[5];
	Tbfs__SessionStartInfo__HparamsEntry *hep[5];
	static const Tbfs__SessionStartInfo__HparamsEntry he0 =
		TBFS__SESSION_START_INFO__HPARAMS_ENTRY__INIT;

	v_adam.kind_case = TBFS__VALUE__KIND_STRING_VALUE;
	v_adam.string_value = (char *)"adam";
	v_sgd.kind_case = TBFS__VALUE__KIND_STRING_VALUE;
	v_sgd.string_value = (char *)"sgd";
	v_t.kind_case = TBFS__VALUE__KIND_BOOL_VALUE;
	v_t.bool_value = 1;
	v_f.kind_case = TBFS__VALUE__KIND_BOOL_VALUE;
	v_f.bool_value = 0;
	opt_dom.n_values = 2;
	opt_dom.values = opt_vals;
	bool_dom.n_values = 2;
	bool_dom.values = bool_vals;
	lr_dom.min_value = 1e-4;
	lr_dom.max_value = 1.0;
	hi[0].name = (char *)"lr";
	hi[0].type = 3;		/* DATA_TYPE_FLOAT64 */
	hi[0].domain_case = TBFS__HPARAM_INFO__DOMAIN_DOMAIN_INTERVAL;
	hi[0].domain_interval = &lr_dom;
	hi[1].name = (char *)"optimizer";
	hi[1].type = 1;		/* DATA_TYPE_STRING */
	hi[1].domain_case = TBFS__HPARAM_INFO__DOMAIN_DOMAIN_DISCRETE;
	hi[1].domain_discrete = &opt_dom;
	hi[2].name = (char *)"use_bn";
	hi[2].type = 2;		/* DATA_TYPE_BOOL */
	hi[2].domain_case = TBFS__HPARAM_INFO__DOMAIN_DOMAIN_DISCRETE;
	hi[2].domain_discrete = &bool_dom;
	mn.tag = (char *)"loss";
	mi.name = &mn;
	ex.description = (char *)"tbfs-gen kinds";
	ex.time_created_secs = *w + 1;
	ex.n_hparam_infos = 3;
	ex.hparam_infos = hip;
	ex.n_metric_infos = 1;
	ex.metric_infos = &mip;
	pd.data_case = TBFS__HPARAMS_PLUGIN_DATA__DATA_EXPERIMENT;
	pd.experiment = &ex;
	if (emit_hparams(o, *w += 1, "_hparams_/experiment", &pd))
		return -1;

	hv[0].kind_case = TBFS__VALUE__KIND_NUMBER_VALUE;
	hv[0].number_value = 0.1;
	hv[1].kind_case = TBFS__VALUE__KIND_STRING_VALUE;
	hv[1].string_value = (char *)"adam";
	hv[2].kind_case = TBFS__VALUE__KIND_BOOL_VALUE;
	hv[2].bool_value = 1;
	hv[3].kind_case = TBFS__VALUE__KIND_NUMBER_VALUE;
	hv[3].number_value = 0.0;
	hv[4].kind_case = TBFS__VALUE__KIND_NUMBER_VALUE;
	hv[4].number_value = 3.0;
	for (int i = 0; i < 5; i++) {
		he[i] = he0;
		he[i].key = (char *)keys[i];
		he[i].value = &hv[i];
		hep[i] = &he[i];
	}
	ssi.n_hparams = 5;
	ssi.hparams = hep;
	ssi.start_time_secs = *w + 1;
	pd.data_case = TBFS__HPARAMS_PLUGIN_DATA__DATA_SESSION_START_INFO;
	pd.session_start_info = &ssi;
	if (emit_hparams(o, *w += 1, "_hparams_/session_start_info", &pd))
		return -1;

	sei.status = 1;		/* STATUS_SUCCESS */
	sei.end_time_secs = *w + 1;
	pd.data_case = TBFS__HPARAMS_PLUGIN_DATA__DATA_SESSION_END_INFO;
	pd.session_end_info = &sei;
	return emit_hparams(o, *w += 1, "_hparams_/session_end_info", &pd);
}

static int kinds_other_events(struct out *o, double *w)
{
	/* GraphDef{node: NodeDef{name: "x", op: "Const"}} */
	static const uint8_t graph[12] = {
		0x0a, 0x0a, 0x0a, 0x01, 'x',
		0x12, 0x05, 'C', 'o', 'n', 's', 't',
	};
	static const uint8_t run_md[2] = { 0x0a, 0x00 };
	Tbfs__Event ev = TBFS__EVENT__INIT;
	Tbfs__TaggedRunMetadata trm = TBFS__TAGGED_RUN_METADATA__INIT;
	Tbfs__LogMessage lm = TBFS__LOG_MESSAGE__INIT;

	ev.wall_time = *w += 1;
	ev.what_case = TBFS__EVENT__WHAT_GRAPH_DEF;
	ev.graph_def.data = (uint8_t *)graph;
	ev.graph_def.len = sizeof(graph);
	if (out_event(o, &ev))
		return -1;

	trm.tag = (char *)"step1";
	trm.run_metadata.data = (uint8_t *)run_md;
	trm.run_metadata.len = sizeof(run_md);
	ev.wall_time = *w += 1;
	ev.step = 1;
	ev.what_case = TBFS__EVENT__WHAT_TAGGED_RUN_METADATA;
	ev.tagged_run_metadata = &trm;
	if (out_event(o, &ev))
		return -1;

	lm.level = 20;		/* INFO */
	lm.message = (char *)"tbfs-gen kinds log message";
	ev.wall_time = *w += 1;
	ev.step = 1;
	ev.what_case = TBFS__EVENT__WHAT_LOG_MESSAGE;
	ev.log_message = &lm;
	return out_event(o, &ev);
}

/*
 * Record order and tags (wall_time 1600000000 + 1 per record, after the
 * file_version record at exactly 1600000000):
 *   file_version; SessionLog START (step 0); graph_def; tagged_run_metadata
 *   "step1" and log_message (step 1);
 *   steps 0..4, one event each, tags dtype/{f32_simple_value,
 *     f32_tensor_content, f32_float_val, f64_double_val, f16_half_val,
 *     bf16_half_val, i32_int_val, i64_int64_val, bool_bool_val,
 *     f64_tensor_content, i32_int_val_unpacked}: floats 0.1, nan, inf,
 *     -inf, -0.0 (rounded to the dtype); i32 42, -1, INT32_MAX, INT32_MIN,
 *     0; i64 42, -1, INT64_MAX, INT64_MIN, 2^53+1; bool 1, 0, 1, 0, 1;
 *     tensor forms carry "scalars" metadata at step 0;
 *   SessionLog CHECKPOINT (step 4, "/tmp/tbfs-gen/model.ckpt-4");
 *   steps 0..1: odd tags (see odd_tags) = 1.0, 2.0 as simple_value;
 *   histo/tf1 (HistogramProto) and histo/tf2 ([3,3] DT_DOUBLE), steps 0, 1;
 *   image/tf1 (Summary.Image, 1x1 PNG), image/tf2 ([4] string: "1", "1",
 *     red PNG, green PNG), step 0;
 *   audio/tf1 (Summary.Audio WAV), audio/tf2 ([2,2] string), step 0;
 *   text/rank0, text/rank2 ([2,2]), step 0; pr/curve ([6,5]), step 0;
 *   _hparams_/experiment, _hparams_/session_start_info,
 *   _hparams_/session_end_info (metadata only), step 0;
 *   SessionLog STOP (step 5).
 */
static int write_kinds(struct out *o)
{
	double w = WALL_BASE;

	if (emit_file_version(o, w) ||
	    emit_session_log(o, w += 1, 0, 1, NULL, NULL) ||
	    kinds_other_events(o, &w) || kinds_scalars(o, &w) ||
	    emit_session_log(o, w += 1, 4, 3, "/tmp/tbfs-gen/model.ckpt-4",
			     "checkpoint") ||
	    kinds_odd_tags(o, &w) || kinds_histograms(o, &w) ||
	    kinds_images(o, &w) || kinds_audio(o, &w) || kinds_text(o, &w) ||
	    kinds_pr_curve(o, &w) || kinds_hparams(o, &w) ||
	    emit_session_log(o, w += 1, 5, 2, NULL, NULL))
		return -1;
	return 0;
}

static int mode_kinds(const struct opts *op)
{
	struct out o;
	int rc;

	if (need_pos(op, 1, "kinds OUT"))
		return 2;
	if (out_open(&o, op->pos[0], false))
		return 1;
	rc = write_kinds(&o);
	if (out_close(&o))
		rc = -1;
	return rc ? 1 : 0;
}

/* ------------------------------------------------------------ mode: images */

/* A valid PNG of about @size bytes: the 1x1 red image with a tEXt chunk of
 * filler before IEND (PNG chunk CRC = zlib crc32 over type and data). The
 * step number goes into the filler so every image differs. */
static size_t png_of_size(uint8_t *buf, size_t size, long long step)
{
	const size_t iend = 12, head = sizeof(png_red) - iend;
	size_t fill = size > head + iend + 12 + 16 ? size - head - iend - 12 : 16;
	uint8_t *p = buf;

	memcpy(p, png_red, head);
	p += head;
	put_be32(p, (uint32_t)fill);
	memcpy(p + 4, "tEXt", 4);
	int n = snprintf((char *)p + 8, fill, "step%c%lld ", 0, step);
	memset(p + 8 + n, 'x', fill - (size_t)n);
	put_be32(p + 8 + fill, (uint32_t)crc32(0, p + 4, (uInt)(4 + fill)));
	p += 12 + fill;
	memcpy(p, png_red + head, iend);
	return (size_t)(p + iend - buf);
}

/* images OUT --steps N [--bytes B]: N TF1 images (one per step, tag
 * "samples"), each a valid PNG of about B bytes (default 4096). */
static int mode_images(const struct opts *op)
{
	Tbfs__Summary__Image img = TBFS__SUMMARY__IMAGE__INIT;
	Tbfs__Summary__Value v = TBFS__SUMMARY__VALUE__INIT;
	size_t size = op->bytes > 0 ? (size_t)op->bytes : 4096;
	long long n = op->have_steps ? op->steps : 10000;
	struct out o;
	uint8_t *buf;
	int rc = 0;

	if (need_pos(op, 1, "images OUT"))
		return 2;
	if (size > (64u << 20))
		return (err("images: --bytes at most 64M"), 2);
	buf = malloc(size + 256);
	if (!buf)
		return (err("out of memory"), 1);
	if (out_open(&o, op->pos[0], false)) {
		free(buf);
		return 1;
	}
	img.height = 1;
	img.width = 1;
	img.colorspace = 3;
	v.tag = (char *)"samples";
	v.value_case = TBFS__SUMMARY__VALUE__VALUE_IMAGE;
	v.image = &img;
	for (long long s = 0; s < n && !rc; s++) {
		img.encoded_image_string.data = buf;
		img.encoded_image_string.len = png_of_size(buf, size, s);
		rc = emit_value(&o, 1600000000.0 + (double)s, s, &v);
	}
	if (out_close(&o))
		rc = -1;
	free(buf);
	return rc ? 1 : 0;
}

/* ----------------------------------------------------------- mode: restart */

static int mode_restart(const struct opts *op)
{
	static const char *const tags[2] = { "loss", "acc" };
	struct out o;
	double w = WALL_BASE;
	int rc = -1;

	if (need_pos(op, 1, "restart OUT"))
		return 2;
	if (out_open(&o, op->pos[0], false))
		return 1;
	if (emit_file_version(&o, w))
		goto close;
	for (int pass = 0; pass < 2; pass++) {
		int from = pass ? 5 : 0, to = pass ? 12 : 9;

		if (pass && emit_session_log(&o, w += 1, 5, 1, NULL, NULL))
			goto close;
		for (int s = from; s <= to; s++) {
			struct scalar_msg m[2];
			Tbfs__Summary__Value *vp[2];
			double v[2] = { (pass ? 100 : 0) + s,
					(pass ? 10 : 0) + s / 8.0 };

			for (int k = 0; k < 2; k++) {
				struct sval sv = sval_make(DT_F32, v[k], 0);

				scalar_msg_fill(&m[k], tags[k], DT_F32,
						FORM_SIMPLE, &sv, false);
				vp[k] = &m[k].v;
			}
			if (emit_values(&o, w += 1, s, vp, 2))
				goto close;
		}
	}
	rc = 0;
close:
	if (out_close(&o))
		rc = -1;
	return rc ? 1 : 0;
}

/* -------------------------------------------------- mode: corrupt, gzip */

static int read_file(const char *path, uint8_t **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return err("%s: %s", path, strerror(errno));
	for (;;) {
		size_t got;

		if (n == cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return err("out of memory");
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return err("%s: read error", path);
	}
	fclose(f);
	*data = buf;
	*len = n;
	return 0;
}

static int write_file(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return err("%s: %s", path, strerror(errno));
	if ((n && fwrite(p, 1, n, f) != n) || fclose(f) != 0) {
		if (n)
			err("%s: write: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Record start offsets of complete records; *nrec of them. */
static size_t *record_offsets(const uint8_t *p, size_t n, size_t *nrec)
{
	size_t cap = 64, k = 0, off = 0;
	size_t *offs = malloc(cap * sizeof(*offs));

	if (!offs)
		return NULL;
	while (off + 16 <= n) {
		uint64_t len = get_le64(p + off);

		if (len > n - off - 16)
			break;
		if (k == cap) {
			size_t *no = realloc(offs, 2 * cap * sizeof(*offs));

			if (!no) {
				free(offs);
				return NULL;
			}
			offs = no;
			cap *= 2;
		}
		offs[k++] = off;
		off += 16 + (size_t)len;
	}
	*nrec = k;
	return offs;
}

static void garbage(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)mix64(0x7462667367656e00ULL + i);
}

/* Parses "a" or "a:b" after the mode name; @b optional. */
static int parse_damage_args(const char *s, long long *a, long long *b,
			     bool *have_b)
{
	char buf[64];
	char *colon;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	colon = strchr(buf, ':');
	*have_b = false;
	if (colon) {
		*colon = '\0';
		if (!b || parse_ll(colon + 1, b, false))
			return -1;
		*have_b = true;
	}
	return parse_ll(buf, a, false);
}

static int mode_corrupt(const struct opts *op)
{
	uint8_t *in = NULL, *outb = NULL;
	size_t n, nrec = 0, *offs = NULL, outn;
	const char *mode = op->mode, *arg;
	long long a = 0, b = 0;
	bool have_b = false;
	int rc = 1;

	if (need_pos(op, 2, "corrupt IN OUT"))
		return 2;
	if (!mode || !(arg = strchr(mode, ':')))
		return err("corrupt: --mode KIND:ARG is required"), 2;
	arg++;
	if (read_file(op->pos[0], &in, &n))
		return 1;
	offs = record_offsets(in, n, &nrec);
	if (!offs) {
		err("out of memory");
		goto done;
	}
#define IS(name) (strncmp(mode, name ":", strlen(name) + 1) == 0)
	if (parse_damage_args(arg, &a, IS("garbage-middle") ||
			      IS("huge-length") ? &b : NULL, &have_b)) {
		err("corrupt: bad argument in '%s'", mode);
		rc = 2;
		goto done;
	}
	if (IS("truncate")) {
		if (a < 0)
			a = (long long)n + a;
		if (a < 0 || (unsigned long long)a > n) {
			err("corrupt: truncate beyond the file (%zu bytes)", n);
			goto done;
		}
		rc = write_file(op->pos[1], in, (size_t)a) ? 1 : 0;
	} else if (IS("flip")) {
		if (a < 0 || (unsigned long long)a >= n) {
			err("corrupt: offset beyond the file (%zu bytes)", n);
			goto done;
		}
		in[a] ^= 0x01;
		rc = write_file(op->pos[1], in, n) ? 1 : 0;
	} else if (IS("garbage-prefix") || IS("garbage-middle")) {
		size_t at = 0;

		if (a < 0 || a > (1LL << 30)) {
			err("corrupt: bad garbage size");
			goto done;
		}
		if (IS("garbage-middle")) {
			long long k = have_b ? b : (long long)nrec / 2;

			if (k < 0 || (size_t)k > nrec) {
				err("corrupt: record %lld out of range (%zu "
				    "records)", k, nrec);
				goto done;
			}
			at = (size_t)k < nrec ? offs[k] :
			     nrec ? offs[nrec - 1] + 16 +
				    get_le64(in + offs[nrec - 1]) : 0;
		}
		outn = n + (size_t)a;
		outb = malloc(outn ? outn : 1);
		if (!outb) {
			err("out of memory");
			goto done;
		}
		memcpy(outb, in, at);
		garbage(outb + at, (size_t)a);
		memcpy(outb + at + a, in + at, n - at);
		rc = write_file(op->pos[1], outb, outn) ? 1 : 0;
	} else if (IS("length-crc") || IS("data-crc") || IS("huge-length")) {
		uint8_t *r;

		if (a < 0 || (size_t)a >= nrec) {
			err("corrupt: record %lld out of range (%zu records)",
			    a, nrec);
			goto done;
		}
		r = in + offs[a];
		if (IS("length-crc")) {
			r[8] ^= 0x01;
		} else if (IS("data-crc")) {
			r[12 + get_le64(r)] ^= 0x01;
		} else {
			put_le64(r, have_b ? (uint64_t)b : 1ULL << 40);
			put_le32(r + 8, masked_crc32c(r, 8));
		}
		rc = write_file(op->pos[1], in, n) ? 1 : 0;
	} else {
		err("corrupt: unknown mode '%s'", mode);
		rc = 2;
	}
#undef IS
done:
	free(outb);
	free(offs);
	free(in);
	return rc;
}

static int mode_gzip(const struct opts *op)
{
	uint8_t *in = NULL;
	size_t n, off = 0;
	gzFile gz;
	int rc = 1;

	if (need_pos(op, 2, "gzip IN OUT"))
		return 2;
	if (read_file(op->pos[0], &in, &n))
		return 1;
	gz = gzopen(op->pos[1], "wb");
	if (!gz) {
		err("%s: cannot open", op->pos[1]);
		goto done;
	}
	while (off < n) {
		unsigned chunk = n - off > (1u << 30) ? 1u << 30 :
							(unsigned)(n - off);

		if (gzwrite(gz, in + off, chunk) != (int)chunk) {
			err("%s: gzwrite failed", op->pos[1]);
			gzclose(gz);
			goto done;
		}
		off += chunk;
	}
	if (gzclose(gz) != Z_OK) {
		err("%s: gzclose failed", op->pos[1]);
		goto done;
	}
	rc = 0;
done:
	free(in);
	return rc;
}

/* ----------------------------------------------------------- mode: selftest */

static int check(bool ok, const char *what)
{
	if (!ok)
		err("selftest: %s", what);
	return ok ? 0 : 1;
}

static int mode_selftest(void)
{
	/* Vectors from shared/docs/wire-format.md §1. */
	static const uint8_t rec1[] = {
		0x18, 0, 0, 0, 0, 0, 0, 0, 0xa3, 0x7f, 0x4b, 0x22,
		0x09, 0x00, 0x00, 0x80, 0x38, 0x99, 0xd6, 0xd7, 0x41,
		0x1a, 0x0d,
		'b', 'r', 'a', 'i', 'n', '.', 'E', 'v', 'e', 'n', 't', ':', '2',
		0x12, 0x4b, 0x36, 0xab,
	};
	static const uint8_t ev2[50] = {
		0x09, 0xc4, 0x05, 0xb7, 0x3d, 0x99, 0xd6, 0xd7, 0x41,
		0x10, 0x4d, 0x2a, 0x25, 0x0a, 0x23,
		0x0a, 0x08, 'a', 'c', 'c', 'u', 'r', 'a', 'c', 'y',
		0x42, 0x0a, 0x08, 0x01, 0x12, 0x00, 0x22, 0x04,
		0xa4, 0x70, 0x7d, 0x3f,
		0x4a, 0x0b, 0x0a, 0x09, 0x0a, 0x07,
		's', 'c', 'a', 'l', 'a', 'r', 's',
	};
	static const uint8_t hdr2[12] = {
		0x32, 0, 0, 0, 0, 0, 0, 0, 0x24, 0x19, 0x56, 0xec,
	};
	static const uint8_t ftr2[4] = { 0xa5, 0x5b, 0x64, 0x33 };
	static const uint8_t crc_test[] = "\x1a\x11" "CRC test, one two";
	uint8_t zeros[32], ones[32], seq[32], hdr[12], ftr[4], buf[256];
	Tbfs__Event ev = TBFS__EVENT__INIT;
	struct scalar_msg m;
	Tbfs__Summary__Value *vp = &m.v;
	Tbfs__Summary sum = TBFS__SUMMARY__INIT;
	struct sval sv;
	size_t n;
	int bad = 0;

	memset(zeros, 0, 32);
	memset(ones, 0xff, 32);
	for (int i = 0; i < 32; i++)
		seq[i] = (uint8_t)i;
	bad += check(crc32c((const uint8_t *)"123456789", 9) == 0xe3069283u,
		     "crc32c(123456789)");
	bad += check(masked_crc32c((const uint8_t *)"123456789", 9) ==
			     0xc78ab0e5u, "masked crc32c(123456789)");
	bad += check(masked_crc32c(zeros, 0) == 0xa282ead8u, "masked(empty)");
	bad += check(crc32c(zeros, 32) == 0x8a9136aau, "crc32c(32 x 00)");
	bad += check(crc32c(ones, 32) == 0x62a8ab43u, "crc32c(32 x ff)");
	bad += check(crc32c(seq, 32) == 0x46dd794eu, "crc32c(00..1f)");
	bad += check(masked_crc32c(zeros, 8) == 0x07980329u, "masked(len 0)");
	bad += check(masked_crc32c(crc_test, sizeof(crc_test) - 1) ==
			     0x5794d08au, "masked(CRC test)");

	/* Record 1: file_version at 1599759586.0. */
	ev.wall_time = 1599759586.0;
	ev.what_case = TBFS__EVENT__WHAT_FILE_VERSION;
	ev.file_version = (char *)FILE_VERSION;
	n = tbfs__event__pack(&ev, buf);
	frame(buf, n, hdr, ftr);
	bad += check(n == 24 && memcmp(hdr, rec1, 12) == 0 &&
			     memcmp(buf, rec1 + 12, 24) == 0 &&
			     memcmp(ftr, rec1 + 36, 4) == 0,
		     "worked example record 1");

	/* Record 2: tf.summary.scalar("accuracy", 0.99, step=77). */
	sv = sval_make(DT_F32, 0.99, 0);
	scalar_msg_fill(&m, "accuracy", DT_F32, FORM_CONTENT, &sv, true);
	sum.n_value = 1;
	sum.value = &vp;
	ev.wall_time = 1599759606.859727;
	ev.step = 77;
	ev.what_case = TBFS__EVENT__WHAT_SUMMARY;
	ev.summary = &sum;
	n = tbfs__event__pack(&ev, buf);
	frame(buf, n, hdr, ftr);
	bad += check(n == sizeof(ev2) && memcmp(buf, ev2, n) == 0,
		     "worked example record 2 payload");
	bad += check(memcmp(hdr, hdr2, 12) == 0 && memcmp(ftr, ftr2, 4) == 0,
		     "worked example record 2 framing");

	/* Unpacked typed form: int_val -1 as one 10-byte varint. */
	sv = sval_make(DT_I32, 0, -1);
	scalar_msg_fill(&m, "t", DT_I32, FORM_UNPACKED, &sv, false);
	n = tbfs__tensor_proto__pack(&m.t, buf);
	bad += check(n == 15 && buf[4] == 0x38 && buf[5] == 0xff &&
			     buf[14] == 0x01, "unpacked int_val -1");
	scalar_msg_fill(&m, "t", DT_I32, FORM_TYPED, &sv, false);
	n = tbfs__tensor_proto__pack(&m.t, buf);
	bad += check(n == 16 && buf[4] == 0x3a && buf[5] == 10,
		     "packed int_val -1");

	/* Half and bfloat16. */
	bad += check(f32_to_f16(1.5f) == 0x3e00 &&
			     f32_to_f16(-0.0f) == 0x8000 &&
			     f32_to_f16(INFINITY) == 0x7c00 &&
			     f32_to_f16(-INFINITY) == 0xfc00 &&
			     f32_to_f16(NAN) == 0x7e00 &&
			     f32_to_f16(65504.0f) == 0x7bff &&
			     f32_to_f16(65520.0f) == 0x7c00 &&
			     f32_to_f16(0x1p-24f) == 0x0001 &&
			     f32_to_f16(0x1p-25f) == 0x0000 &&
			     f32_to_f16(0.1f) == 0x2e66, "f32_to_f16");
	bad += check(f16_to_f32(0x0001) == 0x1p-24f &&
			     f16_to_f32(0x3c00) == 1.0f &&
			     f16_to_f32(0x2e66) == 0.0999755859375f,
		     "f16_to_f32");
	bad += check(f32_to_bf16(1.5f) == 0x3fc0 &&
			     f32_to_bf16(0.1f) == 0x3dcd &&
			     f32_to_bf16(NAN) == 0x7fc0 &&
			     f32_to_bf16(-INFINITY) == 0xff80 &&
			     bf16_to_f32(0x3dcd) == 0.10009765625f,
		     "f32_to_bf16");
	return bad ? 1 : 0;
}

/* --------------------------------------------------------------------- main */

int main(int argc, char **argv)
{
	struct opts op;
	const char *cmd;
	int rc;

	crc32c_init();
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	cmd = argv[1];
	rc = parse_opts(argc, argv, &op);
	if (rc == 1) {
		fputs(usage_text, stdout);
		rc = 0;
		goto done;
	}
	if (rc) {
		rc = 2;
		goto done;
	}
	if (strcmp(cmd, "scalars") == 0)
		rc = mode_scalars(&op);
	else if (strcmp(cmd, "big") == 0)
		rc = mode_big(&op);
	else if (strcmp(cmd, "tree") == 0)
		rc = mode_tree(&op);
	else if (strcmp(cmd, "kinds") == 0)
		rc = mode_kinds(&op);
	else if (strcmp(cmd, "corrupt") == 0)
		rc = mode_corrupt(&op);
	else if (strcmp(cmd, "gzip") == 0)
		rc = mode_gzip(&op);
	else if (strcmp(cmd, "restart") == 0)
		rc = mode_restart(&op);
	else if (strcmp(cmd, "images") == 0)
		rc = mode_images(&op);
	else if (strcmp(cmd, "selftest") == 0)
		rc = op.npos ? (err("selftest takes no arguments"), 2) :
			       mode_selftest();
	else
		rc = (err("unknown mode '%s' (try --help)", cmd), 2);
done:
	free(op.tag_names);
	return rc;
}
