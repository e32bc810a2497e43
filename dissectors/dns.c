/* dns.c — DNS message dissector: RFC 1035 (+ RFC 3596 AAAA, RFC 2181 TTLs,
 * RFC 7766 DNS over TCP with its 2-byte length prefix); mDNS (RFC 6762) and
 * LLMNR (RFC 4795) share the format.
 *
 * One OBS_DNS per message, queries included: id, QR, RCODE, the first
 * question, and the A/AAAA answers of the name the question resolves to after
 * following its CNAME chain. A message without a question (mDNS announcement)
 * takes the owner of its first answer as qname (qtype stays 0).
 *
 * Four dissector objects share this code because a dissector's parse learns
 * neither the transport nor the port: `dissector_dns` reads one datagram per
 * call (UDP), `dissector_dns_tcp` reads a byte stream of length-prefixed
 * messages (TCP), `dissector_mdns` / `dissector_llmnr` are the UDP reader
 * claimed on ports 5353 / 5355 (listed before `dissector_dns`).
 *
 * Host names: besides OBS_DNS, a valid response (QR=1, RCODE 0) emits one
 * OBS_HOST_NAME per binding it carries: PTR answers whose owner is an
 * in-addr.arpa / ip6.arpa name (any flavor), A/AAAA records of NAME.local
 * in answers and additionals (mDNS, RFC 6762; TTL 0 = goodbye, passed on),
 * A/AAAA answers (LLMNR, RFC 4795). Names lose a trailing ".local".
 *
 * Names: compression pointers must point strictly before the name they occur
 * in and before every earlier pointer target of the same name (so a name can
 * never revisit bytes: no loops), at most AS_DNS_MAX_POINTERS; label types
 * 01/10 are rejected; the uncompressed name is at most 255 octets. Names are
 * lower-cased (ASCII), without the trailing dot (the root is ""); bytes
 * outside printable ASCII and '.' inside a label become '?'.
 *
 * A malformed message raises an anomaly (dissector "dns", a stable reason) and
 * parse returns a negative enum as_err for it; nothing else is emitted for
 * that message, and the next datagram/message is parsed as usual. */
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "dissector.h"
#include "dns.h"
#include "lenframe.h"
#include "error.h"
#include "fingerprint.h"
#include "limits.h"
#include "sbuf.h"

#define DNS_HDR_LEN 12
#define DNS_MIN_QUESTION 5    /* root name + type + class */
#define DNS_MIN_RR 11	      /* root name + type + class + ttl + rdlength */

enum {
	DNS_T_A = 1,
	DNS_T_CNAME = 5,
	DNS_T_PTR = 12,
	DNS_T_AAAA = 28,
	DNS_T_SVCB = 64, /* RFC 9460 */
	DNS_T_HTTPS = 65,
	DNS_C_IN = 1,
};

struct dns_rr {
	struct dns_name owner;
	uint16_t type;
	uint16_t cls; /* mDNS cache-flush bit removed */
	uint32_t ttl;
	struct cur rdata;
};

/* Things worth counting about a message that still parsed. */
enum {
	DNS_NOTE_ANSWERS_CAP = 1 << 0,
	DNS_NOTE_CHAIN_CAP = 1 << 1,
};

/* ---- names ---- */

/* Reads the name at *c (a position inside msg) and advances *c past it. */
int dns_name_read(struct cur msg, struct cur *c, struct dns_name *out, const char **why)
{
	struct cur r = *c;
	/* Pointers must land strictly below this offset; it only ever falls. */
	size_t limit = (size_t)(cur_data(c) - cur_data(&msg));
	unsigned ptrs = 0;
	bool jumped = false;

	out->len = 0;
	for (;;) {
		uint8_t l;
		if (!cur_get_u8(&r, &l)) {
			*why = "name_truncated";
			return AS_ERR_TRUNCATED;
		}
		if ((l & 0xc0) == 0xc0) {
			uint8_t lo;
			if (!cur_get_u8(&r, &lo)) {
				*why = "name_truncated";
				return AS_ERR_TRUNCATED;
			}
			size_t target = ((size_t)(l & 0x3f) << 8) | lo;
			size_t here = (size_t)(cur_data(&r) - cur_data(&msg)) - 2;
			if (target >= here) {
				*why = "name_pointer_forward";
				return AS_ERR_MALFORMED;
			}
			if (target >= limit) {
				*why = "name_pointer_loop";
				return AS_ERR_MALFORMED;
			}
			if (++ptrs > AS_DNS_MAX_POINTERS) {
				*why = "name_pointer_limit";
				return AS_ERR_MALFORMED;
			}
			if (!jumped) {
				*c = r;
				jumped = true;
			}
			limit = target;
			r = msg;
			(void)cur_skip(&r, target); /* target < limit <= cur_len(&msg) */
			continue;
		}
		if (l & 0xc0) {
			*why = "name_bad_label_type";
			return AS_ERR_MALFORMED;
		}
		/* Room for this label and, unless it is the root, the root after it. */
		if (out->len + 1 + l + (l ? 1 : 0) > DNS_WIRE_NAME_MAX) {
			*why = "name_too_long";
			return AS_ERR_MALFORMED;
		}
		out->wire[out->len] = l;
		if (l == 0) {
			out->len++;
			break;
		}
		if (!cur_copy(&r, out->wire + out->len + 1, l)) {
			*why = "name_truncated";
			return AS_ERR_TRUNCATED;
		}
		for (size_t i = out->len + 1; i <= out->len + l; i++)
			if (out->wire[i] >= 'A' && out->wire[i] <= 'Z')
				out->wire[i] = (uint8_t)(out->wire[i] + ('a' - 'A'));
		out->len += 1 + (size_t)l;
	}
	if (!jumped)
		*c = r;
	return AS_OK;
}

int dns_name_from_option(struct cur c, struct dns_name *out, const char **why)
{
	out->len = 0;
	uint8_t l;
	while (cur_get_u8(&c, &l)) {
		if (l & 0xc0) {
			*why = "name_bad_label_type"; /* pointers included: not allowed here */
			return AS_ERR_MALFORMED;
		}
		if (out->len + 1 + l + (l ? 1 : 0) > DNS_WIRE_NAME_MAX) {
			*why = "name_too_long";
			return AS_ERR_MALFORMED;
		}
		out->wire[out->len] = l;
		if (l == 0) {
			out->len++;
			if (cur_len(&c)) {
				*why = "name_trailing_bytes";
				return AS_ERR_MALFORMED;
			}
			return AS_OK;
		}
		if (!cur_copy(&c, out->wire + out->len + 1, l)) {
			*why = "name_truncated";
			return AS_ERR_TRUNCATED;
		}
		for (size_t i = out->len + 1; i <= out->len + l; i++)
			if (out->wire[i] >= 'A' && out->wire[i] <= 'Z')
				out->wire[i] = (uint8_t)(out->wire[i] + ('a' - 'A'));
		out->len += 1 + (size_t)l;
	}
	out->wire[out->len++] = 0; /* partial name: the option ended it */
	return AS_OK;
}

static bool dns_name_eq(const struct dns_name *a, const struct dns_name *b)
{
	return a->len == b->len && memcmp(a->wire, b->wire, a->len) == 0;
}

/* Presentation form: labels joined by '.', no trailing dot. A wire name of at
 * most 255 octets yields at most 253 characters, so AS_DNS_MAX_NAME holds it. */
void dns_name_text(const struct dns_name *n, char *dst, size_t dstsz)
{
	struct cur c = cur_make(n->wire, n->len);
	size_t o = 0;
	uint8_t l, ch;
	while (cur_get_u8(&c, &l) && l) {
		if (o && o + 1 < dstsz)
			dst[o++] = '.';
		for (unsigned i = 0; i < l && cur_get_u8(&c, &ch); i++)
			if (o + 1 < dstsz)
				dst[o++] = (ch >= 0x20 && ch < 0x7f && ch != '.') ? (char)ch : '?';
	}
	dst[o] = '\0';
}

/* ---- records ---- */

static int dns_rr_read(struct cur msg, struct cur *c, struct dns_rr *rr, const char **why)
{
	int r = dns_name_read(msg, c, &rr->owner, why);
	if (r < 0)
		return r;
	if (!cur_get_u16(c, &rr->type) || !cur_get_u16(c, &rr->cls) || !cur_get_u32(c, &rr->ttl) ||
	    !cur_get_u16_prefixed(c, &rr->rdata)) {
		*why = "rr_truncated";
		return AS_ERR_TRUNCATED;
	}
	rr->cls &= 0x7fff;
	return AS_OK;
}

static bool dns_rr_is_in(const struct dns_rr *rr, uint16_t type)
{
	return rr->type == type && rr->cls == DNS_C_IN;
}

/* Checks one record beyond its framing: address lengths, CNAME targets. */
static int dns_rr_check(struct cur msg, const struct dns_rr *rr, const char **why)
{
	if ((dns_rr_is_in(rr, DNS_T_A) && cur_len(&rr->rdata) != 4) ||
	    (dns_rr_is_in(rr, DNS_T_AAAA) && cur_len(&rr->rdata) != 16)) {
		*why = "bad_rdata_length";
		return AS_ERR_MALFORMED;
	}
	if (dns_rr_is_in(rr, DNS_T_CNAME)) {
		struct cur rd = rr->rdata;
		struct dns_name target;
		return dns_name_read(msg, &rd, &target, why);
	}
	return AS_OK;
}

/* ---- messages ---- */

/* Follows the CNAME chain from *target through the answer section (records
 * in any order), leaving the last name of the chain in *target. */
static int dns_follow_cnames(struct cur msg, struct cur ans, uint16_t an, struct dns_name *target,
			     unsigned *notes, const char **why)
{
	for (unsigned hop = 0;; hop++) {
		struct cur a = ans;
		bool moved = false;
		for (unsigned i = 0; i < an && !moved; i++) {
			struct dns_rr rr;
			int r = dns_rr_read(msg, &a, &rr, why);
			if (r < 0)
				return r;
			if (!dns_rr_is_in(&rr, DNS_T_CNAME) || !dns_name_eq(&rr.owner, target))
				continue;
			if (hop == AS_DNS_MAX_CNAME_CHAIN) {
				*notes |= DNS_NOTE_CHAIN_CAP;
				return AS_OK;
			}
			struct cur rd = rr.rdata;
			r = dns_name_read(msg, &rd, target, why);
			if (r < 0)
				return r;
			moved = true;
		}
		if (!moved)
			return AS_OK;
	}
}

static bool dns_add_answer(struct obs_dns *d, uint8_t family, struct cur *addr, uint32_t ttl, unsigned *notes)
{
	if (d->n_answers == AS_DNS_MAX_ANSWERS) {
		*notes |= DNS_NOTE_ANSWERS_CAP;
		return false;
	}
	struct obs_dns_answer *out = &d->answers[d->n_answers];
	out->family = family;
	if (!cur_copy(addr, out->addr, family == 4 ? 4 : 16))
		return false;
	out->ttl = (ttl & 0x80000000u) ? 0 : ttl; /* RFC 2181 §8 */
	d->n_answers++;
	return true;
}

/* An HTTPS or SVCB record in service mode (RFC 9460 §2.2, §7): the
 * addresses of its ipv4hint/ipv6hint as answers (the name's, when it names
 * no other target), whether it offers h3 and carries an ECH configuration. */
static void dns_svcb(struct cur msg, const struct dns_rr *rr, struct obs_dns *d, unsigned *notes)
{
	struct cur c = rr->rdata;
	uint16_t priority;
	struct dns_name target;
	const char *why;
	if (!cur_get_u16(&c, &priority) || priority == 0 || dns_name_read(msg, &c, &target, &why) < 0)
		return; /* alias mode, or unreadable: nothing to learn */
	d->svcb = true;
	bool same_name = target.len <= 1; /* "." : the owner itself */
	uint16_t key;
	struct cur value;
	while (cur_get_u16(&c, &key) && cur_get_u16_prefixed(&c, &value)) {
		if (key == 1) { /* alpn */
			struct cur id;
			while (cur_get_u8_prefixed(&value, &id))
				d->svcb_h3 |= cur_len(&id) == 2 && !memcmp(cur_data(&id), "h3", 2);
		} else if (key == 5) { /* ech */
			d->svcb_ech = true;
		} else if ((key == 4 || key == 6) && same_name) { /* ipv4hint, ipv6hint */
			while (cur_len(&value) >= (key == 4 ? 4u : 16u))
				if (!dns_add_answer(d, key == 4 ? 4 : 6, &value, rr->ttl, notes))
					break;
		}
	}
}

static int dns_collect(struct cur msg, struct cur ans, uint16_t an, const struct dns_name *target,
		       struct obs_dns *d, unsigned *notes, const char **why)
{
	for (unsigned i = 0; i < an; i++) {
		struct dns_rr rr;
		int r = dns_rr_read(msg, &ans, &rr, why);
		if (r < 0)
			return r;
		if (!dns_name_eq(&rr.owner, target))
			continue;
		bool v4 = dns_rr_is_in(&rr, DNS_T_A), v6 = dns_rr_is_in(&rr, DNS_T_AAAA);
		if (dns_rr_is_in(&rr, DNS_T_HTTPS) || dns_rr_is_in(&rr, DNS_T_SVCB))
			dns_svcb(msg, &rr, d, notes);
		else if ((v4 || v6) && !dns_add_answer(d, v4 ? 4 : 6, &rr.rdata, rr.ttl, notes))
			break; /* the cap (lengths were checked) */
	}
	return AS_OK;
}

static int dns_parse_message(struct cur msg, struct obs_dns *d, unsigned *notes, const char **why)
{
	struct cur c = msg;
	uint16_t flags, qd, an, ns, ar;
	if (cur_len(&c) < DNS_HDR_LEN) {
		*why = "header_truncated";
		return AS_ERR_TRUNCATED;
	}
	(void)cur_get_u16(&c, &d->id);
	(void)cur_get_u16(&c, &flags);
	(void)cur_get_u16(&c, &qd);
	(void)cur_get_u16(&c, &an);
	(void)cur_get_u16(&c, &ns);
	(void)cur_get_u16(&c, &ar);
	d->response = (flags & 0x8000) != 0;
	d->rcode = (uint8_t)(flags & 0x000f);

	struct dns_name target = {0};
	bool have_target = false;
	for (unsigned i = 0; i < qd; i++) {
		struct dns_name qn;
		uint16_t qtype;
		int r = dns_name_read(msg, &c, &qn, why);
		if (r < 0)
			return r;
		if (!cur_get_u16(&c, &qtype) || !cur_skip(&c, 2)) {
			*why = "question_truncated";
			return AS_ERR_TRUNCATED;
		}
		if (i == 0) {
			target = qn;
			d->qtype = qtype;
			have_target = true;
		}
	}

	/* Walk every record once: framing, names and address lengths. */
	struct cur ans = c;
	unsigned total = (unsigned)an + ns + ar;
	for (unsigned i = 0; i < total; i++) {
		struct dns_rr rr;
		int r = dns_rr_read(msg, &c, &rr, why);
		if (r < 0)
			return r;
		r = dns_rr_check(msg, &rr, why);
		if (r < 0)
			return r;
		if (i == 0 && an && !have_target) {
			target = rr.owner;
			have_target = true;
		}
	}
	if (have_target)
		dns_name_text(&target, d->qname, sizeof d->qname);
	if (!an || !have_target)
		return AS_OK;

	int r = dns_follow_cnames(msg, ans, an, &target, notes, why);
	if (r < 0)
		return r;
	return dns_collect(msg, ans, an, &target, d, notes, why);
}

/* ---- host names (OBS_HOST_NAME) ---- */

/* Which name service a datagram belongs to: the port its flow was claimed
 * on, since parse does not learn ports (one dissector object per flavor). */
enum dns_flavor {
	DNS_FLAVOR_DNS = 0, /* PTR answers only */
	DNS_FLAVOR_MDNS,    /* + A/AAAA of *.local in answers and additionals */
	DNS_FLAVOR_LLMNR,   /* + A/AAAA answers of a response */
};

/* Label i (0-based) of a wire name as a sub-cursor; false past the root. */
static bool dns_label(const struct dns_name *n, unsigned i, struct cur *out)
{
	struct cur c = cur_make(n->wire, n->len);
	for (unsigned k = 0;; k++) {
		struct cur l;
		if (!cur_get_u8_prefixed(&c, &l) || cur_len(&l) == 0)
			return false;
		if (k == i) {
			*out = l;
			return true;
		}
	}
}

static bool dns_label_is(const struct dns_name *n, unsigned i, const char *text)
{
	struct cur l;
	size_t tl = strlen(text);
	return dns_label(n, i, &l) && cur_len(&l) == tl && memcmp(cur_data(&l), text, tl) == 0;
}

static unsigned dns_label_count(const struct dns_name *n)
{
	unsigned k = 0;
	struct cur l;
	while (dns_label(n, k, &l))
		k++;
	return k;
}

/* The address of a reverse-mapping name: d.c.b.a.in-addr.arpa (RFC 1035
 * §3.5) or 32 nibbles + ip6.arpa (RFC 3596 §2.5). Returns the family or 0. */
static uint8_t dns_reverse_addr(const struct dns_name *n, uint8_t addr[16])
{
	unsigned labels = dns_label_count(n);
	struct cur l;
	memset(addr, 0, 16);
	if (labels == 6 && dns_label_is(n, 4, "in-addr") && dns_label_is(n, 5, "arpa")) {
		for (unsigned i = 0; i < 4; i++) {
			unsigned v = 0;
			uint8_t ch;
			(void)dns_label(n, i, &l);
			if (cur_len(&l) > 3)
				return 0;
			while (cur_get_u8(&l, &ch)) {
				if (ch < '0' || ch > '9')
					return 0;
				v = v * 10 + (unsigned)(ch - '0');
			}
			if (v > 255)
				return 0;
			addr[3 - i] = (uint8_t)v;
		}
		return 4;
	}
	if (labels == 34 && dns_label_is(n, 32, "ip6") && dns_label_is(n, 33, "arpa")) {
		for (unsigned i = 0; i < 32; i++) {
			uint8_t ch;
			(void)dns_label(n, i, &l);
			if (cur_len(&l) != 1 || !cur_get_u8(&l, &ch) || as_hex_digit(ch) < 0)
				return 0;
			unsigned nib = (unsigned)as_hex_digit(ch), byte = 15 - i / 2;
			addr[byte] = (uint8_t)(addr[byte] | ((i & 1) ? nib << 4 : nib));
		}
		return 6;
	}
	return 0;
}

/* True when the last label before the root is "local" (RFC 6762 §3). */
static bool dns_is_local(const struct dns_name *n)
{
	unsigned labels = dns_label_count(n);
	return labels >= 2 && dns_label_is(n, labels - 1, "local");
}

/* Emits one OBS_HOST_NAME; the name loses a trailing ".local". */
static void dns_emit_host(const struct dissect_ctx *ctx, enum host_name_source src, const struct dns_name *name,
			  uint8_t family, const uint8_t *addr, uint32_t ttl)
{
	struct observation o;
	observation_init(&o, OBS_HOST_NAME);
	struct obs_host_name *h = &o.u.host_name;
	h->source = (uint8_t)src;
	dns_name_text(name, h->name, sizeof h->name);
	size_t nl = strlen(h->name);
	if (nl > 6 && strcmp(h->name + nl - 6, ".local") == 0)
		h->name[nl - 6] = '\0';
	if (!h->name[0])
		return;
	h->family = family;
	memcpy(h->addr, addr, family == 4 ? 4 : 16);
	h->ttl = (ttl & 0x80000000u) ? 0 : ttl;
	dissect_emit(ctx, &o);
}

/* The host names a valid response carries: PTR answers on every flavor
 * (their owner decoded as an address; an owner that is the end of the
 * question's CNAME chain, RFC 2317, takes the question's address), A/AAAA of
 * *.local names for mDNS (answers and additionals: RFC 6762 §6 puts the
 * host's addresses there too), A/AAAA answers for LLMNR. At most
 * AS_HOST_NAMES_PER_MSG per message. Call only after dns_parse_message
 * succeeded: every record was read once already. */
static void dns_host_names(struct cur msg, enum dns_flavor flavor, const struct dissect_ctx *ctx)
{
	struct cur c = msg;
	uint16_t flags = 0, qd = 0, an = 0, ns = 0, ar = 0;
	const char *why = NULL;
	(void)cur_skip(&c, 2);
	(void)cur_get_u16(&c, &flags);
	(void)cur_get_u16(&c, &qd);
	(void)cur_get_u16(&c, &an);
	(void)cur_get_u16(&c, &ns);
	(void)cur_get_u16(&c, &ar);
	if (!(flags & 0x8000) || (flags & 0x000f) != 0)
		return;
	struct dns_name qname = {0};
	uint8_t qaddr[16];
	uint8_t qfamily = 0;
	for (unsigned i = 0; i < qd; i++) {
		struct dns_name qn;
		if (dns_name_read(msg, &c, &qn, &why) < 0 || !cur_skip(&c, 4))
			return;
		if (i == 0)
			qname = qn;
	}
	if (qd) {
		qfamily = dns_reverse_addr(&qname, qaddr);
		if (qfamily && an && dns_follow_cnames(msg, c, an, &qname, &(unsigned){0}, &why) < 0)
			return;
	}
	unsigned emitted = 0, total = (unsigned)an + ns + ar;
	for (unsigned i = 0; i < total; i++) {
		struct dns_rr rr;
		if (dns_rr_read(msg, &c, &rr, &why) < 0)
			return;
		bool answer = i < an, additional = i >= (unsigned)an + ns;
		bool v4 = dns_rr_is_in(&rr, DNS_T_A), v6 = dns_rr_is_in(&rr, DNS_T_AAAA);
		uint8_t addr[16] = {0}, family = 0;
		struct dns_name name;
		enum host_name_source src;
		if (answer && dns_rr_is_in(&rr, DNS_T_PTR)) {
			family = dns_reverse_addr(&rr.owner, addr);
			if (!family && qfamily && dns_name_eq(&rr.owner, &qname)) {
				family = qfamily;
				memcpy(addr, qaddr, sizeof addr);
			}
			struct cur rd = rr.rdata;
			if (!family)
				continue;
			if (dns_name_read(msg, &rd, &name, &why) < 0) {
				dissect_anomaly(ctx, "dns", "ptr_target_malformed");
				continue;
			}
			src = HOST_NAME_DNS_PTR;
		} else if ((v4 || v6) && ((flavor == DNS_FLAVOR_MDNS && (answer || additional) &&
					   dns_is_local(&rr.owner)) ||
					  (flavor == DNS_FLAVOR_LLMNR && answer))) {
			family = v4 ? 4 : 6;
			(void)cur_copy(&rr.rdata, addr, v4 ? 4 : 16); /* length checked */
			name = rr.owner;
			src = flavor == DNS_FLAVOR_MDNS ? HOST_NAME_MDNS : HOST_NAME_LLMNR;
		} else {
			continue;
		}
		if (emitted == AS_HOST_NAMES_PER_MSG) {
			dissect_anomaly(ctx, "dns", "host_names_cap");
			return;
		}
		emitted++;
		dns_emit_host(ctx, src, &name, family, addr, rr.ttl);
	}
}

/* Parses one message and emits its observation, or an anomaly; then the
 * host names it carries. */
static int dns_message(struct cur msg, enum dns_flavor flavor, const struct dissect_ctx *ctx)
{
	struct observation o;
	const char *why = "malformed";
	unsigned notes = 0;
	observation_init(&o, OBS_DNS);
	int r = dns_parse_message(msg, &o.u.dns, &notes, &why);
	if (r < 0) {
		dissect_anomaly(ctx, "dns", why);
		return r;
	}
	o.type = OBS_DNS;
	dissect_emit(ctx, &o);
	if (notes & DNS_NOTE_ANSWERS_CAP)
		dissect_anomaly(ctx, "dns", "answers_cap");
	if (notes & DNS_NOTE_CHAIN_CAP)
		dissect_anomaly(ctx, "dns", "cname_chain_cap");
	dns_host_names(msg, flavor, ctx);
	return DISSECT_MORE;
}

/* ---- probe ---- */

static bool dns_port(uint16_t port) { return port == 53 || port == 5353 || port == 5355; }

/* A header whose opcode is assigned and whose counts fit in msg_len bytes. */
static bool dns_header_sane(struct cur c, size_t msg_len)
{
	uint16_t id, flags, qd, an, ns, ar;
	if (msg_len < DNS_HDR_LEN || !cur_get_u16(&c, &id) || !cur_get_u16(&c, &flags) ||
	    !cur_get_u16(&c, &qd) || !cur_get_u16(&c, &an) || !cur_get_u16(&c, &ns) ||
	    !cur_get_u16(&c, &ar))
		return false;
	unsigned opcode = (flags >> 11) & 0xf;
	if (opcode == 3 || opcode > 6) /* 0 query 1 iquery 2 status 4 notify 5 update 6 DSO */
		return false;
	if (!(flags & 0x8000) && opcode == 0 && qd == 0)
		return false;
	size_t min = (size_t)qd * DNS_MIN_QUESTION + ((size_t)an + ns + ar) * DNS_MIN_RR;
	return min <= msg_len - DNS_HDR_LEN;
}

static bool dns_udp_probe(const struct dissect_probe *p)
{
	if (!(p->transport & TRANSPORT_UDP) || !(dns_port(p->server_port) || dns_port(p->client_port)))
		return false;
	return dns_header_sane(cur_make(p->data, p->len), p->len);
}

/* mDNS and LLMNR: either side on the protocol's port (an mDNS flow is
 * 5353 <-> 5353; an LLMNR response goes from 5355 to the querier's port). */
static bool mdns_probe(const struct dissect_probe *p)
{
	return (p->server_port == 5353 || p->client_port == 5353) && dns_udp_probe(p);
}

static bool llmnr_probe(const struct dissect_probe *p)
{
	return (p->server_port == 5355 || p->client_port == 5355) && dns_udp_probe(p);
}

static bool dns_tcp_probe(const struct dissect_probe *p)
{
	uint16_t msg_len;
	struct cur c = cur_make(p->data, p->len);
	if (!(p->transport & TRANSPORT_TCP) || !(dns_port(p->server_port) || dns_port(p->client_port)) ||
	    !cur_get_u16(&c, &msg_len))
		return false;
	return dns_header_sane(c, msg_len);
}

/* ---- state and parse ---- */

/* One direction of a TCP conversation: the length prefix being read, then
 * the message body (buffered only when it spans segments). */
struct dns_state {
	struct lenframe dir[2]; /* TCP: 2-byte length prefix (RFC 7766) */
};

static void *dns_state_new(const struct layer_open *o)
{
	(void)o;
	struct dns_state *st = calloc(1, sizeof *st);
	if (!st)
		return NULL;
	for (int i = 0; i < 2; i++)
		lenframe_init(&st->dir[i], 2, AS_DISSECT_BUF_MAX);
	return st;
}

static void dns_state_free(void *state)
{
	struct dns_state *st = state;
	if (!st)
		return;
	for (int i = 0; i < 2; i++)
		lenframe_free(&st->dir[i]);
	free(st);
}

/* One datagram is one message; the three flavours differ only in rules. */
#define DNS_DATAGRAM_PARSE(fn, flavor)                                                             \
	static int fn(void *state, enum dissect_dir dir, const uint8_t *data, size_t len,          \
		      const struct dissect_ctx *ctx)                                               \
	{                                                                                          \
		(void)state;                                                                       \
		(void)dir;                                                                         \
		int r = dns_message(cur_make(data, len), flavor, ctx);                             \
		return r < 0 ? r : DISSECT_MORE;                                                   \
	}
DNS_DATAGRAM_PARSE(dns_udp_parse, DNS_FLAVOR_DNS)
DNS_DATAGRAM_PARSE(mdns_parse, DNS_FLAVOR_MDNS)
DNS_DATAGRAM_PARSE(llmnr_parse, DNS_FLAVOR_LLMNR)

static int dns_tcp_record(void *user, struct cur rec)
{
	return dns_message(rec, DNS_FLAVOR_DNS, user);
}

static void dns_tcp_overflow(void *user) { dissect_anomaly(user, "dns", "tcp_buffer"); }

static const struct lenframe_ops dns_tcp_ops = {NULL, dns_tcp_record, dns_tcp_overflow};

static int dns_tcp_parse(void *state, enum dissect_dir dir, const uint8_t *data, size_t len,
			 const struct dissect_ctx *ctx)
{
	struct dns_state *st = state;
	int r = lenframe_feed(&st->dir[dir == DIR_TO_CLIENT], data, len, &dns_tcp_ops, (void *)ctx);
	return r < 0 ? r : DISSECT_MORE;
}

static void dns_tcp_gap(void *state, enum dissect_dir dir, size_t len, const struct dissect_ctx *ctx)
{
	(void)ctx;
	struct dns_state *st = state;
	lenframe_gap(&st->dir[dir == DIR_TO_CLIENT], len);
}

const struct dissector dissector_dns = DISSECTOR_DATAGRAM("dns", dns_udp_probe, dns_udp_parse);

/* Listed before dissector_dns, which would otherwise claim their ports. */
const struct dissector dissector_mdns = DISSECTOR_DATAGRAM("mdns", mdns_probe, mdns_parse);
const struct dissector dissector_llmnr = DISSECTOR_DATAGRAM("llmnr", llmnr_probe, llmnr_parse);

const struct dissector dissector_dns_tcp = {
	.name = "dns_tcp",
	.transports = TRANSPORT_TCP,
	.probe = dns_tcp_probe,
	.state_new = dns_state_new,
	.state_free = dns_state_free,
	.parse = dns_tcp_parse,
	.gap = dns_tcp_gap,
};
