/* dissect.c — what every dissector shares: observation sizes, emitting
 * with the layer's protection, anomalies, fingerprints, and the calls that
 * reach the layer above through the flow's stack. */
#include <stddef.h>
#include <string.h>

#include "dissector.h"
#include "fingerprint.h"
#include "strview.h"

size_t observation_size(enum obs_type type)
{
	size_t base = offsetof(struct observation, u);
	switch (type) {
	case OBS_DNS:
		return base + sizeof(struct obs_dns);
	case OBS_TLS_CLIENT_HELLO:
		return base + sizeof(struct obs_tls_client_hello);
	case OBS_TLS_SERVER_HELLO:
		return base + sizeof(struct obs_tls_server_hello);
	case OBS_HTTP_REQUEST:
		return base + offsetof(struct obs_http_exchange, resp);
	case OBS_HTTP_EXCHANGE:
		return base + sizeof(struct obs_http_exchange);
	case OBS_ANOMALY:
		return base + sizeof(struct obs_anomaly);
	case OBS_RPC:
		return base + sizeof(struct obs_rpc);
	case OBS_AGENT_CARD:
		return base + sizeof(struct obs_agent_card);
	case OBS_OAUTH:
		return base + sizeof(struct obs_oauth);
	case OBS_DHCP:
		return base + sizeof(struct obs_dhcp);
	case OBS_HOST_NAME:
		return base + sizeof(struct obs_host_name);
	case OBS_KERBEROS:
		return base + sizeof(struct obs_kerberos);
	case OBS_TLS_STREAM:
		return base + sizeof(struct obs_tls_stream);
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
	if (!ctx || !ctx->emit)
		return;
	if (obs->protected_bytes == ctx->protected_bytes) {
		ctx->emit(ctx->user, obs);
		return;
	}
	/* The stack decides protection, not the dissector: stamp a copy. */
	struct observation o;
	memcpy(&o, obs, observation_size(obs->type));
	o.protected_bytes = ctx->protected_bytes;
	ctx->emit(ctx->user, &o);
}

void dissect_anomaly(const struct dissect_ctx *ctx, const char *dissector, const char *reason)
{
	struct observation o;
	observation_init(&o, OBS_ANOMALY);
	sv_copy(o.u.anomaly.dissector, sizeof o.u.anomaly.dissector, sv_from_cstr(dissector));
	sv_copy(o.u.anomaly.reason, sizeof o.u.anomaly.reason, sv_from_cstr(reason));
	dissect_emit(ctx, &o);
}

void dissect_fingerprint(const struct dissect_ctx *ctx, const void *secret, size_t len,
			 char out[AS_FP_HEX + 1])
{
	const struct dissect_env *env = ctx ? ctx->env : NULL;
	as_fingerprint(env ? env->salt : NULL, env ? env->salt_len : 0, secret, len, out);
}

int dissect_credential_add(const struct dissect_ctx *ctx, struct obs_credential *list, uint8_t *n, size_t cap,
			   enum cred_where where, enum cred_type type, const void *secret, size_t len)
{
	struct obs_credential c;
	if (len == 0)
		return AS_OK;
	memset(&c, 0, sizeof c);
	c.where = (uint8_t)where;
	c.type = (uint8_t)type;
	dissect_fingerprint(ctx, secret, len, c.fingerprint);
	for (unsigned i = 0; i < *n; i++)
		if (memcmp(&list[i], &c, sizeof c) == 0)
			return AS_OK;
	if (*n >= cap)
		return AS_ERR_LIMIT;
	list[(*n)++] = c;
	return AS_OK;
}

/* ---- the layer above ---- */

int dissect_open_above(const struct dissect_ctx *ctx, const struct dissector *d, const struct layer_open *o)
{
	if (!ctx || !ctx->stack_ops)
		return AS_ERR_UNSUPPORTED;
	return ctx->stack_ops->open(ctx->stack, ctx->depth, d, o);
}

bool dissect_above_is_open(const struct dissect_ctx *ctx)
{
	return ctx && ctx->stack_ops && ctx->stack_ops->is_open(ctx->stack, ctx->depth);
}

void dissect_feed_above(const struct dissect_ctx *ctx, enum dissect_dir dir, const uint8_t *data, size_t len)
{
	if (ctx && ctx->stack_ops)
		ctx->stack_ops->feed(ctx->stack, ctx->depth, dir, data, len);
}

void dissect_gap_above(const struct dissect_ctx *ctx, enum dissect_dir dir, size_t len)
{
	if (ctx && ctx->stack_ops)
		ctx->stack_ops->gap(ctx->stack, ctx->depth, dir, len);
}

struct layer_open layer_open_above(const struct layer_open *below)
{
	struct layer_open o = *below;
	o.alpn[0] = '\0';
	o.http = NULL;
	return o;
}

/* ---- datagram dissectors ---- */

void *dissect_stateless_new(const struct layer_open *o)
{
	static char none; /* never read or written: only its address is used */
	(void)o;
	return &none;
}

void dissect_stateless_free(void *state)
{
	(void)state;
}

void dissect_gap_ignore(void *state, enum dissect_dir dir, size_t len, const struct dissect_ctx *ctx)
{
	(void)state;
	(void)dir;
	(void)len;
	(void)ctx;
}
