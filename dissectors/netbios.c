/* netbios.c — NetBIOS Name Service dissector: RFC 1001 §15 / RFC 1002 §4.2
 * (UDP 137). Emits an OBS_HOST_NAME for each unique workstation/server name
 * (suffix 0x00 or 0x20, G bit clear) bound to an address by a name
 * registration, refresh or multi-homed registration request (the additional
 * record), or by a positive query/registration response (the answer).
 *
 * The name is the first-level-decoded NetBIOS name (RFC 1001 §14.1) without
 * its 16th (suffix) byte and trailing spaces, lower-cased, bytes outside
 * printable ASCII as '?'; the scope is dropped. Names are read with the DNS
 * name reader (dns.h): NBNS uses DNS label syntax and compression pointers.
 * A malformed message raises an anomaly (dissector "nbns") and is skipped;
 * the flow's next datagram is parsed as usual. */
#include <string.h>

#include "cursor.h"
#include "dissector.h"
#include "dns.h"
#include "error.h"
#include "limits.h"

#define NBNS_PORT 137
#define NBNS_HDR_LEN 12
#define NBNS_ENCODED_LEN 32 /* first-level encoding of the 16-byte name */
#define NBNS_MIN_QUESTION 5
#define NBNS_MIN_RR 11
#define NBNS_NB_ENTRY 6	  /* NB_FLAGS + NB_ADDRESS */
#define NBNS_G_BIT 0x8000 /* group name */

enum {
	NBNS_OP_QUERY = 0,
	NBNS_OP_REGISTRATION = 5,
	NBNS_OP_RELEASE = 6,
	NBNS_OP_WACK = 7,
	NBNS_OP_REFRESH = 8,
	NBNS_OP_REFRESH_ALT = 9, /* RFC 1002 §4.2.1.1 lists 9 too; Windows sends it */
	NBNS_OP_MULTIHOMED = 15,
	NBNS_T_NB = 0x0020,
	NBNS_C_IN = 1,
};

static bool nbns_opcode_known(unsigned op)
{
	return op == NBNS_OP_QUERY || op == NBNS_OP_REGISTRATION || op == NBNS_OP_RELEASE ||
	       op == NBNS_OP_WACK || op == NBNS_OP_REFRESH || op == NBNS_OP_REFRESH_ALT ||
	       op == NBNS_OP_MULTIHOMED;
}

/* Decodes the first label of `n` into a host name; false when it is not a
 * 32-character encoded name or names no single host (suffix, '*'). */
static bool nbns_host_name(const struct dns_name *n, char *dst, size_t dstsz)
{
	struct cur c = cur_make(n->wire, n->len), label;
	uint8_t raw[16];
	if (!cur_get_u8_prefixed(&c, &label) || cur_len(&label) != NBNS_ENCODED_LEN)
		return false;
	for (unsigned i = 0; i < 16; i++) {
		uint8_t hi = 0, lo = 0; /* lower-cased by the name reader: 'a'..'p' */
		if (!cur_get_u8(&label, &hi) || !cur_get_u8(&label, &lo))
			return false;
		if (hi < 'a' || hi > 'p' || lo < 'a' || lo > 'p')
			return false;
		raw[i] = (uint8_t)(((hi - 'a') << 4) | (lo - 'a'));
	}
	if ((raw[15] != 0x00 && raw[15] != 0x20) || raw[0] == '*')
		return false;
	size_t len = 15;
	while (len && (raw[len - 1] == ' ' || raw[len - 1] == '\0'))
		len--;
	if (!len || dstsz == 0)
		return false;
	size_t o = 0;
	for (size_t i = 0; i < len && o + 1 < dstsz; i++) {
		uint8_t ch = raw[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (uint8_t)(ch + ('a' - 'A'));
		dst[o++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	dst[o] = '\0';
	return true;
}

struct nbns_rr {
	struct dns_name owner;
	uint16_t type, cls;
	uint32_t ttl;
	struct cur rdata;
};

static int nbns_rr_read(struct cur msg, struct cur *c, struct nbns_rr *rr, const char **why)
{
	int r = dns_name_read(msg, c, &rr->owner, why);
	if (r < 0)
		return r;
	if (!cur_get_u16(c, &rr->type) || !cur_get_u16(c, &rr->cls) || !cur_get_u32(c, &rr->ttl) ||
	    !cur_get_u16_prefixed(c, &rr->rdata)) {
		*why = "rr_truncated";
		return AS_ERR_TRUNCATED;
	}
	return AS_OK;
}

/* One NB record: an observation per unique address entry. */
static int nbns_nb_record(const struct nbns_rr *rr, const struct dissect_ctx *ctx, unsigned *emitted,
			  const char **why)
{
	if (cur_len(&rr->rdata) % NBNS_NB_ENTRY != 0) {
		*why = "bad_rdata_length";
		return AS_ERR_MALFORMED;
	}
	struct observation o;
	observation_init(&o, OBS_HOST_NAME);
	struct obs_host_name *h = &o.u.host_name;
	if (!nbns_host_name(&rr->owner, h->name, sizeof h->name))
		return AS_OK;
	h->source = HOST_NAME_NETBIOS;
	h->family = 4;
	h->ttl = rr->ttl;
	struct cur rd = rr->rdata;
	uint16_t nb_flags;
	while (cur_get_u16(&rd, &nb_flags) && cur_copy(&rd, h->addr, 4)) {
		static const uint8_t zero[4];
		if ((nb_flags & NBNS_G_BIT) || memcmp(h->addr, zero, 4) == 0)
			continue;
		if (*emitted == AS_HOST_NAMES_PER_MSG) {
			dissect_anomaly(ctx, "nbns", "host_names_cap");
			return AS_OK;
		}
		(*emitted)++;
		dissect_emit(ctx, &o);
	}
	return AS_OK;
}

static int nbns_message(struct cur msg, const struct dissect_ctx *ctx, const char **why)
{
	struct cur c = msg;
	uint16_t id, flags, qd, an, ns, ar;
	if (!cur_get_u16(&c, &id) || !cur_get_u16(&c, &flags) || !cur_get_u16(&c, &qd) ||
	    !cur_get_u16(&c, &an) || !cur_get_u16(&c, &ns) || !cur_get_u16(&c, &ar)) {
		*why = "header_truncated";
		return AS_ERR_TRUNCATED;
	}
	unsigned op = (flags >> 11) & 0xf;
	bool response = (flags & 0x8000) != 0;
	for (unsigned i = 0; i < qd; i++) {
		struct dns_name qn;
		int r = dns_name_read(msg, &c, &qn, why);
		if (r < 0)
			return r;
		if (!cur_skip(&c, 4)) {
			*why = "question_truncated";
			return AS_ERR_TRUNCATED;
		}
	}
	/* Which section binds names: answers of a positive response, the
	 * additional record of a registration/refresh request. */
	bool from_answers = response && (flags & 0xf) == 0 &&
			    (op == NBNS_OP_QUERY || op == NBNS_OP_REGISTRATION || op == NBNS_OP_REFRESH ||
			     op == NBNS_OP_REFRESH_ALT || op == NBNS_OP_MULTIHOMED);
	bool from_additional = !response && (op == NBNS_OP_REGISTRATION || op == NBNS_OP_REFRESH ||
					     op == NBNS_OP_REFRESH_ALT || op == NBNS_OP_MULTIHOMED);
	unsigned total = (unsigned)an + ns + ar, emitted = 0;
	/* Validate the whole message before emitting anything from it. */
	struct cur first = c;
	for (int pass = 0; pass < 2; pass++) {
		c = first;
		for (unsigned i = 0; i < total; i++) {
			struct nbns_rr rr;
			int r = nbns_rr_read(msg, &c, &rr, why);
			if (r < 0)
				return r;
			bool nb = rr.type == NBNS_T_NB && rr.cls == NBNS_C_IN;
			if (nb && cur_len(&rr.rdata) % NBNS_NB_ENTRY != 0 && cur_len(&rr.rdata) != 0) {
				*why = "bad_rdata_length";
				return AS_ERR_MALFORMED;
			}
			bool use = (i < an && from_answers) || (i >= (unsigned)an + ns && from_additional);
			if (pass == 1 && nb && use) {
				r = nbns_nb_record(&rr, ctx, &emitted, why);
				if (r < 0)
					return r;
			}
		}
	}
	return AS_OK;
}

/* ---- probe, state, parse ---- */

static bool nbns_probe(const struct dissect_probe *p)
{
	struct cur c = cur_make(p->data, p->len);
	uint16_t id, flags, qd, an, ns, ar;
	if (!(p->transport & TRANSPORT_UDP) || (p->server_port != NBNS_PORT && p->client_port != NBNS_PORT))
		return false;
	if (!cur_get_u16(&c, &id) || !cur_get_u16(&c, &flags) || !cur_get_u16(&c, &qd) ||
	    !cur_get_u16(&c, &an) || !cur_get_u16(&c, &ns) || !cur_get_u16(&c, &ar))
		return false;
	if (!nbns_opcode_known((flags >> 11) & 0xf) || (size_t)qd + an + ns + ar == 0)
		return false;
	size_t min = (size_t)qd * NBNS_MIN_QUESTION + ((size_t)an + ns + ar) * NBNS_MIN_RR;
	return min <= cur_len(&c);
}

static int nbns_parse(void *state, enum dissect_dir dir, const uint8_t *data, size_t len,
		      const struct dissect_ctx *ctx)
{
	(void)state;
	(void)dir;
	const char *why = "malformed";
	if (nbns_message(cur_make(data, len), ctx, &why) < 0)
		dissect_anomaly(ctx, "nbns", why);
	return DISSECT_MORE;
}

const struct dissector dissector_nbns = DISSECTOR_DATAGRAM("nbns", nbns_probe, nbns_parse);
