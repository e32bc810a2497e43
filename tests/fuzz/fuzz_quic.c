/* fuzz_quic.c — libFuzzer target for QUIC Initial packets (quic.h). Input:
 * one UDP datagram. Its coalesced long-header packets are walked with
 * quic_parse_long_header (the version from quic_version_find; the walk
 * stops at an unknown version or an error); for each Initial the client
 * and server keys derive from its DCID (and, so that the RFC 9001/9369
 * server Initials of the corpus open too, the server keys of the RFC's
 * DCID 8394c8f03e515708), and quic_decrypt_initial runs on an exact-size
 * copy of the packet, so ASan sees any read past it. What the parser and
 * the decryption report is checked against the input's bounds. Then the
 * QUIC layer (dissector_quic) takes the input as a client datagram and as
 * a server one: coalesced packets, CRYPTO frames and the hello parsers.
 * (Whole flows of datagrams reach it through fuzz_flow.) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissector.h"
#include "quic.h"

extern const struct dissector dissector_quic;

static void on_obs(void *user, const struct observation *o)
{
	(void)user;
	if (o->type == OBS_TLS_CLIENT_HELLO && !memchr(o->u.tls_ch.sni, 0, sizeof o->u.tls_ch.sni))
		abort();
}

static void layer(const uint8_t *data, size_t size)
{
	struct layer_open o = {.transport = TRANSPORT_UDP, .client_port = 50000, .server_port = 443};
	struct dissect_ctx ctx = {.emit = on_obs};
	void *st = dissector_quic.state_new(&o);
	if (!st)
		return;
	if (dissector_quic.parse(st, DIR_TO_SERVER, data, size, &ctx) >= 0)
		(void)dissector_quic.parse(st, DIR_TO_CLIENT, data, size, &ctx);
	dissector_quic.state_free(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RFC 9001 / RFC 9369 Appendix A: the client's first DCID. */
static const uint8_t rfc_dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};

/* Decrypts a copy of the packet p (h->length bytes) with k; returns the
 * packet number, or -1. */
static int64_t try_keys(const uint8_t *p, const struct quic_long_header *h, const struct quic_keys *k,
			int64_t largest_pn)
{
	uint8_t *pkt = malloc(h->length);
	uint8_t *out = malloc(h->length);
	if (!pkt || !out) {
		free(pkt);
		free(out);
		return -1;
	}
	memcpy(pkt, p, h->length);
	size_t out_len = (size_t)-1;
	int64_t pn = -1;
	int r = quic_decrypt_initial(pkt, h, k, largest_pn, out, &out_len, &pn);
	if (r == AS_OK) {
		/* The plaintext is inside the packet: no more than Length - pn - tag. */
		if (out_len > h->length - h->pn_offset || pn < 0 || pn >= ((int64_t)1 << 62))
			abort();
		volatile uint8_t acc = 0; /* touch every byte, for MSan/ASan */
		for (size_t i = 0; i < out_len; i++)
			acc ^= out[i];
		(void)acc;
	} else {
		pn = -1;
	}
	free(pkt);
	free(out);
	return pn;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t largest[2] = {-1, -1}; /* per direction, as a sensor keeps it */
	size_t off = 0;
	while (size - off >= 5) {
		const uint8_t *p = data + off;
		size_t len = size - off;
		uint32_t number = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
		const struct quic_version *v = quic_version_find(number);
		if (!v)
			break;
		struct quic_long_header h;
		memset(&h, 0, sizeof h);
		if (quic_parse_long_header(p, len, v, &h) != AS_OK)
			break;
		/* What the parser says lies inside the datagram. */
		if (h.length == 0 || h.length > len || h.dcid_len > QUIC_MAX_CID ||
		    h.scid_len > QUIC_MAX_CID || h.version != number)
			abort();
		if (h.token &&
		    (h.token < p || h.token > p + h.length || h.token_len > (size_t)(p + h.length - h.token)))
			abort();
		if (h.type == v->type_initial) {
			if (h.pn_offset > h.length)
				abort();
			struct quic_keys k;
			for (int server = 0; server < 2; server++) {
				if (quic_initial_keys(v, h.dcid, h.dcid_len, server, &k, NULL) != AS_OK)
					continue;
				int64_t pn = try_keys(p, &h, &k, largest[server]);
				if (pn > largest[server])
					largest[server] = pn;
			}
			if (quic_initial_keys(v, rfc_dcid, sizeof rfc_dcid, true, &k, NULL) == AS_OK)
				(void)try_keys(p, &h, &k, -1);
		}
		off += h.length;
	}
	layer(data, size);
	return 0;
}
