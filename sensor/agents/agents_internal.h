/* agents_internal.h — what the aggregator's files (agents*.c) share: the
 * records and the helpers that build them. Nothing outside sensor/agents*.c
 * includes this. One thread (the aggregator) owns everything here. */
#ifndef AS_AGENTS_INTERNAL_H
#define AS_AGENTS_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "agents.h"
#include "hmap.h"
#include "hosts.h"
#include "limits.h"
#include "text.h"

/* ---- records ---- */

struct dest {
	char service[64];
	char service_name[96];
	char category[24];
	char provider[32];
	char api[24];
	char endpoint[AS_STR + 8];
	char ip[48];
	uint16_t port;
	bool tls;
	uint64_t flows, bytes, requests, input_tokens, output_tokens;
	struct strset models, operations;
	struct strset app_protocols; /* nDPI classification of its flows */
};

struct cred {
	char type[16];
	char where[32];
	bool cleartext;
	char fp[AS_FP_HEX + 1];
};

/* A tool an MCP agent listed or called. */
struct mcp_tool {
	char name[AS_STR_MID];
	uint8_t hints_set, hints; /* RPC_HINT_* as the server's tools/list stated them */
	bool listed;
	uint64_t calls;
};

/* MCP facts of an agent, client or server role. */
struct agent_mcp {
	bool present;
	struct strset versions;	  /* protocol versions negotiated */
	struct strset transports; /* streamable-http, sse, websocket */
	struct strset capabilities;
	struct strset resources, prompts;
	struct strset server_requests; /* sampling/createMessage, elicitation/create, roots/list */
	struct strset sessions;
	struct agent **peers; /* servers used (client) or clients seen (server) */
	size_t n_peers;
	struct mcp_tool *tools;
	size_t n_tools;
	uint64_t messages, errors;
	/* What of its conversations was seen (evidence.partial): messages each
	 * way, and its own side of initialize (a client's request with
	 * clientInfo, a server's result with serverInfo). */
	uint64_t from_client, from_server;
	bool initialize_seen;
	/* server role */
	char endpoint[AS_STR + 80]; /* host:port/path */
	uint64_t requests_unauthenticated, requests_authenticated;
	bool oauth_challenge; /* answered 401 with WWW-Authenticate: Bearer */
	char resource_metadata[AS_STR_LONG];
};

/* One delegated-access grant an agent obtained or took part in. */
struct agent_oauth {
	char issuer[AS_STR];
	char client_id[AS_STR];
	char client_name[AS_STR];
	char registration[16]; /* dynamic, pre-registered */
	char client_auth[AS_STR_SHORT];
	char pkce[8]; /* S256, plain, none, "" unknown */
	char token_type[AS_STR_TINY];
	uint32_t max_expires_in;
	bool refresh_token;
	bool consented; /* an authorization code was issued */
	struct strset scopes_requested, scopes_granted, grant_types, redirect_uris, resources, token_types;
	struct agent *mcp_server; /* the MCP server that demanded it, when known */
};

/* A2A facts: an agent card served, methods called or answered. */
struct agent_a2a {
	bool present;
	char url[AS_STR_LONG];
	char protocol_version[AS_STR_TINY];
	bool streaming, push_notifications;
	struct strset skills, methods, security;
	struct agent **peers;
	size_t n_peers;
	uint64_t messages;
};

struct agent {
	char id[17];
	char kind[20];
	char identity[AS_STR + 8];
	char sw_name[64];
	char sw_version[64];
	char ip[48]; /* latest address */
	char mac[18];
	char host_key[AS_STR + 16];
	char hostname[AS_STR];
	struct host_info host; /* owner, team, site, users: filled for output */
	uint64_t first_us, last_us;
	uint64_t flows;
	uint64_t first_flow_us;
	char first_flow[200];
	struct strset user_agents, ja3, ja4, risks;
	struct dest **dests; /* pointers: flows hold a dest while the array is sorted */
	size_t n_dests;
	struct cred *creds;
	size_t n_creds;
	/* llm-server only */
	struct strset apis;
	char listen[64];
	char server_header[AS_STR];
	uint64_t requests, input_tokens, output_tokens;
	struct strset served_models, served_ops, clients;
	/* MCP, OAuth and A2A (agents_mcp.c, agents_oauth.c) */
	struct agent_mcp mcp;
	struct agent_oauth *oauth;
	size_t n_oauth;
	struct agent_a2a a2a;
	struct strset identity_providers; /* weak evidence: the host reached these IdPs (SNI) */
	struct agent *oauth_agent;	  /* mcp-client: the oauth-client record of its grants */
};

#define MAX_TOUCH 6
#define MAX_TOUCH_CALLS 8

/* What one flow added to one agent's counters: sent to the registry as one
 * contribution when the flow ends, deduplicated there by the flow's key, so
 * every sensor that saw the flow adds it once (contrib.c). */
struct flow_touch {
	struct agent *ag;
	bool counted;	   /* evidence.flows += 1 */
	struct dest *dest; /* the destination this flow went to (client) */
	bool dest_counted; /* destinations[..].flows += 1 */
	uint64_t bytes, requests, input_tokens, output_tokens;
	struct {
		char name[AS_STR_MID];
		uint32_t calls;
	} calls[MAX_TOUCH_CALLS];
	uint8_t n_calls;
};

struct aflow {
	struct flow_ref ref;
	char domain[AS_STR]; /* SNI, Host or DNS name of the server */
	const struct sig_service *svc;
	bool tls;
	char ja3[33], ja4[40];
	struct agent *client;
	struct dest *client_dest;
	struct agent *server;
	struct flow_touch touch[MAX_TOUCH];
	uint8_t n_touch;
	struct mcp_link *mcp;	      /* the MCP conversation this flow carries */
	char oauth_client_id[AS_STR]; /* client of the last token/registration request */
	bool oauth_consent;	      /* an authorization code was issued on this flow */
};

struct dns_entry {
	char name[AS_DNS_MAX_NAME];
	uint64_t expires_us;
};

/* An MCP conversation between a client host and a server endpoint; the
 * legacy SSE transport spreads one over several TCP connections. */
struct mcp_link {
	char client_name[AS_STR];
	char client_version[AS_STR_SHORT];
	char server_name[AS_STR];
	char server_version[AS_STR_SHORT];
	bool legacy_sse;
	struct agent *client, *server;
	/* A client seen only through its server's messages (a span port that
	 * missed the other direction, or the requests' flows): made when the
	 * flow that showed it ends, unless its initialize named it by then. */
	bool client_pending;
	struct flow_ref client_ref;
	uint64_t client_ts;
	char client_ua[AS_STR];
	uint64_t from_client, from_server;
};

struct agents {
	struct agents_config cfg; /* cfg.sigs: the signatures in force, owned */
	struct agents_stats st;
	struct hmap agents;	 /* id -> agent */
	struct hmap flows;	 /* flow key -> aflow */
	struct hmap dns;	 /* family+ip -> dns_entry */
	struct hmap apps;	 /* nDPI protocol name -> app_count */
	struct hmap mcp;	 /* client ip + server ip:port -> mcp_link */
	struct hmap oauth;	 /* client ip -> oauth_ctx (agents_oauth.c) */
	struct hmap as_issuer;	 /* authorization server ip:port -> issuer */
	struct hmap idp;	 /* host ip -> strset of identity providers reached */
	struct hosts *hosts;	 /* the host table (hosts.c) */
	_Atomic size_t n_agents; /* published for other threads (statistics) */
	struct agent **sorted;
	struct app_count **apps_sorted;
	struct jw ev;
};

/* ---- helpers (agents.c) ---- */

void ag_ip_str(uint8_t family, const uint8_t *ip, char *out, size_t n);
/* The flow's server as "ip:port", IPv6 as "[ip]:port". */
void ag_server_addr(const struct flow_ref *r, char *out, size_t n);
void ag_mac_str(const uint8_t *m, char *out);
bool ag_mac_zero(const uint8_t *m);
/* Adds each item of a list separated by any of `seps` to the set. */
void ag_split_add(struct strset *s, const char *list, const char *seps);
const char *ag_kind_for(const struct sig_service *s);
/* An identity provider: evidence for hosts' agents, never an agent itself. */
bool ag_is_identity(const struct sig_service *s);
const char *ag_cred_where_name(uint8_t w);
const char *ag_cred_type_name(uint8_t t);
const char *ag_dns_name(struct agents *a, uint8_t family, const uint8_t *ip, uint64_t now);
void ag_server_name(const char *const *apis, size_t n, char *out, size_t outsz);
/* The agent of one side of a flow (created on first sight; *created says so). */
struct agent *ag_agent_get(struct agents *a, const struct flow_ref *r, bool client_side, const char *kind,
			   const char *identity, uint64_t ts, bool *created);
void ag_agent_flow(struct agent *ag, const struct flow_ref *r);
/* The flow's record of what it added to ag (NULL past MAX_TOUCH agents). */
struct flow_touch *ag_touch(struct aflow *f, struct agent *ag);
/* Counts the flow once for ag (evidence.flows, first flow). */
void ag_count_flow(struct aflow *f, struct agent *ag);
struct dest *ag_dest_get(struct agent *ag, const struct sig_service *svc, const char *api,
			 const char *endpoint, const struct flow_ref *r, bool tls);
void ag_agent_cred(struct agent *ag, const struct obs_credential *c, bool cleartext);
struct aflow *ag_aflow_get(struct agents *a, const struct flow_ref *r, bool create);
struct agent *ag_link_client(struct agents *a, struct aflow *f, const struct sig_service *svc,
			     const char *api, const char *kind, const char *identity, const char *sw_name,
			     const char *sw_version, uint64_t ts);
/* Events: begin, the flow's ECS fields, the agent, end (hands it to the sinks). */
void ag_ev_begin(struct agents *a, const char *action, const char *dataset, uint64_t ts);
void ag_ev_flow(struct agents *a, const struct flow_ref *r, const char *domain, const char *protocol);
void ag_ev_agent(struct jw *w, const struct agent *ag);
void ag_ev_service(struct jw *w, const struct dest *d);
void ag_ev_end(struct agents *a);
void ag_emit_discovered(struct agents *a, const struct agent *ag, const struct flow_ref *r,
			const char *domain, const struct dest *d, uint64_t ts);
void ag_json_set(struct jw *w, const char *key, const struct strset *s);
/* Settles what depends on everything seen (risks, host owner, evidence,
 * canonical order) before an agent is output (agents_json.c). */
void ag_settle(struct agents *a, struct agent *ag);
void ag_agent_free(struct agent *ag);
/* Adds a peer link once. */
void ag_add_peer(struct agent ***peers, size_t *n, struct agent *peer);
/* Flow key of an endpoint pair (client ip, server ip:port), ignoring ports of the client. */
size_t ag_pair_key(const struct flow_ref *r, uint8_t out[40]);

/* ---- registry contributions (agents_contrib.c) ---- */
void ag_contrib_facts(struct agents *a, struct agent *ag);
void ag_contrib_flow(struct agents *a, const struct aflow *f, const struct flow_touch *t, uint64_t last_us);

/* ---- MCP and A2A (agents_mcp.c) ---- */
void ag_mcp_rpc(struct agents *a, const struct msg_obs *m);
void ag_a2a_card(struct agents *a, const struct msg_obs *m);
void ag_a2a_rpc(struct agents *a, const struct msg_obs *m);
void ag_mcp_http_request(struct agents *a, struct aflow *f, const struct msg_obs *m);
/* The flow ends: a client only its server's messages showed is made now. */
void ag_mcp_flow_end(struct agents *a, struct aflow *f);
/* evidence.partial of an MCP agent. */
void ag_mcp_partial_json(const struct agent *ag, struct jw *w);
void ag_mcp_finish(struct agent *ag);
void ag_mcp_json(const struct agent *ag, struct jw *w);
void ag_a2a_json(const struct agent *ag, struct jw *w);
void ag_mcp_free(struct agent *ag);
struct mcp_link *ag_mcp_link(struct agents *a, const struct flow_ref *r);

/* ---- OAuth and identity providers (agents_oauth.c) ---- */
void ag_oauth(struct agents *a, const struct msg_obs *m);
void ag_idp_seen(struct agents *a, const struct flow_ref *r, const struct sig_service *svc);
const struct strset *ag_idp_of(const struct agents *a, uint8_t family, const uint8_t *ip);
void ag_oauth_json(const struct agent *ag, struct jw *w);
void ag_oauth_free(struct agent *ag);
void ag_oauth_state_free(struct agents *a);

#endif
