/* fuzz_sig.c — libFuzzer target for the signature loader (sig_load_buffer)
 * and, when a buffer loads, the matchers queried with names taken from it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sig.h"

static const char *const domains[] = {
    "api.openai.com",
    "a.b.example",
    "x-1.example",
    "bedrock-runtime.us-east-1.amazonaws.com",
    "us-central1-aiplatform.googleapis.com",
    "example.",
    "A.EXAMPLE:443",
    "",
};
static const char *const paths[] = {
    "/v1/chat/completions", "/v1beta/models/m:generateContent", "/a/b/c", "/", "/model/x%3A0/converse",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct sig_db *db = NULL;
	if (sig_load_buffer("fuzz.yaml", data, size, &db, err, sizeof err) != AS_OK)
		return 0;

	/* The first line of the input, as a query string for every matcher. */
	char q[300];
	size_t n = 0;
	while (n < size && n < sizeof q - 1 && data[n] != '\n')
		n++;
	memcpy(q, data, n);
	q[n] = '\0';

	struct sig_client_match cm;
	struct sig_endpoint ep;
	const char *names[] = {"x-stainless-lang", "x-stainless-package-version", "anthropic-version"};
	const char *values[] = {"js", q, q};
	(void)sig_match_domain(db, q);
	for (size_t i = 0; i < sizeof domains / sizeof domains[0]; i++)
		(void)sig_match_domain(db, domains[i]);
	(void)sig_match_client(db, q, names, values, 3, &cm);
	(void)sig_match_client(db, "curl/8.0", names, values, 1, &cm);
	(void)sig_match_client(db, NULL, NULL, NULL, 0, &cm);
	(void)sig_match_ja4(db, q, &cm);
	(void)sig_match_endpoint(db, "POST", q, &ep);
	(void)sig_match_endpoint(db, q, "/v1/chat/completions", &ep);
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		(void)sig_match_endpoint(db, "POST", paths[i], &ep);
	(void)sig_service_count(db);
	sig_free(db);
	return 0;
}
