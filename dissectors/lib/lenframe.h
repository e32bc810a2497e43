/* lenframe.h — records framed by a big-endian length prefix on a TCP stream
 * (DNS over TCP: 2 bytes, RFC 7766; Kerberos over TCP: 4 bytes, RFC 4120
 * §7.2.2), reassembled across segments in a bounded buffer. A record wholly
 * inside one segment is handed over in place, without a copy. */
#ifndef AS_LENFRAME_H
#define AS_LENFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"
#include "error.h"
#include "sbuf.h"

struct lenframe {
	struct sbuf body;
	size_t need; /* length of the record being collected */
	size_t skip; /* bytes still to drop (a refused record, or after a gap) */
	uint8_t pfx[4];
	uint8_t npfx;
	uint8_t pfx_len; /* 2 or 4 */
	bool have_len;
	bool lost; /* framing lost: this direction is ignored from here on */
};

/* What the owner says of a declared length. */
enum lenframe_verdict {
	LENFRAME_TAKE = 0, /* collect the record */
	LENFRAME_SKIP,	   /* drop its bytes, keep the framing */
	LENFRAME_LOST,	   /* the stream is not this protocol any more */
};

struct lenframe_ops {
	enum lenframe_verdict (*check)(void *user, uint32_t len); /* may be NULL: take all */
	/* One complete record; a negative return is remembered as the result. */
	int (*record)(void *user, struct cur rec);
	/* The buffer cap was hit: the framing is lost. */
	void (*overflow)(void *user);
};

void lenframe_init(struct lenframe *f, unsigned pfx_len, size_t cap);
void lenframe_free(struct lenframe *f);
/* Feeds in-order stream bytes; returns the first negative record result, else 0. */
AS_MUST_CHECK int lenframe_feed(struct lenframe *f, const uint8_t *data, size_t len,
			       const struct lenframe_ops *ops, void *user);
/* A gap that ends inside the current record costs that record only; any
 * other gap loses the framing. */
void lenframe_gap(struct lenframe *f, size_t len);

#endif
