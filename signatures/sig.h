/* sig.h — signature rules: AI services, client software, API shapes.
 *
 * Rules are data (the *.yaml files in signatures/), loaded with libyaml into a read-only
 * matcher that any thread may query. Load errors are `file:line: problem`.
 * The matcher is handed file paths, never the config. */
#ifndef AS_SIG_H
#define AS_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "limits.h"

struct sig_db;

/* An AI service: a provider API, a consumer app, a platform. */
struct sig_service {
	const char *id;	      /* "openai-api" */
	const char *name;     /* "OpenAI API" */
	const char *category; /* llm-api, ai-chat, ai-coding, ai-platform, ai-search, ... */
	const char *provider; /* gen_ai.provider.name value, e.g. "openai"; NULL if none */
	const char *vendor;   /* "OpenAI" */
	const char *path;     /* the API's path where its host serves others too ("/mcp"), or NULL */
	bool shared;	      /* such a host: never matched by its name alone */
	uint8_t stream_events; /* enum sig_stream_events: how its API streams tokens */
};

/* Tokens per event of a service's streamed answers, as its API is known
 * to send them: it chooses between the two output-token estimates of an
 * answer streamed in sealed TLS records (dissectors/tls_turns.h). */
enum sig_stream_events {
	SIG_STREAM_UNKNOWN = 0,
	SIG_STREAM_ONE,	    /* "one": a chunk per token (OpenAI) */
	SIG_STREAM_SEVERAL, /* "several": deltas of several tokens (Anthropic, Gemini) */
};

/* Client software recognised from HTTP headers or a JA4. */
struct sig_client_match {
	const char *name;     /* "openai-node"; NULL for a JA4 that names only a runtime */
	char version[64];     /* "6.9.1", empty when unknown */
	const char *kind;     /* agent kind hint: llm-api-client, ai-app, ... (may be NULL) */
	const char *runtime;  /* a JA4's TLS runtime ("nodejs", "bun"), or NULL */
};

/* An AI product: the names its pieces go by (client rules, MCP
 * clientInfo, OAuth client names) and the TLS runtimes its builds use. */
struct sig_product {
	const char *id;	  /* "claude-code" */
	const char *name; /* "Claude Code" */
	const char *vendor;
	const char **runtimes; /* JA4 runtimes of its builds ("bun", "nodejs") */
	size_t n_runtimes;
};

/* A request recognised as an AI API call by its shape (method + path). */
struct sig_endpoint {
	const char *api;       /* api family: "openai", "anthropic", "ollama", "gemini", ... */
	const char *operation; /* gen_ai.operation.name: "chat", "embeddings", "generate_content", ... */
	bool model_listing;    /* /v1/models, /api/tags */
	char model[AS_STR];    /* model named in the path (Gemini, Vertex, Bedrock; Azure deployment), or "" */
};

/* Loads every *.yaml file of dir (sorted by name). On error writes
 * "file:line: problem" into err and returns AS_ERR_CONFIG. */
AS_MUST_CHECK int sig_load_dir(const char *dir, struct sig_db **out, char *err, size_t errsz);
AS_MUST_CHECK int sig_load_files(const char *const *paths, size_t n, struct sig_db **out, char *err,
				 size_t errsz);
/* Loads one file already in memory (fuzzing, tests); name is used in errors. */
AS_MUST_CHECK int sig_load_buffer(const char *name, const void *data, size_t len, struct sig_db **out,
				  char *err, size_t errsz);
void sig_free(struct sig_db *db);
size_t sig_service_count(const struct sig_db *db);
size_t sig_client_count(const struct sig_db *db);   /* client rules (User-Agent / header) */
size_t sig_endpoint_count(const struct sig_db *db); /* API shape rules */

/* The service of that id (a flow's service looked up in a reloaded set). */
const struct sig_service *sig_service_by_id(const struct sig_db *db, const char *id);
/* Whether a service names that provider (gen_ai.provider.name: "openai"). */
bool sig_provider_known(const struct sig_db *db, const char *name);
/* Domain (SNI, Host, DNS name): exact or any parent domain listed. */
const struct sig_service *sig_match_domain(const struct sig_db *db, const char *domain);
/* Header name/value pairs (lower-case names) incl. user-agent. */
bool sig_match_client(const struct sig_db *db, const char *user_agent, const char *const *hdr_names,
		      const char *const *hdr_values, size_t n_hdrs, struct sig_client_match *out);
bool sig_match_ja4(const struct sig_db *db, const char *ja4, struct sig_client_match *out);
/* The product a piece of software is part of, by its name (a client
 * rule's, an MCP clientInfo name, an OAuth client_name); NULL: none. */
const struct sig_product *sig_product_of(const struct sig_db *db, const char *software);
/* Whether the product's builds run on that TLS runtime. */
bool sig_product_runtime(const struct sig_product *p, const char *runtime);
/* An OAuth scope listed as broad (full mailbox, whole cloud, admin); also
 * matches a URL-form scope by its last path segment (Microsoft Graph). */
bool sig_broad_scope(const struct sig_db *db, const char *scope);
/* Method and path (no query). */
bool sig_match_endpoint(const struct sig_db *db, const char *method, const char *path,
			struct sig_endpoint *out);

#endif
