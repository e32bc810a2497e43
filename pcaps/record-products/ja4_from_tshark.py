"""Independent JA4 check: computes JA4 (FoxIO spec, technical_details/JA4.md)
of every TLS ClientHello in a capture from tshark's dissected fields (its JSON
tree, so that each value is taken from its own extension), without aisensor,
and prints it with the raw sorted form (JA4_r) and tshark's own JA3.

Usage: /usr/bin/python3 ja4_from_tshark.py FILE.pcap...
(A copy of record-runtimes/ja4_from_tshark.py.)

Steps, as in the spec: ignore GREASE (0x?a?a with equal bytes) everywhere;
version = highest supported_versions value (else the hello's version); "d" if
the SNI extension is present; 2-digit counts of ciphers and of extensions
(SNI and ALPN included); first and last character of the first ALPN value
("00" without ALPN); JA4_b = sha256 of the sorted 4-hex cipher list, 12 chars;
JA4_c = sha256 of the sorted extension list without 0000/0010, "_", then the
signature algorithms of extension 0x000d in wire order, 12 chars.
"""
import hashlib
import json
import subprocess
import sys

VERSIONS = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3", 0x0002: "s2"}


def grease(v):
    return (v & 0x0F0F) == 0x0A0A and (v >> 8) == (v & 0xFF)


def as_list(v):
    return v if isinstance(v, list) else [v]


def h12(s):
    return hashlib.sha256(s.encode()).hexdigest()[:12] if s else "000000000000"


def ja4(hs):
    """hs: tshark's JSON tree of one ClientHello (tls.handshake)."""
    ciphers = [int(c, 16) for c in as_list(hs["tls.handshake.ciphersuites"]["tls.handshake.ciphersuite"])]
    ciphers = [c for c in ciphers if not grease(c)]
    exts, sigs, versions, alpn_list, sni_name = [], [], [], [], ""
    for key, nodes in hs.items():
        if not key.startswith("Extension: "):
            continue
        for e in as_list(nodes):  # equal keys (e.g. two GREASE extensions) come as a list
            t = int(e["tls.handshake.extension.type"])
            if grease(t):
                continue
            exts.append(t)
            if t == 0x000D:  # signature_algorithms only (delegated_credentials etc. reuse the field)
                sigs = [int(x, 16) for x in as_list(e["tls.handshake.sig_hash_algs"]["tls.handshake.sig_hash_alg"])]
            elif t == 0x002B:
                versions = [int(x, 16) for x in as_list(e["tls.handshake.extensions.supported_version"])]
            elif t == 0x0010:
                alpn_list = as_list(e["tls.handshake.extensions_alpn_list"]["tls.handshake.extensions_alpn_str"])
            elif t == 0x0000:
                sni_name = e["Server Name Indication extension"]["tls.handshake.extensions_server_name"]
    sigs = [x for x in sigs if not grease(x)]
    versions = [v for v in versions if not grease(v)]
    ver = VERSIONS.get(max(versions) if versions else int(hs["tls.handshake.version"], 16), "00")
    sni = "d" if 0x0000 in exts else "i"
    first = alpn_list[0] if alpn_list else ""
    alpn = (first[0] + first[-1]) if first else "00"
    a = f"t{ver}{sni}{min(len(ciphers), 99):02d}{min(len(exts), 99):02d}{alpn}"
    c_list = ",".join(sorted(f"{c:04x}" for c in ciphers))
    e_list = ",".join(sorted(f"{e:04x}" for e in exts if e not in (0x0000, 0x0010)))
    s_list = ",".join(f"{x:04x}" for x in sigs)
    c_str = e_list + ("_" + s_list if s_list else "")
    return f"{a}_{h12(c_list)}_{h12(c_str)}", f"{a}_{c_list}_{c_str}", sni_name, ",".join(alpn_list) or "-"


for pcap in sys.argv[1:]:
    out = subprocess.run(
        ["tshark", "-r", pcap, "-Y", "tls.handshake.type == 1", "-T", "json", "--no-duplicate-keys"],
        capture_output=True, text=True, check=True,
    ).stdout
    for pkt in json.loads(out):
        layers = pkt["_source"]["layers"]
        for rec in as_list(layers["tls"]["tls.record"]):
            hs = rec.get("tls.handshake")
            if not isinstance(hs, dict) or hs.get("tls.handshake.type") != "1":
                continue
            fp, raw, sni_name, alpn = ja4(hs)
            print(f"{pcap}\t{layers['ip']['ip.src']}:{layers['tcp']['tcp.srcport']}\t{sni_name}\t"
                  f"JA4={fp}\tJA3={hs.get('tls.handshake.ja3')}\tALPN={alpn}")
            print(f"   JA4_r={raw}")
