/* kerberos.c — Kerberos 5 dissector: RFC 4120 §5.4.1 KRB_AS_REQ (ASN.1 DER,
 * [APPLICATION 10]) over UDP and TCP port 88 (§7.2.2: TCP messages carry a
 * 4-byte big-endian length whose top bit is reserved).
 *
 * One OBS_KERBEROS per AS-REQ that names a client: req-body cname
 * (PrincipalName name-string components joined with '/'), realm and sname.
 * Other Kerberos messages (AS-REP, TGS-*, KRB-ERROR) are ignored silently;
 * anything else, or an AS-REQ that does not decode, raises an anomaly
 * (dissector "kerberos"). Strings keep their case; bytes outside printable
 * ASCII become '?'. DER is read with der.h (definite lengths, <= 4 length
 * bytes); a TCP message longer than AS_KRB_MAX_MSG is skipped with an
 * anomaly, one spanning segments is buffered (sbuf). */
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "der.h"
#include "lenframe.h"
#include "dissector.h"
#include "error.h"
#include "limits.h"
#include "sbuf.h"

#define KRB_PORT 88
#define KRB_PVNO 5
#define KRB_AS_REQ 10
#define KRB_TCP_PFX 4
#define KRB_TCP_RESERVED 0x80000000u

/* Application tags of RFC 4120 messages a port-88 flow carries. */
static bool krb_app_tag(uint8_t tag)
{
	return tag == DER_APP(10) || tag == DER_APP(11) || tag == DER_APP(12) || tag == DER_APP(13) ||
	       tag == DER_APP(30);
}

/* Appends a KerberosString (GeneralString; UTF8/IA5/Printable tolerated). */
static bool krb_string(struct cur *c, char *dst, size_t dstsz, size_t *o)
{
	struct der_tlv t;
	if (!der_read(c, &t) || (t.tag != DER_GENERAL_STRING && t.tag != DER_UTF8_STRING &&
				 t.tag != DER_IA5_STRING && t.tag != DER_PRINTABLE_STRING))
		return false;
	uint8_t ch;
	while (cur_get_u8(&t.val, &ch))
		if (*o + 1 < dstsz)
			dst[(*o)++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	dst[*o] = '\0';
	return true;
}

/* PrincipalName ::= SEQUENCE { name-type [0] Int32, name-string [1]
 * SEQUENCE OF KerberosString } -> "a/b/c". */
static bool krb_principal(struct cur v, char *dst, size_t dstsz)
{
	struct cur seq, type, ints, names, strs;
	int64_t nt;
	size_t o = 0;
	if (!der_expect(&v, DER_SEQUENCE, &seq) || !der_expect(&seq, DER_CTX(0), &type) ||
	    !der_expect(&type, DER_INTEGER, &ints) || !der_int(ints, &nt) ||
	    !der_expect(&seq, DER_CTX(1), &names) || !der_expect(&names, DER_SEQUENCE, &strs))
		return false;
	dst[0] = '\0';
	for (unsigned i = 0; cur_len(&strs); i++) {
		if (i && o + 1 < dstsz) {
			dst[o++] = '/';
			dst[o] = '\0';
		}
		if (!krb_string(&strs, dst, dstsz, &o))
			return false;
	}
	return true;
}

/* KDC-REQ ::= SEQUENCE { pvno [1], msg-type [2], padata [3] OPTIONAL,
 * req-body [4] KDC-REQ-BODY }; KDC-REQ-BODY ::= SEQUENCE { kdc-options [0],
 * cname [1] OPTIONAL, realm [2], sname [3] OPTIONAL, ... }. Fields are read
 * in tag order; unknown later fields end the walk. */
static int krb_as_req(struct cur app, struct obs_kerberos *k, bool *has_cname, const char **why)
{
	struct cur req, body = {0};
	bool have_body = false;
	int64_t pvno = -1, type = -1;
	if (!der_expect(&app, DER_SEQUENCE, &req)) {
		*why = "as_req_malformed";
		return AS_ERR_MALFORMED;
	}
	while (cur_len(&req) && !have_body) {
		struct der_tlv f;
		struct cur iv;
		if (!der_read(&req, &f)) {
			*why = "as_req_malformed";
			return AS_ERR_MALFORMED;
		}
		if (f.tag == DER_CTX(1) || f.tag == DER_CTX(2)) {
			if (!der_expect(&f.val, DER_INTEGER, &iv) ||
			    !der_int(iv, f.tag == DER_CTX(1) ? &pvno : &type)) {
				*why = "as_req_malformed";
				return AS_ERR_MALFORMED;
			}
		} else if (f.tag == DER_CTX(4)) {
			if (!der_expect(&f.val, DER_SEQUENCE, &body)) {
				*why = "req_body_malformed";
				return AS_ERR_MALFORMED;
			}
			have_body = true;
		}
	}
	if (pvno != KRB_PVNO || type != KRB_AS_REQ) {
		*why = pvno != KRB_PVNO ? "bad_pvno" : "bad_msg_type";
		return AS_ERR_MALFORMED;
	}
	if (!have_body) {
		*why = "no_req_body";
		return AS_ERR_MALFORMED;
	}
	while (cur_len(&body)) {
		struct der_tlv f;
		if (!der_read(&body, &f)) {
			*why = "req_body_malformed";
			return AS_ERR_MALFORMED;
		}
		bool ok = true;
		if (f.tag == DER_CTX(1)) {
			ok = krb_principal(f.val, k->principal, sizeof k->principal);
			*has_cname = ok;
		} else if (f.tag == DER_CTX(2)) {
			size_t o = 0;
			ok = krb_string(&f.val, k->realm, sizeof k->realm, &o);
		} else if (f.tag == DER_CTX(3)) {
			ok = krb_principal(f.val, k->service, sizeof k->service);
		} else if (f.tag > DER_CTX(3)) {
			break;
		}
		if (!ok) {
			*why = "principal_malformed";
			return AS_ERR_MALFORMED;
		}
	}
	return AS_OK;
}

/* One whole message (a UDP datagram, or a TCP record without its prefix). */
static void krb_message(struct cur msg, const struct dissect_ctx *ctx)
{
	struct der_tlv app;
	uint8_t tag;
	const char *why = "not_kerberos";
	if (!der_peek_tag(&msg, &tag) || !krb_app_tag(tag)) {
		dissect_anomaly(ctx, "kerberos", why);
		return;
	}
	if (!der_read(&msg, &app)) {
		dissect_anomaly(ctx, "kerberos", "message_bad_length"); /* truncated or absurd */
		return;
	}
	if (app.tag != DER_APP(KRB_AS_REQ))
		return;
	struct observation o;
	bool has_cname = false;
	observation_init(&o, OBS_KERBEROS);
	if (krb_as_req(app.val, &o.u.kerberos, &has_cname, &why) < 0) {
		dissect_anomaly(ctx, "kerberos", why);
		return;
	}
	if (has_cname)
		dissect_emit(ctx, &o);
}

/* ---- probes ---- */

static bool krb_port(const struct dissect_probe *p)
{
	return p->server_port == KRB_PORT || p->client_port == KRB_PORT;
}

/* The first bytes open a Kerberos message: an application tag and a DER
 * length that fits what the transport says. */
static bool krb_opening(struct cur c, size_t msg_len)
{
	uint8_t tag, l0;
	if (!cur_get_u8(&c, &tag) || !krb_app_tag(tag) || !cur_get_u8(&c, &l0))
		return false;
	if (!(l0 & 0x80))
		return (size_t)l0 + 2 == msg_len;
	size_t n = l0 & 0x7f;
	uint64_t v;
	if (n == 0 || n > 4 || !cur_get_uN(&c, n, &v))
		return false;
	return v + 2 + n == msg_len;
}

static bool krb_udp_probe(const struct dissect_probe *p)
{
	return (p->transport & TRANSPORT_UDP) && krb_port(p) &&
	       krb_opening(cur_make(p->data, p->len), p->len);
}

static bool krb_tcp_probe(const struct dissect_probe *p)
{
	struct cur c = cur_make(p->data, p->len);
	uint32_t len;
	if (!(p->transport & TRANSPORT_TCP) || !krb_port(p) || !cur_get_u32(&c, &len) ||
	    (len & KRB_TCP_RESERVED))
		return false;
	return krb_opening(c, len);
}

/* ---- state and parse ---- */

struct krb_state {
	struct lenframe dir[2]; /* TCP: 4-byte length prefix (RFC 4120 7.2.2) */
};

static void *krb_state_new(const struct layer_open *o)
{
	(void)o;
	struct krb_state *st = calloc(1, sizeof *st);
	if (!st)
		return NULL;
	for (int i = 0; i < 2; i++)
		lenframe_init(&st->dir[i], KRB_TCP_PFX, AS_KRB_MAX_MSG);
	return st;
}

static void krb_state_free(void *state)
{
	struct krb_state *st = state;
	if (!st)
		return;
	for (int i = 0; i < 2; i++)
		lenframe_free(&st->dir[i]);
	free(st);
}

static int krb_udp_parse(void *state, enum dissect_dir dir, const uint8_t *data, size_t len,
			 const struct dissect_ctx *ctx)
{
	(void)state;
	(void)dir;
	krb_message(cur_make(data, len), ctx);
	return DISSECT_MORE;
}

static enum lenframe_verdict krb_tcp_check(void *user, uint32_t len)
{
	if (len & KRB_TCP_RESERVED) {
		dissect_anomaly(user, "kerberos", "tcp_length_reserved_bit");
		return LENFRAME_LOST;
	}
	if (len > AS_KRB_MAX_MSG) {
		dissect_anomaly(user, "kerberos", "message_too_long");
		return LENFRAME_SKIP;
	}
	return LENFRAME_TAKE;
}

static int krb_tcp_record(void *user, struct cur rec)
{
	if (cur_len(&rec))
		krb_message(rec, user);
	return 0;
}

static void krb_tcp_overflow(void *user) { dissect_anomaly(user, "kerberos", "tcp_buffer"); }

static const struct lenframe_ops krb_tcp_ops = {krb_tcp_check, krb_tcp_record, krb_tcp_overflow};

static int krb_tcp_parse(void *state, enum dissect_dir dir, const uint8_t *data, size_t len,
			 const struct dissect_ctx *ctx)
{
	struct krb_state *st = state;
	int r = lenframe_feed(&st->dir[dir == DIR_TO_CLIENT], data, len, &krb_tcp_ops, (void *)ctx);
	return r < 0 ? r : DISSECT_MORE;
}

/* A gap inside the current record costs that record; any other gap loses
 * this direction's framing. */
static void krb_tcp_gap(void *state, enum dissect_dir dir, size_t len, const struct dissect_ctx *ctx)
{
	(void)ctx;
	struct krb_state *st = state;
	lenframe_gap(&st->dir[dir == DIR_TO_CLIENT], len);
}

const struct dissector dissector_kerberos = DISSECTOR_DATAGRAM("kerberos", krb_udp_probe, krb_udp_parse);

const struct dissector dissector_kerberos_tcp = {
    .name = "kerberos_tcp",
    .transports = TRANSPORT_TCP,
    .probe = krb_tcp_probe,
    .state_new = krb_state_new,
    .state_free = krb_state_free,
    .parse = krb_tcp_parse,
    .gap = krb_tcp_gap,
};
