/* classify.h — nDPI behind a small interface: one detection module per
 * worker (nDPI is not thread-safe), one detection state per flow, freed as
 * soon as the flow is classified or we give up. */
#ifndef AS_CLASSIFY_H
#define AS_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"

struct classifier;
struct classify_flow;

struct classifier *classify_new(void);
void classify_free(struct classifier *c);
struct classify_flow *classify_flow_new(void);
void classify_flow_free(struct classify_flow *f);
/* Feeds one IP packet; true once the flow is classified (then free it). */
bool classify_packet(struct classifier *c, struct classify_flow *f, const uint8_t *l3, size_t len,
		     uint64_t ts_us);
/* Final answer as "Master.App" (e.g. "TLS.Google"), giving up if needed. */
void classify_result(struct classifier *c, struct classify_flow *f, bool give_up, char *out, size_t outsz);
/* What aisensor's own dissectors identify well enough to name for nDPI. */
enum classify_ident {
	CLASSIFY_TLS = 1, /* a TLS ClientHello over TCP */
	CLASSIFY_DNS,	  /* a DNS message over UDP port 53 */
};
/* nDPI's answer for such a flow, from the name it carries (SNI, query
 * name) and its addresses, without feeding nDPI a packet. */
void classify_named(struct classifier *c, enum classify_ident id, const char *host, const struct flow_ref *r,
		    char *out, size_t outsz);
/* classify_named follows nDPI 4.2's naming: false with another release
 * (then nDPI sees every flow). */
bool classify_can_name(void);
/* The answer for a flow nDPI never saw (no payload): its guess by ports
 * and IPv4 addresses. */
void classify_guess(struct classifier *c, const struct flow_ref *r, char *out, size_t outsz);

#endif
