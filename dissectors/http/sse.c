/* sse.c — incremental text/event-stream parser (WHATWG HTML, Server-sent
 * events §9.2.6). See sse.h for the contract. */
#include "sse.h"

#include <string.h>

void sse_init(struct sse_parser *p, size_t max_event)
{
	memset(p, 0, sizeof *p);
	sbuf_init(&p->line, max_event);
	sbuf_init(&p->data, max_event);
}

void sse_free(struct sse_parser *p)
{
	sbuf_free(&p->line);
	sbuf_free(&p->data);
}

static void reset_event(struct sse_parser *p)
{
	sbuf_reset(&p->data);
	p->event[0] = '\0';
	p->has_data = false;
	p->event_over = false;
}

void sse_reset(struct sse_parser *p)
{
	sbuf_reset(&p->line);
	p->line_over = false;
	p->skip_lf = false;
	reset_event(p);
}

/* Marks the event being built as lost; counted once per event. */
static void drop_event(struct sse_parser *p)
{
	if (!p->event_over)
		p->dropped++;
	p->event_over = true;
}

static void dispatch(struct sse_parser *p, sse_event_fn fn, void *user)
{
	if (p->event_over || !p->has_data) {
		reset_event(p);
		return;
	}
	/* The data buffer ends with the '\n' of its last data: line; drop it. */
	struct sv data = sv_make(p->data.data, p->data.len ? p->data.len - 1 : 0);
	p->events++;
	if (fn)
		fn(user, sv_from_cstr(p->event), data);
	reset_event(p);
}

static void process_line(struct sse_parser *p, struct sv line, sse_event_fn fn, void *user)
{
	if (line.len > p->line.cap) {
		/* Same verdict whether or not the line spanned feeds. */
		drop_event(p);
		return;
	}
	if (!p->started) {
		p->started = true;
		if (sv_starts_with(line, SV_LIT("\xEF\xBB\xBF")))
			line = sv_sub(line, 3, line.len - 3);
	}
	if (line.len == 0) {
		dispatch(p, fn, user);
		return;
	}
	if (sv_starts_with(line, SV_LIT(":")))
		return; /* comment */
	struct sv value = line;
	struct sv field = sv_split(&value, ':');
	if (sv_starts_with(value, SV_LIT(" ")))
		value = sv_sub(value, 1, value.len - 1);
	if (sv_eq(field, SV_LIT("data"))) {
		if (p->event_over)
			return;
		if (sbuf_append(&p->data, (const uint8_t *)value.p, value.len) != AS_OK ||
		    sbuf_append(&p->data, (const uint8_t *)"\n", 1) != AS_OK) {
			drop_event(p);
			return;
		}
		p->has_data = true;
	} else if (sv_eq(field, SV_LIT("event"))) {
		sv_copy(p->event, sizeof p->event, value);
	}
	/* id, retry and unknown fields carry nothing we report. */
}

int sse_feed(struct sse_parser *p, const uint8_t *data, size_t len, sse_event_fn fn, void *user)
{
	uint64_t dropped = p->dropped;
	struct sv in = sv_make(data, len);
	if (p->skip_lf && in.len) {
		if (sv_starts_with(in, SV_LIT("\n")))
			in = sv_sub(in, 1, in.len - 1);
		p->skip_lf = false;
	}
	while (in.len) {
		long lf = sv_find_char(in, '\n');
		/* Look for CR only before the first LF so each byte is scanned once. */
		struct sv scope = lf >= 0 ? sv_sub(in, 0, (size_t)lf) : in;
		long cr = sv_find_char(scope, '\r');
		size_t end, term;
		if (cr >= 0) {
			end = (size_t)cr;
			term = (lf == cr + 1) ? 2 : 1;
			if (term == 1 && end + 1 == in.len)
				p->skip_lf = true; /* a CRLF may be cut after its CR */
		} else if (lf >= 0) {
			end = (size_t)lf;
			term = 1;
		} else {
			if (!p->line_over && sbuf_append(&p->line, (const uint8_t *)in.p, in.len) != AS_OK) {
				p->line_over = true;
				sbuf_reset(&p->line);
				drop_event(p);
			}
			break;
		}
		struct sv piece = sv_sub(in, 0, end);
		if (p->line_over) {
			/* The tail of an over-long line: ignored. */
		} else if (p->line.len) {
			if (sbuf_append(&p->line, (const uint8_t *)piece.p, piece.len) != AS_OK)
				drop_event(p);
			else
				process_line(p, sv_make(p->line.data, p->line.len), fn, user);
		} else {
			process_line(p, piece, fn, user);
		}
		sbuf_reset(&p->line);
		p->line_over = false;
		in = sv_sub(in, end + term, in.len - end - term);
	}
	return p->dropped != dropped ? AS_ERR_LIMIT : AS_OK;
}
