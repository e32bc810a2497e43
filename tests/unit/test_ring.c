/* test_ring.c — the pipeline's single-producer single-consumer ring of
 * variable-size records (sensor/engine). */
#include "cases.h"
#include "ring.h"

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

int main(void)
{
	struct cases t = {0};
	CASE(&t, test_ring_records_wrap);
	return cases_main(&t, "ring");
}
