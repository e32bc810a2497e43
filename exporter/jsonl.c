/* jsonl.c — JSON lines outputs (events, contributions) and whole-file
 * writes. A JSON lines output owns its I/O: records are queued in memory
 * and a writer thread writes them, so a slow reader (a pipe to a SIEM
 * shipper, a slow disk) never slows the thread that produced them. With a
 * full queue a lossless output (replay: the input waits anyway) blocks the
 * producer, a lossy one (live capture) drops the record and counts it. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "limits.h"
#include "sink.h"

struct jsonl {
	int fd;
	char path[1024];
	bool is_stdout;
	bool reopen; /* asked to open the file again by name */
	bool lossless;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t has_data, has_room;
	char *buf, *spare; /* the queue; the writer's chunk while it writes */
	size_t len, cap;
	size_t lines; /* records in buf */
	bool writing; /* the writer holds a chunk */
	bool stop;
	struct sink_status st;
};

/* Writes a whole chunk; false with errno on failure. */
static bool write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

static int open_file(const char *path)
{
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

/* The writer's own: the file opened again by name; on failure the old one
 * stays, and the error is kept. */
static void reopen_file(struct jsonl *j)
{
	if (j->is_stdout)
		return;
	int fd = open_file(j->path);
	int e = errno;
	pthread_mutex_lock(&j->mu);
	if (fd < 0 && !j->st.error[0])
		snprintf(j->st.error, sizeof j->st.error, "%s: reopen: %s", j->st.name, strerror(e));
	pthread_mutex_unlock(&j->mu);
	if (fd >= 0) {
		close(j->fd);
		j->fd = fd;
	}
}

static void *writer_main(void *arg)
{
	struct jsonl *j = arg;
	pthread_mutex_lock(&j->mu);
	for (;;) {
		while (!j->len && !j->stop && !j->reopen)
			pthread_cond_wait(&j->has_data, &j->mu);
		if (j->reopen) { /* what is queued goes to the new file */
			j->reopen = false;
			pthread_mutex_unlock(&j->mu);
			reopen_file(j);
			pthread_mutex_lock(&j->mu);
			continue;
		}
		if (!j->len)
			break;
		char *chunk = j->buf;
		size_t n = j->len, lines = j->lines;
		j->buf = j->spare;
		j->spare = NULL;
		j->len = j->lines = 0;
		j->writing = true;
		pthread_cond_broadcast(&j->has_room);
		pthread_mutex_unlock(&j->mu);
		bool ok = write_all(j->fd, chunk, n);
		int e = errno;
		pthread_mutex_lock(&j->mu);
		if (ok) {
			j->st.written += lines;
		} else {
			j->st.lost += lines;
			if (!j->st.error[0])
				snprintf(j->st.error, sizeof j->st.error, "%s: write: %s", j->st.name,
					 strerror(e));
		}
		j->spare = chunk;
		j->writing = false;
		pthread_cond_broadcast(&j->has_room);
	}
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

static int jsonl_record(void *self, const char *json, size_t len)
{
	struct jsonl *j = self;
	int r = AS_OK;
	pthread_mutex_lock(&j->mu);
	if (len + 1 > j->cap) {
		j->st.lost++; /* larger than the whole queue */
		r = AS_ERR_LIMIT;
	} else {
		while (j->lossless && j->len + len + 1 > j->cap)
			pthread_cond_wait(&j->has_room, &j->mu);
		if (j->len + len + 1 > j->cap) {
			j->st.dropped++;
			r = AS_ERR_LIMIT;
		} else {
			memcpy(j->buf + j->len, json, len);
			j->buf[j->len + len] = '\n';
			j->len += len + 1;
			j->lines++;
			pthread_cond_signal(&j->has_data);
		}
	}
	pthread_mutex_unlock(&j->mu);
	return r;
}

static int jsonl_flush(void *self)
{
	struct jsonl *j = self;
	pthread_mutex_lock(&j->mu);
	while (j->len || j->writing)
		pthread_cond_wait(&j->has_room, &j->mu);
	int r = j->st.lost || j->st.dropped ? AS_ERR_IO : AS_OK;
	pthread_mutex_unlock(&j->mu);
	return r;
}

static void jsonl_status(void *self, struct sink_status *out)
{
	struct jsonl *j = self;
	pthread_mutex_lock(&j->mu);
	*out = j->st;
	pthread_mutex_unlock(&j->mu);
}

static void jsonl_close(void *self)
{
	struct jsonl *j = self;
	pthread_mutex_lock(&j->mu);
	j->stop = true;
	pthread_cond_signal(&j->has_data);
	pthread_mutex_unlock(&j->mu);
	pthread_join(j->th, NULL);
	if (!j->is_stdout)
		close(j->fd);
	pthread_mutex_destroy(&j->mu);
	pthread_cond_destroy(&j->has_data);
	pthread_cond_destroy(&j->has_room);
	free(j->buf);
	free(j->spare);
	free(j);
}

static void jsonl_reopen(void *self)
{
	struct jsonl *j = self;
	pthread_mutex_lock(&j->mu);
	j->reopen = true;
	pthread_cond_signal(&j->has_data);
	pthread_mutex_unlock(&j->mu);
}

static const struct sink_ops jsonl_ops = {"jsonl",	jsonl_record, NULL,	   jsonl_flush,
					  jsonl_status, jsonl_close,  jsonl_reopen};
static const struct sink_ops jsonl_contrib_ops = {
    "jsonl-contributions", NULL, jsonl_record, jsonl_flush, jsonl_status, jsonl_close, jsonl_reopen};

int jsonl_open(const char *path, const struct jsonl_options *o, struct sink *out, char *err, size_t errsz)
{
	struct jsonl *j = calloc(1, sizeof *j);
	const char *label = o->kind == JSONL_EVENTS ? "events" : "contributions";
	if (!j)
		return AS_ERR_NOMEM;
	if (strcmp(path, "-"))
		snprintf(j->st.name, sizeof j->st.name, "%s file %s", label, path);
	else
		snprintf(j->st.name, sizeof j->st.name, "%s on stdout", label);
	j->lossless = o->lossless;
	snprintf(j->path, sizeof j->path, "%s", path);
	j->cap = o->queue_bytes ? o->queue_bytes : AS_JSONL_QUEUE_BYTES;
	j->buf = malloc(j->cap);
	j->spare = malloc(j->cap);
	if (!j->buf || !j->spare) {
		free(j->buf);
		free(j->spare);
		free(j);
		return AS_ERR_NOMEM;
	}
	if (strcmp(path, "-") == 0) {
		j->fd = STDOUT_FILENO;
		j->is_stdout = true;
	} else if ((j->fd = open_file(path)) < 0) {
		snprintf(err, errsz, "%s file %s: %s", label, path, strerror(errno));
		free(j->buf);
		free(j->spare);
		free(j);
		return AS_ERR_IO;
	}
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->has_data, NULL);
	pthread_cond_init(&j->has_room, NULL);
	int e = pthread_create(&j->th, NULL, writer_main, j);
	if (e) {
		snprintf(err, errsz, "%s file %s: cannot start its writer thread: %s", label, path,
			 strerror(e));
		j->stop = true;
		if (!j->is_stdout)
			close(j->fd);
		free(j->buf);
		free(j->spare);
		free(j);
		return AS_ERR_LIMIT;
	}
	memset(out, 0, sizeof *out);
	out->ops = o->kind == JSONL_EVENTS ? &jsonl_ops : &jsonl_contrib_ops;
	out->self = j;
	return AS_OK;
}

static void deliver(struct sink *s, int (*op)(void *, const char *, size_t), const char *json, size_t len)
{
	int r = op(s->self, json, len);
	if (r < 0) {
		s->failed++;
		s->last_err = r;
	} else {
		s->written++;
	}
}

void sink_agent(struct sink *sinks, size_t n, const char *json, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (sinks[i].ops->agent)
			deliver(&sinks[i], sinks[i].ops->agent, json, len);
}

void sink_event(struct sink *sinks, size_t n, const char *json, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (sinks[i].ops->event)
			deliver(&sinks[i], sinks[i].ops->event, json, len);
}

void sink_reopen_all(struct sink *sinks, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (sinks[i].ops->reopen)
			sinks[i].ops->reopen(sinks[i].self);
}

void sink_close_all(struct sink *sinks, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sinks[i].ops->close(sinks[i].self);
}

int export_file_atomic(const char *path, const char *data, size_t len, char *err, size_t errsz)
{
	if (strcmp(path, "-") == 0) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
			snprintf(err, errsz, "stdout: %s", strerror(errno));
			return AS_ERR_IO;
		}
		return AS_OK;
	}
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* /dev/null, a FIFO: write in place, never rename over it. */
		FILE *f = fopen(path, "w");
		int ok = f && fwrite(data, 1, len, f) == len;
		if (f)
			ok = (fclose(f) == 0) && ok;
		if (!ok) {
			snprintf(err, errsz, "%s: %s", path, strerror(errno));
			return AS_ERR_IO;
		}
		return AS_OK;
	}
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f) {
		snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
		return AS_ERR_IO;
	}
	int ok = fwrite(data, 1, len, f) == len;
	ok = (fflush(f) == 0) && ok;
	ok = (fsync(fileno(f)) == 0 || errno == EINVAL) && ok;
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp, path) != 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return AS_ERR_IO;
	}
	return AS_OK;
}
