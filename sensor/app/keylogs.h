/* keylogs.h — the TLS secrets a run opens connections with: the key logs
 * named (tls.keylog_files, --keylog), read at start and, while capturing
 * live, followed as they grow (a thread looks at them every
 * AS_KEYLOG_POLL_MS); and the key logs capture files carry in pcapng
 * Decryption Secrets Blocks, stdin included, added as they are read. */
#ifndef AS_KEYLOGS_H
#define AS_KEYLOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agents.h"
#include "error.h"
#include "secrets.h"

struct keylogs;


/* Reads the named key logs (a file that cannot be read stops the start,
 * with the reason printed) and the blocks of the capture files `inputs`
 * (all before the replay: what opens a connection never depends on the
 * workers' pace; stdin's come as it is read), and starts following the
 * key logs when `live`. */
AS_MUST_CHECK int keylogs_start(char *const *paths, size_t n, char *const *inputs, size_t n_inputs, bool live,
				struct keylogs **out);
/* The store the workers look secrets up in (connections are opened only
 * while it holds secrets or grows: keylog_usable). */
const struct dissect_keys *keylogs_store(const struct keylogs *k);
/* Where capture files give their blocks' key logs. */
const struct capture_secrets *keylogs_secrets(struct keylogs *k);
/* False when there is no store. */
bool keylogs_counts(const struct keylogs *k, struct inventory_keylog *out);
/* Stops following; prints the counts unless quiet (or lines were malformed). */
void keylogs_stop(struct keylogs *k, bool quiet);
void keylogs_free(struct keylogs *k);

#endif
