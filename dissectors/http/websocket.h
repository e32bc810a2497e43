/* websocket.h — incremental WebSocket frame parser (RFC 6455 §5) for one
 * direction of a connection after an HTTP/1.1 Upgrade handshake.
 *
 * Feed the bytes of one direction in order, in any split. Fragmented
 * messages are reassembled (bounded by AS_WS_MAX_MESSAGE and
 * AS_WS_MAX_FRAGMENTS) and each complete text message is handed to the
 * callback, unmasked. Control frames (close, ping, pong) may be interleaved
 * with fragments; their payloads are skipped. Binary messages are skipped.
 * Where the handshake agreed on permessage-deflate (RFC 7692), messages
 * with RSV1 are inflated as their frames come, through one raw deflate
 * window per direction (binary ones too, so the window stays whole), at
 * most AS_HTTP_MAX_INFLATED bytes a message: past it the direction's
 * compressed messages are lost (a bomb, counted). Without the agreement
 * RSV1 is counted as `ws_compressed` and the message skipped. A protocol
 * violation stops parsing that direction (anomaly); after a close frame
 * the direction is done. */
#ifndef AS_WEBSOCKET_H
#define AS_WEBSOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coding.h"
#include "dissector.h"
#include "sbuf.h"
#include "strview.h"

enum ws_opcode {
	WS_OP_CONTINUATION = 0x0,
	WS_OP_TEXT = 0x1,
	WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8,
	WS_OP_PING = 0x9,
	WS_OP_PONG = 0xA,
};

/* permessage-deflate as the 101 answered it (layer_open.ws_deflate). */
enum {
	WS_DEFLATE = 1,		    /* agreed */
	WS_DEFLATE_CLIENT_RESET = 2, /* client_no_context_takeover */
	WS_DEFLATE_SERVER_RESET = 4, /* server_no_context_takeover */
};

enum ws_phase {
	WS_HEADER,  /* collecting a frame header */
	WS_PAYLOAD, /* inside a frame's payload */
	WS_CLOSED,  /* a close frame was seen, or the direction ended */
	WS_FAILED,  /* protocol violation or lost bytes: nothing more is parsed */
};

struct ws_parser {
	bool from_client; /* client frames must be masked (§5.3) */
	enum ws_phase phase;
	uint8_t hdr[14]; /* the frame header being collected */
	uint8_t hdr_len, hdr_need;
	/* the current frame */
	uint8_t opcode;
	bool fin, masked, keep;
	uint8_t mask[4];
	uint64_t remaining, frame_pos;
	/* the current data message */
	bool in_msg, msg_skip;
	uint8_t msg_opcode;
	unsigned n_frames;
	struct sbuf msg;
	uint64_t messages; /* text messages delivered */
	/* permessage-deflate */
	bool deflate, reset;	    /* agreed; this direction's window starts empty each message */
	bool msg_deflated;	    /* the current message is compressed */
	struct coding_stream *inflater; /* NULL until the first compressed message, or lost */
	bool inflate_lost;	    /* the window is broken: compressed messages are not read */
	bool over_cap;		    /* the current message passed AS_WS_MAX_MESSAGE */
};

/* Called once per complete text message; data is valid only during the call. */
typedef void (*ws_message_fn)(void *user, struct sv data);

void ws_init(struct ws_parser *p, bool from_client);
/* The handshake agreed on permessage-deflate (WS_DEFLATE* flags). */
void ws_set_deflate(struct ws_parser *p, unsigned flags);
void ws_free(struct ws_parser *p);
/* Parses len bytes of the direction; anomalies go to ctx as "websocket". */
void ws_feed(struct ws_parser *p, const uint8_t *data, size_t len, ws_message_fn fn, void *user,
	     const struct dissect_ctx *ctx);
/* len bytes of the direction were lost: a payload can be skipped, a header cannot. */
void ws_gap(struct ws_parser *p, size_t len);
/* The direction ended: a frame or message in progress is reported truncated. */
void ws_end(struct ws_parser *p, const struct dissect_ctx *ctx);

#endif
