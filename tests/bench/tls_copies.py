#!/usr/bin/env python3
"""tls_copies.py — a capture for the decryption benchmark: a recorded TLS
capture repeated until it reaches a size, each copy from its own client
address (10.a.b.c: the side whose port is not 443 or 53), so every copy is
a flow and a host of its own. A copy's TLS bytes are unchanged: its
ClientHello random is the original's, so the original's key log opens
every copy. Classic pcap, Ethernet, IPv4; the IPv4 header checksum is
recomputed (TCP/UDP checksums cover the addresses too and are left stale:
aisensor, tcpdump and ndpiReader do not verify them).

usage: tls_copies.py IN.pcap OUT.pcap SIZE_BYTES"""
import struct
import sys


def ip_checksum(h):
    s = sum(struct.unpack("!%dH" % (len(h) // 2), h))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def main():
    src, dst, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
    data = open(src, "rb").read()
    head, off, recs = data[:24], 24, []
    while off + 16 <= len(data):
        n = int.from_bytes(data[off + 8:off + 12], "little")
        recs.append((data[off:off + 16], data[off + 16:off + 16 + n]))
        off += 16 + n
    total, copy = 24, 0
    with open(dst, "wb") as out:
        out.write(head)
        while total < size:
            copy += 1
            for rh, pkt in recs:
                p = bytearray(pkt)
                if len(p) >= 38 and p[12:14] == b"\x08\x00" and p[23] in (6, 17):
                    ihl = (p[14] & 0x0f) * 4
                    sport = int.from_bytes(p[14 + ihl:16 + ihl], "big")
                    at = 30 if sport in (443, 53) else 26  # the client's address: the other side's port
                    p[at:at + 4] = bytes([10, copy // 250 % 256, copy % 250 + 1, p[at + 3]])
                    p[24:26] = b"\0\0"
                    p[24:26] = struct.pack("!H", ip_checksum(bytes(p[14:14 + ihl])))
                out.write(rh)
                out.write(p)
                total += len(rh) + len(p)
    print("%s: %d copies, %d bytes" % (dst, copy, total))


if __name__ == "__main__":
    main()
