/* fuzz_common_obs.h — checks the host-identity fuzz targets apply to every
 * observation: strings NUL-terminated and free of control bytes, enums in
 * range. Header-only so each target stays one file. */
#ifndef AS_FUZZ_COMMON_OBS_H
#define AS_FUZZ_COMMON_OBS_H

#include <stdlib.h>
#include <string.h>

#include "dissector.h"

static void fz_check_str(const char *s, size_t sz)
{
	const char *end = memchr(s, '\0', sz);
	if (!end)
		abort();
	for (const char *c = s; c < end; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
			abort();
}

static void fz_check_obs(const struct observation *o, const char *dissector)
{
	switch (o->type) {
	case OBS_DHCP: {
		const struct obs_dhcp *d = &o->u.dhcp;
		fz_check_str(d->client_id, sizeof d->client_id);
		fz_check_str(d->hostname, sizeof d->hostname);
		fz_check_str(d->vendor_class, sizeof d->vendor_class);
		bool v4 = d->version == 4 && d->family == 4 && d->msg_type >= DHCP_DISCOVER &&
			  d->msg_type <= DHCP_INFORM;
		bool v6 = d->version == 6 && d->family == 6 && d->msg_type >= DHCP6_SOLICIT &&
			  d->msg_type <= DHCP6_INFORMATION_REQUEST;
		if (!v4 && !v6)
			abort();
		break;
	}
	case OBS_HOST_NAME: {
		const struct obs_host_name *h = &o->u.host_name;
		fz_check_str(h->name, sizeof h->name);
		if (!h->name[0] || (h->family != 4 && h->family != 6) || h->source < HOST_NAME_MDNS ||
		    h->source > HOST_NAME_DNS_PTR)
			abort();
		break;
	}
	case OBS_KERBEROS:
		fz_check_str(o->u.kerberos.principal, sizeof o->u.kerberos.principal);
		fz_check_str(o->u.kerberos.realm, sizeof o->u.kerberos.realm);
		fz_check_str(o->u.kerberos.service, sizeof o->u.kerberos.service);
		break;
	case OBS_ANOMALY:
		fz_check_str(o->u.anomaly.reason, sizeof o->u.anomaly.reason);
		if (!o->u.anomaly.reason[0] || strcmp(o->u.anomaly.dissector, dissector) != 0)
			abort();
		break;
	default:
		abort();
	}
}

#endif
