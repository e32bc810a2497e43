/* registry.c — the dissectors a flow's first bytes are probed against, in
 * probe order. Adding a protocol: one file, one line here, one pcap, one
 * golden file. (Layers only ever opened by another — websocket — are not
 * listed.) */
#include <stddef.h>
#include <string.h>

#include "dissector.h"

extern const struct dissector dissector_mdns;
extern const struct dissector dissector_llmnr;
extern const struct dissector dissector_dns;
extern const struct dissector dissector_dns_tcp;
extern const struct dissector dissector_dhcp;
extern const struct dissector dissector_dhcp6;
extern const struct dissector dissector_nbns;
extern const struct dissector dissector_kerberos;
extern const struct dissector dissector_kerberos_tcp;
extern const struct dissector dissector_quic;
extern const struct dissector dissector_tls;
extern const struct dissector dissector_http2;
extern const struct dissector dissector_http1;

const struct dissector *const dissector_registry[] = {
    &dissector_mdns,	     &dissector_llmnr,
    &dissector_dns,	     &dissector_dns_tcp,
    &dissector_dhcp,	     &dissector_dhcp6,
    &dissector_nbns,	     &dissector_kerberos,
    &dissector_kerberos_tcp, &dissector_quic,
    &dissector_tls,	     &dissector_http2, /* h2c by prior knowledge: the client preface */
    &dissector_http1,	     NULL,
};

const struct dissector *dissector_find(const char *name)
{
	for (size_t i = 0; dissector_registry[i]; i++)
		if (strcmp(dissector_registry[i]->name, name) == 0)
			return dissector_registry[i];
	return NULL;
}
