/* test_spool.c — the exporter's on-disk spool: order, ack/rewind, damage
 * (a bad CRC, a torn tail), the size cap, and survival across reopen. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "spool.h"

struct tmp {
	char dir[64];
};

static void tmp_make(struct tmp *t)
{
	snprintf(t->dir, sizeof t->dir, "/tmp/as-spool-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
}

static void tmp_rm(struct tmp *t)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
	assert_int_equal(system(cmd), 0);
}

static struct spool *open_spool(const char *dir, uint64_t max, uint64_t seg)
{
	struct spool_config c = {dir, max, seg, SPOOL_FSYNC_BATCH};
	struct spool *s = NULL;
	char err[256];
	assert_int_equal(spool_open(&c, &s, err, sizeof err), AS_OK);
	return s;
}

static void rec_text(int i, char *buf, size_t n)
{
	snprintf(buf, n, "{\"record\":%d,\"pad\":\"%0*d\"}", i, i % 50, 0);
}

/* Reads every pending record, checking they are exactly first..last in order. */
static void expect_range(struct spool *s, int first, int last)
{
	for (int i = first; i <= last; i++) {
		uint8_t type;
		const uint8_t *p;
		size_t len;
		assert_int_equal(spool_next(s, &type, &p, &len), AS_OK);
		char want[128];
		rec_text(i, want, sizeof want);
		assert_int_equal(type, 1 + i % 2);
		assert_int_equal(len, strlen(want));
		assert_memory_equal(p, want, len);
	}
	uint8_t type;
	const uint8_t *p;
	size_t len;
	assert_int_equal(spool_next(s, &type, &p, &len), AS_ERR_NOTFOUND);
}

static void append_range(struct spool *s, int first, int last)
{
	for (int i = first; i <= last; i++) {
		char buf[128];
		rec_text(i, buf, sizeof buf);
		assert_int_equal(spool_append(s, (uint8_t)(1 + i % 2), buf, strlen(buf)), AS_OK);
	}
	assert_int_equal(spool_sync(s), AS_OK);
}

static int count_segments(const char *dir)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "ls '%s' | grep -c '^seg-' ", dir);
	FILE *f = popen(cmd, "r");
	int n = 0;
	assert_int_equal(fscanf(f, "%d", &n), 1);
	pclose(f);
	return n;
}

static void test_append_replay_ack(void **state)
{
	(void)state;
	struct tmp t;
	tmp_make(&t);
	/* small segments: records span several files */
	struct spool *s = open_spool(t.dir, 0, 1024);
	assert_true(spool_empty(s));
	append_range(s, 0, 99);
	assert_false(spool_empty(s));
	assert_true(count_segments(t.dir) > 3);
	expect_range(s, 0, 99);
	/* delivery failed: everything comes back */
	spool_rewind(s);
	expect_range(s, 0, 99);
	spool_rewind(s);
	/* ack the first 40 only */
	for (int i = 0; i < 40; i++) {
		uint8_t type;
		const uint8_t *p;
		size_t len;
		assert_int_equal(spool_next(s, &type, &p, &len), AS_OK);
	}
	assert_int_equal(spool_ack(s), AS_OK);
	struct spool_stats st;
	spool_get_stats(s, &st);
	assert_int_equal(st.pending, 60);
	assert_int_equal(st.acked, 40);
	/* appends while reading keep the order */
	append_range(s, 100, 119);
	expect_range(s, 40, 119);
	assert_int_equal(spool_ack(s), AS_OK);
	assert_true(spool_empty(s));
	assert_int_equal(count_segments(t.dir), 0);
	/* and it keeps working after being emptied */
	append_range(s, 120, 121);
	expect_range(s, 120, 121);
	assert_int_equal(spool_ack(s), AS_OK);
	spool_close(s);
	tmp_rm(&t);
}

static void test_reopen(void **state)
{
	(void)state;
	struct tmp t;
	tmp_make(&t);
	struct spool *s = open_spool(t.dir, 0, 2048);
	append_range(s, 0, 49);
	/* deliver 10, then "crash" */
	for (int i = 0; i < 10; i++) {
		uint8_t type;
		const uint8_t *p;
		size_t len;
		assert_int_equal(spool_next(s, &type, &p, &len), AS_OK);
	}
	assert_int_equal(spool_ack(s), AS_OK);
	spool_close(s);
	/* the next process continues at record 10, then its own appends */
	s = open_spool(t.dir, 0, 2048);
	struct spool_stats st;
	spool_get_stats(s, &st);
	assert_int_equal(st.pending, 40);
	append_range(s, 50, 59);
	expect_range(s, 10, 59);
	assert_int_equal(spool_ack(s), AS_OK);
	spool_close(s);
	s = open_spool(t.dir, 0, 2048);
	assert_true(spool_empty(s));
	spool_close(s);
	tmp_rm(&t);
}

static void test_lock(void **state)
{
	(void)state;
	struct tmp t;
	tmp_make(&t);
	struct spool *s = open_spool(t.dir, 0, 0);
	struct spool_config c = {t.dir, 0, 0, SPOOL_FSYNC_BATCH};
	struct spool *s2 = NULL;
	char err[256] = "";
	/* flock is per open file description: a second open in-process is refused too */
	assert_int_equal(spool_open(&c, &s2, err, sizeof err), AS_ERR_IO);
	assert_non_null(strstr(err, "in use"));
	spool_close(s);
	tmp_rm(&t);
}

static char *only_segment(const char *dir)
{
	static char path[256];
	char cmd[160];
	snprintf(cmd, sizeof cmd, "ls '%s'/seg-* | head -1", dir);
	FILE *f = popen(cmd, "r");
	assert_non_null(fgets(path, sizeof path, f));
	pclose(f);
	path[strcspn(path, "\n")] = '\0';
	return path;
}

/* Flip one payload byte of record `victim`: it is skipped and counted. */
static void test_crc_corruption(void **state)
{
	(void)state;
	struct tmp t;
	tmp_make(&t);
	struct spool *s = open_spool(t.dir, 0, 0);
	append_range(s, 0, 9);
	spool_close(s);
	const char *seg = only_segment(t.dir);
	/* offset of record 3's payload: header + records 0..2 */
	size_t off = SPOOL_SEG_HEADER;
	for (int i = 0; i < 3; i++) {
		char buf[128];
		rec_text(i, buf, sizeof buf);
		off += SPOOL_REC_HEADER + strlen(buf);
	}
	int fd = open(seg, O_RDWR);
	assert_true(fd >= 0);
	uint8_t b;
	assert_int_equal(pread(fd, &b, 1, (off_t)(off + SPOOL_REC_HEADER + 3)), 1);
	b ^= 0x20;
	assert_int_equal(pwrite(fd, &b, 1, (off_t)(off + SPOOL_REC_HEADER + 3)), 1);
	/* and damage the length field of record 6 (resynchronisation) */
	size_t off6 = off;
	for (int i = 3; i < 6; i++) {
		char buf[128];
		rec_text(i, buf, sizeof buf);
		off6 += SPOOL_REC_HEADER + strlen(buf);
	}
	uint8_t big[4] = {0xff, 0xff, 0, 0};
	assert_int_equal(pwrite(fd, big, 4, (off_t)(off6 + 4)), 4);
	close(fd);

	s = open_spool(t.dir, 0, 0);
	struct spool_stats st;
	spool_get_stats(s, &st);
	assert_int_equal(st.pending, 8);
	int want[] = {0, 1, 2, 4, 5, 7, 8, 9};
	for (size_t k = 0; k < 8; k++) {
		uint8_t type;
		const uint8_t *p;
		size_t len;
		assert_int_equal(spool_next(s, &type, &p, &len), AS_OK);
		char buf[128];
		rec_text(want[k], buf, sizeof buf);
		assert_int_equal(len, strlen(buf));
		assert_memory_equal(p, buf, len);
	}
	uint8_t type;
	const uint8_t *p;
	size_t len;
	assert_int_equal(spool_next(s, &type, &p, &len), AS_ERR_NOTFOUND);
	spool_get_stats(s, &st);
	assert_int_equal(st.corrupt, 2);
	assert_int_equal(st.truncated, 0);
	/* a failed delivery re-reads the same records: damage is not counted twice */
	spool_rewind(s);
	for (size_t k = 0; k < 8; k++)
		assert_int_equal(spool_next(s, &type, &p, &len), AS_OK);
	assert_int_equal(spool_next(s, &type, &p, &len), AS_ERR_NOTFOUND);
	spool_get_stats(s, &st);
	assert_int_equal(st.corrupt, 2);
	assert_int_equal(spool_ack(s), AS_OK);
	spool_close(s);
	tmp_rm(&t);
}

/* A crash mid-write: the last record is cut at every possible length. */
static void test_truncated_tail(void **state)
{
	(void)state;
	char buf[128];
	rec_text(4, buf, sizeof buf);
	size_t last = SPOOL_REC_HEADER + strlen(buf);
	for (size_t cut = 1; cut < last; cut += 3) {
		struct tmp t;
		tmp_make(&t);
		struct spool *s = open_spool(t.dir, 0, 0);
		append_range(s, 0, 4);
		spool_close(s);
		const char *seg = only_segment(t.dir);
		struct stat stt;
		assert_int_equal(stat(seg, &stt), 0);
		assert_int_equal(truncate(seg, stt.st_size - (off_t)cut), 0);
		s = open_spool(t.dir, 0, 0);
		/* a new process appends after the damage: into a new segment */
		append_range(s, 5, 5);
		for (int i = 0; i < 4; i++) {
			uint8_t type;
			const uint8_t *p;
			size_t len;
			assert_int_equal(spool_next(s, &type, &p, &len), AS_OK);
		}
		uint8_t type;
		const uint8_t *p;
		size_t len;
		assert_int_equal(spool_next(s, &type, &p, &len), AS_OK);
		char want[128];
		rec_text(5, want, sizeof want);
		assert_memory_equal(p, want, len);
		assert_int_equal(spool_next(s, &type, &p, &len), AS_ERR_NOTFOUND);
		struct spool_stats st;
		spool_get_stats(s, &st);
		assert_int_equal(st.truncated + st.corrupt, 1);
		assert_int_equal(st.truncated, 1);
		spool_close(s);
		tmp_rm(&t);
	}
}

static void test_size_cap(void **state)
{
	(void)state;
	struct tmp t;
	tmp_make(&t);
	struct spool *s = open_spool(t.dir, 4096, 1024);
	int ok = 0, full = 0;
	for (int i = 0; i < 200; i++) {
		char buf[128];
		rec_text(i, buf, sizeof buf);
		int r = spool_append(s, (uint8_t)(1 + i % 2), buf, strlen(buf));
		if (r == AS_OK)
			ok++;
		else {
			assert_int_equal(r, AS_ERR_LIMIT);
			full++;
		}
	}
	struct spool_stats st;
	spool_get_stats(s, &st);
	assert_true(st.bytes <= 4096);
	assert_true(ok > 10);
	assert_int_equal(st.full, (uint64_t)full);
	assert_int_equal(st.pending, (uint64_t)ok);
	/* the oldest ones were kept (the newest were refused) */
	expect_range(s, 0, ok - 1);
	assert_int_equal(spool_ack(s), AS_OK);
	/* room again once delivered */
	append_range(s, 0, 3);
	spool_close(s);
	tmp_rm(&t);
}

/* The parser on hand-made buffers. */
static void test_parse_table(void **state)
{
	(void)state;
	uint8_t buf[256];
	uint8_t hdr[SPOOL_REC_HEADER];
	const char *payload = "hello";
	spool_frame(2, payload, 5, hdr);
	memcpy(buf, hdr, sizeof hdr);
	memcpy(buf + sizeof hdr, payload, 5);
	size_t one = sizeof hdr + 5;
	struct spool_rec rec;
	size_t next;
	assert_int_equal(spool_parse(buf, one, 0, &rec, &next), SPOOL_PARSE_RECORD);
	assert_int_equal(next, one);
	assert_int_equal(rec.type, 2);
	assert_int_equal(rec.len, 5);
	assert_int_equal(spool_parse(buf, one, one, &rec, &next), SPOOL_PARSE_END);
	for (size_t cut = 1; cut < one; cut++)
		assert_int_equal(spool_parse(buf, cut, 0, &rec, &next), SPOOL_PARSE_TRUNCATED);
	/* garbage then a record */
	uint8_t g[64];
	memset(g, 0xab, 7);
	memcpy(g + 7, buf, one);
	assert_int_equal(spool_parse(g, 7 + one, 0, &rec, &next), SPOOL_PARSE_CORRUPT);
	assert_int_equal(next, 7);
	assert_int_equal(spool_parse(g, 7 + one, next, &rec, &next), SPOOL_PARSE_RECORD);
	/* garbage only */
	assert_int_equal(spool_parse(g, 7, 0, &rec, &next), SPOOL_PARSE_CORRUPT);
	assert_int_equal(next, 7);
	/* type 0 is invalid */
	spool_frame(0, payload, 5, hdr);
	memcpy(buf, hdr, sizeof hdr);
	assert_int_equal(spool_parse(buf, one, 0, &rec, &next), SPOOL_PARSE_CORRUPT);
	/* the payload CRC is CRC-32/IEEE, little-endian at offset 16: its check value */
	spool_frame(1, "123456789", 9, hdr);
	assert_int_equal((uint32_t)hdr[16] | (uint32_t)hdr[17] << 8 | (uint32_t)hdr[18] << 16 |
			     (uint32_t)hdr[19] << 24,
			 0xCBF43926u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_table),	   cmocka_unit_test(test_append_replay_ack),
	    cmocka_unit_test(test_reopen),	   cmocka_unit_test(test_lock),
	    cmocka_unit_test(test_crc_corruption), cmocka_unit_test(test_truncated_tail),
	    cmocka_unit_test(test_size_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
