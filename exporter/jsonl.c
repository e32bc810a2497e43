/* jsonl.c — JSON lines exporter and whole-file writes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sink.h"

struct jsonl {
	FILE *f;
	int is_stdout;
};

static int jsonl_event(void *self, const char *json, size_t len)
{
	struct jsonl *j = self;
	if (fwrite(json, 1, len, j->f) != len || fputc('\n', j->f) == EOF)
		return AS_ERR_IO;
	return AS_OK;
}

static int jsonl_flush(void *self)
{
	struct jsonl *j = self;
	return fflush(j->f) == 0 ? AS_OK : AS_ERR_IO;
}

static void jsonl_close(void *self)
{
	struct jsonl *j = self;
	if (j->is_stdout)
		fflush(j->f);
	else
		fclose(j->f);
	free(j);
}

static const struct sink_ops jsonl_ops = {"jsonl", jsonl_event, NULL, jsonl_flush, jsonl_close};
static const struct sink_ops jsonl_contrib_ops = {"jsonl-contributions", NULL, jsonl_event, jsonl_flush, jsonl_close};

int jsonl_open(const char *path, enum jsonl_kind kind, struct sink *out, char *err, size_t errsz)
{
	struct jsonl *j = calloc(1, sizeof *j);
	if (!j)
		return AS_ERR_NOMEM;
	if (strcmp(path, "-") == 0) {
		j->f = stdout;
		j->is_stdout = 1;
	} else if (!(j->f = fopen(path, "w"))) {
		snprintf(err, errsz, "%s file %s: %s", kind == JSONL_EVENTS ? "events" : "contributions", path,
			 strerror(errno));
		free(j);
		return AS_ERR_IO;
	}
	memset(out, 0, sizeof *out);
	out->ops = kind == JSONL_EVENTS ? &jsonl_ops : &jsonl_contrib_ops;
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
