/*
 * HTTPS mock of api.openai.com for pcaps/tls13-0rtt.pcap: TLS 1.3 with
 * session resumption and 0-RTT early data. Copied from
 * record-tls13x/tls13x_server.c (same HTTP part and answers) and extended with
 * OpenSSL's server-side early data API.
 *
 * Plain OpenSSL 3 (Debian libssl3), one connection at a time, TLS 1.3 only,
 * ALPN "http/1.1" (when the client offers ALPN), HTTP/1.1 with keep-alive.
 * SSL_CTX_set_max_early_data(16384): every NewSessionTicket the server sends
 * carries the early_data extension (max_early_data_size 16384), so a client
 * resuming with it may send 0-RTT data. Each connection starts with
 * SSL_read_early_data(): on a resumed connection whose early data is accepted
 * the bytes read that way are the start of the first HTTP request; the rest of
 * the handshake then completes (SSL_do_handshake) and the request is answered
 * in the 1-RTT application data as usual. OpenSSL's default anti-replay
 * protection stays on (a ticket is accepted for early data once, through the
 * server's session cache).
 *
 *   POST /v1/chat/completions   200, OpenAI chat.completion JSON
 *                               (model gpt-4o-mini-2024-07-18, usage 9/3/12)
 *   anything else               OpenAI-shaped 404 / 401 error JSON
 *
 * Usage: tls13_0rtt_server CERT KEY ADDR PORT CAPTURE_FILE KEYS_FILE
 *   CAPTURE_FILE holds the name of the capture being recorded (record-lib.sh
 *   capture()); KEYS_FILE the fake test keys (one a line). Prints READY on
 *   stdout once listening; on stderr one line per connection (version,
 *   cipher, group, resumption, early data status and size), per
 *   NewSessionTicket / EndOfEarlyData seen or sent, and per request (method,
 *   path, status, whether it came in early data, whether the bearer key is a
 *   known test key). Never prints a key, header value or body.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *capture_file;
static size_t early_left; /* bytes of the buffered request that came as early data */
static char keys[32][256];
static int nkeys;
static char peer[INET_ADDRSTRLEN + 8];

static const char *capture_name(void)
{
	static char name[128];
	FILE *f = fopen(capture_file, "r");
	name[0] = 0;
	if (f) {
		if (!fgets(name, sizeof name, f))
			name[0] = 0;
		fclose(f);
	}
	name[strcspn(name, "\r\n")] = 0;
	return name[0] ? name : "-";
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "[%s] %s ", capture_name(), peer);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* Logs the TLS 1.3 handshake messages that matter here (both directions). */
static void msg_cb(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl,
		   void *arg)
{
	const unsigned char *p = buf;
	(void)version, (void)ssl, (void)arg;
	if (content_type != SSL3_RT_HANDSHAKE || len < 4)
		return;
	const char *dir = write_p ? "sent" : "received";
	if (p[0] == SSL3_MT_CLIENT_HELLO)
		note("%s ClientHello", dir);
	else if (p[0] == SSL3_MT_NEWSESSION_TICKET)
		note("%s NewSessionTicket", dir);
	else if (p[0] == SSL3_MT_END_OF_EARLY_DATA)
		note("%s EndOfEarlyData", dir);
}

static int alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
		   unsigned int inlen, void *arg)
{
	static const unsigned char h11[] = "\x08http/1.1";
	(void)ssl, (void)arg;
	if (SSL_select_next_proto((unsigned char **)out, outlen, h11, sizeof h11 - 1, in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	return SSL_TLSEXT_ERR_OK;
}

static void rid(char *out, int n)
{
	static const char an[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[64];
	RAND_bytes(r, n);
	for (int i = 0; i < n; i++)
		out[i] = an[r[i] % 62];
	out[n] = 0;
}

/* Value of header NAME in the header block HDR (NUL-terminated), or NULL. */
static const char *header(const char *hdr, const char *name, char *out, size_t outsz)
{
	size_t nl = strlen(name);
	const char *line = strstr(hdr, "\r\n");
	while (line && line[2] && !(line[2] == '\r' && line[3] == '\n')) {
		line += 2;
		const char *end = strstr(line, "\r\n");
		if (!end)
			break;
		if ((size_t)(end - line) > nl && strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
			const char *v = line + nl + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			size_t vl = (size_t)(end - v);
			if (vl >= outsz)
				vl = outsz - 1;
			memcpy(out, v, vl);
			out[vl] = 0;
			return out;
		}
		line = end;
	}
	return NULL;
}

static int write_all(SSL *ssl, const char *buf, int len)
{
	return SSL_write(ssl, buf, len) == len ? 0 : -1;
}

static int respond(SSL *ssl, int status, const char *body)
{
	char head[2048], date[64], req_id[40];
	time_t now = time(NULL);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", gmtime(&now));
	rid(req_id, 32);
	int n = snprintf(head, sizeof head,
			 "HTTP/1.1 %d %s\r\n"
			 "Date: %s\r\n"
			 "Content-Type: application/json\r\n"
			 "Content-Length: %zu\r\n"
			 "Connection: keep-alive\r\n"
			 "access-control-expose-headers: X-Request-ID\r\n"
			 "openai-organization: org-aisensortest\r\n"
			 "openai-processing-ms: 287\r\n"
			 "openai-version: 2020-10-01\r\n"
			 "x-ratelimit-limit-requests: 10000\r\n"
			 "x-ratelimit-limit-tokens: 30000000\r\n"
			 "x-ratelimit-remaining-requests: 9999\r\n"
			 "x-ratelimit-remaining-tokens: 29999991\r\n"
			 "x-ratelimit-reset-requests: 6ms\r\n"
			 "x-ratelimit-reset-tokens: 0s\r\n"
			 "x-request-id: req_%s\r\n"
			 "strict-transport-security: max-age=31536000; includeSubDomains; preload\r\n"
			 "cf-cache-status: DYNAMIC\r\n"
			 "X-Content-Type-Options: nosniff\r\n"
			 "Server: cloudflare\r\n"
			 "\r\n",
			 status,
			 status == 200	 ? "OK"
			 : status == 401 ? "Unauthorized"
					 : "Not Found",
			 date, strlen(body), req_id);
	/* Head and body in one write: one TLS record per response. */
	size_t bl = strlen(body);
	char *all = malloc((size_t)n + bl);
	if (!all)
		return -1;
	memcpy(all, head, (size_t)n);
	memcpy(all + n, body, bl);
	int r = write_all(ssl, all, n + (int)bl);
	free(all);
	return r;
}

static void chat_body(char *out, size_t sz)
{
	char id[40];
	rid(id, 29);
	snprintf(out, sz,
		 "{\"id\":\"chatcmpl-%s\",\"object\":\"chat.completion\",\"created\":%ld,"
		 "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
		 "\"assistant\","
		 "\"content\":\"Hi there!\",\"refusal\":null,\"annotations\":[]},\"logprobs\":null,"
		 "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3,"
		 "\"total_tokens\":12,\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},"
		 "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
		 "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}},"
		 "\"service_tier\":\"default\",\"system_fingerprint\":\"fp_34a54ae93c\"}",
		 id, (long)time(NULL));
}

/* Serves one HTTP/1.1 request; returns 1 when one was served, 0 at a clean
 * end of the connection, -1 on an error. */
static int serve_one(SSL *ssl, char *buf, size_t bufsz, size_t *have)
{
	char *end;
	int r;
	buf[*have] = 0;
	while (!(end = strstr(buf, "\r\n\r\n"))) {
		if (*have + 1 >= bufsz)
			return -1;
		r = SSL_read(ssl, buf + *have, (int)(bufsz - 1 - *have));
		if (r <= 0) {
			int e = SSL_get_error(ssl, r);
			return (e == SSL_ERROR_ZERO_RETURN && *have == 0) ? 0 : -1;
		}
		*have += (size_t)r;
		buf[*have] = 0;
	}
	size_t hlen = (size_t)(end - buf) + 4;
	char hdr[8192], val[256], method[16] = "", path[256] = "";
	if (hlen >= sizeof hdr)
		return -1;
	memcpy(hdr, buf, hlen);
	hdr[hlen] = 0;
	sscanf(hdr, "%15s %255s", method, path);
	size_t clen = header(hdr, "Content-Length", val, sizeof val) ? strtoul(val, NULL, 10) : 0;
	if (hlen + clen >= bufsz)
		return -1;
	while (*have < hlen + clen) {
		r = SSL_read(ssl, buf + *have, (int)(bufsz - 1 - *have));
		if (r <= 0)
			return -1;
		*have += (size_t)r;
	}
	char body[65536];
	size_t blen = clen < sizeof body - 1 ? clen : sizeof body - 1;
	memcpy(body, buf + hlen, blen);
	body[blen] = 0;
	memmove(buf, buf + hlen + clen, *have - hlen - clen);
	*have -= hlen + clen;

	const char *key = "none";
	if (header(hdr, "Authorization", val, sizeof val) && strncmp(val, "Bearer ", 7) == 0) {
		key = "unknown-key";
		for (int i = 0; i < nkeys; i++)
			if (strcmp(val + 7, keys[i]) == 0)
				key = "test-key";
	}
	char *q = strchr(path, '?');
	if (q)
		*q = 0;
	int status;
	char out[4096];
	if (strcmp(method, "POST") != 0 || strcmp(path, "/v1/chat/completions") != 0) {
		status = 404;
		snprintf(out, sizeof out,
			 "{\"error\":{\"message\":\"Invalid URL (%s %s)\",\"type\":\"invalid_request_error\","
			 "\"param\":null,\"code\":\"unknown_url\"}}",
			 method, path);
	} else if (strcmp(key, "none") == 0) {
		status = 401;
		snprintf(out, sizeof out,
			 "{\"error\":{\"message\":\"You didn't provide an API "
			 "key.\",\"type\":\"invalid_request_error\","
			 "\"param\":null,\"code\":null}}");
	} else {
		status = 200;
		chat_body(out, sizeof out);
	}
	if (respond(ssl, status, out) < 0)
		return -1;
	note("HTTP/1.1 %s %s -> %d key=%s model_in_body=%s request_in=%s", method, path, status, key,
	     strstr(body, "\"model\":\"gpt-4o-mini\"") ? "gpt-4o-mini" : "?",
	     early_left >= hlen + clen ? "early-data(0-RTT)"
	     : early_left		  ? "early-data+1-RTT"
					  : "1-RTT");
	early_left = early_left > hlen + clen ? early_left - hlen - clen : 0;
	return 1;
}

static const char *early_status(int st)
{
	return st == SSL_EARLY_DATA_ACCEPTED ? "accepted" : st == SSL_EARLY_DATA_REJECTED ? "rejected" : "not sent";
}

static void handle(SSL_CTX *ctx, int fd)
{
	static char buf[131072];
	size_t have = 0;
	SSL *ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	SSL_set_msg_callback(ssl, msg_cb);
	/* Early data first: returns FINISH at once when the client sent none. */
	for (;;) {
		size_t got = 0;
		int r = SSL_read_early_data(ssl, buf + have, sizeof buf - 1 - have, &got);
		if (r == SSL_READ_EARLY_DATA_ERROR) {
			note("handshake failed (early data stage)");
			ERR_print_errors_fp(stderr);
			goto out;
		}
		have += got;
		if (r == SSL_READ_EARLY_DATA_FINISH)
			break;
	}
	if (SSL_do_handshake(ssl) != 1) {
		note("handshake failed");
		ERR_print_errors_fp(stderr);
		goto out;
	}
	early_left = have;
	const unsigned char *alpn = NULL;
	unsigned int alpnlen = 0;
	SSL_get0_alpn_selected(ssl, &alpn, &alpnlen);
	note("%s %s group=%s alpn=%.*s resumed=%s early_data=%s (%zu bytes)", SSL_get_version(ssl),
	     SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)),
	     SSL_group_to_name(ssl, SSL_get_negotiated_group(ssl)), (int)alpnlen,
	     alpn ? (const char *)alpn : "-", SSL_session_reused(ssl) ? "yes" : "no",
	     early_status(SSL_get_early_data_status(ssl)), have);
	int n = 0, r;
	while ((r = serve_one(ssl, buf, sizeof buf, &have)) == 1)
		n++;
	if (r == 0) {
		SSL_shutdown(ssl);
		note("closed by client after %d request(s) (close_notify)", n);
	} else {
		note("connection error after %d request(s)", n);
		ERR_print_errors_fp(stderr);
	}
out:
	SSL_free(ssl);
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: %s CERT KEY ADDR PORT CAPTURE_FILE KEYS_FILE\n", argv[0]);
		return 2;
	}
	capture_file = argv[5];
	FILE *kf = fopen(argv[6], "r");
	if (!kf)
		return perror(argv[6]), 1;
	while (nkeys < 32 && fgets(keys[nkeys], sizeof keys[0], kf)) {
		keys[nkeys][strcspn(keys[nkeys], "\r\n")] = 0;
		if (keys[nkeys][0] && keys[nkeys][0] != '#')
			nkeys++;
	}
	fclose(kf);
	signal(SIGPIPE, SIG_IGN);

	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, argv[1]) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, argv[2], SSL_FILETYPE_PEM) != 1) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	SSL_CTX_set_alpn_select_cb(ctx, alpn_cb, NULL);
	/* Tickets allow 0-RTT; the server accepts up to 16 KiB of early data. */
	SSL_CTX_set_max_early_data(ctx, 16384);
	SSL_CTX_set_recv_max_early_data(ctx, 16384);

	int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[4]))};
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (inet_pton(AF_INET, argv[3], &sa.sin_addr) != 1 ||
	    bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 16) < 0)
		return perror("listen"), 1;
	printf("READY https://%s:%s (%s)\n", argv[3], argv[4], OpenSSL_version(OPENSSL_VERSION));
	fflush(stdout);

	for (;;) {
		struct sockaddr_in ca;
		socklen_t cl = sizeof ca;
		int fd = accept(ls, (struct sockaddr *)&ca, &cl);
		if (fd < 0)
			continue;
		struct timeval tv = {.tv_sec = 20};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		char addr[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &ca.sin_addr, addr, sizeof addr);
		snprintf(peer, sizeof peer, "%s:%u", addr, ntohs(ca.sin_port));
		handle(ctx, fd);
		close(fd);
	}
}
