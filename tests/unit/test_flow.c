/* test_flow.c — the per-worker flow table: symmetric hashing, TCP
 * reassembly (out of order, retransmitted, overlapping, lost segments),
 * idle expiry on packet time, eviction at the flow cap. */
#include "cases.h"
#include "community_id.h"
#include "flow.h"

struct sink {
	size_t starts, ends, requests, responses, evicted, idle;
	char path[AS_STR_LONG];
	char model[AS_STR];
	uint64_t end_bytes;
};

static void emit(void *user, const struct msg_hdr *m, size_t len)
{
	struct sink *s = user;
	(void)len;
	if (m->type == MSG_FLOW_START)
		s->starts++;
	if (m->type == MSG_FLOW_END) {
		const struct msg_flow *f = (const struct msg_flow *)m;
		s->ends++;
		s->end_bytes += f->bytes[0] + f->bytes[1];
		s->evicted += f->end_reason == FLOW_END_EVICTED;
		s->idle += f->end_reason == FLOW_END_IDLE;
	}
	if (m->type == MSG_OBSERVATION) {
		const struct msg_obs *o = (const struct msg_obs *)m;
		if (o->obs.type == OBS_HTTP_REQUEST)
			s->requests++;
		if (o->obs.type == OBS_HTTP_EXCHANGE) {
			snprintf(s->path, sizeof s->path, "%s", o->obs.u.http.req.path);
			snprintf(s->model, sizeof s->model, "%s", o->obs.u.http.req.model);
			s->responses += (o->obs.u.http.seen & HTTP_SEEN_RESPONSE) != 0;
		}
	}
}

static struct flow_table *table(struct sink *s, size_t max_flows, struct worker_stats *st)
{
	static const uint8_t salt[] = "t";
	struct flow_config c = {.max_flows = max_flows,
				.idle_tcp_s = 300,
				.idle_tcp_closed_s = 10,
				.idle_udp_s = 60,
				.salt = salt,
				.salt_len = 1,
				.emit = emit,
				.emit_user = s};
	memset(st, 0, sizeof *st);
	struct flow_table *ft = flow_table_new(&c, st);
	assert_non_null(ft);
	return ft;
}

/* A TCP packet between 10.0.0.1:port_c and 10.0.0.2:80; l3 is a dummy
 * header so nDPI has something to look at. */
static uint8_t l3buf[2048];

static struct decoded pkt(int to_server, uint16_t cport, uint8_t flags, uint32_t seq, const char *data,
			  size_t len)
{
	struct decoded d;
	memset(&d, 0, sizeof d);
	d.family = 4;
	d.l4proto = 6;
	uint8_t c[4] = {10, 0, 0, 1}, s[4] = {10, 0, 0, 2};
	memcpy(d.src_ip, to_server ? c : s, 4);
	memcpy(d.dst_ip, to_server ? s : c, 4);
	d.src_port = to_server ? cport : 80;
	d.dst_port = to_server ? 80 : cport;
	d.tcp_flags = flags;
	d.seq = seq;
	d.payload = (const uint8_t *)data;
	d.payload_len = len;
	d.ip_len = 40 + len;
	d.l3 = l3buf;
	d.l3_len = 40;
	return d;
}

static const char req[] =
    "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
    "Content-Length: 28\r\n\r\n{\"model\":\"m1\",\"stream\":true}";

static void test_symmetric_hash(void **state)
{
	(void)state;
	struct decoded a = pkt(1, 40000, TCP_ACK, 0, NULL, 0), b = pkt(0, 40000, TCP_ACK, 0, NULL, 0);
	assert_true(flow_hash(&a) == flow_hash(&b));
	struct decoded c = pkt(1, 40001, TCP_ACK, 0, NULL, 0);
	assert_true(flow_hash(&a) != flow_hash(&c));
}

/* Sends the request in 4 segments in the given order, starting after a SYN. */
static void send_order(const int order[4], int retransmit, struct sink *s)
{
	struct worker_stats st;
	struct flow_table *ft = table(s, 100, &st);
	uint64_t t = 1000000, n = 0;
	struct decoded syn = pkt(1, 40000, TCP_SYN, 999, NULL, 0);
	flow_packet(ft, n++, t, t, &syn);
	size_t len = sizeof req - 1, q = len / 4;
	for (int i = 0; i < 4; i++) {
		size_t off = (size_t)order[i] * q, l = order[i] == 3 ? len - off : q;
		struct decoded d = pkt(1, 40000, TCP_ACK, 1000 + (uint32_t)off, req + off, l);
		t += 1000;
		flow_packet(ft, n++, t, t, &d);
		if (retransmit) {
			t += 1000;
			flow_packet(ft, n++, t, t, &d);
		}
	}
	flow_flush_all(ft, n);
	flow_table_free(ft);
}

/* The request's four segments in one order, each sent once or twice. */
struct order_case {
	int order[4];
	int retransmit;
};

static const struct order_case orders[] = {
	{{0, 1, 2, 3}, 0}, {{1, 0, 2, 3}, 0}, {{3, 2, 1, 0}, 0}, {{0, 2, 1, 3}, 0}, {{2, 3, 0, 1}, 0},
	{{0, 1, 2, 3}, 1}, {{1, 0, 2, 3}, 1}, {{3, 2, 1, 0}, 1}, {{0, 2, 1, 3}, 1}, {{2, 3, 0, 1}, 1},
};

static void test_reassembly_order(void **state)
{
	const struct order_case *c = *state;
	struct sink s;
	memset(&s, 0, sizeof s);
	send_order(c->order, c->retransmit, &s);
	assert_int_equal(s.requests, 1);
	assert_string_equal(s.path, "/v1/chat/completions");
	assert_string_equal(s.model, "m1");
	assert_int_equal(s.starts, 1);
	assert_int_equal(s.ends, 1);
}

static void test_overlap_and_loss(void **state)
{
	(void)state;
	struct sink s;
	memset(&s, 0, sizeof s);
	struct worker_stats st;
	struct flow_table *ft = table(&s, 100, &st);
	size_t len = sizeof req - 1;
	/* Overlapping segments: [0,60) then [30,len). */
	struct decoded a = pkt(1, 40000, TCP_ACK, 5000, req, 60);
	struct decoded b = pkt(1, 40000, TCP_ACK, 5030, req + 30, len - 30);
	flow_packet(ft, 0, 1000000, 1000000, &a);
	flow_packet(ft, 1, 1001000, 1001000, &b);
	assert_int_equal(s.requests, 1);
	/* A second request whose first bytes never arrive: counted as a gap, no crash. */
	struct decoded c = pkt(1, 40000, TCP_ACK, 5000 + (uint32_t)len + 20, req + 20, len - 20);
	flow_packet(ft, 2, 1002000, 1002000, &c);
	flow_flush_all(ft, 3);
	assert_true(st.reasm_gaps >= 1);
	assert_int_equal(s.ends, 1);
	flow_table_free(ft);
}

static void test_idle_expiry_and_eviction(void **state)
{
	(void)state;
	struct sink s;
	memset(&s, 0, sizeof s);
	struct worker_stats st;
	struct flow_table *ft = table(&s, 8, &st);
	/* 20 flows into a table of 8: 12 evicted, oldest first. */
	for (uint16_t i = 0; i < 20; i++) {
		struct decoded d = pkt(1, (uint16_t)(30000 + i), TCP_SYN, 1, NULL, 0);
		flow_packet(ft, i, 1000000 + i, 1000000 + i, &d);
	}
	assert_int_equal(flow_count(ft), 8);
	assert_int_equal(st.flows_evicted, 12);
	assert_int_equal(s.evicted, 12);
	/* 301 s later every established flow is idle. */
	flow_sweep(ft, 100, 1000000 + 301000000ULL);
	assert_int_equal(flow_count(ft), 0);
	assert_int_equal(s.idle, 8);
	/* A packet after the idle timeout starts a new flow. */
	struct decoded d = pkt(1, 50000, TCP_ACK, 1, NULL, 0);
	flow_packet(ft, 101, 2000000000ULL, 2000000000ULL, &d);
	flow_packet(ft, 102, 2000000000ULL + 400000000ULL, 2000000000ULL + 400000000ULL, &d);
	assert_int_equal(s.starts, 22);
	flow_table_free(ft);
}

/* Capture files replayed out of time order: packet time jumps back an hour,
 * network time stands still, and no flow expires for it. */
static void test_time_going_backwards(void **state)
{
	(void)state;
	struct sink s;
	memset(&s, 0, sizeof s);
	struct worker_stats st;
	struct flow_table *ft = table(&s, 100, &st);
	uint64_t late = 5000000000ULL, early = late - 3600000000ULL;
	struct decoded a = pkt(1, 40000, TCP_SYN, 1, NULL, 0);
	flow_packet(ft, 0, late, late, &a);
	struct decoded b = pkt(1, 40001, TCP_SYN, 1, NULL, 0);
	flow_packet(ft, 1, early, late, &b);
	flow_sweep(ft, 2, late + 1000000);
	struct decoded b2 = pkt(0, 40001, TCP_SYN | TCP_ACK, 9, NULL, 0);
	flow_packet(ft, 3, early + 1000, late + 1000000, &b2);
	assert_int_equal(flow_count(ft), 2);
	assert_int_equal(s.idle, 0);
	assert_int_equal(s.starts, 2);
	flow_table_free(ft);
}

/* The Community ID of both directions of a flow: the vectors of Zeek's
 * community_id_v1 test (1.2.3.4:1122 -> 5.6.7.8:3344, seed 0). */
static void test_community_id(void **state)
{
	(void)state;
	struct flow_ref r = {.family = 4, .l4proto = 6, .cli_port = 1122, .srv_port = 3344};
	memcpy(r.cli_ip, (const uint8_t[]){1, 2, 3, 4}, 4);
	memcpy(r.srv_ip, (const uint8_t[]){5, 6, 7, 8}, 4);
	char id[COMMUNITY_ID_LEN];
	community_id_v1(&r, 0, id);
	assert_string_equal(id, "1:wCb3OG7yAFWelaUydu0D+125CLM=");
	struct flow_ref back = r; /* the other end opened it: the same id */
	memcpy(back.cli_ip, r.srv_ip, 16);
	memcpy(back.srv_ip, r.cli_ip, 16);
	back.cli_port = r.srv_port;
	back.srv_port = r.cli_port;
	community_id_v1(&back, 0, id);
	assert_string_equal(id, "1:wCb3OG7yAFWelaUydu0D+125CLM=");
	r.l4proto = 17;
	community_id_v1(&r, 0, id);
	assert_string_equal(id, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=");
}

int main(void)
{
	struct cases t = {0};
	CASE(&t, test_symmetric_hash);
	for (size_t i = 0; i < sizeof orders / sizeof orders[0]; i++)
		CASE_ROW(&t, test_reassembly_order, &orders[i], "%d%d%d%d%s", orders[i].order[0], orders[i].order[1],
			 orders[i].order[2], orders[i].order[3], orders[i].retransmit ? " retransmitted" : "");
	CASE(&t, test_overlap_and_loss);
	CASE(&t, test_idle_expiry_and_eviction);
	CASE(&t, test_time_going_backwards);
	CASE(&t, test_community_id);
	return cases_main(&t, "flow");
}
