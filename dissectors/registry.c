/* registry.c — the list of dissectors, in probe order, and emit helpers.
 * Adding a protocol: one file, one line here, one pcap, one golden file. */
#include <stddef.h>
#include <string.h>

#include "dissector.h"
#include "strview.h"

extern const struct dissector dissector_mdns;
extern const struct dissector dissector_llmnr;
extern const struct dissector dissector_dns;
extern const struct dissector dissector_dns_tcp;
extern const struct dissector dissector_dhcp;
extern const struct dissector dissector_dhcp6;
extern const struct dissector dissector_nbns;
extern const struct dissector dissector_kerberos;
extern const struct dissector dissector_kerberos_tcp;
extern const struct dissector dissector_tls;
extern const struct dissector dissector_http1;

const struct dissector *const dissector_registry[] = {
	&dissector_mdns,
	&dissector_llmnr,
	&dissector_dns,
	&dissector_dns_tcp,
	&dissector_dhcp,
	&dissector_dhcp6,
	&dissector_nbns,
	&dissector_kerberos,
	&dissector_kerberos_tcp,
	&dissector_tls,
	&dissector_http1,
	NULL,
};

const struct dissector *dissector_find(const char *name)
{
	for (size_t i = 0; dissector_registry[i]; i++)
		if (strcmp(dissector_registry[i]->name, name) == 0)
			return dissector_registry[i];
	return NULL;
}

size_t observation_size(enum obs_type type)
{
	size_t base = offsetof(struct observation, u);
	switch (type) {
	case OBS_DNS: return base + sizeof(struct obs_dns);
	case OBS_TLS_CLIENT_HELLO: return base + sizeof(struct obs_tls_client_hello);
	case OBS_TLS_SERVER_HELLO: return base + sizeof(struct obs_tls_server_hello);
	case OBS_HTTP_REQUEST: return base + sizeof(struct obs_http_request);
	case OBS_HTTP_RESPONSE: return base + sizeof(struct obs_http_response);
	case OBS_ANOMALY: return base + sizeof(struct obs_anomaly);
	case OBS_RPC: return base + sizeof(struct obs_rpc);
	case OBS_AGENT_CARD: return base + sizeof(struct obs_agent_card);
	case OBS_OAUTH: return base + sizeof(struct obs_oauth);
	case OBS_DHCP: return base + sizeof(struct obs_dhcp);
	case OBS_HOST_NAME: return base + sizeof(struct obs_host_name);
	case OBS_KERBEROS: return base + sizeof(struct obs_kerberos);
	}
	return sizeof(struct observation);
}

void observation_init(struct observation *o, enum obs_type type)
{
	memset(o, 0, observation_size(type));
	o->type = type;
}

void dissect_emit(const struct dissect_ctx *ctx, const struct observation *obs)
{
	if (ctx && ctx->emit)
		ctx->emit(ctx->user, obs);
}

void dissect_anomaly(const struct dissect_ctx *ctx, const char *dissector, const char *reason)
{
	struct observation o;
	observation_init(&o, OBS_ANOMALY);
	sv_copy(o.u.anomaly.dissector, sizeof o.u.anomaly.dissector, sv_from_cstr(dissector));
	sv_copy(o.u.anomaly.reason, sizeof o.u.anomaly.reason, sv_from_cstr(reason));
	dissect_emit(ctx, &o);
}

void *dissect_stateless_new(void)
{
	static char none; /* never read or written: only its address is used */
	return &none;
}

void dissect_stateless_free(void *state) { (void)state; }

void dissect_gap_ignore(void *state, enum dissect_dir dir, size_t len)
{
	(void)state;
	(void)dir;
	(void)len;
}
