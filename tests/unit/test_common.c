/* test_common.c — the shared building blocks of common/: hash map, string
 * set, JSON writer. */
#include "cases.h"
#include "hmap.h"
#include "fingerprint.h"
#include "hash.h"
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

/* SHA-256 (FIPS 180-2 appendix B), MD5 (RFC 1321 A.5), HMAC-SHA256 (RFC 4231). */
static void hex_of(const uint8_t *b, size_t n, char *out)
{
	as_hex(b, n, out);
}

static void test_hashes(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *sha256, *md5;
	} v[] = {
	    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "d41d8cd98f00b204e9800998ecf8427e"},
	    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "900150983cd24fb0d6963f7d28e17f72"},
	    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", "8215ef0796a20bcaaae116d3876c664a"},
	    {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
	     "f371bc4a311f2b009eef952dd83ca80e2b60026c8e935592d0f9c308453c813e", "57edf4a22be3c955ac49da2e2107b67a"},
	};
	char hex[65];
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		uint8_t md[32];
		struct as_sha256 s;
		as_sha256_init(&s);
		for (const char *p = v[i].in; *p; p++) /* a byte at a time: the block boundaries */
			as_sha256_update(&s, p, 1);
		as_sha256_final(&s, md);
		hex_of(md, 32, hex);
		assert_string_equal(hex, v[i].sha256);
		struct as_md5 m;
		as_md5_init(&m);
		as_md5_update(&m, v[i].in, strlen(v[i].in));
		as_md5_final(&m, md);
		hex_of(md, 16, hex);
		assert_string_equal(hex, v[i].md5);
	}
	/* RFC 4231 test case 2, and test case 6 (a key longer than a block) */
	uint8_t mac[32];
	as_hmac_sha256((const uint8_t *)"Jefe", 4, "what do ya want for nothing?", 28, mac);
	hex_of(mac, 32, hex);
	assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	uint8_t key[131];
	memset(key, 0xaa, sizeof key);
	const char *msg = "Test Using Larger Than Block-Size Key - Hash Key First";
	as_hmac_sha256(key, sizeof key, msg, strlen(msg), mac);
	hex_of(mac, 32, hex);
	assert_string_equal(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
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
	CASE(&t, test_hashes);
	CASE(&t, test_jsonw_not_utf8);
	return cases_main(&t, "common");
}
