/* fingerprint.c — HMAC-SHA256 credential fingerprints and SHA-256 helpers. */
#include "fingerprint.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

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
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned mac_len = 0;
	static const uint8_t nokey[1] = {0};
	HMAC(EVP_sha256(), key_len ? key : nokey, (int)key_len, secret, secret_len, mac, &mac_len);
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	as_hex(mac, mac_len, hex);
	memcpy(out, hex, AS_FP_HEX);
	out[AS_FP_HEX] = '\0';
}

void as_sha256_hex(const void *data, size_t len, char *out, size_t hexlen)
{
	uint8_t md[32];
	unsigned md_len = 0;
	EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL);
	char hex[65];
	as_hex(md, 32, hex);
	if (hexlen > 64)
		hexlen = 64;
	memcpy(out, hex, hexlen);
	out[hexlen] = '\0';
}
