/* audit_internal.h — what the parts of the audit report share: the agents
 * of the page, groups of agents, the risk catalogue, the policy's verdict
 * on a destination, and small writers for the markup they all use. */
#ifndef AS_AUDIT_INTERNAL_H
#define AS_AUDIT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "audit.h"
#include "hmap.h"
#include "html.h"

/* One agent of the page. */
struct aag {
	json_t *rec; /* its record, arrays of objects in one order (audit.c: canonical) */
	const char *id, *kind, *ip, *hostname, *owner, *team, *host_key, *sw;
	json_t *risks;		   /* sorted: the record's flags and the policy's (owned) */
	bool content;		   /* evidence seen in content (else named by SNI, DNS or JA4 only) */
	bool is_new;		   /* absent from the baseline */
	int64_t first_ms, last_ms; /* packet time, -1 when unknown; last_ms >= first_ms */
};

struct page {
	struct html *h;
	const struct audit_input *in;
	struct aag *ag; /* in inventory order: host address, kind, software, id */
	size_t n;
	bool policy;	   /* a policy with entries */
	struct hmap by_id; /* agent id -> struct aag * */
	int64_t t0, t1;	   /* the agents' first and last seen (ms), -1 when none */
};

/* Agents gathered under a key (an owner, a host, a service, a grant ...). */
struct group {
	char *key;
	json_t *ref;   /* a record describing the group (borrowed), or NULL */
	uint32_t *idx; /* indices into page.ag, ascending, each once */
	size_t n, cap;
	uint64_t a, b; /* counters the grouping gives a meaning to */
	bool flag;
	json_t *set; /* names gathered (object keys: a set), or NULL */
};
/* Adds a name to the group's set (NULL, "": nothing). */
void group_note(struct group *gr, const char *name);
struct groups {
	struct hmap map;
	struct group **v; /* after groups_sort */
	size_t n;
	bool oom;
};
void groups_init(struct groups *g);
/* The group of key (created empty), with agent added unless it is the
 * group's last one (agents are added in ascending order); NULL when out
 * of memory or key is NULL. agent UINT32_MAX adds none. */
struct group *groups_add(struct groups *g, const char *key, uint32_t agent);
/* Fills v, sorted by cmp (on struct group *const *); ties by key. */
void groups_sort(struct groups *g, int (*cmp)(const struct group *, const struct group *));
void groups_free(struct groups *g);
int group_by_agents(const struct group *x, const struct group *y); /* most agents first */

/* ---- reading records ---- */
const char *jstr(json_t *o, const char *k); /* a non-empty string member, else NULL */
const char *jstr2(json_t *o, const char *a, const char *b);
uint64_t juint(json_t *o, const char *k); /* a positive number member, else 0 */
bool jtrue(json_t *o, const char *k);
size_t jlen(json_t *o, const char *k); /* length of an array member, 0 if none */
int64_t time_ms(const char *rfc3339); /* -1 when not "YYYY-MM-DDTHH:MM:SS[.fff]Z" */
/* An array of objects in the order of their members k1, k2, k3 (NULL:
 * unused; strings, booleans), a new reference: a record lists its
 * destinations, grants and credentials in an order of its own, and a
 * registry in another. */
json_t *jsorted(json_t *arr, const char *k1, const char *k2, const char *k3);
/* Whether an array holds the string (NULL array: no). */
bool jhas(json_t *arr, const char *s);

/* ---- the catalogue ---- */
enum severity { SEV_HIGH, SEV_MEDIUM, SEV_LOW };
struct risk_info {
	const char *name;
	enum severity sev;
	const char *what;
};
/* A risk flag's severity and meaning; an unknown flag is medium, what NULL. */
struct risk_info risk_info(const char *name);
extern const char *const severity_name[3];
#define RISK_UNSANCTIONED "unsanctioned-provider" /* the policy's, not the sensor's */

enum verdict { V_NO_POLICY, V_SANCTIONED, V_NOT_SANCTIONED, V_SELF_HOSTED };
extern const char *const verdict_name[4];
enum verdict dest_verdict(const struct page *p, json_t *dest);
/* A self-hosted destination: a model server, an A2A agent (not a hosted service). */
bool dest_self_hosted(json_t *dest);

/* ---- markup ---- */
void fmt_num(char out[32], uint64_t v);	  /* 12,345 */
void fmt_bytes(char out[32], uint64_t v); /* 12.3 kB */
void put_num(struct html *h, uint64_t v);
void put_time(struct html *h, const char *rfc3339); /* "2026-11-28 23:14:32Z" */
void put_ms(struct html *h, int64_t ms);	    /* the same from epoch milliseconds */
/* Data strings of an array, escaped, joined by sep (markup). */
void put_list(struct html *h, json_t *arr, const char *sep);
/* The names of a group's set, sorted, escaped, joined by sep; with pfx,
 * only the names starting with it, written without it. Returns how many. */
size_t put_set(struct html *h, json_t *set, const char *pfx, const char *sep);
/* The names of the set starting with pfx (NULL: all), sorted; free() the
 * array (its strings are the set's). */
const char **set_sorted(json_t *set, const char *pfx, size_t *n);
/* How many names of the set start with pfx. */
size_t set_count(json_t *set, const char *pfx);
/* The page's agent of that id, or NULL (none, or id NULL). */
const struct aag *agent_of(const struct page *p, const char *id);
void put_agent(struct page *p, const struct aag *a); /* a link to its card */
/* Links to the cards of up to max agents, then "and N more". */
void put_agents(struct page *p, const uint32_t *idx, size_t n, size_t max);
void put_risk(struct html *h, const char *risk); /* a badge coloured by severity */
void put_risks(struct html *h, json_t *flags);    /* a badge for each of an array's flags */
void put_kind(struct html *h, const char *kind); /* a badge coloured by kind */
/* A sortable table: its id, columns (a leading '#' marks a numeric column),
 * and, when it has more rows than a page, a filter box and a pager. */
void table_begin(struct html *h, const char *id, const char *const *cols, size_t n_cols, size_t rows);
void table_end(struct html *h, const char *id, size_t rows);
/* Row i of such a table: past the first page it starts hidden, so a large
 * page lays out one page of each list; the script pages, filters and shows
 * all (a <noscript> style shows all without it). */
void table_row(struct html *h, size_t i);
/* Data strings joined by sep (markup), the NULL ones left out. */
void put_join(struct html *h, const char *sep, const char *const *v, size_t n);
/* A cell holding a data string (NULL: empty), with a class (NULL: none). */
void put_td(struct html *h, const char *cls, const char *s);
/* A colour for a kind (the charts' and badges'). */
const char *kind_color(const char *kind);

/* An MCP record's tools: listed (destructive ones marked) and called. */
void put_tools(struct html *h, json_t *mcp);
/* The MCP servers an agent is or reaches, into groups keyed by endpoint:
 * the server's own record as ref (flag set), else a client's that has
 * that one server; the names seen in the set; clients as agents. */
void mcp_note(struct page *p, struct groups *mcp, uint32_t i);

/* A record's risk flags and the policy's, sorted, each once (a new reference). */
json_t *agent_risks(const struct page *p, json_t *rec);

/* ---- sections (audit_*.c) ---- */
void audit_summary(struct page *p);
void audit_risks(struct page *p);
void audit_owners(struct page *p);
void audit_hosts(struct page *p);
void audit_cards(struct page *p);
void audit_timeline(struct page *p);
void audit_map(struct page *p);
/* Sets is_new from the baseline; the changes section. */
void audit_mark_new(struct page *p);
void audit_changes(struct page *p);
/* A horizontal bar chart: labels (data), values, one colour each. */
void svg_bars(struct html *h, const char *title, const char *const *labels, const uint64_t *values,
	      const char *const *colors, size_t n);

#endif
