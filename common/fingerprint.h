/* fingerprint.h — keyed hashes that stand in for secrets in every output. */
#ifndef AS_FINGERPRINT_H
#define AS_FINGERPRINT_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"

/* out = first AS_FP_HEX hex digits of HMAC-SHA256(key, secret). */
void as_fingerprint(const uint8_t *key, size_t key_len, const void *secret, size_t secret_len,
		    char out[AS_FP_HEX + 1]);
/* Lower-case hex of SHA-256(data), first `hexlen` digits (<= 64). */
void as_sha256_hex(const void *data, size_t len, char *out, size_t hexlen);
void as_hex(const uint8_t *in, size_t n, char *out);
/* The value of one hex digit, or -1. */
int as_hex_digit(int c);

#endif
