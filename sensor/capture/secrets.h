/* secrets.h — TLS key logs a pcapng file carries in Decryption Secrets
 * Blocks (pcapng §4.7, type 0x0000000A, secrets type 0x544c534b "TLSK":
 * an NSS key log), as `editcap --inject-secrets` writes them. libpcap
 * skips these blocks, so the file's blocks are walked here, beside it,
 * before the replay. */
#ifndef AS_SECRETS_H
#define AS_SECRETS_H

#include <stddef.h>

#include "error.h"

/* Calls add(user, text, len) with the key log of every TLSK block of the
 * pcapng file at path (a classic pcap has none: 0). Returns the number of
 * such blocks, or AS_ERR_IO / AS_ERR_MALFORMED with "path: reason" in err
 * (a block whose length runs past the file). */
AS_MUST_CHECK int capture_file_secrets(const char *path,
				       void (*add)(void *user, const char *text, size_t len), void *user,
				       char *err, size_t errsz);

#endif
