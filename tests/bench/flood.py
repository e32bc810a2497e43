#!/usr/bin/env python3
"""flood.py — writes a classic pcap of N TCP SYNs with distinct 5-tuples
(default one million): the flow-table flood of the memory benchmark.
Deterministic: the same N gives the same file. Usage: flood.py N OUT.pcap"""
import struct
import sys


def checksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    return ~(s + (s >> 16)) & 0xFFFF


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    eth = bytes.fromhex("020000000002" "020000000001" "0800")
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(n):
            src = struct.pack("!BBBB", 10, 100 + (i >> 24 & 0x3F), i >> 16 & 0xFF, i >> 8 & 0xFF)
            dst = struct.pack("!BBBB", 192, 0, 2, 1 + i % 200)
            sport = 1024 + (i * 7919) % 60000
            tcp = struct.pack("!HHIIBBHHH", sport, 443, i, 0, 5 << 4, 0x02, 64240, 0, 0)
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, i & 0xFFFF, 0, 64, 6, 0, src, dst)
            ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
            pkt = eth + ip + tcp
            ts = 1800000000 + i // 100000
            f.write(struct.pack("<IIII", ts, (i % 100000) * 10, len(pkt), len(pkt)))
            f.write(pkt)


if __name__ == "__main__":
    main()
