/* test_secrets.c — Decryption Secrets Blocks of pcapng files
 * (sensor/capture/secrets.h): the key logs of TLSK blocks in either byte
 * order, other secrets types and blocks passed over, a classic pcap
 * without any, a block running past the file named as an error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

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

static const char *write_file(const struct buf *w)
{
	static char path[] = "/tmp/aisensor-secrets-XXXXXX";
	strcpy(path, "/tmp/aisensor-secrets-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, w->b, w->n), (ssize_t)w->n);
	close(fd);
	return path;
}

struct got {
	char text[1024];
	int calls;
};

static void add(void *user, const char *text, size_t len)
{
	struct got *g = user;
	size_t have = strlen(g->text);
	assert_true(have + len < sizeof g->text);
	memcpy(g->text + have, text, len);
	g->text[have + len] = '\0';
	g->calls++;
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
	const char *path = write_file(&w);
	struct got g = {0};
	char err[256];
	assert_int_equal(capture_file_secrets(path, add, &g, err, sizeof err), 2);
	assert_int_equal(g.calls, 2);
	assert_string_equal(g.text, "CLIENT_RANDOM a b\nSERVER_TRAFFIC_SECRET_0 c d\n");
	unlink(path);
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

static void test_classic_pcap(void **state)
{
	(void)state;
	struct got g = {0};
	char err[256];
	assert_int_equal(
	    capture_file_secrets(AS_SRC_DIR "/pcaps/openai-node-tls.pcap", add, &g, err, sizeof err), 0);
	assert_int_equal(g.calls, 0);
}

static void test_malformed(void **state)
{
	(void)state;
	struct buf w = {0};
	shb(&w);
	u32(&w, 0x0000000A);
	u32(&w, 7); /* a length no block has */
	const char *path = write_file(&w);
	struct got g = {0};
	char err[256];
	assert_int_equal(capture_file_secrets(path, add, &g, err, sizeof err), AS_ERR_MALFORMED);
	assert_non_null(strstr(err, path));
	unlink(path);

	/* A DSB cut short: its body is not there. */
	w.n = 0;
	shb(&w);
	dsb(&w, 0x544c534b, "CLIENT_RANDOM a b\n");
	w.n -= 12;
	path = write_file(&w);
	assert_int_equal(capture_file_secrets(path, add, &g, err, sizeof err), AS_ERR_MALFORMED);
	assert_int_equal(g.calls, 0);
	unlink(path);

	assert_int_equal(capture_file_secrets("/nonexistent.pcapng", add, &g, err, sizeof err), AS_ERR_IO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_little_endian),
	    cmocka_unit_test(test_big_endian),
	    cmocka_unit_test(test_classic_pcap),
	    cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
