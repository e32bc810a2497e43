/* keylog.c — the NSS key log reader and its store (see keylog.h). */
#include "keylog.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	pthread_rwlock_t lock; /* over by_random and st */
	struct hmap by_random; /* client random -> struct keylog_entry */
	struct keylog_stats st;
	atomic_bool growing;
	atomic_bool any; /* a secret was kept: read without the lock */
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
	if (!k)
		return NULL;
	if (pthread_rwlock_init(&k->lock, NULL) != 0) {
		free(k);
		return NULL;
	}
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
	pthread_rwlock_destroy(&k->lock);
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
	atomic_store(&k->any, true);
}

void keylog_add_text(struct dissect_keys *k, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		pthread_rwlock_wrlock(&k->lock);
		add_line(k, p, e);
		pthread_rwlock_unlock(&k->lock);
		p = nl ? nl + 1 : end;
	}
}

/* ---- files, read whole or followed as they grow ---- */

struct keylog_file {
	char path[512];
	int fd;
	dev_t dev;
	ino_t ino;
	off_t off;
	bool skipping; /* inside a line longer than carry: counted once, passed over */
	size_t carry_len;
	char carry[1024]; /* a line not yet ended (a writer mid-line) */
};

static int file_open(struct keylog_file *f, char *err, size_t errsz)
{
	struct stat st;
	f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0 || fstat(f->fd, &st) != 0) {
		snprintf(err, errsz, "%s: %s", f->path, strerror(errno));
		if (f->fd >= 0)
			close(f->fd);
		f->fd = -1;
		return AS_ERR_IO;
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->off = 0;
	f->carry_len = 0;
	f->skipping = false;
	return AS_OK;
}

int keylog_file_open(const char *path, struct keylog_file **out, char *err, size_t errsz)
{
	struct keylog_file *f = calloc(1, sizeof *f);
	if (!f) {
		snprintf(err, errsz, "%s: out of memory", path);
		return AS_ERR_NOMEM;
	}
	snprintf(f->path, sizeof f->path, "%s", path);
	int r = file_open(f, err, errsz);
	if (r < 0) {
		free(f);
		return r;
	}
	*out = f;
	return AS_OK;
}

static void count_long_line(struct dissect_keys *k)
{
	pthread_rwlock_wrlock(&k->lock);
	k->st.lines++;
	k->st.malformed++;
	pthread_rwlock_unlock(&k->lock);
}

/* Bytes of the file, cut into lines: whole lines go to the store, the
 * unfinished end waits in carry. */
static void file_take(struct keylog_file *f, struct dissect_keys *k, const char *p, size_t n)
{
	const char *end = p + n;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		if (f->skipping) {
			f->skipping = !nl;
		} else if (f->carry_len + len >= sizeof f->carry) {
			count_long_line(k); /* longer than any key log line */
			f->carry_len = 0;
			f->skipping = !nl;
		} else {
			memcpy(f->carry + f->carry_len, p, len);
			f->carry_len += len;
			if (nl) {
				keylog_add_text(k, f->carry, f->carry_len);
				f->carry_len = 0;
			}
		}
		p = nl ? nl + 1 : end;
	}
}

int keylog_file_read(struct keylog_file *f, struct dissect_keys *k, char *err, size_t errsz)
{
	struct stat st;
	/* Replaced (rotated, written anew) or truncated: read from the start. */
	if (stat(f->path, &st) == 0 && (st.st_dev != f->dev || st.st_ino != f->ino)) {
		close(f->fd);
		if (file_open(f, err, errsz) < 0)
			return AS_ERR_IO;
	} else if (fstat(f->fd, &st) == 0 && st.st_size < f->off) {
		f->off = 0;
		f->carry_len = 0;
		f->skipping = false;
	}
	char buf[65536];
	for (;;) {
		ssize_t n = pread(f->fd, buf, sizeof buf, f->off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errsz, "%s: %s", f->path, strerror(errno));
			return AS_ERR_IO;
		}
		if (n == 0)
			return AS_OK;
		f->off += n;
		file_take(f, k, buf, (size_t)n);
	}
}

void keylog_file_close(struct keylog_file *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	memset(f, 0, sizeof *f); /* a partial line may hold a secret */
	free(f);
}

int keylog_add_file(struct dissect_keys *k, const char *path, char *err, size_t errsz)
{
	struct keylog_file *f;
	int r = keylog_file_open(path, &f, err, errsz);
	if (r < 0)
		return r;
	r = keylog_file_read(f, k, err, errsz);
	if (r == AS_OK && f->carry_len) /* a last line without a newline counts too */
		keylog_add_text(k, f->carry, f->carry_len);
	keylog_file_close(f);
	return r;
}

size_t keylog_find(const struct dissect_keys *k, const uint8_t random[KEYLOG_RANDOM], enum keylog_label label,
		   uint8_t *out)
{
	if (!k || (unsigned)label >= KEYLOG_LABELS || !atomic_load(&k->any))
		return 0;
	struct dissect_keys *w = (struct dissect_keys *)k; /* the lock only */
	pthread_rwlock_rdlock(&w->lock);
	const struct keylog_entry *e = hmap_get(&k->by_random, random, KEYLOG_RANDOM);
	size_t n = e ? e->len[label] : 0;
	if (n)
		memcpy(out, e->secret[label], n);
	pthread_rwlock_unlock(&w->lock);
	return n;
}

void keylog_set_growing(struct dissect_keys *k, bool growing)
{
	atomic_store(&k->growing, growing);
}

bool keylog_growing(const struct dissect_keys *k)
{
	return k && atomic_load(&k->growing);
}

bool keylog_usable(const struct dissect_keys *k)
{
	return k && (atomic_load(&k->any) || atomic_load(&k->growing));
}

void keylog_stats(const struct dissect_keys *k, struct keylog_stats *out)
{
	struct dissect_keys *w = (struct dissect_keys *)k;
	pthread_rwlock_rdlock(&w->lock);
	*out = k->st;
	pthread_rwlock_unlock(&w->lock);
}
