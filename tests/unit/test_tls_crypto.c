/* test_tls_crypto.c — the TLS 1.3 key schedule and record opening against
 * RFC 8448 §3 ("Simple 1-RTT Handshake", TLS_AES_128_GCM_SHA256): the
 * traffic keys and IVs of its four traffic secrets, and its two
 * application_data records; KeyUpdate and the other AEADs by their
 * properties. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dissect_harness.h"
#include "keylog.h"
#include "pcap_walk.h"
#include "tls_crypto.h"

extern const struct dissector dissector_tls;

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	for (; *s && s[1]; s += 2) {
		while (*s == ' ')
			s++;
		unsigned v;
		assert_true(sscanf(s, "%2x", &v) == 1);
		assert_true(n < cap);
		out[n++] = (uint8_t)v;
	}
	return n;
}

static void assert_hex(const uint8_t *got, size_t n, const char *want)
{
	uint8_t w[64];
	assert_int_equal(unhex(want, w, sizeof w), n);
	assert_memory_equal(got, w, n);
}

/* RFC 8448 §3: each traffic secret, the key and IV it derives. */
static const struct {
	const char *secret, *key, *iv;
} rfc8448_keys[] = {
    /* {server} derive write traffic keys for handshake data */
    {"b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38", "3fce516009c21727d0f2e4e86ee403bc",
     "5d313eb2671276ee13000b30"},
    /* {client} derive read traffic keys for handshake data */
    {"b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21", "dbfaa693d1762c5b666af5d950258d01",
     "5bd3c71b836e0b76bb73265f"},
    /* {server} derive write traffic keys for application data */
    {"a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643", "9f02283b6c9c07efc26bb9f2ac92e356",
     "cf782b88dd83549aadf1e984"},
    /* {client} derive write traffic keys for application data */
    {"9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5", "17422dda596ed5d9acd890e3c63f5051",
     "5b78923dee08579033e523d9"},
};

static void test_traffic_keys(void **state)
{
	(void)state;
	struct tls_suite suite;
	assert_true(tls13_suite_of(0x1301, &suite));
	for (size_t i = 0; i < sizeof rfc8448_keys / sizeof rfc8448_keys[0]; i++) {
		uint8_t secret[32];
		assert_int_equal(unhex(rfc8448_keys[i].secret, secret, sizeof secret), 32);
		struct tls_traffic t;
		assert_int_equal(tls13_traffic_init(&t, &suite, secret), AS_OK);
		assert_hex(t.key, 16, rfc8448_keys[i].key);
		assert_hex(t.iv, 12, rfc8448_keys[i].iv);
		assert_int_equal(t.seq, 0);
	}
}

/* RFC 8448 §3: "{server} send application_data record" (the server's
 * second record under its application key, after the NewSessionTicket)
 * and "{client} send application_data record" (the client's first). Both
 * carry the 50 bytes 00 01 .. 31. */
static const char server_record[] =
    "17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36e30efaf97d90e6dffc602dcb501a59a8fcc49c4b"
    "f2e5f0a21c0047c2abf332540dd032e167c2955d";
static const char client_record[] =
    "1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5b46b395bd54a9a20441e2b62974e1f"
    "5a6292a2977014bd1e3deae63aeebb21694915e4";

static void open_record(const char *secret_hex, const char *record_hex, uint64_t seq)
{
	struct tls_suite suite;
	assert_true(tls13_suite_of(0x1301, &suite));
	uint8_t secret[32], rec[128], out[128];
	assert_int_equal(unhex(secret_hex, secret, sizeof secret), 32);
	size_t n = unhex(record_hex, rec, sizeof rec);
	assert_int_equal(n, 5 + 0x43);
	struct tls_traffic t;
	assert_int_equal(tls13_traffic_init(&t, &suite, secret), AS_OK);
	t.seq = seq;
	uint8_t type = 0;
	int len = tls13_open(&t, rec, rec + 5, n - 5, out, &type);
	assert_int_equal(len, 50);
	assert_int_equal(type, 23);
	for (int i = 0; i < len; i++)
		assert_int_equal(out[i], i);
	assert_int_equal(t.seq, seq + 1);

	/* One bit changed: it does not open, and the sequence stays. */
	rec[20] ^= 1;
	assert_int_equal(tls13_open(&t, rec, rec + 5, n - 5, out, &type), AS_ERR_MALFORMED);
	assert_int_equal(t.seq, seq + 1);
}

static void test_open_rfc8448_records(void **state)
{
	(void)state;
	open_record(rfc8448_keys[2].secret, server_record, 1);
	open_record(rfc8448_keys[3].secret, client_record, 0);
}

/* The wrong sequence number is the wrong nonce: the record does not open. */
static void test_sequence_matters(void **state)
{
	(void)state;
	struct tls_suite suite;
	assert_true(tls13_suite_of(0x1301, &suite));
	uint8_t secret[32], rec[128], out[128], type;
	unhex(rfc8448_keys[2].secret, secret, sizeof secret);
	size_t n = unhex(server_record, rec, sizeof rec);
	struct tls_traffic t;
	assert_int_equal(tls13_traffic_init(&t, &suite, secret), AS_OK);
	assert_int_equal(tls13_open(&t, rec, rec + 5, n - 5, out, &type), AS_ERR_MALFORMED);
}

/* KeyUpdate: the next secret is HKDF-Expand-Label(secret, "traffic upd",
 * "", Hash.length), and the keys follow it; the sequence restarts. */
static void test_key_update(void **state)
{
	(void)state;
	struct tls_suite suite;
	assert_true(tls13_suite_of(0x1302, &suite));
	assert_int_equal(suite.hash_len, 48);
	assert_int_equal(suite.key_len, 32);
	uint8_t secret[48], next[48], key[32];
	for (int i = 0; i < 48; i++)
		secret[i] = (uint8_t)i;
	struct tls_traffic t;
	assert_int_equal(tls13_traffic_init(&t, &suite, secret), AS_OK);
	t.seq = 7;
	assert_int_equal(tls13_traffic_update(&t), AS_OK);
	assert_int_equal(tls13_expand_label(secret, 48, "traffic upd", NULL, 0, next, 48), AS_OK);
	assert_memory_equal(t.secret, next, 48);
	assert_int_equal(tls13_expand_label(next, 48, "key", NULL, 0, key, 32), AS_OK);
	assert_memory_equal(t.key, key, 32);
	assert_int_equal(t.seq, 0);
}

static void test_suites(void **state)
{
	(void)state;
	struct tls_suite s;
	assert_true(tls13_suite_of(0x1303, &s));
	assert_int_equal(s.aead, TLS_AEAD_CHACHA20_POLY1305);
	assert_int_equal(s.key_len, 32);
	assert_int_equal(s.hash_len, 32);
	assert_false(tls13_suite_of(0xc02f, &s)); /* a TLS 1.2 suite */
	assert_false(tls13_suite_of(0x1304, &s)); /* AES-CCM: not opened */
}

/* The TLS 1.2 PRF: the P_SHA256 and P_SHA384 vectors of the IETF TLS
 * working group (mail-archive/web/tls/current/msg03416.html); the
 * SHA-384 one is checked on its first 92 bytes (P_hash output does not
 * depend on the length asked). */
static void test_tls12_prf(void **state)
{
	(void)state;
	uint8_t secret[16], seed[16], out[100];
	unhex("9bbe436ba940f017b17652849a71db35", secret, sizeof secret);
	unhex("a0ba9f936cda311827a6f796ffd5198c", seed, sizeof seed);
	assert_int_equal(tls12_prf(32, secret, 16, "test label", seed, 16, out, 100), AS_OK);
	uint8_t want[100];
	assert_int_equal(unhex("e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
			       "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
			       "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
			       "87347b66",
			       want, sizeof want),
			 100);
	assert_memory_equal(out, want, 100);

	unhex("b80b733d6ceefcdc71566ea48e5567df", secret, sizeof secret);
	unhex("cd665cf6a8447dd6ff8b27555edb7465", seed, sizeof seed);
	assert_int_equal(tls12_prf(48, secret, 16, "test label", seed, 16, out, 92), AS_OK);
	assert_int_equal(unhex("7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd"
			       "e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd"
			       "8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad0",
			       want, sizeof want),
			 92);
	assert_memory_equal(out, want, 92);

	struct tls_suite s;
	assert_true(tls12_suite_of(0xc02f, &s));
	assert_int_equal(s.iv_len, 4);
	assert_true(tls12_suite_of(0xcca8, &s));
	assert_int_equal(s.iv_len, 12);
	assert_false(tls12_suite_of(0x002f, &s)); /* CBC: not opened */
}

/* ---- a recorded capture opened with its key log ---- */

struct opened {
	unsigned requests, protected_requests, anomalies;
	bool model_seen;
};

static void on_obs(void *user, const struct observation *o)
{
	struct opened *x = user;
	if (o->type == OBS_ANOMALY)
		x->anomalies++;
	if (o->type != OBS_HTTP_EXCHANGE)
		return;
	x->requests++;
	x->protected_requests += o->protected_bytes;
	x->model_seen |= strstr(o->u.http.req.model, "gpt-4o-mini") != NULL;
}

/* Secrets that come late, as from a key log followed live: `path` is
 * added to the (growing) store once the first server bytes (its
 * ServerHello) are in. Packet time moves 1 ms an event. */
struct late {
	struct dissect_keys *k;
	const char *path;
	uint32_t wait_ms;
};

/* Every TCP flow of the capture through a layer stack as a flow holds one. */
static struct opened open_capture_late(const char *pcap, const struct dissect_keys *keys,
				       const struct late *late)
{
	struct opened x = {0};
	struct pw_tcp t;
	pw_tcp_read_path(pcap, NULL, &t);
	struct dissect_env env = harness_env;
	env.keys = keys;
	env.keylog_wait_ms = late ? late->wait_ms : 0;
	bool added = false;
	struct layer_host host = {&env, obs_log_emit, NULL, HARNESS_TS};
	struct obs_log log = {0};
	host.user = &log;
	struct layer_stack **st = calloc(t.n_flows + 1, sizeof *st);
	assert_non_null(st);
	struct layer_open o = *harness_open();
	o.env = &env;
	o.server_port = 443;
	for (size_t i = 0; i < t.n_ev; i++) {
		const struct pw_ev *e = &t.ev[i];
		if (t.flows[e->flow].port[1] != 443)
			continue;
		if (!st[e->flow] && !(st[e->flow] = layers_new(&host, &dissector_tls, &o)))
			fail();
		host.ts_us += 1000;
		if (e->data)
			(void)layers_feed(st[e->flow], e->dir, e->data, e->len);
		else
			(void)layers_gap(st[e->flow], e->dir, e->len);
		if (late && late->path && !added && e->dir == DIR_TO_CLIENT && e->data) {
			char err[256];
			assert_int_equal(keylog_add_file(late->k, late->path, err, sizeof err), AS_OK);
			added = true;
		}
	}
	for (size_t f = 0; f < t.n_flows; f++)
		if (st[f]) {
			(void)layers_feed(st[f], DIR_TO_SERVER, NULL, 0);
			(void)layers_feed(st[f], DIR_TO_CLIENT, NULL, 0);
			layers_free(st[f]);
		}
	free(st);
	for (size_t i = 0; i < log.n; i++)
		on_obs(&x, &log.v[i]);
	obs_log_free(&log);
	pw_tcp_free(&t);
	return x;
}

static struct opened open_capture(const char *pcap, const struct dissect_keys *keys)
{
	return open_capture_late(pcap, keys, NULL);
}

/* pcaps/openai-node-tls.pcap (TLS 1.3, TLS_AES_256_GCM_SHA384, npm openai
 * on Node 20): with its key log, its three chat and model requests are
 * read, each marked protected — on two connections, the second resuming
 * the first's session (PSK): its secrets are found by its own random all
 * the same; without, none. */
static void test_capture_opened(void **state)
{
	(void)state;
	struct dissect_keys *k = keylog_new();
	char err[256];
	assert_int_equal(
	    keylog_add_file(k, AS_SRC_DIR "/pcaps/keylogs/openai-node-tls.keylog", err, sizeof err), AS_OK);
	struct opened x = open_capture(AS_SRC_DIR "/pcaps/openai-node-tls.pcap", k);
	assert_int_equal(x.requests, 3);
	assert_int_equal(x.protected_requests, 3);
	assert_true(x.model_seen);
	assert_int_equal(x.anomalies, 0);
	keylog_free(k);

	x = open_capture(AS_SRC_DIR "/pcaps/openai-node-tls.pcap", NULL);
	assert_int_equal(x.requests, 0);

	/* A key log of another capture opens nothing here, and says nothing. */
	k = keylog_new();
	assert_int_equal(
	    keylog_add_file(k, AS_SRC_DIR "/pcaps/keylogs/anthropic-node-tls.keylog", err, sizeof err),
	    AS_OK);
	x = open_capture(AS_SRC_DIR "/pcaps/openai-node-tls.pcap", k);
	assert_int_equal(x.requests, 0);
	assert_int_equal(x.anomalies, 0);
	keylog_free(k);
}

/* A key log followed live gives the secrets after the handshake: the
 * connection waits, holding its records, and opens them all once they
 * come; secrets that do not come within the bound are given up, counted,
 * and the connection is read as without keys. The TLS 1.2 capture waits
 * for its master secret alike. */
static void test_secrets_late(void **state)
{
	(void)state;
	static const struct {
		const char *pcap, *keylog;
		unsigned requests;
	} caps[] = {
	    {"openai-node-tls", "openai-node-tls", 3},
	    {"tls12-curl-gcm", "tls12-curl-gcm", 2},
	};
	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
		char pcap[512], keylog[512];
		snprintf(pcap, sizeof pcap, "%s/pcaps/%s.pcap", AS_SRC_DIR, caps[i].pcap);
		snprintf(keylog, sizeof keylog, "%s/pcaps/keylogs/%s.keylog", AS_SRC_DIR, caps[i].keylog);
		struct dissect_keys *k = keylog_new();
		keylog_set_growing(k, true);
		struct late late = {k, keylog, 60000};
		struct opened x = open_capture_late(pcap, k, &late);
		assert_int_equal(x.requests, caps[i].requests);
		assert_int_equal(x.protected_requests, caps[i].requests);
		assert_int_equal(x.anomalies, 0);
		keylog_free(k);

		/* Never given: the wait ends on time (2 ms of packet time). */
		k = keylog_new();
		keylog_set_growing(k, true);
		struct late never = {k, NULL, 2};
		x = open_capture_late(pcap, k, &never);
		assert_int_equal(x.requests, 0);
		assert_true(x.anomalies >= 1); /* keylog_wait_time */
		keylog_free(k);
	}
}

/* pcaps/tls13-0rtt.pcap: a full handshake, then a resumed one whose
 * request rides in 0-RTT early data, accepted by the server. With the
 * early traffic secret both requests are read; without it the early one
 * is skipped (counted), the connection read on past it. */
static void test_early_data(void **state)
{
	(void)state;
	struct dissect_keys *k = keylog_new();
	char err[256];
	assert_int_equal(keylog_add_file(k, AS_SRC_DIR "/pcaps/keylogs/tls13-0rtt.keylog", err, sizeof err), AS_OK);
	struct opened x = open_capture(AS_SRC_DIR "/pcaps/tls13-0rtt.pcap", k);
	assert_int_equal(x.requests, 2);
	assert_int_equal(x.protected_requests, 2);
	assert_int_equal(x.anomalies, 0);
	keylog_free(k);

	FILE *f = fopen(AS_SRC_DIR "/pcaps/keylogs/tls13-0rtt.keylog", "r");
	assert_non_null(f);
	k = keylog_new();
	char line[512];
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "CLIENT_EARLY_TRAFFIC_SECRET ", 28) != 0)
			keylog_add_text(k, line, strlen(line));
	fclose(f);
	x = open_capture(AS_SRC_DIR "/pcaps/tls13-0rtt.pcap", k);
	assert_true(x.requests >= 1); /* the first connection's, and the early one's answer */
	assert_true(x.anomalies >= 1); /* keylog_no_early_secret */
	keylog_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_traffic_keys),     cmocka_unit_test(test_open_rfc8448_records),
	    cmocka_unit_test(test_sequence_matters), cmocka_unit_test(test_key_update),
	    cmocka_unit_test(test_suites),	     cmocka_unit_test(test_tls12_prf),
	    cmocka_unit_test(test_capture_opened),   cmocka_unit_test(test_secrets_late),
	    cmocka_unit_test(test_early_data),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
