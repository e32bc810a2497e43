/* community_id.c — Community ID v1 (corelight/community-id-spec): SHA-1 of
 * seed, the two addresses, protocol, a zero byte and the two ports, in
 * network order, the lesser (address, port) end first so both directions
 * hash alike; "1:" and the base64 of the digest. */
#include "community_id.h"

#include <openssl/evp.h>
#include <string.h>

void community_id_v1(const struct flow_ref *r, uint16_t seed, char out[COMMUNITY_ID_LEN])
{
	size_t alen = r->family == 6 ? 16 : 4;
	const uint8_t *a = r->cli_ip, *b = r->srv_ip;
	uint16_t pa = r->cli_port, pb = r->srv_port;
	int c = memcmp(a, b, alen);
	if (c > 0 || (c == 0 && pa > pb)) {
		const uint8_t *t = a;
		a = b;
		b = t;
		uint16_t tp = pa;
		pa = pb;
		pb = tp;
	}
	uint8_t in[2 + 32 + 2 + 4], *p = in;
	*p++ = (uint8_t)(seed >> 8);
	*p++ = (uint8_t)seed;
	memcpy(p, a, alen);
	p += alen;
	memcpy(p, b, alen);
	p += alen;
	*p++ = r->l4proto;
	*p++ = 0;
	*p++ = (uint8_t)(pa >> 8);
	*p++ = (uint8_t)pa;
	*p++ = (uint8_t)(pb >> 8);
	*p++ = (uint8_t)pb;
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	memcpy(out, "1:", 2);
	if (!EVP_Digest(in, (size_t)(p - in), md, &mdlen, EVP_sha1(), NULL)) {
		out[2] = '\0'; /* never with SHA-1 in the default provider */
		return;
	}
	EVP_EncodeBlock((unsigned char *)out + 2, md, (int)mdlen); /* 20 bytes: 28 characters and a NUL */
}
