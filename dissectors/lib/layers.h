/* layers.h — a layer stack: the dissector a probe chose at the bottom,
 * and the layers each one opens above itself (tls -> http1 -> websocket;
 * later tls -> http2, udp -> quic -> http3), at most AS_MAX_LAYERS. The
 * flow table allocates one when a probe claims a flow and owns it with
 * every layer's state; tests drive dissectors through the same stack. */
#ifndef AS_LAYERS_H
#define AS_LAYERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissector.h"

/* What every stack of a flow table shares: where observations go, the
 * run's environment, and the packet time of the bytes being fed. */
struct layer_host {
	const struct dissect_env *env;
	void (*emit)(void *user, const struct observation *obs);
	void *user;
	uint64_t ts_us;
};

struct layer_stack;

/* A stack with d at the bottom; NULL when out of memory (d's state_new). */
struct layer_stack *layers_new(const struct layer_host *host, const struct dissector *d,
			       const struct layer_open *o);
void layers_free(struct layer_stack *s);
/* In-order bytes (len 0: that direction ended) or a gap, for the bottom
 * layer; false once the bottom layer is done with the flow. */
bool layers_feed(struct layer_stack *s, int dir, const uint8_t *data, size_t len);
bool layers_gap(struct layer_stack *s, int dir, size_t len);
/* Whether the bottom layer wants len 0 at a datagram flow's end. */
bool layers_datagram_end(const struct layer_stack *s);

#endif
