/* rpc_fixture.h — helpers shared by the JSON-RPC and WebSocket tests: HTTP
 * conversations (with a Content-Length placeholder) run through the http1
 * dissector at every split point, observation lookups, and a small pcap
 * reader (Ethernet, Linux SLL/SLL2, null, raw IP; TCP in sequence order). */
#ifndef AS_RPC_FIXTURE_H
#define AS_RPC_FIXTURE_H

#include "dissect_harness.h"

#include <pcap/pcap.h>

#include "cursor.h"

extern const struct dissector dissector_http1;
#define H1D (&dissector_http1)

/* ---- conversations ----
 * Text may say "Content-Length: #" and end that body with '\x01'; the
 * runner fills in the length and drops the marker. A feed with `len` set is
 * binary and taken as is. A feed with neither text nor len ends its
 * direction (`end`). */
struct conv_feed {
	enum dissect_dir dir;
	const char *text;
	size_t len;
	bool end;
};
#define CONV_MAX_FEEDS 10

static inline uint8_t *conv_expand(const char *in, size_t *outlen)
{
	size_t n = strlen(in);
	char *out = malloc(n + 64 * 16 + 1);
	assert_non_null(out);
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		const char *ph = strstr(in + i, "Content-Length: #");
		if (!ph) {
			for (; i < n; i++)
				if (in[i] != '\x01')
					out[o++] = in[i];
			break;
		}
		size_t upto = (size_t)(ph - in) + strlen("Content-Length: ");
		for (; i < upto; i++)
			if (in[i] != '\x01') /* the end of an earlier body */
				out[o++] = in[i];
		i++; /* the '#' */
		const char *head_end = strstr(in + i, "\r\n\r\n");
		assert_non_null(head_end);
		const char *body = head_end + 4;
		const char *end = strchr(body, '\x01');
		assert_non_null(end);
		o += (size_t)sprintf(out + o, "%zu", (size_t)(end - body));
	}
	*outlen = o;
	return (uint8_t *)out;
}

static const uint8_t conv_empty[1];

/* Runs a conversation through http1, split at every offset of every feed
 * unless `no_split`; returns the observations (caller frees). */
static inline struct obs_log conv_run(const struct conv_feed *cf, bool no_split)
{
	struct feed feeds[CONV_MAX_FEEDS];
	uint8_t *bufs[CONV_MAX_FEEDS] = {0};
	size_t n = 0;
	for (; n < CONV_MAX_FEEDS && (cf[n].text || cf[n].end); n++) {
		feeds[n].dir = cf[n].dir;
		if (cf[n].text && cf[n].len) {
			feeds[n].data = (const uint8_t *)cf[n].text;
			feeds[n].len = cf[n].len;
		} else if (cf[n].text) {
			bufs[n] = conv_expand(cf[n].text, &feeds[n].len);
			feeds[n].data = bufs[n];
		} else {
			feeds[n].data = conv_empty;
			feeds[n].len = 0;
		}
	}
	struct obs_log log = {0};
	if (no_split)
		harness_run(H1D, feeds, n, SIZE_MAX, SIZE_MAX, &log);
	else
		log = harness_split_invariant(H1D, feeds, n);
	for (size_t i = 0; i < CONV_MAX_FEEDS; i++)
		free(bufs[i]);
	return log;
}

/* ---- lookups ---- */

static inline size_t count_type(const struct obs_log *log, enum obs_type t)
{
	size_t n = 0;
	for (size_t i = 0; i < log->n; i++)
		n += log->v[i].type == t;
	return n;
}

static inline const struct observation *nth(const struct obs_log *log, enum obs_type t, size_t k)
{
	for (size_t i = 0; i < log->n; i++)
		if (log->v[i].type == t && k-- == 0)
			return &log->v[i];
	fail_msg("observation %d #%zu missing", (int)t, k);
	return NULL;
}

static inline const struct obs_rpc *rpc(const struct obs_log *log, size_t k)
{
	return &nth(log, OBS_RPC, k)->u.rpc;
}

static inline bool has_anomaly(const struct obs_log *log, const char *reason)
{
	for (size_t i = 0; i < log->n; i++)
		if (log->v[i].type == OBS_ANOMALY && strcmp(log->v[i].u.anomaly.reason, reason) == 0)
			return true;
	return false;
}

static inline void print_anomalies(const struct obs_log *log)
{
	for (size_t i = 0; i < log->n; i++)
		if (log->v[i].type == OBS_ANOMALY)
			print_message("    anomaly: %s/%s\n", log->v[i].u.anomaly.dissector,
				      log->v[i].u.anomaly.reason);
}

/* No byte string of `secret` in any observation. */
static inline void assert_no_leak(const struct obs_log *log, const char *secret)
{
	for (size_t i = 0; i < log->n; i++)
		if (memmem(&log->v[i], sizeof log->v[i], secret, strlen(secret)))
			fail_msg("secret %s leaked into observation %zu", secret, i);
}

/* ---- pcap ---- */

/* Called with the in-order payload of a flow that http1 does not claim. */
typedef void (*raw_flow_fn)(void *user, enum dissect_dir dir, const uint8_t *p, size_t len,
			    const struct dissect_ctx *ctx);

#define PFLOW_MAX 64

struct pflow {
	uint8_t key[36]; /* saddr, daddr (16 each), sport, dport */
	bool used, probed, raw, done;
	uint32_t next_seq[2];
	bool seq_known[2];
	void *st;
};

static inline bool pcap_decode_tcp(const uint8_t *p, size_t len, int linktype, uint8_t key[36], uint32_t *seq,
				   bool *syn, const uint8_t **payload, size_t *plen)
{
	struct cur c = cur_make(p, len);
	uint16_t etype = 0;
	if (linktype == DLT_EN10MB) {
		if (!cur_skip(&c, 12) || !cur_get_u16(&c, &etype))
			return false;
		while (etype == 0x8100 && cur_skip(&c, 2) && cur_get_u16(&c, &etype))
			;
	} else if (linktype == DLT_LINUX_SLL) {
		if (!cur_skip(&c, 16))
			return false;
	} else if (linktype == 276 /* LINUX_SLL2 */) {
		if (!cur_skip(&c, 20))
			return false;
	} else if (linktype == DLT_NULL || linktype == DLT_LOOP) {
		if (!cur_skip(&c, 4))
			return false;
	} else if (linktype != DLT_RAW && linktype != 228 /* IPV4 */) {
		return false;
	}
	uint8_t v;
	if (!cur_peek_u8(&c, 0, &v))
		return false;
	memset(key, 0, 36);
	uint8_t proto;
	if (v >> 4 == 4) {
		uint8_t ihl = (uint8_t)((v & 15) * 4);
		uint16_t tot;
		struct cur h = c;
		if (!cur_skip(&h, 2) || !cur_get_u16(&h, &tot) || !cur_skip(&h, 5) ||
		    !cur_get_u8(&h, &proto) || !cur_skip(&h, 2) || !cur_copy(&h, key, 4) ||
		    !cur_copy(&h, key + 16, 4))
			return false;
		struct cur ip;
		if (tot < ihl || !cur_get_bytes(&c, &ip, tot) || !cur_skip(&ip, ihl))
			return false;
		c = ip;
	} else if (v >> 4 == 6) {
		uint16_t plen6;
		struct cur h = c;
		if (!cur_skip(&h, 4) || !cur_get_u16(&h, &plen6) || !cur_get_u8(&h, &proto) ||
		    !cur_skip(&h, 1) || !cur_copy(&h, key, 16) || !cur_copy(&h, key + 16, 16))
			return false;
		struct cur ip;
		if (!cur_get_bytes(&h, &ip, plen6))
			return false;
		c = ip;
	} else {
		return false;
	}
	if (proto != 6)
		return false;
	uint8_t off, flags;
	if (!cur_copy(&c, key + 32, 4) || !cur_get_u32(&c, seq) || !cur_skip(&c, 4) ||
	    !cur_get_u8(&c, &off) || !cur_get_u8(&c, &flags))
		return false;
	*syn = flags & 0x02;
	if ((size_t)(off >> 4) * 4 < 14 || !cur_skip(&c, (size_t)(off >> 4) * 4 - 14))
		return false;
	*payload = cur_data(&c);
	*plen = cur_len(&c);
	return true;
}

/* The flow of a segment among PFLOW_MAX and its direction (1: the reverse
 * of the segment that opened it). An unseen flow takes a free slot and sets
 * *fresh (may be NULL); NULL when every slot is in use. */
static inline struct pflow *pflow_of(struct pflow *flows, const uint8_t key[36], int *dir, bool *fresh)
{
	uint8_t rkey[36];
	memcpy(rkey, key + 16, 16);
	memcpy(rkey + 16, key, 16);
	memcpy(rkey + 32, key + 34, 2);
	memcpy(rkey + 34, key + 32, 2);
	*dir = 0;
	if (fresh)
		*fresh = false;
	for (size_t i = 0; i < PFLOW_MAX; i++) {
		if (flows[i].used && memcmp(flows[i].key, key, 36) == 0)
			return &flows[i];
		if (flows[i].used && memcmp(flows[i].key, rkey, 36) == 0) {
			*dir = 1;
			return &flows[i];
		}
	}
	for (size_t i = 0; i < PFLOW_MAX; i++)
		if (!flows[i].used) {
			flows[i].used = true;
			memcpy(flows[i].key, key, 36);
			if (fresh)
				*fresh = true;
			return &flows[i];
		}
	return NULL;
}

/* Learns where a direction's sequence starts: after a SYN, else at its
 * first segment. True for a SYN, which carries nothing to feed. */
static inline bool pflow_seq(struct pflow *f, int dir, uint32_t seq, bool syn)
{
	if (syn) {
		f->next_seq[dir] = seq + 1;
		f->seq_known[dir] = true;
		return true;
	}
	if (!f->seq_known[dir]) {
		f->next_seq[dir] = seq;
		f->seq_known[dir] = true;
	}
	return false;
}

/* Ends both directions of every flow still open in dissector `d` (a flow
 * that stopped with DISSECT_DONE is not fed again), then frees each state. */
static inline void pflows_end(struct pflow *flows, const struct dissector *d, const struct dissect_ctx *ctx)
{
	for (size_t i = 0; i < PFLOW_MAX; i++) {
		if (!flows[i].st)
			continue;
		if (!flows[i].done) {
			(void)d->parse(flows[i].st, DIR_TO_SERVER, conv_empty, 0, ctx);
			(void)d->parse(flows[i].st, DIR_TO_CLIENT, conv_empty, 0, ctx);
		}
		d->state_free(flows[i].st);
	}
}

/* pcaps-public/<rel>, open for reading; NULL when absent. */
static inline pcap_t *pcap_open_public(const char *rel)
{
	char path[1024], err[PCAP_ERRBUF_SIZE];
	snprintf(path, sizeof path, "%s/../shared/pcaps-public/%s", AS_SRC_DIR, rel);
	return pcap_open_offline(path, err);
}

/* Runs every TCP flow of a public capture through dissector `d` (NULL:
 * http1); flows it does not claim go to raw_fn. False when the capture is
 * absent. */
static inline bool pcap_run_with(const struct dissector *d, const char *rel, struct obs_log *log,
				 raw_flow_fn raw_fn, void *user)
{
	pcap_t *pc = pcap_open_public(rel);
	if (!pc)
		return false;
	memset(log, 0, sizeof *log);
	struct dissect_ctx ctx = harness_ctx(log);
	static struct pflow flows[PFLOW_MAX];
	memset(flows, 0, sizeof flows);
	int lt = pcap_datalink(pc);
	struct pcap_pkthdr *h;
	const u_char *pkt;
	while (pcap_next_ex(pc, &h, &pkt) == 1) {
		uint8_t key[36];
		uint32_t seq;
		bool syn;
		const uint8_t *pl;
		size_t plen;
		if (!pcap_decode_tcp(pkt, h->caplen, lt, key, &seq, &syn, &pl, &plen))
			continue;
		int dir;
		struct pflow *f = pflow_of(flows, key, &dir, NULL);
		if (!f || pflow_seq(f, dir, seq, syn))
			continue;
		if (plen == 0 || f->done || seq != f->next_seq[dir])
			continue; /* retransmission (these captures lose nothing) */
		f->next_seq[dir] += (uint32_t)plen;
		if (!f->probed) {
			struct dissect_probe p = {.transport = TRANSPORT_TCP,
						  .dir = (enum dissect_dir)dir,
						  .data = pl,
						  .len = plen};
			f->probed = true;
			f->raw = !d->probe(&p);
			if (!f->raw)
				f->st = d->state_new();
		}
		if (f->raw) {
			if (raw_fn)
				raw_fn(user, (enum dissect_dir)dir, pl, plen, &ctx);
		} else if (d->parse(f->st, (enum dissect_dir)dir, pl, plen, &ctx) != DISSECT_MORE) {
			f->done = true;
		}
	}
	pflows_end(flows, d, &ctx);
	pcap_close(pc);
	return true;
}

static inline bool pcap_run(const char *rel, struct obs_log *log, raw_flow_fn raw_fn, void *user)
{
	return pcap_run_with(H1D, rel, log, raw_fn, user);
}

#endif
