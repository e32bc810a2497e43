/* hosts.h — the host table: who is behind an address at a given packet time.
 *
 * Built by the aggregator from DHCP leases (v4 and v6) seen on the wire,
 * names hosts announce or resolvers give (mDNS, LLMNR, NetBIOS, DNS PTR),
 * Kerberos AS-REQ principals, and the inventory of the configuration
 * (networks, hosts, a CMDB CSV). The durable host key follows DESIGN.md:
 * the client MAC bound to the address by a lease seen on the wire, else a
 * host the inventory declares for the address, else the address itself.
 * Time-aware: an address leased later to another client is another host. */
#ifndef AS_HOSTS_H
#define AS_HOSTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "error.h"
#include "inventory.h"
#include "limits.h"
#include "observation.h"
#include "strset.h"

/* The map key of an address, here and in the aggregator's per-address
 * tables: the family, then the 16 address bytes. */
#define HOSTS_KEY_LEN 17
static inline size_t hosts_key(uint8_t family, const uint8_t *ip, uint8_t out[HOSTS_KEY_LEN])
{
	out[0] = family;
	memcpy(out + 1, ip, 16);
	return HOSTS_KEY_LEN;
}

/* What is known of the host behind an address at a time. */
struct host_info {
	char key[AS_STR + 16]; /* durable host key */
	char mac[18];	       /* from a DHCP lease; "" if none */
	char hostname[AS_STR];
	char owner[AS_STR]; /* "" when unknown */
	char team[AS_STR_SHORT];
	char site[AS_STR_SHORT];
	char tags[AS_STR];
	const struct strset *users; /* Kerberos principals seen from it (may be NULL) */
};

struct hosts;

struct hosts *hosts_new(void);
void hosts_free(struct hosts *h);
/* Replaces the inventory (SIGHUP); the table keeps what the wire taught it.
 * Takes ownership of *inv. */
void hosts_set_inventory(struct hosts *h, struct inventory *inv);
/* The inventory's time_us (inventory.h). */
uint64_t hosts_inventory_time(const struct hosts *h);
void hosts_dhcp(struct hosts *h, const struct obs_dhcp *d, uint64_t ts_us);
void hosts_name(struct hosts *h, const struct obs_host_name *n, uint64_t ts_us);
void hosts_kerberos(struct hosts *h, uint8_t family, const uint8_t *ip, const struct obs_kerberos *k,
		    uint64_t ts_us);
void hosts_lookup(struct hosts *h, uint8_t family, const uint8_t *ip, uint64_t ts_us, struct host_info *out);

#endif
