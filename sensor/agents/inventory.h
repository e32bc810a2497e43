/* inventory.h — the inventory section of the configuration: hosts and
 * networks the operator declares (owner, team, site, tags), and the rows of
 * a CMDB CSV export. The host table (hosts.h) consults it. */
#ifndef AS_INVENTORY_H
#define AS_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "limits.h"

/* One inventory entry (config `inventory.hosts` or a CSV row). */
struct inv_host {
	char mac[18];	       /* lower case, colon-separated; "" if not given */
	char ip[48];	       /* "" if not given */
	char hostname[AS_STR]; /* lower case; "" if not given */
	char owner[AS_STR];
	char team[AS_STR_SHORT];
	char site[AS_STR_SHORT];
	char tags[AS_STR]; /* comma-separated */
};

/* One `inventory.networks` entry. */
struct inv_network {
	uint8_t family;
	uint8_t addr[16];
	uint8_t prefix;
	char site[AS_STR_SHORT];
	char team[AS_STR_SHORT];
	char owner[AS_STR];
};

struct inventory {
	struct inv_host *hosts;
	size_t n_hosts;
	struct inv_network *networks;
	size_t n_networks;
	/* When it last changed: the newest modification time (epoch us) of the
	 * files it was read from; 0 when it is empty. What it says of the same
	 * packets replaces what an older one said (the registry's "last"). */
	uint64_t time_us;
};

void inventory_free(struct inventory *inv);
/* Parses "10.1.0.0/16" or "2001:db8::/32"; false when malformed. */
bool inventory_parse_cidr(const char *s, struct inv_network *out);
/* Appends the rows of a CMDB CSV export (header row names the columns:
 * mac, ip, hostname, owner, team, site, tags; others ignored). Errors are
 * "file:line: problem". */
AS_MUST_CHECK int inventory_load_csv(struct inventory *inv, const char *path, char *err, size_t errsz);

#endif
