/* pipeline.h — the threads of a run: capture (the calling thread) -> N
 * workers (flow tables) -> one aggregator, joined by SPSC rings. The
 * aggregator thread hands the merged flow messages to a consumer; the
 * engine knows nothing of what it does with them. */
#ifndef AS_PIPELINE_H
#define AS_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <signal.h>

#include "decode.h"
#include "error.h"
#include "live.h"
#include "msg.h"

struct pipeline_stats;
struct capture_secrets;

/* What the aggregator thread drives; every call is on that thread. */
struct pipeline_consumer {
	/* One worker message, in (packet number, worker) order. */
	void (*handle)(void *user, const struct msg_hdr *m);
	/* Between messages (may be NULL): the place to swap what only the
	 * consumer reads (SIGHUP reload). input_waiting: the input may stay
	 * quiet (live capture, or a capture on a pipe that waits now): time,
	 * not only packets, moves what the consumer reports. */
	void (*housekeeping)(void *user, bool input_waiting);
	/* After the last message of the run. */
	void (*finish)(void *user);
	void *user;
};

struct pipeline_config {
	char **inputs; /* capture files, already expanded */
	size_t n_inputs;
	char **ifaces; /* live capture instead (-i): one AF_PACKET socket per worker each */
	size_t n_ifaces;
	struct live_opts live;
	/* Set (by a signal handler) to end the run: live capture stops, a
	 * replay stops reading; flows and agents are flushed either way. */
	volatile sig_atomic_t *stop;
	/* Called on the calling thread once the live sockets are open, before
	 * packets flow (privilege drop); non-zero aborts the run. */
	int (*after_open)(void *user);
	/* Called on the calling thread about once a second while live. */
	void (*tick)(void *user, const struct pipeline_stats *st);
	void *user;
	const char *bpf;
	unsigned workers;
	size_t max_flows; /* all workers together */
	uint32_t idle_tcp_s, idle_tcp_closed_s, idle_udp_s;
	uint64_t update_us; /* flows report their counters at this much packet time (flow_config) */
	bool ndpi_all_packets; /* flow_config */
	const uint8_t *salt;
	size_t salt_len;
	const struct dissect_keys *keys;			   /* flow_config */
	const struct capture_secrets *secrets;			   /* where capture files' DSBs go, or NULL */
	uint32_t keylog_wait_ms;				   /* flow_config */
	size_t keylog_wait_bytes;				   /* flow_config */
	bool (*follow)(const void *user, const char *server_name); /* flow_config */
	const void *follow_user;
	bool progress; /* progress line on stderr */
	struct pipeline_consumer consumer;
};

struct pipeline_stats {
	struct decode_counts pk;
	uint64_t inputs_failed;
	double wall_s;
	unsigned workers;   /* worker threads, or 1 for an inline worker */
	bool worker_inline; /* -w 1 replay on one CPU: the reading thread dissects */
	/* live capture */
	uint64_t kernel_received;
	uint64_t kernel_dropped; /* the sockets' rings were full */
	uint64_t iface_dropped;	 /* the interfaces' own drop counters, since start */
	uint64_t flows_active;
	/* the same three per interface, in the order given */
	struct pipeline_iface_stats {
		uint64_t received, kernel_dropped, iface_dropped;
	} iface[AS_MAX_INPUTS];
	size_t n_iface;
};

/* Runs to the end of input. Returns AS_OK or the first fatal error (an
 * unreadable capture is reported in err and counted, the run goes on). A
 * thread that cannot start ends the run at once with an error. */
AS_MUST_CHECK int pipeline_run(const struct pipeline_config *cfg, struct pipeline_stats *st, char *err,
			       size_t errsz);

#endif
