#!/usr/bin/env python3
"""make_flow_seeds.py — converts captures into fuzz_flow inputs (see
fuzz_flow.c): each IPv4/IPv6 packet of an Ethernet or Linux-cooked pcap
becomes one record, 1 ms apart, until the seed reaches MAX bytes.

usage: make_flow_seeds.py OUT_DIR CAPTURE...   (writes OUT_DIR/seed-NAME)"""
import os
import struct
import sys

MAX = 16384


def packets(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        if linktype == 1 and len(frame) > 14 and frame[12:14] in (b"\x08\x00", b"\x86\xdd"):
            yield frame[14:]
        elif linktype == 113 and len(frame) > 16 and frame[14:16] in (b"\x08\x00", b"\x86\xdd"):
            yield frame[16:]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for cap in sys.argv[2:]:
        seed = bytearray()
        for ip in packets(cap):
            rec = bytes([1]) + struct.pack(">H", len(ip)) + ip
            if len(seed) + len(rec) > MAX:
                break
            seed += rec
        name = os.path.basename(cap).rsplit(".", 1)[0]
        with open(os.path.join(out, "seed-" + name), "wb") as f:
            f.write(seed)


if __name__ == "__main__":
    main()
