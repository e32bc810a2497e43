/* quic.h — QUIC Initial packets (RFC 9000 §17.2.2, RFC 9001 §5; QUIC v2
 * RFC 9369; draft-29; the v2 draft 0x709a50c4): the keys every observer can
 * derive from the client's Destination Connection ID, header protection
 * and payload decryption. The QUIC layer (quic.c) uses them to read the
 * TLS ClientHello and ServerHello an Initial carries in CRYPTO frames. */
#ifndef AS_QUIC_H
#define AS_QUIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define QUIC_MAX_CID 20

/* A version whose Initial packets can be opened. */
struct quic_version {
	uint32_t number;
	const char *name;      /* "1", "2", "2-draft", "draft-29" */
	const uint8_t *salt;   /* 20 bytes */
	const char *key_label; /* "quic key" / "quicv2 key" */
	const char *iv_label;  /* "quic iv" / "quicv2 iv" */
	const char *hp_label;  /* "quic hp" / "quicv2 hp" */
	uint8_t type_initial;  /* long header packet type codes (v2 moved them) */
	uint8_t type_0rtt;
	uint8_t type_handshake;
	uint8_t type_retry;
};

/* The version, or NULL for one whose Initial keys are not known. */
const struct quic_version *quic_version_find(uint32_t number);

/* AEAD_AES_128_GCM keys of one direction's Initial packets. */
struct quic_keys {
	uint8_t key[16];
	uint8_t iv[12];
	uint8_t hp[16];
};

/* The client's (server = false) or server's Initial keys for a connection
 * whose client chose dcid (RFC 9001 §5.2; after a Retry, the Retry's Source
 * Connection ID). secret_out, when not NULL, receives the 32-byte
 * client/server initial secret (for test vectors). */
AS_MUST_CHECK int quic_initial_keys(const struct quic_version *v, const uint8_t *dcid, size_t dcid_len,
				    bool server, struct quic_keys *out, uint8_t secret_out[32]);

/* One long-header packet of a datagram. */
struct quic_long_header {
	uint8_t first; /* the first byte (header protection still on) */
	uint32_t version;
	uint8_t type; /* the version's code (bits 4-5 of first) */
	uint8_t dcid_len, scid_len;
	uint8_t dcid[QUIC_MAX_CID], scid[QUIC_MAX_CID];
	const uint8_t *token; /* Initial, Retry */
	size_t token_len;
	size_t pn_offset; /* from the start of the packet; Initial, 0-RTT, Handshake */
	size_t length;	  /* the packet's size in the datagram (coalesced packets follow) */
};

/* Parses the long header at p (len bytes to the end of the datagram).
 * Version Negotiation (version 0) and Retry take the rest of the datagram.
 * AS_ERR_TRUNCATED when the header is cut, AS_ERR_MALFORMED when its
 * Length runs past the datagram. */
AS_MUST_CHECK int quic_parse_long_header(const uint8_t *p, size_t len, const struct quic_version *v,
					 struct quic_long_header *h);

/* Removes header protection from an Initial packet (pkt: h->length bytes,
 * modified in place) and decrypts its payload into out (at least
 * h->length bytes). largest_pn: the largest packet number decrypted so far
 * in this direction (-1: none), to expand a truncated one (RFC 9000 A.3).
 * On success *pn is the packet number and *out_len the plaintext size;
 * AS_ERR_TRUNCATED when the packet is too short to sample, AS_ERR_DECRYPT
 * when the AEAD tag does not verify (wrong keys, damage). */
AS_MUST_CHECK int quic_decrypt_initial(uint8_t *pkt, const struct quic_long_header *h,
				       const struct quic_keys *k, int64_t largest_pn, uint8_t *out,
				       size_t *out_len, int64_t *pn);

#endif
