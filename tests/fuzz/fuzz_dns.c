/* fuzz_dns.c — libFuzzer target for the DNS dissector. Input: a mode byte
 * (bit 0: TCP stream instead of one UDP datagram, bit 1: direction, bit 2:
 * a gap after the first chunk; for UDP, (mode >> 3) % 3 picks the flavor:
 * dns, mdns, llmnr), a split byte (where the TCP stream is cut in two
 * calls), then the bytes. Both probes run on the bytes too. Every emitted
 * observation is checked for well-formed strings and bounded counts. */
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "dissector.h"


extern const struct dissector dissector_dns;
extern const struct dissector dissector_dns_tcp;
extern const struct dissector dissector_mdns;
extern const struct dissector dissector_llmnr;

/* What the flow would tell the dissector (its ports play no part here). */
static const struct layer_open fuzz_open = {.transport = TRANSPORT_UDP};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const char *s, size_t sz)
{
	const char *end = memchr(s, '\0', sz);
	if (!end)
		abort();
	for (const char *c = s; c < end; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
			abort();
}

static void check_obs(void *user, const struct observation *o)
{
	(void)user;
	if (o->type == OBS_DNS) {
		const struct obs_dns *d = &o->u.dns;
		check_str(d->qname, sizeof d->qname);
		if (d->n_answers > AS_DNS_MAX_ANSWERS)
			abort();
		for (unsigned i = 0; i < d->n_answers; i++)
			if (d->answers[i].family != 4 && d->answers[i].family != 6)
				abort();
	} else if (o->type == OBS_HOST_NAME) {
		const struct obs_host_name *h = &o->u.host_name;
		check_str(h->name, sizeof h->name);
		if (!h->name[0] || (h->family != 4 && h->family != 6) || h->source < HOST_NAME_MDNS ||
		    h->source > HOST_NAME_DNS_PTR || h->ttl > 0x7fffffffu)
			abort();
	} else if (o->type == OBS_ANOMALY) {
		check_str(o->u.anomaly.reason, sizeof o->u.anomaly.reason);
		if (!o->u.anomaly.reason[0] || strcmp(o->u.anomaly.dissector, "dns") != 0)
			abort();
	} else {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cur in = cur_make(data, size);
	uint8_t mode, split;
	if (!cur_get_u8(&in, &mode) || !cur_get_u8(&in, &split))
		return 0;
	const uint8_t *p = cur_data(&in);
	size_t n = cur_len(&in);
	struct dissect_probe pr = {.transport = TRANSPORT_UDP, .client_port = 40000, .server_port = 53,
				   .data = p, .len = n};
	(void)dissector_dns.probe(&pr);
	pr.transport = TRANSPORT_TCP;
	(void)dissector_dns_tcp.probe(&pr);

	struct dissect_ctx ctx = {.ts_us = 1, .emit = check_obs};
	enum dissect_dir dir = (mode & 2) ? DIR_TO_CLIENT : DIR_TO_SERVER;
	if (!(mode & 1)) {
		static const struct dissector *const flavors[] = {&dissector_dns, &dissector_mdns, &dissector_llmnr};
		const struct dissector *d = flavors[(mode >> 3) % 3];
		void *st = d->state_new(&fuzz_open);
		int r = d->parse(st, dir, p, n, &ctx);
		if (r == DISSECT_DONE)
			abort(); /* a DNS flow carries many messages */
		d->state_free(st);
		return 0;
	}
	void *st = dissector_dns_tcp.state_new(&fuzz_open);
	size_t at = n * split / 256;
	(void)dissector_dns_tcp.parse(st, dir, p, at, &ctx);
	if (mode & 4)
		dissector_dns_tcp.gap(st, dir, (size_t)(mode >> 3), &ctx);
	(void)dissector_dns_tcp.parse(st, dir, p + at, n - at, &ctx);
	dissector_dns_tcp.state_free(st);
	return 0;
}
