#!/usr/bin/env bash
# cut.sh — partial views of the project's own MCP recordings, as a span port
# sees them when it misses part of a conversation: each capture here is
# `tcpdump -r` of a recorded capture with a filter (no packet is altered).
# Re-run after re-recording pcaps/mcp-*.pcap: pcaps/partial/cut.sh (needs tcpdump, editcap, mergecap)
set -euo pipefail
cd "$(dirname "$0")"
cut() { # OUT SOURCE FILTER
	tcpdump -r "../$2" -w "$1" "$3" 2>/dev/null
	echo "$1: $(tcpdump -r "$1" 2>/dev/null | wc -l) packets of $2 ($3)"
}
# Streamable HTTP, stateful: only what the server sent (a one-way span).
cut mcp-server-to-client.pcap mcp-streamable-stateful.pcap 'src host 127.0.4.1 and tcp src port 3000'
# Legacy HTTP+SSE: the GET /sse event stream alone, without the POST flows
# that carried the client's requests (endpoint event, then every answer).
cut mcp-legacy-sse-stream-only.pcap mcp-legacy-sse.pcap 'tcp port 39623'
# Streamable HTTP, stateful: without the connection that carried
# initialize, so the rest shows only Mcp-Session-Id, tools/list and tools/call.
cut mcp-after-initialize.pcap mcp-streamable-stateful.pcap 'tcp and not tcp port 40701'
# A response stream without its request: the server's half of the legacy
# SSE stream (the GET /sse request is not seen).
cut mcp-sse-response-only.pcap mcp-legacy-sse.pcap 'src host 127.0.4.3 and tcp src port 3001 and tcp dst port 39623'
# Two captures cut before their last responses, merged: requests still
# unanswered when input ends, on flows two hosts opened (their events must
# come out in one order whatever the number of workers).
tmp=$(mktemp -d)
editcap -r ../openai-node-gateway-http.pcap "$tmp/a.pcap" 1-29
editcap -r ../anthropic-node-http.pcap "$tmp/b.pcap" 1-35
mergecap -F pcap -w llm-unanswered-at-end.pcap "$tmp/a.pcap" "$tmp/b.pcap"
rm -r "$tmp"
echo "llm-unanswered-at-end.pcap: $(tcpdump -r llm-unanswered-at-end.pcap 2>/dev/null | wc -l) packets of two cut captures"
# A span kept to a snap length of 600 bytes (tcpdump -s 600): the MCP
# 2026-07-28 requests' headers (Mcp-Method, Mcp-Name) but not their bodies,
# and the responses cut short (editcap truncates, it alters no byte kept).
editcap -s 600 ../mcp2-pinned.pcap mcp2-snaplen-600.pcap
echo "mcp2-snaplen-600.pcap: $(tcpdump -r mcp2-snaplen-600.pcap 2>/dev/null | wc -l) packets of mcp2-pinned.pcap, snap length 600"
# Chromium's HTTP/3 load of chatgpt.com, then its Encrypted Client Hello to
# the same address without the DNS answers that named it: the second
# connection's destination cannot be told (outer name cloudflare-ech.com).
tmp=$(mktemp -d)
tcpdump -r ../quic-chromium-ech.pcap -w "$tmp/ech.pcap" 'not port 53' 2>/dev/null
mergecap -F pcap -w quic-ech-without-dns.pcap ../quic-chromium-h3.pcap "$tmp/ech.pcap"
rm -r "$tmp"
echo "quic-ech-without-dns.pcap: $(tcpdump -r quic-ech-without-dns.pcap 2>/dev/null | wc -l) packets of two Chromium captures"
