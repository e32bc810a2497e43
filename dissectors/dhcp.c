/* dhcp.c — DHCP dissectors: DHCPv4 (RFC 2131 BOOTP framing, RFC 2132
 * options, RFC 4702 client FQDN, RFC 3396 not joined) on UDP 67/68 and
 * DHCPv6 (RFC 8415, RFC 4704 client FQDN) on UDP 546/547.
 *
 * One OBS_DHCP per message: who holds or asks for which address. v4: the
 * message type (53), xid, chaddr when htype 1 / hlen 6, ciaddr, yiaddr of an
 * ACK, host name (12; else the FQDN of 81, wire or ASCII form), requested
 * address (50), lease time (51), client identifier (61, hex) and vendor
 * class (60). Options are read from the options field, then, as option 52
 * says, from `file` and `sname`; the first instance of an option wins.
 * v6: the message type, transaction id, client DUID (1, hex; the MAC of a
 * DUID-LLT/DUID-LL with hardware type 1), client FQDN (39), the first
 * IA_NA address (3 / 5): assigned, with its valid lifetime, in a Reply;
 * requested in a Solicit/Request/Confirm/Renew/Rebind; and the vendor class
 * (16, its first data item). A Relay-forward/-reply is
 * unwrapped one level (its Relay Message option); deeper nesting is an
 * anomaly.
 *
 * Host names are lower-cased, a trailing NUL/dot dropped ("nas1\0" ->
 * "nas1"), other control bytes '?'. A message that cannot be framed raises
 * an anomaly (dissector "dhcp") and is skipped; an option with a wrong
 * length is ignored with an anomaly and the message still reported. Parse
 * always returns DISSECT_MORE: a DHCP flow carries many messages. */
#include <string.h>

#include "cursor.h"
#include "dissector.h"
#include "dns.h"
#include "error.h"
#include "fingerprint.h"
#include "limits.h"

/* ---- shared ---- */

/* Hex of the whole field, cut to the buffer. */
static void dhcp_hex(char *dst, size_t dstsz, struct cur c)
{
	size_t n = cur_len(&c);
	if (n > (dstsz - 1) / 2)
		n = (dstsz - 1) / 2;
	as_hex(cur_data(&c), n, dst);
}

/* Text option: control bytes '?', trailing NULs/spaces/dots dropped,
 * optionally lower-cased. */
static void dhcp_text(char *dst, size_t dstsz, struct cur c, bool lower)
{
	size_t n = cur_len(&c), o = 0;
	uint8_t ch;
	while (n && cur_peek_u8(&c, n - 1, &ch) && (ch == '\0' || ch == ' ' || (lower && ch == '.')))
		n--;
	for (size_t i = 0; i < n && o + 1 < dstsz && cur_get_u8(&c, &ch); i++) {
		if (lower && ch >= 'A' && ch <= 'Z')
			ch = (uint8_t)(ch + ('a' - 'A'));
		dst[o++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	dst[o] = '\0';
}

/* A DNS wire name (RFC 4702 §2.3.1 / RFC 4704 §4.2) as text; false if bad. */
static bool dhcp_wire_name(char *dst, size_t dstsz, struct cur c)
{
	struct dns_name n;
	const char *why;
	if (dns_name_from_option(c, &n, &why) < 0)
		return false;
	dns_name_text(&n, dst, dstsz);
	return true;
}

struct dhcp_msgctx {
	const struct dissect_ctx *ctx;
	unsigned anomalies; /* DHCP_A_* bits: each reason reported once per message */
};

enum {
	DHCP_A_OPT_LEN = 1 << 0,
	DHCP_A_FQDN = 1 << 1,
	DHCP_A_RELAY = 1 << 2,
	DHCP_A_OPT_TRUNC = 1 << 3,
};

static void dhcp_note(struct dhcp_msgctx *m, unsigned bit)
{
	m->anomalies |= bit;
}

static void dhcp_flush_notes(const struct dhcp_msgctx *m)
{
	if (m->anomalies & DHCP_A_OPT_LEN)
		dissect_anomaly(m->ctx, "dhcp", "option_bad_length");
	if (m->anomalies & DHCP_A_FQDN)
		dissect_anomaly(m->ctx, "dhcp", "fqdn_malformed");
	if (m->anomalies & DHCP_A_RELAY)
		dissect_anomaly(m->ctx, "dhcp", "relay_nested");
	if (m->anomalies & DHCP_A_OPT_TRUNC)
		dissect_anomaly(m->ctx, "dhcp", "option_truncated");
}

/* ---- DHCPv4 ---- */

#define DHCP4_FIXED 236 /* op .. file */
#define DHCP4_COOKIE 0x63825363u

enum {
	O4_PAD = 0,
	O4_HOSTNAME = 12,
	O4_REQUESTED = 50,
	O4_LEASE = 51,
	O4_OVERLOAD = 52,
	O4_MSG_TYPE = 53,
	O4_VENDOR_CLASS = 60,
	O4_CLIENT_ID = 61,
	O4_FQDN = 81,
	O4_END = 255,
};

/* Options of interest, first instance of each. */
struct dhcp4_opts {
	bool have[256];
	struct cur val[256];
};

/* Walks one option area; pad skipped, end stops. Returns false when an
 * option's length runs past the area. */
static bool dhcp4_walk(struct cur area, struct dhcp4_opts *o)
{
	uint8_t code;
	while (cur_get_u8(&area, &code)) {
		if (code == O4_PAD)
			continue;
		if (code == O4_END)
			return true;
		struct cur v;
		if (!cur_get_u8_prefixed(&area, &v))
			return false;
		if (!o->have[code]) {
			o->have[code] = true;
			o->val[code] = v;
		}
	}
	return true; /* no end option: tolerated */
}

static bool dhcp4_u32(const struct dhcp4_opts *o, unsigned code, uint32_t *v, struct dhcp_msgctx *m)
{
	if (!o->have[code])
		return false;
	struct cur c = o->val[code];
	if (cur_len(&c) != 4 || !cur_get_u32(&c, v)) {
		dhcp_note(m, DHCP_A_OPT_LEN);
		return false;
	}
	return true;
}

/* Option 81 (RFC 4702 §2): flags, two deprecated rcodes, the name; the E
 * flag (0x04) selects the canonical wire form, else (deprecated) ASCII. */
static void dhcp4_fqdn(struct cur v, char *dst, size_t dstsz, struct dhcp_msgctx *m)
{
	uint8_t flags;
	if (!cur_get_u8(&v, &flags) || !cur_skip(&v, 2)) {
		dhcp_note(m, DHCP_A_OPT_LEN);
		return;
	}
	if (flags & 0x04) {
		if (!dhcp_wire_name(dst, dstsz, v)) {
			dst[0] = '\0';
			dhcp_note(m, DHCP_A_FQDN);
		}
	} else {
		dhcp_text(dst, dstsz, v, true);
	}
}

static int dhcp4_message(struct cur msg, struct obs_dhcp *d, struct dhcp_msgctx *m, const char **why)
{
	struct cur c = msg, chaddr, sname, file;
	uint8_t op, htype, hlen;
	uint32_t cookie;
	uint8_t ciaddr[4], yiaddr[4];
	if (!cur_get_u8(&c, &op) || !cur_get_u8(&c, &htype) || !cur_get_u8(&c, &hlen) || !cur_skip(&c, 1) ||
	    !cur_get_u32(&c, &d->xid) || !cur_skip(&c, 4) || !cur_copy(&c, ciaddr, 4) ||
	    !cur_copy(&c, yiaddr, 4) || !cur_skip(&c, 8) || !cur_get_bytes(&c, &chaddr, 16) ||
	    !cur_get_bytes(&c, &sname, 64) || !cur_get_bytes(&c, &file, 128) || !cur_get_u32(&c, &cookie)) {
		*why = "header_truncated";
		return AS_ERR_TRUNCATED;
	}
	if (op != 1 && op != 2) {
		*why = "bad_op";
		return AS_ERR_MALFORMED;
	}
	if (cookie != DHCP4_COOKIE) {
		*why = "bad_magic_cookie";
		return AS_ERR_MALFORMED;
	}
	struct dhcp4_opts opts, *o = &opts;
	memset(o, 0, sizeof *o);
	bool ok = dhcp4_walk(c, o);
	uint8_t overload = 0;
	if (o->have[O4_OVERLOAD]) {
		struct cur v = o->val[O4_OVERLOAD];
		if (cur_len(&v) != 1 || !cur_get_u8(&v, &overload) || overload < 1 || overload > 3) {
			dhcp_note(m, DHCP_A_OPT_LEN);
			overload = 0;
		}
	}
	/* RFC 2131 §4.1: options, then file, then sname. */
	if (overload & 1)
		ok = dhcp4_walk(file, o) && ok;
	if (overload & 2)
		ok = dhcp4_walk(sname, o) && ok;
	if (!ok)
		dhcp_note(m, DHCP_A_OPT_TRUNC);

	d->version = 4;
	d->family = 4;
	if (o->have[O4_MSG_TYPE]) {
		struct cur v = o->val[O4_MSG_TYPE];
		if (cur_len(&v) != 1 || !cur_get_u8(&v, &d->msg_type))
			dhcp_note(m, DHCP_A_OPT_LEN);
	}
	if (d->msg_type < DHCP_DISCOVER || d->msg_type > DHCP_INFORM) {
		/* BOOTP, or a type outside RFC 2132 §9.6 (leasequery, ...). */
		*why = d->msg_type ? "unknown_msg_type" : "no_msg_type";
		return AS_ERR_UNSUPPORTED;
	}
	if (htype == 1 && hlen == 6) {
		(void)cur_copy(&chaddr, d->client_mac, 6);
		d->has_client_mac = true;
	}
	static const uint8_t zero4[4];
	if (memcmp(ciaddr, zero4, 4) != 0) {
		memcpy(d->client_ip, ciaddr, 4);
		d->has_client_ip = true;
	}
	if (d->msg_type == DHCP_ACK && memcmp(yiaddr, zero4, 4) != 0) {
		memcpy(d->assigned, yiaddr, 4);
		d->has_assigned = true;
	}
	if (o->have[O4_HOSTNAME])
		dhcp_text(d->hostname, sizeof d->hostname, o->val[O4_HOSTNAME], true);
	if (!d->hostname[0] && o->have[O4_FQDN])
		dhcp4_fqdn(o->val[O4_FQDN], d->hostname, sizeof d->hostname, m);
	else if (o->have[O4_FQDN]) {
		char scratch[AS_STR]; /* still checked, for the anomaly */
		dhcp4_fqdn(o->val[O4_FQDN], scratch, sizeof scratch, m);
	}
	if (o->have[O4_REQUESTED]) {
		struct cur v = o->val[O4_REQUESTED];
		if (cur_len(&v) == 4 && cur_copy(&v, d->requested, 4))
			d->has_requested = true;
		else
			dhcp_note(m, DHCP_A_OPT_LEN);
	}
	(void)dhcp4_u32(o, O4_LEASE, &d->lease_s, m);
	if (o->have[O4_CLIENT_ID]) {
		if (cur_len(&o->val[O4_CLIENT_ID]) < 2)
			dhcp_note(m, DHCP_A_OPT_LEN); /* RFC 2132 §9.14: type + at least one byte */
		else
			dhcp_hex(d->client_id, sizeof d->client_id, o->val[O4_CLIENT_ID]);
	}
	if (o->have[O4_VENDOR_CLASS])
		dhcp_text(d->vendor_class, sizeof d->vendor_class, o->val[O4_VENDOR_CLASS], false);
	return AS_OK;
}

/* ---- DHCPv6 ---- */

enum {
	M6_SOLICIT = 1,
	M6_DECLINE = 9,
	M6_RECONFIGURE = 10,
	M6_INFO_REQUEST = 11,
	M6_RELAY_FORW = 12,
	M6_RELAY_REPL = 13,
	O6_CLIENTID = 1,
	O6_IA_NA = 3,
	O6_IAADDR = 5,
	O6_RELAY_MSG = 9,
	O6_VENDOR_CLASS = 16,
	O6_CLIENT_FQDN = 39,
	DUID_LLT = 1,
	DUID_LL = 3,
	HW_ETHERNET = 1,
};

/* Finds the first option `code` in an option list; false if absent or the
 * list is malformed (*bad set). */
static bool dhcp6_find(struct cur opts, uint16_t code, struct cur *val, bool *bad)
{
	uint16_t oc;
	while (cur_get_u16(&opts, &oc)) {
		struct cur v;
		if (!cur_get_u16_prefixed(&opts, &v)) {
			*bad = true;
			return false;
		}
		if (oc == code) {
			*val = v;
			return true;
		}
	}
	if (cur_len(&opts))
		*bad = true;
	return false;
}

/* Checks that an option list frames exactly. */
static bool dhcp6_framed(struct cur opts)
{
	uint16_t oc;
	while (cur_get_u16(&opts, &oc)) {
		struct cur v;
		if (!cur_get_u16_prefixed(&opts, &v))
			return false;
	}
	return cur_len(&opts) == 0;
}

static void dhcp6_duid(struct cur v, struct obs_dhcp *d)
{
	struct cur c = v;
	uint16_t type, hw;
	dhcp_hex(d->client_id, sizeof d->client_id, v);
	if (!cur_get_u16(&c, &type) || !cur_get_u16(&c, &hw) || hw != HW_ETHERNET)
		return;
	if ((type == DUID_LLT && !cur_skip(&c, 4)) || (type != DUID_LLT && type != DUID_LL))
		return;
	if (cur_len(&c) == 6 && cur_copy(&c, d->client_mac, 6))
		d->has_client_mac = true;
}

static int dhcp6_message(struct cur msg, struct obs_dhcp *d, struct dhcp_msgctx *m, bool inner,
			 const char **why)
{
	struct cur c = msg;
	uint8_t type;
	if (!cur_get_u8(&c, &type)) {
		*why = "header_truncated";
		return AS_ERR_TRUNCATED;
	}
	if (type == M6_RELAY_FORW || type == M6_RELAY_REPL) {
		if (inner) {
			dhcp_note(m, DHCP_A_RELAY);
			*why = "relay_nested";
			return AS_ERR_UNSUPPORTED;
		}
		struct cur relayed;
		bool bad = false;
		if (!cur_skip(&c, 1 + 16 + 16)) { /* hop-count, link-address, peer-address */
			*why = "header_truncated";
			return AS_ERR_TRUNCATED;
		}
		if (!dhcp6_framed(c)) {
			*why = "option_truncated";
			return AS_ERR_TRUNCATED;
		}
		if (!dhcp6_find(c, O6_RELAY_MSG, &relayed, &bad)) {
			*why = "relay_without_message";
			return AS_ERR_MALFORMED;
		}
		return dhcp6_message(relayed, d, m, true, why);
	}
	uint32_t xid;
	if (!cur_get_u24(&c, &xid)) {
		*why = "header_truncated";
		return AS_ERR_TRUNCATED;
	}
	if (!dhcp6_framed(c)) {
		*why = "option_truncated";
		return AS_ERR_TRUNCATED;
	}
	if (type < M6_SOLICIT || type > M6_INFO_REQUEST) {
		*why = "unknown_msg_type";
		return AS_ERR_UNSUPPORTED;
	}
	d->version = 6;
	d->family = 6;
	d->msg_type = (uint8_t)(DHCP6_SOLICIT - 1 + type);
	d->xid = xid;

	struct cur v;
	bool bad = false;
	if (dhcp6_find(c, O6_CLIENTID, &v, &bad))
		dhcp6_duid(v, d);
	if (dhcp6_find(c, O6_CLIENT_FQDN, &v, &bad)) {
		uint8_t flags;
		if (!cur_get_u8(&v, &flags) || !dhcp_wire_name(d->hostname, sizeof d->hostname, v)) {
			d->hostname[0] = '\0';
			dhcp_note(m, DHCP_A_FQDN);
		}
	}
	if (dhcp6_find(c, O6_VENDOR_CLASS, &v, &bad)) {
		struct cur data;
		if (cur_skip(&v, 4) && cur_get_u16_prefixed(&v, &data))
			dhcp_text(d->vendor_class, sizeof d->vendor_class, data, false);
		else
			dhcp_note(m, DHCP_A_OPT_LEN);
	}
	/* First IA_NA: IAID, T1, T2, then its options; its first IAADDR. */
	struct cur ia;
	if (dhcp6_find(c, O6_IA_NA, &ia, &bad)) {
		struct cur addr;
		if (!cur_skip(&ia, 12) || !dhcp6_framed(ia)) {
			dhcp_note(m, DHCP_A_OPT_LEN);
		} else if (dhcp6_find(ia, O6_IAADDR, &addr, &bad)) {
			uint8_t a[16];
			uint32_t preferred, valid;
			if (!cur_copy(&addr, a, 16) || !cur_get_u32(&addr, &preferred) ||
			    !cur_get_u32(&addr, &valid) || !dhcp6_framed(addr)) {
				dhcp_note(m, DHCP_A_OPT_LEN);
			} else if (d->msg_type == DHCP6_REPLY) {
				memcpy(d->assigned, a, 16);
				d->has_assigned = true;
				d->lease_s = valid;
			} else if (d->msg_type == DHCP6_SOLICIT || d->msg_type == DHCP6_REQUEST ||
				   d->msg_type == DHCP6_CONFIRM || d->msg_type == DHCP6_RENEW ||
				   d->msg_type == DHCP6_REBIND) {
				memcpy(d->requested, a, 16); /* the client's hint or current lease */
				d->has_requested = true;
			}
		}
	}
	return AS_OK;
}

/* ---- probe, state, parse ---- */

static bool dhcp4_probe(const struct dissect_probe *p)
{
	struct cur c = cur_make(p->data, p->len);
	uint8_t op;
	uint32_t cookie;
	if (!(p->transport & TRANSPORT_UDP) || !((p->server_port == 67 || p->server_port == 68) &&
						 (p->client_port == 67 || p->client_port == 68)))
		return false;
	return cur_peek_u8(&c, 0, &op) && (op == 1 || op == 2) && cur_skip(&c, DHCP4_FIXED) &&
	       cur_get_u32(&c, &cookie) && cookie == DHCP4_COOKIE;
}

static bool dhcp6_probe(const struct dissect_probe *p)
{
	struct cur c = cur_make(p->data, p->len);
	uint8_t type;
	if (!(p->transport & TRANSPORT_UDP) || !((p->server_port == 546 || p->server_port == 547) &&
						 (p->client_port == 546 || p->client_port == 547)))
		return false;
	if (!cur_get_u8(&c, &type) || type < M6_SOLICIT || type > M6_RELAY_REPL)
		return false;
	if (type == M6_RELAY_FORW || type == M6_RELAY_REPL)
		return cur_skip(&c, 33) && dhcp6_framed(c);
	return cur_skip(&c, 3) && dhcp6_framed(c);
}

static int dhcp_parse_common(bool v6, const uint8_t *data, size_t len, const struct dissect_ctx *ctx)
{
	struct observation o;
	struct dhcp_msgctx m = {.ctx = ctx};
	const char *why = "malformed";
	observation_init(&o, OBS_DHCP);
	struct cur msg = cur_make(data, len);
	int r = v6 ? dhcp6_message(msg, &o.u.dhcp, &m, false, &why) : dhcp4_message(msg, &o.u.dhcp, &m, &why);
	if (r == AS_OK)
		dissect_emit(ctx, &o);
	else if (!(m.anomalies & DHCP_A_RELAY))
		dissect_anomaly(ctx, "dhcp", why);
	dhcp_flush_notes(&m);
	return DISSECT_MORE;
}

static int dhcp4_parse(void *state, enum dissect_dir dir, const uint8_t *data, size_t len,
		       const struct dissect_ctx *ctx)
{
	(void)state;
	(void)dir;
	return dhcp_parse_common(false, data, len, ctx);
}

static int dhcp6_parse(void *state, enum dissect_dir dir, const uint8_t *data, size_t len,
		       const struct dissect_ctx *ctx)
{
	(void)state;
	(void)dir;
	return dhcp_parse_common(true, data, len, ctx);
}

const struct dissector dissector_dhcp = DISSECTOR_DATAGRAM("dhcp", dhcp4_probe, dhcp4_parse);
const struct dissector dissector_dhcp6 = DISSECTOR_DATAGRAM("dhcp6", dhcp6_probe, dhcp6_parse);
