/* a2a.c — A2A (Agent2Agent protocol, v0.2 .. v1.0) agent card analyzer: the
 * JSON document an A2A server publishes at /.well-known/agent-card.json
 * (v0.3+) or /.well-known/agent.json (before v0.3), as a GET response body.
 * Emits OBS_AGENT_CARD with the agent's name, version, endpoint URL,
 * protocol version, streaming / push capabilities, security scheme types
 * and skills. */
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "json_util.h"
#include "limits.h"

#define A2A "a2a"
#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const json_t *get(const json_t *o, const char *key)
{
	return json_is_object(o) ? json_object_get(o, key) : NULL;
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* v1.0 writes a scheme as a one-member object naming its type. */
static const struct {
	const char *member;
	const char *type;
} v1_schemes[] = {
    {"apiKeySecurityScheme", "apiKey"},	 {"httpAuthSecurityScheme", "http"},
    {"oauth2SecurityScheme", "oauth2"},	 {"openIdConnectSecurityScheme", "openIdConnect"},
    {"mtlsSecurityScheme", "mutualTLS"},
};

/* Types of the card's securitySchemes, sorted, unique, comma-joined. */
static void security_types(char *dst, size_t dstsz, const json_t *schemes)
{
	const char *types[AS_RPC_MAX_NAMES];
	size_t n = 0;
	const char *k;
	json_t *s;
	dst[0] = '\0';
	if (!json_is_object(schemes))
		return;
	json_object_foreach((json_t *)schemes, k, s)
	{
		const json_t *t = get(s, "type");
		const char *type = json_is_string(t) ? json_string_value(t) : NULL;
		for (size_t i = 0; !type && i < N_ELEMS(v1_schemes); i++)
			if (get(s, v1_schemes[i].member))
				type = v1_schemes[i].type;
		if (type && *type && n < AS_RPC_MAX_NAMES)
			types[n++] = type;
	}
	qsort(types, n, sizeof types[0], cmp_cstr);
	size_t pos = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && strcmp(types[i], types[i - 1]) == 0)
			continue;
		struct sv t = sv_from_cstr(types[i]);
		if (pos + (pos ? 1 : 0) + t.len + 1 > dstsz)
			break; /* whole names only */
		if (pos)
			dst[pos++] = ',';
		sv_copy(dst + pos, dstsz - pos, t);
		pos += t.len;
	}
}

static bool card_path(struct sv path)
{
	return sv_ends_with(path, SV_LIT("/.well-known/agent-card.json")) ||
	       sv_ends_with(path, SV_LIT("/.well-known/agent.json"));
}

bool a2a_card_analyze(const struct http_view *v, const json_t *root, const struct dissect_ctx *ctx)
{
	if (!v || v->request || v->status < 200 || v->status > 299 || !sv_eq(v->method, SV_LIT("GET")) ||
	    !card_path(v->path) || !json_is_object(root))
		return false;
	const json_t *skills = get(root, "skills");
	if (!json_is_string(get(root, "name")) ||
	    !(json_is_array(skills) || json_is_string(get(root, "url")) ||
	      json_is_object(get(root, "capabilities")) || json_is_array(get(root, "supportedInterfaces"))))
		return false;
	struct observation obs;
	observation_init(&obs, OBS_AGENT_CARD);
	struct obs_agent_card *c = &obs.u.card;
	http_view_origin(v, &c->http);
	json_util_copy_string(c->name, sizeof c->name, get(root, "name"));
	json_util_copy_string(c->version, sizeof c->version, get(root, "version"));
	/* v1.0 lists its endpoints in supportedInterfaces[] */
	const json_t *iface = json_array_get(get(root, "supportedInterfaces"), 0);
	if (!json_util_copy_string(c->url, sizeof c->url, get(root, "url")))
		json_util_copy_string(c->url, sizeof c->url, get(iface, "url"));
	if (!json_util_copy_string(c->protocol_version, sizeof c->protocol_version,
				   get(root, "protocolVersion")))
		json_util_copy_string(c->protocol_version, sizeof c->protocol_version,
				      get(iface, "protocolVersion"));
	const json_t *caps = get(root, "capabilities");
	c->streaming = json_is_true(get(caps, "streaming"));
	c->push_notifications = json_is_true(get(caps, "pushNotifications"));
	security_types(c->security, sizeof c->security, get(root, "securitySchemes"));
	bool over = false;
	size_t i;
	const json_t *sk;
	json_array_foreach(skills, i, sk)
	{
		if (c->n_items_total < UINT16_MAX)
			c->n_items_total++;
		if (c->n_items >= AS_OBS_MAX_ITEMS) {
			over = true;
			continue;
		}
		const json_t *id = get(sk, "id");
		struct obs_rpc_item *it = &c->items[c->n_items++];
		if (!json_util_copy_string(it->name, sizeof it->name, id))
			json_util_copy_string(it->name, sizeof it->name, get(sk, "name"));
	}
	if (over)
		dissect_anomaly(ctx, A2A, "items_over_cap");
	dissect_emit(ctx, &obs);
	return true;
}

static void a2a_observe(const struct http_view *v, const struct dissect_ctx *ctx)
{
	if (!v->request && card_path(v->path))
		(void)a2a_card_analyze(v, http_view_json(v), ctx);
}

const struct analyzer analyzer_a2a_card = {
	.name = "a2a-card",
	.observe = a2a_observe,
};
