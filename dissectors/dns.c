/* dns.c — DNS message dissector: RFC 1035 (+ RFC 3596 AAAA, RFC 2181 TTLs,
 * RFC 7766 DNS over TCP with its 2-byte length prefix); mDNS (RFC 6762) and
 * LLMNR (RFC 4795) share the format.
 *
 * One OBS_DNS per message, queries included: id, QR, RCODE, the first
 * question, and the A/AAAA answers of the name the question resolves to after
 * following its CNAME chain. A message without a question (mDNS announcement)
 * takes the owner of its first answer as qname (qtype stays 0).
 *
 * Two dissector objects share this code because a dissector's parse does not
 * learn the transport: `dissector_dns` reads one datagram per call (UDP),
 * `dissector_dns_tcp` reads a byte stream of length-prefixed messages (TCP).
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
#include "error.h"
#include "limits.h"
#include "sbuf.h"

#define DNS_HDR_LEN 12
#define DNS_WIRE_NAME_MAX 255 /* RFC 1035 §2.3.4: octets of a name, length bytes included */
#define DNS_MIN_QUESTION 5    /* root name + type + class */
#define DNS_MIN_RR 11	      /* root name + type + class + ttl + rdlength */

enum {
	DNS_T_A = 1,
	DNS_T_CNAME = 5,
	DNS_T_AAAA = 28,
	DNS_C_IN = 1,
};

/* A name in uncompressed wire form, lower-cased, root label included. */
struct dns_name {
	size_t len;
	uint8_t wire[DNS_WIRE_NAME_MAX];
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
static int dns_name_read(struct cur msg, struct cur *c, struct dns_name *out, const char **why)
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

static bool dns_name_eq(const struct dns_name *a, const struct dns_name *b)
{
	return a->len == b->len && memcmp(a->wire, b->wire, a->len) == 0;
}

/* Presentation form: labels joined by '.', no trailing dot. A wire name of at
 * most 255 octets yields at most 253 characters, so AS_DNS_MAX_NAME holds it. */
static void dns_name_text(const struct dns_name *n, char *dst, size_t dstsz)
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

static int dns_collect(struct cur msg, struct cur ans, uint16_t an, const struct dns_name *target,
		       struct obs_dns *d, unsigned *notes, const char **why)
{
	for (unsigned i = 0; i < an; i++) {
		struct dns_rr rr;
		int r = dns_rr_read(msg, &ans, &rr, why);
		if (r < 0)
			return r;
		bool v4 = dns_rr_is_in(&rr, DNS_T_A), v6 = dns_rr_is_in(&rr, DNS_T_AAAA);
		if (!(v4 || v6) || !dns_name_eq(&rr.owner, target))
			continue;
		if (d->n_answers == AS_DNS_MAX_ANSWERS) {
			*notes |= DNS_NOTE_ANSWERS_CAP;
			break;
		}
		struct obs_dns_answer *out = &d->answers[d->n_answers++];
		out->family = v4 ? 4 : 6;
		(void)cur_copy(&rr.rdata, out->addr, v4 ? 4 : 16); /* length checked */
		out->ttl = (rr.ttl & 0x80000000u) ? 0 : rr.ttl; /* RFC 2181 §8 */
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

/* Parses one message and emits its observation, or an anomaly. */
static int dns_message(struct cur msg, const struct dissect_ctx *ctx)
{
	struct observation o;
	const char *why = "malformed";
	unsigned notes = 0;
	memset(&o, 0, sizeof o);
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
struct dns_tcp_dir {
	struct sbuf body;
	size_t need;	/* length of the message being collected */
	size_t skip;	/* bytes still to drop after a gap inside a message */
	uint8_t pfx[2];
	uint8_t npfx;
	bool have_len;
	bool lost;	/* framing lost: ignore this direction */
};

struct dns_state {
	struct dns_tcp_dir dir[2];
};

static void *dns_state_new(void)
{
	struct dns_state *st = calloc(1, sizeof *st);
	if (!st)
		return NULL;
	for (int i = 0; i < 2; i++)
		sbuf_init(&st->dir[i].body, AS_DISSECT_BUF_MAX);
	return st;
}

static void dns_state_free(void *state)
{
	struct dns_state *st = state;
	if (!st)
		return;
	for (int i = 0; i < 2; i++)
		sbuf_free(&st->dir[i].body);
	free(st);
}

static int dns_udp_parse(void *state, enum dissect_dir dir, const uint8_t *data, size_t len,
			 const struct dissect_ctx *ctx)
{
	(void)state;
	(void)dir;
	int r = dns_message(cur_make(data, len), ctx);
	return r < 0 ? r : DISSECT_MORE;
}

static void dns_udp_gap(void *state, enum dissect_dir dir, size_t len)
{
	(void)state;
	(void)dir;
	(void)len;
}

static int dns_tcp_parse(void *state, enum dissect_dir dir, const uint8_t *data, size_t len,
			 const struct dissect_ctx *ctx)
{
	struct dns_state *st = state;
	struct dns_tcp_dir *d = &st->dir[dir == DIR_TO_CLIENT];
	struct cur in = cur_make(data, len);
	int ret = DISSECT_MORE;

	while (!d->lost) {
		if (d->skip) {
			size_t n = d->skip < cur_len(&in) ? d->skip : cur_len(&in);
			(void)cur_skip(&in, n);
			d->skip -= n;
			if (d->skip)
				break;
		}
		if (!d->have_len) {
			while (d->npfx < 2 && cur_get_u8(&in, &d->pfx[d->npfx]))
				d->npfx++;
			if (d->npfx < 2)
				break;
			d->need = ((size_t)d->pfx[0] << 8) | d->pfx[1];
			d->npfx = 0;
			d->have_len = true;
		}
		struct cur msg;
		if (d->body.len == 0 && cur_get_bytes(&in, &msg, d->need)) {
			/* The whole message is in this segment: parse it in place. */
		} else {
			size_t take = d->need - d->body.len;
			struct cur part = cur_make(NULL, 0);
			if (take > cur_len(&in))
				take = cur_len(&in);
			(void)cur_get_bytes(&in, &part, take);
			int r = sbuf_append(&d->body, cur_data(&part), take);
			if (r < 0) {
				dissect_anomaly(ctx, "dns", "tcp_buffer");
				d->lost = true;
				sbuf_free(&d->body);
				return r;
			}
			if (d->body.len < d->need)
				break;
			msg = cur_make(d->body.data, d->body.len);
		}
		int r = dns_message(msg, ctx);
		if (r < 0 && ret == DISSECT_MORE)
			ret = r;
		sbuf_reset(&d->body);
		d->have_len = false;
	}
	return ret;
}

/* A gap that ends inside the current message costs that message only; any
 * other gap loses the framing of this direction. */
static void dns_tcp_gap(void *state, enum dissect_dir dir, size_t len)
{
	struct dns_state *st = state;
	struct dns_tcp_dir *d = &st->dir[dir == DIR_TO_CLIENT];
	if (d->lost)
		return;
	if (d->skip) {
		if (len <= d->skip) {
			d->skip -= len;
			return;
		}
	} else if (d->have_len) {
		size_t rest = d->need - d->body.len;
		if (len <= rest) {
			sbuf_reset(&d->body);
			d->have_len = false;
			d->skip = rest - len;
			return;
		}
	}
	d->lost = true;
	sbuf_free(&d->body);
}

const struct dissector dissector_dns = {
	.name = "dns",
	.transports = TRANSPORT_UDP,
	.probe = dns_udp_probe,
	.state_new = dns_state_new,
	.state_free = dns_state_free,
	.parse = dns_udp_parse,
	.gap = dns_udp_gap,
};

const struct dissector dissector_dns_tcp = {
	.name = "dns_tcp",
	.transports = TRANSPORT_TCP,
	.probe = dns_tcp_probe,
	.state_new = dns_state_new,
	.state_free = dns_state_free,
	.parse = dns_tcp_parse,
	.gap = dns_tcp_gap,
};
