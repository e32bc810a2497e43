/* http3.h — HTTP/3 (RFC 9114) over the streams of a QUIC connection the
 * key logs open: the QUIC layer (quic.c) hands each stream's bytes in
 * order; request streams carry HEADERS and DATA frames, whose header
 * sections QPACK (RFC 9204) decodes through libnghttp3's decoder, one per
 * direction, fed by the peer's encoder stream; then the same HTTP builder
 * and analyzers as HTTP/1 and HTTP/2, exchanges keyed by stream. A header
 * section waiting for encoder-stream inserts is held (bounded) until they
 * come. Caps: AS_H3_MAX_STREAMS stream halves open, AS_H2_MAX_BLOCK bytes
 * per header section; what passes them is counted. */
#ifndef AS_HTTP3_H
#define AS_HTTP3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissector.h"

struct h3_conn;

/* NULL: out of memory. */
struct h3_conn *h3_new(void);
void h3_free(struct h3_conn *h);

/* In-order bytes of QUIC stream `id` in direction `dir`; fin: its end. */
void h3_stream(struct h3_conn *h, uint64_t id, enum dissect_dir dir, const uint8_t *p, size_t n, bool fin,
	       const struct dissect_ctx *ctx);
/* Bytes of a stream were lost: that stream half is not read further. */
void h3_stream_lost(struct h3_conn *h, uint64_t id, enum dissect_dir dir, const struct dissect_ctx *ctx);
/* The connection ended: messages in progress end cut, requests never
 * answered become exchanges of their own. */
void h3_end(struct h3_conn *h, const struct dissect_ctx *ctx);

#endif
