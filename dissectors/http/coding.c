/* coding.c — gzip, deflate and br bodies undone (see coding.h): zlib and
 * Debian's libbrotlidec, streaming, a bounded output buffer per call. */
#include "coding.h"

#include <brotli/decode.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "limits.h"

#define CODING_CHUNK 16384 /* decoded bytes handed out at a time */

struct coding_stream {
	enum coding c;
	bool failed;
	bool z_ready;
	uint8_t head[2]; /* deflate: its first two bytes tell a zlib header from raw deflate */
	uint8_t head_n;
	uint64_t out_total;
	bool z_ended; /* the deflate stream ended (BFINAL) */
	z_stream z;
	BrotliDecoderState *br;
};

enum coding coding_of(struct sv value)
{
	value = sv_trim(value);
	if (!value.len || sv_eq_ci(value, SV_LIT("identity")))
		return CODING_IDENTITY;
	if (sv_eq_ci(value, SV_LIT("gzip")) || sv_eq_ci(value, SV_LIT("x-gzip")))
		return CODING_GZIP;
	if (sv_eq_ci(value, SV_LIT("deflate")))
		return CODING_DEFLATE;
	if (sv_eq_ci(value, SV_LIT("br")))
		return CODING_BR;
	return CODING_OTHER;
}

const char *coding_name(enum coding c)
{
	static const char *const names[] = {"identity", "gzip", "deflate", "br", "other", "deflate"};
	return (unsigned)c <= CODING_RAW_DEFLATE ? names[c] : "other";
}

static bool z_start(struct coding_stream *s, int window_bits)
{
	memset(&s->z, 0, sizeof s->z);
	s->z_ready = inflateInit2(&s->z, window_bits) == Z_OK;
	return s->z_ready;
}

struct coding_stream *coding_new(enum coding c)
{
	if (c != CODING_GZIP && c != CODING_DEFLATE && c != CODING_BR && c != CODING_RAW_DEFLATE)
		return NULL;
	struct coding_stream *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->c = c;
	/* gzip: 15 + 16 (RFC 1952); deflate waits for its first two bytes. */
	bool ok = c == CODING_BR	    ? (s->br = BrotliDecoderCreateInstance(NULL, NULL, NULL)) != NULL
		  : c == CODING_GZIP	    ? z_start(s, 15 + 16)
		  : c == CODING_RAW_DEFLATE ? z_start(s, -15)
					    : true;
	if (!ok) {
		free(s);
		return NULL;
	}
	return s;
}

void coding_free(struct coding_stream *s)
{
	if (!s)
		return;
	if (s->z_ready)
		inflateEnd(&s->z);
	if (s->br)
		BrotliDecoderDestroyInstance(s->br);
	free(s);
}

/* Hands out a decoded run, within the cap; false once it is passed. */
static bool give(struct coding_stream *s, const uint8_t *p, size_t n,
		 void (*out)(void *, const uint8_t *, size_t), void *user)
{
	if (n > AS_HTTP_MAX_INFLATED - s->out_total) {
		out(user, p, (size_t)(AS_HTTP_MAX_INFLATED - s->out_total));
		s->out_total = AS_HTTP_MAX_INFLATED;
		return false;
	}
	s->out_total += n;
	if (n)
		out(user, p, n);
	return true;
}

static int inflate_run(struct coding_stream *s, const uint8_t *p, size_t n,
		       void (*out)(void *, const uint8_t *, size_t), void *user)
{
	uint8_t buf[CODING_CHUNK];
	s->z.next_in = (Bytef *)p;
	s->z.avail_in = (uInt)n;
	/* On while input is left, or the last run filled the buffer (zlib may
	 * hold more output). */
	for (bool full = true; s->z.avail_in || full;) {
		s->z.next_out = buf;
		s->z.avail_out = sizeof buf;
		int r = inflate(&s->z, Z_NO_FLUSH);
		if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
			return AS_ERR_MALFORMED;
		full = s->z.avail_out == 0;
		if (!give(s, buf, sizeof buf - s->z.avail_out, out, user))
			return AS_ERR_LIMIT;
		if (r == Z_STREAM_END) {
			s->z_ended = true;
			return AS_OK; /* what follows the stream is not the body's */
		}
		if (r == Z_BUF_ERROR && !full)
			break;
	}
	return AS_OK;
}

/* "deflate" is a zlib stream (RFC 9110 §8.4.1.2), yet some servers send
 * raw deflate: the first two bytes tell (RFC 1950 §2.2: method 8, a
 * header that is a multiple of 31), whatever segments they come in. */
static int feed_zlib(struct coding_stream *s, const uint8_t *p, size_t n,
		     void (*out)(void *, const uint8_t *, size_t), void *user)
{
	if (s->z_ready)
		return inflate_run(s, p, n, out, user);
	while (s->head_n < 2 && n) {
		s->head[s->head_n++] = *p++;
		n--;
	}
	if (s->head_n < 2)
		return AS_OK;
	bool zlib = (s->head[0] & 0x0f) == 8 && ((unsigned)s->head[0] << 8 | s->head[1]) % 31 == 0;
	if (!z_start(s, zlib ? 15 : -15))
		return AS_ERR_NOMEM;
	int r = inflate_run(s, s->head, 2, out, user);
	return r < 0 || !n ? r : inflate_run(s, p, n, out, user);
}

static int feed_br(struct coding_stream *s, const uint8_t *p, size_t n,
		   void (*out)(void *, const uint8_t *, size_t), void *user)
{
	uint8_t buf[CODING_CHUNK];
	size_t avail_in = n;
	const uint8_t *next_in = p;
	for (;;) {
		size_t avail_out = sizeof buf;
		uint8_t *next_out = buf;
		BrotliDecoderResult r =
		    BrotliDecoderDecompressStream(s->br, &avail_in, &next_in, &avail_out, &next_out, NULL);
		if (r == BROTLI_DECODER_RESULT_ERROR)
			return AS_ERR_MALFORMED;
		if (!give(s, buf, sizeof buf - avail_out, out, user))
			return AS_ERR_LIMIT;
		if (r != BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT)
			return AS_OK;
	}
}

int coding_message_end(struct coding_stream *s, bool reset, void (*out)(void *user, const uint8_t *p, size_t n),
		       void *user)
{
	static const uint8_t tail[4] = {0x00, 0x00, 0xff, 0xff};
	if (!s || s->failed || s->c != CODING_RAW_DEFLATE)
		return AS_ERR_MALFORMED;
	int r = s->z_ended ? AS_OK : inflate_run(s, tail, sizeof tail, out, user);
	if (r < 0) {
		s->failed = true;
		return r;
	}
	s->out_total = 0;
	if (reset || s->z_ended) {
		s->z_ended = false;
		if (inflateReset(&s->z) != Z_OK) {
			s->failed = true;
			return AS_ERR_MALFORMED;
		}
	}
	return AS_OK;
}

int coding_feed(struct coding_stream *s, const uint8_t *p, size_t n,
		void (*out)(void *user, const uint8_t *p, size_t n), void *user)
{
	if (!s || s->failed)
		return AS_ERR_MALFORMED;
	int r = s->c == CODING_BR ? feed_br(s, p, n, out, user) : feed_zlib(s, p, n, out, user);
	if (r < 0)
		s->failed = true;
	return r;
}
