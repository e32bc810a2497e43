/* tls.h — TLS hello parsing shared with other dissectors (QUIC carries a TLS
 * ClientHello in CRYPTO frames): RFC 8446 §4.1.2, JA3 (Salesforce, BSD-3),
 * JA4 (FoxIO technical_details/JA4.md, BSD-3). */
#ifndef AS_TLS_H
#define AS_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "observation.h"

/* Parses the body of a ClientHello handshake message (the bytes after the
 * 4-byte type/length header) and fills `out` completely (zeroed first):
 * versions, SNI (lower-cased), ALPN, ECH presence, JA3 and JA4 (`quic`
 * selects the JA4 'q' prefix and sets out->quic). record_version is left 0:
 * only the record layer knows it. On error returns a negative enum as_err
 * and, when `reason` is not NULL, a static snake_case reason for an
 * anomaly; `out` is then unspecified. Reads only through the cursor. */
AS_MUST_CHECK int tls_parse_client_hello(const uint8_t *hs, size_t len, bool quic,
					 struct obs_tls_client_hello *out, const char **reason);

/* Same for a ServerHello body: selected version, cipher, ALPN, JA3S. */
AS_MUST_CHECK int tls_parse_server_hello(const uint8_t *hs, size_t len, struct obs_tls_server_hello *out,
					 const char **reason);

/* True for the GREASE values of RFC 8701 (0x0a0a, 0x1a1a, ... 0xfafa). */
bool tls_is_grease(uint16_t v);

#endif
