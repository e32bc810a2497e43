/* classify.c — nDPI 4.2 glue (see classify.h). */
#include "classify.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wshadow"
#include <ndpi_api.h>
#pragma GCC diagnostic pop

struct classifier {
	struct ndpi_detection_module_struct *ndpi;
};

struct classify_flow {
	ndpi_protocol proto;
	bool detected;
	struct ndpi_flow_struct flow; /* last: nDPI's flow state */
};

struct classifier *classify_new(void)
{
	struct classifier *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->ndpi = ndpi_init_detection_module(ndpi_no_prefs);
	if (!c->ndpi) {
		free(c);
		return NULL;
	}
	NDPI_PROTOCOL_BITMASK all;
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(c->ndpi, &all);
	ndpi_finalize_initialization(c->ndpi);
	return c;
}

void classify_free(struct classifier *c)
{
	if (!c)
		return;
	ndpi_exit_detection_module(c->ndpi);
	free(c);
}

struct classify_flow *classify_flow_new(void)
{
	return calloc(1, sizeof(struct classify_flow));
}

void classify_flow_free(struct classify_flow *f)
{
	if (!f)
		return;
	ndpi_free_flow_data(&f->flow);
	free(f);
}

bool classify_packet(struct classifier *c, struct classify_flow *f, const uint8_t *l3, size_t len,
		     uint64_t ts_us)
{
	if (len > 0xffff)
		len = 0xffff;
	f->proto = ndpi_detection_process_packet(c->ndpi, &f->flow, l3, (unsigned short)len, ts_us / 1000);
	if (f->proto.app_protocol != NDPI_PROTOCOL_UNKNOWN ||
	    f->proto.master_protocol != NDPI_PROTOCOL_UNKNOWN)
		f->detected = true;
	return f->detected;
}

void classify_result(struct classifier *c, struct classify_flow *f, bool give_up, char *out, size_t outsz)
{
	if (give_up && f->proto.app_protocol == NDPI_PROTOCOL_UNKNOWN) {
		uint8_t guessed = 0;
		f->proto = ndpi_detection_giveup(c->ndpi, &f->flow, 1, &guessed);
	}
	char name[64];
	ndpi_protocol2name(c->ndpi, f->proto, name, sizeof name);
	snprintf(out, outsz, "%s", name);
}

static bool either_port(const struct flow_ref *r, uint16_t port)
{
	return r->cli_port == port || r->srv_port == port;
}

/* nDPI's guess by address and port: the first packet's source (a client's
 * hello or query), then its destination; IPv4 only. */
static uint16_t guess_by_address(struct classifier *c, const struct flow_ref *r)
{
	if (r->family != 4)
		return NDPI_PROTOCOL_UNKNOWN;
	struct in_addr a;
	memcpy(&a.s_addr, r->cli_ip, 4);
	uint16_t p = ndpi_network_port_ptree_match(c->ndpi, &a, htons(r->cli_port));
	if (p != NDPI_PROTOCOL_UNKNOWN)
		return p;
	memcpy(&a.s_addr, r->srv_ip, 4);
	return ndpi_network_port_ptree_match(c->ndpi, &a, htons(r->srv_port));
}

/* nDPI 4.2 answers a TLS ClientHello and a DNS query from the name they
 * carry: the service its host list matches ("TLS.Google", "DNS.Google");
 * else the protocol (TLS refined by the mail ports, as its TLS dissector
 * does) under the service its address list gives the flow's addresses, as
 * its ndpi_set_detected_protocol() does. The same answer from the same
 * lists, without feeding it the packet, its JA3 formatting or DGA check. */
void classify_named(struct classifier *c, enum classify_ident id, const char *host, const struct flow_ref *r,
		    char *out, size_t outsz)
{
	uint16_t master = id == CLASSIFY_DNS ? NDPI_PROTOCOL_DNS : NDPI_PROTOCOL_TLS;
	char name[256];
	size_t n = 0;
	for (; host[n] && n < sizeof name - 1; n++)
		name[n] = (char)((host[n] >= 'A' && host[n] <= 'Z') ? host[n] + ('a' - 'A') : host[n]);
	name[n] = '\0';
	ndpi_protocol p = {NDPI_PROTOCOL_UNKNOWN, master, NDPI_PROTOCOL_CATEGORY_UNSPECIFIED};
	ndpi_protocol_match_result match;
	int sub = n ? ndpi_match_string_subprotocol(c->ndpi, name, (unsigned)n, &match) : NDPI_PROTOCOL_UNKNOWN;
	ndpi_protocol_category_t category;
	if (n && ndpi_get_custom_category_match(c->ndpi, name, (unsigned)n, &category) != -1)
		sub = master; /* a name in a category list: the protocol itself */
	if (sub > NDPI_PROTOCOL_UNKNOWN && sub != master) {
		p.master_protocol = master;
		p.app_protocol = (uint16_t)sub;
	} else {
		if (id == CLASSIFY_TLS && sub != master)
			p.app_protocol = either_port(r, 465) || either_port(r, 587) ? NDPI_PROTOCOL_MAIL_SMTPS
					 : either_port(r, 993)			    ? NDPI_PROTOCOL_MAIL_IMAPS
					 : either_port(r, 995)			    ? NDPI_PROTOCOL_MAIL_POPS
										    : NDPI_PROTOCOL_TLS;
		uint16_t by_addr = guess_by_address(c, r);
		if (by_addr != NDPI_PROTOCOL_UNKNOWN && by_addr != p.app_protocol &&
		    ndpi_get_proto_defaults(c->ndpi)[p.app_protocol].subprotocol_count > 0) {
			p.master_protocol = p.app_protocol;
			p.app_protocol = by_addr;
		}
	}
	ndpi_protocol2name(c->ndpi, p, name, sizeof name);
	snprintf(out, outsz, "%s", name);
}

bool classify_can_name(void)
{
	return NDPI_MAJOR == 4 && NDPI_MINOR == 2;
}

void classify_guess(struct classifier *c, const struct flow_ref *r, char *out, size_t outsz)
{
	uint32_t cli = 0, srv = 0;
	if (r->family == 4) { /* nDPI's address guess knows IPv4 only */
		cli = (uint32_t)r->cli_ip[0] << 24 | (uint32_t)r->cli_ip[1] << 16 | (uint32_t)r->cli_ip[2] << 8 | r->cli_ip[3];
		srv = (uint32_t)r->srv_ip[0] << 24 | (uint32_t)r->srv_ip[1] << 16 | (uint32_t)r->srv_ip[2] << 8 | r->srv_ip[3];
	}
	ndpi_protocol p = ndpi_guess_undetected_protocol(c->ndpi, NULL, r->l4proto, cli, r->cli_port, srv, r->srv_port);
	char name[64];
	ndpi_protocol2name(c->ndpi, p, name, sizeof name);
	snprintf(out, outsz, "%s", name);
}
