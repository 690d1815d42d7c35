/*
 * status.c — names for the reader's enums (status codes, kinds).
 * Layer: reader.
 */
#include "tbr_i.h"

const char *tbr_strerror(tbr_status st)
{
	switch (st) {
	case TBR_OK: return "ok";
	case TBR_END: return "end of data";
	case TBR_ERR_IO: return "I/O error";
	case TBR_ERR_NOMEM: return "out of memory";
	case TBR_ERR_TRUNCATED: return "truncated record";
	case TBR_ERR_LENGTH_CRC: return "bad length checksum";
	case TBR_ERR_DATA_CRC: return "bad data checksum";
	case TBR_ERR_TOO_LARGE: return "record length too large";
	case TBR_ERR_DECODE: return "payload is not a valid Event";
	case TBR_ERR_NOT_FOUND: return "not found";
	case TBR_ERR_INVALID: return "invalid argument";
	case TBR_ERR_GZIP: return "corrupt gzip stream";
	}
	return "unknown error";
}

const char *tbr_kind_name(tbr_kind k)
{
	static const char *const names[TBR_KIND_COUNT] = {
		[TBR_KIND_SCALAR] = "scalars",
		[TBR_KIND_HISTOGRAM] = "histograms",
		[TBR_KIND_IMAGE] = "images",
		[TBR_KIND_AUDIO] = "audio",
		[TBR_KIND_TEXT] = "text",
		[TBR_KIND_TENSOR] = "tensors",
		[TBR_KIND_HPARAMS] = "hparams",
		[TBR_KIND_GRAPH] = "graphs",
	};
	if ((unsigned)k >= TBR_KIND_COUNT)
		return "unknown";
	return names[k];
}

const char *tbr_hp_status_name(int status)
{
	switch (status) {
	case 1: return "success";
	case 2: return "failure";
	case 3: return "running";
	default: return "unknown";
	}
}

double tbr_num_to_double(const struct tbr_num *n)
{
	switch (n->dtype) {
	case TBR_DT_F32:
	case TBR_DT_F16:
	case TBR_DT_BF16:
		return n->v.f32;
	case TBR_DT_F64:
		return n->v.f64;
	case TBR_DT_I32:
	case TBR_DT_I64:
	case TBR_DT_BOOL:
		return (double)n->v.i;
	case TBR_DT_U64:
		return (double)n->v.u;
	}
	return 0;
}
