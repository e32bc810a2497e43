/* dns.h — DNS name decoding (RFC 1035 §3.1, §4.1.4) shared with the
 * dissectors that carry DNS-format names: NetBIOS NS (RFC 1002), DHCP client
 * FQDN options (RFC 4702 option 81, RFC 4704 option 39). */
#ifndef AS_DNS_H
#define AS_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "cursor.h"
#include "error.h"

#define DNS_WIRE_NAME_MAX 255 /* RFC 1035 §2.3.4: octets of a name, length bytes included */

/* A name in uncompressed wire form, lower-cased (ASCII), root label included. */
struct dns_name {
	size_t len;
	uint8_t wire[DNS_WIRE_NAME_MAX];
};

/* Reads the (possibly compressed) name at *c, a position inside msg, and
 * advances *c past it. Compression pointers must point strictly backwards
 * and below every earlier target of the same name, at most
 * AS_DNS_MAX_POINTERS; label types 01/10 are rejected. On error returns a
 * negative enum as_err and a static snake_case reason in *why. */
AS_MUST_CHECK int dns_name_read(struct cur msg, struct cur *c, struct dns_name *out, const char **why);

/* Reads an uncompressed name filling all of c, as DHCP FQDN options carry
 * it: a fully qualified name ends in the root label, a partial one (RFC 4702
 * §2.3.1) ends with the option. Compression pointers are rejected. */
AS_MUST_CHECK int dns_name_from_option(struct cur c, struct dns_name *out, const char **why);

/* Presentation form: labels joined by '.', no trailing dot ("" for the
 * root); bytes outside printable ASCII and '.' inside a label become '?'.
 * Fits AS_DNS_MAX_NAME. */
void dns_name_text(const struct dns_name *n, char *dst, size_t dstsz);

#endif
