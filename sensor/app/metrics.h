/* metrics.h — a Prometheus metrics endpoint (--metrics ADDR:PORT): the
 * counters the statistics lines print, per interface, in the text
 * exposition format, served by libmicrohttpd on its own thread. */
#ifndef AS_METRICS_H
#define AS_METRICS_H

#include <stddef.h>

#include "error.h"

struct metrics;

/* Fills buf (cap bytes) with the exposition text; returns its length. On
 * the server's thread: it must take its own locks. */
typedef size_t (*metrics_fill_fn)(void *user, char *buf, size_t cap);

/* Listens on "ADDR:PORT" ("[v6]:PORT", or ":PORT" for every address);
 * errors name the address and the reason. */
AS_MUST_CHECK int metrics_start(const char *listen, metrics_fill_fn fill, void *user, struct metrics **out,
				char *err, size_t errsz);
void metrics_stop(struct metrics *m);

#endif
