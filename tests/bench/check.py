#!/usr/bin/env python3
# check.py — sanity check of a generated capture: TCP seq contiguity, HTTP framing (Content-Length/chunked), TLS record framing.
# Usage: tests/bench/check.py FILE.pcap   (classic little-endian pcap, Ethernet; reads the whole file into memory per stream)
import collections
import re
import struct
import sys

HTTP_PORTS = {80, 8000, 4000, 8080, 11434, 8931, 3000}


def streams_of(path):
    streams = collections.defaultdict(list)
    n = 0
    with open(path, 'rb') as f:
        if f.read(4) != b'\xd4\xc3\xb2\xa1':
            sys.exit('check.py: not a little-endian microsecond classic pcap')
        f.read(20)
        while True:
            h = f.read(16)
            if len(h) < 16:
                break
            p = f.read(struct.unpack('<IIII', h)[2])
            n += 1
            ip = p[14:]
            if p[12:14] == b'\x08\x00':
                proto, src, dst, l4 = ip[9], ip[12:16], ip[16:20], ip[(ip[0] & 15) * 4:]
            else:
                proto, src, dst, l4 = ip[6], ip[8:24], ip[24:40], ip[40:]
            if proto != 6:
                continue
            sp, dp, seq = struct.unpack('>HHI', l4[:8])
            streams[(src, sp, dst, dp)].append((seq, l4[13], l4[(l4[12] >> 4) * 4:]))
    return n, streams


def http_ok(d):
    i = msgs = 0
    while i < len(d):
        e = d.find(b'\r\n\r\n', i)
        if e < 0:
            return False, msgs
        hdr = d[i:e].decode('latin1')
        i = e + 4
        m = re.search(r'(?i)content-length: (\d+)', hdr)
        if m:
            i += int(m.group(1))
        elif re.search(r'(?i)transfer-encoding: chunked', hdr):
            while True:
                e = d.find(b'\r\n', i)
                sz = int(d[i:e], 16)
                i = e + 2 + sz + 2
                if sz == 0:
                    break
        msgs += 1
    return i == len(d), msgs


def tls_ok(d):
    i = recs = 0
    while i + 5 <= len(d):
        if d[i] not in (0x14, 0x16, 0x17) or d[i + 1] != 3:
            return False, recs
        i += 5 + struct.unpack('>H', d[i + 3:i + 5])[0]
        recs += 1
    return i == len(d), recs


def main():
    n, streams = streams_of(sys.argv[1])
    gaps = http_msgs = http_bad = tls_recs = tls_bad = 0
    for (_, sp, _, dp), segs in streams.items():
        nxt, data = None, bytearray()
        for seq, flags, pl in segs:
            if flags & 2:
                nxt = seq + 1
            elif pl:
                if seq != nxt:
                    gaps += 1
                nxt = seq + len(pl)
                data += pl
        port = dp if dp < 32768 else sp
        if port in HTTP_PORTS:
            ok, m = http_ok(bytes(data))
            http_msgs += m
            http_bad += not ok
        elif port == 443:
            ok, r = tls_ok(bytes(data))
            tls_recs += r
            tls_bad += not ok
    print(f'packets {n}, TCP directions {len(streams)}, seq gaps {gaps}, HTTP messages {http_msgs}, '
          f'HTTP framing errors {http_bad}, TLS records {tls_recs}, TLS framing errors {tls_bad}')
    sys.exit(1 if gaps or http_bad or tls_bad else 0)


if __name__ == '__main__':
    main()
