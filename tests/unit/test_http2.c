/* test_http2.c — the HTTP/2 layer (dissectors/http/http2.c): a chat
 * completion over h2c by prior knowledge, its header blocks made by
 * libnghttp2's own HPACK deflater, read at every split; padding, priority
 * and CONTINUATION; two streams interleaved; a connection joined mid-way
 * (HPACK references never seen) counted and left; the probe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <nghttp2/nghttp2.h>

#include "dissect_harness.h"

extern const struct dissector dissector_http2;

struct wire {
	uint8_t b[8192];
	size_t n;
};

static void frame(struct wire *w, uint8_t type, uint8_t flags, uint32_t stream, const void *p, size_t len)
{
	assert_true(w->n + 9 + len <= sizeof w->b);
	uint8_t *h = w->b + w->n;
	h[0] = (uint8_t)(len >> 16);
	h[1] = (uint8_t)(len >> 8);
	h[2] = (uint8_t)len;
	h[3] = type;
	h[4] = flags;
	h[5] = (uint8_t)(stream >> 24);
	h[6] = (uint8_t)(stream >> 16);
	h[7] = (uint8_t)(stream >> 8);
	h[8] = (uint8_t)stream;
	memcpy(h + 9, p, len);
	w->n += 9 + len;
}

static size_t hpack(nghttp2_hd_deflater *def, const char *const *nv, size_t n, uint8_t *out, size_t cap)
{
	nghttp2_nv v[16];
	for (size_t i = 0; i < n; i++)
		v[i] = (nghttp2_nv){(uint8_t *)nv[2 * i], (uint8_t *)nv[2 * i + 1], strlen(nv[2 * i]),
				    strlen(nv[2 * i + 1]), NGHTTP2_NV_FLAG_NONE};
	ssize_t r = nghttp2_hd_deflate_hd(def, out, cap, v, n);
	assert_true(r > 0);
	return (size_t)r;
}

static const char *const req_fields[] = {
    ":method",	     "POST",
    ":scheme",	     "http",
    ":authority",    "llm.corp.test:8000",
    ":path",	     "/v1/chat/completions",
    "content-type",  "application/json",
    "authorization", "Bearer sk-aisensorTEST-h2-unit-0000000001",
    "user-agent",    "OpenAI/Python 1.99.0",
};
static const char *const resp_fields[] = {":status", "200", "content-type", "application/json"};
static const char req_body[] =
    "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
static const char resp_body[] =
    "{\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini-2024-07-18\",\"usage\":"
    "{\"prompt_tokens\":9,\"completion_tokens\":3,\"total_tokens\":12}}";

/* The client's bytes of a request on stream `id` (fancy: padded,
 * prioritised HEADERS cut into a CONTINUATION, padded DATA). */
static void request(struct wire *c, uint32_t id, bool fancy, nghttp2_hd_deflater *cd)
{
	uint8_t block[1024], buf[1200];
	size_t n = hpack(cd, req_fields, sizeof req_fields / sizeof req_fields[0] / 2, block, sizeof block);
	if (!fancy) {
		frame(c, 0x1, 0x4, id, block, n); /* HEADERS, END_HEADERS */
		frame(c, 0x0, 0x1, id, req_body, sizeof req_body - 1);
	} else {
		size_t half = n / 2;
		buf[0] = 3;	       /* pad length */
		memset(buf + 1, 0, 5); /* priority: dependency 0, weight */
		memcpy(buf + 6, block, half);
		memset(buf + 6 + half, 0, 3);
		frame(c, 0x1, 0x8 | 0x20, id, buf, 6 + half + 3); /* PADDED, PRIORITY */
		frame(c, 0x9, 0x4, id, block + half, n - half);	  /* CONTINUATION, END_HEADERS */
		buf[0] = 7;
		memcpy(buf + 1, req_body, sizeof req_body - 1);
		memset(buf + sizeof req_body, 0, 7);
		frame(c, 0x0, 0x1 | 0x8, id, buf, sizeof req_body + 7); /* DATA, PADDED */
	}
}

/* The server's answer on stream `id`, its body in two DATA frames. */
static void response(struct wire *s, uint32_t id, nghttp2_hd_deflater *sd)
{
	uint8_t block[256];
	size_t n = hpack(sd, resp_fields, 2, block, sizeof block);
	frame(s, 0x1, 0x4, id, block, n);
	frame(s, 0x0, 0x0, id, resp_body, 40);
	frame(s, 0x0, 0x1, id, resp_body + 40, sizeof resp_body - 1 - 40);
}

static void conversation(struct wire *c, struct wire *s, uint32_t id, bool fancy, nghttp2_hd_deflater *cd,
			 nghttp2_hd_deflater *sd)
{
	request(c, id, fancy, cd);
	response(s, id, sd);
}

static void start(struct wire *c, struct wire *s)
{
	memcpy(c->b, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
	c->n = 24;
	frame(c, 0x4, 0, 0, "", 0);			      /* SETTINGS */
	static const uint8_t table[] = {0, 1, 0, 0, 0x10, 0}; /* HEADER_TABLE_SIZE 4096 */
	frame(s, 0x4, 0, 0, table, sizeof table);
	frame(s, 0x4, 0x1, 0, "", 0); /* SETTINGS ACK */
}

static const struct observation *exchange_of(const struct obs_log *log, size_t k)
{
	for (size_t i = 0; i < log->n; i++)
		if (log->v[i].type == OBS_HTTP_EXCHANGE && k-- == 0)
			return &log->v[i];
	return NULL;
}

static void check_exchange(const struct observation *x)
{
	assert_non_null(x);
	assert_string_equal(x->u.http.req.method, "POST");
	assert_string_equal(x->u.http.req.path, "/v1/chat/completions");
	assert_string_equal(x->u.http.req.host, "llm.corp.test");
	assert_string_equal(x->u.http.req.model, "gpt-4o-mini");
	assert_int_equal(x->u.http.resp.status, 200);
	assert_string_equal(x->u.http.resp.model, "gpt-4o-mini-2024-07-18");
	assert_int_equal(x->u.http.req.n_credentials, 1);
}

/* A connection's two HPACK encoders and the bytes of up to two streams:
 * c and s carry the prefaces. */
struct h2_fixture {
	nghttp2_hd_deflater *cd, *sd;
	struct wire c, s, c3, s3;
};

static struct h2_fixture *fixture(void)
{
	static struct h2_fixture x;
	memset(&x, 0, sizeof x);
	assert_int_equal(nghttp2_hd_deflate_new(&x.cd, 4096), 0);
	assert_int_equal(nghttp2_hd_deflate_new(&x.sd, 4096), 0);
	start(&x.c, &x.s);
	return &x;
}

static void fixture_free(struct h2_fixture *x)
{
	nghttp2_hd_deflate_del(x->cd);
	nghttp2_hd_deflate_del(x->sd);
}

static void test_h2c_exchange(void **state)
{
	(void)state;
	for (int fancy = 0; fancy < 2; fancy++) {
		struct h2_fixture *x = fixture();
		conversation(&x->c, &x->s, 1, fancy, x->cd, x->sd);
		const struct feed f[] = {{DIR_TO_SERVER, x->c.b, x->c.n}, {DIR_TO_CLIENT, x->s.b, x->s.n}};
		struct obs_log log = harness_split_invariant(&dissector_http2, f, N(f));
		check_exchange(exchange_of(&log, 0));
		obs_log_free(&log);
		fixture_free(x);
	}
}

/* Two streams whose frames interleave, the second request's header block
 * referring to the first's dynamic table entries. */
static void test_streams_interleaved(void **state)
{
	(void)state;
	struct h2_fixture *x = fixture();
	request(&x->c, 1, false, x->cd);
	request(&x->c3, 3, true, x->cd);
	response(&x->s, 3, x->sd); /* answered in the other order */
	response(&x->s3, 1, x->sd);
	const struct feed f[] = {{DIR_TO_SERVER, x->c.b, x->c.n},
				 {DIR_TO_SERVER, x->c3.b, x->c3.n},
				 {DIR_TO_CLIENT, x->s.b, x->s.n},
				 {DIR_TO_CLIENT, x->s3.b, x->s3.n}};
	struct obs_log log = {0};
	harness_run(&dissector_http2, f, N(f), SIZE_MAX, SIZE_MAX, &log);
	check_exchange(exchange_of(&log, 0));
	check_exchange(exchange_of(&log, 1));
	obs_log_free(&log);
	fixture_free(x);
}

/* Joined after the first request: the second's header block refers to
 * entries the sensor never saw. The direction is left, counted. */
static void test_joined_midway(void **state)
{
	(void)state;
	struct h2_fixture *x = fixture();
	conversation(&x->c, &x->s, 1, false, x->cd, x->sd);   /* not seen */
	conversation(&x->c3, &x->s3, 3, false, x->cd, x->sd); /* seen */
	const struct feed f[] = {{DIR_TO_SERVER, x->c3.b, x->c3.n}, {DIR_TO_CLIENT, x->s3.b, x->s3.n}};
	struct obs_log log = {0};
	harness_run(&dissector_http2, f, N(f), SIZE_MAX, SIZE_MAX, &log);
	bool lost = false;
	for (size_t i = 0; i < log.n; i++)
		lost |= log.v[i].type == OBS_ANOMALY && !strcmp(log.v[i].u.anomaly.reason, "hpack_lost_sync");
	assert_true(lost);
	obs_log_free(&log);
	fixture_free(x);
}

static void test_probe(void **state)
{
	(void)state;
	static const char pri[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
	struct dissect_probe p = {.transport = TRANSPORT_TCP,
				  .dir = DIR_TO_SERVER,
				  .data = (const uint8_t *)pri,
				  .len = sizeof pri - 1};
	assert_true(dissector_http2.probe(&p));
	p.len = 6;
	assert_true(dissector_http2.probe(&p)); /* the preface's first segment */
	p.data = (const uint8_t *)"POST / HTTP/1.1\r\n";
	p.len = 17;
	assert_false(dissector_http2.probe(&p));
	p.data = (const uint8_t *)pri;
	p.dir = DIR_TO_CLIENT;
	assert_false(dissector_http2.probe(&p));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_h2c_exchange),
	    cmocka_unit_test(test_streams_interleaved),
	    cmocka_unit_test(test_joined_midway),
	    cmocka_unit_test(test_probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
