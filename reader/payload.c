/*
 * payload.c — load one non-scalar event from disk and decode it.
 *
 * Layer: reader. Images, audio, histograms, text and other tensors are
 * indexed by (file, offset) only; their bytes are read again here when a
 * file under images/ (etc.) is opened, checked against the record CRC and
 * decoded with protobuf-c. The payload keeps the unpacked message alive,
 * so blobs point into it without another copy.
 */
#include "run_i.h"
#include "tbfs.pb-c.h"

#include <math.h>
#include <stdlib.h>

/* Largest tensor we expand to doubles (elements). */
#define MAX_TENSOR_ELEMENTS (64u << 20)

struct payload_full {
	struct tbr_payload pub;
	Tbfs__Event *ev;
	int64_t *shape;
	double *values;
	char **strings;
	size_t *string_sizes;
	size_t nstrings;
	double *hist;
};

void tbr_payload_free(struct tbr_payload *p)
{
	struct payload_full *f = (struct payload_full *)p;

	if (!f)
		return;
	if (f->ev)
		tbfs__event__free_unpacked(f->ev, NULL);
	for (size_t i = 0; i < f->nstrings; i++)
		free(f->strings[i]);
	free(f->strings);
	free(f->string_sizes);
	free(f->shape);
	free(f->values);
	free(f->hist);
	free(f->pub.blobs);
	free(f);
}

static const char *sniff_ext(const uint8_t *d, size_t n, const char *dflt)
{
	if (n >= 8 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8))
		return "png";
	if (n >= 4 && !memcmp(d, "GIF8", 4))
		return "gif";
	if (n >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff)
		return "jpg";
	if (n >= 12 && !memcmp(d, "RIFF", 4) && !memcmp(d + 8, "WAVE", 4))
		return "wav";
	if (n >= 12 && !memcmp(d, "RIFF", 4) && !memcmp(d + 8, "WEBP", 4))
		return "webp";
	if (n >= 4 && !memcmp(d, "OggS", 4))
		return "ogg";
	if (n >= 4 && !memcmp(d, "fLaC", 4))
		return "flac";
	if (n >= 2 && d[0] == 'B' && d[1] == 'M')
		return "bmp";
	return dflt;
}

static size_t dtype_size(int dt)
{
	switch (dt) {
	case 1: case 3: case 22: return 4;
	case 2: case 9: case 23: return 8;
	case 4: case 6: case 10: return 1;
	case 5: case 17: case 14: case 19: return 2;
	default: return 0;
	}
}

static double content_elem(const uint8_t *c, int dt)
{
	float f;
	double d;
	int32_t i32;
	int64_t i64;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	switch (dt) {
	case 1: memcpy(&f, c, 4); return f;
	case 2: memcpy(&d, c, 8); return d;
	case 3: memcpy(&i32, c, 4); return i32;
	case 4: return c[0];
	case 6: return (int8_t)c[0];
	case 10: return c[0] != 0;
	case 5: memcpy(&u16, c, 2); return (int16_t)u16;
	case 17: memcpy(&u16, c, 2); return u16;
	case 9: memcpy(&i64, c, 8); return (double)i64;
	case 22: memcpy(&u32, c, 4); return u32;
	case 23: memcpy(&u64, c, 8); return (double)u64;
	case 19:
	case 14: {
		bool was_f32;

		memcpy(&u16, c, 2);
		return tbr_half_bits_to_float(u16, dt == 14, &was_f32);
	}
	default: return 0;
	}
}

/* Typed-field element @i, or NAN if that field has fewer elements. */
static bool typed_elem(const Tbfs__TensorProto *t, size_t i, double *out)
{
	switch (t->dtype) {
	case 1:
		if (i >= t->n_float_val) return false;
		*out = t->float_val[i];
		return true;
	case 2:
		if (i >= t->n_double_val) return false;
		*out = t->double_val[i];
		return true;
	case 3: case 4: case 5: case 6: case 17:
		if (i >= t->n_int_val) return false;
		*out = t->int_val[i];
		return true;
	case 9:
		if (i >= t->n_int64_val) return false;
		*out = (double)t->int64_val[i];
		return true;
	case 10:
		if (i >= t->n_bool_val) return false;
		*out = t->bool_val[i];
		return true;
	case 19: case 14: {
		if (i >= t->n_half_val) return false;
		bool was_f32;

		*out = tbr_half_bits_to_float((uint32_t)t->half_val[i],
					      t->dtype == 14, &was_f32);
		return true;
	}
	case 22:
		if (i >= t->n_uint32_val) return false;
		*out = t->uint32_val[i];
		return true;
	case 23:
		if (i >= t->n_uint64_val) return false;
		*out = (double)t->uint64_val[i];
		return true;
	default:
		return false;
	}
}

static tbr_status decode_tensor(struct payload_full *f,
				const Tbfs__TensorProto *t)
{
	struct tbr_tensor *o = &f->pub.tensor;
	size_t rank = t->tensor_shape ? t->tensor_shape->n_dim : 0;
	uint64_t count = 1;

	o->dtype = t->dtype;
	o->rank = rank;
	f->shape = calloc(rank ? rank : 1, sizeof(*f->shape));
	if (!f->shape)
		return TBR_ERR_NOMEM;
	for (size_t i = 0; i < rank; i++) {
		int64_t s = t->tensor_shape->dim[i]->size;

		f->shape[i] = s;
		if (s < 0 || (s && count > MAX_TENSOR_ELEMENTS / (uint64_t)s))
			count = MAX_TENSOR_ELEMENTS + 1ull;
		else
			count *= (uint64_t)s;
	}
	o->shape = f->shape;
	if (t->dtype == 7) { /* DT_STRING */
		size_t n = t->n_string_val;

		f->strings = calloc(n ? n : 1, sizeof(char *));
		f->string_sizes = calloc(n ? n : 1, sizeof(size_t));
		if (!f->strings || !f->string_sizes)
			return TBR_ERR_NOMEM;
		for (size_t i = 0; i < n; i++) {
			const ProtobufCBinaryData *b = &t->string_val[i];

			f->strings[i] = malloc(b->len + 1);
			if (!f->strings[i])
				return TBR_ERR_NOMEM;
			if (b->len) /* an empty element has data == NULL */
				memcpy(f->strings[i], b->data, b->len);
			f->strings[i][b->len] = 0;
			f->string_sizes[i] = b->len;
			f->nstrings++;
		}
		o->count = n;
		o->strings = (const char *const *)f->strings;
		o->string_sizes = f->string_sizes;
		return TBR_OK;
	}
	if (count > MAX_TENSOR_ELEMENTS)
		return TBR_ERR_TOO_LARGE;
	size_t es = dtype_size(t->dtype);
	f->values = calloc(count ? count : 1, sizeof(double));
	if (!f->values)
		return TBR_ERR_NOMEM;
	if (t->tensor_content.len && es) {
		size_t have = t->tensor_content.len / es;
		for (size_t i = 0; i < count; i++)
			f->values[i] = i < have ?
				content_elem(t->tensor_content.data + i * es, t->dtype) :
				(have ? f->values[have - 1] : 0);
	} else {
		double last = 0;
		for (size_t i = 0; i < count; i++) {
			/* fewer values than elements: repeat the last one,
			 * as TensorFlow's C++ does */
			if (typed_elem(t, i, &last))
				f->values[i] = last;
			else
				f->values[i] = last;
		}
	}
	o->count = count;
	o->values = f->values;
	return TBR_OK;
}

static tbr_status histo_tf1(struct payload_full *f, const Tbfs__HistogramProto *h)
{
	struct tbr_histogram *o = &f->pub.histogram;
	size_t n = h->n_bucket < h->n_bucket_limit ? h->n_bucket : h->n_bucket_limit;
	size_t start = 0, end;

	o->has_stats = true;
	o->min = h->min;
	o->max = h->max;
	o->num = h->num;
	o->sum = h->sum;
	o->sum_squares = h->sum_squares;
	/* TensorBoard's migration: drop empty buckets at both ends, then
	 * lefts = [min] + limits[start:end], rights = limits[start:end] + [max]
	 * (data_compat.py _migrate_histogram). */
	while (start < n && !(h->bucket[start] > 0))
		start++;
	end = n;
	while (end > start && !(h->bucket[end - 1] > 0))
		end--;
	size_t k = end - start;
	f->hist = calloc(k * 3 + 1, sizeof(double));
	if (!f->hist)
		return TBR_ERR_NOMEM;
	o->left = f->hist;
	o->right = f->hist + k;
	o->count = f->hist + 2 * k;
	o->buckets = k;
	for (size_t i = 0; i < k; i++) {
		o->left[i] = i == 0 ? h->min : h->bucket_limit[start + i - 1];
		o->right[i] = i == k - 1 ? h->max : h->bucket_limit[start + i];
		o->count[i] = h->bucket[start + i];
	}
	return TBR_OK;
}

static tbr_status histo_tf2(struct payload_full *f)
{
	struct tbr_histogram *o = &f->pub.histogram;
	struct tbr_tensor *t = &f->pub.tensor;

	if (!t->values || t->rank != 2 || t->shape[1] != 3)
		return t->count == 0 ? TBR_OK : TBR_ERR_DECODE;
	size_t k = (size_t)t->shape[0];
	f->hist = calloc(k * 3 + 1, sizeof(double));
	if (!f->hist)
		return TBR_ERR_NOMEM;
	o->left = f->hist;
	o->right = f->hist + k;
	o->count = f->hist + 2 * k;
	o->buckets = k;
	for (size_t i = 0; i < k; i++) {
		o->left[i] = t->values[3 * i];
		o->right[i] = t->values[3 * i + 1];
		o->count[i] = t->values[3 * i + 2];
	}
	return TBR_OK;
}

static tbr_status add_blobs(struct payload_full *f, size_t n)
{
	f->pub.blobs = calloc(n ? n : 1, sizeof(struct tbr_blob));
	if (!f->pub.blobs)
		return TBR_ERR_NOMEM;
	f->pub.blob_count = n;
	return TBR_OK;
}

static tbr_status decode_value(struct payload_full *f, tbr_kind kind,
			       const Tbfs__Summary__Value *v)
{
	tbr_status st;
	struct tbr_tensor *t = &f->pub.tensor;

	if (v->value_case == TBFS__SUMMARY__VALUE__VALUE_TENSOR) {
		st = decode_tensor(f, v->tensor);
		if (st != TBR_OK)
			return st;
	}
	switch (kind) {
	case TBR_KIND_HISTOGRAM:
		if (v->value_case == TBFS__SUMMARY__VALUE__VALUE_HISTO)
			return histo_tf1(f, v->histo);
		return histo_tf2(f);
	case TBR_KIND_IMAGE:
		if (v->value_case == TBFS__SUMMARY__VALUE__VALUE_IMAGE) {
			const Tbfs__Summary__Image *im = v->image;

			if ((st = add_blobs(f, 1)) != TBR_OK)
				return st;
			f->pub.blobs[0].data = im->encoded_image_string.data;
			f->pub.blobs[0].size = im->encoded_image_string.len;
			f->pub.blobs[0].width = im->width;
			f->pub.blobs[0].height = im->height;
			f->pub.blobs[0].label = "";
			f->pub.blobs[0].ext = sniff_ext(f->pub.blobs[0].data,
							f->pub.blobs[0].size, "png");
			return TBR_OK;
		}
		if (t->strings && t->count >= 2) {
			/* [width, height, image...] */
			int w = atoi(t->strings[0]), h = atoi(t->strings[1]);

			if ((st = add_blobs(f, t->count - 2)) != TBR_OK)
				return st;
			for (size_t i = 2; i < t->count; i++) {
				struct tbr_blob *b = &f->pub.blobs[i - 2];

				b->data = (const uint8_t *)t->strings[i];
				b->size = t->string_sizes[i];
				b->width = w;
				b->height = h;
				b->label = "";
				b->ext = sniff_ext(b->data, b->size, "png");
			}
		}
		return TBR_OK;
	case TBR_KIND_AUDIO:
		if (v->value_case == TBFS__SUMMARY__VALUE__VALUE_AUDIO) {
			const Tbfs__Summary__Audio *au = v->audio;

			if ((st = add_blobs(f, 1)) != TBR_OK)
				return st;
			f->pub.blobs[0].data = au->encoded_audio_string.data;
			f->pub.blobs[0].size = au->encoded_audio_string.len;
			f->pub.blobs[0].sample_rate = au->sample_rate;
			f->pub.blobs[0].label = "";
			f->pub.blobs[0].ext = sniff_ext(f->pub.blobs[0].data,
							f->pub.blobs[0].size, "wav");
			return TBR_OK;
		}
		if (t->strings) {
			/* [k,2]: clip, label per row; or [k]: clips */
			size_t cols = t->rank == 2 && t->shape[1] > 0 ?
					      (size_t)t->shape[1] : 1;
			size_t k = t->count / cols;

			if ((st = add_blobs(f, k)) != TBR_OK)
				return st;
			for (size_t i = 0; i < k; i++) {
				struct tbr_blob *b = &f->pub.blobs[i];

				b->data = (const uint8_t *)t->strings[i * cols];
				b->size = t->string_sizes[i * cols];
				b->label = cols > 1 ? t->strings[i * cols + 1] : "";
				b->ext = sniff_ext(b->data, b->size, "wav");
			}
		}
		return TBR_OK;
	case TBR_KIND_GRAPH:
		if (t->strings) {
			if ((st = add_blobs(f, t->count)) != TBR_OK)
				return st;
			for (size_t i = 0; i < t->count; i++) {
				f->pub.blobs[i].data = (const uint8_t *)t->strings[i];
				f->pub.blobs[i].size = t->string_sizes[i];
				f->pub.blobs[i].label = "";
				f->pub.blobs[i].ext = "pb";
			}
		}
		return TBR_OK;
	default:
		return TBR_OK;
	}
}

/* Reads the whole record at @offset of file @file of @run into @buf. */
static tbr_status read_record(const struct tbr_run *run, uint32_t file,
			      uint64_t offset, uint64_t max_len,
			      uint8_t **out, size_t *len)
{
	struct tbr_source src;
	uint8_t hdr[TBR_HEADER_BYTES];
	size_t got;
	tbr_status st;
	char *path;

	*out = NULL;
	if (file >= run->nfiles)
		return TBR_ERR_NOT_FOUND;
	path = malloc(strlen(run->path) + strlen(run->files[file].name) + 2);
	if (!path)
		return TBR_ERR_NOMEM;
	sprintf(path, "%s/%s", run->path, run->files[file].name);
	st = tbr_source_open(&src, path);
	free(path);
	if (st != TBR_OK)
		return st;
	if (src.ino != run->files[file].ino) {
		st = TBR_ERR_NOT_FOUND; /* replaced since it was indexed */
		goto out;
	}
	st = tbr_source_read(&src, offset, hdr, sizeof(hdr), &got);
	if (st != TBR_OK)
		goto out;
	uint64_t l = tbr_load_u64(hdr);
	if (got < sizeof(hdr) ||
	    tbr_crc_mask(tbr_crc32c(hdr, 8)) != tbr_load_u32(hdr + 8)) {
		st = TBR_ERR_LENGTH_CRC;
		goto out;
	}
	if (l > max_len || (!src.gzip && l > src.size)) {
		st = TBR_ERR_TOO_LARGE;
		goto out;
	}
	*out = malloc(l + TBR_FOOTER_BYTES + 1);
	if (!*out) {
		st = TBR_ERR_NOMEM;
		goto out;
	}
	st = tbr_source_read(&src, offset + TBR_HEADER_BYTES, *out,
			     l + TBR_FOOTER_BYTES, &got);
	if (st == TBR_OK && got < l + TBR_FOOTER_BYTES)
		st = TBR_ERR_TRUNCATED;
	if (st == TBR_OK &&
	    tbr_crc_mask(tbr_crc32c(*out, l)) != tbr_load_u32(*out + l))
		st = TBR_ERR_DATA_CRC;
	if (st != TBR_OK) {
		free(*out);
		*out = NULL;
	}
	*len = l;
out:
	tbr_source_close(&src);
	return st;
}

tbr_status tbr_tag_load(const struct tbr_run *run, const struct tbr_tag *tag,
			size_t i, struct tbr_payload **out)
{
	const struct tbr_evref *r;
	struct payload_full *f;
	uint8_t *raw;
	size_t len;
	tbr_status st;

	*out = NULL;
	if (tag->series || i >= tag->count)
		return TBR_ERR_NOT_FOUND;
	r = &tag->refs[i];
	st = read_record(run, r->file, r->offset, run->ld->opts.max_record_bytes,
			 &raw, &len);
	if (st != TBR_OK)
		return st;
	f = calloc(1, sizeof(*f));
	if (!f) {
		free(raw);
		return TBR_ERR_NOMEM;
	}
	f->ev = tbfs__event__unpack(NULL, len, raw);
	free(raw);
	f->pub.kind = tag->kind;
	f->pub.step = r->step;
	f->pub.wall_time = r->wall_time;
	if (!f->ev) {
		st = TBR_ERR_DECODE;
		goto fail;
	}
	if (r->value_index == UINT32_MAX) {
		/* Event.graph_def */
		if (f->ev->what_case != TBFS__EVENT__WHAT_GRAPH_DEF) {
			st = TBR_ERR_DECODE;
			goto fail;
		}
		if ((st = add_blobs(f, 1)) != TBR_OK)
			goto fail;
		f->pub.blobs[0].data = f->ev->graph_def.data;
		f->pub.blobs[0].size = f->ev->graph_def.len;
		f->pub.blobs[0].ext = "pb";
		f->pub.blobs[0].label = "";
		*out = &f->pub;
		return TBR_OK;
	}
	if (f->ev->what_case != TBFS__EVENT__WHAT_SUMMARY ||
	    r->value_index >= f->ev->summary->n_value) {
		st = TBR_ERR_DECODE;
		goto fail;
	}
	st = decode_value(f, tag->kind, f->ev->summary->value[r->value_index]);
	if (st != TBR_OK)
		goto fail;
	*out = &f->pub;
	return TBR_OK;
fail:
	tbr_payload_free(&f->pub);
	return st;
}

bool tbr_tag_event_orphaned(const struct tbr_tag *tag, size_t i)
{
	if (i >= tag->count)
		return false;
	if (tag->series) {
		struct tbr_scalar s;
		return tbr_series_read(tag->series, i, &s, 1) == 1 && s.orphaned;
	}
	return tag->refs[i].orphaned;
}
