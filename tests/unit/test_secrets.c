/* test_secrets.c — Decryption Secrets Blocks of pcapng streams
 * (sensor/capture/secrets.h): the key logs of TLSK blocks in either byte
 * order and in any cut of the bytes, other secrets types and blocks passed
 * over, a real capture's block read from its file before the replay and
 * from a FIFO as libpcap reads it, a classic pcap's none, broken and cut
 * blocks said once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture.h"
#include "secrets.h"

struct buf {
	uint8_t b[4096];
	size_t n;
	int big; /* big-endian section */
};

static void u32(struct buf *w, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		w->b[w->n++] = (uint8_t)(w->big ? v >> (24 - 8 * i) : v >> (8 * i));
}

static void block(struct buf *w, uint32_t type, const void *body, size_t len)
{
	size_t total = 12 + ((len + 3) & ~(size_t)3);
	u32(w, type);
	u32(w, (uint32_t)total);
	memcpy(w->b + w->n, body, len);
	memset(w->b + w->n + len, 0, total - 12 - len);
	w->n += total - 12;
	u32(w, (uint32_t)total);
}

static void shb(struct buf *w)
{
	struct buf body = {.big = w->big};
	u32(&body, 0x1A2B3C4D);
	u32(&body, 0x00000001); /* version 1.0 */
	u32(&body, 0xffffffff); /* section length: unknown */
	u32(&body, 0xffffffff);
	block(w, 0x0A0D0D0A, body.b, body.n);
}

static void dsb(struct buf *w, uint32_t stype, const char *text)
{
	struct buf body = {.big = w->big};
	u32(&body, stype);
	u32(&body, (uint32_t)strlen(text));
	memcpy(body.b + body.n, text, strlen(text));
	body.n += strlen(text);
	block(w, 0x0000000A, body.b, body.n);
}

struct got {
	char text[1024];
	int calls;
	int broken; /* calls saying the blocks broke */
};

static void add(void *user, const char *path, const char *text, size_t len)
{
	struct got *g = user;
	assert_non_null(path);
	if (!text) {
		g->broken++;
		return;
	}
	size_t have = strlen(g->text);
	assert_true(have + len < sizeof g->text);
	memcpy(g->text + have, text, len);
	g->text[have + len] = '\0';
	g->calls++;
}

/* The scanner over the bytes, given `step` bytes at a time (a pipe gives
 * them in any cut); its end's verdict. */
static int scan(const uint8_t *p, size_t n, size_t step, struct got *g)
{
	struct capture_secrets to = {add, g};
	struct pcapng_scan s;
	pcapng_scan_init(&s, &to, "test.pcapng");
	for (size_t i = 0; i < n; i += step)
		pcapng_scan(&s, p + i, n - i < step ? n - i : step);
	return pcapng_scan_end(&s);
}

static void run_sections(int big)
{
	struct buf w = {.big = big};
	shb(&w);
	uint8_t idb[8] = {1, 0, 0, 0, 0, 0, 4, 0};
	block(&w, 0x00000001, idb, sizeof idb);	    /* an interface */
	dsb(&w, 0x544c534b, "CLIENT_RANDOM a b\n"); /* TLSK, length not a multiple of 4 */
	dsb(&w, 0x57474b4c, "WireGuard keys\n");    /* WGKL: not a TLS key log */
	dsb(&w, 0x544c534b, "SERVER_TRAFFIC_SECRET_0 c d\n");
	static const size_t steps[] = {1, 3, 7, 4096};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		struct got g = {0};
		assert_int_equal(scan(w.b, w.n, steps[i], &g), AS_OK);
		assert_int_equal(g.calls, 2);
		assert_int_equal(g.broken, 0);
		assert_string_equal(g.text, "CLIENT_RANDOM a b\nSERVER_TRAFFIC_SECRET_0 c d\n");
	}
}

static void test_little_endian(void **state)
{
	(void)state;
	run_sections(0);
}

static void test_big_endian(void **state)
{
	(void)state;
	run_sections(1);
}

static bool never_idle(void *user, uint64_t waited_ms)
{
	(void)user;
	return waited_ms > 10000; /* the writer is gone: end */
}

/* Through the capture reader as the sensor reads stdin or a FIFO: the
 * blocks as the bytes pass. A thread writes the committed DSB capture
 * into a FIFO. */
static void *write_fifo(void *arg)
{
	const char *fifo = arg;
	FILE *in = fopen(AS_SRC_DIR "/pcaps/tls13-dsb.pcapng", "rb"), *out = fopen(fifo, "wb");
	char buf[333]; /* odd sizes: blocks cut anywhere */
	size_t n;
	while (in && out && (n = fread(buf, 1, sizeof buf, in)) > 0)
		fwrite(buf, 1, n, out);
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	return NULL;
}

static void test_captures(void **state)
{
	(void)state;
	struct got g = {0};
	struct capture_secrets to = {add, &g};
	/* A regular file: walked before the replay. */
	assert_int_equal(capture_file_secrets(AS_SRC_DIR "/pcaps/tls13-dsb.pcapng", &to), 1);
	assert_non_null(strstr(g.text, "CLIENT_HANDSHAKE_TRAFFIC_SECRET "));
	memset(&g, 0, sizeof g);
	assert_int_equal(capture_file_secrets(AS_SRC_DIR "/pcaps/openai-node-tls.pcap", &to), 0);
	assert_int_equal(capture_file_secrets("/nonexistent.pcapng", &to), 0); /* libpcap names it */
	assert_int_equal(g.calls + g.broken, 0);

	/* A FIFO: as libpcap reads it. */
	char dir[] = "/tmp/aisensor-fifo-XXXXXX", fifo[64];
	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof fifo, "%s/in", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, write_fifo, fifo), 0);
	struct capture_wait wait = {never_idle, NULL};
	struct capture *c;
	char err[256];
	assert_int_equal(capture_open_file(fifo, NULL, &wait, &to, &c, err, sizeof err), AS_OK);
	struct frame f;
	int n = 0;
	while (capture_next(c, &f, err, sizeof err) == 1)
		n++;
	capture_close(c);
	pthread_join(t, NULL);
	unlink(fifo);
	rmdir(dir);
	assert_true(n > 0);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.broken, 0);
	assert_non_null(strstr(g.text, "CLIENT_HANDSHAKE_TRAFFIC_SECRET "));
}

static void test_malformed(void **state)
{
	(void)state;
	struct buf w = {0};
	shb(&w);
	u32(&w, 0x0000000A);
	u32(&w, 7); /* a length no block has */
	struct got g = {0};
	assert_int_equal(scan(w.b, w.n, 1, &g), AS_ERR_MALFORMED);
	assert_int_equal(g.broken, 1);

	/* A DSB cut short: its body is not there. */
	w.n = 0;
	shb(&w);
	dsb(&w, 0x544c534b, "CLIENT_RANDOM a b\n");
	w.n -= 12;
	memset(&g, 0, sizeof g);
	assert_int_equal(scan(w.b, w.n, 5, &g), AS_ERR_MALFORMED);
	assert_int_equal(g.calls, 0);
	assert_int_equal(g.broken, 1);

	/* A section header with no byte-order magic. */
	w.n = 0;
	w.big = 0;
	u32(&w, 0x0A0D0D0A);
	u32(&w, 28);
	u32(&w, 0x12345678);
	memset(&g, 0, sizeof g);
	assert_int_equal(scan(w.b, w.n, 4096, &g), AS_ERR_MALFORMED);
	assert_int_equal(g.broken, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_little_endian),
	    cmocka_unit_test(test_big_endian),
	    cmocka_unit_test(test_captures),
	    cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
