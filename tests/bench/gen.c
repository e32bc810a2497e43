/* gen.c — seeded, deterministic generator of a large mixed classic-pcap capture (Ethernet, IPv4/IPv6, TCP/UDP; TLS, HTTP, DNS, AI APIs, MCP) for the aisensor benchmark. */
/*
 * Usage: gen [-s SEED] [-b SIZE[K|M|G]] [-f FLOWS] [-d SECONDS] [-a AI_PERMILLE]
 *            [-6 V6_PERCENT] [-H HOSTS] -o FILE
 *        gen -c FILE            count packets/bytes of a classic pcap
 *
 * Same arguments, same bytes: one xoshiro256** stream (seeded by splitmix64)
 * plans the flows, and each flow draws from its own stream seeded by
 * (seed, flow index), so content does not depend on interleaving. Timestamps
 * start at a fixed epoch. No libm: only integer and basic IEEE arithmetic.
 *
 * Flows are interleaved in time with a min-heap keyed by each flow's next
 * packet time; each flow is a small state machine that emits one packet per
 * step (TCP: handshake, data with correct seq/ack and delayed ACKs every two
 * segments, FIN teardown; UDP: datagram list).
 *
 * The bulk size of ordinary flows is scaled so the file lands near the
 * requested size: dry passes (no payload, no I/O) measure the size at two
 * scales and a linear fit picks the final scale.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EPOCH_S 1772442000ULL /* 2026-03-02 09:00:00 UTC */
#define MAXMSG 128
#define SNAPLEN 65535u
#define ETH_MTU 1500u
#define WIN_SEGS 44u /* segments sent before the sender waits one RTT */

/* ------------------------------------------------------------------ PRNG */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_u64(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

/* uniform in [0, n) */
static uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_u64(r) >> 32) * (uint64_t)n) >> 32);
}

/* uniform in [lo, hi] */
static uint32_t rng_range(struct rng *r, uint32_t lo, uint32_t hi)
{
	return lo + rng_below(r, hi - lo + 1);
}

/* true with probability permille/1000 */
static int rng_pm(struct rng *r, uint32_t permille)
{
	return rng_below(r, 1000) < permille;
}

static void rng_fill(struct rng *r, uint8_t *p, size_t n)
{
	while (n >= 8) {
		uint64_t v = rng_u64(r);
		memcpy(p, &v, 8);
		p += 8;
		n -= 8;
	}
	if (n) {
		uint64_t v = rng_u64(r);
		memcpy(p, &v, n);
	}
}

static void hex_from(char *out, size_t nhex, uint64_t key)
{
	static const char hx[] = "0123456789abcdef";
	uint64_t x = key;
	uint64_t v = 0;
	for (size_t i = 0; i < nhex; i++) {
		if (i % 16 == 0)
			v = splitmix64(&x);
		out[i] = hx[v & 15];
		v >>= 4;
	}
	out[nhex] = 0;
}

/* ---------------------------------------------------------------- buffer */

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void die(const char *msg)
{
	fprintf(stderr, "gen: %s\n", msg);
	exit(1);
}

static void buf_reserve(struct buf *b, size_t n)
{
	if (b->len + n <= b->cap)
		return;
	size_t nc = b->cap ? b->cap * 2 : 256;
	while (nc < b->len + n)
		nc *= 2;
	uint8_t *np = realloc(b->p, nc);
	if (!np)
		die("out of memory");
	b->p = np;
	b->cap = nc;
}

static void buf_put(struct buf *b, const void *d, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void buf_u8(struct buf *b, unsigned v)
{
	uint8_t c = (uint8_t)v;
	buf_put(b, &c, 1);
}

static void buf_u16(struct buf *b, unsigned v)
{
	uint8_t c[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	buf_put(b, c, 2);
}

static void buf_u32(struct buf *b, uint32_t v)
{
	uint8_t c[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	buf_put(b, c, 4);
}

static void buf_rand(struct buf *b, struct rng *r, size_t n)
{
	buf_reserve(b, n);
	rng_fill(r, b->p + b->len, n);
	b->len += n;
}

static void buf_str(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void buf_fmt(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("format error");
	buf_reserve(b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* length placeholders, filled once the body is written */
static size_t buf_mark(struct buf *b, size_t width)
{
	size_t at = b->len;
	static const uint8_t z[3];
	buf_put(b, z, width);
	return at;
}

static void buf_fill(struct buf *b, size_t at, size_t width)
{
	size_t n = b->len - at - width;
	for (size_t i = 0; i < width; i++)
		b->p[at + i] = (uint8_t)(n >> (8 * (width - 1 - i)));
}

/* ------------------------------------------------------- world: domains */

enum dom_kind { DK_WEB, DK_OPENAI, DK_ANTHROPIC, DK_GEMINI };

struct domain {
	char name[80];
	uint8_t kind;
	uint8_t nv4, nv6;
	uint8_t v4[4][4];
	uint8_t v6[2][16];
};

static const char *const web_prefix[] = {"www", "cdn", "static", "img", "assets", "api",
					  "media", "login", "news", "shop", "video", "docs"};
static const char *const web_base[] = {"example.com",	     "example.net",	  "example.org",
				       "cdn-example.net",    "shop-example.com",  "news-example.org",
				       "video-example.net",  "mail-example.com",  "social-example.com",
				       "search-example.org"};
#define N_WEB (sizeof web_prefix / sizeof web_prefix[0] * (sizeof web_base / sizeof web_base[0]))
#define N_DOM (N_WEB + 3)
#define DOM_OPENAI (N_WEB)
#define DOM_ANTHROPIC (N_WEB + 1)
#define DOM_GEMINI (N_WEB + 2)

static struct domain doms[N_DOM];

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
	return h;
}

static void set4(uint8_t *a, unsigned x, unsigned y, unsigned z, unsigned w)
{
	a[0] = (uint8_t)x;
	a[1] = (uint8_t)y;
	a[2] = (uint8_t)z;
	a[3] = (uint8_t)w;
}

static void set6(uint8_t *a, const uint16_t w[8])
{
	for (int i = 0; i < 8; i++) {
		a[2 * i] = (uint8_t)(w[i] >> 8);
		a[2 * i + 1] = (uint8_t)w[i];
	}
}

static void world_domains(void)
{
	static const uint8_t pools[8][2] = {{93, 184}, {151, 101}, {104, 16},  {142, 250},
					    {13, 32},  {23, 45},   {185, 199}, {199, 232}};
	size_t np = sizeof web_prefix / sizeof web_prefix[0];
	for (size_t i = 0; i < N_WEB; i++) {
		struct domain *d = &doms[i];
		/* interleave bases so that popular (low-index) names cover many sites */
		snprintf(d->name, sizeof d->name, "%s.%s", web_prefix[i % np], web_base[(i / np + i) % 10]);
		if (i == 0)
			snprintf(d->name, sizeof d->name, "www.example.com");
		uint64_t h = fnv1a(d->name);
		d->kind = DK_WEB;
		d->nv4 = (uint8_t)(1 + (h >> 40) % 4);
		d->nv6 = (uint8_t)(1 + (h >> 44) % 2);
		unsigned p = (unsigned)(h % 8);
		for (unsigned k = 0; k < d->nv4; k++)
			set4(d->v4[k], pools[p][0], pools[p][1], (unsigned)((h >> 8) & 0xff),
			     1 + (unsigned)((h >> 16) % 200) + k * 13);
		for (unsigned k = 0; k < d->nv6; k++) {
			uint16_t w[8] = {0x2001, 0x0db8, (uint16_t)(0xf000 | p), (uint16_t)(h >> 24), 0, 0,
					 (uint16_t)(h >> 32), (uint16_t)(1 + k)};
			set6(d->v6[k], w);
		}
	}
	struct domain *d = &doms[DOM_OPENAI];
	snprintf(d->name, sizeof d->name, "api.openai.com");
	d->kind = DK_OPENAI;
	d->nv4 = 2;
	set4(d->v4[0], 162, 159, 140, 245);
	set4(d->v4[1], 172, 66, 0, 243);
	d->nv6 = 1;
	set6(d->v6[0], (const uint16_t[8]){0x2606, 0x4700, 0x4400, 0, 0, 0, 0xac40, 0x9bd1});
	d = &doms[DOM_ANTHROPIC];
	snprintf(d->name, sizeof d->name, "api.anthropic.com");
	d->kind = DK_ANTHROPIC;
	d->nv4 = 1;
	set4(d->v4[0], 160, 79, 104, 10);
	d->nv6 = 1;
	set6(d->v6[0], (const uint16_t[8]){0x2607, 0x6bc0, 0, 0, 0, 0, 0, 0x10});
	d = &doms[DOM_GEMINI];
	snprintf(d->name, sizeof d->name, "generativelanguage.googleapis.com");
	d->kind = DK_GEMINI;
	d->nv4 = 2;
	set4(d->v4[0], 142, 250, 74, 106);
	set4(d->v4[1], 142, 250, 185, 74);
	d->nv6 = 1;
	set6(d->v6[0], (const uint16_t[8]){0x2a00, 0x1450, 0x4001, 0x0828, 0, 0, 0, 0x200a});
}

/* --------------------------------------------------------- world: hosts */

struct host {
	uint8_t mac[6];
	uint8_t v4[4];
	uint8_t v6[16];
};

static struct host *hosts;
static uint32_t n_hosts = 6000;
static uint32_t *ai_hosts;
static uint32_t n_ai_hosts;
#define AI_HOST_STRIDE 47u /* every 47th host runs AI software */

static const uint8_t router_mac[6] = {0x00, 0x00, 0x5e, 0x00, 0x01, 0x01};

static void world_hosts(void)
{
	static const uint8_t nets[4][2] = {{10, 1}, {10, 2}, {10, 20}, {172, 16}};
	static const uint8_t ouis[4][3] = {{0x52, 0x54, 0x00}, {0x3c, 0x22, 0xfb}, {0x00, 0x1b, 0x21}, {0xf8, 0x75, 0xa4}};
	hosts = calloc(n_hosts, sizeof *hosts);
	ai_hosts = calloc(n_hosts / AI_HOST_STRIDE + 1, sizeof *ai_hosts);
	if (!hosts || !ai_hosts)
		die("out of memory");
	for (uint32_t i = 0; i < n_hosts; i++) {
		struct host *h = &hosts[i];
		uint32_t net = i % 4, j = i / 4;
		uint32_t low = (i * 0x9E3779B1u) & 0xFFFFFFu; /* bijective mod 2^24 */
		memcpy(h->mac, ouis[i % 4], 3);
		h->mac[3] = (uint8_t)(low >> 16);
		h->mac[4] = (uint8_t)(low >> 8);
		h->mac[5] = (uint8_t)low;
		set4(h->v4, nets[net][0], nets[net][1], 1 + ((j / 250) * 37) % 250, 2 + j % 250);
		/* 2001:db8:10N:<third>:EUI-64 */
		uint16_t w[8] = {0x2001, 0x0db8, (uint16_t)(0x100 + net), h->v4[2],
				 (uint16_t)(((h->mac[0] ^ 2) << 8) | h->mac[1]), (uint16_t)((h->mac[2] << 8) | 0xff),
				 (uint16_t)(0xfe00 | h->mac[3]), (uint16_t)((h->mac[4] << 8) | h->mac[5])};
		set6(h->v6, w);
		if (i % AI_HOST_STRIDE == 3)
			ai_hosts[n_ai_hosts++] = i;
	}
}

/* Internal servers: self-hosted LLM servers and MCP servers (10.9.0.0/16). */
struct isrv {
	uint8_t v4[4];
	uint16_t v6low;
	uint16_t port;
	const char *name;
};

static const struct isrv llm_servers[] = {
	{{10, 9, 1, 10}, 0x110, 8000, "vllm"},	 {{10, 9, 1, 11}, 0x111, 8000, "vllm"},
	{{10, 9, 2, 20}, 0x220, 4000, "litellm"}, {{10, 9, 3, 5}, 0x305, 8080, "llama.cpp"},
};
static const struct isrv ollama_servers[] = {
	{{10, 9, 4, 7}, 0x407, 11434, "ollama"}, {{10, 9, 4, 8}, 0x408, 11434, "ollama"},
	{{10, 9, 4, 9}, 0x409, 11434, "ollama"},
};
static const struct isrv mcp_servers[] = {
	{{10, 9, 5, 20}, 0x520, 8931, "corp-ops-mcp"},
	{{10, 9, 5, 21}, 0x521, 3000, "docs-mcp"},
	{{10, 9, 5, 22}, 0x522, 8080, "ticket-mcp"},
};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const uint8_t resolver_v4[2][4] = {{10, 0, 0, 53}, {10, 0, 0, 54}};

/* --------------------------------------------------------------- flows */

enum ftype { FT_TLS, FT_HTTP, FT_DNS, FT_AI_TLS, FT_AI_OPENAI, FT_AI_OLLAMA, FT_AI_MCP, FT_QUIC, FT_N };
static const char *const ftype_name[FT_N] = {"tls",	  "http",      "dns",	 "ai-tls-provider", "ai-http-openai",
					     "ai-ollama", "ai-mcp", "quic"};

/* -P sse: the DNS- and stream-heavy mix (many short flows, small packets,
 * model answers streamed an event per segment); default: the web mix. */
static int prof_sse;

struct flow {
	uint64_t start_us;
	uint32_t host;
	uint32_t bulk_w; /* unscaled bulk bytes (ordinary TLS/HTTP responses) */
	uint16_t dom;
	uint8_t type;
	uint8_t v6;
};

enum gen_kind { G_NONE, G_TLS, G_HTML, G_RAND };

struct msg {
	uint8_t dir; /* 0 client->server, 1 server->client */
	uint8_t gen;
	uint32_t delay_us; /* from the end of the previous message */
	struct buf head;
	uint64_t gen_len;
	const char *tail;
	uint32_t tail_len;
};

enum phase { P_SYN, P_SYNACK, P_ACK, P_DATA, P_FIN1, P_FIN2, P_FIN3, P_UDP, P_DONE };

struct fst {
	struct rng rng;	 /* structure and timing: identical in dry and real passes */
	struct rng prng; /* opaque payload bytes: drawn only when writing */
	uint32_t idx;
	uint8_t type, v6, udp, phase;
	uint8_t mac[2][6];
	uint8_t ip[2][16];
	uint16_t port[2];
	uint16_t ipid[2];
	uint8_t ttl[2];
	uint32_t flowlabel[2];
	uint16_t win[2];
	uint32_t isn[2], nxt[2];
	uint32_t tsbase[2], last_tsval[2];
	uint64_t t, t_resume;
	uint32_t rtt_us, gap_us, mss;
	uint32_t unacked, segs_win;
	uint8_t pending_ack, ack_dir, closer;
	uint32_t fin_delay_us;
	struct msg m[MAXMSG];
	uint32_t nmsg, cur;
	uint64_t off;
	/* TLS record generator state */
	uint32_t rec_rem;
	uint8_t hdr[5], hdr_pos;
	uint8_t sess_id[32];
	uint32_t heap_pos;
};

static struct msg *msg_new(struct fst *f, unsigned dir, uint32_t delay_us)
{
	if (f->nmsg >= MAXMSG)
		die("too many messages in a flow");
	struct msg *m = &f->m[f->nmsg++];
	memset(m, 0, sizeof *m);
	m->dir = (uint8_t)dir;
	m->delay_us = delay_us;
	return m;
}

static uint64_t msg_len(const struct msg *m)
{
	return m->head.len + m->gen_len + m->tail_len;
}

/* ---------------------------------------------------------- text pools */

static const char *const words[] = {
	"the",	  "data",      "service", "request", "latency", "model",   "cluster", "summary", "report",
	"review", "customer",  "invoice", "deploy",  "network", "sensor",  "agent",   "query",   "result",
	"table",  "analysis",  "quarter", "revenue", "forecast", "backlog", "ticket", "release", "build",
	"error",  "timeout",   "config",  "policy",  "access",  "token",   "storage", "index",   "vector",
	"search", "document",  "meeting", "notes",   "please",  "explain", "compare", "list",    "draft",
	"email",  "translate", "python",  "function", "returns", "value",  "within",  "budget",  "and",
	"for",	  "with",      "from",    "into",    "about",   "should",  "could",   "would"};

static void gen_words(struct buf *b, struct rng *r, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			buf_u8(b, ' ');
		buf_str(b, words[rng_below(r, NELEM(words))]);
	}
}

static const char html_text[] =
	"<div class=\"article\"><h2>Section heading</h2>\n"
	"<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore "
	"et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut "
	"aliquip ex ea commodo consequat.</p>\n"
	"<p>Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla "
	"pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit "
	"anim id est laborum.</p>\n"
	"<ul><li><a href=\"/news/item-1.html\">First item</a></li><li><a href=\"/news/item-2.html\">Second "
	"item</a></li><li><a href=\"/news/item-3.html\">Third item</a></li></ul>\n"
	"<img src=\"/img/photo-small.jpg\" alt=\"photo\" width=\"320\" height=\"240\">\n"
	"<table><tr><th>Name</th><th>Value</th></tr><tr><td>alpha</td><td>1024</td></tr>"
	"<tr><td>beta</td><td>2048</td></tr></table></div>\n";
static const char html_tail[] = "\n<footer>&copy; 2026 Example</footer>\n</body>\n</html>\n";

/* ------------------------------------------------------- TLS handshake */

enum tls_prof { TP_CHROME, TP_FIREFOX, TP_NODE, TP_PYTHON, TP_GO, TP_N };

static const uint16_t grease_vals[16] = {0x0a0a, 0x1a1a, 0x2a2a, 0x3a3a, 0x4a4a, 0x5a5a, 0x6a6a, 0x7a7a,
					 0x8a8a, 0x9a9a, 0xaaaa, 0xbaba, 0xcaca, 0xdada, 0xeaea, 0xfafa};

static const uint16_t ciph_chrome[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
				       0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035, 0};
static const uint16_t ciph_firefox[] = {0x1301, 0x1303, 0x1302, 0xc02b, 0xc02f, 0xcca9, 0xcca8,
					0xc02c, 0xc030, 0xc00a, 0xc009, 0xc013, 0xc014, 0x009c,
					0x009d, 0x002f, 0x0035, 0};
static const uint16_t ciph_openssl[] = {0x1302, 0x1303, 0x1301, 0xc02c, 0xc030, 0x009f, 0xcca9, 0xcca8,
					0xccaa, 0xc02b, 0xc02f, 0x009e, 0xc024, 0xc028, 0x006b, 0xc023,
					0xc027, 0x0067, 0xc00a, 0xc014, 0x0039, 0xc009, 0xc013, 0x0033,
					0x009d, 0x009c, 0x003d, 0x003c, 0x0035, 0x002f, 0x00ff, 0};
static const uint16_t ciph_go[] = {0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc009, 0xc013, 0xc00a,
				   0xc014, 0x009c, 0x009d, 0x002f, 0x0035, 0xc012, 0x000a, 0x1301, 0x1302,
				   0x1303, 0};

/* extension ids; 0xfafa = GREASE placeholder, 0x0015 = padding, 0xffff ends */
static const uint16_t ext_chrome[] = {0xfafa, 0x0000, 0x0017, 0xff01, 0x000a, 0x000b, 0x0023, 0x0010, 0x0005,
				      0x000d, 0x0012, 0x0033, 0x002d, 0x002b, 0x001b, 0x4469, 0xfafa, 0x0015, 0xffff};
static const uint16_t ext_firefox[] = {0x0000, 0x0017, 0xff01, 0x000a, 0x000b, 0x0023, 0x0010, 0x0005,
				       0x0033, 0x002b, 0x000d, 0x002d, 0x001c, 0x0015, 0xffff};
static const uint16_t ext_openssl[] = {0x0000, 0x000b, 0x000a, 0x0023, 0x0010, 0x0016, 0x0017,
				       0x000d, 0x002b, 0x002d, 0x0033, 0xffff};
static const uint16_t ext_go[] = {0x0000, 0x0005, 0x000a, 0x000b, 0x000d, 0xff01, 0x0010,
				  0x0012, 0x002b, 0x0033, 0xffff};

struct ch_ctx {
	struct rng *r;
	const char *sni;
	int prof;
	uint16_t grease[3];
	int grease_seen;
};

static void alpn_list(struct buf *b, int h2)
{
	size_t l = buf_mark(b, 2);
	if (h2) {
		buf_u8(b, 2);
		buf_str(b, "h2");
	}
	buf_u8(b, 8);
	buf_str(b, "http/1.1");
	buf_fill(b, l, 2);
}

static void ch_ext(struct buf *b, struct ch_ctx *c, uint16_t id, size_t hs_start)
{
	int chrome = c->prof == TP_CHROME, ff = c->prof == TP_FIREFOX;
	if (id == 0xfafa) {
		buf_u16(b, c->grease[c->grease_seen++ ? 2 : 1]);
		if (c->grease_seen == 2) {
			buf_u16(b, 1);
			buf_u8(b, 0);
		} else {
			buf_u16(b, 0);
		}
		return;
	}
	if (id == 0x0015) { /* padding: bring the handshake message to 512 bytes */
		size_t now = b->len - hs_start + 4;
		if (now >= 512)
			return;
		size_t pad = 512 - now;
		buf_u16(b, 0x0015);
		buf_u16(b, (unsigned)pad);
		for (size_t i = 0; i < pad; i++)
			buf_u8(b, 0);
		return;
	}
	buf_u16(b, id);
	size_t l = buf_mark(b, 2);
	switch (id) {
	case 0x0000: { /* server_name */
		size_t ll = buf_mark(b, 2);
		buf_u8(b, 0);
		buf_u16(b, (unsigned)strlen(c->sni));
		buf_str(b, c->sni);
		buf_fill(b, ll, 2);
		break;
	}
	case 0x0017: /* extended_master_secret */
	case 0x0023: /* session_ticket */
	case 0x0012: /* signed_certificate_timestamp */
	case 0x0016: /* encrypt_then_mac */
		break;
	case 0xff01:
		buf_u8(b, 0);
		break;
	case 0x000a: { /* supported_groups */
		size_t ll = buf_mark(b, 2);
		if (chrome)
			buf_u16(b, c->grease[0]);
		buf_u16(b, 0x001d);
		buf_u16(b, 0x0017);
		if (c->prof == TP_NODE || c->prof == TP_PYTHON)
			buf_u16(b, 0x001e);
		buf_u16(b, 0x0018);
		if (!chrome)
			buf_u16(b, 0x0019);
		if (ff) {
			buf_u16(b, 0x0100);
			buf_u16(b, 0x0101);
		}
		buf_fill(b, ll, 2);
		break;
	}
	case 0x000b:
		if (c->prof == TP_NODE || c->prof == TP_PYTHON) {
			buf_u8(b, 3);
			buf_u8(b, 0);
			buf_u8(b, 1);
			buf_u8(b, 2);
		} else {
			buf_u8(b, 1);
			buf_u8(b, 0);
		}
		break;
	case 0x0010:
		alpn_list(b, !(c->prof == TP_NODE || c->prof == TP_PYTHON));
		break;
	case 0x0005:
		buf_u8(b, 1);
		buf_u16(b, 0);
		buf_u16(b, 0);
		break;
	case 0x000d: { /* signature_algorithms */
		static const uint16_t sa_short[] = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0};
		static const uint16_t sa_long[] = {0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809, 0x080a,
						   0x080b, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601,
						   0x0303, 0x0301, 0x0302, 0x0402, 0x0502, 0x0602, 0};
		const uint16_t *sa = (c->prof == TP_NODE || c->prof == TP_PYTHON) ? sa_long : sa_short;
		size_t ll = buf_mark(b, 2);
		for (; *sa; sa++)
			buf_u16(b, *sa);
		buf_fill(b, ll, 2);
		break;
	}
	case 0x0033: { /* key_share */
		size_t ll = buf_mark(b, 2);
		if (chrome) {
			buf_u16(b, c->grease[0]);
			buf_u16(b, 1);
			buf_u8(b, 0);
		}
		buf_u16(b, 0x001d);
		buf_u16(b, 32);
		buf_rand(b, c->r, 32);
		if (ff) {
			buf_u16(b, 0x0017);
			buf_u16(b, 65);
			buf_u8(b, 4);
			buf_rand(b, c->r, 64);
		}
		buf_fill(b, ll, 2);
		break;
	}
	case 0x002d:
		buf_u8(b, 1);
		buf_u8(b, 1);
		break;
	case 0x002b: { /* supported_versions */
		size_t ll = buf_mark(b, 1);
		if (chrome)
			buf_u16(b, c->grease[0]);
		buf_u16(b, 0x0304);
		buf_u16(b, 0x0303);
		buf_fill(b, ll, 1);
		break;
	}
	case 0x001b:
		buf_u8(b, 2);
		buf_u16(b, 2);
		break;
	case 0x4469: { /* application_settings */
		size_t ll = buf_mark(b, 2);
		buf_u8(b, 2);
		buf_str(b, "h2");
		buf_fill(b, ll, 2);
		break;
	}
	case 0x001c:
		buf_u16(b, 0x4001);
		break;
	default:
		break;
	}
	buf_fill(b, l, 2);
}

static void tls_client_hello(struct buf *b, struct rng *r, const char *sni, int prof, uint8_t sess_id[32])
{
	struct ch_ctx c = {.r = r, .sni = sni, .prof = prof};
	for (int i = 0; i < 3; i++)
		c.grease[i] = grease_vals[rng_below(r, 16)];
	if (c.grease[2] == c.grease[1])
		c.grease[2] = grease_vals[(rng_below(r, 15) + 1 + (unsigned)(c.grease[1] >> 12)) % 16];
	const uint16_t *ciph = prof == TP_CHROME ? ciph_chrome
			       : prof == TP_FIREFOX ? ciph_firefox
			       : prof == TP_GO	    ? ciph_go
						    : ciph_openssl;
	const uint16_t *ext = prof == TP_CHROME ? ext_chrome
			      : prof == TP_FIREFOX ? ext_firefox
			      : prof == TP_GO	   ? ext_go
						   : ext_openssl;
	buf_u8(b, 0x16);
	buf_u16(b, 0x0301);
	size_t rl = buf_mark(b, 2);
	size_t hs = b->len;
	buf_u8(b, 0x01);
	size_t hl = buf_mark(b, 3);
	buf_u16(b, 0x0303);
	buf_rand(b, r, 32);
	buf_u8(b, 32);
	rng_fill(r, sess_id, 32);
	buf_put(b, sess_id, 32);
	size_t cl = buf_mark(b, 2);
	if (prof == TP_CHROME)
		buf_u16(b, c.grease[0]);
	for (; *ciph; ciph++)
		buf_u16(b, *ciph);
	buf_fill(b, cl, 2);
	buf_u8(b, 1);
	buf_u8(b, 0);
	size_t el = buf_mark(b, 2);
	for (; *ext != 0xffff; ext++)
		ch_ext(b, &c, *ext, hs);
	buf_fill(b, el, 2);
	buf_fill(b, hl, 3);
	buf_fill(b, rl, 2);
}

static void tls_server_hello(struct buf *b, struct rng *r, const uint8_t sess_id[32], int prof)
{
	buf_u8(b, 0x16);
	buf_u16(b, 0x0303);
	size_t rl = buf_mark(b, 2);
	buf_u8(b, 0x02);
	size_t hl = buf_mark(b, 3);
	buf_u16(b, 0x0303);
	buf_rand(b, r, 32);
	buf_u8(b, 32);
	buf_put(b, sess_id, 32);
	buf_u16(b, (prof == TP_NODE || prof == TP_PYTHON) ? 0x1302 : 0x1301);
	buf_u8(b, 0);
	size_t el = buf_mark(b, 2);
	buf_u16(b, 0x002b);
	buf_u16(b, 2);
	buf_u16(b, 0x0304);
	buf_u16(b, 0x0033);
	buf_u16(b, 36);
	buf_u16(b, 0x001d);
	buf_u16(b, 32);
	buf_rand(b, r, 32);
	buf_fill(b, el, 2);
	buf_fill(b, hl, 3);
	buf_fill(b, rl, 2);
	/* change_cipher_spec (middlebox compatibility) */
	static const uint8_t ccs[6] = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01};
	buf_put(b, ccs, 6);
}

static void tls_ccs_finished(struct buf *b, struct rng *r)
{
	static const uint8_t ccs[6] = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01};
	buf_put(b, ccs, 6);
	buf_u8(b, 0x17);
	buf_u16(b, 0x0303);
	buf_u16(b, 53);
	buf_rand(b, r, 53);
}

/* ------------------------------------------------------------ DNS wire */

static void dns_name(struct buf *b, const char *name)
{
	const char *p = name;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		buf_u8(b, (unsigned)n);
		buf_put(b, p, n);
		p += n;
		if (*p == '.')
			p++;
	}
	buf_u8(b, 0);
}

static void dns_opt(struct buf *b)
{
	buf_u8(b, 0);	     /* root */
	buf_u16(b, 41);	     /* OPT */
	buf_u16(b, 1232);    /* UDP payload size */
	buf_u32(b, 0);	     /* ext rcode, version, flags */
	buf_u16(b, 0);	     /* rdlen */
}

static void dns_query(struct buf *b, uint16_t id, const char *name, uint16_t qtype)
{
	buf_u16(b, id);
	buf_u16(b, 0x0120); /* RD, AD */
	buf_u16(b, 1);
	buf_u16(b, 0);
	buf_u16(b, 0);
	buf_u16(b, 1);
	dns_name(b, name);
	buf_u16(b, qtype);
	buf_u16(b, 1);
	dns_opt(b);
}

static void dns_response(struct buf *b, struct rng *r, uint16_t id, const struct domain *d, uint16_t qtype)
{
	unsigned n = qtype == 1 ? d->nv4 : d->nv6;
	buf_u16(b, id);
	buf_u16(b, 0x8180);
	buf_u16(b, 1);
	buf_u16(b, n);
	buf_u16(b, 0);
	buf_u16(b, 1);
	dns_name(b, d->name);
	buf_u16(b, qtype);
	buf_u16(b, 1);
	uint32_t ttl = rng_range(r, 30, 3600);
	for (unsigned k = 0; k < n; k++) {
		buf_u16(b, 0xc00c);
		buf_u16(b, qtype);
		buf_u16(b, 1);
		buf_u32(b, ttl);
		if (qtype == 1) {
			buf_u16(b, 4);
			buf_put(b, d->v4[k], 4);
		} else {
			buf_u16(b, 16);
			buf_put(b, d->v6[k], 16);
		}
	}
	dns_opt(b);
}

/* ------------------------------------------------------- flow builders */

static double bulk_scale = 1.0;

static void http_date(char *out, size_t n, uint64_t t_us)
{
	time_t tt = (time_t)(EPOCH_S + t_us / 1000000u);
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, n, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static uint32_t think(struct rng *r, uint32_t lo_us, uint32_t hi_us)
{
	return rng_range(r, lo_us, hi_us);
}

/* An AI host's software profile, stable per host. */
static uint32_t host_prof(uint32_t h)
{
	return (h / AI_HOST_STRIDE) % 8;
}

static void api_key(char *out, uint32_t h, const char *prefix)
{
	char hx[41];
	hex_from(hx, 40, 0xA11CE000ULL + h);
	sprintf(out, "%s%s", prefix, hx);
}

static void build_tls(struct fst *f, const struct flow *fl, uint64_t bulk)
{
	struct rng *r = &f->rng;
	const struct domain *d = &doms[fl->dom];
	int ai = d->kind != DK_WEB;
	int prof;
	if (!ai) {
		uint32_t x = rng_below(r, 100);
		prof = x < 62 ? TP_CHROME : x < 80 ? TP_FIREFOX : x < 90 ? TP_GO : x < 95 ? TP_PYTHON : TP_NODE;
	} else {
		uint32_t hp = host_prof(fl->host);
		prof = d->kind == DK_GEMINI ? (hp & 1 ? TP_GO : TP_PYTHON) : (hp % 3 == 2 ? TP_PYTHON : TP_NODE);
		if (hp == 7)
			prof = TP_CHROME; /* desktop app / browser based chat */
	}
	struct msg *m = msg_new(f, 0, 0);
	tls_client_hello(&m->head, r, d->name, prof, f->sess_id);
	m = msg_new(f, 1, f->rtt_us + think(r, 200, 3000));
	tls_server_hello(&m->head, r, f->sess_id, prof);
	m->gen = G_TLS;
	m->gen_len = rng_range(r, 2200, 5200); /* EE, Certificate, CertificateVerify, Finished */
	uint32_t rounds = ai ? rng_range(r, 1, 3) : rng_range(r, 1, 4);
	uint64_t per = bulk / rounds;
	for (uint32_t i = 0; i < rounds; i++) {
		m = msg_new(f, 0, i == 0 ? think(r, 300, 3000) : think(r, 5000, ai ? 4000000 : 1500000));
		if (i == 0)
			tls_ccs_finished(&m->head, r);
		m->gen = G_TLS;
		m->gen_len = ai ? rng_range(r, 900, 9000) : rng_range(r, 120, 1400);
		m = msg_new(f, 1, f->rtt_us + (ai ? think(r, 300000, 4000000) : think(r, 1000, 80000)));
		m->gen = G_TLS;
		m->gen_len = ai ? rng_range(r, 600, 24000) : (i == 0 ? per + bulk % rounds : per);
		if (m->gen_len < 64)
			m->gen_len = 64;
	}
}

static const char *const ua_browser[] = {
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36",
	"Mozilla/5.0 (X11; Linux x86_64; rv:135.0) Gecko/20100101 Firefox/135.0",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3 Safari/605.1.15",
	"curl/8.5.0",
	"Wget/1.21.4",
};

static void build_http(struct fst *f, const struct flow *fl, uint64_t bulk, uint64_t t0)
{
	struct rng *r = &f->rng;
	const struct domain *d = &doms[fl->dom];
	uint32_t rounds = rng_range(r, 1, 3);
	const char *ua = ua_browser[rng_below(r, NELEM(ua_browser))];
	uint64_t per = bulk / rounds;
	char date[64];
	for (uint32_t i = 0; i < rounds; i++) {
		struct msg *m = msg_new(f, 0, i == 0 ? think(r, 100, 2000) : think(r, 2000, 800000));
		uint32_t kind = i == 0 ? 0 : rng_below(r, 3); /* 0 html, 1 css/js, 2 image */
		char path[96];
		if (kind == 0)
			snprintf(path, sizeof path, "/news/2026/03/article-%u.html", rng_range(r, 1000, 99999));
		else if (kind == 1)
			snprintf(path, sizeof path, "/static/app.%08x.js", (unsigned)rng_u64(r));
		else
			snprintf(path, sizeof path, "/img/photo-%u.jpg", rng_range(r, 1, 5000));
		buf_fmt(&m->head,
			"GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n"
			"Accept: %s\r\nAccept-Language: en-US,en;q=0.9\r\nAccept-Encoding: gzip, deflate\r\n"
			"Connection: keep-alive\r\n\r\n",
			path, d->name, ua,
			kind == 0   ? "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
			: kind == 1 ? "*/*"
				    : "image/avif,image/webp,*/*");
		m = msg_new(f, 1, f->rtt_us + think(r, 500, 60000));
		uint64_t body = i == 0 ? per + bulk % rounds : per;
		if (body < 200)
			body = 200;
		http_date(date, sizeof date, t0);
		if (kind == 0) {
			struct buf pre = {0};
			buf_fmt(&pre,
				"<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
				"<title>Article %u - %s</title>\n<link rel=\"stylesheet\" href=\"/static/site.css\">"
				"</head>\n<body>\n",
				rng_range(r, 1, 99999), d->name);
			uint64_t fixed = pre.len + sizeof html_tail - 1;
			if (body < fixed)
				body = fixed;
			buf_fmt(&m->head,
				"HTTP/1.1 200 OK\r\nDate: %s\r\nServer: nginx/1.24.0\r\n"
				"Content-Type: text/html; charset=utf-8\r\nContent-Length: %" PRIu64 "\r\n"
				"Cache-Control: max-age=60\r\nConnection: keep-alive\r\n\r\n",
				date, body);
			buf_put(&m->head, pre.p, pre.len);
			free(pre.p);
			m->gen = G_HTML;
			m->gen_len = body - fixed;
			m->tail = html_tail;
			m->tail_len = sizeof html_tail - 1;
		} else {
			buf_fmt(&m->head,
				"HTTP/1.1 200 OK\r\nDate: %s\r\nServer: nginx/1.24.0\r\n"
				"Content-Type: %s\r\nContent-Length: %" PRIu64 "\r\n"
				"Cache-Control: public, max-age=86400\r\nConnection: keep-alive\r\n\r\n",
				date, kind == 1 ? "application/javascript" : "image/jpeg", body);
			m->gen = G_RAND;
			m->gen_len = body;
		}
	}
}

static void build_dns(struct fst *f, const struct flow *fl)
{
	struct rng *r = &f->rng;
	const struct domain *d = &doms[fl->dom];
	uint16_t id = (uint16_t)rng_u64(r);
	uint32_t lat = rng_pm(r, 800) ? rng_range(r, 150, 2000) : rng_range(r, 8000, 60000);
	struct msg *m = msg_new(f, 0, 0);
	dns_query(&m->head, id, d->name, 1);
	m = msg_new(f, 1, lat);
	dns_response(&m->head, r, id, d, 1);
	if (rng_pm(r, 550)) { /* AAAA after A, same socket */
		id = (uint16_t)rng_u64(r);
		m = msg_new(f, 0, rng_range(r, 20, 400));
		dns_query(&m->head, id, d->name, 28);
		m = msg_new(f, 1, lat + rng_range(r, 0, 300));
		dns_response(&m->head, r, id, d, 28);
	}
}

/* QUIC v1 to :443, opaque: a client Initial padded to 1250 bytes, the
 * server's Initial and Handshake, then short-header datagrams carrying
 * `bulk` bytes of answer. Only the header bytes are real. */
static void quic_datagram(struct fst *f, unsigned dir, uint32_t delay, int lng, uint64_t len)
{
	struct rng *r = &f->rng;
	struct msg *m = msg_new(f, dir, delay);
	if (lng) {
		buf_u8(&m->head, 0xc0 | (dir ? 0x20 : 0) | rng_below(r, 4)); /* Initial / Handshake */
		buf_u32(&m->head, 1);
		buf_u8(&m->head, 8);
		buf_rand(&m->head, r, 8);
		buf_u8(&m->head, 8);
		buf_rand(&m->head, r, 8);
		if (!dir)
			buf_u8(&m->head, 0); /* token length */
	} else {
		buf_u8(&m->head, 0x40 | rng_below(r, 4));
		buf_rand(&m->head, r, 8);
	}
	m->gen = G_RAND;
	m->gen_len = len > m->head.len ? len - m->head.len : 16;
}

static void build_quic(struct fst *f, uint64_t bulk)
{
	struct rng *r = &f->rng;
	quic_datagram(f, 0, 0, 1, 1250);
	quic_datagram(f, 1, f->rtt_us, 1, 1200);
	quic_datagram(f, 1, rng_range(r, 20, 200), 1, rng_range(r, 400, 1200));
	quic_datagram(f, 0, rng_range(r, 100, 2000), 1, 1200);
	uint32_t rounds = rng_range(r, 1, 4);
	uint64_t per = bulk / rounds + 1;
	for (uint32_t i = 0; i < rounds && f->nmsg < MAXMSG - 4; i++) {
		quic_datagram(f, 0, think(r, 300, 800000), 0, rng_range(r, 60, 400));
		for (uint64_t left = per; left && f->nmsg < MAXMSG - 2;) {
			uint64_t n = left > 1252 ? 1252 : left;
			quic_datagram(f, 1, left == per ? f->rtt_us : rng_range(r, 20, 300), 0, n + 20);
			left -= n;
		}
		quic_datagram(f, 0, rng_range(r, 200, 20000), 0, rng_range(r, 30, 60)); /* ACK */
	}
}

static void http_host(char *out, size_t n, const struct fst *f, const struct isrv *s)
{
	if (f->v6)
		snprintf(out, n, "[2001:db8:9::%x]:%u", s->v6low, s->port);
	else
		snprintf(out, n, "%u.%u.%u.%u:%u", s->v4[0], s->v4[1], s->v4[2], s->v4[3], s->port);
}

static void gen_chat_messages(struct buf *b, struct rng *r)
{
	buf_str(b, "[{\"role\":\"system\",\"content\":\"You are a helpful assistant for the ");
	gen_words(b, r, 2);
	buf_str(b, " team.\"},{\"role\":\"user\",\"content\":\"");
	gen_words(b, r, rng_range(r, 8, 220));
	buf_str(b, "\"}]");
}

static void build_openai(struct fst *f, const struct flow *fl, const struct isrv *s, uint64_t t0)
{
	struct rng *r = &f->rng;
	uint32_t hp = host_prof(fl->host);
	int py = hp % 3 == 2;
	static const char *const models[] = {"gpt-4o-mini", "meta-llama/Llama-3.1-8B-Instruct", "qwen2.5-coder-7b",
					     "gpt-4.1"};
	const char *model = models[(hp + fl->host) % NELEM(models)];
	char key[64], host[64], date[64];
	api_key(key, fl->host, "sk-bench-");
	http_host(host, sizeof host, f, s);
	uint32_t rounds = prof_sse ? rng_range(r, 1, 2) : rng_range(r, 1, 3);
	for (uint32_t i = 0; i < rounds; i++) {
		int stream = rng_pm(r, prof_sse ? 700 : 300);
		struct buf body = {0};
		buf_fmt(&body, "{\"model\":\"%s\",\"messages\":", model);
		gen_chat_messages(&body, r);
		buf_fmt(&body, ",\"temperature\":0.%u%s}", rng_range(r, 0, 9), stream ? ",\"stream\":true" : "");
		struct msg *m = msg_new(f, 0, i == 0 ? think(r, 100, 2000) : think(r, 50000, 3000000));
		if (!py)
			buf_fmt(&m->head,
				"POST /v1/chat/completions HTTP/1.1\r\nhost: %s\r\nconnection: keep-alive\r\n"
				"accept: application/json\r\ncontent-type: application/json\r\n"
				"user-agent: OpenAI/JS 6.9.1\r\nx-stainless-lang: js\r\n"
				"x-stainless-package-version: 6.9.1\r\nx-stainless-os: %s\r\nx-stainless-arch: %s\r\n"
				"x-stainless-runtime: node\r\nx-stainless-runtime-version: v20.18.0\r\n"
				"x-stainless-retry-count: 0\r\nauthorization: Bearer %s\r\n"
				"content-length: %zu\r\n\r\n",
				host, hp & 1 ? "MacOS" : "Linux", hp & 1 ? "arm64" : "x64", key, body.len);
		else
			buf_fmt(&m->head,
				"POST /v1/chat/completions HTTP/1.1\r\nHost: %s\r\nAccept-Encoding: gzip, deflate\r\n"
				"Connection: keep-alive\r\nAccept: application/json\r\nContent-Type: application/json\r\n"
				"User-Agent: OpenAI/Python 1.54.4\r\nX-Stainless-Lang: python\r\n"
				"X-Stainless-Package-Version: 1.54.4\r\nX-Stainless-OS: Linux\r\nX-Stainless-Arch: x64\r\n"
				"X-Stainless-Runtime: CPython\r\nX-Stainless-Runtime-Version: 3.12.3\r\n"
				"X-Stainless-Async: false\r\nX-Stainless-Retry-Count: 0\r\n"
				"Authorization: Bearer %s\r\nContent-Length: %zu\r\n\r\n",
				host, key, body.len);
		buf_put(&m->head, body.p, body.len);
		free(body.p);
		m = msg_new(f, 1, f->rtt_us + think(r, 250000, 3500000));
		http_date(date, sizeof date, t0);
		char id[25];
		hex_from(id, 24, rng_u64(r));
		uint64_t created = EPOCH_S + t0 / 1000000u;
		if (!stream) {
			struct buf rb = {0};
			buf_fmt(&rb,
				"{\"id\":\"chatcmpl-%s\",\"object\":\"chat.completion\",\"created\":%" PRIu64
				",\"model\":\"%s\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
				"\"content\":\"",
				id, created, model);
			uint32_t nw = rng_range(r, 10, 400);
			gen_words(&rb, r, nw);
			buf_fmt(&rb,
				"\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":%u,"
				"\"completion_tokens\":%u,\"total_tokens\":%u}}",
				rng_range(r, 20, 400), nw, nw + 200);
			buf_fmt(&m->head,
				"HTTP/1.1 200 OK\r\ndate: %s\r\nserver: uvicorn\r\ncontent-type: application/json\r\n"
				"content-length: %zu\r\n\r\n",
				date, rb.len);
			buf_put(&m->head, rb.p, rb.len);
			free(rb.p);
		} else {
			buf_fmt(&m->head,
				"HTTP/1.1 200 OK\r\ndate: %s\r\nserver: uvicorn\r\n"
				"content-type: text/event-stream; charset=utf-8\r\ntransfer-encoding: chunked\r\n\r\n",
				date);
			uint32_t nchunks = rng_range(r, 3, 40);
			struct buf ev = {0};
			for (uint32_t k = 0; k <= nchunks; k++) {
				/* the stream profile: every event its own segment, as a server flushes them */
				if (prof_sse && k > 0)
					m = msg_new(f, 1, think(r, 15000, 90000));
				ev.len = 0;
				if (k < nchunks) {
					buf_fmt(&ev,
						"data: {\"id\":\"chatcmpl-%s\",\"object\":\"chat.completion.chunk\","
						"\"created\":%" PRIu64 ",\"model\":\"%s\",\"choices\":[{\"index\":0,"
						"\"delta\":{\"content\":\" ",
						id, created, model);
					gen_words(&ev, r, rng_range(r, 1, 4));
					buf_str(&ev, "\"},\"finish_reason\":null}]}\n\n");
				} else {
					buf_str(&ev, "data: [DONE]\n\n");
				}
				buf_fmt(&m->head, "%zx\r\n", ev.len);
				buf_put(&m->head, ev.p, ev.len);
				buf_str(&m->head, "\r\n");
			}
			buf_str(&m->head, "0\r\n\r\n");
			free(ev.p);
		}
	}
}

static void build_ollama(struct fst *f, const struct flow *fl, const struct isrv *s, uint64_t t0)
{
	struct rng *r = &f->rng;
	uint32_t hp = host_prof(fl->host);
	static const char *const models[] = {"llama3.2:3b", "qwen2.5-coder:7b", "mistral:7b", "gemma2:9b"};
	const char *model = models[(hp + fl->host / 3) % NELEM(models)];
	const char *ua = hp & 1 ? "ollama-js/0.5.11 (x64 linux Node.js/v20.18.0)"
				: "ollama-python/0.4.7 (x86_64 linux) Python/3.12.3";
	char host[64];
	http_host(host, sizeof host, f, s);
	struct msg *m;
	int first = 1;
	if (rng_pm(r, 400)) { /* list local models first */
		m = msg_new(f, 0, think(r, 100, 2000));
		buf_fmt(&m->head,
			"GET /api/tags HTTP/1.1\r\nHost: %s\r\nAccept: application/json\r\nUser-Agent: %s\r\n\r\n", host,
			ua);
		m = msg_new(f, 1, f->rtt_us + think(r, 500, 5000));
		struct buf rb = {0};
		buf_fmt(&rb,
			"{\"models\":[{\"name\":\"%s\",\"model\":\"%s\",\"modified_at\":\"2026-02-20T10:11:12Z\","
			"\"size\":2019393189,\"digest\":\"a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72\","
			"\"details\":{\"format\":\"gguf\",\"family\":\"llama\",\"parameter_size\":\"3.2B\","
			"\"quantization_level\":\"Q4_K_M\"}}]}",
			model, model);
		buf_fmt(&m->head,
			"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
			"Date: Mon, 02 Mar 2026 09:00:00 GMT\r\nContent-Length: %zu\r\n\r\n",
			rb.len);
		buf_put(&m->head, rb.p, rb.len);
		free(rb.p);
		first = 0;
	}
	uint32_t rounds = rng_range(r, 1, 2);
	for (uint32_t i = 0; i < rounds; i++) {
		struct buf body = {0};
		buf_fmt(&body, "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"", model);
		gen_words(&body, r, rng_range(r, 5, 150));
		buf_str(&body, "\"}],\"stream\":false,\"options\":{\"temperature\":0.2}}");
		m = msg_new(f, 0, first && i == 0 ? think(r, 100, 2000) : think(r, 2000, 1500000));
		buf_fmt(&m->head,
			"POST /api/chat HTTP/1.1\r\nHost: %s\r\nAccept: application/json\r\n"
			"Content-Type: application/json\r\nUser-Agent: %s\r\nContent-Length: %zu\r\n\r\n",
			host, ua, body.len);
		buf_put(&m->head, body.p, body.len);
		free(body.p);
		m = msg_new(f, 1, f->rtt_us + think(r, 400000, 6000000));
		struct buf rb = {0};
		uint32_t nw = rng_range(r, 10, 300);
		uint64_t ts = t0 / 1000000u;
		buf_fmt(&rb,
			"{\"model\":\"%s\",\"created_at\":\"2026-03-02T09:%02u:%02u.%06uZ\",\"message\":{\"role\":"
			"\"assistant\",\"content\":\"",
			model, (unsigned)(ts / 60 % 60), (unsigned)(ts % 60), (unsigned)(t0 % 1000000u));
		gen_words(&rb, r, nw);
		buf_fmt(&rb,
			"\"},\"done_reason\":\"stop\",\"done\":true,\"total_duration\":%u,\"load_duration\":%u,"
			"\"prompt_eval_count\":%u,\"eval_count\":%u}",
			rng_range(r, 400000000, 3000000000u), rng_range(r, 10000000, 90000000), rng_range(r, 20, 300), nw);
		buf_fmt(&m->head,
			"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
			"Date: Mon, 02 Mar 2026 09:00:00 GMT\r\nContent-Length: %zu\r\n\r\n",
			rb.len);
		buf_put(&m->head, rb.p, rb.len);
		free(rb.p);
	}
}

struct mcp_tool {
	const char *name, *desc;
	int destructive, readonly;
};
static const struct mcp_tool mcp_tools[3][4] = {
	{{"search_records", "Search customer records", 0, 1},
	 {"get_record", "Fetch one record by id", 0, 1},
	 {"update_record", "Update fields of a record", 0, 0},
	 {"delete_record", "Delete a record permanently", 1, 0}},
	{{"search_docs", "Full-text search over the docs", 0, 1},
	 {"fetch_page", "Fetch a documentation page", 0, 1},
	 {"list_spaces", "List documentation spaces", 0, 1},
	 {"summarize_page", "Summarize a page", 0, 1}},
	{{"list_tickets", "List open tickets", 0, 1},
	 {"create_ticket", "Open a new ticket", 0, 0},
	 {"close_ticket", "Close a ticket", 0, 0},
	 {"run_shell", "Run a shell command on the ops host", 1, 0}},
};
static const char *const mcp_srv_ver[3] = {"2.3.1", "0.9.0", "1.4.2"};

static void mcp_post(struct fst *f, uint32_t delay, const char *host, const char *ua, const char *auth,
		     const char *sid, const char *pver, const struct buf *body)
{
	struct msg *m = msg_new(f, 0, delay);
	buf_fmt(&m->head,
		"POST /mcp HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: application/json, text/event-stream\r\n"
		"Content-Type: application/json\r\n",
		host, ua);
	if (auth)
		buf_fmt(&m->head, "Authorization: Bearer %s\r\n", auth);
	if (sid)
		buf_fmt(&m->head, "Mcp-Session-Id: %s\r\nMCP-Protocol-Version: %s\r\n", sid, pver);
	buf_fmt(&m->head, "Content-Length: %zu\r\n\r\n", body->len);
	buf_put(&m->head, body->p, body->len);
}

static void mcp_reply(struct fst *f, uint32_t delay, const char *sid, const struct buf *body)
{
	struct msg *m = msg_new(f, 1, delay);
	if (!body) {
		buf_str(&m->head, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
		return;
	}
	buf_str(&m->head, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n");
	if (sid)
		buf_fmt(&m->head, "Mcp-Session-Id: %s\r\n", sid);
	buf_fmt(&m->head, "Content-Length: %zu\r\n\r\n", body->len);
	buf_put(&m->head, body->p, body->len);
}

static void build_mcp(struct fst *f, const struct flow *fl, uint32_t srv_i)
{
	struct rng *r = &f->rng;
	const struct isrv *s = &mcp_servers[srv_i];
	uint32_t hp = host_prof(fl->host);
	static const char *const cnames[4][3] = {{"claude-code", "1.0.31", "claude-code/1.0.31"},
						 {"cursor-vscode", "1.0.0", "node"},
						 {"bench-agent", "0.3.0", "python-httpx/0.28.1"},
						 {"openai-mcp", "1.0.0", "node"}};
	const char *const *cn = cnames[hp % 4];
	const char *pver = hp & 2 ? "2025-06-18" : "2025-03-26";
	char host[64], sid[37], tok[64];
	http_host(host, sizeof host, f, s);
	hex_from(sid, 32, rng_u64(r));
	api_key(tok, fl->host ^ 0x55u, "mcp-bench-");
	const char *auth = (fl->host & 1) ? tok : NULL;
	struct buf b = {0};
	unsigned id = 0;
	uint32_t rt = f->rtt_us;

	buf_fmt(&b,
		"{\"jsonrpc\":\"2.0\",\"id\":%u,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"%s\","
		"\"capabilities\":{\"roots\":{\"listChanged\":true},\"sampling\":{}},"
		"\"clientInfo\":{\"name\":\"%s\",\"version\":\"%s\"}}}",
		id, pver, cn[0], cn[1]);
	mcp_post(f, think(r, 100, 2000), host, cn[2], auth, NULL, pver, &b);
	b.len = 0;
	buf_fmt(&b,
		"{\"jsonrpc\":\"2.0\",\"id\":%u,\"result\":{\"protocolVersion\":\"%s\",\"capabilities\":{\"tools\":"
		"{\"listChanged\":true},\"logging\":{}},\"serverInfo\":{\"name\":\"%s\",\"version\":\"%s\"},"
		"\"instructions\":\"Internal tools. Use with care.\"}}",
		id++, pver, s->name, mcp_srv_ver[srv_i]);
	mcp_reply(f, rt + think(r, 500, 20000), sid, &b);

	b.len = 0;
	buf_str(&b, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
	mcp_post(f, think(r, 100, 3000), host, cn[2], auth, sid, pver, &b);
	mcp_reply(f, rt + think(r, 200, 3000), NULL, NULL);

	b.len = 0;
	buf_fmt(&b, "{\"jsonrpc\":\"2.0\",\"id\":%u,\"method\":\"tools/list\",\"params\":{}}", id);
	mcp_post(f, think(r, 100, 3000), host, cn[2], auth, sid, pver, &b);
	b.len = 0;
	buf_fmt(&b, "{\"jsonrpc\":\"2.0\",\"id\":%u,\"result\":{\"tools\":[", id++);
	for (int k = 0; k < 4; k++) {
		const struct mcp_tool *t = &mcp_tools[srv_i][k];
		buf_fmt(&b,
			"%s{\"name\":\"%s\",\"description\":\"%s\",\"inputSchema\":{\"type\":\"object\",\"properties\":"
			"{\"id\":{\"type\":\"string\"},\"query\":{\"type\":\"string\"}}},\"annotations\":"
			"{\"readOnlyHint\":%s,\"destructiveHint\":%s}}",
			k ? "," : "", t->name, t->desc, t->readonly ? "true" : "false", t->destructive ? "true" : "false");
	}
	buf_str(&b, "]}}");
	mcp_reply(f, rt + think(r, 500, 20000), NULL, &b);

	uint32_t calls = rng_range(r, 1, 4);
	for (uint32_t c = 0; c < calls; c++) {
		const struct mcp_tool *t = &mcp_tools[srv_i][rng_below(r, 10) < 8 ? rng_below(r, 2) : 2 + rng_below(r, 2)];
		b.len = 0;
		buf_fmt(&b,
			"{\"jsonrpc\":\"2.0\",\"id\":%u,\"method\":\"tools/call\",\"params\":{\"name\":\"%s\","
			"\"arguments\":{\"id\":\"rec-%u\",\"query\":\"",
			id, t->name, rng_range(r, 1, 99999));
		gen_words(&b, r, rng_range(r, 1, 6));
		buf_str(&b, "\"}}}");
		mcp_post(f, think(r, 20000, 2000000), host, cn[2], auth, sid, pver, &b);
		b.len = 0;
		buf_fmt(&b, "{\"jsonrpc\":\"2.0\",\"id\":%u,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"", id++);
		gen_words(&b, r, rng_range(r, 5, 600));
		buf_str(&b, "\"}],\"isError\":false}}");
		mcp_reply(f, rt + think(r, 2000, 400000), NULL, &b);
	}
	free(b.p);
}

/* ---------------------------------------------------------- activation */

static void set_ep(struct fst *f, unsigned d, const uint8_t *mac, const uint8_t *ip)
{
	memcpy(f->mac[d], mac, 6);
	memcpy(f->ip[d], ip, f->v6 ? 16 : 4);
}

static void isrv_ip(uint8_t *out, const struct fst *f, const struct isrv *s)
{
	if (f->v6) {
		uint16_t w[8] = {0x2001, 0x0db8, 9, 0, 0, 0, 0, s->v6low};
		set6(out, w);
	} else {
		memcpy(out, s->v4, 4);
	}
}

static uint64_t flow_bulk(const struct flow *fl)
{
	double b = (double)fl->bulk_w * bulk_scale + 0.5;
	uint64_t v = b < 0 ? 0 : (uint64_t)b;
	return v < 200 ? 200 : v;
}

static void flow_activate(struct fst *f, const struct flow *fl, uint32_t idx, uint64_t seed)
{
	memset(f, 0, sizeof *f);
	rng_seed(&f->rng, seed ^ (0xD1B54A32D192ED03ULL * (idx + 1)));
	rng_seed(&f->prng, ~seed ^ (0x8CB92BA72F3D8DD7ULL * (idx + 1)));
	struct rng *r = &f->rng;
	const struct host *h = &hosts[fl->host];
	f->idx = idx;
	f->type = fl->type;
	f->v6 = fl->v6;
	f->t = fl->start_us;
	f->hdr_pos = 5;
	uint8_t sip[16];
	uint16_t sport = 443;
	const struct isrv *is = NULL;
	uint32_t mcp_i = 0;
	int internal = 0;
	switch (fl->type) {
	case FT_DNS:
		sport = 53;
		internal = 1;
		if (f->v6)
			set6(sip, (const uint16_t[8]){0x2001, 0x0db8, 0, 0x53, 0, 0, 0, (uint16_t)(1 + (fl->host & 1))});
		else
			memcpy(sip, resolver_v4[fl->host & 1], 4);
		break;
	case FT_HTTP:
		sport = 80;
		/* fall through */
	case FT_TLS:
	case FT_QUIC:
	case FT_AI_TLS: {
		const struct domain *d = &doms[fl->dom];
		if (f->v6)
			memcpy(sip, d->v6[rng_below(r, d->nv6)], 16);
		else
			memcpy(sip, d->v4[rng_below(r, d->nv4)], 4);
		break;
	}
	case FT_AI_OPENAI:
		is = &llm_servers[(fl->host / AI_HOST_STRIDE) % NELEM(llm_servers)];
		break;
	case FT_AI_OLLAMA:
		is = &ollama_servers[rng_below(r, NELEM(ollama_servers))];
		break;
	case FT_AI_MCP:
		mcp_i = (fl->host / AI_HOST_STRIDE + rng_below(r, 2)) % NELEM(mcp_servers);
		is = &mcp_servers[mcp_i];
		break;
	default:
		break;
	}
	if (is) {
		isrv_ip(sip, f, is);
		sport = is->port;
		internal = 1;
	}
	set_ep(f, 0, h->mac, f->v6 ? h->v6 : h->v4);
	set_ep(f, 1, router_mac, sip);
	f->port[0] = (uint16_t)rng_range(r, 32768, 60999);
	f->port[1] = sport;
	f->ipid[0] = (uint16_t)rng_u64(r);
	f->ipid[1] = (uint16_t)rng_u64(r);
	static const uint8_t sttl[] = {49, 52, 54, 57, 58, 116, 118, 120, 243};
	f->ttl[0] = 64;
	f->ttl[1] = internal ? 63 : sttl[rng_below(r, NELEM(sttl))];
	f->flowlabel[0] = (uint32_t)rng_u64(r) & 0xfffff;
	f->flowlabel[1] = (uint32_t)rng_u64(r) & 0xfffff;
	f->win[0] = (uint16_t)rng_range(r, 501, 2048);
	f->win[1] = (uint16_t)rng_range(r, 501, 2048);
	f->isn[0] = (uint32_t)rng_u64(r);
	f->isn[1] = (uint32_t)rng_u64(r);
	f->tsbase[0] = (uint32_t)rng_u64(r);
	f->tsbase[1] = (uint32_t)rng_u64(r);
	f->rtt_us = internal ? rng_range(r, 150, 1500) : rng_range(r, 4000, 120000);
	uint32_t mbps = rng_range(r, 20, 400);
	f->gap_us = 12112u / mbps + 1;
	f->mss = ETH_MTU - (f->v6 ? 40u : 20u) - 20u - 12u;
	f->closer = rng_pm(r, 800) ? 0 : 1;
	f->fin_delay_us = rng_range(r, 2000, 3000000);
	uint64_t t0 = fl->start_us;
	switch (fl->type) {
	case FT_DNS:
		f->udp = 1;
		build_dns(f, fl);
		break;
	case FT_TLS:
		build_tls(f, fl, flow_bulk(fl));
		break;
	case FT_AI_TLS:
		build_tls(f, fl, 0);
		break;
	case FT_HTTP:
		build_http(f, fl, flow_bulk(fl), t0);
		break;
	case FT_AI_OPENAI:
		build_openai(f, fl, is, t0);
		break;
	case FT_AI_OLLAMA:
		build_ollama(f, fl, is, t0);
		break;
	case FT_AI_MCP:
		build_mcp(f, fl, mcp_i);
		break;
	case FT_QUIC:
		f->udp = 1;
		build_quic(f, flow_bulk(fl));
		break;
	default:
		break;
	}
	f->phase = f->udp ? P_UDP : P_SYN;
}

static void flow_release(struct fst *f)
{
	for (uint32_t i = 0; i < f->nmsg; i++)
		free(f->m[i].head.p);
	f->nmsg = 0;
}

/* -------------------------------------------------------- packet build */

static uint64_t csum_add(uint64_t s, const uint8_t *p, size_t n)
{
	while (n >= 2) {
		s += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		n -= 2;
	}
	if (n)
		s += (uint32_t)(p[0] << 8);
	return s;
}

static uint16_t csum_fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static size_t l3_len(const struct fst *f)
{
	return 14 + (f->v6 ? 40u : 20u);
}

/* Writes Ethernet + IP headers and the L4 checksum; the L4 header and payload
 * are already at pkt + l3_len(f) with a zero checksum field at csum_off. */
static size_t finish_packet(struct fst *f, unsigned d, uint8_t *pkt, uint8_t proto, size_t l4len, size_t csum_off,
			    int dry)
{
	size_t l3 = l3_len(f);
	if (dry)
		return l3 + l4len;
	memcpy(pkt, f->mac[!d], 6);
	memcpy(pkt + 6, f->mac[d], 6);
	uint8_t *ip = pkt + 14;
	uint64_t s = 0;
	if (!f->v6) {
		put16(pkt + 12, 0x0800);
		ip[0] = 0x45;
		ip[1] = 0;
		put16(ip + 2, (unsigned)(20 + l4len));
		put16(ip + 4, f->ipid[d]++);
		put16(ip + 6, 0x4000);
		ip[8] = f->ttl[d];
		ip[9] = proto;
		put16(ip + 10, 0);
		memcpy(ip + 12, f->ip[d], 4);
		memcpy(ip + 16, f->ip[!d], 4);
		put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
		s = csum_add(s, ip + 12, 8);
	} else {
		put16(pkt + 12, 0x86dd);
		put32(ip, 0x60000000u | f->flowlabel[d]);
		put16(ip + 4, (unsigned)l4len);
		ip[6] = proto;
		ip[7] = f->ttl[d];
		memcpy(ip + 8, f->ip[d], 16);
		memcpy(ip + 24, f->ip[!d], 16);
		s = csum_add(s, ip + 8, 32);
	}
	s += proto;
	s += l4len;
	uint8_t *l4 = pkt + l3;
	uint16_t c = csum_fold(csum_add(s, l4, l4len));
	if (proto == 17 && c == 0)
		c = 0xffff;
	put16(l4 + csum_off, c);
	return l3 + l4len;
}

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

static uint32_t ts_now(const struct fst *f, unsigned d)
{
	return f->tsbase[d] + (uint32_t)(f->t / 1000u);
}

/* TCP header (+options) at pkt+l3; payload already copied after it. */
static size_t tcp_packet(struct fst *f, unsigned d, uint8_t flags, size_t paylen, uint8_t *pkt, int dry)
{
	size_t l3 = l3_len(f);
	int syn = flags & TH_SYN;
	size_t hl = syn ? 40 : 32;
	uint32_t tsval = ts_now(f, d);
	if (!dry) {
		uint8_t *t = pkt + l3;
		put16(t, f->port[d]);
		put16(t + 2, f->port[!d]);
		put32(t + 4, syn ? f->isn[d] : f->nxt[d]);
		put32(t + 8, (flags & TH_ACK) ? f->nxt[!d] : 0);
		t[12] = (uint8_t)((hl / 4) << 4);
		t[13] = flags;
		put16(t + 14, syn ? (f->v6 ? 64800u : 64240u) : f->win[d]);
		put16(t + 16, 0);
		put16(t + 18, 0);
		uint8_t *o = t + 20;
		uint32_t ecr = (flags & TH_ACK) ? f->last_tsval[!d] : 0;
		if (syn) {
			o[0] = 2;
			o[1] = 4;
			put16(o + 2, f->v6 ? 1440u : 1460u);
			o[4] = 4;
			o[5] = 2;
			o[6] = 8;
			o[7] = 10;
			put32(o + 8, tsval);
			put32(o + 12, ecr);
			o[16] = 1;
			o[17] = 3;
			o[18] = 3;
			o[19] = 7;
		} else {
			o[0] = 1;
			o[1] = 1;
			o[2] = 8;
			o[3] = 10;
			put32(o + 4, tsval);
			put32(o + 8, ecr);
		}
	}
	f->last_tsval[d] = tsval;
	return finish_packet(f, d, pkt, 6, hl + paylen, 16, dry);
}

static void gen_fill(struct fst *f, const struct msg *m, uint64_t goff, uint8_t *dst, size_t n)
{
	switch (m->gen) {
	case G_HTML: {
		size_t tl = sizeof html_text - 1;
		while (n) {
			size_t at = (size_t)(goff % tl);
			size_t c = tl - at < n ? tl - at : n;
			memcpy(dst, html_text + at, c);
			dst += c;
			goff += c;
			n -= c;
		}
		break;
	}
	case G_RAND:
		rng_fill(&f->prng, dst, n);
		break;
	case G_TLS:
		if (goff == 0) {
			f->rec_rem = 0;
			f->hdr_pos = 5;
		}
		while (n) {
			if (f->rec_rem == 0 && f->hdr_pos == 5) {
				uint64_t rem = m->gen_len - goff;
				uint64_t pl = rem - 5 > 16401 ? 16401 : rem - 5;
				if (rem - 5 - pl > 0 && rem - 5 - pl < 32)
					pl = rem - 5 - 32;
				f->hdr[0] = 0x17;
				f->hdr[1] = 3;
				f->hdr[2] = 3;
				f->hdr[3] = (uint8_t)(pl >> 8);
				f->hdr[4] = (uint8_t)pl;
				f->hdr_pos = 0;
				f->rec_rem = (uint32_t)pl;
			}
			if (f->hdr_pos < 5) {
				*dst++ = f->hdr[f->hdr_pos++];
				goff++;
				n--;
				continue;
			}
			size_t c = f->rec_rem < n ? f->rec_rem : n;
			rng_fill(&f->prng, dst, c);
			dst += c;
			goff += c;
			n -= c;
			f->rec_rem -= (uint32_t)c;
		}
		break;
	default:
		break;
	}
}

static void msg_copy(struct fst *f, const struct msg *m, uint64_t off, uint8_t *dst, size_t n)
{
	while (n) {
		size_t c;
		if (off < m->head.len) {
			c = m->head.len - off < n ? (size_t)(m->head.len - off) : n;
			memcpy(dst, m->head.p + off, c);
		} else if (off < m->head.len + m->gen_len) {
			uint64_t goff = off - m->head.len;
			c = m->gen_len - goff < n ? (size_t)(m->gen_len - goff) : n;
			gen_fill(f, m, goff, dst, c);
		} else {
			uint64_t toff = off - m->head.len - m->gen_len;
			c = m->tail_len - toff < n ? (size_t)(m->tail_len - toff) : n;
			memcpy(dst, m->tail + toff, c);
		}
		dst += c;
		off += c;
		n -= c;
	}
}

/* One step: writes the packet at f->t into pkt, returns its length, and
 * advances f->t / f->phase. */
static size_t flow_step(struct fst *f, uint8_t *pkt, int dry)
{
	size_t len = 0;
	size_t l3 = l3_len(f);
	switch (f->phase) {
	case P_UDP: {
		struct msg *m = &f->m[f->cur];
		unsigned d = m->dir;
		size_t pl = (size_t)msg_len(m);
		if (!dry) {
			uint8_t *u = pkt + l3;
			put16(u, f->port[d]);
			put16(u + 2, f->port[!d]);
			put16(u + 4, (unsigned)(8 + pl));
			put16(u + 6, 0);
			msg_copy(f, m, 0, u + 8, pl);
		}
		len = finish_packet(f, d, pkt, 17, 8 + pl, 6, dry);
		f->cur++;
		if (f->cur == f->nmsg)
			f->phase = P_DONE;
		else
			f->t += f->m[f->cur].delay_us;
		return len;
	}
	case P_SYN:
		len = tcp_packet(f, 0, TH_SYN, 0, pkt, dry);
		f->nxt[0] = f->isn[0] + 1;
		f->t += f->rtt_us;
		f->phase = P_SYNACK;
		return len;
	case P_SYNACK:
		len = tcp_packet(f, 1, TH_SYN | TH_ACK, 0, pkt, dry);
		f->nxt[1] = f->isn[1] + 1;
		f->t += rng_range(&f->rng, 20, 200);
		f->phase = P_ACK;
		return len;
	case P_ACK:
		len = tcp_packet(f, 0, TH_ACK, 0, pkt, dry);
		f->phase = P_DATA;
		f->cur = 0;
		f->off = 0;
		f->t += f->m[0].delay_us;
		return len;
	case P_DATA: {
		if (f->pending_ack) {
			len = tcp_packet(f, f->ack_dir, TH_ACK, 0, pkt, dry);
			f->pending_ack = 0;
			f->t = f->t_resume;
			if (f->cur == f->nmsg)
				f->phase = P_FIN1;
			return len;
		}
		struct msg *m = &f->m[f->cur];
		unsigned d = m->dir;
		uint64_t total = msg_len(m);
		uint64_t left = total - f->off;
		size_t n = left < f->mss ? (size_t)left : f->mss;
		int last = f->off + n == total;
		size_t hl = 32;
		if (!dry)
			msg_copy(f, m, f->off, pkt + l3 + hl, n);
		len = tcp_packet(f, d, (uint8_t)(TH_ACK | (last ? TH_PSH : 0)), n, pkt, dry);
		f->nxt[d] += (uint32_t)n;
		f->off += n;
		f->unacked++;
		f->segs_win++;
		uint64_t t = f->t;
		uint64_t gap = (uint64_t)f->gap_us * n / f->mss + 1;
		uint64_t next = t + gap;
		if (f->segs_win >= WIN_SEGS) {
			next += f->rtt_us;
			f->segs_win = 0;
		}
		if (last) {
			f->cur++;
			f->off = 0;
			f->segs_win = 0;
			int more = f->cur < f->nmsg;
			uint64_t delay = more ? f->m[f->cur].delay_us : f->fin_delay_us;
			next = t + delay + 1;
			int need = f->unacked > 0 &&
				   (!more || f->m[f->cur].dir == d || f->m[f->cur].delay_us > 40000);
			f->unacked = 0;
			if (need) {
				f->pending_ack = 1;
				f->ack_dir = (uint8_t)!d;
				f->t_resume = next;
				f->t = t + (delay / 2 < 40000 ? delay / 2 : 40000);
				return len;
			}
			f->t = next;
			if (!more)
				f->phase = P_FIN1;
			return len;
		}
		if (f->unacked >= 2) {
			f->unacked = 0;
			f->pending_ack = 1;
			f->ack_dir = (uint8_t)!d;
			f->t_resume = next;
			f->t = t + gap / 2;
			return len;
		}
		f->t = next;
		return len;
	}
	case P_FIN1:
		len = tcp_packet(f, f->closer, TH_FIN | TH_ACK, 0, pkt, dry);
		f->nxt[f->closer]++;
		f->t += f->closer == 0 ? f->rtt_us : rng_range(&f->rng, 30, 3000);
		f->phase = P_FIN2;
		return len;
	case P_FIN2:
		len = tcp_packet(f, !f->closer, TH_FIN | TH_ACK, 0, pkt, dry);
		f->nxt[!f->closer]++;
		f->t += f->closer == 0 ? rng_range(&f->rng, 20, 200) : f->rtt_us;
		f->phase = P_FIN3;
		return len;
	case P_FIN3:
		len = tcp_packet(f, f->closer, TH_ACK, 0, pkt, dry);
		f->phase = P_DONE;
		return len;
	default:
		return 0;
	}
}

/* ----------------------------------------------------------------- heap */

struct heap {
	struct fst **a;
	uint32_t n, cap;
};

static int heap_less(const struct fst *x, const struct fst *y)
{
	return x->t < y->t || (x->t == y->t && x->idx < y->idx);
}

static void heap_set(struct heap *h, uint32_t i, struct fst *f)
{
	h->a[i] = f;
	f->heap_pos = i;
}

static void heap_up(struct heap *h, uint32_t i)
{
	struct fst *f = h->a[i];
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (!heap_less(f, h->a[p]))
			break;
		heap_set(h, i, h->a[p]);
		i = p;
	}
	heap_set(h, i, f);
}

static void heap_down(struct heap *h, uint32_t i)
{
	struct fst *f = h->a[i];
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && heap_less(h->a[c + 1], h->a[c]))
			c++;
		if (!heap_less(h->a[c], f))
			break;
		heap_set(h, i, h->a[c]);
		i = c;
	}
	heap_set(h, i, f);
}

static void heap_push(struct heap *h, struct fst *f)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 1024;
		h->a = realloc(h->a, h->cap * sizeof *h->a);
		if (!h->a)
			die("out of memory");
	}
	h->a[h->n] = f;
	heap_up(h, h->n++);
}

static struct fst *heap_pop(struct heap *h)
{
	struct fst *top = h->a[0];
	h->n--;
	if (h->n) {
		heap_set(h, 0, h->a[h->n]);
		heap_down(h, 0);
	}
	return top;
}

/* ----------------------------------------------------------------- pass */

struct stats {
	uint64_t file_bytes, packets, pkt_bytes;
	uint64_t v6_packets, udp_packets;
	uint64_t by_type_flows[FT_N], by_type_pkts[FT_N], by_type_bytes[FT_N];
	uint32_t max_active;
	uint64_t last_us;
};

struct wbuf {
	FILE *fp;
	uint8_t *p;
	size_t len, cap;
};

static void wb_flush(struct wbuf *w)
{
	if (w->len && fwrite(w->p, 1, w->len, w->fp) != w->len)
		die("write failed");
	w->len = 0;
}

static void wb_put(struct wbuf *w, const void *d, size_t n)
{
	if (w->len + n > w->cap)
		wb_flush(w);
	memcpy(w->p + w->len, d, n);
	w->len += n;
}

static void le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void run_pass(const struct flow *flows, uint32_t nflows, uint64_t seed, FILE *out, struct stats *st)
{
	int dry = out == NULL;
	struct wbuf w = {.fp = out};
	memset(st, 0, sizeof *st);
	if (!dry) {
		w.cap = 8u << 20;
		w.p = malloc(w.cap);
		if (!w.p)
			die("out of memory");
		uint8_t gh[24];
		le32(gh, 0xa1b2c3d4u);
		gh[4] = 2;
		gh[5] = 0;
		gh[6] = 4;
		gh[7] = 0;
		le32(gh + 8, 0);
		le32(gh + 12, 0);
		le32(gh + 16, SNAPLEN);
		le32(gh + 20, 1); /* LINKTYPE_ETHERNET */
		wb_put(&w, gh, 24);
	}
	st->file_bytes = 24;
	struct heap h = {0};
	/* free list of flow states */
	struct fst **pool = NULL;
	uint32_t npool = 0, cpool = 0;
	uint8_t pkt[2048];
	uint32_t next = 0;
	while (next < nflows || h.n) {
		if (next < nflows && (h.n == 0 || flows[next].start_us <= h.a[0]->t)) {
			struct fst *f = npool ? pool[--npool] : malloc(sizeof *f);
			if (!f)
				die("out of memory");
			flow_activate(f, &flows[next], next, seed);
			st->by_type_flows[f->type]++;
			next++;
			heap_push(&h, f);
			if (h.n > st->max_active)
				st->max_active = h.n;
			continue;
		}
		struct fst *f = h.a[0];
		uint64_t t = f->t;
		size_t len = flow_step(f, pkt, dry);
		if (len) {
			if (len > ETH_MTU + 14)
				die("internal: oversize packet");
			if (t < st->last_us)
				die("internal: time went backwards");
			st->last_us = t;
			st->packets++;
			st->pkt_bytes += len;
			st->file_bytes += 16 + len;
			st->by_type_pkts[f->type]++;
			st->by_type_bytes[f->type] += len;
			if (f->v6)
				st->v6_packets++;
			if (f->udp)
				st->udp_packets++;
			if (!dry) {
				uint8_t rh[16];
				uint64_t ts = EPOCH_S * 1000000u + t;
				le32(rh, (uint32_t)(ts / 1000000u));
				le32(rh + 4, (uint32_t)(ts % 1000000u));
				le32(rh + 8, (uint32_t)len);
				le32(rh + 12, (uint32_t)len);
				wb_put(&w, rh, 16);
				wb_put(&w, pkt, len);
			}
		}
		if (f->phase == P_DONE) {
			heap_pop(&h);
			flow_release(f);
			if (npool == cpool) {
				cpool = cpool ? cpool * 2 : 1024;
				pool = realloc(pool, cpool * sizeof *pool);
				if (!pool)
					die("out of memory");
			}
			pool[npool++] = f;
		} else {
			heap_down(&h, 0);
		}
	}
	if (!dry) {
		wb_flush(&w);
		free(w.p);
	}
	for (uint32_t i = 0; i < npool; i++)
		free(pool[i]);
	free(pool);
	free(h.a);
}

/* ----------------------------------------------------------------- plan */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint16_t pick_web(struct rng *r)
{
	/* skewed towards low indices: a few names are very popular */
	return (uint16_t)rng_below(r, 1 + rng_below(r, (uint32_t)N_WEB));
}

static uint32_t bulk_draw(struct rng *r)
{
	uint32_t x = rng_below(r, 1000);
	if (x < 600)
		return rng_range(r, 500, 6000);
	if (x < 880)
		return rng_range(r, 6000, 30000);
	if (x < 980)
		return rng_range(r, 30000, 150000);
	if (x < 998)
		return rng_range(r, 150000, 600000);
	return rng_range(r, 600000, 3000000);
}

static struct flow *plan(uint64_t seed, uint32_t n, uint64_t dur_us, uint32_t ai_pm, uint32_t v6_pct)
{
	struct rng r;
	rng_seed(&r, seed);
	struct flow *fl = calloc(n, sizeof *fl);
	uint64_t *st = calloc(n, sizeof *st);
	if (!fl || !st)
		die("out of memory");
	for (uint32_t i = 0; i < n; i++)
		st[i] = rng_u64(&r) % dur_us;
	qsort(st, n, sizeof *st, cmp_u64);
	for (uint32_t i = 0; i < n; i++) {
		struct flow *f = &fl[i];
		f->start_us = st[i];
		uint32_t x = rng_below(&r, 1000);
		if (x < ai_pm) {
			uint32_t y = rng_below(&r, 100);
			if (prof_sse)
				f->type = y < 15 ? FT_AI_TLS : y < 70 ? FT_AI_OPENAI : y < 80 ? FT_AI_OLLAMA : FT_AI_MCP;
			else
				f->type = y < 50 ? FT_AI_TLS : y < 68 ? FT_AI_OPENAI : y < 82 ? FT_AI_OLLAMA : FT_AI_MCP;
			f->host = ai_hosts[rng_below(&r, n_ai_hosts)];
			if (f->type == FT_AI_TLS) {
				uint32_t z = rng_below(&r, 100);
				f->dom = z < 45 ? DOM_OPENAI : z < 80 ? DOM_ANTHROPIC : DOM_GEMINI;
			}
		} else {
			uint32_t y = rng_below(&r, 1000 - ai_pm);
			uint32_t span = 1000 - ai_pm;
			/* ordinary mix: 54% TLS, 15% HTTP, 31% DNS of the non-AI share;
			 * the stream profile: 31% TLS, 9% QUIC, 10% HTTP, 50% DNS */
			if (prof_sse)
				f->type = y < span * 31 / 100   ? FT_TLS
					  : y < span * 40 / 100 ? FT_QUIC
					  : y < span * 50 / 100 ? FT_HTTP
								: FT_DNS;
			else
				f->type = y < span * 54 / 100 ? FT_TLS : y < span * 69 / 100 ? FT_HTTP : FT_DNS;
			f->host = rng_below(&r, n_hosts);
			if (f->type == FT_DNS && rng_pm(&r, 50))
				f->dom = (uint16_t)(N_WEB + rng_below(&r, 3)); /* AI names get resolved too */
			else
				f->dom = pick_web(&r);
			if (f->type != FT_DNS)
				f->bulk_w = bulk_draw(&r);
		}
		f->v6 = (uint8_t)(rng_below(&r, 100) < v6_pct);
	}
	free(st);
	return fl;
}

/* ---------------------------------------------------------------- count */

static int count_pcap(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		fprintf(stderr, "gen: %s: %s\n", path, strerror(errno));
		return 1;
	}
	static char vb[1 << 20];
	setvbuf(fp, vb, _IOFBF, sizeof vb);
	uint8_t gh[24];
	if (fread(gh, 1, 24, fp) != 24) {
		fprintf(stderr, "gen: %s: short file\n", path);
		return 1;
	}
	uint32_t magic = (uint32_t)gh[0] | (uint32_t)gh[1] << 8 | (uint32_t)gh[2] << 16 | (uint32_t)gh[3] << 24;
	int swap;
	if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du)
		swap = 0;
	else if (magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u)
		swap = 1;
	else {
		fprintf(stderr, "gen: %s: not a classic pcap file (pcapng is not counted)\n", path);
		return 1;
	}
	uint64_t pk = 0, cap = 0, wire = 0;
	uint8_t rh[16];
	static uint8_t skip[SNAPLEN + 16];
	while (fread(rh, 1, 16, fp) == 16) {
		uint32_t c, w;
		if (!swap) {
			c = (uint32_t)rh[8] | (uint32_t)rh[9] << 8 | (uint32_t)rh[10] << 16 | (uint32_t)rh[11] << 24;
			w = (uint32_t)rh[12] | (uint32_t)rh[13] << 8 | (uint32_t)rh[14] << 16 | (uint32_t)rh[15] << 24;
		} else {
			c = (uint32_t)rh[11] | (uint32_t)rh[10] << 8 | (uint32_t)rh[9] << 16 | (uint32_t)rh[8] << 24;
			w = (uint32_t)rh[15] | (uint32_t)rh[14] << 8 | (uint32_t)rh[13] << 16 | (uint32_t)rh[12] << 24;
		}
		if (c > sizeof skip) {
			fprintf(stderr, "gen: %s: record too large\n", path);
			return 1;
		}
		if (fread(skip, 1, c, fp) != c)
			break;
		pk++;
		cap += c;
		wire += w;
	}
	fclose(fp);
	printf("packets=%" PRIu64 " caplen_bytes=%" PRIu64 " wire_bytes=%" PRIu64 "\n", pk, cap, wire);
	return 0;
}

/* ----------------------------------------------------------------- main */

static uint64_t parse_size(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || v < 0)
		die("bad size");
	switch (*end) {
	case 'k':
	case 'K':
		v *= 1e3;
		break;
	case 'm':
	case 'M':
		v *= 1e6;
		break;
	case 'g':
	case 'G':
		v *= 1e9;
		break;
	case 0:
		break;
	default:
		die("bad size suffix (K, M, G)");
	}
	return (uint64_t)v;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: gen [-s SEED] [-b SIZE[K|M|G]] [-f FLOWS] [-d SECONDS] [-a AI_PERMILLE] [-6 V6_PCT]\n"
		"           [-H HOSTS] [-P web|sse] -o FILE.pcap\n"
		"       gen -c FILE.pcap     (print packets=N caplen_bytes=B wire_bytes=W)\n"
		"defaults: seed 1, size 500M, flows 40000, 120 s, AI 35 permille, IPv6 12%%, 6000 hosts\n");
	exit(2);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	uint64_t seed = 1, target = 500000000ULL;
	uint32_t nflows = 40000, dur_s = 120, ai_pm = 35, v6_pct = 12;
	const char *out = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || !a[1] || a[2] || i + 1 >= argc)
			usage();
		const char *v = argv[++i];
		switch (a[1]) {
		case 's':
			seed = strtoull(v, NULL, 0);
			break;
		case 'b':
			target = parse_size(v);
			break;
		case 'f':
			nflows = (uint32_t)strtoul(v, NULL, 0);
			break;
		case 'd':
			dur_s = (uint32_t)strtoul(v, NULL, 0);
			break;
		case 'a':
			ai_pm = (uint32_t)strtoul(v, NULL, 0);
			break;
		case '6':
			v6_pct = (uint32_t)strtoul(v, NULL, 0);
			break;
		case 'P':
			if (strcmp(v, "web") && strcmp(v, "sse"))
				usage();
			prof_sse = !strcmp(v, "sse");
			break;
		case 'H':
			n_hosts = (uint32_t)strtoul(v, NULL, 0);
			break;
		case 'o':
			out = v;
			break;
		case 'c':
			return count_pcap(v);
		default:
			usage();
		}
	}
	if (!out || nflows == 0 || dur_s == 0 || ai_pm > 1000 || v6_pct > 100 || n_hosts < AI_HOST_STRIDE)
		usage();
	double t_start = now_s();
	world_domains();
	world_hosts();
	struct flow *flows = plan(seed, nflows, (uint64_t)dur_s * 1000000u, ai_pm, v6_pct);
	struct stats st;

	/* size fit: file size is close to linear in the bulk scale */
	bulk_scale = 0;
	run_pass(flows, nflows, seed, NULL, &st);
	double t0 = (double)st.file_bytes;
	bulk_scale = 1;
	run_pass(flows, nflows, seed, NULL, &st);
	double t1 = (double)st.file_bytes;
	double s = t1 > t0 ? ((double)target - t0) / (t1 - t0) : 1;
	if (s < 0) {
		fprintf(stderr, "gen: note: %u flows alone exceed %.0f bytes; using minimum flow sizes\n", nflows,
			(double)target);
		s = 0;
	}
	bulk_scale = s;
	run_pass(flows, nflows, seed, NULL, &st);
	double t2 = (double)st.file_bytes;
	if (s > 0 && t2 != t1 && s != 1) { /* one secant refinement */
		double s2 = s + ((double)target - t2) * (s - 1) / (t2 - t1);
		if (s2 > 0)
			bulk_scale = s2;
	}

	FILE *fp = fopen(out, "wb");
	if (!fp) {
		fprintf(stderr, "gen: %s: %s\n", out, strerror(errno));
		return 1;
	}
	run_pass(flows, nflows, seed, fp, &st);
	if (fclose(fp) != 0)
		die("close failed");
	double el = now_s() - t_start;

	uint64_t secs = st.last_us / 1000000u;
	fprintf(stderr, "gen: wrote %s in %.1f s (seed %" PRIu64 ", bulk scale %.3f)\n", out, el, seed, bulk_scale);
	fprintf(stderr, "  file bytes     %" PRIu64 " (%.1f MB)\n", st.file_bytes, (double)st.file_bytes / 1e6);
	fprintf(stderr, "  packets        %" PRIu64 " (IPv6 %" PRIu64 ", UDP %" PRIu64 ")\n", st.packets, st.v6_packets,
		st.udp_packets);
	fprintf(stderr, "  packet bytes   %" PRIu64 " (mean %.0f B/packet)\n", st.pkt_bytes,
		st.packets ? (double)st.pkt_bytes / (double)st.packets : 0.0);
	fprintf(stderr, "  time span      %" PRIu64 ".%06" PRIu64 " s from %llu, max %u flows open at once\n", secs,
		st.last_us % 1000000u, (unsigned long long)EPOCH_S, st.max_active);
	fprintf(stderr, "  flows          %u over %u client hosts (%u of them run AI software)\n", nflows, n_hosts,
		n_ai_hosts);
	fprintf(stderr, "  %-16s %8s %10s %14s\n", "type", "flows", "packets", "bytes");
	for (int i = 0; i < FT_N; i++)
		fprintf(stderr, "  %-16s %8" PRIu64 " %10" PRIu64 " %14" PRIu64 "\n", ftype_name[i], st.by_type_flows[i],
			st.by_type_pkts[i], st.by_type_bytes[i]);
	free(flows);
	free(hosts);
	free(ai_hosts);
	return 0;
}
