/* keylogs.c — the run's TLS secrets (see keylogs.h). */
#include "keylogs.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keylog.h"
#include "limits.h"

struct keylogs {
	struct dissect_keys *keys;
	struct capture_secrets to;
	_Atomic uint64_t blocks, blocks_malformed;
	/* following, while live */
	struct keylog_file **files;
	size_t n_files;
	pthread_t thread;
	bool following;
	atomic_bool stop;
	bool io_said; /* a followed file that could not be read was said once */
};

/* A capture file's block: its key log, or NULL when its blocks broke. */
static void on_block(void *user, const char *path, const char *text, size_t len)
{
	struct keylogs *k = user;
	if (!text) {
		atomic_fetch_add(&k->blocks_malformed, 1);
		fprintf(stderr,
			"aisensor: %s: malformed pcapng block: decryption secrets past it are not read\n",
			path);
		return;
	}
	atomic_fetch_add(&k->blocks, 1);
	keylog_add_text(k->keys, text, len);
}

static void *follow(void *arg)
{
	struct keylogs *k = arg;
	struct timespec nap = {0, AS_KEYLOG_POLL_MS * 1000000L};
	while (!atomic_load(&k->stop)) {
		nanosleep(&nap, NULL);
		for (size_t i = 0; i < k->n_files; i++) {
			char err[600];
			if (keylog_file_read(k->files[i], k->keys, err, sizeof err) < 0 && !k->io_said) {
				k->io_said = true; /* said once; tried again at each look */
				fprintf(stderr, "aisensor: key log %s\n", err);
			}
		}
	}
	return NULL;
}

int keylogs_start(char *const *paths, size_t n, char *const *inputs, size_t n_inputs, bool live,
		  struct keylogs **out)
{
	struct keylogs *k = calloc(1, sizeof *k);
	if (!k || !(k->keys = keylog_new()) || !(k->files = calloc(n + 1, sizeof *k->files))) {
		fprintf(stderr, "aisensor: out of memory\n");
		keylogs_free(k);
		return AS_ERR_NOMEM;
	}
	k->to = (struct capture_secrets){on_block, k};
	for (size_t i = 0; i < n; i++) {
		char err[600];
		int r = keylog_file_open(paths[i], &k->files[i], err, sizeof err);
		if (r == AS_OK) {
			k->n_files++;
			r = keylog_file_read(k->files[i], k->keys, err, sizeof err);
		}
		if (r < 0) {
			fprintf(stderr, "aisensor: key log %s\n", err);
			keylogs_free(k);
			return r;
		}
	}
	for (size_t i = 0; i < n_inputs; i++)
		(void)capture_file_secrets(inputs[i], &k->to); /* a broken one is said by on_block */
	if (live && n) {
		keylog_set_growing(k->keys, true);
		if (pthread_create(&k->thread, NULL, follow, k) != 0) {
			fprintf(stderr, "aisensor: key logs: cannot start the thread that follows them\n");
			keylogs_free(k);
			return AS_ERR_NOMEM;
		}
		k->following = true;
	}
	*out = k;
	return AS_OK;
}

const struct dissect_keys *keylogs_store(const struct keylogs *k)
{
	return k ? k->keys : NULL;
}

const struct capture_secrets *keylogs_secrets(struct keylogs *k)
{
	return k ? &k->to : NULL;
}

bool keylogs_counts(const struct keylogs *k, struct inventory_keylog *out)
{
	memset(out, 0, sizeof *out);
	if (!k)
		return false;
	struct keylog_stats st;
	keylog_stats(k->keys, &st);
	out->secrets = st.secrets;
	out->lines = st.lines;
	out->malformed = st.malformed;
	out->blocks = atomic_load(&((struct keylogs *)k)->blocks);
	out->blocks_malformed = atomic_load(&((struct keylogs *)k)->blocks_malformed);
	return true;
}

static void stop_following(struct keylogs *k)
{
	if (k->following) {
		atomic_store(&k->stop, true);
		pthread_join(k->thread, NULL);
		k->following = false;
	}
}

void keylogs_stop(struct keylogs *k, bool quiet)
{
	if (!k)
		return;
	stop_following(k);
	struct inventory_keylog c;
	keylogs_counts(k, &c);
	if ((!quiet && (k->n_files || c.blocks)) || c.malformed)
		fprintf(stderr,
			"aisensor: key logs: %llu secrets (%llu decryption secrets blocks), %llu malformed "
			"lines of %llu\n",
			(unsigned long long)c.secrets, (unsigned long long)c.blocks,
			(unsigned long long)c.malformed, (unsigned long long)c.lines);
}

void keylogs_free(struct keylogs *k)
{
	if (!k)
		return;
	stop_following(k);
	for (size_t i = 0; k->files && i < k->n_files; i++)
		keylog_file_close(k->files[i]);
	free(k->files);
	keylog_free(k->keys);
	free(k);
}
