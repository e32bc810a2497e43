/* test_websocket.c — WebSocket frame parser (RFC 6455): table-driven frame
 * sequences split at every byte offset, MCP over WebSocket through the
 * HTTP/1 dissector, and Zeek's websocket.pcap. */
#include "rpc_fixture.h"

#include "analyzer.h"
#include "websocket.h"

#include <zlib.h>

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* ---- a test-only dissector around two ws_parsers ----
 * Each delivered text message becomes an OBS_RPC observation whose target
 * holds the text and n_items_total its length, so the harness can compare
 * them. With `skip_head`, bytes up to the first blank line of a direction
 * (the HTTP handshake) are skipped first. */

struct wsx {
	struct ws_parser p[2];
	bool skip_head;
	unsigned head_state[2]; /* matched bytes of "\r\n\r\n"; 4 = past the head */
};

struct wsx_user {
	enum dissect_dir dir;
	const struct dissect_ctx *ctx;
};

static void wsx_msg(void *user, struct sv data)
{
	struct wsx_user *u = user;
	struct observation o;
	memset(&o, 0, sizeof o);
	o.type = OBS_RPC;
	o.u.rpc.to_server = u->dir == DIR_TO_SERVER;
	o.u.rpc.n_items_total = (uint16_t)data.len;
	sv_copy(o.u.rpc.target, sizeof o.u.rpc.target, data);
	dissect_emit(u->ctx, &o);
}

static uint8_t deflate_agreed; /* WS_DEFLATE* of the case being run */

static void *wsx_new_frames(const struct layer_open *o)
{
	(void)o;
	struct wsx *x = calloc(1, sizeof *x);
	ws_init(&x->p[0], true);
	ws_init(&x->p[1], false);
	ws_set_deflate(&x->p[0], deflate_agreed);
	ws_set_deflate(&x->p[1], deflate_agreed);
	x->head_state[0] = x->head_state[1] = 4;
	return x;
}

static void *wsx_new_http(const struct layer_open *o)
{
	struct wsx *x = wsx_new_frames(o);
	x->skip_head = true;
	x->head_state[0] = x->head_state[1] = 0;
	return x;
}

static void wsx_free(void *st)
{
	struct wsx *x = st;
	ws_free(&x->p[0]);
	ws_free(&x->p[1]);
	free(x);
}

static int wsx_parse(void *st, enum dissect_dir dir, const uint8_t *data, size_t len,
		     const struct dissect_ctx *ctx)
{
	struct wsx *x = st;
	struct wsx_user u = {dir, ctx};
	if (len == 0) {
		ws_end(&x->p[dir], ctx);
		return DISSECT_MORE;
	}
	struct cur c = cur_make(data, len);
	uint8_t ch;
	while (x->head_state[dir] < 4 && cur_get_u8(&c, &ch)) {
		static const char crlf2[] = "\r\n\r\n";
		x->head_state[dir] =
		    ch == (uint8_t)crlf2[x->head_state[dir]] ? x->head_state[dir] + 1 : (ch == '\r');
	}
	ws_feed(&x->p[dir], cur_data(&c), cur_len(&c), wsx_msg, &u, ctx);
	return DISSECT_MORE;
}

static void wsx_gap(void *st, enum dissect_dir dir, size_t len, const struct dissect_ctx *ctx)
{
	(void)ctx;
	ws_gap(&((struct wsx *)st)->p[dir], len);
}

static bool wsx_probe(const struct dissect_probe *p)
{
	(void)p;
	return true;
}

static const struct dissector wsx_frames = {"wsx",    TRANSPORT_TCP, wsx_probe, wsx_new_frames,
					    wsx_free, wsx_parse,     wsx_gap};
static const struct dissector wsx_http = {"wsx-http", TRANSPORT_TCP, wsx_probe, wsx_new_http,
					  wsx_free,   wsx_parse,     wsx_gap};

/* ---- frame building ---- */

enum { LEN_MIN = 0, LEN_16 = 16, LEN_64 = 64 };

static const uint8_t mask_key[4] = {0x37, 0xfa, 0x21, 0x3d};

/* Appends one frame to buf at *o. */
static void frame(uint8_t *buf, size_t *o, bool fin, uint8_t rsv, uint8_t op, bool masked,
		  const char *payload, size_t len, int len_form)
{
	buf[(*o)++] = (uint8_t)((fin ? 0x80 : 0) | rsv | op);
	uint8_t m = masked ? 0x80 : 0;
	if (len_form == LEN_64 || len > 65535) {
		buf[(*o)++] = m | 127;
		for (int i = 7; i >= 0; i--)
			buf[(*o)++] = (uint8_t)((uint64_t)len >> (8 * i));
	} else if (len_form == LEN_16 || len > 125) {
		buf[(*o)++] = m | 126;
		buf[(*o)++] = (uint8_t)(len >> 8);
		buf[(*o)++] = (uint8_t)len;
	} else {
		buf[(*o)++] = (uint8_t)(m | len);
	}
	if (masked) {
		memcpy(buf + *o, mask_key, 4);
		*o += 4;
	}
	for (size_t i = 0; i < len; i++)
		buf[(*o)++] = (uint8_t)(payload[i] ^ (masked ? mask_key[i & 3] : 0));
}

#define TXT(s) s, sizeof(s) - 1

/* ---- the table ---- */

struct ws_case {
	const char *name;
	enum dissect_dir dir;
	void (*build)(uint8_t *buf, size_t *o);
	bool end;	     /* end the direction after the bytes */
	const char *msgs[4]; /* text messages expected, in order */
	const char *anomaly; /* expected anomaly (none other allowed) */
	bool no_split;
	uint8_t deflate; /* permessage-deflate agreed (WS_DEFLATE*) */
};

static void b_server_text(uint8_t *b, size_t *o)
{
	frame(b, o, true, 0, WS_OP_TEXT, false, TXT("hello"), LEN_MIN);
}

static void b_client_masked(uint8_t *b, size_t *o)
{
	frame(b, o, true, 0, WS_OP_TEXT, true,
	      TXT("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}"), LEN_MIN);
}

static char long_text[70000];

static void b_len16(uint8_t *b, size_t *o)
{
	frame(b, o, true, 0, WS_OP_TEXT, false, long_text, 300, LEN_16);
}
/* a 16-bit length that happens to be 127 (found by fuzzing: a hang) */
static void b_len16_127(uint8_t *b, size_t *o)
{
	frame(b, o, true, 0, WS_OP_TEXT, false, long_text, 127, LEN_16);
}
static void b_len64(uint8_t *b, size_t *o)
{
	frame(b, o, true, 0, WS_OP_TEXT, false, long_text, 200, LEN_64);
}

static void b_over_cap(uint8_t *b, size_t *o)
{
	frame(b, o, true, 0, WS_OP_TEXT, false, long_text, AS_WS_MAX_MESSAGE + 10, LEN_64);
	frame(b, o, true, 0, WS_OP_TEXT, false, TXT("after"), LEN_MIN);
}

static void b_fragments(uint8_t *b, size_t *o)
{
	frame(b, o, false, 0, WS_OP_TEXT, true, TXT("Hel"), LEN_MIN);
	frame(b, o, true, 0, WS_OP_PING, true, TXT("pi"), LEN_MIN);
	frame(b, o, false, 0, WS_OP_CONTINUATION, true, TXT("lo"), LEN_16);
	frame(b, o, true, 0, WS_OP_PONG, true, "", 0, LEN_MIN);
	frame(b, o, true, 0, WS_OP_CONTINUATION, true, TXT(", world"), LEN_MIN);
	frame(b, o, true, 0, WS_OP_TEXT, true, TXT("next"), LEN_MIN);
}

static void b_compressed(uint8_t *b, size_t *o)
{
	frame(b, o, false, 0x40, WS_OP_TEXT, false, TXT("\xf2\x48\xcd"), LEN_MIN);
	frame(b, o, true, 0, WS_OP_CONTINUATION, false, TXT("\xc9\xc9\x07\x00"), LEN_MIN);
	frame(b, o, true, 0, WS_OP_TEXT, false, TXT("plain"), LEN_MIN);
}

/* RFC 7692 §7.2.3.2: "Hello" again, referring to the first one's window. */
static void b_compressed_twice(uint8_t *b, size_t *o)
{
	frame(b, o, true, 0x40, WS_OP_TEXT, false, TXT("\xf2\x48\xcd\xc9\xc9\x07\x00"), LEN_MIN);
	frame(b, o, true, 0x40, WS_OP_TEXT, false, TXT("\xf2\x00\x11\x00\x00"), LEN_MIN);
}

/* RFC 7692 §7.2.3.4: a message ended by a final block (BFINAL); the next
 * one starts a new stream. */
static void b_compressed_final(uint8_t *b, size_t *o)
{
	frame(b, o, true, 0x40, WS_OP_TEXT, true, TXT("\xf3\x48\xcd\xc9\xc9\x07\x00\x00"), LEN_MIN);
	frame(b, o, true, 0x40, WS_OP_TEXT, true, TXT("\xf2\x48\xcd\xc9\xc9\x07\x00"), LEN_MIN);
}

/* Raw deflate of n bytes of `c`, sync-flushed, its 00 00 ff ff tail off. */
static size_t raw_deflate(int c, size_t n, uint8_t *out, size_t cap)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY), Z_OK);
	static uint8_t in[1 << 16];
	memset(in, c, sizeof in);
	z.next_out = out;
	z.avail_out = (uInt)cap;
	for (size_t left = n; left;) {
		size_t k = left < sizeof in ? left : sizeof in;
		z.next_in = in;
		z.avail_in = (uInt)k;
		left -= k;
		assert_int_equal(deflate(&z, left ? Z_NO_FLUSH : Z_SYNC_FLUSH), Z_OK);
	}
	size_t len = cap - z.avail_out;
	deflateEnd(&z);
	assert_true(len >= 4 && !memcmp(out + len - 4, "\x00\x00\xff\xff", 4));
	return len - 4;
}

/* A bomb: one compressed message inflating past AS_HTTP_MAX_INFLATED. The
 * window is gone with it: later compressed messages are lost, plain ones
 * still read. */
static void b_deflate_bomb(uint8_t *b, size_t *o)
{
	static uint8_t z[65536];
	size_t n = raw_deflate('a', AS_HTTP_MAX_INFLATED + 4096, z, sizeof z);
	frame(b, o, true, 0x40, WS_OP_TEXT, false, (const char *)z, n, LEN_MIN);
	frame(b, o, true, 0x40, WS_OP_TEXT, false, TXT("\xf2\x48\xcd\xc9\xc9\x07\x00"), LEN_MIN);
	frame(b, o, true, 0, WS_OP_TEXT, false, TXT("plain"), LEN_MIN);
}

/* Inflated past the message cap but within the bomb cap: that message is
 * not read, the window stays, the next compressed one is. */
static void b_deflate_over_message_cap(uint8_t *b, size_t *o)
{
	static uint8_t z[65536];
	size_t n = raw_deflate('a', AS_WS_MAX_MESSAGE + 1, z, sizeof z);
	frame(b, o, true, 0x40, WS_OP_TEXT, false, (const char *)z, n, LEN_MIN);
	frame(b, o, true, 0x40, WS_OP_TEXT, false, TXT("\xf2\x48\xcd\xc9\xc9\x07\x00"), LEN_MIN);
}

static void b_truncated(uint8_t *b, size_t *o)
{
	frame(b, o, true, 0, WS_OP_TEXT, false, TXT("ok"), LEN_MIN);
	frame(b, o, true, 0, WS_OP_TEXT, false, TXT("cut short"), LEN_MIN);
	*o -= 4;
}

static void b_close(uint8_t *b, size_t *o)
{
	frame(b, o, true, 0, WS_OP_TEXT, false, TXT("before"), LEN_MIN);
	frame(b, o, true, 0, WS_OP_CLOSE, false, TXT("\x03\xe8"), LEN_MIN);
	frame(b, o, true, 0, WS_OP_TEXT, false, TXT("after close"), LEN_MIN);
}

static void b_bad_opcode(uint8_t *b, size_t *o)
{
	frame(b, o, true, 0, 0x3, false, TXT("x"), LEN_MIN);
	frame(b, o, true, 0, WS_OP_TEXT, false, TXT("lost"), LEN_MIN);
}

static void b_bad_control(uint8_t *b, size_t *o)
{
	frame(b, o, true, 0, WS_OP_PING, false, long_text, 126, LEN_16);
}

static void b_bad_continuation(uint8_t *b, size_t *o)
{
	frame(b, o, true, 0, WS_OP_CONTINUATION, false, TXT("x"), LEN_MIN);
}

static void b_bad_fragmentation(uint8_t *b, size_t *o)
{
	frame(b, o, false, 0, WS_OP_TEXT, false, TXT("a"), LEN_MIN);
	frame(b, o, true, 0, WS_OP_TEXT, false, TXT("b"), LEN_MIN);
}

static void b_unmasked_client(uint8_t *b, size_t *o)
{
	frame(b, o, true, 0, WS_OP_TEXT, false, TXT("bare"), LEN_MIN);
}

static void b_binary(uint8_t *b, size_t *o)
{
	frame(b, o, false, 0, WS_OP_BINARY, false, TXT("\x00\x01"), LEN_MIN);
	frame(b, o, true, 0, WS_OP_CONTINUATION, false, TXT("\x02"), LEN_MIN);
	frame(b, o, true, 0, WS_OP_TEXT, false, TXT(""), LEN_MIN);
}

static const struct ws_case ws_cases[] = {
    {"server text, unmasked", DIR_TO_CLIENT, b_server_text, true, {"hello"}},
    {"client text, masked",
     DIR_TO_SERVER,
     b_client_masked,
     true,
     {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}"}},
    {"16-bit length", DIR_TO_CLIENT, b_len16, true, {"L300"}},
    {"16-bit length of 127", DIR_TO_CLIENT, b_len16_127, true, {"L127"}},
    {"64-bit length", DIR_TO_CLIENT, b_len64, true, {"L200"}},
    {"message over the cap", DIR_TO_CLIENT, b_over_cap, true, {"after"}, "ws_message_over_cap", true},
    {"fragments with control frames between", DIR_TO_SERVER, b_fragments, true, {"Hello, world", "next"}},
    {"RSV1 without permessage-deflate agreed", DIR_TO_CLIENT, b_compressed, true, {"plain"}, "ws_compressed"},
    {"permessage-deflate, fragmented", DIR_TO_CLIENT, b_compressed, true, {"Hello", "plain"}, .deflate = WS_DEFLATE},
    {"permessage-deflate, the window kept across messages",
     DIR_TO_CLIENT,
     b_compressed_twice,
     true,
     {"Hello", "Hello"},
     .deflate = WS_DEFLATE},
    {"permessage-deflate, a final block, then a new stream",
     DIR_TO_SERVER,
     b_compressed_final,
     true,
     {"Hello", "Hello"},
     .deflate = WS_DEFLATE | WS_DEFLATE_CLIENT_RESET},
    {"permessage-deflate bomb",
     DIR_TO_CLIENT,
     b_deflate_bomb,
     true,
     {"plain"},
     "ws_inflated_over_cap",
     true,
     WS_DEFLATE},
    {"permessage-deflate over the message cap",
     DIR_TO_CLIENT,
     b_deflate_over_message_cap,
     true,
     {"Hello"},
     "ws_message_over_cap",
     true,
     WS_DEFLATE},
    {"truncated frame", DIR_TO_CLIENT, b_truncated, true, {"ok"}, "ws_truncated"},
    {"nothing after close", DIR_TO_CLIENT, b_close, true, {"before"}},
    {"reserved opcode", DIR_TO_CLIENT, b_bad_opcode, true, {NULL}, "ws_bad_opcode"},
    {"control frame too long", DIR_TO_CLIENT, b_bad_control, true, {NULL}, "ws_bad_control"},
    {"continuation without a message",
     DIR_TO_CLIENT,
     b_bad_continuation,
     true,
     {NULL},
     "ws_bad_continuation"},
    {"new message inside a fragmented one",
     DIR_TO_CLIENT,
     b_bad_fragmentation,
     true,
     {NULL},
     "ws_bad_fragmentation"},
    {"client frame unmasked", DIR_TO_SERVER, b_unmasked_client, true, {"bare"}, "ws_unmasked"},
    {"server frame masked",
     DIR_TO_CLIENT,
     b_client_masked,
     true,
     {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}"},
     "ws_masked"},
    {"binary skipped, empty text delivered", DIR_TO_CLIENT, b_binary, false, {""}},
};

static void test_frame(void **state)
{
	static uint8_t buf[AS_WS_MAX_MESSAGE + 4096];
	const struct ws_case *c = *state;
	size_t o = 0;
	c->build(buf, &o);
	deflate_agreed = c->deflate;
	struct feed feeds[2] = {{c->dir, buf, o}, {c->dir, conv_empty, 0}};
	struct obs_log log = {0};
	if (c->no_split)
		harness_run(&wsx_frames, feeds, c->end ? 2 : 1, SIZE_MAX, SIZE_MAX, &log);
	else
		log = harness_split_invariant(&wsx_frames, feeds, c->end ? 2 : 1);
	print_anomalies(&log);
	size_t n = 0;
	while (n < 4 && c->msgs[n])
		n++;
	if (count_type(&log, OBS_RPC) != n)
		fail_msg("%zu messages, want %zu", count_type(&log, OBS_RPC), n);
	for (size_t k = 0; k < n; k++) {
		const struct obs_rpc *m = rpc(&log, k);
		assert_int_equal(m->to_server, c->dir == DIR_TO_SERVER);
		if (c->msgs[k][0] == 'L' && c->msgs[k][1] >= '0' && c->msgs[k][1] <= '9') {
			assert_int_equal(m->n_items_total, atoi(c->msgs[k] + 1));
			assert_memory_equal(m->target, long_text, sizeof m->target - 1);
		} else {
			assert_string_equal(m->target, c->msgs[k]);
		}
	}
	size_t anomalies = count_type(&log, OBS_ANOMALY);
	if (c->anomaly) {
		if (!has_anomaly(&log, c->anomaly))
			fail_msg("anomaly %s missing", c->anomaly);
	} else if (anomalies) {
		fail_msg("%zu unexpected anomalies", anomalies);
	}
	obs_log_free(&log);
}

/* A gap inside a payload skips that message; one in a header stops the direction. */
static void test_gap(void **state)
{
	(void)state;
	struct obs_log log = {0};
	struct dissect_ctx ctx = harness_ctx(&log);
	uint8_t buf[256];
	size_t o = 0;
	frame(buf, &o, true, 0, WS_OP_TEXT, false, TXT("0123456789"), LEN_MIN);
	size_t first = o;
	frame(buf, &o, true, 0, WS_OP_TEXT, false, TXT("intact"), LEN_MIN);
	void *st = wsx_frames.state_new(harness_open());
	wsx_parse(st, DIR_TO_CLIENT, buf, 5, &ctx);
	wsx_gap(st, DIR_TO_CLIENT, 3, &ctx);
	wsx_parse(st, DIR_TO_CLIENT, buf + 8, o - 8, &ctx);
	assert_int_equal(count_type(&log, OBS_RPC), 1);
	assert_string_equal(rpc(&log, 0)->target, "intact");
	wsx_gap(st, DIR_TO_CLIENT, 1, &ctx); /* in a header: lost */
	wsx_parse(st, DIR_TO_CLIENT, buf + first, o - first, &ctx);
	assert_int_equal(count_type(&log, OBS_RPC), 1);
	wsx_free(st);
	obs_log_free(&log);
}

/* ---- MCP over WebSocket through http1 ---- */

static void test_mcp_over_websocket(void **state)
{
	(void)state;
	static uint8_t req[2048], resp[2048];
	size_t rq = 0, rs = 0;
	static const char head[] =
	    "GET /mcp/ws?x=1 HTTP/1.1\r\nHost: Tools.Example:9000\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Protocol: mcp\r\nAuthorization: Bearer WS-SECRET-TOKEN\r\n"
	    "Sec-WebSocket-Version: 13\r\n\r\n";
	memcpy(req, head, sizeof head - 1);
	rq = sizeof head - 1;
	/* sent right behind the handshake, before the 101 arrives: held, then parsed */
	frame(
	    req, &rq, true, 0, WS_OP_TEXT, true,
	    TXT("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"run_query\","
		"\"arguments\":{\"sql\":\"SQL-VALUE\"}}}"),
	    LEN_MIN);
	frame(req, &rq, false, 0, WS_OP_TEXT, true, TXT("{\"jsonrpc\":\"2.0\",\"method\":"), LEN_MIN);
	frame(req, &rq, true, 0, WS_OP_PING, true, "", 0, LEN_MIN);
	frame(req, &rq, true, 0, WS_OP_CONTINUATION, true, TXT("\"notifications/initialized\"}"), LEN_MIN);
	static const char rhead[] =
	    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
	memcpy(resp, rhead, sizeof rhead - 1);
	rs = sizeof rhead - 1;
	frame(resp, &rs, true, 0, WS_OP_TEXT, false,
	      TXT("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"ok\"}"
		  "]}}"),
	      LEN_16);
	frame(resp, &rs, true, 0, WS_OP_TEXT, false, TXT("not json"), LEN_MIN);
	frame(resp, &rs, true, 0, WS_OP_CLOSE, false, "", 0, LEN_MIN);
	struct feed feeds[] = {{DIR_TO_SERVER, req, rq},
			       {DIR_TO_CLIENT, resp, rs},
			       {DIR_TO_CLIENT, conv_empty, 0},
			       {DIR_TO_SERVER, conv_empty, 0}};
	struct obs_log log = harness_split_invariant(H1D, feeds, 4);
	print_anomalies(&log);
	assert_int_equal(count_type(&log, OBS_ANOMALY), 0);
	assert_no_leak(&log, "WS-SECRET-TOKEN");
	assert_no_leak(&log, "SQL-VALUE");
	assert_int_equal(count_type(&log, OBS_HTTP_REQUEST), 1);
	assert_int_equal(nth(&log, OBS_HTTP_EXCHANGE, 0)->u.http.resp.status, 101);
	assert_int_equal(count_type(&log, OBS_RPC), 3);
	for (size_t i = 0; i < 3; i++) {
		const struct obs_rpc *r = rpc(&log, i);
		assert_int_equal(r->transport, RPC_WEBSOCKET);
		assert_int_equal(r->protocol, RPC_PROTO_MCP);
		assert_string_equal(r->http.host, "tools.example");
		assert_string_equal(r->http.path, "/mcp/ws");
		assert_string_equal(r->http.method, "GET");
		assert_true(r->http.authorization);
	}
	/* the client's frames, held until the 101, are parsed before the server's */
	assert_string_equal(rpc(&log, 0)->method, "tools/call");
	assert_int_equal(rpc(&log, 0)->kind, RPC_REQUEST);
	assert_true(rpc(&log, 0)->to_server);
	assert_string_equal(rpc(&log, 0)->target, "run_query");
	assert_string_equal(rpc(&log, 0)->arg_names, "sql");
	assert_string_equal(rpc(&log, 1)->method, "notifications/initialized");
	assert_string_equal(rpc(&log, 2)->method, "tools/call");
	assert_int_equal(rpc(&log, 2)->kind, RPC_RESULT);
	assert_false(rpc(&log, 2)->to_server);
	obs_log_free(&log);

	/* a 101 without Upgrade: websocket (h2c) still ends HTTP/1 parsing */
	static const struct conv_feed h2c[] = {
	    {DIR_TO_SERVER, "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"},
	    {DIR_TO_CLIENT, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n\x81\x02{}"},
	    {0},
	};
	log = conv_run(h2c, false);
	assert_int_equal(count_type(&log, OBS_RPC), 0);
	assert_int_equal(count_type(&log, OBS_ANOMALY), 0);
	obs_log_free(&log);

	/* a refused upgrade: the held request bytes are HTTP again */
	static const struct conv_feed refused[] = {
	    {DIR_TO_SERVER,
	     "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
	     "POST /mcp HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: #\r\n\r\n"
	     "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}\x01"},
	    {DIR_TO_CLIENT, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"},
	    {0},
	};
	log = conv_run(refused, false);
	assert_int_equal(count_type(&log, OBS_HTTP_REQUEST), 2);
	assert_int_equal(count_type(&log, OBS_RPC), 1);
	assert_string_equal(rpc(&log, 0)->method, "tools/list");
	obs_log_free(&log);
}

/* ---- public capture ---- */

static void test_pcap_websocket(void **state)
{
	(void)state;
	struct obs_log log;
	/* Zeek baseline 101-switching-protocols: kaazing echo; tshark: client
	 * text 140 (16-bit length) and 17 bytes, server binary 4/593/0/4 and text 17, close both */
	pcap_run_with(&wsx_http, "zeek/Traces/http/websocket.pcap", &log, NULL, NULL);
	print_anomalies(&log);
	assert_int_equal(count_type(&log, OBS_ANOMALY), 0);
	assert_int_equal(count_type(&log, OBS_RPC), 3);
	size_t client = 0, server = 0;
	for (size_t i = 0; i < 3; i++) {
		const struct obs_rpc *m = rpc(&log, i);
		if (m->to_server) {
			client++;
			assert_true(m->n_items_total == 140 || m->n_items_total == 17);
			if (m->n_items_total == 140) /* control bytes (CR LF) become '?' */
				assert_memory_equal(m->target, "GET /echo HTTP/1.1??", 20);
			else
				assert_string_equal(m->target, "Hello, WebSocket!");
		} else {
			server++;
			assert_string_equal(m->target, "Hello, WebSocket!");
		}
	}
	assert_int_equal(client, 2);
	assert_int_equal(server, 1);
	obs_log_free(&log);
}

/* Through http1: the echo is no JSON-RPC, and nothing is anomalous. */
static void test_pcap_http1(void **state)
{
	(void)state;
	struct obs_log log;
	pcap_run("zeek/Traces/http/websocket.pcap", &log, NULL, NULL);
	assert_int_equal(count_type(&log, OBS_ANOMALY), 0);
	assert_int_equal(count_type(&log, OBS_RPC), 0);
	assert_int_equal(count_type(&log, OBS_HTTP_EXCHANGE), 1);
	obs_log_free(&log);
}

int main(void)
{
	for (size_t i = 0; i < sizeof long_text; i++)
		long_text[i] = (char)('a' + i % 26);
	struct cases t = {0};
	CASE_ROWS(&t, test_frame, ws_cases, name);
	CASE(&t, test_gap);
	CASE(&t, test_mcp_over_websocket);
	CASE(&t, test_pcap_websocket);
	CASE(&t, test_pcap_http1);
	return cases_main(&t, "websocket");
}
