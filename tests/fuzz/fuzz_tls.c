/* fuzz_tls.c — libFuzzer target for the TLS dissector. Input format: a
 * sequence of chunks, each a header byte (bit 7: direction, 1 = to client;
 * bits 0-6: chunk length, 0 means "the rest", 0x7f a gap instead of a
 * chunk) followed by that many bytes.
 * Each chunk is one parse call, so record and handshake reassembly across
 * calls and directions is exercised, and past the hellos the sealed
 * records' walk into turns; at the end both directions end (a streamed
 * answer in progress is estimated). The probe and tls_parse_client_hello
 * (as QUIC would call it) also see the raw input. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cursor.h"
#include "dissector.h"
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

/* What the flow would tell the dissector (its ports play no part here). */
static const struct layer_open fuzz_open = {.transport = TRANSPORT_TCP};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dissect_ctx ctx = {.emit = sink};
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
		return 0;
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
	}
	if (r == DISSECT_MORE && dissector_tls.parse(st, DIR_TO_SERVER, NULL, 0, &ctx) == DISSECT_MORE)
		(void)dissector_tls.parse(st, DIR_TO_CLIENT, NULL, 0, &ctx);
	dissector_tls.state_free(st);
	return 0;
}
