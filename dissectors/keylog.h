/* keylog.h — TLS session secrets from the operator's key logs, in the NSS
 * key log format that browsers, curl, Python and `node --tls-keylog` write
 * (SSLKEYLOGFILE): `LABEL <client random, hex> <secret, hex>` per line.
 * Loaded before the workers start and read-only while they run; found by
 * a connection's ClientHello random. Nothing of it is ever written out. */
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

/* The secret of `label` for the connection whose ClientHello carried
 * `random`, and its length; NULL when the logs hold none. */
const uint8_t *keylog_find(const struct dissect_keys *k, const uint8_t random[KEYLOG_RANDOM],
			   enum keylog_label label, size_t *len);

const struct keylog_stats *keylog_stats(const struct dissect_keys *k);

#endif
