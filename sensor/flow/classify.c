/* classify.c — nDPI 4.2 glue (see classify.h). */
#include "classify.h"

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
