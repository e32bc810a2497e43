/* cases.h — how every unit test runs: one cmocka case per table row, named
 * from the row, so a failing row hides none of the others; and what a missing
 * prerequisite (a public capture, a redis-server) does: in CI (CI=true) the
 * case fails, elsewhere it is skipped and the binary exits with
 * CASES_SKIPPED, which ctest reports as skipped (SKIP_RETURN_CODE). */
#ifndef AS_CASES_H
#define AS_CASES_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h> /* after the headers it needs */

/* The exit status of a run in which nothing failed but something was skipped. */
#define CASES_SKIPPED 77

/* Where the public captures live, next to the checkout (../shared/pcaps-public). */
#define PUBLIC_DIR AS_SRC_DIR "/../shared/pcaps-public"

/* A group of cases being built; the names are owned (cmocka keeps pointers). */
struct cases {
	struct CMUnitTest *v;
	size_t n, cap;
};

static unsigned cases_skipped; /* prerequisites found missing outside CI */

/* Adds fn as a case named by fmt; `row` (may be NULL) is what fn finds in
 * *state, and must outlive the run. */
static inline void cases_add(struct cases *c, CMUnitTestFunction fn, const void *row, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static inline void cases_add(struct cases *c, CMUnitTestFunction fn, const void *row, const char *fmt, ...)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 32;
		c->v = realloc(c->v, c->cap * sizeof *c->v);
		if (!c->v)
			abort();
	}
	char *name = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&name, fmt, ap);
	va_end(ap);
	if (r < 0)
		abort();
	c->v[c->n++] = (struct CMUnitTest){.name = name, .test_func = fn, .initial_state = (void *)row};
}

/* A test of its own, named after its function. */
#define CASE(c, fn) cases_add((c), (fn), NULL, "%s", #fn)
/* One row: named "<function>/<what fmt says>". */
#define CASE_ROW(c, fn, row, fmt, ...) cases_add((c), (fn), (row), #fn "/" fmt, __VA_ARGS__)
/* Every row of a static table, each named by its field `name_field`. */
#define CASE_ROWS(c, fn, table, name_field)                                                                  \
	for (size_t row_i_ = 0; row_i_ < sizeof(table) / sizeof((table)[0]); row_i_++)                       \
	CASE_ROW(c, fn, &(table)[row_i_], "%s", (table)[row_i_].name_field)

/* The rows of a static table whose field `flag_field` is set. */
#define CASE_ROWS_WHERE(c, fn, table, name_field, flag_field)                                                \
	for (size_t row_i_ = 0; row_i_ < sizeof(table) / sizeof((table)[0]); row_i_++)                       \
		if ((table)[row_i_].flag_field)                                                              \
	CASE_ROW(c, fn, &(table)[row_i_], "%s", (table)[row_i_].name_field)

/* Runs the cases as one group and frees them; returns how many failed. */
static inline int cases_run(struct cases *c, const char *group, CMFixtureFunction setup,
			    CMFixtureFunction teardown)
{
	int failed = _cmocka_run_group_tests(group, c->v, c->n, setup, teardown);
	for (size_t i = 0; i < c->n; i++)
		free((char *)c->v[i].name);
	free(c->v);
	memset(c, 0, sizeof *c);
	return failed;
}

/* The binary's exit status after its groups: 1 when a case failed, else
 * CASES_SKIPPED when a prerequisite was missing, else 0. */
static inline int cases_status(int failed)
{
	return failed ? 1 : cases_skipped ? CASES_SKIPPED : 0;
}

/* The usual main: one group, its status. */
static inline int cases_main(struct cases *c, const char *group)
{
	return cases_status(cases_run(c, group, NULL, NULL));
}

static inline bool cases_in_ci(void)
{
	const char *ci = getenv("CI");
	return ci && *ci && strcmp(ci, "false") != 0 && strcmp(ci, "0") != 0;
}

/* A prerequisite of the running case is missing: the case fails in CI and
 * is skipped elsewhere, with `what` said either way. Does not return; call
 * it before allocating anything the case would free. */
#define missing(...) cases_missing(__FILE__, __LINE__, __VA_ARGS__)
static inline void cases_missing(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));
static inline void cases_missing(const char *file, int line, const char *fmt, ...)
{
	char what[1400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (cases_in_ci()) {
		print_error("missing in CI: %s\n", what);
		_fail(file, line);
	} else {
		print_message("missing: %s (skipped; with CI=true this fails)\n", what);
		cases_skipped++;
		_skip(file, line);
	}
	abort(); /* _fail and _skip leave the case by longjmp */
}

/* The path of pcaps-public/<rel>, or missing() when it cannot be read. The
 * path is valid until the next call. */
static inline const char *public_file(const char *rel)
{
	static char path[1024];
	snprintf(path, sizeof path, "%s/%s", PUBLIC_DIR, rel);
	if (access(path, R_OK) != 0)
		missing("public capture %s: %s", path, strerror(errno));
	return path;
}

#endif
