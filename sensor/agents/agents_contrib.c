/* agents_contrib.c — agent contributions for registry exporters.
 *
 * A registry (Redis) is fed by many sensors, so what it receives must merge
 * the same in any order and survive being sent twice. An agent record is
 * therefore sent as two kinds of contribution:
 *
 *   facts  — every field of the inventory record except counters, flattened
 *            to dotted paths with how each merges: "min" (first_seen), "max"
 *            (last_seen, numbers, booleans), "set" (scalars; the larger
 *            string wins), "union" (arrays of strings). Idempotent.
 *   flow   — the counters one flow added ("add"), with the flow's identity as
 *            "dedupe": a registry adds them once per flow, however many
 *            sensors saw that flow.
 *
 * Paths follow the inventory record; an element of an array of objects is
 * written `array[key].field`, the key being the element's identity
 * (destinations: service|endpoint|tls, credentials: fingerprint|where,
 * tools: name, linked agents: agent_id, oauth grants: issuer|client_id). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agents_internal.h"

/* Fields that only flow contributions carry. */
static const char *const counters[] = {"flows",	       "bytes",		"requests",
				       "input_tokens", "output_tokens", "calls"};

static bool is_counter(const char *key)
{
	for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++)
		if (!strcmp(key, counters[i]))
			return true;
	return false;
}

static const char *str_of(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* The identity of an element of an array of objects. */
static void element_key(const char *array, json_t *el, char *out, size_t n)
{
	const char *k1 = NULL, *k2 = NULL;
	if (!strcmp(array, "destinations")) {
		json_t *tls = json_object_get(el, "tls");
		snprintf(out, n, "%s|%s|%s", str_of(el, "service"), str_of(el, "endpoint"),
			 json_is_true(tls) ? "tls" : "clear");
		return;
	}
	if (!strcmp(array, "credentials")) {
		k1 = "fingerprint";
		k2 = "where";
	} else if (!strcmp(array, "oauth")) {
		k1 = "issuer";
		k2 = "client_id";
	} else if (json_object_get(el, "agent_id")) {
		k1 = "agent_id";
	} else if (json_object_get(el, "name")) {
		k1 = "name";
	}
	if (k1) {
		snprintf(out, n, "%s%s%s", str_of(el, k1), k2 ? "|" : "", k2 ? str_of(el, k2) : "");
		return;
	}
	char *dump = json_dumps(el, JSON_COMPACT | JSON_SORT_KEYS);
	snprintf(out, n, "%s", dump ? dump : "");
	free(dump);
}

struct flat {
	json_t *min, *max, *set, *uni;
};

static void flatten(struct flat *fl, const char *path, const char *key, json_t *v)
{
	char p[1024];
	if (json_is_object(v)) {
		const char *k;
		json_t *x;
		json_object_foreach(v, k, x)
		{
			snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", k);
			flatten(fl, p, k, x);
		}
		return;
	}
	if (json_is_array(v)) {
		size_t i;
		json_t *x;
		bool objects = json_array_size(v) && json_is_object(json_array_get(v, 0));
		if (!objects) {
			json_object_set(fl->uni, path, v);
			return;
		}
		json_array_foreach(v, i, x)
		{
			char ek[512];
			element_key(key, x, ek, sizeof ek);
			for (char *c = ek; *c; c++)
				if (*c == ']' || *c == '[')
					*c = '_';
			snprintf(p, sizeof p, "%s[%s]", path, ek);
			flatten(fl, p, "", x);
		}
		return;
	}
	if (json_is_null(v) || is_counter(key))
		return;
	if (!strcmp(key, "first_seen") || !strcmp(key, "first_flow"))
		json_object_set(fl->min, path, v);
	else if (json_is_string(v) && strcmp(key, "last_seen") != 0)
		json_object_set(fl->set, path, v);
	else
		json_object_set(fl->max, path, v);
}

static void send(struct agents *a, json_t *doc)
{
	char *s = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	if (s) {
		a->cfg.agent(a->cfg.agent_user, s, strlen(s));
		free(s);
	}
	json_decref(doc);
}

void ag_contrib_facts(struct agents *a, struct agent *ag)
{
	if (!a->cfg.agent)
		return;
	struct jw w;
	jw_init(&w, false);
	agent_json(ag, &w);
	json_t *rec = w.oom ? NULL : json_loadb(w.buf, w.len, 0, NULL);
	jw_free(&w);
	if (!rec)
		return;
	struct flat fl = {json_object(), json_object(), json_object(), json_object()};
	flatten(&fl, "", "", rec);
	json_decref(rec);
	json_t *doc = json_object();
	json_object_set_new(doc, "id", json_string(ag->id));
	json_object_set_new(doc, "host_key", json_string(ag->host_key));
	if (ag->host.owner[0])
		json_object_set_new(doc, "owner", json_string(ag->host.owner));
	json_object_set_new(doc, "min", fl.min);
	json_object_set_new(doc, "max", fl.max);
	json_object_set_new(doc, "set", fl.set);
	json_object_set_new(doc, "union", fl.uni);
	send(a, doc);
}

static void add(json_t *o, const char *path, uint64_t v)
{
	if (v)
		json_object_set_new(o, path, json_integer((json_int_t)v));
}

void ag_contrib_flow(struct agents *a, const struct aflow *f, const struct flow_touch *t, uint64_t last_us)
{
	if (!a->cfg.agent || !t->ag)
		return;
	const struct agent *ag = t->ag;
	char cli[48], srv[48], key[256], p[1024];
	ag_ip_str(f->ref.family, f->ref.cli_ip, cli, sizeof cli);
	ag_ip_str(f->ref.family, f->ref.srv_ip, srv, sizeof srv);
	snprintf(key, sizeof key, "%s|%s:%u>%s:%u|%llu", f->ref.l4proto == 6 ? "tcp" : "udp", cli,
		 f->ref.cli_port, srv, f->ref.srv_port, (unsigned long long)f->ref.start_us);
	json_t *addo = json_object();
	if (t->counted)
		add(addo, "evidence.flows", 1);
	if (t->dest) {
		char dk[AS_STR * 2];
		snprintf(dk, sizeof dk, "%s|%s|%s", t->dest->service, t->dest->endpoint,
			 t->dest->tls ? "tls" : "clear");
		for (char *c = dk; *c; c++)
			if (*c == ']' || *c == '[')
				*c = '_';
		snprintf(p, sizeof p, "destinations[%s].flows", dk);
		add(addo, p, t->dest_counted ? 1 : 0);
		snprintf(p, sizeof p, "destinations[%s].bytes", dk);
		add(addo, p, t->bytes);
		snprintf(p, sizeof p, "destinations[%s].requests", dk);
		add(addo, p, t->requests);
		snprintf(p, sizeof p, "destinations[%s].usage.input_tokens", dk);
		add(addo, p, t->input_tokens);
		snprintf(p, sizeof p, "destinations[%s].usage.output_tokens", dk);
		add(addo, p, t->output_tokens);
	} else if (!strcmp(ag->kind, "llm-server")) {
		add(addo, "server.requests", t->requests);
		add(addo, "server.usage.input_tokens", t->input_tokens);
		add(addo, "server.usage.output_tokens", t->output_tokens);
	}
	for (size_t i = 0; i < t->n_calls; i++) {
		snprintf(p, sizeof p, "mcp.tools_called[%s].calls", t->calls[i].name);
		add(addo, p, t->calls[i].calls);
	}
	json_t *doc = json_object();
	json_object_set_new(doc, "id", json_string(ag->id));
	json_object_set_new(doc, "host_key", json_string(ag->host_key));
	json_object_set_new(doc, "dedupe", json_string(key));
	json_object_set_new(doc, "add", addo);
	char t0[32], t1[32];
	as_format_time(f->ref.start_us, t0);
	as_format_time(last_us > f->ref.start_us ? last_us : f->ref.start_us, t1);
	json_object_set_new(doc, "min", json_pack("{ss}", "first_seen", t0));
	json_object_set_new(doc, "max", json_pack("{ss}", "last_seen", t1));
	send(a, doc);
}
