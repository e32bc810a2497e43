/* tls_turns.c — requests and streamed answers in sealed TLS records, and
 * the output-token estimate of a streamed answer (see tls_turns.h). */
#include "tls_turns.h"

#include <stdlib.h>
#include <string.h>

#include "limits.h"

#define CT_APPLICATION_DATA 23
#define TLS13 0x0304

/* A client record this small is no request: HTTP/2 WINDOW_UPDATE, PING
 * and SETTINGS acknowledgements (9 to 17 bytes) go out during an answer. */
#define TURN_REQUEST_MIN 48
/* On a connection's first answer the head is the largest of this many
 * records (session tickets or SETTINGS come first). */
#define TURN_HEAD_WITHIN 4
/* An answer needs this many records after its first to be called
 * streamed; a single event larger than TURN_MAX_EVENT is a bulk transfer. */
#define TURN_MIN_RECORDS 8
#define TURN_MAX_EVENT 2048
/* A record this full is part of a transfer (a TLS record holds 16 KiB). */
#define TURN_FULL_RECORD 8192
/* Events that are not tokens yet look like them: the role, finish and
 * usage chunks (OpenAI chat, 3), content_block_start/stop, message_delta
 * and message_stop (Anthropic, 4), the Responses API's lifecycle events
 * (8). */
#define TURN_FRAMING_EVENTS 10
/* A record up to this many events' size holds joined events; a larger
 * one is a summary (the Responses API repeats the whole text at its end,
 * Anthropic's message_start is long): one event. */
#define TURN_JOIN_MAX 2.5
/* Events of an event's size without text, passed over to find the size
 * of an event with the shortest text. */
#define TURN_ENVELOPE_SKIP 2
/* Text bytes per event under which an event holds one token (a token of
 * English is about four characters; its JSON escapes add a few). */
#define TURN_PER_TOKEN_CHARS 7
/* Characters per token of the text, the point estimate and the range. */
#define TURN_CHARS_PER_TOKEN 4.0
#define TURN_CHARS_MIN 3.0
#define TURN_CHARS_MAX 5.5
/* High confidence needs this many records; a share of joined records
 * (several events in one) above 1/10 lowers it, above 3/10 makes it low. */
#define TURN_HIGH_RECORDS 16

/* AEAD bytes of a record beyond its plaintext: TLS 1.3 adds the tag and
 * the inner content type (RFC 8446 §5.2); TLS 1.2 GCM and CCM add an
 * explicit nonce and the tag (RFC 5288), ChaCha20-Poly1305 only the tag
 * (RFC 7905). CBC suites pad: their estimate is rougher. */
static uint16_t aead_overhead(uint16_t version, uint16_t cipher)
{
	if (version == TLS13)
		return 17;
	if (cipher >= 0xcca8 && cipher <= 0xccae)
		return 16;
	return 24;
}

void tls_turns_init(struct tls_turns *t, uint16_t version, uint16_t cipher)
{
	memset(t, 0, sizeof *t);
	t->overhead = aead_overhead(version, cipher);
	t->skip_client_one = version == TLS13;
	sbuf_init(&t->more, 2 * (size_t)AS_TLS_TURN_MAX_RECORDS);
}

void tls_turns_free(struct tls_turns *t)
{
	sbuf_free(&t->more);
	t->open = false;
}

static int cmp_u16(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
	return (x > y) - (x < y);
}

static uint32_t clamp_u32(double v)
{
	if (v < 1)
		return 1;
	return v > 4e9 ? 4000000000u : (uint32_t)(v + 0.5);
}

/* The answer's HTTP head: its first record, but on a connection's first
 * answer the largest of its first few, for a TLS 1.3 server sends its
 * session tickets, and an HTTP/2 server its SETTINGS, just before. */
static size_t head_of(const struct tls_turns *t, const uint16_t *sz, size_t n)
{
	size_t h = 0;
	for (size_t i = 1; !t->answered && i < n && i < TURN_HEAD_WITHIN; i++)
		if (sz[i] > sz[h])
			h = i;
	return h;
}

/* Fills the estimates of the answer whose sizes are held; false when it
 * was no streamed answer. */
static bool estimate(struct tls_turns *t, struct obs_tls_stream *s)
{
	if (t->kept < TURN_MIN_RECORDS + 1)
		return false;
	uint16_t *all = malloc(t->kept * sizeof *all);
	if (!all)
		return false;
	size_t in_place = t->kept < TLS_TURN_INLINE ? t->kept : TLS_TURN_INLINE;
	memcpy(all, t->first, in_place * sizeof *all);
	if (t->kept > in_place) /* more.data is NULL until the first spill */
		memcpy(all + in_place, t->more.data, (t->kept - in_place) * sizeof *all);
	size_t head = head_of(t, all, t->kept);
	/* The records after the head; their order plays no part from here. */
	uint16_t *v = all + head + 1;
	size_t n = t->kept - head - 1;
	if (n < TURN_MIN_RECORDS) {
		free(all);
		return false;
	}
	qsort(v, n, sizeof *v, cmp_u16);
	uint32_t m = v[n / 2];
	if (m == 0 || m > TURN_MAX_EVENT) {
		free(all);
		return false;
	}
	/* The shortest events among those of an event's size, past the two
	 * smallest: a stream's last events (OpenAI's finish chunk, Anthropic's
	 * content_block_stop) are of that size but carry no text. */
	size_t lo = 0;
	while (lo < n && v[lo] < m / 2)
		lo++;
	size_t skip = (n - lo) / 10 > TURN_ENVELOPE_SKIP ? (n - lo) / 10 : TURN_ENVELOPE_SKIP;
	uint32_t envelope = v[lo + skip < n ? lo + skip : n - 1];
	envelope = envelope > 1 ? envelope - 1 : 0;

	/* Text is read from records of one event: a joined record's events
	 * are of unknown sizes (often the framing that ends a stream). */
	double events = 0, single = 0, text = 0;
	size_t content = 0, joined = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < m / 2)
			continue;
		uint32_t e = v[i] > TURN_JOIN_MAX * m ? 1 : (v[i] + m / 2) / m;
		content++;
		events += e;
		if (e > 1) {
			joined++;
			continue;
		}
		single++;
		if (v[i] > envelope)
			text += v[i] - envelope;
	}
	free(all);
	if (single > 0)
		text *= events / single;
	/* Records past the sizes held count as the held ones did. */
	s->records -= (uint32_t)head; /* tickets, SETTINGS: not the answer's */
	double scale = (double)(s->records - 1) / (double)n;
	events *= scale;
	text *= scale;

	s->events = clamp_u32(events);
	s->per_token = text < TURN_PER_TOKEN_CHARS * events;
	double floor_tokens = events - TURN_FRAMING_EVENTS;
	s->one.estimate = clamp_u32(events - TURN_FRAMING_EVENTS / 2.0);
	s->one.min = clamp_u32(floor_tokens);
	s->one.max = clamp_u32(events);
	/* Few records: the framing events' bytes weigh on the text. */
	double lo_t = n < TURN_HIGH_RECORDS ? 0 : text / TURN_CHARS_MAX;
	s->several.min = clamp_u32(lo_t > floor_tokens ? lo_t : floor_tokens);
	s->several.max = clamp_u32(text / TURN_CHARS_MIN);
	s->several.estimate = clamp_u32(text / TURN_CHARS_PER_TOKEN);
	if (s->several.max < s->several.min)
		s->several.max = s->several.min;
	if (s->several.estimate < s->several.min)
		s->several.estimate = s->several.min;
	if (joined * 10 > content * 3)
		s->confidence = CONFIDENCE_LOW;
	else if (n >= TURN_HIGH_RECORDS && joined * 10 <= content)
		s->confidence = CONFIDENCE_HIGH;
	else
		s->confidence = CONFIDENCE_MEDIUM;
	return true;
}

/* Closes the turn in progress; true when its answer was streamed. */
static bool finish(struct tls_turns *t, struct obs_tls_stream *out)
{
	bool streamed = t->open && estimate(t, &t->cur);
	if (streamed)
		*out = t->cur;
	if (t->open && t->cur.records)
		t->answered = true;
	t->open = false;
	sbuf_free(&t->more); /* streamed answers are few: hold nothing between them */
	t->kept = 0;
	t->full = 0;
	return streamed;
}

bool tls_turns_record(struct tls_turns *t, bool to_server, uint8_t type, uint16_t len, uint64_t ts_us,
		      struct obs_tls_stream *out)
{
	if (type != CT_APPLICATION_DATA)
		return false;
	uint16_t plain = len > t->overhead ? (uint16_t)(len - t->overhead) : 0;
	if (to_server) {
		if (t->skip_client_one) {
			t->skip_client_one = false;
			return false;
		}
		if (t->open && t->cur.records == 0) {
			t->cur.request_bytes += plain; /* the request goes on */
			return false;
		}
		if (plain < TURN_REQUEST_MIN)
			return false;
		bool ended = finish(t, out);
		memset(&t->cur, 0, sizeof t->cur);
		t->cur.request_us = ts_us;
		t->cur.request_bytes = plain;
		t->open = true;
		return ended;
	}
	if (!t->open)
		return false;
	if (!t->cur.records)
		t->cur.first_us = ts_us;
	t->cur.last_us = ts_us;
	t->cur.bytes += plain;
	t->cur.records++;
	if (plain >= TURN_FULL_RECORD && ++t->full >= TURN_MIN_RECORDS)
		t->bulk = true;
	if (t->kept < TLS_TURN_INLINE)
		t->first[t->kept++] = plain;
	else if (sbuf_append(&t->more, (const uint8_t *)&plain, sizeof plain) == AS_OK)
		t->kept++;
	return false;
}

bool tls_turns_end(struct tls_turns *t, struct obs_tls_stream *out)
{
	return finish(t, out);
}
