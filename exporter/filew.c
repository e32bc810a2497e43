/* filew.c — a whole-file output rewritten periodically (the inventory and
 * the audit report while live) by its own thread: the producer posts a
 * document and goes on; the writer renders it when asked to (the report's
 * HTML from the inventory's JSON) and replaces the file atomically
 * (export_file_atomic: temporary file, fsync, rename). A document not yet
 * written is replaced by a newer one. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sink.h"
#include "text.h"

struct filew {
	char path[1024];
	filew_render_fn render; /* NULL: written as posted */
	void *render_user;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *doc; /* pending document, or NULL */
	size_t len;
	bool writing, stop;
	uint64_t written, replaced, failed;
	char error[512];
};

static void *filew_main(void *arg)
{
	struct filew *f = arg;
	pthread_mutex_lock(&f->mu);
	for (;;) {
		while (!f->doc && !f->stop)
			pthread_cond_wait(&f->cv, &f->mu);
		if (!f->doc)
			break;
		char *doc = f->doc;
		size_t len = f->len;
		f->doc = NULL;
		f->writing = true;
		pthread_mutex_unlock(&f->mu);
		char err[512];
		char *out = doc;
		size_t out_len = len;
		int r = f->render ? f->render(f->render_user, doc, len, &out, &out_len, err, sizeof err) : AS_OK;
		if (r == AS_OK)
			r = export_file_atomic(f->path, out, out_len, err, sizeof err);
		if (out != doc) /* render leaves *out alone when it fails */
			free(out);
		free(doc);
		pthread_mutex_lock(&f->mu);
		f->writing = false;
		if (r < 0) {
			f->failed++;
			text_copy(f->error, sizeof f->error, err);
		} else {
			f->written++;
		}
		pthread_cond_broadcast(&f->cv);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

int filew_open(const char *path, struct filew **out, char *err, size_t errsz)
{
	return filew_open_render(path, NULL, NULL, out, err, errsz);
}

int filew_open_render(const char *path, filew_render_fn render, void *user, struct filew **out, char *err,
		      size_t errsz)
{
	struct filew *f = calloc(1, sizeof *f);
	if (!f)
		return AS_ERR_NOMEM;
	text_copy(f->path, sizeof f->path, path);
	f->render = render;
	f->render_user = user;
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	int e = pthread_create(&f->th, NULL, filew_main, f);
	if (e) {
		snprintf(err, errsz, "%s: cannot start its writer thread: %s", path, strerror(e));
		pthread_mutex_destroy(&f->mu);
		pthread_cond_destroy(&f->cv);
		free(f);
		return AS_ERR_LIMIT;
	}
	*out = f;
	return AS_OK;
}

void filew_post(struct filew *f, char *doc, size_t len)
{
	pthread_mutex_lock(&f->mu);
	if (f->doc) {
		free(f->doc);
		f->replaced++;
	}
	f->doc = doc;
	f->len = len;
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

int filew_close(struct filew *f, char *err, size_t errsz)
{
	if (!f)
		return AS_OK;
	pthread_mutex_lock(&f->mu);
	f->stop = true;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->th, NULL);
	int r = f->failed ? AS_ERR_IO : AS_OK;
	if (r < 0)
		snprintf(err, errsz, "%s (%llu of %llu writes failed)", f->error,
			 (unsigned long long)f->failed, (unsigned long long)(f->failed + f->written));
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
	free(f->doc);
	free(f);
	return r;
}
