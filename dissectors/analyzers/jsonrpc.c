/* jsonrpc.c — JSON-RPC 2.0 analyzer (jsonrpc.org/specification) for
 * messages carried in HTTP bodies, SSE events and WebSocket text messages.
 * Tells MCP (Model Context Protocol, revisions 2024-11-05, 2025-03-26,
 * 2025-06-18, 2025-11-25, 2026-07-28) and A2A (Agent2Agent v0.2/v0.3
 * slash-style methods and v1.0 PascalCase methods) from other JSON-RPC by
 * content only — method names, parameter and result shapes, the
 * io.modelcontextprotocol/ _meta envelope, MCP HTTP headers — never by port
 * or path, and emits one OBS_RPC per message. A 2026-07-28 request whose
 * body is not seen is still read from its Mcp-Method / Mcp-Name headers.
 *
 * What is copied: ids, method names, client/server names and versions,
 * capability and argument NAMES (sorted, comma-joined), tool/prompt names,
 * resource URIs, tool annotations, error codes and messages. Argument values,
 * tool results and message contents are never copied. */
#include "analyzer.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_util.h"
#include "limits.h"

#define JR "jsonrpc"
#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- small helpers ---- */

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted, de-duplicated, comma-joined list of names (at most AS_RPC_MAX_NAMES). */
struct names {
	const char *v[AS_RPC_MAX_NAMES];
	size_t n;
};

static void names_add(struct names *ns, const char *s)
{
	if (s && *s && ns->n < AS_RPC_MAX_NAMES)
		ns->v[ns->n++] = s;
}

static void names_join(struct names *ns, char *dst, size_t dstsz)
{
	size_t pos = 0;
	qsort(ns->v, ns->n, sizeof ns->v[0], cmp_cstr);
	dst[0] = '\0';
	for (size_t i = 0; i < ns->n; i++) {
		if (i && strcmp(ns->v[i], ns->v[i - 1]) == 0)
			continue;
		if (pos)
			sv_append(dst, dstsz, &pos, SV_LIT(","));
		sv_append(dst, dstsz, &pos, sv_from_cstr(ns->v[i]));
	}
}

/* The keys of an object, sorted and comma-joined. */
static void join_keys(char *dst, size_t dstsz, const json_t *obj)
{
	struct names ns = {.n = 0};
	const char *k;
	json_t *val;
	if (!json_is_object(obj))
		return;
	json_object_foreach((json_t *)obj, k, val) names_add(&ns, k);
	names_join(&ns, dst, dstsz);
}

static const json_t *get(const json_t *o, const char *key)
{
	return json_is_object(o) ? json_object_get(o, key) : NULL;
}

static bool has_string(const json_t *o, const char *key)
{
	return json_is_string(get(o, key));
}
static bool has_object(const json_t *o, const char *key)
{
	return json_is_object(get(o, key));
}
static bool has_array(const json_t *o, const char *key)
{
	return json_is_array(get(o, key));
}

static bool str_is(const json_t *v, const char *s)
{
	return json_is_string(v) && sv_eq(json_util_sv(v), sv_from_cstr(s));
}

static void set_cstr(char *dst, size_t dstsz, const char *s)
{
	sv_copy(dst, dstsz, sv_from_cstr(s));
}

/* JSON-RPC id: a string as is, a number in decimal, null as "null". */
static void render_id(char *dst, size_t dstsz, const json_t *id)
{
	if (json_is_string(id))
		json_util_copy_string(dst, dstsz, id);
	else if (json_is_integer(id))
		snprintf(dst, dstsz, "%" PRId64, (int64_t)json_integer_value(id));
	else if (json_is_real(id))
		snprintf(dst, dstsz, "%.17g", json_real_value(id));
	else if (json_is_null(id))
		set_cstr(dst, dstsz, "null");
}

/* ---- items (tools, resources, prompts, roots) ---- */

static void add_item(struct obs_rpc *r, struct sv name, uint8_t hints_set, uint8_t hints, bool *over)
{
	if (r->n_items_total < UINT16_MAX)
		r->n_items_total++;
	if (r->n_items >= AS_OBS_MAX_ITEMS) {
		*over = true;
		return;
	}
	struct obs_rpc_item *it = &r->items[r->n_items++];
	sv_copy(it->name, sizeof it->name, name);
	it->hints_set = hints_set;
	it->hints = hints;
}

static void tool_hints(const json_t *ann, uint8_t *set, uint8_t *val)
{
	static const struct {
		const char *key;
		uint8_t bit;
	} hints[] = {
	    {"readOnlyHint", RPC_HINT_READ_ONLY},
	    {"destructiveHint", RPC_HINT_DESTRUCTIVE},
	    {"idempotentHint", RPC_HINT_IDEMPOTENT},
	    {"openWorldHint", RPC_HINT_OPEN_WORLD},
	};
	*set = *val = 0;
	for (size_t i = 0; i < N_ELEMS(hints); i++) {
		const json_t *h = get(ann, hints[i].key);
		if (!json_is_boolean(h))
			continue;
		*set |= hints[i].bit;
		if (json_is_true(h))
			*val |= hints[i].bit;
	}
}

/* Items of a list result: the `key` member of each element of array `arr`. */
static void list_items(struct obs_rpc *r, const json_t *arr, const char *key, uint8_t list,
		       const struct dissect_ctx *ctx)
{
	bool over = false;
	size_t i;
	const json_t *el;
	r->list = list;
	json_array_foreach((json_t *)arr, i, el)
	{
		uint8_t set = 0, val = 0;
		if (list == RPC_LIST_TOOLS)
			tool_hints(get(el, "annotations"), &set, &val);
		add_item(r, json_util_sv(get(el, key)), set, val, &over);
	}
	if (over)
		dissect_anomaly(ctx, JR, "items_over_cap");
}

/* ---- the MCP 2026-07-28 _meta envelope ---- */

#define MCP_META "io.modelcontextprotocol/"

/* A name and version object (clientInfo, serverInfo) into the peer fields. */
static void peer_info(struct obs_rpc *r, const json_t *info)
{
	json_util_copy_string(r->peer_name, sizeof r->peer_name, get(info, "name"));
	json_util_copy_string(r->peer_version, sizeof r->peer_version, get(info, "version"));
}

/* A request's or notification's params._meta: the revision, the client's
 * name and capabilities, repeated on every message (there is no
 * initialize). True when the envelope is there: the message is MCP. */
static bool request_meta(struct obs_rpc *r, const json_t *params)
{
	const json_t *meta = get(params, "_meta");
	const json_t *pv = get(meta, MCP_META "protocolVersion");
	const json_t *ci = get(meta, MCP_META "clientInfo");
	const json_t *caps = get(meta, MCP_META "clientCapabilities");
	if (!json_is_string(pv) && !json_is_object(ci))
		return false;
	if (!r->protocol_version[0])
		json_util_copy_string(r->protocol_version, sizeof r->protocol_version, pv);
	if (!r->peer_name[0])
		peer_info(r, ci);
	if (!r->capabilities[0])
		join_keys(r->capabilities, sizeof r->capabilities, caps);
	return true;
}

/* ---- requests and notifications: method table ---- */

typedef void (*extract_fn)(struct obs_rpc *r, const json_t *params, const struct dissect_ctx *ctx);

static void ex_initialize(struct obs_rpc *r, const json_t *p, const struct dissect_ctx *ctx)
{
	(void)ctx;
	json_util_copy_string(r->protocol_version, sizeof r->protocol_version, get(p, "protocolVersion"));
	peer_info(r, get(p, "clientInfo"));
	join_keys(r->capabilities, sizeof r->capabilities, get(p, "capabilities"));
}

/* tools/call, prompts/get. From 2026-07-28 a call the server answered with
 * input_required comes again with the answers (inputResponses). */
static void ex_name_args(struct obs_rpc *r, const json_t *p, const struct dissect_ctx *ctx)
{
	(void)ctx;
	json_util_copy_string(r->target, sizeof r->target, get(p, "name"));
	join_keys(r->arg_names, sizeof r->arg_names, get(p, "arguments"));
	r->input_response = get(p, "inputResponses") != NULL;
}

/* subscriptions/listen: what the client asks to be told of (the names of
 * its notification filters: toolsListChanged, resourceSubscriptions ...). */
static void ex_listen(struct obs_rpc *r, const json_t *p, const struct dissect_ctx *ctx)
{
	(void)ctx;
	join_keys(r->arg_names, sizeof r->arg_names, get(p, "notifications"));
}

static void ex_uri(struct obs_rpc *r, const json_t *p, const struct dissect_ctx *ctx)
{
	(void)ctx;
	json_util_copy_string(r->target, sizeof r->target, get(p, "uri"));
}

static void ex_complete(struct obs_rpc *r, const json_t *p, const struct dissect_ctx *ctx)
{
	(void)ctx;
	const json_t *ref = get(p, "ref");
	if (!json_util_copy_string(r->target, sizeof r->target, get(ref, "name")))
		json_util_copy_string(r->target, sizeof r->target, get(ref, "uri"));
	json_util_copy_string(r->arg_names, sizeof r->arg_names, get(get(p, "argument"), "name"));
}

static void ex_set_level(struct obs_rpc *r, const json_t *p, const struct dissect_ctx *ctx)
{
	(void)ctx;
	json_util_copy_string(r->target, sizeof r->target, get(p, "level"));
}

/* elicitation/create: the names of the fields the server asks the user for. */
static void ex_elicit(struct obs_rpc *r, const json_t *p, const struct dissect_ctx *ctx)
{
	(void)ctx;
	json_util_copy_string(r->target, sizeof r->target, get(p, "mode"));
	join_keys(r->arg_names, sizeof r->arg_names, get(get(p, "requestedSchema"), "properties"));
}

/* sampling/createMessage: the first model hint the server gives. */
static void ex_sampling(struct obs_rpc *r, const json_t *p, const struct dissect_ctx *ctx)
{
	(void)ctx;
	const json_t *hints = get(get(p, "modelPreferences"), "hints");
	if (json_is_array(hints))
		json_util_copy_string(r->target, sizeof r->target, get(json_array_get(hints, 0), "name"));
}

static void ex_task_id(struct obs_rpc *r, const json_t *p, const struct dissect_ctx *ctx)
{
	(void)ctx;
	if (!json_util_copy_string(r->target, sizeof r->target, get(p, "taskId")))
		json_util_copy_string(r->target, sizeof r->target, get(p, "id"));
}

static const char *const v1_part_kinds[] = {"text", "file", "data"};

/* A2A message/send and friends: the kinds of the message parts as
 * arg_names (text, file, data), the task it continues as target. */
static void ex_a2a_message(struct obs_rpc *r, const json_t *p, const struct dissect_ctx *ctx)
{
	(void)ctx;
	const json_t *msg = get(p, "message");
	struct names ns = {.n = 0};
	size_t i;
	const json_t *part;
	if (!json_util_copy_string(r->target, sizeof r->target, get(msg, "taskId")))
		json_util_copy_string(r->target, sizeof r->target, get(p, "id")); /* tasks/send */
	json_array_foreach(get(msg, "parts"), i, part)
	{
		const json_t *k = get(part, "kind");
		if (!json_is_string(k))
			k = get(part, "type"); /* A2A before v0.3 */
		if (json_is_string(k))
			names_add(&ns, json_string_value(k));
		else /* v1.0: the part is {"text": ...} / {"file": ...} / {"data": ...} */
			for (size_t w = 0; w < N_ELEMS(v1_part_kinds); w++)
				if (get(part, v1_part_kinds[w]))
					names_add(&ns, v1_part_kinds[w]);
	}
	names_join(&ns, r->arg_names, sizeof r->arg_names);
}

enum proto_rule {
	R_MCP,	      /* an MCP method */
	R_A2A,	      /* an A2A method */
	R_INIT,	      /* initialize: MCP when params.protocolVersion is a string (LSP has none) */
	R_PING,	      /* ping: MCP only with MCP headers */
	R_TASKS,      /* MCP (params.taskId) or A2A (params.id) */
	R_TASKS_LIST, /* tasks/list: MCP with params.cursor, A2A with its filters */
};

static const struct method_rule {
	const char *name;
	uint8_t rule;
	extract_fn extract;
} method_rules[] = {
    /* MCP: lifecycle and utilities */
    {"initialize", R_INIT, ex_initialize},
    {"server/discover", R_MCP, NULL}, /* 2026-07-28: the client reads its name from _meta */
    {"subscriptions/listen", R_MCP, ex_listen},
    {"ping", R_PING, NULL},
    {"logging/setLevel", R_MCP, ex_set_level},
    {"completion/complete", R_MCP, ex_complete},
    /* MCP: server features */
    {"tools/list", R_MCP, NULL},
    {"tools/call", R_MCP, ex_name_args},
    {"resources/list", R_MCP, NULL},
    {"resources/templates/list", R_MCP, NULL},
    {"resources/read", R_MCP, ex_uri},
    {"resources/subscribe", R_MCP, ex_uri},
    {"resources/unsubscribe", R_MCP, ex_uri},
    {"prompts/list", R_MCP, NULL},
    {"prompts/get", R_MCP, ex_name_args},
    /* MCP: client features (server -> client requests) */
    {"sampling/createMessage", R_MCP, ex_sampling},
    {"elicitation/create", R_MCP, ex_elicit},
    {"roots/list", R_MCP, NULL},
    /* MCP: notifications */
    {"notifications/initialized", R_MCP, NULL},
    {"notifications/cancelled", R_MCP, NULL},
    {"notifications/progress", R_MCP, NULL},
    {"notifications/message", R_MCP, NULL},
    {"notifications/resources/updated", R_MCP, ex_uri},
    {"notifications/resources/list_changed", R_MCP, NULL},
    {"notifications/tools/list_changed", R_MCP, NULL},
    {"notifications/prompts/list_changed", R_MCP, NULL},
    {"notifications/roots/list_changed", R_MCP, NULL},
    {"notifications/elicitation/complete", R_MCP, NULL},
    {"notifications/tasks/status", R_MCP, ex_task_id},
    {"notifications/subscriptions/acknowledged", R_MCP, NULL},
    /* MCP 2026-07-28 tasks extension (io.modelcontextprotocol/tasks) */
    {"tasks/update", R_MCP, ex_task_id},
    {"notifications/tasks", R_MCP, ex_task_id},
    /* MCP 2025-11-25 tasks, shared names with A2A */
    {"tasks/get", R_TASKS, ex_task_id},
    {"tasks/cancel", R_TASKS, ex_task_id},
    {"tasks/result", R_MCP, ex_task_id},
    {"tasks/list", R_TASKS_LIST, NULL},
    /* A2A v0.2 / v0.3 */
    {"message/send", R_A2A, ex_a2a_message},
    {"message/stream", R_A2A, ex_a2a_message},
    {"tasks/resubscribe", R_A2A, ex_task_id},
    {"tasks/pushNotificationConfig/set", R_A2A, ex_task_id},
    {"tasks/pushNotificationConfig/get", R_A2A, ex_task_id},
    {"tasks/pushNotificationConfig/list", R_A2A, ex_task_id},
    {"tasks/pushNotificationConfig/delete", R_A2A, ex_task_id},
    {"agent/getAuthenticatedExtendedCard", R_A2A, NULL},
    /* A2A before v0.2 */
    {"tasks/send", R_A2A, ex_a2a_message},
    {"tasks/sendSubscribe", R_A2A, ex_a2a_message},
    {"tasks/pushNotification/set", R_A2A, ex_task_id},
    {"tasks/pushNotification/get", R_A2A, ex_task_id},
    /* A2A v1.0 */
    {"SendMessage", R_A2A, ex_a2a_message},
    {"SendStreamingMessage", R_A2A, ex_a2a_message},
    {"GetTask", R_A2A, ex_task_id},
    {"ListTasks", R_A2A, NULL},
    {"CancelTask", R_A2A, ex_task_id},
    {"SubscribeToTask", R_A2A, ex_task_id},
    {"GetExtendedAgentCard", R_A2A, NULL},
    {"CreateTaskPushNotificationConfig", R_A2A, ex_task_id},
    {"GetTaskPushNotificationConfig", R_A2A, ex_task_id},
    {"ListTaskPushNotificationConfigs", R_A2A, ex_task_id},
    {"DeleteTaskPushNotificationConfig", R_A2A, ex_task_id},
};

static uint8_t rule_protocol(uint8_t rule, const json_t *params)
{
	switch (rule) {
	case R_MCP:
		return RPC_PROTO_MCP;
	case R_A2A:
		return RPC_PROTO_A2A;
	case R_INIT:
		return has_string(params, "protocolVersion") ? RPC_PROTO_MCP : RPC_PROTO_OTHER;
	case R_TASKS:
		if (get(params, "taskId"))
			return RPC_PROTO_MCP;
		return get(params, "id") ? RPC_PROTO_A2A : RPC_PROTO_OTHER;
	case R_TASKS_LIST:
		if (get(params, "cursor"))
			return RPC_PROTO_MCP;
		if (get(params, "contextId") || get(params, "pageSize") || get(params, "pageToken") ||
		    get(params, "status"))
			return RPC_PROTO_A2A;
		return RPC_PROTO_OTHER;
	default:
		return RPC_PROTO_OTHER;
	}
}

static void classify_call(struct obs_rpc *r, const json_t *method, const json_t *params,
			  const struct dissect_ctx *ctx)
{
	json_util_copy_string(r->method, sizeof r->method, method);
	struct sv m = json_util_sv(method);
	bool enveloped = false;
	for (size_t i = 0; i < N_ELEMS(method_rules); i++) {
		if (!sv_eq(m, sv_from_cstr(method_rules[i].name)))
			continue;
		r->protocol = rule_protocol(method_rules[i].rule, params);
		if (r->protocol != RPC_PROTO_OTHER && method_rules[i].extract)
			method_rules[i].extract(r, params, ctx);
		break;
	}
	if (r->protocol != RPC_PROTO_A2A)
		enveloped = request_meta(r, params);
	/* an extension's method (skills/..., a tasks/... yet to come) */
	if (enveloped && r->protocol == RPC_PROTO_OTHER)
		r->protocol = RPC_PROTO_MCP;
}

/* ---- results: the method a result's shape answers ---- */

/* Methods whose Mcp-Name header names their target (2026-07-28). */
static bool named_by_header(const char *method)
{
	return !strcmp(method, "tools/call") || !strcmp(method, "resources/read") ||
	       !strcmp(method, "prompts/get");
}

static void res_initialize(struct obs_rpc *r, const json_t *res)
{
	json_util_copy_string(r->protocol_version, sizeof r->protocol_version, get(res, "protocolVersion"));
	peer_info(r, get(res, "serverInfo"));
	join_keys(r->capabilities, sizeof r->capabilities, get(res, "capabilities"));
}

/* server/discover (2026-07-28): the versions the server speaks and its
 * capabilities; its name is in _meta, as on every result. */
static void res_discover(struct obs_rpc *r, const json_t *res)
{
	struct names ns = {.n = 0};
	size_t i;
	const json_t *v;
	json_array_foreach(get(res, "supportedVersions"), i, v) names_add(&ns, json_string_value(v));
	names_join(&ns, r->versions, sizeof r->versions);
	join_keys(r->capabilities, sizeof r->capabilities, get(res, "capabilities"));
}

/* resultType input_required (2026-07-28): the server asks the client for
 * something (elicitation, sampling, roots) inside the result instead of
 * sending it a request; the methods of its inputRequests. */
static void res_input_required(struct obs_rpc *r, const json_t *res)
{
	struct names ns = {.n = 0};
	const char *k;
	json_t *req;
	r->input_required = true;
	json_object_foreach((json_t *)get(res, "inputRequests"), k, req)
	    names_add(&ns, json_string_value(get(req, "method")));
	names_join(&ns, r->input_requests, sizeof r->input_requests);
}

static bool a2a_kind(const json_t *k)
{
	return str_is(k, "task") || str_is(k, "message") || str_is(k, "status-update") ||
	       str_is(k, "artifact-update");
}

/* The method a result answers, by its shape; v: the request's Mcp-Method
 * and Mcp-Name (2026-07-28), for a shape that does not say (NULL: none). */
static void classify_result(struct obs_rpc *r, const json_t *res, const struct http_view *v,
			    const struct dissect_ctx *ctx)
{
	struct sv header = v ? v->mcp_method : sv_make("", 0);
	uint8_t mcp = RPC_PROTO_MCP;
	const char *m = NULL;
	if (!json_is_object(res))
		return;
	const json_t *si = get(get(res, "_meta"), MCP_META "serverInfo");
	if (json_is_object(si))
		peer_info(r, si);
	const json_t *type = get(res, "resultType");
	if (str_is(type, "input_required")) {
		m = "";
		res_input_required(r, res);
	} else if (str_is(type, "task")) {
		m = ""; /* the tasks extension: a task handle instead of the result */
		if (!json_util_copy_string(r->target, sizeof r->target, get(res, "taskId")))
			json_util_copy_string(r->target, sizeof r->target, get(get(res, "task"), "taskId"));
	} else if (has_array(res, "supportedVersions")) {
		m = "server/discover";
		res_discover(r, res);
	} else if (has_string(res, "protocolVersion") &&
		   (has_object(res, "serverInfo") || has_object(res, "capabilities"))) {
		m = "initialize";
		res_initialize(r, res);
	} else if (has_array(res, "tools")) {
		m = "tools/list";
		list_items(r, get(res, "tools"), "name", RPC_LIST_TOOLS, ctx);
	} else if (has_array(res, "resourceTemplates")) {
		m = "resources/templates/list";
		list_items(r, get(res, "resourceTemplates"), "uriTemplate", RPC_LIST_RESOURCES, ctx);
	} else if (has_array(res, "resources")) {
		m = "resources/list";
		list_items(r, get(res, "resources"), "uri", RPC_LIST_RESOURCES, ctx);
	} else if (has_array(res, "prompts")) {
		m = "prompts/list";
		list_items(r, get(res, "prompts"), "name", RPC_LIST_PROMPTS, ctx);
	} else if (has_array(res, "roots")) {
		m = "roots/list";
		list_items(r, get(res, "roots"), "uri", RPC_LIST_ROOTS, ctx);
	} else if (has_array(res, "contents")) {
		m = "resources/read";
		json_util_copy_string(r->target, sizeof r->target,
				      get(json_array_get(get(res, "contents"), 0), "uri"));
	} else if (has_object(res, "completion")) {
		m = "completion/complete";
	} else if (has_string(res, "model") && has_string(res, "role") && get(res, "content")) {
		m = "sampling/createMessage";
		json_util_copy_string(r->target, sizeof r->target, get(res, "model"));
	} else if (str_is(get(res, "action"), "accept") || str_is(get(res, "action"), "decline") ||
		   str_is(get(res, "action"), "cancel")) {
		m = "elicitation/create";
		json_util_copy_string(r->target, sizeof r->target, get(res, "action"));
	} else if (has_array(res, "content")) {
		m = "tools/call";
		r->is_error = json_is_true(get(res, "isError"));
	} else if (has_array(res, "messages")) {
		m = "prompts/get";
	} else if (has_string(get(res, "task"), "taskId")) {
		m = ""; /* MCP CreateTaskResult: a task-augmented request was accepted */
		json_util_copy_string(r->target, sizeof r->target, get(get(res, "task"), "taskId"));
	} else if (has_string(res, "taskId") && has_string(res, "status")) {
		m = "tasks/get";
		json_util_copy_string(r->target, sizeof r->target, get(res, "taskId"));
	} else {
		mcp = RPC_PROTO_A2A;
		const json_t *kind = get(res, "kind");
		const json_t *task = has_object(res, "task") ? get(res, "task") : res;
		if (a2a_kind(kind)) {
			m = (str_is(kind, "status-update") || str_is(kind, "artifact-update"))
				? "message/stream"
				: "";
			if (!json_util_copy_string(r->target, sizeof r->target, get(res, "taskId")) &&
			    str_is(kind, "task"))
				json_util_copy_string(r->target, sizeof r->target, get(res, "id"));
		} else if (has_string(task, "id") && has_string(get(task, "status"), "state")) {
			m = ""; /* a Task: v1.0 {"task": ...} or before v0.2 (no kind) */
			json_util_copy_string(r->target, sizeof r->target, get(task, "id"));
		} else if (has_object(res, "message") && has_array(get(res, "message"), "parts")) {
			m = ""; /* v1.0 {"message": ...} */
		} else if (has_object(res, "statusUpdate") || has_object(res, "artifactUpdate")) {
			m = "SendStreamingMessage";
		} else if (has_object(res, "pushNotificationConfig")) {
			m = "";
			json_util_copy_string(r->target, sizeof r->target, get(res, "taskId"));
		}
	}
	if (m && !*m && header.len) {
		sv_copy(r->method, sizeof r->method, header);
		if (!r->target[0] && named_by_header(r->method))
			sv_copy(r->target, sizeof r->target, v->mcp_name);
	} else if (m)
		set_cstr(r->method, sizeof r->method, m);
	else if (header.len || json_is_object(si)) {
		mcp = RPC_PROTO_MCP; /* a 2026-07-28 result of a shape not listed above */
		sv_copy(r->method, sizeof r->method, header);
		m = "";
	}
	if (m)
		r->protocol = mcp;
}

/* ---- HTTP context ---- */

/* Value of a query parameter (first match, any of the names). */
static struct sv query_param(struct sv q, const char *const *names, size_t n)
{
	while (q.len) {
		struct sv value = sv_split(&q, '&');
		struct sv name = sv_split(&value, '=');
		for (size_t i = 0; i < n; i++)
			if (sv_eq(name, sv_from_cstr(names[i])))
				return value;
	}
	return sv_make("", 0);
}

static const char *const session_params[] = {"sessionId", "session_id"};

static void fill_http(struct obs_rpc *r, const struct http_view *v)
{
	r->transport = v->carrier ? v->carrier : RPC_HTTP_BODY;
	r->to_server = v->request;
	http_view_origin(v, &r->http);
	struct sv sid = v->mcp_session_id;
	if (!sid.len)
		sid = query_param(v->query, session_params, N_ELEMS(session_params));
	sv_copy(r->session_id, sizeof r->session_id, sid);
	sv_copy(r->protocol_header, sizeof r->protocol_header, v->mcp_protocol_version);
	sv_copy(r->a2a_version, sizeof r->a2a_version, v->a2a_version);
	sv_copy(r->a2a_extensions, sizeof r->a2a_extensions, v->a2a_extensions);
}

static bool mcp_headers(const struct http_view *v)
{
	return v->mcp_session_id.len || v->mcp_protocol_version.len || v->mcp_method.len;
}

/* A request's Mcp-Method and Mcp-Name must say what its body says (a server
 * refuses one that does not): a difference is counted, the body wins. */
static void check_headers(const struct http_view *v, const struct obs_rpc *r, const struct dissect_ctx *ctx)
{
	if (!v->request || r->kind != RPC_REQUEST || !v->mcp_method.len)
		return;
	if (!sv_eq(v->mcp_method, sv_from_cstr(r->method)))
		dissect_anomaly(ctx, JR, "mcp_method_header_mismatch");
	else if (named_by_header(r->method) && !sv_eq(v->mcp_name, sv_from_cstr(r->target)))
		dissect_anomaly(ctx, JR, "mcp_name_header_mismatch");
}

/* A 2026-07-28 request whose body was not read: what its headers say. */
static void from_headers(const struct http_view *v, const struct dissect_ctx *ctx)
{
	struct observation obs;
	observation_init(&obs, OBS_RPC);
	struct obs_rpc *r = &obs.u.rpc;
	r->kind = sv_starts_with(v->mcp_method, SV_LIT("notifications/")) ? RPC_NOTIFICATION : RPC_REQUEST;
	r->protocol = RPC_PROTO_MCP;
	r->from_headers = true;
	sv_copy(r->method, sizeof r->method, v->mcp_method);
	if (named_by_header(r->method))
		sv_copy(r->target, sizeof r->target, v->mcp_name);
	fill_http(r, v);
	/* the revision its _meta would state */
	set_cstr(r->protocol_version, sizeof r->protocol_version, r->protocol_header);
	dissect_emit(ctx, &obs);
}

/* ---- messages ---- */

/* Analyzes one element; returns true when it was a JSON-RPC 2.0 message. */
static bool analyze_message(const struct http_view *v, const json_t *m, bool batch,
			    const struct dissect_ctx *ctx)
{
	const json_t *version = get(m, "jsonrpc");
	if (!str_is(version, "2.0"))
		return false; /* JSON, but not JSON-RPC 2.0 */
	const json_t *method = get(m, "method"), *id = get(m, "id");
	const json_t *result = get(m, "result"), *error = get(m, "error");
	struct observation obs;
	observation_init(&obs, OBS_RPC);
	struct obs_rpc *r = &obs.u.rpc;
	if (json_is_string(method) && !result && !error) {
		r->kind = id ? RPC_REQUEST : RPC_NOTIFICATION;
		classify_call(r, method, get(m, "params"), ctx);
	} else if (!method && result && !error && id) {
		r->kind = RPC_RESULT;
		classify_result(r, result, batch ? NULL : v, ctx);
	} else if (!method && !result && json_is_object(error)) {
		r->kind = RPC_ERROR;
		const json_t *code = get(error, "code");
		if (json_is_integer(code))
			r->error_code = (int64_t)json_integer_value(code);
		json_util_copy_string(r->error_message, sizeof r->error_message, get(error, "message"));
	} else {
		dissect_anomaly(ctx, JR,
				"bad_jsonrpc"); /* claims 2.0, is no request, notification or response */
		return false;
	}
	render_id(r->id, sizeof r->id, id);
	r->batch = batch;
	fill_http(r, v);
	if (!batch)
		check_headers(v, r, ctx);
	if (r->protocol == RPC_PROTO_OTHER && mcp_headers(v))
		r->protocol = RPC_PROTO_MCP; /* e.g. ping, an error, an empty result inside an MCP session */
	dissect_emit(ctx, &obs);
	return true;
}

bool jsonrpc_analyze_json(const struct http_view *v, const json_t *root, const struct dissect_ctx *ctx)
{
	if (json_is_object(root))
		return analyze_message(v, root, false, ctx);
	if (!json_is_array(root))
		return false;
	bool any = false;
	size_t i;
	const json_t *el;
	json_array_foreach((json_t *)root, i, el)
	{
		if (i == AS_RPC_MAX_BATCH) {
			dissect_anomaly(ctx, JR, "batch_over_cap");
			break;
		}
		any |= analyze_message(v, el, true, ctx);
	}
	return any;
}

/* Members whose values are never read here, only whether they are there
 * and of which type: the bulk of a message (a tool's answer, a prompt's
 * or sampling request's messages, resource contents, schemas, A2A parts'
 * payloads and a task's history) is stepped over, not parsed. */
static const char *const unread[] = {
    "content",	   "messages",	  "text",	 "blob",	      "bytes",	   "data",
    "inputSchema", "outputSchema", "description", "structuredContent", "history", "artifacts",
    "instructions",
};

bool jsonrpc_analyze(const struct http_view *v, struct sv text, const struct dissect_ctx *ctx)
{
	json_t *root;
	enum json_util_res res = json_util_load_pruned(text, unread, N_ELEMS(unread), &root);
	if (res != JSON_UTIL_OK) {
		/* other SSE / WebSocket payloads are no concern of ours */
		if (sv_find(text, SV_LIT("\"jsonrpc\"")) >= 0)
			dissect_anomaly(ctx, JR, res == JSON_UTIL_TOO_DEEP ? "json_too_deep" : "bad_json");
		return false;
	}
	bool any = jsonrpc_analyze_json(v, root, ctx);
	json_decref(root);
	return any;
}

/* ---- legacy HTTP+SSE endpoint event ---- */

/* Query parameters whose values are credentials: dropped from the URL. */
static const char *const url_secret_params[] = {
    "token",	"access_token",	 "key",	 "api_key", "apikey",	 "auth",
    "password", "client_secret", "code", "sig",	    "signature",
};

/* Legacy MCP HTTP+SSE transport (2024-11-05): the `endpoint` event of the
 * server's SSE stream names the URL the client POSTs its messages to: an
 * OBS_RPC notification with method "endpoint" and the URL (credential
 * values removed) as target. */
static void sse_endpoint(const struct http_view *v, struct sv url, const struct dissect_ctx *ctx)
{
	struct observation obs;
	observation_init(&obs, OBS_RPC);
	struct obs_rpc *r = &obs.u.rpc;
	r->kind = RPC_NOTIFICATION;
	r->protocol = RPC_PROTO_MCP;
	set_cstr(r->method, sizeof r->method, "endpoint");
	fill_http(r, v);
	url = sv_trim(url);
	long hash = sv_find_char(url, '#');
	if (hash >= 0)
		url = sv_sub(url, 0, (size_t)hash);
	struct sv query = url;
	struct sv path = sv_split(&query, '?');
	size_t pos = 0;
	sv_append(r->target, sizeof r->target, &pos, path);
	struct sv sid = query_param(query, session_params, N_ELEMS(session_params));
	if (sid.len)
		sv_copy(r->session_id, sizeof r->session_id, sid);
	bool first = true;
	while (query.len) {
		struct sv param = sv_split(&query, '&');
		struct sv value = param;
		struct sv name = sv_split(&value, '=');
		sv_append(r->target, sizeof r->target, &pos, first ? SV_LIT("?") : SV_LIT("&"));
		first = false;
		bool secret = false;
		for (size_t i = 0; i < N_ELEMS(url_secret_params); i++)
			secret |= sv_eq_ci(name, sv_from_cstr(url_secret_params[i]));
		if (secret) {
			sv_append(r->target, sizeof r->target, &pos, name);
			sv_append(r->target, sizeof r->target, &pos, SV_LIT("="));
		} else {
			sv_append(r->target, sizeof r->target, &pos, param);
		}
	}
	dissect_emit(ctx, &obs);
}

/* ---- the analyzer ---- */

/* A JSON-RPC message names its version ("jsonrpc": "2.0"): no other body
 * is parsed for it. The tree another analyzer parsed is used; else a
 * pruned parse of its own (one that fails leaves the shared parse to say
 * what is wrong). A new reference, or NULL. */
static json_t *rpc_json(const struct http_view *v)
{
	if (!http_view_mentions(v, SV_LIT("\"jsonrpc\"")))
		return NULL;
	const json_t *shared = http_view_json_parsed(v);
	json_t *root;
	if (!shared && json_util_load_pruned(v->body, unread, N_ELEMS(unread), &root) == JSON_UTIL_OK)
		return root;
	shared = http_view_json(v);
	return shared ? json_incref((json_t *)shared) : NULL;
}

static void rpc_observe(const struct http_view *v, const struct dissect_ctx *ctx)
{
	json_t *root = rpc_json(v);
	bool any = false;
	if (root) {
		any = jsonrpc_analyze_json(v, root, ctx);
		json_decref(root);
	}
	if (!any && v->request && v->carrier == RPC_HTTP_BODY && v->mcp_method.len)
		from_headers(v, ctx);
}

/* Each SSE event as it arrives (MCP Streamable HTTP and legacy HTTP+SSE,
 * A2A streaming): a legacy SSE stream never ends, so nothing waits for the
 * end of the response. */
static void jr_stream_observe(const struct http_view *v, struct sv event, const struct dissect_ctx *ctx)
{
	if (v->carrier != RPC_HTTP_SSE)
		return;
	if (sv_eq(event, SV_LIT("endpoint"))) {
		sse_endpoint(v, v->body, ctx);
		return;
	}
	rpc_observe(v, ctx);
}

static void jr_ws_message(const struct http_view *v, const struct dissect_ctx *ctx)
{
	(void)jsonrpc_analyze(v, v->body, ctx);
}

const struct analyzer analyzer_jsonrpc = {
	.name = "jsonrpc",
	.observe = rpc_observe,
	.stream_observe = jr_stream_observe,
	.ws_message = jr_ws_message,
};
