/* fingerprint.c — HMAC-SHA256 credential fingerprints and SHA-256 helpers. */
#include "fingerprint.h"

#include <string.h>

#include "hash.h"

void as_hex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int as_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void as_fingerprint(const uint8_t *key, size_t key_len, const void *secret, size_t secret_len,
		    char out[AS_FP_HEX + 1])
{
	uint8_t mac[AS_SHA256_LEN];
	as_hmac_sha256(key, key_len, secret, secret_len, mac);
	char hex[2 * AS_SHA256_LEN + 1];
	as_hex(mac, sizeof mac, hex);
	memcpy(out, hex, AS_FP_HEX);
	out[AS_FP_HEX] = '\0';
}

void as_sha256_hex(const void *data, size_t len, char *out, size_t hexlen)
{
	uint8_t md[AS_SHA256_LEN];
	struct as_sha256 s;
	as_sha256_init(&s);
	as_sha256_update(&s, data, len);
	as_sha256_final(&s, md);
	char hex[65];
	as_hex(md, 32, hex);
	if (hexlen > 64)
		hexlen = 64;
	memcpy(out, hex, hexlen);
	out[hexlen] = '\0';
}
