/* test_coding.c — content codings undone in the HTTP layer
 * (dissectors/http/coding.h): gzip, deflate with and without its zlib
 * wrapper, br; a response body read through http1 at every split; a
 * coding not undone, a damaged stream and a decompression bomb counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <brotli/encode.h>
#include <zlib.h>

#include "coding.h"
#include "dissect_harness.h"

extern const struct dissector dissector_http1;

static const char body[] =
    "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini-2024-07-18\","
    "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hi there!\"},"
    "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3,\"total_tokens\":12}"
    "}";

/* zlib's deflate with windowBits 15 + 16 (gzip), 15 (zlib) or -15 (raw). */
static size_t zcompress(const uint8_t *in, size_t n, int bits, uint8_t *out, size_t cap)
{
	z_stream z = {0};
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	size_t len = z.total_out;
	deflateEnd(&z);
	return len;
}

static size_t encode(enum coding c, const uint8_t *in, size_t n, uint8_t *out, size_t cap, bool raw)
{
	if (c == CODING_BR) {
		size_t len = cap;
		assert_true(BrotliEncoderCompress(5, 22, BROTLI_MODE_TEXT, n, in, &len, out));
		return len;
	}
	return zcompress(in, n, c == CODING_GZIP ? 15 + 16 : raw ? -15 : 15, out, cap);
}

/* A request, and a response whose body is `enc` under Content-Encoding
 * `name`; the exchange's observations. */
static struct obs_log exchange(const char *name, const uint8_t *enc, size_t n, bool split)
{
	static const char req[] = "POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n"
				  "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
	static uint8_t resp[1 << 20];
	int h = snprintf((char *)resp, sizeof resp,
			 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: %s\r\n"
			 "Content-Length: %zu\r\n\r\n",
			 name, n);
	assert_true((size_t)h + n <= sizeof resp);
	memcpy(resp + h, enc, n);
	const struct feed f[] = {{DIR_TO_SERVER, (const uint8_t *)req, sizeof req - 1},
				 {DIR_TO_CLIENT, resp, (size_t)h + n}};
	if (split)
		return harness_split_invariant(&dissector_http1, f, N(f));
	struct obs_log log = {0};
	harness_run(&dissector_http1, f, N(f), SIZE_MAX, SIZE_MAX, &log);
	return log;
}

static const struct observation *find(const struct obs_log *log, enum obs_type t)
{
	for (size_t i = 0; i < log->n; i++)
		if (log->v[i].type == t)
			return &log->v[i];
	return NULL;
}

static bool anomaly(const struct obs_log *log, const char *reason)
{
	for (size_t i = 0; i < log->n; i++)
		if (log->v[i].type == OBS_ANOMALY && !strcmp(log->v[i].u.anomaly.reason, reason))
			return true;
	return false;
}

static void read_back(const char *name, enum coding c, bool raw)
{
	uint8_t enc[1024];
	size_t n = encode(c, (const uint8_t *)body, sizeof body - 1, enc, sizeof enc, raw);
	assert_true(n < sizeof body - 1); /* it did compress */
	struct obs_log log = exchange(name, enc, n, true);
	const struct observation *x = find(&log, OBS_HTTP_EXCHANGE);
	assert_non_null(x);
	assert_string_equal(x->u.http.resp.model, "gpt-4o-mini-2024-07-18");
	assert_int_equal(x->u.http.resp.body_bytes, n); /* the bytes on the wire */
	obs_log_free(&log);
}

static void test_gzip(void **state)
{
	(void)state;
	read_back("gzip", CODING_GZIP, false);
	read_back("x-gzip", CODING_GZIP, false);
}

static void test_deflate(void **state)
{
	(void)state;
	read_back("deflate", CODING_DEFLATE, false);
	read_back("deflate", CODING_DEFLATE, true); /* raw, without the zlib wrapper */
}

static void test_br(void **state)
{
	(void)state;
	read_back("br", CODING_BR, false);
}

/* 64 MiB of JSON whitespace in about 64 KiB of gzip: undone up to
 * AS_HTTP_MAX_INFLATED, then counted and left. */
static void test_bomb(void **state)
{
	(void)state;
	size_t n = (size_t)64 << 20;
	uint8_t *big = malloc(n), *enc = malloc(1 << 20);
	assert_non_null(big);
	assert_non_null(enc);
	big[0] = '{';
	memset(big + 1, ' ', n - 1);
	size_t en = encode(CODING_GZIP, big, n, enc, 1 << 20, false);
	free(big);
	struct obs_log log = exchange("gzip", enc, en, false);
	assert_true(anomaly(&log, "inflated_over_cap"));
	const struct observation *x = find(&log, OBS_HTTP_EXCHANGE);
	assert_non_null(x);
	assert_string_equal(x->u.http.resp.model, "");
	obs_log_free(&log);
	free(enc);
}

static void test_not_undone(void **state)
{
	(void)state;
	/* zstd is not undone: the body is not read, and that is counted */
	struct obs_log log = exchange("zstd", (const uint8_t *)"\x28\xb5\x2f\xfd", 4, false);
	assert_true(anomaly(&log, "content_coding_not_read"));
	obs_log_free(&log);
	/* damaged gzip */
	uint8_t enc[1024];
	size_t n = encode(CODING_GZIP, (const uint8_t *)body, sizeof body - 1, enc, sizeof enc, false);
	for (size_t i = 12; i < n; i += 7)
		enc[i] ^= 0x5a;
	log = exchange("gzip", enc, n, false);
	assert_true(anomaly(&log, "bad_content_coding"));
	assert_string_equal(find(&log, OBS_HTTP_EXCHANGE)->u.http.resp.model, "");
	obs_log_free(&log);
	assert_int_equal(coding_of(sv_make("  GZIP ", 7)), CODING_GZIP);
	assert_int_equal(coding_of(sv_make("gzip, br", 8)), CODING_OTHER);
	assert_int_equal(coding_of(sv_make("identity", 8)), CODING_IDENTITY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gzip), cmocka_unit_test(test_deflate),    cmocka_unit_test(test_br),
	    cmocka_unit_test(test_bomb), cmocka_unit_test(test_not_undone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
