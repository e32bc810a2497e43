/* keylog.c — the NSS key log reader and its store (see keylog.h). */
#include "keylog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"
#include "hmap.h"
#include "limits.h"
#include "tls_crypto.h"

/* The secrets of one connection, by label. */
struct keylog_entry {
	uint8_t len[KEYLOG_LABELS]; /* 0: not in the logs */
	uint8_t secret[KEYLOG_LABELS][TLS_MAX_SECRET];
};

struct dissect_keys {
	struct hmap by_random; /* client random -> struct keylog_entry */
	struct keylog_stats st;
};

static const struct {
	const char *name;
	int label; /* enum keylog_label, or -1: a label this reader has no use for */
} labels[] = {
    {"CLIENT_RANDOM", KEYLOG_MASTER},
    {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", KEYLOG_CLIENT_HANDSHAKE},
    {"SERVER_HANDSHAKE_TRAFFIC_SECRET", KEYLOG_SERVER_HANDSHAKE},
    {"CLIENT_TRAFFIC_SECRET_0", KEYLOG_CLIENT_TRAFFIC},
    {"SERVER_TRAFFIC_SECRET_0", KEYLOG_SERVER_TRAFFIC},
    {"CLIENT_EARLY_TRAFFIC_SECRET", KEYLOG_CLIENT_EARLY},
    {"EXPORTER_SECRET", -1},
    {"EARLY_EXPORTER_SECRET", -1},
    {"RSA", -1},
};

struct dissect_keys *keylog_new(void)
{
	struct dissect_keys *k = calloc(1, sizeof *k);
	if (k)
		hmap_init(&k->by_random);
	return k;
}

void keylog_free(struct dissect_keys *k)
{
	if (!k)
		return;
	for (size_t i = 0; i <= k->by_random.mask && k->by_random.slots; i++)
		if (k->by_random.slots[i].key) {
			/* Secrets do not outlive the store in freed memory. */
			memset(k->by_random.slots[i].val, 0, sizeof(struct keylog_entry));
			free(k->by_random.slots[i].val);
		}
	hmap_free(&k->by_random);
	free(k);
}

/* Exactly `n` bytes of hex in s[0..len); false otherwise. */
static bool unhex(const char *s, size_t len, uint8_t *out, size_t n)
{
	if (len != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = as_hex_digit((unsigned char)s[2 * i]), lo = as_hex_digit((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* The next space-separated field of [*p, end). */
static bool field(const char **p, const char *end, const char **f, size_t *n)
{
	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
	*f = *p;
	while (*p < end && **p != ' ' && **p != '\t')
		(*p)++;
	*n = (size_t)(*p - *f);
	return *n > 0;
}

/* CLIENT_/SERVER_TRAFFIC_SECRET_<N>, N > 0 (OpenSSL 3.0 writes a literal
 * "N"): the secrets after a KeyUpdate, logged too. They follow from
 * generation 0 anyway. */
static bool later_generation(const char *name, size_t n)
{
	static const char c[] = "CLIENT_TRAFFIC_SECRET_", s[] = "SERVER_TRAFFIC_SECRET_";
	size_t p = sizeof c - 1;
	if (n <= p || (memcmp(name, c, p) && memcmp(name, s, p)))
		return false;
	if (n == p + 1 && name[p] == 'N')
		return true;
	for (size_t i = p; i < n; i++)
		if (name[i] < '0' || name[i] > '9')
			return false;
	return !(n == p + 1 && name[p] == '0');
}

static void add_line(struct dissect_keys *k, const char *s, const char *end)
{
	k->st.lines++;
	while (end > s && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	const char *p = s, *name, *rnd, *sec, *extra;
	size_t nn, rn, sn, en;
	if (p == end || *p == '#')
		return;
	if (!field(&p, end, &name, &nn) || !field(&p, end, &rnd, &rn) || !field(&p, end, &sec, &sn) ||
	    field(&p, end, &extra, &en)) {
		k->st.malformed++;
		return;
	}
	int label = -2;
	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
		if (strlen(labels[i].name) == nn && !memcmp(labels[i].name, name, nn))
			label = labels[i].label;
	if (label == -2 && later_generation(name, nn))
		label = -1;
	uint8_t random[KEYLOG_RANDOM], secret[TLS_MAX_SECRET];
	size_t slen = sn / 2;
	bool sized = label == KEYLOG_MASTER ? slen == 48 : (slen == 32 || slen == 48);
	if (label == -2 || (label >= 0 && (!unhex(rnd, rn, random, sizeof random) || !sized ||
					   !unhex(sec, sn, secret, slen)))) {
		k->st.malformed++;
		return;
	}
	if (label < 0) {
		k->st.ignored++;
		return;
	}
	struct keylog_entry *e =
	    hmap_get_or_new(&k->by_random, random, sizeof random, sizeof *e, AS_KEYLOG_MAX_CONNECTIONS, NULL);
	if (!e) {
		k->st.malformed++; /* the store is full: a secret not kept */
		return;
	}
	if (!e->len[label])
		k->st.secrets++;
	memcpy(e->secret[label], secret, slen);
	e->len[label] = (uint8_t)slen;
	memset(secret, 0, sizeof secret);
}

void keylog_add_text(struct dissect_keys *k, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		add_line(k, p, e);
		p = nl ? nl + 1 : end;
	}
}

int keylog_add_file(struct dissect_keys *k, const char *path, char *err, size_t errsz)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return AS_ERR_IO;
	}
	char line[1024];
	/* A line longer than the buffer is no key log line: count it once. */
	while (fgets(line, sizeof line, f)) {
		size_t n = strlen(line);
		if (n == sizeof line - 1 && line[n - 1] != '\n') {
			k->st.lines++;
			k->st.malformed++;
			int c;
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		keylog_add_text(k, line, n);
	}
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		snprintf(err, errsz, "%s: read error", path);
		return AS_ERR_IO;
	}
	return AS_OK;
}

const uint8_t *keylog_find(const struct dissect_keys *k, const uint8_t random[KEYLOG_RANDOM],
			   enum keylog_label label, size_t *len)
{
	const struct keylog_entry *e = k ? hmap_get(&k->by_random, random, KEYLOG_RANDOM) : NULL;
	if (!e || (unsigned)label >= KEYLOG_LABELS || !e->len[label])
		return NULL;
	*len = e->len[label];
	return e->secret[label];
}

const struct keylog_stats *keylog_stats(const struct dissect_keys *k)
{
	return &k->st;
}
