/* test_flatpath.c — the grammar of registry fields (exporter/flatpath):
 * paths built by the aggregator split back into the same steps, bad
 * characters in keys are replaced, over-long paths are refused until
 * popped, and the validator refuses what the grammar does not allow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "flatpath.h"

static void test_build_and_split(void **state)
{
	(void)state;
	struct flatpath p;
	flatpath_init(&p);
	assert_null(flatpath_str(&p)); /* empty: no field */
	flatpath_push(&p, "destinations");
	flatpath_push_key(&p, "openai-api|api.openai.com:443|tls");
	flatpath_push(&p, "usage");
	flatpath_push(&p, "input_tokens");
	const char *f = flatpath_str(&p);
	assert_string_equal(f, "destinations[openai-api|api.openai.com:443|tls].usage.input_tokens");
	struct flatpath_step st[FLATPATH_DEPTH];
	assert_int_equal(flatpath_split(f, st, FLATPATH_DEPTH), 3);
	assert_int_equal(st[0].name_len, strlen("destinations"));
	assert_int_equal(st[0].key_len, strlen("openai-api|api.openai.com:443|tls"));
	assert_memory_equal(st[0].key, "openai-api|api.openai.com:443|tls", st[0].key_len);
	assert_null(st[1].key);
	assert_memory_equal(st[2].name, "input_tokens", st[2].name_len);
	flatpath_pop(&p);
	flatpath_pop(&p);
	flatpath_pop(&p);
	flatpath_pop(&p);
	flatpath_push(&p, "kind");
	assert_string_equal(flatpath_str(&p), "kind");
	assert_true(flatpath_valid("kind", 4));
}

/* A key from the wire (a tool name) cannot break the path. */
static void test_keys_are_cleaned(void **state)
{
	(void)state;
	struct flatpath p;
	flatpath_init(&p);
	flatpath_push(&p, "mcp");
	flatpath_push(&p, "tools_called");
	flatpath_push_key(&p, "files.read[0]\n");
	flatpath_push(&p, "calls");
	assert_string_equal(flatpath_str(&p), "mcp.tools_called[files.read_0__].calls");
	assert_true(flatpath_valid(flatpath_str(&p), strlen(flatpath_str(&p))));
	flatpath_init(&p);
	flatpath_push(&p, "a.b"); /* a name holds no '.' either */
	assert_string_equal(flatpath_str(&p), "a_b");
}

static void test_overflow(void **state)
{
	(void)state;
	struct flatpath p;
	char big[FLATPATH_MAX];
	memset(big, 'k', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	flatpath_init(&p);
	flatpath_push(&p, "mcp");
	flatpath_push(&p, "tools_called");
	flatpath_push_key(&p, big);
	flatpath_push(&p, "calls");
	assert_null(flatpath_str(&p)); /* too long: no field */
	flatpath_pop(&p);
	assert_null(flatpath_str(&p));
	flatpath_pop(&p); /* the key that did not fit */
	assert_string_equal(flatpath_str(&p), "mcp.tools_called");
	flatpath_init(&p);
	for (int i = 0; i < FLATPATH_DEPTH + 2; i++)
		flatpath_push(&p, "x");
	assert_null(flatpath_str(&p)); /* too deep */
	for (int i = 0; i < 2; i++)
		flatpath_pop(&p);
	assert_non_null(flatpath_str(&p));
}

static void test_validator(void **state)
{
	(void)state;
	static const char *const bad[] = {"",	 ".a",	"a.",	 "a..b",    "a[",    "a[b",
					  "a]b", "[k]", "a[k]b", "a[k][j]", "a[k].", "a\x01"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(flatpath_valid(bad[i], strlen(bad[i])));
	static const char *const good[] = {"a", "a.b", "a[k]", "a[k].b", "a[k.j|x].b.c", "a[]"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_true(flatpath_valid(good[i], strlen(good[i])));
	char nul[] = "a\0b";
	assert_false(flatpath_valid(nul, 3)); /* a length that hides a NUL */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_build_and_split),
	    cmocka_unit_test(test_keys_are_cleaned),
	    cmocka_unit_test(test_overflow),
	    cmocka_unit_test(test_validator),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
