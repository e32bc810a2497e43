/* tls_crypto.c — HKDF, traffic keys and AEAD record opening on OpenSSL 3
 * (see tls_crypto.h). */
#include "tls_crypto.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <string.h>

bool tls13_suite_of(uint16_t cipher, struct tls_suite *out)
{
	switch (cipher) {
	case 0x1301: /* TLS_AES_128_GCM_SHA256 */
		*out = (struct tls_suite){TLS_AEAD_AES_128_GCM, 16, 32, 12, false};
		return true;
	case 0x1302: /* TLS_AES_256_GCM_SHA384 */
		*out = (struct tls_suite){TLS_AEAD_AES_256_GCM, 32, 48, 12, false};
		return true;
	case 0x1303: /* TLS_CHACHA20_POLY1305_SHA256 */
		*out = (struct tls_suite){TLS_AEAD_CHACHA20_POLY1305, 32, 32, 12, false};
		return true;
	default:
		return false;
	}
}

bool tls12_suite_of(uint16_t cipher, struct tls_suite *out)
{
	switch (cipher) {
	case 0x009c: /* TLS_RSA_WITH_AES_128_GCM_SHA256 */
	case 0x009e: /* TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 */
	case 0xc02b: /* TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 */
	case 0xc02f: /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
		*out = (struct tls_suite){TLS_AEAD_AES_128_GCM, 16, 32, 4, true};
		return true;
	case 0x009d: /* TLS_RSA_WITH_AES_256_GCM_SHA384 */
	case 0x009f: /* TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 */
	case 0xc02c: /* TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 */
	case 0xc030: /* TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 */
		*out = (struct tls_suite){TLS_AEAD_AES_256_GCM, 32, 48, 4, true};
		return true;
	case 0xcca8: /* TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
	case 0xcca9: /* TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 */
	case 0xccaa: /* TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
		*out = (struct tls_suite){TLS_AEAD_CHACHA20_POLY1305, 32, 32, 12, true};
		return true;
	default:
		return false;
	}
}

int tls12_prf(size_t hash_len, const uint8_t *secret, size_t secret_len, const char *label,
	      const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
	EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM params[5], *p = params;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						(char *)(hash_len == 48 ? "SHA384" : "SHA256"), 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, secret_len);
	/* The label is the seed's first part; OpenSSL joins repeated seeds. */
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)label, strlen(label));
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed, seed_len);
	*p = OSSL_PARAM_construct_end();
	int ok = kctx && EVP_KDF_derive(kctx, out, out_len, params) > 0;
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return ok ? AS_OK : AS_ERR_UNSUPPORTED;
}

int tls_hkdf(int mode, size_t hash_len, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
	     size_t ikm_len, const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM params[6], *p = params;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						(char *)(hash_len == 48 ? "SHA384" : "SHA256"), 0);
	*p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len);
	if (salt)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
	if (info)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
	*p = OSSL_PARAM_construct_end();
	int ok = kctx && EVP_KDF_derive(kctx, out, out_len, params) > 0;
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return ok ? AS_OK : AS_ERR_UNSUPPORTED;
}

int tls13_expand_label(const uint8_t *secret, size_t secret_len, const char *label, const uint8_t *context,
		       size_t context_len, uint8_t *out, size_t out_len)
{
	/* HkdfLabel: uint16 length, opaque label<7..255>, opaque context<0..255> */
	uint8_t info[2 + 1 + 255 + 1 + 255];
	size_t n = strlen(label);
	if (6 + n > 255 || context_len > 255 || out_len > 0xffff)
		return AS_ERR_LIMIT;
	info[0] = (uint8_t)(out_len >> 8);
	info[1] = (uint8_t)out_len;
	info[2] = (uint8_t)(6 + n);
	memcpy(info + 3, "tls13 ", 6);
	memcpy(info + 9, label, n);
	info[9 + n] = (uint8_t)context_len;
	if (context_len)
		memcpy(info + 10 + n, context, context_len);
	return tls_hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, secret_len, NULL, 0, secret, secret_len, info,
			10 + n + context_len, out, out_len);
}

static const EVP_CIPHER *cipher_of(enum tls_aead aead)
{
	switch (aead) {
	case TLS_AEAD_AES_128_GCM:
		return EVP_aes_128_gcm();
	case TLS_AEAD_AES_256_GCM:
		return EVP_aes_256_gcm();
	case TLS_AEAD_CHACHA20_POLY1305:
		return EVP_chacha20_poly1305();
	default:
		return NULL;
	}
}

bool tls_aead_open(enum tls_aead aead, const uint8_t *key, const uint8_t nonce[TLS_AEAD_NONCE],
		   const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len, uint8_t *out)
{
	const EVP_CIPHER *c = cipher_of(aead);
	if (!c || len < TLS_AEAD_TAG || len - TLS_AEAD_TAG > INT32_MAX)
		return false;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, fin = 0;
	/* GCM and ChaCha20-Poly1305 share OpenSSL's AEAD tag control. */
	bool ok = ctx && EVP_DecryptInit_ex(ctx, c, NULL, NULL, NULL) &&
		  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, TLS_AEAD_NONCE, NULL) &&
		  EVP_DecryptInit_ex(ctx, NULL, NULL, key, nonce) &&
		  EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) &&
		  EVP_DecryptUpdate(ctx, out, &n, in, (int)(len - TLS_AEAD_TAG)) &&
		  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, TLS_AEAD_TAG,
				      (void *)(in + len - TLS_AEAD_TAG)) &&
		  EVP_DecryptFinal_ex(ctx, out + n, &fin) > 0;
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

void tls_nonce(const uint8_t iv[TLS_AEAD_NONCE], uint64_t seq, uint8_t nonce[TLS_AEAD_NONCE])
{
	memcpy(nonce, iv, TLS_AEAD_NONCE);
	for (int i = 0; i < 8; i++)
		nonce[TLS_AEAD_NONCE - 1 - i] ^= (uint8_t)(seq >> (8 * i));
}

static int traffic_keys(struct tls_traffic *t)
{
	int r = tls13_expand_label(t->secret, t->suite.hash_len, "key", NULL, 0, t->key, t->suite.key_len);
	if (r == AS_OK)
		r = tls13_expand_label(t->secret, t->suite.hash_len, "iv", NULL, 0, t->iv, sizeof t->iv);
	t->seq = 0;
	return r;
}

int tls13_traffic_init(struct tls_traffic *t, const struct tls_suite *suite, const uint8_t *secret)
{
	memset(t, 0, sizeof *t);
	t->suite = *suite;
	memcpy(t->secret, secret, suite->hash_len);
	return traffic_keys(t);
}

int tls13_traffic_update(struct tls_traffic *t)
{
	uint8_t next[TLS_MAX_SECRET];
	int r =
	    tls13_expand_label(t->secret, t->suite.hash_len, "traffic upd", NULL, 0, next, t->suite.hash_len);
	if (r < 0)
		return r;
	memcpy(t->secret, next, t->suite.hash_len);
	return traffic_keys(t);
}

int tls12_traffic_init(struct tls_traffic *client, struct tls_traffic *server, const struct tls_suite *suite,
		       const uint8_t master[48], const uint8_t client_random[32],
		       const uint8_t server_random[32])
{
	/* key_block = PRF(master, "key expansion", server_random + client_random):
	 * client and server write keys, then client and server write IVs (the
	 * AEAD suites have no MAC keys). */
	uint8_t seed[64], block[2 * 32 + 2 * TLS_AEAD_NONCE];
	memcpy(seed, server_random, 32);
	memcpy(seed + 32, client_random, 32);
	size_t k = suite->key_len, v = suite->iv_len;
	int r =
	    tls12_prf(suite->hash_len, master, 48, "key expansion", seed, sizeof seed, block, 2 * k + 2 * v);
	if (r < 0)
		return r;
	memset(client, 0, sizeof *client);
	memset(server, 0, sizeof *server);
	client->suite = server->suite = *suite;
	memcpy(client->key, block, k);
	memcpy(server->key, block + k, k);
	memcpy(client->iv, block + 2 * k, v);
	memcpy(server->iv, block + 2 * k + v, v);
	memset(block, 0, sizeof block);
	return AS_OK;
}

int tls12_open(struct tls_traffic *t, const uint8_t hdr[5], const uint8_t *body, size_t len, uint8_t *out)
{
	uint8_t nonce[TLS_AEAD_NONCE];
	const uint8_t *ct = body;
	size_t ct_len = len;
	if (t->suite.iv_len == 4) { /* GCM: a 4-byte salt and the record's 8-byte explicit nonce */
		if (len < 8 + TLS_AEAD_TAG)
			return AS_ERR_MALFORMED;
		memcpy(nonce, t->iv, 4);
		memcpy(nonce + 4, body, 8);
		ct += 8;
		ct_len -= 8;
	} else {
		if (len < TLS_AEAD_TAG)
			return AS_ERR_MALFORMED;
		tls_nonce(t->iv, t->seq, nonce);
	}
	size_t plain = ct_len - TLS_AEAD_TAG;
	/* additional_data = seq_num + type + version + length (of the plaintext) */
	uint8_t aad[13];
	for (int i = 0; i < 8; i++)
		aad[i] = (uint8_t)(t->seq >> (56 - 8 * i));
	memcpy(aad + 8, hdr, 3);
	aad[11] = (uint8_t)(plain >> 8);
	aad[12] = (uint8_t)plain;
	/* OpenSSL opens in place or into separate memory, never into a
	 * buffer that overlaps partly: out takes the text where it lies. */
	size_t off = (size_t)(ct - body);
	if (!tls_aead_open(t->suite.aead, t->key, nonce, aad, sizeof aad, ct, ct_len,
			   out == body ? out + off : out))
		return AS_ERR_MALFORMED;
	if (out == body && off)
		memmove(out, out + off, plain);
	t->seq++;
	return (int)plain;
}

int tls13_open(struct tls_traffic *t, const uint8_t hdr[5], const uint8_t *body, size_t len, uint8_t *out,
	       uint8_t *type)
{
	uint8_t nonce[TLS_AEAD_NONCE];
	tls_nonce(t->iv, t->seq, nonce);
	if (!tls_aead_open(t->suite.aead, t->key, nonce, hdr, 5, body, len, out))
		return AS_ERR_MALFORMED;
	t->seq++;
	/* TLSInnerPlaintext: content, the type, then zeros (RFC 8446 §5.2). */
	size_t n = len - TLS_AEAD_TAG;
	while (n && out[n - 1] == 0)
		n--;
	if (!n)
		return AS_ERR_MALFORMED;
	*type = out[--n];
	return (int)n;
}
