/* metrics.c — the Prometheus endpoint (see metrics.h). */
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define METRICS_MAX_BYTES 65536

struct metrics {
	struct MHD_Daemon *d;
	metrics_fill_fn fill;
	void *user;
};

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)con_cls;
	struct metrics *m = cls;
	bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	bool found = !strcmp(url, "/metrics") || !strcmp(url, "/");
	char *buf = get && found ? malloc(METRICS_MAX_BYTES) : NULL;
	size_t len = buf ? m->fill(m->user, buf, METRICS_MAX_BYTES) : 0;
	static const char nf[] = "not found: /metrics\n";
	struct MHD_Response *r =
	    buf ? MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE)
		: MHD_create_response_from_buffer(sizeof nf - 1, (void *)nf, MHD_RESPMEM_PERSISTENT);
	if (!r) {
		free(buf);
		return MHD_NO;
	}
	if (buf)
		MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	enum MHD_Result q = MHD_queue_response(c, buf ? MHD_HTTP_OK : get ? MHD_HTTP_NOT_FOUND : MHD_HTTP_METHOD_NOT_ALLOWED, r);
	MHD_destroy_response(r);
	return q;
}

/* "ADDR:PORT", "[ADDR]:PORT" or ":PORT" into a socket address. */
static bool parse_listen(const char *s, struct sockaddr_storage *ss, char *err, size_t errsz)
{
	char host[128] = "";
	const char *colon = strrchr(s, ':');
	char *end;
	long port = colon ? strtol(colon + 1, &end, 10) : -1;
	if (!colon || port < 1 || port > 65535 || *end || (size_t)(colon - s) >= sizeof host) {
		snprintf(err, errsz, "metrics %s: want ADDR:PORT (PORT 1..65535)", s);
		return false;
	}
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	size_t hl = strlen(host);
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &v6->sin6_addr) == 1)
			return true;
	} else {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		if (!host[0] || inet_pton(AF_INET, host, &v4->sin_addr) == 1)
			return true;
	}
	snprintf(err, errsz, "metrics %s: '%s' is no IP address", s, host);
	return false;
}

int metrics_start(const char *listen, metrics_fill_fn fill, void *user, struct metrics **out, char *err,
		  size_t errsz)
{
	struct sockaddr_storage ss;
	if (!parse_listen(listen, &ss, err, errsz))
		return AS_ERR_CONFIG;
	struct metrics *m = calloc(1, sizeof *m);
	if (!m)
		return AS_ERR_NOMEM;
	m->fill = fill;
	m->user = user;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
	errno = 0;
	m->d = MHD_start_daemon(flags, 0, NULL, NULL, answer, m, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_CONNECTION_LIMIT, 16U, MHD_OPTION_CONNECTION_TIMEOUT, 10U, MHD_OPTION_END);
	if (!m->d) {
		snprintf(err, errsz, "metrics %s: cannot listen: %s", listen, errno ? strerror(errno) : "refused");
		free(m);
		return AS_ERR_IO;
	}
	*out = m;
	return AS_OK;
}

void metrics_stop(struct metrics *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->d);
	free(m);
}
