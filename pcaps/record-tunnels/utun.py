# utun.py — a userspace GRE tunnel endpoint for kernels without ip_gre:
# frames read from a TAP (or, for plain GRE, IP packets from a TUN) device are
# sent to the peer in GRE over a raw IPv4 socket (RFC 2784/2890), and GRE
# packets from the peer are written back to the device. Encapsulations:
#   gretap  KEY       transparent Ethernet bridging 0x6558 with a GRE key
#   gre     KEY       IPv4/IPv6 packets (protocol type = EtherType) with a key
#   erspan2 SESSION   GRE 0x88be + sequence + ERSPAN type II header
#   erspan3 SESSION   GRE 0x22eb + sequence + ERSPAN type III header (hw id 7,
#                     with the 8-byte platform-specific subheader, O flag set)
# usage: utun.py MODE IFNAME LOCAL REMOTE ID
import fcntl
import os
import select
import socket
import struct
import sys
import time

MODE, IFNAME, LOCAL, REMOTE, ID = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
TUNSETIFF, IFF_TUN, IFF_TAP, IFF_NO_PI = 0x400454CA, 0x0001, 0x0002, 0x1000

fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", IFNAME.encode(), (IFF_TUN if MODE == "gre" else IFF_TAP) | IFF_NO_PI))
sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_GRE)
sock.bind((LOCAL, 0))
seq = 0
print("utun %s %s %s -> %s id %d ready" % (MODE, IFNAME, LOCAL, REMOTE, ID), flush=True)


def encap(inner):
    global seq
    seq += 1
    if MODE == "gretap":
        return struct.pack("!HHI", 0x2000, 0x6558, ID) + inner
    if MODE == "gre":
        proto = 0x0800 if inner[0] >> 4 == 4 else 0x86DD
        return struct.pack("!HHI", 0x2000, proto, ID) + inner
    if MODE == "erspan2":
        # Ver 1, VLAN 0, COS 0, En 0 (untagged), T 0, session | reserved, index
        return struct.pack("!HHI", 0x1000, 0x88BE, seq) + struct.pack("!II", (1 << 28) | ID, 1) + inner
    if MODE == "erspan3":
        ts = int(time.time() * 10000) & 0xFFFFFFFF  # 100 us granularity (Gra 00)
        # P 0, FT 0 (Ethernet), HW ID 7, D 0 (ingress), Gra 0, O 1
        w2 = (0 << 10) | (7 << 4) | 1
        hdr = struct.pack("!IIHH", (2 << 28) | ID, ts, 0, w2)
        platform = struct.pack("!II", (3 << 26) | 0x0001, ts)  # platform id 3: port index, upper timestamp
        return struct.pack("!HHI", 0x1000, 0x22EB, seq) + hdr + platform + inner
    raise SystemExit("utun: unknown mode " + MODE)


def decap(pkt):
    ihl = (pkt[0] & 0x0F) * 4
    if socket.inet_ntoa(pkt[12:16]) != REMOTE:
        return None
    g = pkt[ihl:]
    flags, proto = struct.unpack("!HH", g[:4])
    off = 4 + (4 if flags & 0x8000 else 0) + (4 if flags & 0x2000 else 0) + (4 if flags & 0x1000 else 0)
    if proto == 0x88BE and flags & 0x1000:
        off += 8
    elif proto == 0x22EB:
        off += 12 + (8 if struct.unpack("!H", g[off + 10:off + 12])[0] & 1 else 0)
    return g[off:]


while True:
    r, _, _ = select.select([fd, sock], [], [])
    if fd in r:
        sock.sendto(encap(os.read(fd, 65535)), (REMOTE, 0))
    if sock in r:
        inner = decap(sock.recv(65535))
        if inner:
            os.write(fd, inner)
