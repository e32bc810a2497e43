/* spool.c — the exporter's on-disk FIFO: append-only segment files of
 * CRC-framed records, replayed in order, deleted once acknowledged.
 *
 * Directory layout:
 *   seg-<16 hex digits>.spool  segments, read in sequence order; each opens
 *                              with SPOOL_SEG_MAGIC, then records
 *   head                       the acknowledged position (segment, offset)
 *                              with a CRC; lost or torn, reading restarts at
 *                              the oldest segment's start (a harmless replay:
 *                              the Redis writes are idempotent)
 *   lock                       flock()ed while a process owns the spool
 *
 * A record is 20 header bytes (magic, length, type, 3 zero bytes, CRC32 of
 * length+type+zeros, CRC32 of the payload) and the payload. The header CRC
 * lets the reader resynchronise after damage: it scans for the next magic
 * whose header and payload both check out. A crash mid-write leaves an
 * incomplete record at a segment's end; it is counted and skipped. A new
 * process never appends to an old segment: it starts a new one.
 *
 * Durability (enum spool_fsync): BATCH (default) fdatasyncs when the owner
 * calls spool_sync() after a batch of appends and fsyncs the directory when
 * a segment is created; ALWAYS syncs each record; NONE leaves it to the
 * kernel. Acknowledgements are written to `head` without fsync: after a
 * crash, at worst some delivered records are delivered again. */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* CRC32 (IEEE 802.3) of the records is zlib's: its table is built at
 * compile time, so concurrent spools share nothing mutable. */
static uint32_t rec_crc(const void *data, size_t len)
{
	return (uint32_t)crc32(0, data, (uInt)len);
}

/* ---- framing and parsing ---- */

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Reads 4 bytes at off of a buffer of `len`; false past the end. */
static bool get_u32(const uint8_t *buf, size_t len, size_t off, uint32_t *v)
{
	if (off > len || len - off < 4)
		return false;
	const uint8_t *p = buf + off;
	*v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	return true;
}

void spool_frame(uint8_t type, const void *data, size_t len, uint8_t out[SPOOL_REC_HEADER])
{
	memset(out, 0, SPOOL_REC_HEADER);
	put_u32(out, SPOOL_REC_MAGIC);
	put_u32(out + 4, (uint32_t)len);
	out[8] = type;
	put_u32(out + 12, rec_crc(out + 4, 8));
	put_u32(out + 16, rec_crc(data, len));
}

enum hdr_check { HDR_BAD, HDR_SHORT, HDR_OK };

/* Checks the header at off; HDR_SHORT when a valid header announces more
 * bytes than the buffer holds. */
static enum hdr_check check_header(const uint8_t *buf, size_t len, size_t off, uint32_t *plen)
{
	uint32_t magic, hcrc;
	if (!get_u32(buf, len, off, &magic) || magic != SPOOL_REC_MAGIC)
		return HDR_BAD;
	if (len - off < SPOOL_REC_HEADER)
		return HDR_SHORT;
	if (!get_u32(buf, len, off + 4, plen) || !get_u32(buf, len, off + 12, &hcrc))
		return HDR_BAD;
	if (rec_crc(buf + off + 4, 8) != hcrc || *plen > SPOOL_MAX_PAYLOAD)
		return HDR_BAD;
	if (buf[off + 9] || buf[off + 10] || buf[off + 11] || buf[off + 8] == 0)
		return HDR_BAD;
	if (len - off - SPOOL_REC_HEADER < *plen)
		return HDR_SHORT;
	return HDR_OK;
}

static bool record_ok(const uint8_t *buf, size_t len, size_t off, uint32_t *plen)
{
	uint32_t pcrc;
	if (check_header(buf, len, off, plen) != HDR_OK || !get_u32(buf, len, off + 16, &pcrc))
		return false;
	return rec_crc(buf + off + SPOOL_REC_HEADER, *plen) == pcrc;
}

enum spool_parse spool_parse(const uint8_t *buf, size_t len, size_t off, struct spool_rec *rec, size_t *next)
{
	memset(rec, 0, sizeof *rec);
	if (off >= len) {
		*next = len;
		return SPOOL_PARSE_END;
	}
	uint32_t plen = 0;
	enum hdr_check h = check_header(buf, len, off, &plen);
	if (h == HDR_OK && record_ok(buf, len, off, &plen)) {
		rec->type = buf[off + 8];
		rec->data = buf + off + SPOOL_REC_HEADER;
		rec->len = plen;
		*next = off + SPOOL_REC_HEADER + plen;
		return SPOOL_PARSE_RECORD;
	}
	/* Damage or a cut: look for the next record that checks out. */
	for (size_t p = off + 1; p + SPOOL_REC_HEADER <= len; p++) {
		uint32_t l2;
		if (buf[p] == (SPOOL_REC_MAGIC & 0xff) && record_ok(buf, len, p, &l2)) {
			*next = p;
			return SPOOL_PARSE_CORRUPT;
		}
	}
	*next = len;
	/* Nothing valid follows: an incomplete last record (a magic, possibly
	 * a sound header, and too few bytes) is a crash mid-write. */
	if (h == HDR_SHORT || (len - off < SPOOL_REC_HEADER && check_header(buf, len, off, &plen) != HDR_BAD))
		return SPOOL_PARSE_TRUNCATED;
	if (len - off < 4) {
		uint8_t m[4];
		put_u32(m, SPOOL_REC_MAGIC);
		if (memcmp(buf + off, m, len - off) == 0)
			return SPOOL_PARSE_TRUNCATED;
	}
	return SPOOL_PARSE_CORRUPT;
}

/* ---- the spool ---- */

struct spool {
	char *dir;
	int lock_fd, head_fd;
	uint64_t max_bytes, segment_bytes;
	enum spool_fsync fsync_policy;
	/* segments on disk, ascending */
	struct seg {
		uint64_t seq, size;
	} *segs;
	size_t n_segs, cap_segs;
	/* writer: appends go to segs[n_segs-1] when w_fd >= 0 */
	int w_fd;
	uint64_t w_seq, next_seq;
	bool w_dirty;
	/* reader: segs[r_idx] loaded into rbuf; r_off into it */
	size_t r_idx;
	uint64_t r_off;
	uint8_t *rbuf;
	size_t rbuf_len, rbuf_cap;
	uint64_t rbuf_seq;
	bool rbuf_valid;
	uint64_t r_count; /* records read since the last ack */
	/* ack cursor */
	size_t a_idx;
	uint64_t a_off;
	/* damage is counted once: a rewind re-reads it without counting again */
	uint64_t dmg_seq, dmg_off;
	struct spool_stats st;
};

static void seg_path(const struct spool *s, uint64_t seq, char *out, size_t n)
{
	snprintf(out, n, "%s/seg-%016" PRIx64 ".spool", s->dir, seq);
}

static int seg_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct seg *)a)->seq, y = ((const struct seg *)b)->seq;
	return x < y ? -1 : x > y;
}

static int segs_push(struct spool *s, uint64_t seq, uint64_t size)
{
	if (s->n_segs == s->cap_segs) {
		size_t nc = s->cap_segs ? s->cap_segs * 2 : 16;
		struct seg *a = realloc(s->segs, nc * sizeof *a);
		if (!a)
			return AS_ERR_NOMEM;
		s->segs = a;
		s->cap_segs = nc;
	}
	s->segs[s->n_segs++] = (struct seg){seq, size};
	return AS_OK;
}

/* Forgets the first k segments (their files are gone). */
static void segs_drop_front(struct spool *s, size_t k)
{
	if (k)
		memmove(s->segs, s->segs + k, (s->n_segs - k) * sizeof *s->segs);
	s->n_segs -= k;
}

/* Reads [from, to) of fd into buf at the same offsets; returns the end of
 * what was read (short on EOF or error). */
static size_t pread_all(int fd, uint8_t *buf, size_t from, size_t to)
{
	while (from < to) {
		ssize_t r = pread(fd, buf + from, to - from, (off_t)from);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		from += (size_t)r;
	}
	return from;
}

/* Reads a whole file (segments are bounded by segment_bytes + one record). */
static int read_file(const char *path, uint8_t **buf, size_t *len, size_t *cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return AS_ERR_IO;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return AS_ERR_IO;
	}
	size_t want = (size_t)st.st_size;
	if (want + 1 > *cap) {
		uint8_t *nb = realloc(*buf, want + 1);
		if (!nb) {
			close(fd);
			return AS_ERR_NOMEM;
		}
		*buf = nb;
		*cap = want + 1;
	}
	*len = pread_all(fd, *buf, 0, want);
	close(fd);
	return AS_OK;
}

static void write_head(struct spool *s)
{
	if (s->head_fd < 0)
		return;
	uint8_t b[20];
	uint64_t seq = s->a_idx < s->n_segs ? s->segs[s->a_idx].seq : s->next_seq;
	for (int i = 0; i < 8; i++) {
		b[i] = (uint8_t)(seq >> (8 * i));
		b[8 + i] = (uint8_t)(s->a_off >> (8 * i));
	}
	put_u32(b + 16, rec_crc(b, 16));
	if (pwrite(s->head_fd, b, sizeof b, 0) != (ssize_t)sizeof b)
		s->st.io_errors++;
	else if (s->fsync_policy == SPOOL_FSYNC_ALWAYS)
		fdatasync(s->head_fd);
}

static bool read_head(struct spool *s, uint64_t *seq, uint64_t *off)
{
	uint8_t b[20];
	uint32_t crc;
	if (pread(s->head_fd, b, sizeof b, 0) != (ssize_t)sizeof b || !get_u32(b, sizeof b, 16, &crc) ||
	    rec_crc(b, 16) != crc)
		return false;
	*seq = *off = 0;
	for (int i = 7; i >= 0; i--) {
		*seq = *seq << 8 | b[i];
		*off = *off << 8 | b[8 + i];
	}
	return true;
}

static void sync_dir(struct spool *s)
{
	int fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Counts the valid records of a segment from `off` (the open-time scan). */
static uint64_t count_records(const uint8_t *buf, size_t len, size_t off)
{
	uint64_t n = 0;
	for (;;) {
		struct spool_rec rec;
		size_t next;
		enum spool_parse p = spool_parse(buf, len, off, &rec, &next);
		if (p == SPOOL_PARSE_END || next <= off)
			break;
		if (p == SPOOL_PARSE_RECORD)
			n++;
		off = next;
	}
	return n;
}

int spool_open(const struct spool_config *cfg, struct spool **out, char *err, size_t errsz)
{
	*out = NULL;
	if (!cfg->dir || !cfg->dir[0]) {
		snprintf(err, errsz, "spool: no directory given");
		return AS_ERR_CONFIG;
	}
	if (mkdir(cfg->dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errsz, "spool %s: %s", cfg->dir, strerror(errno));
		return AS_ERR_IO;
	}
	struct spool *s = calloc(1, sizeof *s);
	if (!s || !(s->dir = strdup(cfg->dir))) {
		free(s);
		return AS_ERR_NOMEM;
	}
	s->lock_fd = s->head_fd = s->w_fd = -1;
	s->max_bytes = cfg->max_bytes ? cfg->max_bytes : AS_SPOOL_MAX_BYTES;
	s->segment_bytes = cfg->segment_bytes ? cfg->segment_bytes : AS_SPOOL_SEGMENT_BYTES;
	s->fsync_policy = cfg->fsync;
	char path[4096];
	snprintf(path, sizeof path, "%s/lock", s->dir);
	s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lock_fd < 0 || flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		snprintf(err, errsz, "spool %s: %s", s->dir,
			 errno == EWOULDBLOCK ? "in use by another process" : strerror(errno));
		spool_close(s);
		return AS_ERR_IO;
	}
	snprintf(path, sizeof path, "%s/head", s->dir);
	s->head_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->head_fd < 0) {
		snprintf(err, errsz, "spool %s/head: %s", s->dir, strerror(errno));
		spool_close(s);
		return AS_ERR_IO;
	}
	DIR *d = opendir(s->dir);
	if (!d) {
		snprintf(err, errsz, "spool %s: %s", s->dir, strerror(errno));
		spool_close(s);
		return AS_ERR_IO;
	}
	struct dirent *de;
	int rc = AS_OK;
	while ((de = readdir(d)) && rc == AS_OK) {
		uint64_t seq;
		char tail[16];
		if (strlen(de->d_name) != 26 || sscanf(de->d_name, "seg-%16" SCNx64 ".%7s", &seq, tail) != 2 ||
		    strcmp(tail, "spool") != 0)
			continue;
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", s->dir, de->d_name);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		rc = segs_push(s, seq, (uint64_t)st.st_size);
	}
	closedir(d);
	if (rc < 0) {
		spool_close(s);
		return rc;
	}
	if (s->n_segs > 1)
		qsort(s->segs, s->n_segs, sizeof *s->segs, seg_cmp);
	s->next_seq = s->n_segs ? s->segs[s->n_segs - 1].seq + 1 : 1;
	/* The acknowledged position: older segments are leftovers of a crash
	 * between ack and unlink. */
	uint64_t hseq, hoff;
	s->a_idx = 0;
	s->a_off = SPOOL_SEG_HEADER;
	if (read_head(s, &hseq, &hoff))
		for (size_t i = 0; i < s->n_segs; i++)
			if (s->segs[i].seq == hseq) {
				s->a_idx = i;
				s->a_off = hoff >= SPOOL_SEG_HEADER && hoff <= s->segs[i].size ? hoff : SPOOL_SEG_HEADER;
				break;
			}
	for (size_t i = 0; i < s->a_idx; i++) {
		seg_path(s, s->segs[i].seq, path, sizeof path);
		unlink(path);
	}
	segs_drop_front(s, s->a_idx);
	s->a_idx = 0;
	for (size_t i = 0; i < s->n_segs; i++) {
		s->st.bytes += s->segs[i].size;
		seg_path(s, s->segs[i].seq, path, sizeof path);
		if (read_file(path, &s->rbuf, &s->rbuf_len, &s->rbuf_cap) == AS_OK)
			s->st.pending += count_records(s->rbuf, s->rbuf_len, i == 0 ? s->a_off : SPOOL_SEG_HEADER);
	}
	if (s->st.pending == 0) {
		/* Nothing valid left (damaged leftovers): start clean. */
		for (size_t i = 0; i < s->n_segs; i++) {
			seg_path(s, s->segs[i].seq, path, sizeof path);
			unlink(path);
		}
		s->n_segs = 0;
		s->st.bytes = 0;
		s->a_off = SPOOL_SEG_HEADER;
	}
	s->st.segments = s->n_segs;
	s->r_idx = s->a_idx;
	s->r_off = s->a_off;
	s->rbuf_valid = false;
	*out = s;
	return AS_OK;
}

void spool_close(struct spool *s)
{
	if (!s)
		return;
	if (s->w_fd >= 0) {
		if (s->fsync_policy != SPOOL_FSYNC_NONE && s->w_dirty)
			fdatasync(s->w_fd);
		close(s->w_fd);
	}
	if (s->head_fd >= 0)
		close(s->head_fd);
	if (s->lock_fd >= 0)
		close(s->lock_fd); /* releases the flock */
	free(s->segs);
	free(s->rbuf);
	free(s->dir);
	free(s);
}

static int open_write_segment(struct spool *s)
{
	char path[4096];
	uint64_t seq = s->next_seq;
	seg_path(s, seq, path, sizeof path);
	/* read-write: the reader catching up with the writer reads the new
	 * tail through this descriptor (load_read_segment) */
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return AS_ERR_IO;
	if (write(fd, SPOOL_SEG_MAGIC, SPOOL_SEG_HEADER) != SPOOL_SEG_HEADER || segs_push(s, seq, SPOOL_SEG_HEADER) < 0) {
		close(fd);
		unlink(path);
		return AS_ERR_IO;
	}
	if (s->fsync_policy != SPOOL_FSYNC_NONE)
		sync_dir(s);
	s->next_seq = seq + 1;
	s->w_fd = fd;
	s->w_seq = seq;
	s->st.bytes += SPOOL_SEG_HEADER;
	s->st.segments = s->n_segs;
	return AS_OK;
}

static void close_write_segment(struct spool *s)
{
	if (s->w_fd < 0)
		return;
	if (s->fsync_policy != SPOOL_FSYNC_NONE && s->w_dirty)
		fdatasync(s->w_fd);
	close(s->w_fd);
	s->w_fd = -1;
	s->w_dirty = false;
}

int spool_append(struct spool *s, uint8_t type, const void *data, size_t len)
{
	if (len > SPOOL_MAX_PAYLOAD || type == 0)
		return AS_ERR_LIMIT;
	uint64_t need = SPOOL_REC_HEADER + len;
	if (s->st.bytes + need + (s->w_fd < 0 ? SPOOL_SEG_HEADER : 0) > s->max_bytes) {
		s->st.full++;
		return AS_ERR_LIMIT;
	}
	if (s->w_fd >= 0 && s->segs[s->n_segs - 1].size >= s->segment_bytes)
		close_write_segment(s);
	if (s->w_fd < 0) {
		int r = open_write_segment(s);
		if (r < 0) {
			s->st.io_errors++;
			return r;
		}
	}
	uint8_t hdr[SPOOL_REC_HEADER];
	spool_frame(type, data, len, hdr);
	struct iovec_like {
		const void *p;
		size_t n;
	} parts[2] = {{hdr, sizeof hdr}, {data, len}};
	uint64_t before = s->segs[s->n_segs - 1].size;
	for (int i = 0; i < 2; i++) {
		const uint8_t *p = parts[i].p;
		size_t n = parts[i].n;
		while (n) {
			ssize_t w = write(s->w_fd, p, n);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				/* Never leave half a record behind. */
				if (ftruncate(s->w_fd, (off_t)before) < 0)
					close_write_segment(s); /* the reader will count a cut tail */
				s->st.io_errors++;
				return AS_ERR_IO;
			}
			p += w;
			n -= (size_t)w;
		}
	}
	s->segs[s->n_segs - 1].size += need;
	s->st.bytes += need;
	s->st.pending++;
	s->st.appended++;
	s->w_dirty = true;
	if (s->fsync_policy == SPOOL_FSYNC_ALWAYS) {
		fdatasync(s->w_fd);
		s->w_dirty = false;
	}
	return AS_OK;
}

int spool_sync(struct spool *s)
{
	if (s->w_fd < 0 || !s->w_dirty || s->fsync_policy == SPOOL_FSYNC_NONE)
		return AS_OK;
	s->w_dirty = false;
	return fdatasync(s->w_fd) == 0 ? AS_OK : AS_ERR_IO;
}

/* Counts damage at the read cursor unless an earlier pass counted it. */
static void count_damage(struct spool *s, uint64_t *counter)
{
	uint64_t seq = s->segs[s->r_idx].seq;
	if (seq < s->dmg_seq || (seq == s->dmg_seq && s->r_off < s->dmg_off))
		return;
	(*counter)++;
	s->dmg_seq = seq;
	s->dmg_off = s->r_off + 1;
}

/* Loads segs[r_idx]; when the writer has appended to it since, only the
 * new tail is read, through the writer's descriptor. */
static int load_read_segment(struct spool *s)
{
	uint64_t want = s->segs[s->r_idx].size;
	if (s->rbuf_valid && s->rbuf_seq == s->segs[s->r_idx].seq && s->rbuf_len >= want)
		return AS_OK;
	int r = AS_OK;
	if (s->rbuf_valid && s->rbuf_seq == s->segs[s->r_idx].seq && s->w_fd >= 0 &&
	    s->segs[s->r_idx].seq == s->w_seq) {
		if (want > s->rbuf_cap) {
			size_t nc = (size_t)want + (size_t)want / 2;
			uint8_t *nb = realloc(s->rbuf, nc);
			if (!nb)
				return AS_ERR_NOMEM;
			s->rbuf = nb;
			s->rbuf_cap = nc;
		}
		s->rbuf_len = pread_all(s->w_fd, s->rbuf, s->rbuf_len, (size_t)want);
	} else {
		char path[4096];
		seg_path(s, s->segs[s->r_idx].seq, path, sizeof path);
		r = read_file(path, &s->rbuf, &s->rbuf_len, &s->rbuf_cap);
		if (r < 0)
			s->rbuf_len = 0;
	}
	if (r < 0)
		s->st.io_errors++;
	s->rbuf_seq = s->segs[s->r_idx].seq;
	s->rbuf_valid = true;
	if (s->r_off < SPOOL_SEG_HEADER) {
		if (s->rbuf_len < SPOOL_SEG_HEADER || memcmp(s->rbuf, SPOOL_SEG_MAGIC, SPOOL_SEG_HEADER) != 0)
			count_damage(s, &s->st.corrupt); /* the parser still resynchronises on records */
		s->r_off = SPOOL_SEG_HEADER;
	}
	return r;
}

int spool_next(struct spool *s, uint8_t *type, const uint8_t **data, size_t *len)
{
	while (s->r_idx < s->n_segs) {
		(void)load_read_segment(s);
		struct spool_rec rec;
		size_t next;
		enum spool_parse p = spool_parse(s->rbuf, s->rbuf_len, (size_t)s->r_off, &rec, &next);
		if (p == SPOOL_PARSE_RECORD) {
			s->r_off = next;
			s->r_count++;
			*type = rec.type;
			*data = rec.data;
			*len = rec.len;
			return AS_OK;
		}
		if (p == SPOOL_PARSE_CORRUPT) {
			count_damage(s, &s->st.corrupt);
			s->r_off = next;
			continue;
		}
		if (p == SPOOL_PARSE_TRUNCATED) {
			count_damage(s, &s->st.truncated);
			s->r_off = next;
		}
		/* End of this segment: the write segment may grow later. */
		if (s->r_idx + 1 == s->n_segs && s->w_fd >= 0)
			return AS_ERR_NOTFOUND;
		s->r_idx++;
		s->r_off = 0;
	}
	return AS_ERR_NOTFOUND;
}

void spool_rewind(struct spool *s)
{
	s->r_idx = s->a_idx;
	s->r_off = s->a_off;
	s->r_count = 0;
}

int spool_ack(struct spool *s)
{
	char path[4096];
	int rc = AS_OK;
	s->st.acked += s->r_count;
	s->st.pending = s->st.pending > s->r_count ? s->st.pending - s->r_count : 0;
	s->r_count = 0;
	/* Segments behind the read cursor are done; so is the last one when
	 * it was read to its end (the writer then starts a new one). */
	size_t done = s->r_idx < s->n_segs ? s->r_idx : s->n_segs;
	if (s->n_segs && (s->r_idx >= s->n_segs ||
			  (s->r_idx + 1 == s->n_segs && s->r_off >= s->segs[s->r_idx].size))) {
		close_write_segment(s);
		done = s->n_segs;
	}
	for (size_t i = 0; i < done; i++) {
		seg_path(s, s->segs[i].seq, path, sizeof path);
		if (unlink(path) < 0 && errno != ENOENT) {
			s->st.io_errors++;
			rc = AS_ERR_IO;
		}
		s->st.bytes -= s->segs[i].size <= s->st.bytes ? s->segs[i].size : s->st.bytes;
	}
	segs_drop_front(s, done);
	if (s->n_segs == 0) {
		s->r_idx = 0;
		s->r_off = SPOOL_SEG_HEADER;
		s->rbuf_valid = false;
	} else {
		s->r_idx -= done;
	}
	s->a_idx = s->r_idx;
	s->a_off = s->r_off;
	s->st.segments = s->n_segs;
	write_head(s);
	return rc;
}

bool spool_empty(const struct spool *s)
{
	return s->st.pending == 0;
}

void spool_get_stats(const struct spool *s, struct spool_stats *out)
{
	*out = s->st;
}
