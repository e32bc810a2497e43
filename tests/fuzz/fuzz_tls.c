/* fuzz_tls.c — libFuzzer target for the TLS dissector. Input format: a
 * sequence of chunks, each a header byte (bit 7: direction, 1 = to client;
 * bits 0-6: chunk length, 0 means "the rest", 0x7f a gap instead of a
 * chunk) followed by that many bytes.
 * Each chunk is one parse call, so record and handshake reassembly across
 * calls and directions is exercised, and past the hellos the sealed
 * records' walk into turns; at the end both directions end (a streamed
 * answer in progress is estimated). The probe and tls_parse_client_hello
 * (as QUIC would call it) also see the raw input. Three runs: without
 * keys, with a store that holds secrets (handshake, early, TLS 1.2) for
 * the corpus' hello, and with an empty store still growing (live key
 * logs), where connections wait for their secrets. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cursor.h"
#include "dissector.h"
#include "keylog.h"
#include "tls.h"


extern const struct dissector dissector_tls;

static void sink(void *user, const struct observation *o)
{
	/* Touch every byte so ASan/MSan see uninitialised or stray fields. */
	volatile uint8_t acc = 0;
	const uint8_t *p = (const uint8_t *)o;
	for (size_t i = 0; i < sizeof *o; i++)
		acc ^= p[i];
	(void)acc;
	(void)user;
}

/* A key store that holds secrets for the random of the corpus' Chrome
 * hello (tests/unit/tls_fixture.h), TLS 1.3 and 1.2, which open nothing:
 * with it the layer holds its hello, starts to open records, finds them
 * not authentic. */
static const struct dissect_env *keyed_env(void)
{
	static struct dissect_env env;
	static struct dissect_keys *keys;
	if (!keys && (keys = keylog_new())) {
		static const char log[] =
		    "CLIENT_HANDSHAKE_TRAFFIC_SECRET "
		    "79c4ac065e1d80d1350600264f5b3ea2be8d7509a5b84b2fe55a74a5b86af851 "
		    "0101010101010101010101010101010101010101010101010101010101010101\n"
		    "SERVER_HANDSHAKE_TRAFFIC_SECRET "
		    "79c4ac065e1d80d1350600264f5b3ea2be8d7509a5b84b2fe55a74a5b86af851 "
		    "0202020202020202020202020202020202020202020202020202020202020202\n"
		    "CLIENT_RANDOM 79c4ac065e1d80d1350600264f5b3ea2be8d7509a5b84b2fe55a74a5b86af851 "
		    "030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303\n"
		    "CLIENT_EARLY_TRAFFIC_SECRET "
		    "79c4ac065e1d80d1350600264f5b3ea2be8d7509a5b84b2fe55a74a5b86af851 "
		    "0404040404040404040404040404040404040404040404040404040404040404\n";
		keylog_add_text(keys, log, sizeof log - 1);
		env.keys = keys;
	}
	return &env;
}

/* An empty store that a live key log may still fill: every connection
 * waits for its secrets, holding records within small bounds, and gives
 * up on time or bytes. */
static const struct dissect_env *waiting_env(void)
{
	static struct dissect_env env;
	static struct dissect_keys *keys;
	if (!keys && (keys = keylog_new())) {
		keylog_set_growing(keys, true);
		env.keys = keys;
		env.keylog_wait_ms = 1000;
		env.keylog_wait_bytes = 4096;
	}
	return &env;
}

static void feed(const uint8_t *data, size_t size, const struct dissect_env *env);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	feed(data, size, NULL);
	feed(data, size, keyed_env());
	feed(data, size, waiting_env());
	return 0;
}

static void feed(const uint8_t *data, size_t size, const struct dissect_env *env)
{
	const struct layer_open fuzz_open = {.transport = TRANSPORT_TCP, .env = env};
	struct dissect_ctx ctx = {.emit = sink, .env = env};
	struct dissect_probe pr = {
	    .transport = TRANSPORT_TCP, .dir = DIR_TO_SERVER, .data = data, .len = size};
	(void)dissector_tls.probe(&pr);
	pr.dir = DIR_TO_CLIENT;
	(void)dissector_tls.probe(&pr);

	struct observation o;
	memset(&o, 0, sizeof o);
	if (tls_parse_client_hello(data, size, size & 1, &o.u.tls_ch, NULL) == AS_OK)
		sink(NULL, &o);
	memset(&o, 0, sizeof o);
	if (tls_parse_server_hello(data, size, &o.u.tls_sh, NULL) == AS_OK)
		sink(NULL, &o);

	void *st = dissector_tls.state_new(&fuzz_open);
	if (!st)
		return;
	struct cur in = cur_make(data, size);
	uint8_t h;
	int r = DISSECT_MORE;
	while (r == DISSECT_MORE && cur_get_u8(&in, &h)) {
		enum dissect_dir dir = (h & 0x80) ? DIR_TO_CLIENT : DIR_TO_SERVER;
		if ((h & 0x7f) == 0x7f) { /* this header value stands for a gap */
			dissector_tls.gap(st, dir, 1, &ctx);
			continue;
		}
		size_t n = h & 0x7f;
		if (n == 0 || n > cur_len(&in))
			n = cur_len(&in);
		struct cur chunk;
		if (!cur_get_bytes(&in, &chunk, n))
			break;
		r = dissector_tls.parse(st, dir, cur_data(&chunk), n, &ctx);
		ctx.ts_us += 300000; /* packet time goes on: waits for secrets run out */
	}
	if (r == DISSECT_MORE && dissector_tls.parse(st, DIR_TO_SERVER, NULL, 0, &ctx) == DISSECT_MORE)
		(void)dissector_tls.parse(st, DIR_TO_CLIENT, NULL, 0, &ctx);
	dissector_tls.state_free(st);
}
