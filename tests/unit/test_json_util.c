/* test_json_util.c — the JSON member reader and the pruned parse
 * (dissectors/lib/json_util.c): the members it returns are those a whole
 * parse holds, whatever the text around them; a pruned parse is the whole
 * parse with the skipped members' values emptied; what is not JSON is
 * refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "json_util.h"

static const char *const keys[] = {"model", "usage", "stream"};

/* members() of text equals the wanted members of its whole parse. */
static void same_as_whole(const char *text)
{
	json_t *part, *whole;
	assert_int_equal(json_util_members(sv_from_cstr(text), keys, 3, &part), JSON_UTIL_OK);
	assert_int_equal(json_util_load(sv_from_cstr(text), &whole), JSON_UTIL_OK);
	json_t *want = json_object();
	for (size_t i = 0; i < 3; i++)
		if (json_object_get(whole, keys[i]))
			json_object_set(want, keys[i], json_object_get(whole, keys[i]));
	if (!json_equal(part, want))
		fail_msg("%s: %s vs %s", text, json_dumps(part, JSON_SORT_KEYS), json_dumps(want, JSON_SORT_KEYS));
	json_decref(part);
	json_decref(whole);
	json_decref(want);
}

static void test_members(void **state)
{
	(void)state;
	same_as_whole("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"a } ] \\\" {\"}],\"stream\":true}");
	same_as_whole("  {\"messages\":[[[{}]]],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}} \n");
	same_as_whole("{\"model\":\"a\",\"model\":\"b\"}"); /* a later duplicate wins */
	same_as_whole("{\"mod\\u0065l\":\"escaped name\",\"x\":1}");
	same_as_whole("{}");
	same_as_whole("{\"stream\":false,\"n\":-1.5e3,\"t\":null,\"s\":\"\\u00e9\"}");
}

static void test_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {"", "[1,2]", "{\"model\":\"a\"", "{\"model\" \"a\"}", "{\"model\":\"a\"} x",
					  "{\"model\":}", "{model:1}", "{\"a\":[1,2}", "{\"model\":\"a\",}"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *out = NULL;
		if (json_util_members(sv_from_cstr(bad[i]), keys, 3, &out) != JSON_UTIL_BAD)
			fail_msg("accepted: %s", bad[i]);
		assert_null(out);
	}
}

static const char *const skip[] = {"content", "text"};

/* The whole parse with every skipped member's value emptied (a scalar kept). */
static json_t *emptied(json_t *v)
{
	if (json_is_array(v)) {
		json_t *a = json_array();
		size_t i;
		json_t *el;
		json_array_foreach(v, i, el) json_array_append_new(a, emptied(el));
		return a;
	}
	if (!json_is_object(v))
		return json_incref(v);
	json_t *o = json_object();
	const char *k;
	json_t *val;
	json_object_foreach(v, k, val)
	{
		bool skipped = strcmp(k, skip[0]) == 0 || strcmp(k, skip[1]) == 0;
		json_t *e = !skipped		? emptied(val)
			    : json_is_string(val) ? json_string("")
			    : json_is_array(val)  ? json_array()
			    : json_is_object(val) ? json_object()
						  : json_incref(val);
		json_object_set_new(o, k, e);
	}
	return o;
}

static void pruned_as_emptied(const char *text)
{
	json_t *pruned, *whole;
	assert_int_equal(json_util_load_pruned(sv_from_cstr(text), skip, 2, &pruned), JSON_UTIL_OK);
	assert_int_equal(json_util_load(sv_from_cstr(text), &whole), JSON_UTIL_OK);
	json_t *want = emptied(whole);
	if (!json_equal(pruned, want))
		fail_msg("%s: %s vs %s", text, json_dumps(pruned, JSON_SORT_KEYS), json_dumps(want, JSON_SORT_KEYS));
	json_decref(pruned);
	json_decref(whole);
	json_decref(want);
}

static void test_pruned(void **state)
{
	(void)state;
	pruned_as_emptied("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"a \\\" ] }\"}],"
			  "\"isError\":false}}");
	pruned_as_emptied("[{\"content\":\"x\"},{\"content\":{\"a\":[1]}},{\"content\":7},{\"content\":null},1,\"text\"]");
	pruned_as_emptied("{\"params\":{\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":\"hi\"}}]}}");
	pruned_as_emptied("{\"a\":{\"b\":{\"c\":[[{\"text\":[1,2,3],\"keep\":\"\\u00e9\"}]]}},\"text\":\"\"} ");
	/* An escaped key: that object is parsed whole, nothing left out. */
	json_t *whole, *pruned;
	const char *escaped = "{\"a\":{\"te\\u0078t\":\"x\",\"content\":\"y\"},\"text\":\"z\"}";
	assert_int_equal(json_util_load_pruned(sv_from_cstr(escaped), skip, 2, &pruned), JSON_UTIL_OK);
	assert_int_equal(json_util_load(sv_from_cstr(escaped), &whole), JSON_UTIL_OK);
	assert_true(json_equal(json_object_get(pruned, "a"), json_object_get(whole, "a")));
	assert_string_equal(json_string_value(json_object_get(pruned, "text")), "");
	json_decref(whole);
	json_decref(pruned);
	pruned_as_emptied("{\"nothing\":\"skipped\",\"n\":[1,2.5,-3e2,true,false,null]}");
	pruned_as_emptied("{}");
	pruned_as_emptied("[]");
	static const char *const bad[] = {"", "\"text\"", "{\"text\":\"a\"", "{\"text\":\"a\"} x", "{\"content\":}",
					  "[{\"text\":1},]", "{\"a\":1,\"text\":\"x\",}", "{\"text\":1 \"b\":2}", "{\"b\":tru,\"text\":1}"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *out = NULL;
		if (json_util_load_pruned(sv_from_cstr(bad[i]), skip, 2, &out) != JSON_UTIL_BAD)
			fail_msg("accepted: %s", bad[i]);
		assert_null(out);
	}
	char deep[400];
	memset(deep, '[', sizeof deep - 1);
	deep[sizeof deep - 1] = '\0';
	json_t *out;
	assert_int_equal(json_util_load_pruned(sv_from_cstr(deep), skip, 2, &out), JSON_UTIL_TOO_DEEP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_members),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_pruned),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
