/* limits.h — every numeric cap of the sensor, in one place (p0f style).
 * Hitting a cap is counted and reported, never a crash. Caps that a
 * deployment may tune have a config key; these are the defaults. */
#ifndef AS_LIMITS_H
#define AS_LIMITS_H

/* ---- capture / workers ---- */
#define AS_MAX_WORKERS 64	 /* -w upper bound */
#define AS_MAX_INPUTS 256 /* -r / -i / --keylog arguments (a shell glob of captures) */
#define AS_SNAPLEN 262144	 /* default snap length: whole jumbo frames */
#define AS_PKT_RING_BYTES ((size_t)16 << 20) /* capture -> worker ring, per worker */
#define AS_MSG_RING_BYTES ((size_t)16 << 20) /* worker -> aggregator ring, per worker */
#define AS_TICK_EVERY 1024	 /* capture broadcasts a watermark every N packets */
#define AS_CAPTURE_WAIT_MS 100	 /* a capture on a pipe that waits this long ticks the pipeline */
#define AS_MAX_ENCAP_DEPTH 8	 /* VLAN tags, PPPoE, MPLS labels, tunnels decoded per packet */

/* ---- flows ---- */
#define AS_MAX_FLOWS 1000000	     /* flows tracked, all workers together */
#define AS_FLOW_SPARE 4096	     /* ended flows a table keeps to reuse, per worker */
#define AS_FLOW_IDLE_TCP_S 300	     /* idle timeout, established TCP */
#define AS_FLOW_IDLE_TCP_CLOSED_S 10 /* idle timeout after FIN/RST */
#define AS_FLOW_IDLE_UDP_S 60	     /* idle timeout, UDP */
#define AS_FLOW_SWEEP_EVERY_S 5	     /* packet-time seconds between idle sweeps */
#define AS_REASM_MAX_BYTES 65536     /* out-of-order bytes held per direction */
#define AS_REASM_MAX_SEGS 64	     /* out-of-order segments held per direction */
#define AS_NDPI_MAX_PACKETS 32	     /* packets given to nDPI before giving up */
#define AS_MAX_LAYERS 4		     /* dissectors stacked on one flow (tls, http1, websocket, ...) */

/* ---- dissectors ---- */
#define AS_DISSECT_BUF_MAX 65536       /* bytes a stream dissector buffers per direction */
#define AS_HTTP_MAX_HEADER_BYTES 32768 /* request/response head */
#define AS_HTTP_MAX_HEADERS 128	       /* header lines per message */
#define AS_HTTP_BODY_PEEK 65536	       /* request body bytes kept for JSON field extraction */
#define AS_HTTP_MAX_INFLATED                                                                                 \
	((uint64_t)16 << 20)	       /* bytes a gzip/deflate/br body may inflate to: past it, a bomb */
#define AS_H2_MAX_STREAMS 128	       /* HTTP/2 streams open at once per connection */
#define AS_H2_MAX_BLOCK 65536	       /* one HTTP/2 header block, or one non-DATA frame */
#define AS_H2_MAX_FRAME (1u << 24)     /* HTTP/2 frame length field's largest value */
#define AS_HTTP_MAX_PIPELINE 64	       /* HTTP/1 requests awaiting their response per connection */
#define AS_SSE_MAX_EVENT 65536	       /* one SSE event (or NDJSON line) of a streamed body */
#define AS_JSON_MAX_DEPTH 64	       /* nesting accepted by JSON extraction */
#define AS_RPC_MAX_BATCH 64	       /* JSON-RPC messages analyzed per batch (array) */
#define AS_RPC_MAX_NAMES 64	       /* argument/capability names sorted per JSON-RPC message */
#define AS_WS_MAX_MESSAGE 65536	       /* one reassembled WebSocket text message */
#define AS_WS_MAX_FRAGMENTS 1024       /* frames of one fragmented WebSocket message */
#define AS_TLS_MAX_HANDSHAKE 65536     /* a ClientHello/ServerHello reassembled across records */
#define AS_TLS_TURN_MAX_RECORDS 8192   /* record sizes of one streamed answer kept for its estimate */
#define AS_KEYLOG_MAX_CONNECTIONS 1000000 /* TLS connections whose secrets the key logs may hold */
/* A connection whose secrets a live key log has not given yet keeps its
 * records this long (packet time) and this many bytes (tls.keylog_wait_*):
 * clients log a secret as they derive it, a moment before or after the
 * sensor sees its handshake; 0-RTT records wait for the server's answer
 * within the same bounds. */
#define AS_KEYLOG_WAIT_MS 2000
#define AS_KEYLOG_WAIT_BYTES ((size_t)256 << 10)
#define AS_KEYLOG_POLL_MS 100 /* how often a followed key log is looked at */
#define AS_SECRETS_MAX_BLOCK ((size_t)64 << 20) /* one pcapng Decryption Secrets Block read */
#define AS_QUIC_MAX_CRYPTO 16384       /* CRYPTO bytes of one direction's Initials kept */
#define AS_QUIC_MAX_FAILURES 4	       /* Initials of a flow that do not open before it is left */
#define AS_QUIC_MAX_STREAMS 256	       /* QUIC stream halves reassembled at once per connection (key logs) */
#define AS_QUIC_MAX_HELD ((size_t)1 << 20) /* stream bytes held out of order per connection */
#define AS_H3_MAX_STREAMS 256	       /* HTTP/3 stream halves read at once per connection */
#define AS_H3_MAX_TABLE 65536	       /* QPACK dynamic table capacity accepted */
#define AS_DNS_MAX_ANSWERS 16	       /* A/AAAA answers kept from one DNS response */
#define AS_DNS_MAX_NAME 256	       /* presentation-form DNS name incl. NUL */
#define AS_DNS_MAX_POINTERS 32	       /* compression pointers followed for one name */
#define AS_DNS_MAX_CNAME_CHAIN 16      /* CNAME links followed from the question name */
#define AS_HOST_NAMES_PER_MSG 16       /* OBS_HOST_NAME emitted for one mDNS/LLMNR/NBNS/PTR message */
#define AS_DER_MAX_DEPTH 16	       /* nesting der_check walks in one ASN.1 DER value */
#define AS_KRB_MAX_MSG 65536	       /* one Kerberos message over TCP; longer ones are skipped */

/* ---- observation field sizes (bytes incl. NUL; longer values are cut and counted) ---- */
#define AS_STR_TINY 16		  /* method, ALPN protocol id */
#define AS_STR_SHORT 64		  /* content type, version, header names */
#define AS_STR_MID 128		  /* tool names, resource URIs, token type URNs */
#define AS_STR 256		  /* host names, user agents, model names */
#define AS_STR_LONG 1024	  /* URL paths */
#define AS_OBS_MAX_SDK_HEADERS 12 /* SDK identity headers kept per HTTP request */
#define AS_OBS_MAX_ITEMS 48	  /* tools/resources/prompts/skills kept per message */
#define AS_OBS_MAX_ALPN 8	  /* ALPN values kept per ClientHello */

/* ---- aggregator ---- */
#define AS_MAX_AGENTS 100000	     /* agents held in memory */
#define AS_MAX_HOSTS 1000000	     /* host table entries */
#define AS_DNS_CACHE_ENTRIES 262144  /* IP -> name cache */
#define AS_DNS_CACHE_MIN_TTL_S 60    /* a TTL below this is raised: clients cache longer */
#define AS_DNS_CACHE_MAX_TTL_S 86400 /* a TTL above this is cut */
#define AS_AGENT_MAX_DESTS 256	     /* destinations per agent */
#define AS_AGENT_MAX_SET 64	     /* entries per agent set (models, UAs, JA4s, credentials) */

/* ---- signatures / config ---- */
#define AS_YAML_MAX_DEPTH 16		/* nesting in config and signature files */
#define AS_SIG_MAX_FILE_BYTES (4 << 20) /* one signature file */
#define AS_CONFIG_MAX_FILE_BYTES (4 << 20) /* the configuration file */
#define AS_SIG_MAX_PATH_SEGMENTS                                                                             \
	32 /* URL path segments the endpoint matcher compares; deeper paths never match */

/* ---- privacy ---- */
#define AS_FP_HEX 16 /* hex digits of a credential fingerprint */

/* ---- JSON lines outputs ---- */
#define AS_JSONL_QUEUE_BYTES ((size_t)16 << 20) /* lines waiting for a JSON lines output's writer */

/* ---- Redis exporter and its spool ---- */
#define AS_REDIS_QUEUE_RECORDS 65536	    /* records waiting in memory for the exporter thread */
#define AS_REDIS_QUEUE_BYTES (64u << 20)    /* bytes waiting in memory for the exporter thread */
#define AS_REDIS_BATCH 256		    /* commands pipelined before the replies are read */
#define AS_REDIS_MAX_RECORD (1u << 20)	    /* one event or contribution; larger ones are refused */
#define AS_REDIS_MAX_FIELDS 2048	    /* fields (all ops together) in one contribution */
#define AS_REDIS_UNION_CAP 256		    /* entries kept in one union (JSON array) field */
#define AS_REDIS_STREAM_MAXLEN 100000	    /* default approximate MAXLEN of the events stream */
#define AS_REDIS_APPLIED_TTL_S (14 * 86400) /* default life of a dedupe ("applied") set */
#define AS_REDIS_EVENT_ID_MAX 256	    /* bytes of an event.id deduplicated by (longer: added as is) */
#define AS_REDIS_WAIT_TIMEOUT_MS 1000 /* exporters.redis.wait_timeout_ms: one WAIT for replicas */
#define AS_REDIS_FAILOVER_MARKS 16384 /* records acknowledged without WAIT checked on the next master */
#define AS_REDIS_HEARTBEAT_S 10		    /* default heartbeat interval (TTL = 3x) */
#define AS_REDIS_CONNECT_TIMEOUT_MS 2000    /* connect (and AUTH/SELECT) timeout */
#define AS_REDIS_COMMAND_TIMEOUT_MS 5000    /* a pipelined batch without reply is an outage */
#define AS_REDIS_DRAIN_TIMEOUT_MS 10000	    /* default bounded wait of flush/close */
#define AS_REDIS_BACKOFF_MIN_MS 100	    /* first reconnect delay; doubles per failure */
#define AS_REDIS_BACKOFF_MAX_MS 5000	    /* reconnect delay ceiling */
#define AS_SPOOL_MAX_BYTES (1024ull << 20)  /* default total size of the on-disk spool */
#define AS_SPOOL_SEGMENT_BYTES (4u << 20)   /* a spool segment file is closed past this size */

/* ---- the audit report (sensor/report) ---- */
#define AS_REPORT_PAGE 200	 /* rows of a table, cards of the agents, shown before "show all" */
#define AS_REPORT_OPEN_CARDS 30	 /* agent cards shown open (the others: their summary line) */
#define AS_REPORT_LINKS 12	 /* agents linked from one table cell before "and N more" */
#define AS_REPORT_MAP_TOP 12	 /* nodes per column of the agents -> services picture; the rest in one */
#define AS_REPORT_GANTT 40	 /* agents drawn on the timeline (the first seen first) */
#define AS_REPORT_DIFF_ITEMS 500 /* items listed per category of the changes since a baseline */

#endif
