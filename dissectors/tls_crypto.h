/* tls_crypto.h — the cryptography of reading TLS with the operator's key
 * log, and of QUIC Initials, on OpenSSL 3: HKDF-Expand-Label (RFC 8446
 * §7.1), the traffic keys of a TLS 1.3 secret (§7.3), KeyUpdate (§7.2) and
 * record opening (§5.2) with the AEADs of the TLS 1.3 suites; for TLS 1.2
 * the key block of a master secret (RFC 5246 §6.3, the PRF of §5) and the
 * records of its AEAD suites (AES-GCM RFC 5288, ChaCha20-Poly1305 RFC 7905). */
#ifndef AS_TLS_CRYPTO_H
#define AS_TLS_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define TLS_MAX_SECRET 48 /* SHA-384 */
#define TLS_AEAD_TAG 16
#define TLS_AEAD_NONCE 12

enum tls_aead {
	TLS_AEAD_NONE = 0,
	TLS_AEAD_AES_128_GCM,
	TLS_AEAD_AES_256_GCM,
	TLS_AEAD_CHACHA20_POLY1305,
};

/* A cipher suite as record protection sees it: its AEAD, key size, hash
 * size (TLS 1.3 key schedule, TLS 1.2 PRF) and the IV taken from the keys
 * (12 bytes; 4 for TLS 1.2 GCM, whose records carry the other 8). */
struct tls_suite {
	enum tls_aead aead;
	uint8_t key_len;
	uint8_t hash_len;
	uint8_t iv_len;
	bool tls12;
};

/* The suite of a TLS 1.3 cipher (0x1301..0x1303); false for others. */
bool tls13_suite_of(uint16_t cipher, struct tls_suite *out);

/* HKDF (RFC 5869) with SHA-256 (hash_len 32) or SHA-384 (48); mode is
 * OpenSSL's EVP_KDF_HKDF_MODE_EXTRACT_ONLY or _EXPAND_ONLY. */
AS_MUST_CHECK int tls_hkdf(int mode, size_t hash_len, const uint8_t *salt, size_t salt_len,
			   const uint8_t *ikm, size_t ikm_len, const uint8_t *info, size_t info_len,
			   uint8_t *out, size_t out_len);

/* HKDF-Expand-Label(secret, "tls13 " + label, context, out_len) with
 * SHA-256 (secret_len 32) or SHA-384 (48). */
AS_MUST_CHECK int tls13_expand_label(const uint8_t *secret, size_t secret_len, const char *label,
				     const uint8_t *context, size_t context_len, uint8_t *out,
				     size_t out_len);

/* Opens an AEAD ciphertext (its tag last) into out (len - TLS_AEAD_TAG
 * bytes); false when it does not authenticate. */
AS_MUST_CHECK bool tls_aead_open(enum tls_aead aead, const uint8_t *key, const uint8_t nonce[TLS_AEAD_NONCE],
				 const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len,
				 uint8_t *out);

/* The suite of a TLS 1.2 AEAD cipher (AES-GCM, ChaCha20-Poly1305); false
 * for the others (CBC suites are not opened). */
bool tls12_suite_of(uint16_t cipher, struct tls_suite *out);

/* The TLS 1.2 PRF (RFC 5246 §5) with SHA-256 (hash_len 32) or SHA-384. */
AS_MUST_CHECK int tls12_prf(size_t hash_len, const uint8_t *secret, size_t secret_len, const char *label,
			    const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len);

/* The per-record nonce: the IV XOR the 64-bit sequence number (RFC 8446
 * §5.3; QUIC's packet number alike, RFC 9001 §5.3). */
void tls_nonce(const uint8_t iv[TLS_AEAD_NONCE], uint64_t seq, uint8_t nonce[TLS_AEAD_NONCE]);

/* One direction's record protection: the traffic secret, its key and IV,
 * and the sequence number of the next record. */
struct tls_traffic {
	struct tls_suite suite;
	uint8_t secret[TLS_MAX_SECRET];
	uint8_t key[32];
	uint8_t iv[TLS_AEAD_NONCE];
	uint64_t seq;
};

/* Keys from a traffic secret of suite->hash_len bytes; seq starts at 0. */
AS_MUST_CHECK int tls13_traffic_init(struct tls_traffic *t, const struct tls_suite *suite,
				     const uint8_t *secret);
/* The next generation after a KeyUpdate: "traffic upd". */
AS_MUST_CHECK int tls13_traffic_update(struct tls_traffic *t);

/* Both directions' keys of a TLS 1.2 connection from its master secret
 * and the hellos' randoms (the key block, RFC 5246 §6.3); seq at 0. */
AS_MUST_CHECK int tls12_traffic_init(struct tls_traffic *client, struct tls_traffic *server,
				     const struct tls_suite *suite, const uint8_t master[48],
				     const uint8_t client_random[32], const uint8_t server_random[32]);

/* Opens one TLS 1.2 record into out (room for len bytes; out may be body
 * itself, else it must not overlap it): returns the
 * plaintext's length, AS_ERR_MALFORMED when it does not authenticate.
 * The sequence number advances on success. */
AS_MUST_CHECK int tls12_open(struct tls_traffic *t, const uint8_t hdr[5], const uint8_t *body, size_t len,
			     uint8_t *out);

/* Opens one TLS 1.3 record: hdr is its 5-byte header (the AAD), body its
 * len bytes. Writes the plaintext to out (room for len bytes), strips the
 * padding and the inner content type (into *type) and returns the
 * plaintext's length; AS_ERR_MALFORMED when it does not authenticate or
 * holds no content type. The sequence number advances on success. */
AS_MUST_CHECK int tls13_open(struct tls_traffic *t, const uint8_t hdr[5], const uint8_t *body, size_t len,
			     uint8_t *out, uint8_t *type);

#endif
