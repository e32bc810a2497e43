/* test_text.c — common/text.h: bounded copies, lower-casing, and the one
 * order of host addresses (the inventory and `aisensor agents` sort by it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "text.h"

static void test_copy_and_lower(void **state)
{
	(void)state;
	char b[6];
	text_copy(b, sizeof b, "Hello, world");
	assert_string_equal(b, "Hello");
	text_copy(b, sizeof b, NULL);
	assert_string_equal(b, "");
	char m[] = "52:54:00:AB:CD:EF";
	text_lower(m);
	assert_string_equal(m, "52:54:00:ab:cd:ef");
}

static int by_ip(const void *a, const void *b)
{
	return text_ip_cmp(*(const char *const *)a, *(const char *const *)b);
}

/* IPv4 numerically, then IPv6 numerically, then what is not an address. */
static void test_ip_order(void **state)
{
	(void)state;
	const char *v[] = {"",		"fe80::1",  "10.0.0.10", "::1",
			   "not-an-ip", "10.0.0.9", "192.0.2.1", "2001:db8::1"};
	const char *want[] = {"10.0.0.9",    "10.0.0.10", "192.0.2.1", "::1",
			      "2001:db8::1", "fe80::1",	  "",	       "not-an-ip"};
	qsort(v, sizeof v / sizeof v[0], sizeof v[0], by_ip);
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		assert_string_equal(v[i], want[i]);
	assert_int_equal(text_ip_cmp("10.0.0.1", "10.0.0.1"), 0);
	assert_true(text_ip_cmp("", "::") > 0); /* an empty host is not ::, nor 0.0.0.0 */
	assert_true(text_ip_cmp("", "0.0.0.0") > 0);
}

/* The growing buffer: from nothing to the first size, then doubling;
 * enough room is left alone; what it held is kept. */
static void test_reserve(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t cap = 0;
	assert_true(text_reserve(&buf, &cap, 10, 16));
	assert_int_equal(cap, 16);
	memcpy(buf, "0123456789", 10);
	assert_true(text_reserve(&buf, &cap, 16, 16));
	assert_int_equal(cap, 16);
	assert_true(text_reserve(&buf, &cap, 100, 16));
	assert_int_equal(cap, 128);
	assert_memory_equal(buf, "0123456789", 10);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_copy_and_lower),
	    cmocka_unit_test(test_ip_order),
	    cmocka_unit_test(test_reserve),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
