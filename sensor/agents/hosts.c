/* hosts.c — the host table (see hosts.h): DHCP leases by address and time,
 * names by address, Kerberos users by host, and the configured inventory. */
#include "hosts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

#include "hmap.h"

/* A lease: the address belonged to this client from `start` until it was
 * released or another client got it. Leases that lapse without a renewal
 * on the wire still hold: a capture often misses renewals. */
struct lease {
	uint64_t start_us;
	uint64_t released_us; /* UINT64_MAX while held */
	char mac[18];
	char duid[AS_STR_SHORT];
	char hostname[AS_STR];
};

struct lease_list {
	struct lease *v;
	size_t n;
};

struct name_entry {
	char name[AS_STR];
	uint8_t source; /* enum host_name_source */
	uint64_t ts_us;
};

/* What a client told about itself in DISCOVER/REQUEST, by MAC or DUID. */
struct client_entry {
	char hostname[AS_STR];
};

struct hosts {
	struct hmap leases;  /* family+ip -> lease_list */
	struct hmap names;   /* family+ip -> name_entry */
	struct hmap clients; /* mac or duid -> client_entry */
	struct hmap users;   /* host key -> strset of principals */
	struct inventory inv;
};

#define MAX_LEASES_PER_IP 64

static void mac_text(const uint8_t *m, char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

struct hosts *hosts_new(void)
{
	struct hosts *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	hmap_init(&h->leases);
	hmap_init(&h->names);
	hmap_init(&h->clients);
	hmap_init(&h->users);
	return h;
}

static void free_values(struct hmap *m, void (*fn)(void *))
{
	for (size_t i = 0; m->slots && i <= m->mask; i++)
		if (m->slots[i].key) {
			if (fn)
				fn(m->slots[i].val);
			free(m->slots[i].val);
		}
	hmap_free(m);
}

static void lease_list_free(void *p)
{
	free(((struct lease_list *)p)->v);
}
static void strset_free_void(void *p)
{
	strset_free(p);
}

void hosts_free(struct hosts *h)
{
	if (!h)
		return;
	free_values(&h->leases, lease_list_free);
	free_values(&h->names, NULL);
	free_values(&h->clients, NULL);
	free_values(&h->users, strset_free_void);
	inventory_free(&h->inv);
	free(h);
}

void hosts_set_inventory(struct hosts *h, struct inventory *inv)
{
	inventory_free(&h->inv);
	h->inv = *inv;
	memset(inv, 0, sizeof *inv);
}

uint64_t hosts_inventory_time(const struct hosts *h)
{
	return h->inv.time_us;
}

static void *get_or_new(struct hmap *m, const void *k, size_t kl, size_t size)
{
	return hmap_get_or_new(m, k, kl, size, AS_MAX_HOSTS, NULL);
}

/* ---- DHCP ---- */

static const char *client_id_of(const struct obs_dhcp *d, char mac[18])
{
	mac[0] = '\0';
	if (d->has_client_mac) {
		mac_text(d->client_mac, mac);
		return mac;
	}
	return d->client_id;
}

void hosts_dhcp(struct hosts *h, const struct obs_dhcp *d, uint64_t ts_us)
{
	char mac[18];
	const char *cid = client_id_of(d, mac);
	if (cid[0] && d->hostname[0]) {
		struct client_entry *c = get_or_new(&h->clients, cid, strlen(cid), sizeof *c);
		if (c)
			text_copy(c->hostname, sizeof c->hostname, d->hostname);
	}
	bool ack = d->msg_type == DHCP_ACK || (d->msg_type == DHCP6_REPLY && d->has_assigned);
	bool release = d->msg_type == DHCP_RELEASE || d->msg_type == DHCP6_RELEASE;
	uint8_t k[HOSTS_KEY_LEN];
	if (ack && d->has_assigned && cid[0]) {
		size_t kl = hosts_key(d->family, d->assigned, k);
		struct lease_list *l = get_or_new(&h->leases, k, kl, sizeof *l);
		if (!l)
			return;
		struct lease *last = l->n ? &l->v[l->n - 1] : NULL;
		bool same =
		    last && last->released_us == UINT64_MAX &&
		    ((mac[0] && !strcmp(last->mac, mac)) || (!mac[0] && !strcmp(last->duid, d->client_id)));
		if (same)
			return; /* a renewal */
		if (last && last->released_us == UINT64_MAX)
			last->released_us = ts_us; /* the address went to another client */
		if (l->n >= MAX_LEASES_PER_IP) {
			memmove(l->v, l->v + 1, (l->n - 1) * sizeof *l->v);
			l->n--;
		}
		struct lease *nl = realloc(l->v, (l->n + 1) * sizeof *nl);
		if (!nl)
			return;
		l->v = nl;
		struct lease *e = &nl[l->n++];
		memset(e, 0, sizeof *e);
		e->start_us = ts_us;
		e->released_us = UINT64_MAX;
		text_copy(e->mac, sizeof e->mac, mac);
		text_copy(e->duid, sizeof e->duid, mac[0] ? "" : d->client_id);
		const struct client_entry *c = hmap_get(&h->clients, cid, strlen(cid));
		text_copy(e->hostname, sizeof e->hostname,
			  d->hostname[0] ? d->hostname : (c ? c->hostname : ""));
	} else if (release && (d->has_client_ip || d->has_assigned)) {
		size_t kl = hosts_key(d->family, d->has_client_ip ? d->client_ip : d->assigned, k);
		struct lease_list *l = hmap_get(&h->leases, k, kl);
		if (l && l->n && l->v[l->n - 1].released_us == UINT64_MAX)
			l->v[l->n - 1].released_us = ts_us;
	}
}

static const struct lease *lease_at(struct hosts *h, uint8_t family, const uint8_t *ip, uint64_t ts_us)
{
	uint8_t k[HOSTS_KEY_LEN];
	size_t kl = hosts_key(family, ip, k);
	const struct lease_list *l = hmap_get(&h->leases, k, kl);
	for (size_t i = l ? l->n : 0; i-- > 0;)
		if (l->v[i].start_us <= ts_us)
			return ts_us < l->v[i].released_us ? &l->v[i] : NULL;
	return NULL;
}

/* ---- names and users ---- */

void hosts_name(struct hosts *h, const struct obs_host_name *n, uint64_t ts_us)
{
	if (!n->name[0])
		return;
	uint8_t k[HOSTS_KEY_LEN];
	size_t kl = hosts_key(n->family, n->addr, k);
	struct name_entry *e = get_or_new(&h->names, k, kl, sizeof *e);
	if (!e)
		return;
	/* A host's own announcement outranks a resolver's PTR answer. */
	if (e->name[0] && n->source == HOST_NAME_DNS_PTR && e->source != HOST_NAME_DNS_PTR)
		return;
	text_copy(e->name, sizeof e->name, n->name);
	e->source = n->source;
	e->ts_us = ts_us;
}

void hosts_kerberos(struct hosts *h, uint8_t family, const uint8_t *ip, const struct obs_kerberos *kb,
		    uint64_t ts_us)
{
	if (!kb->principal[0])
		return;
	struct host_info hi;
	hosts_lookup(h, family, ip, ts_us, &hi);
	struct strset *s = get_or_new(&h->users, hi.key, strlen(hi.key), sizeof *s);
	if (!s)
		return;
	char who[AS_STR * 2 + 2];
	snprintf(who, sizeof who, "%s%s%s", kb->principal, kb->realm[0] ? "@" : "", kb->realm);
	strset_add(s, who, 64);
}

/* ---- inventory ---- */

static bool in_network(const struct inv_network *n, uint8_t family, const uint8_t *ip)
{
	if (n->family != family)
		return false;
	unsigned bits = n->prefix;
	for (unsigned i = 0; bits; i++) {
		unsigned take = bits >= 8 ? 8 : bits;
		uint8_t mask = (uint8_t)(0xff << (8 - take));
		if ((ip[i] & mask) != (n->addr[i] & mask))
			return false;
		bits -= take;
	}
	return true;
}

static const struct inv_host *inv_match(const struct inventory *inv, const char *mac, const char *ip,
					const char *hostname)
{
	for (size_t i = 0; mac[0] && i < inv->n_hosts; i++)
		if (!strcmp(inv->hosts[i].mac, mac))
			return &inv->hosts[i];
	for (size_t i = 0; ip[0] && i < inv->n_hosts; i++)
		if (!strcmp(inv->hosts[i].ip, ip))
			return &inv->hosts[i];
	for (size_t i = 0; hostname[0] && i < inv->n_hosts; i++)
		if (!strcmp(inv->hosts[i].hostname, hostname))
			return &inv->hosts[i];
	return NULL;
}

void hosts_lookup(struct hosts *h, uint8_t family, const uint8_t *ip, uint64_t ts_us, struct host_info *out)
{
	memset(out, 0, sizeof *out);
	char ips[48];
	if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, ip, ips, sizeof ips))
		text_copy(ips, sizeof ips, "?");
	const struct lease *l = lease_at(h, family, ip, ts_us);
	uint8_t k[HOSTS_KEY_LEN];
	size_t kl = hosts_key(family, ip, k);
	const struct name_entry *ne = hmap_get(&h->names, k, kl);
	if (l) {
		text_copy(out->mac, sizeof out->mac, l->mac);
		text_copy(out->hostname, sizeof out->hostname, l->hostname);
	}
	const struct inv_host *ih =
	    inv_match(&h->inv, out->mac, ips, out->hostname[0] ? out->hostname : (ne ? ne->name : ""));
	if (!out->hostname[0] && ih && ih->hostname[0])
		text_copy(out->hostname, sizeof out->hostname, ih->hostname);
	if (!out->hostname[0] && ne)
		text_copy(out->hostname, sizeof out->hostname, ne->name);
	/* The durable key: the leased client, else the inventory's host, else the address. */
	if (l && l->mac[0])
		snprintf(out->key, sizeof out->key, "mac:%s", l->mac);
	else if (l && l->duid[0])
		snprintf(out->key, sizeof out->key, "duid:%s", l->duid);
	else if (ih && ih->mac[0])
		snprintf(out->key, sizeof out->key, "mac:%s", ih->mac);
	else if (ih && ih->hostname[0])
		snprintf(out->key, sizeof out->key, "host:%s", ih->hostname);
	else
		text_copy(out->key, sizeof out->key, ips);
	/* Owner, team, site: the host's entry, else the most specific network. */
	const struct inv_network *best = NULL;
	for (size_t i = 0; i < h->inv.n_networks; i++)
		if (in_network(&h->inv.networks[i], family, ip) &&
		    (!best || h->inv.networks[i].prefix > best->prefix))
			best = &h->inv.networks[i];
	text_copy(out->owner, sizeof out->owner, ih && ih->owner[0] ? ih->owner : (best ? best->owner : ""));
	text_copy(out->team, sizeof out->team, ih && ih->team[0] ? ih->team : (best ? best->team : ""));
	text_copy(out->site, sizeof out->site, ih && ih->site[0] ? ih->site : (best ? best->site : ""));
	text_copy(out->tags, sizeof out->tags, ih ? ih->tags : "");
	out->users = hmap_get(&h->users, out->key, strlen(out->key));
}

/* ---- CMDB CSV ---- */
