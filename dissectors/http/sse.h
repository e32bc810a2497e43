/* sse.h — incremental parser for the text/event-stream format (WHATWG HTML
 * Living Standard, "Server-sent events", §9.2.6 interpretation of the stream).
 *
 * Feed the body bytes as they arrive, in any split; each complete event
 * (terminated by a blank line) is handed to the callback with its `event`
 * name (empty when the stream gave none, i.e. "message") and its data (the
 * `data:` lines joined with '\n'). Lines end with CRLF, LF or CR; comments
 * (`:` lines), `id:` and `retry:` are skipped. An event whose data would exceed
 * the cap is dropped and counted. Used by the HTTP/1 dissector for LLM
 * streaming responses and by the MCP dissector for the legacy SSE transport. */
#ifndef AS_SSE_H
#define AS_SSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "limits.h"
#include "sbuf.h"
#include "strview.h"

/* Called once per dispatched event; views are valid only during the call. */
typedef void (*sse_event_fn)(void *user, struct sv event, struct sv data);

struct sse_parser {
	struct sbuf line;   /* a line that spans feeds */
	struct sbuf data;   /* data buffer of the event being built */
	char event[AS_STR_SHORT];
	bool has_data;	    /* a data: line was seen for this event */
	bool skip_lf;	    /* last feed ended with CR: a leading LF belongs to it */
	bool started;	    /* past the optional UTF-8 BOM */
	bool line_over;	    /* current line exceeded the cap: ignore it */
	bool event_over;    /* current event exceeded the cap: drop it */
	uint64_t events;    /* events dispatched */
	uint64_t dropped;   /* events dropped at the cap */
};

/* max_event bounds both one line and one event's data (bytes). */
void sse_init(struct sse_parser *p, size_t max_event);
void sse_free(struct sse_parser *p);
/* Parses len bytes. Returns AS_OK, or AS_ERR_LIMIT when an event was dropped
 * at the cap in this call (parsing continues; the caller counts it). */
AS_MUST_CHECK int sse_feed(struct sse_parser *p, const uint8_t *data, size_t len, sse_event_fn fn,
			   void *user);
/* Forgets a partial line and event (bytes were lost, or the stream ended:
 * the standard discards an unterminated event). */
void sse_reset(struct sse_parser *p);

#endif
