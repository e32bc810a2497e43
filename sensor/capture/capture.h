/* capture.h — packet sources: capture files (pcap, pcapng, stdin) now,
 * interfaces later. A source yields frames with their link type. */
#ifndef AS_CAPTURE_H
#define AS_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct capture;

struct frame {
	const uint8_t *data;
	uint32_t caplen;
	uint32_t wirelen;
	uint64_t ts_us;
};

/* A source that can wait (stdin, a FIFO: a capture fed by another
 * program): while no byte comes, idle is called on the reading thread every
 * AS_CAPTURE_WAIT_MS with the time waited so far; true ends the input. */
struct capture_wait {
	bool (*idle)(void *user, uint64_t waited_ms);
	void *user;
};

struct capture_secrets;

/* path "-" reads stdin; wait may be NULL; sec, when not NULL, is given the
 * key logs of the pcapng Decryption Secrets Blocks of stdin or a FIFO as
 * they are read (see secrets.h; a regular file's are read before, with
 * capture_file_secrets). On error writes a message naming the file. */
AS_MUST_CHECK int capture_open_file(const char *path, const char *bpf, const struct capture_wait *wait,
				    const struct capture_secrets *sec, struct capture **out, char *err,
				    size_t errsz);
/* 1: a frame, 0: end of input, <0: read error (message in err). */
AS_MUST_CHECK int capture_next(struct capture *c, struct frame *f, char *err, size_t errsz);
int capture_dlt(const struct capture *c);
/* Bytes of the file read so far and its size (0 when unknown), for progress. */
void capture_progress(const struct capture *c, uint64_t *done, uint64_t *total);
void capture_close(struct capture *c);

/* Expands a path: a directory gives its capture files sorted by name.
 * Returns the number of paths appended to *out (caller frees each and the array). */
AS_MUST_CHECK int capture_expand_path(const char *path, char ***out, size_t *n, char *err, size_t errsz);

#endif
