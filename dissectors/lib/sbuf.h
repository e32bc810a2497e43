/* sbuf.h — bounded byte buffer a stream dissector keeps per direction for a
 * message that spans segments. Appending past `cap` fails with AS_ERR_LIMIT:
 * the caller counts an anomaly and stops, it never grows without bound. */
#ifndef AS_SBUF_H
#define AS_SBUF_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct sbuf {
	uint8_t *data;
	size_t len;
	size_t alloc;
	size_t cap;
};

void sbuf_init(struct sbuf *b, size_t cap);
void sbuf_free(struct sbuf *b);
AS_MUST_CHECK int sbuf_append(struct sbuf *b, const uint8_t *p, size_t n);
/* Drops the first n bytes. */
void sbuf_consume(struct sbuf *b, size_t n);
void sbuf_reset(struct sbuf *b);

#endif
