/* test_common.c — the shared building blocks of common/: hash map, string
 * set, JSON writer. */
#include "cases.h"
#include "hmap.h"
#include "jsonw.h"
#include "strset.h"

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

/* Bytes from the wire that are not UTF-8 become U+FFFD; UTF-8 stays. */
static void test_jsonw_not_utf8(void **state)
{
	(void)state;
	struct jw w;
	jw_init(&w, false);
	jw_str(&w, NULL, "uvicorn \xf6\xff|caf\xc3\xa9|\xe2\x82\xac|\xf0\x9f\x98\x80|\xc0\xaf|\xed\xa0\x80|\xe2\x82");
	assert_string_equal(w.buf, "\"uvicorn \\ufffd\\ufffd|caf\xc3\xa9|\xe2\x82\xac|\xf0\x9f\x98\x80|\\ufffd\\ufffd|"
				   "\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\"");
	jw_free(&w);
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

int main(void)
{
	struct cases t = {0};
	CASE(&t, test_hmap_put_get_del);
	CASE(&t, test_strset_sorted_capped);
	CASE(&t, test_jsonw_escapes);
	CASE(&t, test_jsonw_not_utf8);
	return cases_main(&t, "common");
}
