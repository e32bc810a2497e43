/* fuzz_kerberos.c — libFuzzer target for the Kerberos dissectors and the DER
 * reader. Input: a mode byte (bit 0: TCP stream instead of one UDP
 * datagram, bit 1: direction, bit 2: a gap of (mode >> 3) bytes after the
 * first chunk), a split byte (where the stream is cut), then the bytes.
 * Probes and der_check run on the bytes too. */
#include "cursor.h"
#include "der.h"
#include "fuzz_common_obs.h"
#include "limits.h"

extern const struct dissector dissector_kerberos;
extern const struct dissector dissector_kerberos_tcp;

/* What the flow would tell the dissector (its ports play no part here). */
static const struct layer_open fuzz_open = {.transport = TRANSPORT_TCP};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(void *user, const struct observation *o)
{
	(void)user;
	fz_check_obs(o, "kerberos");
	if (o->type != OBS_ANOMALY && o->type != OBS_KERBEROS)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cur in = cur_make(data, size);
	uint8_t mode, split;
	if (!cur_get_u8(&in, &mode) || !cur_get_u8(&in, &split))
		return 0;
	const uint8_t *p = cur_data(&in);
	size_t n = cur_len(&in);
	if (der_check(in, AS_DER_MAX_DEPTH) == AS_OK) {
		struct cur w = in;
		struct der_tlv t;
		while (der_read(&w, &t))
			;
		if (cur_len(&w))
			abort(); /* der_check accepted what der_read cannot walk */
	}
	struct dissect_probe pr = {
	    .transport = TRANSPORT_UDP, .client_port = 50000, .server_port = 88, .data = p, .len = n};
	(void)dissector_kerberos.probe(&pr);
	pr.transport = TRANSPORT_TCP;
	(void)dissector_kerberos_tcp.probe(&pr);

	struct dissect_ctx ctx = {.ts_us = 1, .emit = check};
	enum dissect_dir dir = (mode & 2) ? DIR_TO_CLIENT : DIR_TO_SERVER;
	const struct dissector *d = (mode & 1) ? &dissector_kerberos_tcp : &dissector_kerberos;
	void *st = d->state_new(&fuzz_open);
	if (!(mode & 1)) {
		if (d->parse(st, dir, p, n, &ctx) != DISSECT_MORE)
			abort();
	} else {
		size_t at = n * split / 256;
		(void)d->parse(st, dir, p, at, &ctx);
		if (mode & 4)
			d->gap(st, dir, (size_t)(mode >> 3), &ctx);
		(void)d->parse(st, dir, p + at, n - at, &ctx);
		(void)d->parse(st, dir, NULL, 0, &ctx);
	}
	d->state_free(st);
	return 0;
}
