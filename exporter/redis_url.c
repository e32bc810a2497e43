/* redis_url.c — Redis URLs (redis://, unix://) and the connect/AUTH/SELECT
 * handshake shared by the exporter and `aisensor agents`. Messages name the
 * URL with its password replaced by "***", never the password. */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "fingerprint.h"
#include "redis.h"

/* Percent-decodes s[0..n) into out (NUL-terminated); false when malformed
 * or too long. */
static bool pct_decode(const char *s, size_t n, char *out, size_t outsz)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%') {
			if (n - i < 3 || as_hex_digit(s[i + 1]) < 0 || as_hex_digit(s[i + 2]) < 0)
				return false;
			c = (char)(as_hex_digit(s[i + 1]) * 16 + as_hex_digit(s[i + 2]));
			if (c == '\0')
				return false;
			i += 2;
		}
		if (o + 1 >= outsz)
			return false;
		out[o++] = c;
	}
	out[o] = '\0';
	return true;
}

/* Decimal in [lo, hi], the whole of s[0..n). */
static bool parse_int(const char *s, size_t n, long lo, long hi, int *out)
{
	if (n == 0 || n > 9)
		return false;
	long v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v < lo || v > hi)
		return false;
	*out = (int)v;
	return true;
}

static bool parse_userinfo(const char *s, size_t n, struct redis_url *u, char *err, size_t errsz)
{
	const char *colon = memchr(s, ':', n);
	if (!colon) {
		snprintf(err, errsz, "redis URL: the user info must be user:password or :password");
		return false;
	}
	if (!pct_decode(s, (size_t)(colon - s), u->user, sizeof u->user) ||
	    !pct_decode(colon + 1, n - (size_t)(colon - s) - 1, u->pass, sizeof u->pass)) {
		snprintf(err, errsz, "redis URL: bad percent-encoding (or too long) in the user info");
		return false;
	}
	return true;
}

/* ?db=N (the only parameter). */
static bool parse_query(const char *q, struct redis_url *u, char *err, size_t errsz)
{
	if (!*q)
		return true;
	if (strncmp(q, "db=", 3) != 0 || !parse_int(q + 3, strlen(q + 3), 0, 1000000, &u->db)) {
		snprintf(err, errsz, "redis URL: the only query parameter is db=N (N a database number)");
		return false;
	}
	return true;
}

static void redact(struct redis_url *u)
{
	char cred[600] = "";
	if (u->user[0] || u->pass[0])
		snprintf(cred, sizeof cred, "%s%s@", u->user, u->pass[0] ? ":***" : "");
	if (u->unix_socket) {
		char db[32] = "";
		if (u->db >= 0)
			snprintf(db, sizeof db, "?db=%d", u->db);
		snprintf(u->redacted, sizeof u->redacted, "unix://%s%s%s", cred, u->path, db);
	} else {
		char db[32] = "";
		if (u->db >= 0)
			snprintf(db, sizeof db, "/%d", u->db);
		bool v6 = strchr(u->host, ':') != NULL;
		snprintf(u->redacted, sizeof u->redacted, "redis://%s%s%s%s:%d%s", cred, v6 ? "[" : "", u->host,
			 v6 ? "]" : "", u->port, db);
	}
}

int redis_url_parse(const char *url, struct redis_url *u, char *err, size_t errsz)
{
	memset(u, 0, sizeof *u);
	u->db = -1;
	u->port = 6379;
	if (!url || !*url) {
		snprintf(err, errsz, "redis URL: empty");
		return AS_ERR_CONFIG;
	}
	size_t len = strlen(url);
	if (len >= REDIS_URL_MAX) {
		snprintf(err, errsz, "redis URL: longer than %d bytes", REDIS_URL_MAX - 1);
		return AS_ERR_CONFIG;
	}
	if (!strncmp(url, "rediss://", 9)) {
		snprintf(err, errsz, "redis URL: TLS to Redis not supported in this build (rediss://)");
		return AS_ERR_UNSUPPORTED;
	}
	char buf[REDIS_URL_MAX];
	memcpy(buf, url, len + 1);
	char *q = strchr(buf, '?');
	const char *query = "";
	if (q) {
		*q = '\0';
		query = q + 1;
	}
	if (!strncmp(buf, "unix://", 7)) {
		u->unix_socket = true;
		char *rest = buf + 7;
		if (*rest != '/') {
			char *at = strstr(rest, "@/");
			if (!at) {
				snprintf(err, errsz, "redis URL: unix:// needs an absolute socket path "
						     "(unix:///path/to.sock or unix://user:pass@/path/to.sock)");
				return AS_ERR_CONFIG;
			}
			if (!parse_userinfo(rest, (size_t)(at - rest), u, err, errsz))
				return AS_ERR_CONFIG;
			rest = at + 1;
		}
		if (strlen(rest) < 2 || strlen(rest) >= sizeof u->path) {
			snprintf(err, errsz, "redis URL: the socket path must be 1..%zu bytes", sizeof u->path - 1);
			return AS_ERR_CONFIG;
		}
		strcpy(u->path, rest);
		if (!parse_query(query, u, err, errsz))
			return AS_ERR_CONFIG;
		redact(u);
		return AS_OK;
	}
	if (strncmp(buf, "redis://", 8) != 0) {
		snprintf(err, errsz, "redis URL: must start with redis:// or unix://");
		return AS_ERR_CONFIG;
	}
	char *auth = buf + 8;
	char *slash = strchr(auth, '/');
	const char *path = "";
	if (slash) {
		path = slash + 1;
		*slash = '\0';
	}
	char *at = strrchr(auth, '@');
	char *hostport = auth;
	if (at) {
		if (!parse_userinfo(auth, (size_t)(at - auth), u, err, errsz))
			return AS_ERR_CONFIG;
		hostport = at + 1;
	}
	const char *port = NULL;
	if (*hostport == '[') {
		char *close = strchr(hostport, ']');
		if (!close || (close[1] && close[1] != ':')) {
			snprintf(err, errsz, "redis URL: bad IPv6 address (use [addr]:port)");
			return AS_ERR_CONFIG;
		}
		*close = '\0';
		if (close[1] == ':')
			port = close + 2;
		hostport++;
	} else {
		char *colon = strchr(hostport, ':');
		if (colon) {
			*colon = '\0';
			port = colon + 1;
		}
	}
	if (!*hostport || strlen(hostport) >= sizeof u->host || strpbrk(hostport, " \t@/")) {
		snprintf(err, errsz, "redis URL: missing or bad host");
		return AS_ERR_CONFIG;
	}
	strcpy(u->host, hostport);
	if (port && !parse_int(port, strlen(port), 1, 65535, &u->port)) {
		snprintf(err, errsz, "redis URL: bad port '%.16s' (1..65535)", port);
		return AS_ERR_CONFIG;
	}
	if (*path && !parse_int(path, strlen(path), 0, 1000000, &u->db)) {
		snprintf(err, errsz, "redis URL: the path must be a database number (/0, /1, ...)");
		return AS_ERR_CONFIG;
	}
	if (!parse_query(query, u, err, errsz))
		return AS_ERR_CONFIG;
	redact(u);
	return AS_OK;
}

/* Runs one command; false with a message on an error reply or I/O error. */
static bool handshake_cmd(redisContext *c, int argc, const char **argv, const char *what, const char *url,
			  char *err, size_t errsz)
{
	redisReply *r = redisCommandArgv(c, argc, argv, NULL);
	if (!r) {
		snprintf(err, errsz, "redis %.300s: %s: %s", url, what, c->errstr[0] ? c->errstr : "no reply");
		return false;
	}
	bool ok = r->type != REDIS_REPLY_ERROR;
	if (!ok)
		snprintf(err, errsz, "redis %.300s: %s: %.*s", url, what, (int)(r->len < 200 ? r->len : 200), r->str);
	freeReplyObject(r);
	return ok;
}

int redis_connect(const struct redis_url *u, int timeout_ms, struct redisContext **out, char *err, size_t errsz)
{
	*out = NULL;
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	redisContext *c = u->unix_socket ? redisConnectUnixWithTimeout(u->path, tv)
					 : redisConnectWithTimeout(u->host, u->port, tv);
	if (!c) {
		snprintf(err, errsz, "redis %.300s: out of memory", u->redacted);
		return AS_ERR_NOMEM;
	}
	if (c->err) {
		snprintf(err, errsz, "redis %.300s: cannot connect: %s", u->redacted, c->errstr);
		redisFree(c);
		return AS_ERR_IO; /* unreachable, as opposed to refusing us */
	}
	redisSetTimeout(c, tv);
	if (!u->unix_socket)
		redisEnableKeepAlive(c);
	bool ok = true;
	if (u->pass[0]) {
		const char *a[3] = {"AUTH", u->user, u->pass};
		ok = u->user[0] ? handshake_cmd(c, 3, a, "authentication failed", u->redacted, err, errsz)
				: handshake_cmd(c, 2, (const char *[]){"AUTH", u->pass}, "authentication failed",
						u->redacted, err, errsz);
	}
	if (ok && u->db >= 0) {
		char db[16];
		snprintf(db, sizeof db, "%d", u->db);
		ok = handshake_cmd(c, 2, (const char *[]){"SELECT", db}, "SELECT", u->redacted, err, errsz);
	}
	if (ok)
		ok = handshake_cmd(c, 1, (const char *[]){"PING"}, "PING", u->redacted, err, errsz);
	if (!ok) {
		redisFree(c);
		return AS_ERR_CONNECT;
	}
	*out = c;
	return AS_OK;
}
