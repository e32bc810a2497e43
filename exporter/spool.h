/* spool.h — an on-disk FIFO of records for an exporter whose server is
 * away: a directory of append-only segment files, each record framed with
 * a length and CRC32s, read back in order and deleted once acknowledged.
 *
 * One thread owns a spool (no locking inside); a lock file keeps a second
 * process out of the same directory. Record format and fsync policy are
 * described in exporter/README.md and at the top of spool.c. */
#ifndef AS_SPOOL_H
#define AS_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "limits.h"

/* Framing of one record: magic, payload length, type, 3 zero bytes,
 * CRC32 of the 8 bytes after the magic, CRC32 of the payload. */
#define SPOOL_REC_HEADER 20
#define SPOOL_REC_MAGIC 0x52505341u /* "ASPR" little-endian */
#define SPOOL_SEG_MAGIC "ASPOOL1\n" /* first 8 bytes of every segment */
#define SPOOL_SEG_HEADER 8
#define SPOOL_MAX_PAYLOAD (AS_REDIS_MAX_RECORD + 4096) /* a record plus its envelope */

enum spool_fsync {
	SPOOL_FSYNC_NONE,   /* leave it to the kernel: a power cut may lose the last seconds */
	SPOOL_FSYNC_BATCH,  /* fdatasync when spool_sync() is called (after each batch; default) */
	SPOOL_FSYNC_ALWAYS, /* fdatasync after every record */
};

struct spool_config {
	const char *dir;	/* created if missing (one level) */
	uint64_t max_bytes;	/* 0 = AS_SPOOL_MAX_BYTES */
	uint64_t segment_bytes; /* 0 = AS_SPOOL_SEGMENT_BYTES */
	enum spool_fsync fsync;
};

struct spool_stats {
	uint64_t pending;   /* records written and not acknowledged (incl. those found at open) */
	uint64_t bytes;	    /* bytes of segment files on disk */
	uint64_t segments;  /* segment files on disk */
	uint64_t appended;  /* records appended by this process */
	uint64_t acked;	    /* records acknowledged by this process */
	uint64_t full;	    /* appends refused because the size cap was reached */
	uint64_t corrupt;   /* damaged regions skipped (bad magic, length or CRC) */
	uint64_t truncated; /* incomplete records at the end of a segment (a crash mid-write) */
	uint64_t io_errors; /* failed reads/writes/unlinks */
};

struct spool;

/* Opens (creating the directory if needed) and locks the spool. Records
 * left by an earlier process are pending and are read first. */
AS_MUST_CHECK int spool_open(const struct spool_config *cfg, struct spool **out, char *err, size_t errsz);
void spool_close(struct spool *s);

/* Appends one record; AS_ERR_LIMIT when the size cap would be passed (the
 * record is not written), AS_ERR_IO on a write error (nothing half-written
 * stays behind). `type` is the caller's, 1..255. */
AS_MUST_CHECK int spool_append(struct spool *s, uint8_t type, const void *data, size_t len);
/* Makes the appended records durable under SPOOL_FSYNC_BATCH. */
AS_MUST_CHECK int spool_sync(struct spool *s);

/* The next record after the read cursor; AS_ERR_NOTFOUND when all were
 * read. `*data` stays valid until the next call on the spool. Damaged
 * regions are skipped and counted. */
AS_MUST_CHECK int spool_next(struct spool *s, uint8_t *type, const uint8_t **data, size_t *len);
/* Everything read so far was delivered: fully read segments are deleted. */
AS_MUST_CHECK int spool_ack(struct spool *s);
/* Delivery failed: the next spool_next() starts again at the last ack. */
void spool_rewind(struct spool *s);
/* No pending record. */
bool spool_empty(const struct spool *s);
void spool_get_stats(const struct spool *s, struct spool_stats *out);

/* ---- the segment parser, exposed for tests and the fuzz target ---- */
enum spool_parse {
	SPOOL_PARSE_RECORD,    /* a valid record at *next - its size */
	SPOOL_PARSE_END,       /* clean end of the buffer */
	SPOOL_PARSE_TRUNCATED, /* the buffer ends inside a record; *next = len */
	SPOOL_PARSE_CORRUPT,   /* damage skipped; *next = the next valid record or len */
};
struct spool_rec {
	uint8_t type;
	const uint8_t *data;
	size_t len;
};
/* Parses the record at `off` of a segment body (after the segment header). */
enum spool_parse spool_parse(const uint8_t *buf, size_t len, size_t off, struct spool_rec *rec, size_t *next);
/* Frames one record into out[SPOOL_REC_HEADER]. */
void spool_frame(uint8_t type, const void *data, size_t len, uint8_t out[SPOOL_REC_HEADER]);

#endif
