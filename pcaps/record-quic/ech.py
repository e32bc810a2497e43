#!/usr/bin/python3
"""Throw-away Encrypted Client Hello configuration for the recorder.

    ech.py PUBLIC_NAME OUT.ech     writes OUT.ech and prints the HTTPS RR rdata (hex)

OUT.ech holds two lines, both hex:
    ECH_CONFIG_LIST <ECHConfigList, as published in the HTTPS record's ech= parameter>
    ECH_PRIVATE_KEY <raw X25519 private key>
The key exists only so the captured ECH payload can be opened for
verification (quic_initial.py --ech OUT.ech); it is a test secret.

The ECHConfig (version 0xfe0d, RFC 9849 / draft-ietf-tls-esni-18+) offers
DHKEM(X25519, HKDF-SHA256) with HKDF-SHA256 + AES-128-GCM, config_id 7,
maximum_name_length 0, no extensions. The HTTPS record is
"1 . alpn=h3 ech=<list>" (SvcPriority 1, TargetName ".").
"""
import struct
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey


def main(public_name, out):
    sk = X25519PrivateKey.generate()
    pk = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    raw_sk = sk.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                              serialization.NoEncryption())
    name = public_name.encode()
    contents = (bytes([7]) + struct.pack(">HH", 0x0020, len(pk)) + pk
                + struct.pack(">HHH", 4, 0x0001, 0x0001)  # cipher_suites: HKDF-SHA256, AES-128-GCM
                + bytes([0, len(name)]) + name + struct.pack(">H", 0))
    config = struct.pack(">HH", 0xFE0D, len(contents)) + contents
    config_list = struct.pack(">H", len(config)) + config
    alpn = b"\x02h3"
    rdata = (struct.pack(">H", 1) + b"\x00"
             + struct.pack(">HH", 1, len(alpn)) + alpn
             + struct.pack(">HH", 5, len(config_list)) + config_list)
    with open(out, "w") as f:
        f.write("ECH_CONFIG_LIST %s\nECH_PRIVATE_KEY %s\n" % (config_list.hex(), raw_sk.hex()))
    print(rdata.hex())


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
