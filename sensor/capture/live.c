/* live.c — AF_PACKET TPACKET_V3 capture with PACKET_FANOUT (see live.h).
 * Kernel interfaces: packet(7), Documentation/networking/packet_mmap.rst. */
#include "live.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define BLOCK_SIZE ((uint32_t)1 << 22) /* 4 MiB blocks */
#define FRAME_SIZE 2048u
#define BLOCK_TIMEOUT_MS 20 /* a partly filled block is handed over after this */

struct live_source {
	int fd;
	uint8_t *map;
	size_t map_len;
	uint32_t blocks;
	uint32_t next; /* next block to read */
	uint64_t received, dropped;
};

static int fail(char *err, size_t errsz, const char *iface, const char *what, int e)
{
	snprintf(err, errsz, "interface %s: %s: %s%s", iface, what, strerror(e),
		 (e == EPERM || e == EACCES) ? " (needs root or CAP_NET_RAW)" : "");
	return AS_ERR_IO;
}

static int attach_bpf(int fd, const char *bpf, uint32_t snaplen, char *err, size_t errsz, const char *iface)
{
	struct bpf_program prog;
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, (int)snaplen);
	if (!dead)
		return AS_ERR_NOMEM;
	if (pcap_compile(dead, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errsz, "filter '%s': %s", bpf, pcap_geterr(dead));
		pcap_close(dead);
		return AS_ERR_CONFIG;
	}
	pcap_close(dead);
	struct sock_fprog fp = {.len = (unsigned short)prog.bf_len,
				.filter = (struct sock_filter *)prog.bf_insns};
	int r = setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof fp);
	int e = errno;
	pcap_freecode(&prog);
	return r == 0 ? AS_OK : fail(err, errsz, iface, "attaching the filter", e);
}

int live_open(const char *iface, const struct live_opts *o, struct live_source **out, char *err, size_t errsz)
{
	unsigned ifindex = if_nametoindex(iface);
	if (!ifindex) {
		snprintf(err, errsz, "interface %s: no such interface", iface);
		return AS_ERR_IO;
	}
	struct live_source *s = calloc(1, sizeof *s);
	if (!s)
		return AS_ERR_NOMEM;
	s->fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	int r = AS_OK;
	if (s->fd < 0) {
		r = fail(err, errsz, iface, "opening a packet socket", errno);
		free(s);
		return r;
	}
	/* A filter before the ring fills, so nothing unfiltered slips in. */
	if (o->bpf && *o->bpf && (r = attach_bpf(s->fd, o->bpf, o->snaplen, err, errsz, iface)) < 0)
		goto bad;
	int v = TPACKET_V3;
	if (setsockopt(s->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof v) != 0) {
		r = fail(err, errsz, iface, "TPACKET_V3", errno);
		goto bad;
	}
	uint32_t ring = (o->ring_mb ? o->ring_mb : 64) << 20;
	struct tpacket_req3 req;
	memset(&req, 0, sizeof req);
	req.tp_block_size = BLOCK_SIZE;
	req.tp_block_nr = ring / BLOCK_SIZE ? ring / BLOCK_SIZE : 1;
	req.tp_frame_size = FRAME_SIZE;
	req.tp_frame_nr = req.tp_block_nr * (BLOCK_SIZE / FRAME_SIZE);
	req.tp_retire_blk_tov = BLOCK_TIMEOUT_MS;
	if (setsockopt(s->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) != 0) {
		r = fail(err, errsz, iface, "setting up the ring", errno);
		goto bad;
	}
	s->blocks = req.tp_block_nr;
	s->map_len = (size_t)req.tp_block_nr * req.tp_block_size;
	s->map = mmap(NULL, s->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, s->fd, 0);
	if (s->map == MAP_FAILED) /* MAP_LOCKED needs RLIMIT_MEMLOCK: try without */
		s->map = mmap(NULL, s->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
	if (s->map == MAP_FAILED) {
		s->map = NULL;
		r = fail(err, errsz, iface, "mapping the ring", errno);
		goto bad;
	}
	struct sockaddr_ll ll;
	memset(&ll, 0, sizeof ll);
	ll.sll_family = AF_PACKET;
	ll.sll_protocol = htons(ETH_P_ALL);
	ll.sll_ifindex = (int)ifindex;
	if (bind(s->fd, (struct sockaddr *)&ll, sizeof ll) != 0) {
		r = fail(err, errsz, iface, "binding", errno);
		goto bad;
	}
	if (o->promiscuous) {
		struct packet_mreq mr;
		memset(&mr, 0, sizeof mr);
		mr.mr_ifindex = (int)ifindex;
		mr.mr_type = PACKET_MR_PROMISC;
		if (setsockopt(s->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) != 0) {
			r = fail(err, errsz, iface, "promiscuous mode", errno);
			goto bad;
		}
	}
	/* Both directions of a flow to one socket: the fanout hash is symmetric. */
	int fanout = (int)o->fanout_group | (PACKET_FANOUT_HASH << 16);
	if (setsockopt(s->fd, SOL_PACKET, PACKET_FANOUT, &fanout, sizeof fanout) != 0) {
		r = fail(err, errsz, iface, "joining the fanout group", errno);
		goto bad;
	}
	*out = s;
	return AS_OK;
bad:
	live_close(s);
	return r;
}

int live_poll(struct live_source *s, int timeout_ms, void (*fn)(void *user, const struct frame *f),
	      void *user)
{
	struct tpacket_block_desc *bd = (struct tpacket_block_desc *)(s->map + (size_t)s->next * BLOCK_SIZE);
	if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)) {
		struct pollfd p = {.fd = s->fd, .events = POLLIN | POLLERR};
		int r = poll(&p, 1, timeout_ms);
		if (r < 0)
			return errno == EINTR ? 0 : AS_ERR_IO;
		if (p.revents & POLLERR)
			return AS_ERR_IO;
	}
	int count = 0;
	for (uint32_t seen = 0; seen < s->blocks; seen++) {
		bd = (struct tpacket_block_desc *)(s->map + (size_t)s->next * BLOCK_SIZE);
		if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
			break;
		uint32_t n = bd->hdr.bh1.num_pkts;
		uint8_t *p = (uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt;
		for (uint32_t i = 0; i < n; i++) {
			struct tpacket3_hdr *h = (struct tpacket3_hdr *)p;
			struct frame f = {.data = p + h->tp_mac,
					  .caplen = h->tp_snaplen,
					  .wirelen = h->tp_len,
					  .ts_us = (uint64_t)h->tp_sec * 1000000 + h->tp_nsec / 1000};
			fn(user, &f);
			count++;
			p += h->tp_next_offset;
		}
		__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		s->next = (s->next + 1) % s->blocks;
	}
	return count;
}

void live_stats(struct live_source *s, uint64_t *received, uint64_t *dropped)
{
	/* Reading the counters resets them in the kernel: keep the sums. */
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof st;
	if (getsockopt(s->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) {
		s->received += st.tp_packets;
		s->dropped += st.tp_drops;
	}
	*received = s->received;
	*dropped = s->dropped;
}

void live_close(struct live_source *s)
{
	if (!s)
		return;
	if (s->map)
		munmap(s->map, s->map_len);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

static uint64_t read_counter(const char *iface, const char *name)
{
	char path[256];
	snprintf(path, sizeof path, "/sys/class/net/%s/statistics/%s", iface, name);
	FILE *f = fopen(path, "r");
	unsigned long long v = 0;
	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

uint64_t live_iface_drops(const char *iface)
{
	return read_counter(iface, "rx_dropped") + read_counter(iface, "rx_missed_errors");
}
