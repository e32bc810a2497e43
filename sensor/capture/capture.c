/* capture.c — capture-file input through libpcap (pcap, pcapng, stdin). */
#include "capture.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "limits.h"
#include "secrets.h"

struct capture {
	pcap_t *p;
	int dlt;
	uint64_t size;
	struct reader *r; /* when libpcap reads through one */
	char path[512];
};

/* ---- the stream libpcap reads ----
 * libpcap reads through stdio. A cookie stream puts this reader between:
 * it walks the pcapng blocks as they pass (the secrets libpcap skips, see
 * secrets.h), counts bytes for progress, and for stdin and FIFOs polls,
 * so a quiet pipe calls the idle hook instead of blocking in read(). */

struct reader {
	int fd;
	bool own_fd;
	bool waits; /* not a regular file: poll */
	struct capture_wait wait;
	bool scanning;
	struct pcapng_scan scan;
	uint64_t done;
};

static ssize_t reader_read(void *cookie, char *buf, size_t size)
{
	struct reader *w = cookie;
	uint64_t waited = 0;
	for (;;) {
		if (w->waits) {
			struct pollfd p = {w->fd, POLLIN, 0};
			int r = poll(&p, 1, AS_CAPTURE_WAIT_MS);
			if (r < 0 && errno != EINTR)
				return -1;
			if (r <= 0) {
				waited += r == 0 ? AS_CAPTURE_WAIT_MS : 0;
				if (r == 0 && w->wait.idle(w->wait.user, waited))
					return 0; /* told to stop: end of input */
				continue;
			}
		}
		ssize_t n = read(w->fd, buf, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0) {
			w->done += (uint64_t)n;
			if (w->scanning)
				pcapng_scan(&w->scan, (const uint8_t *)buf, (size_t)n);
		} else if (n == 0 && w->scanning) {
			w->scanning = false;
			(void)pcapng_scan_end(&w->scan); /* said to the secrets' receiver */
		}
		return n;
	}
}

static int reader_close(void *cookie)
{
	struct reader *w = cookie;
	if (w->scanning)
		(void)pcapng_scan_end(&w->scan);
	int r = w->own_fd ? close(w->fd) : 0;
	free(w);
	return r;
}

/* A stdio stream over the path through a reader; NULL when none is needed
 * (a regular file and no secrets wanted) or it cannot be opened so. */
static FILE *open_reader(struct capture *c, const char *path, const struct capture_wait *wait,
			 const struct capture_secrets *sec)
{
	struct stat st;
	bool in = !strcmp(path, "-");
	if ((in ? fstat(STDIN_FILENO, &st) : stat(path, &st)) != 0)
		return NULL;
	/* A regular file's blocks were walked before the replay
	 * (capture_file_secrets): the secrets are all known before any packet,
	 * whatever the workers' pace. A pipe can be read once only: here. */
	bool waits = wait && !S_ISREG(st.st_mode);
	if (!waits)
		return NULL;
	struct reader *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->waits = waits;
	if (wait)
		w->wait = *wait;
	if (sec && waits) {
		w->scanning = true;
		pcapng_scan_init(&w->scan, sec, c->path);
	}
	w->own_fd = !in;
	w->fd = in ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	cookie_io_functions_t io = {.read = reader_read, .close = reader_close};
	FILE *fp = w->fd >= 0 ? fopencookie(w, "r", io) : NULL;
	if (!fp) {
		if (w->own_fd && w->fd >= 0)
			close(w->fd);
		free(w);
		return NULL;
	}
	setvbuf(fp, NULL, _IOFBF, (size_t)256 << 10); /* fewer, larger reads */
	c->r = w;
	return fp;
}

int capture_open_file(const char *path, const char *bpf, const struct capture_wait *wait,
		      const struct capture_secrets *sec, struct capture **out, char *err, size_t errsz)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct capture *c = calloc(1, sizeof *c);
	if (!c)
		return AS_ERR_NOMEM;
	snprintf(c->path, sizeof c->path, "%s", path);
	if (strcmp(path, "-") != 0) {
		struct stat st;
		if (stat(path, &st) != 0) {
			snprintf(err, errsz, "%s: %s", path, strerror(errno));
			free(c);
			return AS_ERR_IO;
		}
		c->size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	}
	FILE *fp = open_reader(c, path, wait, sec);
	if (fp) { /* libpcap owns fp once it accepts it */
		c->p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, perr);
		if (!c->p)
			fclose(fp);
	} else
		c->p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, perr);
	if (!c->p) {
		snprintf(err, errsz, "%s: not a readable pcap/pcapng capture (%s)", path, perr);
		free(c);
		return AS_ERR_IO;
	}
	c->dlt = pcap_datalink(c->p);
	if (bpf && *bpf) {
		struct bpf_program prog;
		if (pcap_compile(c->p, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			snprintf(err, errsz, "filter '%s': %s", bpf, pcap_geterr(c->p));
			capture_close(c);
			return AS_ERR_CONFIG;
		}
		int r = pcap_setfilter(c->p, &prog);
		pcap_freecode(&prog);
		if (r != 0) {
			snprintf(err, errsz, "filter '%s': %s", bpf, pcap_geterr(c->p));
			capture_close(c);
			return AS_ERR_CONFIG;
		}
	}
	*out = c;
	return AS_OK;
}

int capture_next(struct capture *c, struct frame *f, char *err, size_t errsz)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int r = pcap_next_ex(c->p, &h, &data);
	if (r == 1) {
		f->data = data;
		f->caplen = h->caplen;
		f->wirelen = h->len;
		f->ts_us = (uint64_t)h->ts.tv_sec * 1000000 + (uint64_t)h->ts.tv_usec;
		return 1;
	}
	if (r == PCAP_ERROR_BREAK)
		return 0;
	snprintf(err, errsz, "%s: %s", c->path, pcap_geterr(c->p));
	return AS_ERR_IO;
}

int capture_dlt(const struct capture *c)
{
	return c->dlt;
}

void capture_progress(const struct capture *c, uint64_t *done, uint64_t *total)
{
	FILE *fp = c->r ? NULL : pcap_file(c->p);
	long pos = fp ? ftell(fp) : -1;
	*done = c->r ? c->r->done : pos > 0 ? (uint64_t)pos : 0;
	*total = c->size;
}

void capture_close(struct capture *c)
{
	if (!c)
		return;
	if (c->p)
		pcap_close(c->p);
	free(c);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int push(char ***out, size_t *n, const char *s)
{
	char **v = realloc(*out, (*n + 1) * sizeof **out);
	if (!v)
		return AS_ERR_NOMEM;
	*out = v;
	if (!(v[*n] = strdup(s)))
		return AS_ERR_NOMEM;
	(*n)++;
	return AS_OK;
}

static int is_capture_name(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot && (!strcmp(dot, ".pcap") || !strcmp(dot, ".pcapng") || !strcmp(dot, ".cap"));
}

int capture_expand_path(const char *path, char ***out, size_t *n, char *err, size_t errsz)
{
	struct stat st;
	if (strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return push(out, n, path); /* errors surface when opened */
	DIR *d = opendir(path);
	if (!d) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return AS_ERR_IO;
	}
	size_t first = *n;
	struct dirent *e;
	int r = AS_OK;
	while (r == AS_OK && (e = readdir(d))) {
		if (e->d_name[0] == '.' || !is_capture_name(e->d_name))
			continue;
		char full[4096];
		snprintf(full, sizeof full, "%s/%s", path, e->d_name);
		r = push(out, n, full);
	}
	closedir(d);
	if (r == AS_OK && *n == first) {
		snprintf(err, errsz, "%s: directory holds no .pcap, .pcapng or .cap file", path);
		return AS_ERR_IO;
	}
	qsort(*out + first, *n - first, sizeof **out, cmp_str);
	return r;
}
