/* test_json_util.c — the JSON member reader (dissectors/lib/json_util.c):
 * the members it returns are those a whole parse holds, whatever the text
 * around them; what is not one JSON object is refused. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_members),
	    cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
