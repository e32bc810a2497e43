/* keylog.h — TLS session secrets from the operator's key logs, in the NSS
 * key log format that browsers, curl, Python and `node --tls-keylog` write
 * (SSLKEYLOGFILE): `LABEL <client random, hex> <secret, hex>` per line.
 * Found by a connection's ClientHello random. Filled before the workers
 * start, and also while they run: a live capture follows its key logs as
 * they grow and a pcapng stream carries secrets between its packets, so
 * the store is locked (a writer blocks readers only while it adds a line;
 * readers look up at handshakes, not per record). Nothing of it is ever
 * written out. */
#ifndef AS_KEYLOG_H
#define AS_KEYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissector.h"
#include "error.h"

#define KEYLOG_RANDOM 32

enum keylog_label {
	KEYLOG_MASTER = 0,	 /* CLIENT_RANDOM: the TLS 1.2 master secret */
	KEYLOG_CLIENT_HANDSHAKE, /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
	KEYLOG_SERVER_HANDSHAKE, /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
	KEYLOG_CLIENT_TRAFFIC,	 /* CLIENT_TRAFFIC_SECRET_0 */
	KEYLOG_SERVER_TRAFFIC,	 /* SERVER_TRAFFIC_SECRET_0 */
	KEYLOG_CLIENT_EARLY,	 /* CLIENT_EARLY_TRAFFIC_SECRET */
	KEYLOG_LABELS,
};

struct keylog_stats {
	uint64_t lines;	    /* lines read, comments and blanks included */
	uint64_t secrets;   /* secrets kept */
	uint64_t malformed; /* lines that are no key log line (counted, skipped) */
	uint64_t ignored;   /* well-formed lines of labels not used (EXPORTER_SECRET, RSA) */
};

/* A new, empty key store. NULL: out of memory. */
struct dissect_keys *keylog_new(void);
void keylog_free(struct dissect_keys *k);

/* Adds the lines of a key log's text (whole lines; a last line without a
 * newline counts too). */
void keylog_add_text(struct dissect_keys *k, const char *text, size_t len);
/* Adds a key log file. AS_ERR_IO with "path: reason" in err when it cannot
 * be read. */
AS_MUST_CHECK int keylog_add_file(struct dissect_keys *k, const char *path, char *err, size_t errsz);

/* A key log followed as it grows: each read adds the lines appended since
 * the last (a line still being written waits for its newline); a file
 * replaced or truncated is read again from its start. */
struct keylog_file;
AS_MUST_CHECK int keylog_file_open(const char *path, struct keylog_file **out, char *err, size_t errsz);
AS_MUST_CHECK int keylog_file_read(struct keylog_file *f, struct dissect_keys *k, char *err, size_t errsz);
void keylog_file_close(struct keylog_file *f);

/* Copies the secret of `label` for the connection whose ClientHello
 * carried `random` to out (TLS_MAX_SECRET bytes) and returns its length;
 * 0 when the logs hold none (yet). */
size_t keylog_find(const struct dissect_keys *k, const uint8_t random[KEYLOG_RANDOM], enum keylog_label label,
		   uint8_t *out);

/* Whether secrets may still arrive while connections are read (key logs
 * followed live): then a connection whose secrets are not there yet waits
 * for them, within bounds. */
void keylog_set_growing(struct dissect_keys *k, bool growing);
bool keylog_growing(const struct dissect_keys *k);
/* Whether a connection may be opened at all: secrets held, or growing. */
bool keylog_usable(const struct dissect_keys *k);

/* A consistent copy of the counters. */
void keylog_stats(const struct dissect_keys *k, struct keylog_stats *out);

#endif
