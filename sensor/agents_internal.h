/* agents_internal.h — what the aggregator's files (agents*.c) share: the
 * records and the helpers that build them. Nothing outside sensor/agents*.c
 * includes this. One thread (the aggregator) owns everything here. */
#ifndef AS_AGENTS_INTERNAL_H
#define AS_AGENTS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "agents.h"
#include "hmap.h"
#include "limits.h"

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

struct agent {
	char id[17];
	char kind[20];
	char identity[AS_STR + 8];
	char sw_name[64];
	char sw_version[64];
	char ip[48];
	char mac[18];
	uint64_t first_us, last_us;
	uint64_t flows;
	uint64_t first_flow_us;
	char first_flow[160];
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
};

#define MAX_PENDING 8

/* A request waiting for its response. */
struct pending {
	struct obs_http_request req;
	uint64_t ts_us;
	struct sig_endpoint ep;
	bool has_ep;
	const struct sig_service *svc;
	char domain[AS_STR];
	struct sig_client_match client;
	bool has_client;
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
	bool counted; /* flows counter bumped */
	struct pending *q[MAX_PENDING];
	size_t nq;
};

struct dns_entry {
	char name[AS_DNS_MAX_NAME];
	uint64_t expires_us;
};

struct agents {
	struct agents_config cfg;
	struct agents_stats st;
	struct hmap agents; /* id -> agent */
	struct hmap flows;  /* flow key -> aflow */
	struct hmap dns;    /* family+ip -> dns_entry */
	struct hmap apps;   /* nDPI protocol name -> app_count */
	struct agent **sorted;
	struct app_count **apps_sorted;
	struct jw ev;
};

/* ---- helpers (agents.c) ---- */

void ag_ip_str(uint8_t family, const uint8_t *ip, char *out, size_t n);
void ag_mac_str(const uint8_t *m, char *out);
bool ag_mac_zero(const uint8_t *m);
void ag_copy(char *dst, size_t n, const char *src);
const char *ag_kind_for(const struct sig_service *s);
const char *ag_cred_where_name(uint8_t w);
const char *ag_cred_type_name(uint8_t t);
const char *ag_dns_name(struct agents *a, uint8_t family, const uint8_t *ip, uint64_t now);
void ag_server_name(const char *const *apis, size_t n, char *out, size_t outsz);
/* The agent of one side of a flow (created on first sight; *created says so). */
struct agent *ag_agent_get(struct agents *a, const struct flow_ref *r, bool client_side, const char *kind,
			   const char *identity, uint64_t ts, bool *created);
void ag_agent_flow(struct agent *ag, const struct flow_ref *r);
struct dest *ag_dest_get(struct agent *ag, const struct sig_service *svc, const char *api, const char *endpoint,
			 const struct flow_ref *r, bool tls);
void ag_agent_cred(struct agent *ag, const struct obs_credential *c, bool cleartext);
struct aflow *ag_aflow_get(struct agents *a, const struct flow_ref *r, bool create);
struct agent *ag_link_client(struct agents *a, struct aflow *f, const struct sig_service *svc, const char *api,
			     const char *kind, const char *identity, const char *sw_name, const char *sw_version,
			     uint64_t ts);
/* Events: begin, the flow's ECS fields, the agent, end (hands it to the sinks). */
void ag_ev_begin(struct agents *a, const char *action, const char *dataset, uint64_t ts);
void ag_ev_flow(struct agents *a, const struct flow_ref *r, const char *domain, const char *protocol);
void ag_ev_agent(struct jw *w, const struct agent *ag);
void ag_ev_service(struct jw *w, const struct dest *d);
void ag_ev_end(struct agents *a);
void ag_emit_discovered(struct agents *a, const struct agent *ag, const struct flow_ref *r, const char *domain,
			const struct dest *d, uint64_t ts);
void ag_json_set(struct jw *w, const char *key, const struct strset *s);
void ag_agent_free(struct agent *ag);

#endif
