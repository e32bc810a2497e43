/* hash.h — SHA-256 (FIPS 180-4), MD5 (RFC 1321) and HMAC-SHA256 (RFC 2104)
 * on the stack: fingerprints (JA3, JA4, credentials, agent ids) are made for
 * every TLS hello and credential, and a library's digest allocates a
 * context each time. MD5 only names JA3 fingerprints, as the JA3 spec does;
 * it protects nothing. */
#ifndef AS_HASH_H
#define AS_HASH_H

#include <stddef.h>
#include <stdint.h>

#define AS_SHA256_LEN 32
#define AS_MD5_LEN 16

struct as_sha256 {
	uint32_t h[8];
	uint64_t bytes;
	uint8_t block[64];
	size_t fill;
};

void as_sha256_init(struct as_sha256 *s);
void as_sha256_update(struct as_sha256 *s, const void *data, size_t len);
void as_sha256_final(struct as_sha256 *s, uint8_t out[AS_SHA256_LEN]);

struct as_md5 {
	uint32_t h[4];
	uint64_t bytes;
	uint8_t block[64];
	size_t fill;
};

void as_md5_init(struct as_md5 *s);
void as_md5_update(struct as_md5 *s, const void *data, size_t len);
void as_md5_final(struct as_md5 *s, uint8_t out[AS_MD5_LEN]);

void as_hmac_sha256(const uint8_t *key, size_t key_len, const void *data, size_t len, uint8_t out[AS_SHA256_LEN]);

#endif
