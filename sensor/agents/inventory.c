/* inventory.c — the inventory section of the configuration: hosts and
 * networks declared by the operator, and rows of a CMDB CSV export. */
#include "inventory.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

void inventory_free(struct inventory *inv)
{
	free(inv->hosts);
	free(inv->networks);
	memset(inv, 0, sizeof *inv);
}

bool inventory_parse_cidr(const char *s, struct inv_network *out)
{
	char buf[64];
	text_copy(buf, sizeof buf, s);
	char *slash = strchr(buf, '/');
	memset(out, 0, sizeof *out);
	out->family = strchr(buf, ':') ? 6 : 4;
	int max = out->family == 6 ? 128 : 32;
	long prefix = max;
	if (slash) {
		*slash = '\0';
		char *end;
		errno = 0;
		prefix = strtol(slash + 1, &end, 10);
		if (errno || *end || end == slash + 1 || prefix < 0 || prefix > max)
			return false;
	}
	if (inet_pton(out->family == 6 ? AF_INET6 : AF_INET, buf, out->addr) != 1)
		return false;
	out->prefix = (uint8_t)prefix;
	return true;
}

/* Splits one CSV line into fields (double quotes, "" escapes); returns the count. */
static size_t csv_fields(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line, *w;
	while (n < max) {
		f[n++] = w = p;
		bool quoted = *p == '"';
		if (quoted)
			p++;
		for (;;) {
			if (quoted && *p == '"' && p[1] == '"') {
				*w++ = '"';
				p += 2;
			} else if (quoted && *p == '"') {
				quoted = false;
				p++;
			} else if (*p == '\0' || (!quoted && *p == ',')) {
				break;
			} else {
				*w++ = *p++;
			}
		}
		bool more = *p == ',';
		*w = '\0';
		if (!more)
			break;
		p++;
	}
	return n;
}

int inventory_load_csv(struct inventory *inv, const char *path, char *err, size_t errsz)
{
	FILE *fp = fopen(path, "r");
	if (!fp) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return AS_ERR_IO;
	}
	static const char *const names[] = {"mac", "ip", "hostname", "owner", "team", "site", "tags"};
	int col[7];
	for (int i = 0; i < 7; i++)
		col[i] = -1;
	char line[4096];
	size_t lineno = 0;
	int r = AS_OK;
	while (r == AS_OK && fgets(line, sizeof line, fp)) {
		lineno++;
		size_t len = strlen(line);
		if (len == sizeof line - 1 && line[len - 1] != '\n') {
			snprintf(err, errsz, "%s:%zu: line longer than %zu bytes", path, lineno,
				 sizeof line - 2);
			r = AS_ERR_CONFIG;
			break;
		}
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len || line[0] == '#')
			continue;
		char *f[32];
		size_t nf = csv_fields(line, f, 32);
		if (col[0] == -1 && col[1] == -1 && col[2] == -1) { /* the header */
			for (size_t i = 0; i < nf; i++) {
				text_lower(f[i]);
				for (int c = 0; c < 7; c++)
					if (!strcmp(f[i], names[c]))
						col[c] = (int)i;
			}
			if (col[0] == -1 && col[1] == -1 && col[2] == -1) {
				snprintf(err, errsz,
					 "%s:%zu: header names none of the columns mac, ip, hostname", path,
					 lineno);
				r = AS_ERR_CONFIG;
			}
			continue;
		}
		struct inv_host e;
		memset(&e, 0, sizeof e);
		char *dst[7] = {e.mac, e.ip, e.hostname, e.owner, e.team, e.site, e.tags};
		size_t dsz[7] = {sizeof e.mac,	sizeof e.ip,   sizeof e.hostname, sizeof e.owner,
				 sizeof e.team, sizeof e.site, sizeof e.tags};
		for (int c = 0; c < 7; c++)
			if (col[c] >= 0 && (size_t)col[c] < nf)
				text_copy(dst[c], dsz[c], f[col[c]]);
		text_lower(e.mac);
		text_lower(e.hostname);
		uint8_t tmp[16];
		if (e.ip[0] && inet_pton(strchr(e.ip, ':') ? AF_INET6 : AF_INET, e.ip, tmp) != 1) {
			snprintf(err, errsz, "%s:%zu: bad ip '%s'", path, lineno, e.ip);
			r = AS_ERR_CONFIG;
			break;
		}
		unsigned m[6];
		if (e.mac[0] && (sscanf(e.mac, "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2], &m[3], &m[4],
					&m[5]) != 6 ||
				 strlen(e.mac) != 17)) {
			snprintf(err, errsz, "%s:%zu: bad mac '%s'", path, lineno, e.mac);
			r = AS_ERR_CONFIG;
			break;
		}
		if (!e.mac[0] && !e.ip[0] && !e.hostname[0]) {
			snprintf(err, errsz, "%s:%zu: a row needs a mac, an ip or a hostname", path, lineno);
			r = AS_ERR_CONFIG;
			break;
		}
		struct inv_host *nh = realloc(inv->hosts, (inv->n_hosts + 1) * sizeof *nh);
		if (!nh) {
			r = AS_ERR_NOMEM;
			break;
		}
		inv->hosts = nh;
		nh[inv->n_hosts++] = e;
	}
	fclose(fp);
	return r;
}
