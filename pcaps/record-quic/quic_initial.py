#!/usr/bin/python3
"""Independent check of the QUIC captures: decrypts every Initial packet in a
classic pcap (Ethernet/IPv4/UDP) with the keys RFC 9001 s.5.2 derives from the
client's first Destination Connection ID, and prints the long-header fields,
the frames, the CRYPTO offsets and the reassembled ClientHello / ServerHello.

Written because tshark 4.0 (Debian 12) cannot read ngtcp2 0.12's QUIC v2 draft
(0x709a50c4): it knows that number as "v2-draft-01" and applies QUIC v1 packet
type codes to it, while ngtcp2 0.12 uses the later v2 draft's codes (Initial =
0b01, 0-RTT = 0b10, Handshake = 0b11, Retry = 0b00, as in RFC 9369).

    quic_initial.py [--ech KEYS.ech] FILE.pcap...

With --ech (a file written by ech.py), an ECH extension in a ClientHello is
opened (HPKE, RFC 9180) and the inner ClientHello's SNI/ALPN are printed.

Versions handled: 0x00000001 (RFC 9000), 0x709a50c4 (v2 draft as in ngtcp2
0.12: salt a707c203..., labels "quicv2 key/iv/hp"), 0x6b3343cf (RFC 9369),
0xff00001d (draft-29); any other version is tried as draft-29 (v1 packet
types, salt afbfec28...), which is what ngtcp2 0.12 sends for a version it
does not know (gtlsclient -v 0x1a2a3a4a).
Needs python3-cryptography. Test tool only; not part of the sensor.
"""
import struct
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hmac import HMAC

V1, V2DRAFT, V2, DRAFT29 = 0x00000001, 0x709A50C4, 0x6B3343CF, 0xFF00001D
SALT = {
    DRAFT29: bytes.fromhex("afbfec289993d24c9e9786f19c6111e04390a899"),
    V1: bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"),
    V2DRAFT: bytes.fromhex("a707c203a59b47184a1d62ca570406ea7ae3e5d3"),
    V2: bytes.fromhex("0dede3def700a6db819381be6e269dcbf9bd2ed9"),
}
LABEL = {V1: "quic", V2DRAFT: "quicv2", V2: "quicv2", DRAFT29: "quic"}
# long header type bits -> name
TYPES_V1 = {0: "Initial", 1: "0-RTT", 2: "Handshake", 3: "Retry"}
TYPES_V2 = {1: "Initial", 2: "0-RTT", 3: "Handshake", 0: "Retry"}


def types_for(version):
    return TYPES_V2 if version in (V2DRAFT, V2) else TYPES_V1


def hmac256(key, data):
    h = HMAC(key, hashes.SHA256())
    h.update(data)
    return h.finalize()


def expand_label(secret, label, length):
    full = b"tls13 " + label.encode()
    info = struct.pack(">HB", length, len(full)) + full + b"\x00"
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac256(secret, t + info + bytes([i]))
        out += t
        i += 1
    return out[:length]


def initial_keys(version, dcid, side):
    """side: 'client in' or 'server in' -> (key, iv, hp)."""
    secret = expand_label(hmac256(SALT[version], dcid), side, 32)
    p = LABEL[version]
    return (expand_label(secret, p + " key", 16), expand_label(secret, p + " iv", 12),
            expand_label(secret, p + " hp", 16))


def varint(b, i):
    n = 1 << (b[i] >> 6)
    v = b[i] & 0x3F
    for k in range(1, n):
        v = (v << 8) | b[i + k]
    return v, i + n


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic not in (0xA1B2C3D4, 0xA1B23C4D):
        sys.exit("%s: not a little-endian classic pcap" % path)
    linktype = struct.unpack("<I", data[20:24])[0]
    if linktype != 1:
        sys.exit("%s: link type %d, expected 1 (Ethernet)" % (path, linktype))
    off, n = 24, 0
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack("<IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        n += 1
        if len(pkt) < 14 + 20 or struct.unpack(">H", pkt[12:14])[0] != 0x0800:
            continue
        ip = pkt[14:]
        ihl = (ip[0] & 0x0F) * 4
        if ip[9] != 17:
            continue
        src, dst = ".".join(map(str, ip[12:16])), ".".join(map(str, ip[16:20]))
        udp = ip[ihl:]
        sport, dport, ulen = struct.unpack(">HHH", udp[:6])
        yield n, (src, sport), (dst, dport), udp[8:ulen]


def parse_frames(p):
    """Initial-space frames -> list of (name, detail); CRYPTO as ('CRYPTO', (off, data))."""
    out, i = [], 0
    while i < len(p):
        t = p[i]
        if t == 0x00:
            j = i
            while j < len(p) and p[j] == 0:
                j += 1
            out.append(("PADDING", j - i))
            i = j
        elif t == 0x01:
            out.append(("PING", None))
            i += 1
        elif t in (0x02, 0x03):
            i += 1
            largest, i = varint(p, i)
            _, i = varint(p, i)
            cnt, i = varint(p, i)
            first, i = varint(p, i)
            for _ in range(cnt):
                _, i = varint(p, i)
                _, i = varint(p, i)
            if t == 0x03:
                for _ in range(3):
                    _, i = varint(p, i)
            out.append(("ACK", "largest=%d first_range=%d ranges=%d" % (largest, first, cnt)))
        elif t == 0x06:
            i += 1
            o, i = varint(p, i)
            ln, i = varint(p, i)
            out.append(("CRYPTO", (o, p[i:i + ln])))
            i += ln
        elif t in (0x1C, 0x1D):
            i += 1
            code, i = varint(p, i)
            if t == 0x1C:
                _, i = varint(p, i)
            rl, i = varint(p, i)
            out.append(("CONNECTION_CLOSE", "error=0x%x reason=%r" % (code, p[i:i + rl])))
            i += rl
        else:
            out.append(("frame 0x%02x (stop)" % t, None))
            break
    return out


def parse_hello(msg):
    """TLS ClientHello/ServerHello (handshake header included) -> dict."""
    typ, ln = msg[0], int.from_bytes(msg[1:4], "big")
    b = msg[4:4 + ln]
    i = 2 + 32
    sid = b[i]
    i += 1 + sid
    r = {"type": {1: "ClientHello", 2: "ServerHello"}.get(typ, typ), "length": ln}
    if typ == 1:
        cs = struct.unpack(">H", b[i:i + 2])[0]
        r["ciphers"] = ["%04x" % struct.unpack(">H", b[i + 2 + k:i + 4 + k])[0] for k in range(0, cs, 2)]
        i += 2 + cs
        i += 1 + b[i]
    else:
        r["cipher"] = "%04x" % struct.unpack(">H", b[i:i + 2])[0]
        i += 3
    el = struct.unpack(">H", b[i:i + 2])[0]
    i += 2
    end = i + el
    exts = []
    while i + 4 <= end:
        et, elen = struct.unpack(">HH", b[i:i + 4])
        ed = b[i + 4:i + 4 + elen]
        i += 4 + elen
        exts.append(et)
        if et == 0 and typ == 1:
            r["sni"] = ed[5:5 + struct.unpack(">H", ed[3:5])[0]].decode()
        elif et == 16:
            j, alpns = 2, []
            while j < len(ed):
                alpns.append(ed[j + 1:j + 1 + ed[j]].decode())
                j += 1 + ed[j]
            r["alpn"] = alpns
        elif et == 51:
            if typ == 1:
                j, groups = 2, []
                while j + 4 <= len(ed):
                    g, kl = struct.unpack(">HH", ed[j:j + 4])
                    groups.append("%04x(%d)" % (g, kl))
                    j += 4 + kl
                r["key_share"] = groups
            else:
                r["key_share"] = "%04x" % struct.unpack(">H", ed[:2])[0]
        elif et == 0xFE0D:
            r["ech"] = "encrypted_client_hello (0xfe0d), %d bytes" % elen
            if typ == 1 and ed and ed[0] == 0:   # ECHClientHello, outer
                kdf, aead, cid = struct.unpack(">HHB", ed[1:6])
                el_ = struct.unpack(">H", ed[6:8])[0]
                enc = ed[8:8 + el_]
                pl_ = struct.unpack(">H", ed[8 + el_:10 + el_])[0]
                pstart = (i - elen) + 10 + el_      # payload offset in the body b
                r["ech"] += " (outer: kdf=%d aead=%d config_id=%d enc=%d payload=%d)" % (kdf, aead, cid, len(enc), pl_)
                aad = bytearray(b)
                aad[pstart:pstart + pl_] = bytes(pl_)
                r["_ech"] = (cid, bytes(enc), bytes(b[pstart:pstart + pl_]), bytes(aad))
        elif et == 57:
            j = 0
            while j < len(ed):
                pid, j = varint(ed, j)
                pl, j = varint(ed, j)
                pv = ed[j:j + pl]
                j += pl
                # 0x11: RFC 9368; 0xff73db: the draft code point ngtcp2 0.12 sends
                if pid in (0x11, 0xFF73DB):
                    vs = ["0x%08x" % struct.unpack(">I", pv[k:k + 4])[0] for k in range(0, len(pv), 4)]
                    r["version_information"] = "(tp 0x%x) chosen=%s other=%s" % (pid, vs[0], ",".join(vs[1:]))
    r["extensions"] = ",".join(str(e) for e in exts)
    return r


def hkdf_extract(salt, ikm):
    return hmac256(salt or bytes(32), ikm)


def hkdf_expand(prk, info, length):
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac256(prk, t + info + bytes([i]))
        out += t
        i += 1
    return out[:length]


def ech_open(ech_file, enc, payload, aad):
    """HPKE base mode open, DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-128-GCM
    (RFC 9180), info = "tls ech" 0x00 ECHConfig (RFC 9849 s.6.1)."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
    from cryptography.hazmat.primitives import serialization
    vals = dict(line.split() for line in open(ech_file) if line.strip())
    config_list = bytes.fromhex(vals["ECH_CONFIG_LIST"])
    config = config_list[2:]                 # the one ECHConfig in the list
    sk = X25519PrivateKey.from_private_bytes(bytes.fromhex(vals["ECH_PRIVATE_KEY"]))
    pkr = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    dh = sk.exchange(X25519PublicKey.from_public_bytes(enc))
    kem_suite = b"KEM" + struct.pack(">H", 0x0020)
    eae_prk = hkdf_extract(b"", b"HPKE-v1" + kem_suite + b"eae_prk" + dh)
    shared = hkdf_expand(eae_prk, struct.pack(">H", 32) + b"HPKE-v1" + kem_suite + b"shared_secret" + enc + pkr, 32)
    suite = b"HPKE" + struct.pack(">HHH", 0x0020, 0x0001, 0x0001)
    lx = lambda salt, label, ikm: hkdf_extract(salt, b"HPKE-v1" + suite + label + ikm)
    le = lambda prk, label, info, n: hkdf_expand(prk, struct.pack(">H", n) + b"HPKE-v1" + suite + label + info, n)
    info = b"tls ech\x00" + config
    ksc = b"\x00" + lx(b"", b"psk_id_hash", b"") + lx(b"", b"info_hash", info)
    secret = lx(shared, b"secret", b"")
    key, nonce = le(secret, b"key", ksc, 16), le(secret, b"base_nonce", ksc, 12)
    inner = AESGCM(key).decrypt(nonce, payload, aad)
    # EncodedClientHelloInner: a ClientHello body (no handshake header) + zero padding
    return parse_hello(b"\x01" + len(inner).to_bytes(3, "big") + inner)


class Flow:
    def __init__(self):
        self.key_dcid = None       # client DCID the Initial keys derive from
        self.crypto = {"client": {}, "server": {}}   # offset -> bytes
        self.contrib = {"client": [], "server": []}  # frame numbers that added new bytes
        self.done = {"client": False, "server": False}


def contiguous(chunks):
    buf = bytearray()
    while True:
        nxt = [(o, d) for o, d in chunks.items() if o <= len(buf) < o + len(d)]
        if not nxt:
            return bytes(buf)
        o, d = max(nxt, key=lambda x: x[0] + len(x[1]))
        buf += d[len(buf) - o:]


def main(path, ech_file=None):
    flows = {}
    for n, src, dst, udp in read_pcap(path):
        if 53 in (src[1], dst[1]) or not udp:
            continue
        client_side = dst[1] == 443
        fk = (src, dst) if client_side else (dst, src)
        fl = flows.setdefault(fk, Flow())
        who = "client" if client_side else "server"
        i = 0
        while i < len(udp):
            b0 = udp[i]
            if not b0 & 0x80:
                print("#%d %s %s:%d>%s:%d short header (1-RTT), %d bytes" % (n, who, *src, *dst, len(udp) - i))
                break
            version = struct.unpack(">I", udp[i + 1:i + 5])[0]
            j = i + 5
            dcid = udp[j + 1:j + 1 + udp[j]]
            j += 1 + udp[j]
            scid = udp[j + 1:j + 1 + udp[j]]
            j += 1 + udp[j]
            head = "#%d %s %s:%d>%s:%d version=0x%08x dcid(%d)=%s scid(%d)=%s" % (
                n, who, *src, *dst, version, len(dcid), dcid.hex(), len(scid), scid.hex())
            if version == 0:
                vs = ["0x%08x" % struct.unpack(">I", udp[k:k + 4])[0] for k in range(j, len(udp), 4)]
                print(head + " VERSION_NEGOTIATION supported=" + ",".join(vs))
                # The client starts over (ngtcp2 and Chromium from a new port,
                # i.e. a new flow here); a client Initial already in flight on
                # this flow still uses its own DCID, which is kept.
                fl.key_dcid = None
                break
            kver = version
            if version not in SALT:
                # ngtcp2 0.12 protects an Initial of a version it does not know
                # with v1 packet types and the draft-29 salt (its default in
                # ngtcp2_crypto_derive_initial_secrets); tshark 4.0 does the
                # same for 0x?a?a?a?a versions.
                kver = DRAFT29
                head += " (unknown version: tried v1 packet types + draft-29 salt)"
            ptype = types_for(kver)[(b0 >> 4) & 3]
            if ptype == "Retry":
                token = udp[j:len(udp) - 16]
                print(head + " RETRY token_len=%d integrity_tag=%s" % (len(token), udp[-16:].hex()))
                fl.key_dcid = bytes(scid)
                for s in ("client", "server"):
                    fl.crypto[s], fl.contrib[s], fl.done[s] = {}, [], False
                break
            token_len = 0
            if ptype == "Initial":
                token_len, j = varint(udp, j)
                j += token_len
            length, j = varint(udp, j)
            pn_off, pkt_end = j, j + length
            if ptype != "Initial":
                print(head + " %s length=%d (not decrypted here)" % (ptype, length))
                i = pkt_end
                continue
            if who == "client" and fl.key_dcid is None:
                fl.key_dcid = bytes(dcid)
            if fl.key_dcid is None:
                print(head + " Initial without a client Initial before it")
                i = pkt_end
                continue
            key, iv, hp = initial_keys(kver, fl.key_dcid, "client in" if who == "client" else "server in")
            sample = udp[pn_off + 4:pn_off + 20]
            enc = Cipher(algorithms.AES(hp), modes.ECB()).encryptor()
            mask = enc.update(sample) + enc.finalize()
            hb = bytearray(udp[i:pn_off + 4])
            hb[0] ^= mask[0] & 0x0F
            pn_len = (hb[0] & 3) + 1
            for k in range(pn_len):
                hb[pn_off - i + k] ^= mask[1 + k]
            header = bytes(hb[:pn_off - i + pn_len])
            pn = int.from_bytes(header[-pn_len:], "big")
            nonce = (int.from_bytes(iv, "big") ^ pn).to_bytes(12, "big")
            try:
                plain = AESGCM(key).decrypt(nonce, udp[pn_off + pn_len:pkt_end], header)
            except Exception:
                print(head + " Initial: decryption FAILED (keys from dcid %s)" % fl.key_dcid.hex())
                i = pkt_end
                continue
            frames = parse_frames(plain)
            desc = []
            for name, d in frames:
                if name == "CRYPTO":
                    desc.append("CRYPTO[%d+%d]" % (d[0], len(d[1])))
                elif name == "PADDING":
                    desc.append("PADDING(%d)" % d)
                elif d:
                    desc.append("%s(%s)" % (name, d))
                else:
                    desc.append(name)
            print(head + " Initial pn=%d token_len=%d length=%d udp_payload=%d keys_from_dcid=%s\n      frames: %s" % (
                pn, token_len, length, len(udp), fl.key_dcid.hex(), " ".join(desc)))
            cr = fl.crypto[who]
            before = len(contiguous(cr)) if cr else 0
            had = set()
            for o, d in cr.items():
                had.update(range(o, o + len(d)))
            new = 0
            for name, d in frames:
                if name == "CRYPTO":
                    new += len(set(range(d[0], d[0] + len(d[1]))) - had)
                    had.update(range(d[0], d[0] + len(d[1])))
                    if d[0] not in cr or len(cr[d[0]]) < len(d[1]):
                        cr[d[0]] = d[1]
            if any(nm == "CRYPTO" for nm, _ in frames):
                print("      CRYPTO bytes new in this packet: %d (retransmitted: %s)" % (
                    new, "all" if new == 0 else "no" if new == sum(len(d[1]) for nm, d in frames if nm == "CRYPTO") else "some"))
                if new:
                    fl.contrib[who].append(n)
            buf = contiguous(cr)
            if not fl.done[who] and len(buf) >= 4 and len(buf) >= 4 + int.from_bytes(buf[1:4], "big") > before:
                h = parse_hello(buf)
                fl.done[who] = True
                print("      => %s complete: %d bytes (+4 header) from frames %s: %s" % (
                    h["type"], h["length"], ",".join("#%d" % x for x in fl.contrib[who]),
                    "; ".join("%s=%s" % (k, v) for k, v in h.items() if k not in ("type", "length", "_ech"))))
                if "_ech" in h and ech_file:
                    try:
                        inner = ech_open(ech_file, *h["_ech"][1:])
                        print("      => ECH payload opened with %s: ClientHelloInner %s" % (ech_file, "; ".join(
                            "%s=%s" % (k, v) for k, v in inner.items() if k in ("sni", "alpn", "key_share", "extensions"))))
                    except Exception as e:
                        print("      => ECH payload NOT opened with %s (%s: %s): GREASE or another key" % (
                            ech_file, type(e).__name__, e))
            i = pkt_end


if __name__ == "__main__":
    args, ech = sys.argv[1:], None
    if len(args) >= 2 and args[0] == "--ech":
        ech, args = args[1], args[2:]
    for p in args:
        print("== " + p)
        main(p, ech)
