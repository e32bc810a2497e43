/* coding.h — HTTP content codings (RFC 9110 §8.4.1): gzip and x-gzip,
 * deflate (zlib, and the raw deflate some servers send), br (RFC 7932),
 * undone as the body arrives so the analyzers read the JSON or events
 * inside. Inflated bytes are capped per message (AS_HTTP_MAX_INFLATED): a
 * decompression bomb is a counted anomaly, never memory. */
#ifndef AS_CODING_H
#define AS_CODING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "strview.h"

enum coding {
	CODING_IDENTITY = 0,
	CODING_GZIP,
	CODING_DEFLATE,
	CODING_BR,
	CODING_OTHER, /* a coding not undone (zstd, compress, several): the body is not read */
	/* Raw deflate, one stream across messages: WebSocket permessage-deflate
	 * (RFC 7692), each message ended with coding_message_end. */
	CODING_RAW_DEFLATE,
};

/* The coding of a Content-Encoding value. */
enum coding coding_of(struct sv value);
const char *coding_name(enum coding c);

struct coding_stream;

/* NULL: out of memory (or CODING_IDENTITY / CODING_OTHER). */
struct coding_stream *coding_new(enum coding c);
void coding_free(struct coding_stream *s);

/* Undoes n encoded bytes, calling out with every decoded run. AS_OK;
 * AS_ERR_LIMIT when the decoded bytes pass AS_HTTP_MAX_INFLATED (what was
 * decoded before was given out); AS_ERR_MALFORMED for bytes the coding
 * does not accept. After an error the stream gives nothing more. */
AS_MUST_CHECK int coding_feed(struct coding_stream *s, const uint8_t *p, size_t n,
			      void (*out)(void *user, const uint8_t *p, size_t n), void *user);

/* A permessage-deflate message ended: the empty stored block its sender
 * took off (RFC 7692 §7.2.2) is put back and undone, the cap starts again
 * for the next message, and the window starts empty when `reset` (the
 * sender's no_context_takeover) or the sender ended the stream (BFINAL). */
AS_MUST_CHECK int coding_message_end(struct coding_stream *s, bool reset,
				     void (*out)(void *user, const uint8_t *p, size_t n), void *user);

#endif
