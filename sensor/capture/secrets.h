/* secrets.h — TLS key logs a pcapng file carries in Decryption Secrets
 * Blocks (pcapng §4.7, type 0x0000000A, secrets type 0x544c534b "TLSK":
 * an NSS key log), as `editcap --inject-secrets` writes them. libpcap
 * skips these blocks, so the bytes libpcap reads are walked here as they
 * pass, block by block: a file, a FIFO or stdin alike, and the secrets are
 * known before the packets that follow them are read. */
#ifndef AS_SECRETS_H
#define AS_SECRETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Where a capture's secrets go: text is the key log of one TLSK block;
 * text NULL once, when the blocks cannot be walked past a point (a
 * malformed or cut block: the secrets after it are not read). */
struct capture_secrets {
	void (*add)(void *user, const char *path, const char *text, size_t len);
	void *user;
};

enum pcapng_scan_state { SCAN_START, SCAN_HEADER, SCAN_BODY, SCAN_SKIP, SCAN_OFF, SCAN_BAD };

struct pcapng_scan {
	struct capture_secrets to;
	const char *path;
	enum pcapng_scan_state state;
	uint8_t hdr[12]; /* type, total length, and a section header's byte-order magic */
	size_t have;
	bool swap;	  /* the section is of the other byte order */
	uint64_t left;	  /* bytes of the block still to pass over */
	uint8_t *body;	  /* a DSB being gathered */
	size_t body_have, body_need;
	unsigned blocks; /* TLSK blocks given */
};

void pcapng_scan_init(struct pcapng_scan *s, const struct capture_secrets *to, const char *path);
/* The next bytes of the file, in order. A classic pcap is left alone. */
void pcapng_scan(struct pcapng_scan *s, const uint8_t *p, size_t n);
/* The file ended: AS_OK, or AS_ERR_MALFORMED when it ended inside a block
 * or its blocks were broken (said to `to` once). Frees what it holds. */
int pcapng_scan_end(struct pcapng_scan *s);

/* Walks the blocks of a regular capture file before it is replayed, so
 * its secrets are known before any of its packets. Returns the number of
 * TLSK blocks given to `to`, 0 for a classic pcap, a pipe or what cannot
 * be read (libpcap names that when it opens it), AS_ERR_MALFORMED when the
 * blocks broke (said to `to`). */
int capture_file_secrets(const char *path, const struct capture_secrets *to);

#endif
