/* agents_fixture.h — worker messages for the aggregator's tests: flows
 * between 10.0.0.x clients and 192.0.2.y servers, observations, flow
 * updates and ends, each with the next packet number. */
#ifndef AS_AGENTS_FIXTURE_H
#define AS_AGENTS_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agents.h"

static uint64_t pkt_no;

static inline struct flow_ref flow(uint8_t cli_last, uint8_t srv_last, uint16_t cport, uint16_t sport)
{
	struct flow_ref r;
	memset(&r, 0, sizeof r);
	r.family = 4;
	r.l4proto = 6;
	uint8_t c[4] = {10, 0, 0, cli_last}, s[4] = {192, 0, 2, srv_last};
	memcpy(r.cli_ip, c, 4);
	memcpy(r.srv_ip, s, 4);
	r.cli_port = cport;
	r.srv_port = sport;
	r.start_us = 1700000000000000ULL + pkt_no;
	return r;
}

static inline void feed(struct agents *a, const struct flow_ref *r, const struct observation *o)
{
	struct msg_obs *m = calloc(1, sizeof *m);
	assert_non_null(m);
	m->h.type = MSG_OBSERVATION;
	m->h.pkt_no = ++pkt_no;
	m->h.ts_us = r->start_us + 1000;
	m->flow = *r;
	memcpy(&m->obs, o, observation_size(o->type));
	agents_handle(a, &m->h);
	free(m);
}

/* A flow message (an end, an update) at packet time ts, the flow having
 * carried `bytes` so far. */
static inline void flow_msg(struct agents *a, uint32_t type, const struct flow_ref *r, uint64_t ts, uint64_t bytes)
{
	struct msg_flow m;
	memset(&m, 0, sizeof m);
	m.h.type = type;
	m.h.pkt_no = ++pkt_no;
	m.h.ts_us = ts;
	m.flow = *r;
	m.last_us = ts;
	m.bytes[0] = bytes;
	agents_handle(a, &m.h);
}

static inline void end_at(struct agents *a, const struct flow_ref *r, uint64_t last_us, uint64_t bytes)
{
	flow_msg(a, MSG_FLOW_END, r, last_us, bytes);
}

/* What a flow table reports while the flow lives. */
static inline void update(struct agents *a, const struct flow_ref *r, uint64_t ts, uint64_t bytes)
{
	flow_msg(a, MSG_FLOW_UPDATE, r, ts, bytes);
}

static inline void end(struct agents *a, const struct flow_ref *r)
{
	end_at(a, r, r->start_us + 5000, 0);
}

static inline void hello(struct agents *a, const struct flow_ref *r, const char *sni)
{
	struct observation o;
	memset(&o, 0, sizeof o);
	o.type = OBS_TLS_CLIENT_HELLO;
	snprintf(o.u.tls_ch.sni, sizeof o.u.tls_ch.sni, "%s", sni);
	snprintf(o.u.tls_ch.ja4, sizeof o.u.tls_ch.ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
	snprintf(o.u.tls_ch.ja4_stable, sizeof o.u.tls_ch.ja4_stable, "t13d1516h2_8daaf6152771_e5627efa2ab1");
	feed(a, r, &o);
}

#endif
