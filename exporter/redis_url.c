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

/* ?db=N, and for a sentinel URL sentinel_user=U, sentinel_password=P. */
static bool parse_query(const char *q, struct redis_url *u, char *err, size_t errsz)
{
	while (*q) {
		const char *amp = strchr(q, '&');
		size_t n = amp ? (size_t)(amp - q) : strlen(q);
		bool ok;
		if (n > 3 && !strncmp(q, "db=", 3))
			ok = parse_int(q + 3, n - 3, 0, 1000000, &u->db);
		else if (u->sentinel && n >= 14 && !strncmp(q, "sentinel_user=", 14))
			ok = pct_decode(q + 14, n - 14, u->sentinel_user, sizeof u->sentinel_user);
		else if (u->sentinel && n >= 18 && !strncmp(q, "sentinel_password=", 18))
			ok = pct_decode(q + 18, n - 18, u->sentinel_pass, sizeof u->sentinel_pass);
		else
			ok = false;
		if (!ok) {
			snprintf(err, errsz, "redis URL: the query parameters are db=N%s",
				 u->sentinel ? ", sentinel_user=U and sentinel_password=P (percent-encoded)" : "");
			return false;
		}
		q += n + (amp ? 1 : 0);
	}
	return true;
}

/* host[:port] or [v6]:port, in place; false when malformed. */
static bool parse_hostport(char *hostport, int default_port, struct redis_node *out, char *err, size_t errsz)
{
	const char *port = NULL;
	if (*hostport == '[') {
		char *close = strchr(hostport, ']');
		if (!close || (close[1] && close[1] != ':')) {
			snprintf(err, errsz, "redis URL: bad IPv6 address (use [addr]:port)");
			return false;
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
	if (!*hostport || strlen(hostport) >= sizeof out->host || strpbrk(hostport, " \t@/,")) {
		snprintf(err, errsz, "redis URL: missing or bad host");
		return false;
	}
	strcpy(out->host, hostport);
	out->port = default_port;
	if (port && !parse_int(port, strlen(port), 1, 65535, &out->port)) {
		snprintf(err, errsz, "redis URL: bad port '%.16s' (1..65535)", port);
		return false;
	}
	return true;
}

static size_t put_node(char *out, size_t n, const struct redis_node *node)
{
	bool v6 = strchr(node->host, ':') != NULL;
	int w = snprintf(out, n, "%s%s%s:%d", v6 ? "[" : "", node->host, v6 ? "]" : "", node->port);
	return w > 0 ? (size_t)w : 0;
}

static void redact(struct redis_url *u)
{
	char cred[600] = "";
	if (u->user[0] || u->pass[0])
		snprintf(cred, sizeof cred, "%s%s@", u->user, u->pass[0] ? ":***" : "");
	if (u->sentinel) {
		char nodes[REDIS_MAX_SENTINELS * 270] = "";
		size_t at = 0;
		for (size_t i = 0; i < u->n_sentinels && at < sizeof nodes; i++) {
			if (i)
				nodes[at++] = ',';
			at += put_node(nodes + at, sizeof nodes - at, &u->sentinels[i]);
		}
		char q[600] = "";
		size_t qn = 0;
		if (u->db >= 0)
			qn += (size_t)snprintf(q + qn, sizeof q - qn, "&db=%d", u->db);
		if (u->sentinel_user[0])
			qn += (size_t)snprintf(q + qn, sizeof q - qn, "&sentinel_user=%s", u->sentinel_user);
		if (u->sentinel_pass[0])
			snprintf(q + qn, sizeof q - qn, "&sentinel_password=***");
		if (q[0])
			q[0] = '?';
		int w = snprintf(u->redacted, sizeof u->redacted, "redis-sentinel://%s%s/%s%s", cred, nodes, u->master, q);
		if (w < 0 || (size_t)w >= sizeof u->redacted) /* cut, but never past the user info */
			snprintf(u->redacted, sizeof u->redacted, "redis-sentinel://%s%s/%s", cred,
				 u->sentinels[0].host, u->master);
	} else if (u->unix_socket) {
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
	u->sentinel = !strncmp(buf, "redis-sentinel://", 17);
	if (!u->sentinel && strncmp(buf, "redis://", 8) != 0) {
		snprintf(err, errsz, "redis URL: must start with redis://, unix:// or redis-sentinel://");
		return AS_ERR_CONFIG;
	}
	char *auth = buf + (u->sentinel ? 17 : 8);
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
	if (u->sentinel) {
		for (char *h = hostport, *next; h; h = next) {
			next = strchr(h, ',');
			if (next)
				*next++ = '\0';
			if (u->n_sentinels == REDIS_MAX_SENTINELS) {
				snprintf(err, errsz, "redis URL: at most %d sentinels", REDIS_MAX_SENTINELS);
				return AS_ERR_CONFIG;
			}
			if (!parse_hostport(h, 26379, &u->sentinels[u->n_sentinels++], err, errsz))
				return AS_ERR_CONFIG;
		}
		if (!u->n_sentinels || !*path || strlen(path) >= sizeof u->master || strpbrk(path, "/ \t")) {
			snprintf(err, errsz, "redis URL: redis-sentinel://[user:pass@]host:port[,host:port...]/MASTER_NAME "
					     "needs at least one sentinel and the master's name");
			return AS_ERR_CONFIG;
		}
		strcpy(u->master, path);
		strcpy(u->host, u->sentinels[0].host);
		u->port = u->sentinels[0].port;
	} else {
		struct redis_node node;
		if (!parse_hostport(hostport, 6379, &node, err, errsz))
			return AS_ERR_CONFIG;
		strcpy(u->host, node.host);
		u->port = node.port;
		if (*path && !parse_int(path, strlen(path), 0, 1000000, &u->db)) {
			snprintf(err, errsz, "redis URL: the path must be a database number (/0, /1, ...)");
			return AS_ERR_CONFIG;
		}
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

/* One node: connect (TCP or a unix socket), AUTH when a password is given,
 * SELECT db when >= 0, PING. */
static int node_connect(const char *host, int port, const char *path, const char *user, const char *pass, int db,
			int timeout_ms, const char *label, redisContext **out, char *err, size_t errsz)
{
	*out = NULL;
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	redisContext *c = path ? redisConnectUnixWithTimeout(path, tv) : redisConnectWithTimeout(host, port, tv);
	if (!c) {
		snprintf(err, errsz, "redis %.300s: out of memory", label);
		return AS_ERR_NOMEM;
	}
	if (c->err) {
		snprintf(err, errsz, "redis %.300s: cannot connect: %s", label, c->errstr);
		redisFree(c);
		return AS_ERR_IO; /* unreachable, as opposed to refusing us */
	}
	redisSetTimeout(c, tv);
	if (!path)
		redisEnableKeepAlive(c);
	bool ok = true;
	if (pass[0]) {
		const char *a[3] = {"AUTH", user, pass};
		ok = user[0] ? handshake_cmd(c, 3, a, "authentication failed", label, err, errsz)
			     : handshake_cmd(c, 2, (const char *[]){"AUTH", pass}, "authentication failed", label, err,
					     errsz);
	}
	if (ok && db >= 0) {
		char d[16];
		snprintf(d, sizeof d, "%d", db);
		ok = handshake_cmd(c, 2, (const char *[]){"SELECT", d}, "SELECT", label, err, errsz);
	}
	if (ok)
		ok = handshake_cmd(c, 1, (const char *[]){"PING"}, "PING", label, err, errsz);
	if (!ok) {
		/* an error reply refuses us; no reply (a timeout, a reset) is an
		 * unreachable node, which another sentinel or the spool outlasts */
		int r = c->err ? AS_ERR_IO : AS_ERR_CONNECT;
		redisFree(c);
		return r;
	}
	*out = c;
	return AS_OK;
}

int redis_sentinel_connect(const struct redis_url *u, size_t i, int timeout_ms, struct redisContext **out,
			   char *err, size_t errsz)
{
	char label[300];
	put_node(label, sizeof label, &u->sentinels[i]);
	char what[340];
	snprintf(what, sizeof what, "sentinel %s", label);
	return node_connect(u->sentinels[i].host, u->sentinels[i].port, NULL, u->sentinel_user, u->sentinel_pass, -1,
			    timeout_ms, what, out, err, errsz);
}

/* What sentinel i says of the master: its address, or false with why. */
static bool ask_sentinel(const struct redis_url *u, size_t i, int timeout_ms, struct redis_node *master, char *err,
			 size_t errsz)
{
	redisContext *c;
	if (redis_sentinel_connect(u, i, timeout_ms, &c, err, errsz) < 0)
		return false;
	char what[340] = "sentinel ";
	put_node(what + 9, sizeof what - 9, &u->sentinels[i]);
	redisReply *r = redisCommand(c, "SENTINEL get-master-addr-by-name %s", u->master);
	bool ok = r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[0]->type == REDIS_REPLY_STRING &&
		  r->element[1]->type == REDIS_REPLY_STRING && r->element[0]->len < sizeof master->host;
	if (ok) {
		strcpy(master->host, r->element[0]->str);
		ok = parse_int(r->element[1]->str, r->element[1]->len, 1, 65535, &master->port);
	}
	if (!ok)
		snprintf(err, errsz, "redis %.300s: %s knows no master named %s%s%.200s", u->redacted, what, u->master,
			 r && r->type == REDIS_REPLY_ERROR ? ": " : "", r && r->type == REDIS_REPLY_ERROR ? r->str : "");
	if (r)
		freeReplyObject(r);
	redisFree(c);
	return ok;
}

/* Whether the node says it is a master (ROLE): a sentinel may still name
 * a demoted one for a moment during a failover. */
static bool is_master(redisContext *c)
{
	redisReply *r = redisCommand(c, "ROLE");
	bool ok = r && r->type == REDIS_REPLY_ARRAY && r->elements > 0 && r->element[0]->type == REDIS_REPLY_STRING &&
		  !strcmp(r->element[0]->str, "master");
	if (r)
		freeReplyObject(r);
	return ok;
}

int redis_connect(const struct redis_url *u, int timeout_ms, struct redisContext **out, char *err, size_t errsz)
{
	if (!u->sentinel)
		return node_connect(u->host, u->port, u->unix_socket ? u->path : NULL, u->user, u->pass, u->db,
				    timeout_ms, u->redacted, out, err, errsz);
	*out = NULL;
	int r = AS_ERR_IO;
	for (size_t i = 0; i < u->n_sentinels; i++) {
		struct redis_node m;
		if (!ask_sentinel(u, i, timeout_ms, &m, err, errsz))
			continue;
		char label[REDIS_URL_MAX + 300];
		size_t n = (size_t)snprintf(label, sizeof label, "%.700s (master ", u->redacted);
		n += put_node(label + n, sizeof label - n, &m);
		snprintf(label + n, sizeof label - n, ")");
		redisContext *c;
		r = node_connect(m.host, m.port, NULL, u->user, u->pass, u->db, timeout_ms, label, &c, err, errsz);
		if (r == AS_ERR_CONNECT || r == AS_ERR_NOMEM)
			return r; /* it refuses us: another sentinel would name the same node */
		if (r < 0)
			continue;
		if (!is_master(c)) {
			snprintf(err, errsz, "redis %.400s: the node is not a master (a failover in progress)", label);
			redisFree(c);
			r = AS_ERR_IO;
			continue;
		}
		*out = c;
		return AS_OK;
	}
	return r < 0 ? r : AS_ERR_IO;
}
