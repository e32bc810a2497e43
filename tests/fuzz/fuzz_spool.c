/* fuzz_spool.c — the spool segment reader on arbitrary bytes: the parser
 * over a buffer, and a whole spool directory holding the bytes as a
 * segment (damaged files must never crash or loop). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool.h"

static void check_parser(const uint8_t *data, size_t size)
{
	size_t off = 0;
	for (;;) {
		struct spool_rec rec;
		size_t next;
		enum spool_parse p = spool_parse(data, size, off, &rec, &next);
		if (p == SPOOL_PARSE_END)
			break;
		if (next <= off || next > size)
			abort(); /* no progress or out of bounds */
		if (p == SPOOL_PARSE_RECORD &&
		    (rec.data < data || rec.data + rec.len > data + size || rec.type == 0))
			abort();
		off = next;
	}
}

static char dir[64];

static int remove_dir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd);
}

static void remove_dir_at_exit(void)
{
	(void)remove_dir();
}

static void check_spool(const uint8_t *data, size_t size)
{
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/as-fuzz-spool-%ld", (long)getpid());
		atexit(remove_dir_at_exit); /* no directory left behind per run */
	}
	char path[128];
	if (remove_dir() != 0)
		return;
	struct spool_config c = {dir, 1 << 20, 4096, SPOOL_FSYNC_NONE};
	struct spool *s = NULL;
	char err[256];
	/* create the directory, then put the bytes in as the only segment */
	if (spool_open(&c, &s, err, sizeof err) < 0)
		return;
	spool_close(s);
	snprintf(path, sizeof path, "%s/seg-0000000000000001.spool", dir);
	FILE *f = fopen(path, "wb");
	if (!f)
		return;
	fwrite(SPOOL_SEG_MAGIC, 1, SPOOL_SEG_HEADER, f);
	fwrite(data, 1, size, f);
	fclose(f);
	if (spool_open(&c, &s, err, sizeof err) < 0)
		return;
	uint8_t type;
	const uint8_t *p;
	size_t len;
	size_t n = 0;
	while (spool_next(s, &type, &p, &len) == AS_OK && n < 100000)
		n++;
	if (spool_ack(s) != AS_OK)
		abort(); /* removing read segments of a private directory cannot fail */
	if (spool_append(s, 1, "x", 1) != AS_OK || spool_next(s, &type, &p, &len) != AS_OK || len != 1)
		abort(); /* appends after damage are read back */
	spool_close(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_parser(data, size);
	check_spool(data, size);
	return 0;
}
