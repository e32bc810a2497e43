/* test_sig.c — signature loader and matcher: the shipped rule files
 * (services, clients, JA4, endpoints), negatives from a public non-AI capture
 * set, and the exact "file:line: problem" message of each broken file. */
#include "cases.h"
#include "sig.h"

#define SIG_DIR AS_SRC_DIR "/signatures"

static struct sig_db *db;

static int load_real(void **state)
{
	(void)state;
	char err[512] = "";
	int rc = sig_load_dir(SIG_DIR, &db, err, sizeof err);
	if (rc != AS_OK)
		fprintf(stderr, "load failed: %s\n", err);
	return rc == AS_OK ? 0 : -1;
}

static int free_real(void **state)
{
	(void)state;
	sig_free(db);
	db = NULL;
	return 0;
}

/* ---- services ---- */

static void test_counts(void **state)
{
	(void)state;
	printf("# services %zu, client rules %zu, endpoints %zu\n", sig_service_count(db),
	       sig_client_count(db), sig_endpoint_count(db));
	assert_true(sig_service_count(db) >= 60);
	assert_true(sig_client_count(db) >= 40);
	assert_true(sig_endpoint_count(db) >= 40);
	/* providers by their gen_ai.provider.name (the report's policy names them) */
	assert_true(sig_provider_known(db, "openai"));
	assert_true(sig_provider_known(db, "gcp.gemini"));
	assert_false(sig_provider_known(db, "openai-api")); /* a service id, not a provider */
	assert_false(sig_provider_known(db, "open-ai"));
	assert_false(sig_provider_known(NULL, "openai"));
}

struct dom_case {
	const char *domain;
	const char *id;	      /* NULL = must not match */
	const char *category; /* checked when set */
	const char *provider; /* checked when set */
};

static const struct dom_case dom_cases[] = {
    /* API endpoints vs consumer apps vs platforms */
    {"api.openai.com", "openai-api", "llm-api", "openai"},
    {"eu.api.openai.com", "openai-api", "llm-api", "openai"},
    {"chatgpt.com", "chatgpt", "ai-chat", NULL},
    {"ab.chatgpt.com", "chatgpt", "ai-chat", NULL},
    {"chat.openai.com", "chatgpt", "ai-chat", NULL},
    {"sora.chatgpt.com", "sora", "ai-video", NULL},
    {"platform.openai.com", "openai", "ai-platform", NULL},
    {"api.anthropic.com", "anthropic-api", "llm-api", "anthropic"},
    {"claude.ai", "claude", "ai-chat", NULL},
    {"console.anthropic.com", "anthropic", "ai-platform", NULL},
    {"generativelanguage.googleapis.com", "gemini-api", "llm-api", "gcp.gemini"},
    {"gemini.google.com", "gemini-app", "ai-chat", NULL},
    {"api.mistral.ai", "mistral-api", "llm-api", "mistral_ai"},
    {"chat.mistral.ai", "le-chat", "ai-chat", NULL},
    {"api.cohere.com", "cohere-api", "llm-api", "cohere"},
    {"api.groq.com", "groq-api", "llm-api", "groq"},
    {"api.deepseek.com", "deepseek-api", "llm-api", "deepseek"},
    {"chat.deepseek.com", "deepseek-chat", "ai-chat", NULL},
    {"api.x.ai", "xai-api", "llm-api", "x_ai"},
    {"grok.com", "grok", "ai-chat", NULL},
    {"api.perplexity.ai", "perplexity-api", "llm-api", "perplexity"},
    {"www.perplexity.ai", "perplexity", "ai-search", NULL},
    {"api-inference.huggingface.co", "huggingface-inference", "llm-api", NULL},
    {"router.huggingface.co", "huggingface-inference", "llm-api", NULL},
    {"huggingface.co", "huggingface-hub", "ai-platform", NULL},
    {"cdn-lfs.hf.co", "huggingface-hub", "ai-platform", NULL},
    {"api.githubcopilot.com", "github-copilot", "ai-coding", NULL},
    {"api.individual.githubcopilot.com", "github-copilot", "ai-coding", NULL},
    {"copilot-proxy.githubusercontent.com", "github-copilot", "ai-coding", NULL},
    {"copilot.microsoft.com", "microsoft-copilot", "ai-chat", NULL},
    {"api2.cursor.sh", "cursor", "ai-coding", NULL},
    {"neo.character.ai", "character-ai", "ai-chat", NULL},
    {"openrouter.ai", "openrouter", "llm-api", NULL},
    /* wildcard forms */
    {"myres.openai.azure.com", "azure-openai", "llm-api", "azure.ai.openai"},
    {"openai.azure.com", NULL, NULL, NULL},
    {"proj.services.ai.azure.com", "azure-ai-foundry", "ai-platform", "azure.ai.inference"},
    {"x.eastus2.inference.ai.azure.com", "azure-ai-inference", "llm-api", "azure.ai.inference"},
    {"models.inference.ai.azure.com", "github-models", "llm-api", NULL},
    {"us-central1-aiplatform.googleapis.com", "vertex-ai", "ai-platform", "gcp.vertex_ai"},
    {"europe-west4-aiplatform.googleapis.com", "vertex-ai", NULL, NULL},
    {"aiplatform.googleapis.com", "vertex-ai", NULL, NULL},
    {"-aiplatform.googleapis.com", NULL, NULL, NULL},
    {"a.us-central1-aiplatform.googleapis.com", NULL, NULL, NULL},
    {"bedrock-runtime.us-east-1.amazonaws.com", "bedrock-runtime", "llm-api", "aws.bedrock"},
    {"bedrock-runtime-fips.us-west-2.amazonaws.com", "bedrock-runtime", NULL, NULL},
    {"bedrock-agent-runtime.eu-west-1.amazonaws.com", "bedrock-agents", "ai-agent", "aws.bedrock"},
    {"bedrock.us-east-1.amazonaws.com", "bedrock", "ai-platform", "aws.bedrock"},
    {"bedrock-runtime.amazonaws.com", NULL, NULL, NULL},
    {"bedrock-runtime.a.b.amazonaws.com", NULL, NULL, NULL},
    {"runtime.sagemaker.us-east-1.amazonaws.com", "sagemaker-runtime", NULL, NULL},
    {"us-south.ml.cloud.ibm.com", "ibm-watsonx-ai", "llm-api", "ibm.watsonx.ai"},
    {"ark.cn-beijing.volces.com", "volcengine-ark", NULL, NULL},
    /* normalisation: case, trailing dot, port */
    {"API.OpenAI.COM.", "openai-api", NULL, NULL},
    {"api.anthropic.com:443", "anthropic-api", NULL, NULL},
    {"Claude.AI", "claude", NULL, NULL},
    /* googleapis.com and amazonaws.com names that are not AI */
    {"googleapis.com", NULL, NULL, NULL},
    {"fonts.googleapis.com", NULL, NULL, NULL},
    {"www.googleapis.com", NULL, NULL, NULL},
    {"storage.googleapis.com", NULL, NULL, NULL},
    {"safebrowsing.googleapis.com", NULL, NULL, NULL},
    {"play.googleapis.com", NULL, NULL, NULL},
    {"android.googleapis.com", NULL, NULL, NULL},
    {"semanticlocation-pa.googleapis.com", NULL, NULL, NULL},
    {"generativelanguage.googleapis.com.evil.example", NULL, NULL, NULL},
    {"s3.us-east-1.amazonaws.com", NULL, NULL, NULL},
    {"cognito-identity.us-east-1.amazonaws.com", NULL, NULL, NULL},
    {"mobileanalytics.us-east-1.amazonaws.com", NULL, NULL, NULL},
    {"myaccount.blob.core.windows.net", NULL, NULL, NULL},
    {"management.azure.com", NULL, NULL, NULL},
    {"notopenai.com", NULL, NULL, NULL},
    {"api.openai.com.attacker.net", NULL, NULL, NULL},
    {"github.com", NULL, NULL, NULL},
    {"api.github.com", NULL, NULL, NULL},
    {"githubusercontent.com", NULL, NULL, NULL},
    {"raw.githubusercontent.com", NULL, NULL, NULL},
    {"www.google.com", NULL, NULL, NULL},
    {"google.com", NULL, NULL, NULL},
    /* hosted MCP servers: a dedicated host by name; a shared one never */
    {"mcp.sentry.dev", "mcp-sentry", "mcp-server", NULL},
    {"observability.mcp.cloudflare.com", "mcp-cloudflare", "mcp-server", NULL},
    {"api.githubcopilot.com", "github-copilot", "ai-coding", NULL},
    {"", NULL, NULL, NULL},
    {".", NULL, NULL, NULL},
    {"[::1]:443", NULL, NULL, NULL},
};

static void test_domain(void **state)
{
	const struct dom_case *c = *state;
	const struct sig_service *s = sig_match_domain(db, c->domain);
	if (!c->id) {
		if (s)
			fail_msg("matched %s, expected no match", s->id);
		return;
	}
	if (!s)
		fail_msg("no match, expected %s", c->id);
	if (strcmp(s->id, c->id) != 0)
		fail_msg("matched %s, expected %s", s->id, c->id);
	if (c->category)
		assert_string_equal(s->category, c->category);
	if (c->provider) {
		assert_non_null(s->provider);
		assert_string_equal(s->provider, c->provider);
	}
	assert_non_null(s->name);
	assert_non_null(s->vendor);
}

static void test_domain_null(void **state)
{
	(void)state;
	assert_null(sig_match_domain(db, NULL));
	assert_null(sig_match_domain(NULL, "api.openai.com"));
}

/* Every SNI in the nDPI "sites" capture result (well-known non-AI sites). */
static const char *const sites_snis[] = {
    "732231.ms.ok.ru",
    "account.xbox.com",
    "accounts.ea.com",
    "api.accuweather.com",
    "assets.ubuntu.com",
    "bsky.app",
    "bsky.social",
    "cdn.cnn.com",
    "classroom.google.com",
    "cloud.huawei.com",
    "contentcenter-dre.dbankcdn.com",
    "deezer.com",
    "drive.google.com",
    "edge-mqtt.facebook.com",
    "enoki.us-east.host.bsky.network",
    "f.vimeocdn.com",
    "googleplus.com",
    "gql.twitch.tv",
    "guzzoni.apple.com",
    "hangouts.google.com",
    "hulu.com",
    "id7.cloud.huawei.com",
    "it-mil-v086.prod.surfshark.com",
    "kerve.last.fm",
    "maps.google.com",
    "mastodon.social",
    "meet27083742.adobeconnect.com",
    "msg.qy.net",
    "onedrive.com",
    "onedrive.live.com",
    "opportunarch.iqiyi.com",
    "origin-a.akamaihd.net",
    "outlook.com",
    "pandora.com",
    "pastebin.com",
    "plus.google.com",
    "presence.fuze.com",
    "prod-static.disney-plus.net",
    "s1.nordcdn.com",
    "soundcloud.com",
    "sourcepointcmp.bloomberg.com",
    "static.playstation.com",
    "stc.iqiyipic.com",
    "t.me",
    "teams.office.com",
    "telegram.me",
    "upload.wikimedia.org",
    "vcs-va.tiktokv.com",
    "videosnap.like.video",
    "web.telegram.org",
    "www.activision.com",
    "www.badoo.com",
    "www.bloomberg.com",
    "www.ebay.com",
    "www.gitlab.com",
    "www.iflix.com",
    "www.linkedin.com",
    "www.playstation.com",
    "www.primevideo.com",
    "www.threads.net",
    /* and a few more everyday names */
    "outlook.office365.com",
    "gitlab.com",
    "docs.google.com",
    "login.microsoftonline.com",
    "accounts.google.com",
    "login.live.com",
    "www.youtube.com",
    "slack.com",
    "zoom.us",
};

static void test_broad_scopes(void **state)
{
	(void)state;
	assert_true(sig_broad_scope(db, "https://www.googleapis.com/auth/cloud-platform"));
	assert_true(sig_broad_scope(db, "Mail.ReadWrite"));
	assert_true(sig_broad_scope(db, "https://graph.microsoft.com/Mail.ReadWrite"));
	assert_true(sig_broad_scope(db, "repo"));
	assert_false(sig_broad_scope(db, "openid"));
	assert_false(sig_broad_scope(db, "mcp:tools"));
	assert_false(sig_broad_scope(db, "https://graph.microsoft.com/User.Read"));
	assert_false(sig_broad_scope(db, ""));
}

/* Identity providers are known, but as identity, never as AI. */
static void test_non_ai(void **state)
{
	const char *const *sni = *state;
	const struct sig_service *s = sig_match_domain(db, *sni);
	if (s && strcmp(s->category, "identity") != 0)
		fail_msg("non-AI %s matched %s", *sni, s->id);
}

struct idp_case {
	const char *domain, *id;
};

static const struct idp_case idps[] = {
	{"login.microsoftonline.com", "microsoft-entra-id"},
	{"accounts.google.com", "google-identity"},
	{"acme.okta.com", "okta"},
	{"cognito-idp.eu-west-1.amazonaws.com", "aws-cognito"},
};

static void test_identity_provider(void **state)
{
	const struct idp_case *c = *state;
	const struct sig_service *s = sig_match_domain(db, c->domain);
	assert_non_null(s);
	assert_string_equal(s->id, c->id);
	assert_string_equal(s->category, "identity");
}

/* The nDPI sites result file itself (public captures). */
static void test_ndpi_sites_result(void **state)
{
	(void)state;
	const char *path = public_file("ndpi/result/sites.pcapng.out");
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[4096];
	size_t n = 0;
	while (fgets(line, sizeof line, f)) {
		const char *p = strstr(line, "[Hostname/SNI: ");
		if (!p)
			continue;
		p += strlen("[Hostname/SNI: ");
		const char *e = strchr(p, ']');
		if (!e || (size_t)(e - p) >= 256)
			continue;
		char name[256];
		memcpy(name, p, (size_t)(e - p));
		name[e - p] = '\0';
		const struct sig_service *s = sig_match_domain(db, name);
		if (s)
			fail_msg("non-AI %s matched %s", name, s->id);
		n++;
	}
	fclose(f);
	assert_true(n >= 50);
}

/* ---- clients ---- */

struct client_case {
	const char *ua;
	const char *hdr[6]; /* name, value pairs */
	const char *name;   /* NULL = no match */
	const char *version;
	const char *kind;
};

static const struct client_case client_cases[] = {
    {"OpenAI/JS 6.9.1", {0}, "openai-node", "6.9.1", "llm-api-client"},
    {"OpenAI/JS 4.104.0",
     {"x-stainless-lang", "js", "x-stainless-package-version", "4.104.1"},
     "openai-node",
     "4.104.1",
     "llm-api-client"},
    {"OpenAI/Python 1.54.3", {"x-stainless-lang", "python"}, "openai-python", "1.54.3", "llm-api-client"},
    {"Anthropic/JS 0.39.0",
     {"x-stainless-lang", "js", "x-stainless-package-version", "0.39.0", "anthropic-version", "2023-06-01"},
     "anthropic-node",
     "0.39.0",
     NULL},
    {"Anthropic/Python 0.40.0", {0}, "anthropic-python", "0.40.0", NULL},
    /* the SDK in a browser: the headers win over a browser User-Agent */
    {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
     {"x-stainless-lang", "js", "x-stainless-package-version", "0.33.1", "anthropic-version", "2023-06-01"},
     "anthropic-node",
     "0.33.1",
     "llm-api-client"},
    {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
     {"x-stainless-lang", "js", "x-stainless-package-version", "4.70.2", "x-stainless-runtime",
      "browser:chrome"},
     "stainless-sdk-js",
     "4.70.2",
     "llm-api-client"},
    {"Groq/Python 0.13.0", {0}, "groq-python", "0.13.0", NULL},
    /* an application built on an SDK is named by its own User-Agent */
    {"claude-cli/1.0.61 (external, cli)",
     {"x-stainless-lang", "js", "x-stainless-package-version", "0.55.1", "anthropic-version", "2023-06-01"},
     "claude-code",
     "1.0.61",
     "llm-api-client"},
    {"codex_cli_rs/0.20.0 (Ubuntu 24.4.0; x86_64) xterm-256color", {0}, "codex-cli", "0.20.0", NULL},
    {NULL, {"originator", "codex_cli_rs"}, "codex-cli", "", NULL},
    /* pcaps/product-*.pcap: Codex CLI 0.171.0's `codex exec`, Gemini CLI 0.61.0, Claude Code's MCP requests */
    {"codex_exec/0.171.0 (Debian 12.0.0; x86_64) xterm (codex_exec; 0.171.0)",
     {"originator", "codex_exec"},
     "codex-cli",
     "0.171.0",
     "llm-api-client"},
    {"GeminiCLI-tui/0.61.0/gemini-3.1-pro-preview (linux; x64; terminal)",
     {"x-goog-api-client", "google-genai-sdk/1.30.0 gl-node/v20.20.2"},
     "gemini-cli",
     "0.61.0",
     "llm-api-client"},
    {"claude-code/2.1.332 (sdk-cli)", {0}, "claude-code", "2.1.332", "llm-api-client"},
    {"OpenAI/JS 5.10.1", {"x-title", "Cline", "x-cline-version", "3.20.1"}, "cline", "3.20.1", "llm-api-client"},
    {"GitHubCopilotChat/0.22.4", {0}, "github-copilot-chat", "0.22.4", "ai-app"},
    {"node",
     {"editor-plugin-version", "copilot-chat/0.23.2", "editor-version", "vscode/1.96.0"},
     "github-copilot-chat",
     "0.23.2",
     "ai-app"},
    {"connect-es/1.4.0", {"x-cursor-client-version", "0.45.11"}, "cursor", "0.45.11", "ai-app"},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Cursor/0.42.3 "
     "Chrome/124.0.6367.243 Electron/30.4.0 Safari/537.36",
     {0},
     "cursor",
     "0.42.3",
     "ai-app"},
    {"ollama-python/0.4.4 (x86_64 linux) Python/3.12.3", {0}, "ollama-python", "0.4.4", NULL},
    {"ollama-js/0.5.11 (x64 linux Node.js/v22.11.0)", {0}, "ollama-js", "0.5.11", NULL},
    {"google-genai-sdk/1.2.0 gl-python/3.12.3",
     {"x-goog-api-client", "google-genai-sdk/1.2.0 gl-python/3.12.3"},
     "google-genai-python",
     "1.2.0",
     NULL},
    {NULL, {"x-goog-api-client", "google-genai-sdk/0.8.0 gl-node/web"}, "google-genai-js", "0.8.0", NULL},
    {NULL, {"x-goog-api-client", "genai-js/0.21.0"}, "google-generative-ai-js", "0.21.0", NULL},
    {"litellm/1.55.2", {0}, "litellm", "1.55.2", NULL},
    {"langchainjs-openai/0.3", {0}, "langchain", "", NULL},
    {"curl/8.5.0", {0}, "curl", "8.5.0", "generic-http"},
    {"python-httpx/0.23.0", {0}, "python-httpx", "0.23.0", "generic-http"},
    {"python-requests/2.32.3", {0}, "python-requests", "2.32.3", NULL},
    {"Python/3.11 aiohttp/3.9.5", {0}, "python-aiohttp", "3.9.5", NULL},
    {"axios/1.7.7", {0}, "axios", "1.7.7", NULL},
    {"node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", {0}, "node-fetch", "1.0", NULL},
    {"node", {0}, "undici", "", NULL},
    {"Go-http-client/2.0", {0}, "go-http-client", "", NULL},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
     "Safari/537.36 Edg/131.0.2903.86",
     {0},
     "edge",
     "131.0.2903.86",
     "browser"},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
     "Safari/537.36",
     {0},
     "chrome",
     "131.0.0.0",
     "browser"},
    {"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
     {0},
     "firefox",
     "133.0",
     "browser"},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 "
     "Safari/605.1.15",
     {0},
     "safari",
     "18.1",
     "browser"},
    /* case-insensitive, and nothing for unknown software */
    {"CURL/7.88.1", {0}, "curl", "7.88.1", NULL},
    {"MyInternalTool/1.0", {0}, NULL, NULL, NULL},
    {NULL, {0}, NULL, NULL, NULL},
    {"", {"x-stainless-lang", "rust"}, NULL, NULL, NULL},
};

static void test_client(void **state)
{
	const struct client_case *c = *state;
	const char *names[3], *values[3];
	size_t n = 0;
	for (; n < 3 && c->hdr[2 * n]; n++) {
		names[n] = c->hdr[2 * n];
		values[n] = c->hdr[2 * n + 1];
	}
	struct sig_client_match m;
	bool ok = sig_match_client(db, c->ua, names, values, n, &m);
	if (!c->name) {
		if (ok)
			fail_msg("matched %s", m.name);
		return;
	}
	if (!ok)
		fail_msg("no match, expected %s", c->name);
	if (strcmp(m.name, c->name) != 0 || strcmp(m.version, c->version) != 0)
		fail_msg("got %s %s, expected %s %s", m.name, m.version, c->name, c->version);
	if (c->kind)
		assert_string_equal(m.kind, c->kind);
}

static void test_ja4(void **state)
{
	(void)state;
	struct sig_client_match m;
	assert_true(sig_match_ja4(db, "t13d1516h2_8daaf6152771_e5627efa2ab1", &m));
	assert_null(m.name); /* a runtime, no product */
	assert_string_equal(m.runtime, "chromium");
	assert_string_equal(m.kind, "browser");
	assert_string_equal(m.version, "");
	assert_true(sig_match_ja4(db, "q13d0310h3_55b375c5d22e_cd85d2d88918", &m));
	assert_string_equal(m.runtime, "chromium");
	assert_true(sig_match_ja4(db, "t13d190900_9dc949149365_97f8aa674fd9", &m));
	assert_string_equal(m.runtime, "go-crypto-tls");
	/* measured: Claude Code's native build hello is Bun's */
	assert_true(sig_match_ja4(db, "t13d1713h1_5b57614c22b0_7f527383e249", &m));
	assert_string_equal(m.runtime, "bun");
	assert_null(m.name);
	assert_false(sig_match_ja4(db, "t13d1715h2_5b57614c22b0_5c2c66f702b0", &m));
	assert_null(m.name);
	assert_false(sig_match_ja4(db, "", &m));
	assert_false(sig_match_ja4(db, NULL, &m));
}

/* ---- endpoints ---- */

struct ep_case {
	const char *method, *path;
	const char *api; /* NULL = no match */
	const char *operation;
	bool listing;
	const char *model;
};

static const struct ep_case ep_cases[] = {
    {"POST", "/v1/chat/completions", "openai", "chat", false, ""},
    {"POST", "/v1/chat/completions?stream=true", "openai", "chat", false, ""},
    {"POST", "/openai/v1/chat/completions", "openai", "chat", false, ""},
    {"POST", "/api/v1/chat/completions", "openai", "chat", false, ""},
    {"POST", "/chat/completions", "openai", "chat", false, ""},
    {"POST", "/v1beta/openai/chat/completions", "openai", "chat", false, ""},
    {"POST", "/v1/completions", "openai", "text_completion", false, ""},
    {"POST", "/v1/embeddings", "openai", "embeddings", false, ""},
    {"POST", "/v1/responses", "openai", "chat", false, ""},
    {"GET", "/v1/models", "openai", NULL, true, ""},
    {"POST", "/v1/audio/transcriptions", "openai", NULL, false, ""},
    {"POST", "/v1/audio/speech", "openai", NULL, false, ""},
    {"POST", "/v1/images/generations", "openai", NULL, false, ""},
    {"POST", "/openai/deployments/gpt-4o-prod/chat/completions", "openai", "chat", false, "gpt-4o-prod"},
    {"POST", "/openai/deployments/emb3/embeddings", "openai", "embeddings", false, "emb3"},
    {"POST", "/openai/deployments/whisper/audio/transcriptions", "openai", NULL, false, "whisper"},
    {"POST", "/v1/messages", "anthropic", "chat", false, ""},
    {"POST", "/v1/messages/count_tokens", "anthropic", NULL, false, ""},
    {"POST", "/v1/complete", "anthropic", "text_completion", false, ""},
    {"POST", "/v1beta/models/gemini-2.0-flash:generateContent", "gemini", "generate_content", false,
     "gemini-2.0-flash"},
    {"POST", "/v1beta/models/gemini-1.5-pro:streamGenerateContent", "gemini", "generate_content", false,
     "gemini-1.5-pro"},
    {"POST", "/v1/models/text-embedding-004:embedContent", "gemini", "embeddings", false,
     "text-embedding-004"},
    {"POST", "/v1beta/models/gemini-2.0-flash:countTokens", "gemini", NULL, false, "gemini-2.0-flash"},
    {"GET", "/v1beta/models", "gemini", NULL, true, ""},
    {"POST",
     "/v1/projects/p1/locations/us-central1/publishers/google/models/gemini-1.5-flash:generateContent",
     "gemini", "generate_content", false, "gemini-1.5-flash"},
    {"POST",
     "/v1/projects/p1/locations/us-east5/publishers/anthropic/models/"
     "claude-3-5-sonnet-v2@20241022:rawPredict",
     "anthropic", "chat", false, "claude-3-5-sonnet-v2@20241022"},
    {"POST", "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse", "bedrock", "chat", false,
     "anthropic.claude-3-5-sonnet-20240620-v1:0"},
    {"POST", "/model/amazon.titan-embed-text-v2%3a0/invoke", "bedrock", NULL, false,
     "amazon.titan-embed-text-v2:0"},
    {"POST", "/api/chat", "ollama", "chat", false, ""},
    {"POST", "/api/generate", "ollama", "text_completion", false, ""},
    {"POST", "/api/embed", "ollama", "embeddings", false, ""},
    {"POST", "/api/embeddings", "ollama", "embeddings", false, ""},
    {"GET", "/api/tags", "ollama", NULL, true, ""},
    {"POST", "/api/show", "ollama", NULL, false, ""},
    {"POST", "/api/pull", "ollama", NULL, false, ""},
    {"GET", "/api/ps", "ollama", NULL, false, ""},
    {"GET", "/api/version", "ollama", NULL, false, ""},
    {"POST", "/generate", "tgi", "text_completion", false, ""},
    {"POST", "/generate_stream", "tgi", "text_completion", false, ""},
    /* misses */
    {"GET", "/v1/chat/completions", NULL, NULL, false, NULL},
    {"POST", "/v1/chat/completion", NULL, NULL, false, NULL},
    {"POST", "/v2/messages", NULL, NULL, false, NULL},
    {"POST", "/v1/messages/batches", NULL, NULL, false, NULL},
    {"POST", "/v1beta/models/:generateContent", NULL, NULL, false, NULL},
    {"POST", "/", NULL, NULL, false, NULL},
    {"POST", "", NULL, NULL, false, NULL},
    {"GET", "/index.html", NULL, NULL, false, NULL},
    {"POST", "/api/chats", NULL, NULL, false, NULL},
    {NULL, "/v1/chat/completions", NULL, NULL, false, NULL},
    {"POST", "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z/0/1/2/3/4/5/6/chat/completions", NULL,
     NULL, false, NULL},
};

static void test_endpoint(void **state)
{
	const struct ep_case *c = *state;
	struct sig_endpoint e;
	bool ok = sig_match_endpoint(db, c->method, c->path, &e);
	if (!c->api) {
		if (ok)
			fail_msg("matched %s", e.api);
		return;
	}
	if (!ok)
		fail_msg("no match");
	if (strcmp(e.api, c->api) != 0)
		fail_msg("api %s, expected %s", e.api, c->api);
	if (c->operation) {
		if (!e.operation || strcmp(e.operation, c->operation) != 0)
			fail_msg("operation %s, expected %s", e.operation ? e.operation : "(none)", c->operation);
	} else {
		assert_null(e.operation);
	}
	assert_int_equal(e.model_listing, c->listing);
	assert_string_equal(e.model, c->model);
}

/* ---- loader errors ---- */

struct err_case {
	const char *yaml;
	const char *msg; /* expected after "<file>:" */
};

static const struct err_case err_cases[] = {
    {"services:\n  - id: a\n    name: A\n    vendor: V\n    category: llm-api\n    domains: [a.example]\n"
     "    colour: red\n",
     "7: unknown key 'colour' in service"},
    {"services:\n  - id: a\n    name: A\n    category: llm-api\n    domains: [a.example]\n",
     "2: service is missing required key 'vendor'"},
    {"services:\n  - id: a\n    name: A\n    vendor: V\n    category: llm-api\n    domains: a.example\n",
     "6: 'domains' must be a sequence"},
    {"services:\n  - id: a\n    name: [A]\n    vendor: V\n    category: llm-api\n    domains: [a.example]\n",
     "3: 'name' must be a string"},
    {"services:\n  - id: a\n    name: A\n    vendor: V\n    category: ai-toaster\n    domains: [a.example]\n",
     "5: unknown category 'ai-toaster'"},
    {"services:\n  - {id: a, name: A, vendor: V, category: llm-api, domains: [a.example]}\n"
     "  - {id: a, name: B, vendor: V, category: llm-api, domains: [b.example]}\n",
     "3: duplicate service id 'a'"},
    {"services:\n  - {id: a, name: A, vendor: V, category: llm-api, domains: [a.example]}\n"
     "  - {id: b, name: B, vendor: V, category: llm-api,\n     domains: [b.example, A.Example.]}\n",
     "4: duplicate domain 'a.example' (already in service 'a')"},
    {"services:\n  - {id: a, name: A, vendor: V, category: llm-api, domains: [\"x-*.a.example\"]}\n"
     "  - {id: b, name: B, vendor: V, category: llm-api, domains: [\"x-*.a.example\"]}\n",
     "3: duplicate domain 'x-*.a.example' (already in service 'a')"},
    {"services:\n  - {id: Bad_Id, name: A, vendor: V, category: llm-api, domains: [a.example]}\n",
     "2: service id 'Bad_Id' is not kebab-case"},
    {"services:\n  - {id: a, name: A, vendor: V, category: llm-api, domains: [\"*.com\"]}\n",
     "2: bad domain '*.com': wildcard over a top-level domain"},
    {"services:\n  - {id: a, name: A, vendor: V, category: llm-api, domains: [\"a.*\"]}\n",
     "2: bad domain 'a.*': '*' in the last label"},
    {"services:\n  - {id: a, name: A, vendor: V, category: llm-api, domains: [\"*.*.a.example\"]}\n",
     "2: bad domain '*.*.a.example': more than one '*'"},
    {"services:\n  - {id: a, name: A, vendor: V, category: llm-api, domains: [a..example]}\n",
     "2: bad domain 'a..example': empty label"},
    {"services:\n  - {id: a, name: A, vendor: V, category: llm-api, domains: [\"a b.example\"]}\n",
     "2: bad domain 'a b.example'"},
    {"services: [[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]\n", "1: nesting deeper than 16 levels"},
    {"services:\n  - &x {id: a}\n  - *x\n", "3: aliases are not supported"},
    {"services:\n  - id: a\n    name: b: c\n", "3: yaml: mapping values are not allowed in this context"},
    {"services:\n  - id: a\n   name: b\n", "3: yaml: did not find expected '-' indicator"},
    {"services: \"\\0\"\n", "1: NUL byte in a scalar"},
    {"---\nservices: []\n---\nclients: []\n", "3: only one YAML document per file"},
    {"- a\n- b\n", "1: top level must be a mapping"},
    {"rules: []\n", "1: unknown key 'rules' in top level"},
    {"services: {}\n", "1: 'services' must be a sequence"},
    {"services:\n  - just-a-string\n", "2: service must be a mapping"},
    {"clients:\n  - {name: x, kind: robot, user_agent: {prefix: x}}\n", "2: unknown kind 'robot'"},
    {"clients:\n  - {name: x, kind: browser}\n", "2: client rule needs 'user_agent' or 'headers'"},
    {"clients:\n  - {name: x, kind: browser, user_agent: {suffix: x}}\n",
     "2: unknown key 'suffix' in user_agent"},
    {"clients:\n  - name: x\n    kind: browser\n    headers:\n      - {name: X-Foo, equals: y}\n",
     "5: header name 'X-Foo' must be lower-case"},
    {"clients:\n  - name: x\n    kind: browser\n    headers:\n      - {name: x-foo, equals: y, prefix: z}\n",
     "5: header condition needs exactly one of 'equals', 'prefix', 'contains', 'present'"},
    {"clients:\n  - {name: x, kind: browser, user_agent: {prefix: x}, version_header_after: a}\n",
     "2: 'version_header_after' needs 'version_header'"},
    {"ja4:\n  - {ja4: t13d1516h2_8daaf6152771_e5627efa2ab1, name: c, kind: browser, source: s}\n"
     "  - {ja4: t13d1516h2_8daaf6152771_e5627efa2ab1, name: d, kind: browser, source: s}\n",
     "3: duplicate ja4 't13d1516h2_8daaf6152771_e5627efa2ab1'"},
    {"ja4:\n  - {ja4: nope, name: c, kind: browser, source: s}\n", "2: bad ja4 'nope'"},
    {"ja4:\n  - {ja4: t13d1516h2_8daaf6152771_e5627efa2ab1, name: c, kind: browser}\n",
     "2: ja4 rule is missing required key 'source'"},
    {"endpoints:\n  - {api: openai, operation: chatting, path: /v1/x}\n", "2: unknown operation 'chatting'"},
    {"endpoints:\n  - {api: openai, path: v1/x}\n", "2: bad path 'v1/x': must start with '/' or '**/'"},
    {"endpoints:\n  - {api: openai, path: \"/v1/{name}\"}\n",
     "2: bad path '/v1/{name}': the only placeholder is '{model}'"},
    {"endpoints:\n  - {api: openai, path: \"/{model}/{model}\"}\n",
     "2: bad path '/{model}/{model}': '{model}' more than once"},
    {"endpoints:\n  - {api: openai, path: \"**/a/**\"}\n", "2: bad path '**/a/**': '**' more than once"},
    {"endpoints:\n  - {api: openai, path: \"/a*b*\"}\n", "2: bad path '/a*b*': one wildcard per segment"},
    {"endpoints:\n  - {api: openai, methods: [post], path: /x}\n", "2: bad method 'post'"},
    {"ja4:\n  - {ja4: t13d1516h2_8daaf6152771_e5627efa2ab1, kind: browser, source: s}\n",
     "2: ja4 rule needs 'name' (a product) or 'runtime'"},
    {"endpoints:\n  - {api: openai, model_listing: yes, path: /x}\n",
     "2: 'model_listing' must be true or false"},
    {"services:\n  - {id: m, name: M, vendor: V, category: mcp-server, domains: [a.example], shared: yes}\n",
     "2: 'shared' must be true or false"},
};

/* One broken file: the exact message, from the file and from a buffer. */
static void test_load_error(void **state)
{
	const struct err_case *c = *state;
	char dir[] = "/tmp/test_sig_XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[512], err[512] = "", want[1024];
	snprintf(path, sizeof path, "%s/case.yaml", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(c->yaml, f);
	fclose(f);
	const char *paths[] = {path};
	struct sig_db *bad = (struct sig_db *)1;
	int rc = sig_load_files(paths, 1, &bad, err, sizeof err);
	unlink(path);
	rmdir(dir);
	snprintf(want, sizeof want, "%s:%s", path, c->msg);
	if (rc != AS_ERR_CONFIG || strcmp(err, want) != 0)
		fail_msg("rc %d, got \"%s\", want \"%s\"", rc, err, want);
	assert_null(bad);
	/* the same bytes through the buffer entry point give the same message */
	rc = sig_load_buffer(path, c->yaml, strlen(c->yaml), &bad, err, sizeof err);
	assert_int_equal(rc, AS_ERR_CONFIG);
	assert_string_equal(err, want);
}

/* Products (products.yaml): each piece's name finds its product; the
 * runtimes its builds use are known, another one is not. */
static void test_products(void **state)
{
	(void)state;
	const struct sig_product *cc = sig_product_of(db, "claude-code");
	assert_non_null(cc);
	assert_string_equal(cc->name, "Claude Code");
	assert_true(sig_product_runtime(cc, "bun"));
	assert_true(sig_product_runtime(cc, "nodejs"));
	assert_false(sig_product_runtime(cc, "curl"));
	assert_ptr_equal(sig_product_of(db, "codex-mcp-client"), sig_product_of(db, "codex-cli"));
	assert_ptr_equal(sig_product_of(db, "gemini-cli-mcp-client"), sig_product_of(db, "gemini-cli"));
	assert_null(sig_product_of(db, "openai-node")); /* an SDK is no product */
	assert_null(sig_product_of(db, ""));
	/* a product without measured runtimes claims none */
	assert_false(sig_product_runtime(sig_product_of(db, "cursor"), "chromium"));
	/* one name, one product */
	char err[512];
	struct sig_db *d = NULL;
	static const char two[] = "products:\n  - {id: a, name: A, vendor: V, software: [x]}\n"
				  "  - {id: b, name: B, vendor: V, software: [x]}\n";
	assert_int_equal(sig_load_buffer("two.yaml", two, sizeof two - 1, &d, err, sizeof err), AS_ERR_CONFIG);
	assert_non_null(strstr(err, "two.yaml:3: software 'x' already names product 'a'"));
}

static void test_load_misc(void **state)
{
	(void)state;
	char err[512];
	struct sig_db *d = NULL;
	/* an empty file is valid and holds nothing */
	assert_int_equal(sig_load_buffer("empty.yaml", "", 0, &d, err, sizeof err), AS_OK);
	assert_int_equal(sig_service_count(d), 0);
	assert_null(sig_match_domain(d, "api.openai.com"));
	sig_free(d);
	/* a shared host's service is loaded, its domains name nothing */
	static const char shared[] =
	    "services:\n  - {id: m, name: M, vendor: V, category: mcp-server, domains: "
	    "[api.example], path: /mcp, shared: true}\n";
	assert_int_equal(sig_load_buffer("shared.yaml", shared, sizeof shared - 1, &d, err, sizeof err),
			 AS_OK);
	assert_int_equal(sig_service_count(d), 1);
	assert_null(sig_match_domain(d, "api.example"));
	sig_free(d);
	/* too large */
	size_t big = AS_SIG_MAX_FILE_BYTES + 1;
	char *buf = calloc(1, big);
	assert_non_null(buf);
	memset(buf, '#', big);
	assert_int_equal(sig_load_buffer("big.yaml", buf, big, &d, err, sizeof err), AS_ERR_CONFIG);
	assert_string_equal(err, "big.yaml:1: file larger than 4194304 bytes");
	char dir[] = "/tmp/test_sig_XXXXXX", path[512];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/big.yaml", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fwrite(buf, 1, big, f);
	fclose(f);
	free(buf);
	const char *paths[] = {path};
	assert_int_equal(sig_load_files(paths, 1, &d, err, sizeof err), AS_ERR_CONFIG);
	char want[1400];
	snprintf(want, sizeof want, "%s:1: file larger than 4194304 bytes", path);
	assert_string_equal(err, want);
	unlink(path);
	/* a directory without rule files, a missing directory */
	assert_int_equal(sig_load_dir(dir, &d, err, sizeof err), AS_ERR_CONFIG);
	assert_non_null(strstr(err, "no *.yaml signature files"));
	rmdir(dir);
	assert_int_equal(sig_load_dir("/nonexistent/sigs", &d, err, sizeof err), AS_ERR_CONFIG);
	assert_non_null(strstr(err, "/nonexistent/sigs: cannot open directory"));
	/* a duplicate across files is reported in the later file */
	const char *a =
	    "services:\n  - {id: a, name: A, vendor: V, category: llm-api, domains: [a.example]}\n";
	const char *b =
	    "services:\n  - {id: b, name: B, vendor: V, category: llm-api, domains: [b.example]}\n"
	    "  - {id: a, name: A, vendor: V, category: llm-api, domains: [c.example]}\n";
	char pa[600], pb[600];
	strcpy(dir, "/tmp/test_sig_XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(pa, sizeof pa, "%s/10-a.yaml", dir);
	snprintf(pb, sizeof pb, "%s/20-b.yaml", dir);
	f = fopen(pa, "w");
	fputs(a, f);
	fclose(f);
	f = fopen(pb, "w");
	fputs(b, f);
	fclose(f);
	assert_int_equal(sig_load_dir(dir, &d, err, sizeof err), AS_ERR_CONFIG);
	snprintf(want, sizeof want, "%s:3: duplicate service id 'a'", pb);
	assert_string_equal(err, want);
	unlink(pa);
	unlink(pb);
	rmdir(dir);
}

int main(void)
{
	struct cases real = {0}, loader = {0};
	CASE(&real, test_counts);
	for (size_t i = 0; i < sizeof dom_cases / sizeof dom_cases[0]; i++)
		CASE_ROW(&real, test_domain, &dom_cases[i], "%02zu %s", i, dom_cases[i].domain);
	CASE(&real, test_domain_null);
	CASE(&real, test_broad_scopes);
	for (size_t i = 0; i < sizeof sites_snis / sizeof sites_snis[0]; i++)
		CASE_ROW(&real, test_non_ai, &sites_snis[i], "%s", sites_snis[i]);
	CASE_ROWS(&real, test_identity_provider, idps, domain);
	CASE(&real, test_ndpi_sites_result);
	for (size_t i = 0; i < sizeof client_cases / sizeof client_cases[0]; i++)
		CASE_ROW(&real, test_client, &client_cases[i], "%02zu %s", i,
			 client_cases[i].ua ? client_cases[i].ua : "(no user agent)");
	CASE(&real, test_ja4);
	CASE(&real, test_products);
	for (size_t i = 0; i < sizeof ep_cases / sizeof ep_cases[0]; i++)
		CASE_ROW(&real, test_endpoint, &ep_cases[i], "%02zu %s %s", i,
			 ep_cases[i].method ? ep_cases[i].method : "-", ep_cases[i].path);
	for (size_t i = 0; i < sizeof err_cases / sizeof err_cases[0]; i++)
		CASE_ROW(&loader, test_load_error, &err_cases[i], "%02zu %s", i, err_cases[i].msg);
	CASE(&loader, test_load_misc);
	int failed = cases_run(&real, "shipped signatures", load_real, free_real);
	failed += cases_run(&loader, "loader errors", NULL, NULL);
	return cases_status(failed);
}
