/* tls_turns.h — what sealed TLS records show without keys. A client's
 * request and the server's answer alternate on a connection ("turns"); an
 * answer that comes as many small records is a streamed one, as an LLM's
 * server-sent events are (one event per write, one write per record). The
 * record sizes then give an estimate of the output tokens it carried.
 *
 * The estimate, for an answer of k records after its head (its first
 * record; on a connection's first answer the largest of the first four:
 * TLS 1.3 session tickets or HTTP/2 SETTINGS come before it), with
 * plaintext sizes s_i (the record's length less
 * the AEAD's tag, nonce and inner type, which the ServerHello's version and
 * cipher fix):
 *   m  = the median s_i: one event's size;
 *   records under m/2 are framing (chunk ends, `data: [DONE]`, pings);
 *   e_i = round(s_i / m) events in each other record (writes that were
 *        joined into one record count as several events; a record over
 *        TURN_JOIN_MAX events' size is one, a summary), E = sum e_i;
 *   the envelope of an event is the 10th-percentile s_i (at least the
 *        third smallest: a stream's last events carry no text) less one
 *        byte (the shortest events carry a one-character token), and
 *   T  = sum of s_i - e_i * envelope: the bytes of text the events carried.
 * Two estimates follow. One token per event (OpenAI's chunks and deltas):
 * E - TURN_FRAMING_EVENTS / 2 in [E - TURN_FRAMING_EVENTS, E]. Several
 * (Anthropic's and Gemini's deltas): T / TURN_CHARS_PER_TOKEN in
 * [T / TURN_CHARS_MAX, T / TURN_CHARS_MIN], never under E less framing
 * (with under TURN_HIGH_RECORDS records, the framing's bytes weigh on T:
 * the range then starts at E less framing).
 * The sizes suggest one when T/E is under TURN_PER_TOKEN_CHARS; the
 * aggregator takes the service's known way (signatures `stream_events`)
 * before that guess, which padding such as OpenAI's `obfuscation` field
 * defeats.
 * Calibrated on pcaps/stream-*.pcap (README "Streamed volume"); real
 * providers chunk and join records differently, so it stays an estimate. */
#ifndef AS_TLS_TURNS_H
#define AS_TLS_TURNS_H

#include <stdbool.h>
#include <stdint.h>

#include "observation.h"
#include "sbuf.h"

/* Sizes of an answer's first records, held in place: most answers are
 * short, and a connection should cost no allocation for them. */
#define TLS_TURN_INLINE 16

struct tls_turns {
	uint16_t overhead;    /* record bytes that are not plaintext */
	bool skip_client_one; /* TLS 1.3: the client's first sealed record is its Finished */
	bool open;	      /* a request was seen; its answer is being counted */
	bool answered;	      /* an answer came before: no tickets or SETTINGS precede this one */
	bool bulk;	      /* an answer came in full records: a transfer, no more turns read */
	uint16_t full;	      /* full records of the answer in progress */
	struct obs_tls_stream cur;
	uint16_t first[TLS_TURN_INLINE]; /* the answer's first record sizes (plaintext) */
	struct sbuf more;		 /* and the next ones, 2 bytes each */
	uint32_t kept;			 /* sizes held (the rest are only counted) */
};

/* Sets up for a connection that negotiated `version` and `cipher`. */
void tls_turns_init(struct tls_turns *t, uint16_t version, uint16_t cipher);
void tls_turns_free(struct tls_turns *t);

/* One sealed record of `len` bytes (after the 5-byte header) of type
 * `type` in direction to_server at ts_us. Returns true when it ended a
 * streamed answer: *out is then filled. Once t->bulk is set (an answer of
 * TURN_MIN_RECORDS full records: a download, not an LLM's reply) the
 * connection's turns are not worth reading on. */
bool tls_turns_record(struct tls_turns *t, bool to_server, uint8_t type, uint16_t len, uint64_t ts_us,
		      struct obs_tls_stream *out);

/* The connection (or the direction that carried answers) ended: true with
 * *out filled when the answer in progress was a streamed one. */
bool tls_turns_end(struct tls_turns *t, struct obs_tls_stream *out);

#endif
