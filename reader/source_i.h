/*
 * source_i.h — reading the byte stream of one event file (source.c).
 * Private to the reader.
 */
#ifndef TBR_SOURCE_I_H
#define TBR_SOURCE_I_H

#include "tbr_i.h"

#include <sys/types.h>
#include <zlib.h>

struct tbr_source {
	int fd;
	bool gzip;
	uint64_t size;     /* of the file on disk */
	dev_t dev;
	ino_t ino;
	int64_t mtime_ns;
	/* gzip state */
	bool zinit, zend;
	z_stream z;
	uint8_t *zin;
	uint64_t zin_off;  /* compressed bytes consumed so far */
	uint64_t out_pos;  /* decompressed offset of the next byte */
};

/* Opens @path read-only and stats it. TBR_ERR_IO with errno on failure. */
tbr_status tbr_source_open(struct tbr_source *s, const char *path);
void tbr_source_close(struct tbr_source *s);
/* Reads stream bytes [pos, pos+want) into @buf; *@got < @want means the
 * data ends there (for now). Positions should not go backwards on gzip
 * files (that restarts the inflater). */
tbr_status tbr_source_read(struct tbr_source *s, uint64_t pos, uint8_t *buf,
			   size_t want, size_t *got);

#endif
