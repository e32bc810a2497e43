/* quic_streams.h — the streams of a QUIC connection put back in order
 * (RFC 9000 §2.2, §19.8): each STREAM frame's bytes at their offset; what
 * is in order goes on at once, what lies ahead waits (at most
 * AS_QUIC_MAX_HELD bytes a connection: past it that stream is given up,
 * counted), a retransmission of bytes already given is dropped, and a
 * stream given whole is remembered so that a late retransmission is not
 * read again (AS_QUIC_MAX_STREAMS stream halves tracked; a new one takes
 * the place of one given whole). */
#ifndef AS_QUIC_STREAMS_H
#define AS_QUIC_STREAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissector.h"

typedef void (*quic_stream_fn)(void *user, uint64_t id, enum dissect_dir dir, const uint8_t *p, size_t n,
			       bool fin, const struct dissect_ctx *ctx);
typedef void (*quic_lost_fn)(void *user, uint64_t id, enum dissect_dir dir, const struct dissect_ctx *ctx);

struct quic_streams;

/* NULL: out of memory. on_data gets each stream's bytes in order (fin:
 * its last), on_lost a stream whose bytes cannot be put in order. */
struct quic_streams *quic_streams_new(quic_stream_fn on_data, quic_lost_fn on_lost, void *user);
void quic_streams_free(struct quic_streams *s);
/* One STREAM frame of direction dir. */
void quic_streams_frame(struct quic_streams *s, uint64_t id, enum dissect_dir dir, uint64_t off, const uint8_t *p,
			size_t n, bool fin, const struct dissect_ctx *ctx);

#endif
