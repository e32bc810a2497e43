/* test_core.c — unit tests of the shared building blocks: SPSC ring, hash
 * map, string set, JSON writer, configuration loader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "hmap.h"
#include "jsonw.h"
#include "ring.h"
#include "strset.h"

static void test_ring_records_wrap(void **state)
{
	(void)state;
	struct ring r;
	assert_int_equal(ring_init(&r, 4096), 0);
	/* Push and pop records of varying size many times round the buffer. */
	for (unsigned i = 0; i < 10000; i++) {
		size_t n = 1 + (i * 37) % 900;
		uint8_t *p = ring_reserve(&r, n);
		assert_non_null(p);
		memset(p, (int)(i & 0xff), n);
		ring_commit(&r);
		size_t got;
		uint8_t *q = ring_peek(&r, &got);
		assert_non_null(q);
		assert_int_equal(got, n);
		assert_int_equal(q[0], i & 0xff);
		assert_int_equal(q[n - 1], i & 0xff);
		ring_release(&r);
	}
	assert_true(ring_empty(&r));
	/* Full: reserve fails instead of overwriting. */
	unsigned pushed = 0;
	while (ring_reserve(&r, 500)) {
		ring_commit(&r);
		pushed++;
	}
	assert_true(pushed >= 6 && pushed <= 8);
	assert_null(ring_reserve(&r, ring_max_record(&r) + 1));
	ring_free(&r);
}

static void test_hmap_put_get_del(void **state)
{
	(void)state;
	struct hmap m;
	hmap_init(&m);
	int oom = 0;
	static int vals[5000];
	for (int i = 0; i < 5000; i++) {
		char k[16];
		snprintf(k, sizeof k, "k%d", i);
		assert_null(hmap_put(&m, k, strlen(k), &vals[i], &oom));
	}
	assert_int_equal(oom, 0);
	assert_int_equal(m.count, 5000);
	for (int i = 0; i < 5000; i += 2) {
		char k[16];
		snprintf(k, sizeof k, "k%d", i);
		assert_ptr_equal(hmap_del(&m, k, strlen(k)), &vals[i]);
	}
	for (int i = 0; i < 5000; i++) {
		char k[16];
		snprintf(k, sizeof k, "k%d", i);
		assert_ptr_equal(hmap_get(&m, k, strlen(k)), (i % 2) ? &vals[i] : NULL);
	}
	hmap_free(&m);
}

static void test_strset_sorted_capped(void **state)
{
	(void)state;
	struct strset s = {0};
	assert_true(strset_add(&s, "b", 3));
	assert_true(strset_add(&s, "a", 3));
	assert_false(strset_add(&s, "a", 3));
	assert_false(strset_add(&s, "", 3));
	assert_true(strset_add(&s, "c", 3));
	assert_false(strset_add(&s, "d", 3));
	assert_int_equal(s.dropped, 1);
	assert_string_equal(s.v[0], "a");
	assert_string_equal(s.v[2], "c");
	strset_free(&s);
}

static void test_jsonw_escapes(void **state)
{
	(void)state;
	struct jw w;
	jw_init(&w, false);
	jw_obj_begin(&w, NULL);
	jw_str(&w, "s", "a\"b\\c\n\x01");
	jw_u64(&w, "n", 42);
	jw_arr_begin(&w, "a");
	jw_bool(&w, NULL, true);
	jw_null(&w, NULL);
	jw_arr_end(&w);
	jw_obj_begin(&w, "empty");
	jw_obj_end(&w);
	jw_time(&w, "t", 1700000000123456ULL);
	jw_obj_end(&w);
	assert_string_equal(w.buf, "{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"n\":42,\"a\":[true,null],\"empty\":{},"
				   "\"t\":\"2023-11-14T22:13:20.123Z\"}");
	jw_free(&w);
}

/* Writes text to a temporary config file and loads it. */
static int load_text(const char *text, struct sensor_config *c, char *err, size_t errsz, char *path)
{
	strcpy(path, "/tmp/aisensor-cfg-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	config_defaults(c);
	int r = config_load(path, c, err, errsz);
	unlink(path);
	return r;
}

static void test_config_valid_and_errors(void **state)
{
	(void)state;
	struct sensor_config c;
	char err[512], path[64], want[600];
	assert_int_equal(
	    load_text("sensor:\n  name: s1\ncapture:\n  workers: 4\n", &c, err, sizeof err, path), 0);
	assert_string_equal(c.name, "s1");
	assert_int_equal(c.workers, 4);
	config_free(&c);

	static const struct {
		const char *text;
		const char *problem;
	} bad[] = {
	    {"sensor:\n  nmae: x\n", "2: unknown key 'nmae' in 'sensor'"},
	    {"capture:\n  workers: 0\n", "2: 'workers' out of range 1..64"},
	    {"capture:\n  workers: many\n", "2: 'workers' must be a whole number, not 'many'"},
	    {"limits:\n  max_flows: [1, 2]\n", "2: 'max_flows' must be a single value"},
	    {"bogus: 1\n", "1: unknown key 'bogus' in 'top level'"},
	    {"sensor: [\n", "2: yaml: did not find expected node content"},
	    {"sensor:\n  name: a\n  name: b\n", "3: duplicate key 'name' (first on line 2)"},
	    {"sensor: x\n", "1: 'sensor' must be a mapping"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_true(load_text(bad[i].text, &c, err, sizeof err, path) < 0);
		snprintf(want, sizeof want, "%s:%s", path, bad[i].problem);
		assert_string_equal(err, want);
		config_free(&c);
	}
}

static void test_example_config_loads(void **state)
{
	(void)state;
	struct sensor_config c;
	config_defaults(&c);
	char err[512];
	assert_int_equal(config_load(AS_SRC_DIR "/aisensor.example.yaml", &c, err, sizeof err), 0);
	assert_string_equal(c.name, "sensor-01");
	config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ring_records_wrap),	    cmocka_unit_test(test_hmap_put_get_del),
	    cmocka_unit_test(test_strset_sorted_capped),    cmocka_unit_test(test_jsonw_escapes),
	    cmocka_unit_test(test_config_valid_and_errors), cmocka_unit_test(test_example_config_loads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
