#!/usr/bin/python3
"""Checks the h3-* twin captures (README-h3.md).

tshark 4.0 decrypts the QUIC packets with the key log and shows HTTP/3 frames,
but it does not decode QPACK: it prints HEADERS frames as raw bytes. So this
script takes the decrypted STREAM frames from tshark (-T pdml), reassembles
each stream, parses HTTP/3 frames, and decodes the header blocks itself with
a small QPACK decoder (RFC 9204: static table, the dynamic table fed by each
side's encoder stream, Huffman via python3-hpack). The HTTP/2 twin is read
with tshark's own HTTP/2 dissector. For both it prints, per request, method,
path, authority, key, content type, user agent, the request body's model, the
status and the response body's object/model/usage, and checks the twins give
the same exchanges, that every key is in test-keys.txt, and (keyupdate) that
the key phase changes.

  record-h3/verify.py                 # all captures present, from pcaps/
  record-h3/verify.py -v              # also every decoded header field and QPACK instruction
"""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

from hpack.huffman_table import decode_huffman

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)
VERBOSE = '-v' in sys.argv[1:]

# RFC 9204 Appendix A.
STATIC = [
    (':authority', ''), (':path', '/'), ('age', '0'), ('content-disposition', ''), ('content-length', '0'),
    ('cookie', ''), ('date', ''), ('etag', ''), ('if-modified-since', ''), ('if-none-match', ''),
    ('last-modified', ''), ('link', ''), ('location', ''), ('referer', ''), ('set-cookie', ''),
    (':method', 'CONNECT'), (':method', 'DELETE'), (':method', 'GET'), (':method', 'HEAD'),
    (':method', 'OPTIONS'), (':method', 'POST'), (':method', 'PUT'), (':scheme', 'http'),
    (':scheme', 'https'), (':status', '103'), (':status', '200'), (':status', '304'), (':status', '404'),
    (':status', '503'), ('accept', '*/*'), ('accept', 'application/dns-message'),
    ('accept-encoding', 'gzip, deflate, br'), ('accept-ranges', 'bytes'),
    ('access-control-allow-headers', 'cache-control'), ('access-control-allow-headers', 'content-type'),
    ('access-control-allow-origin', '*'), ('cache-control', 'max-age=0'), ('cache-control', 'max-age=2592000'),
    ('cache-control', 'max-age=604800'), ('cache-control', 'no-cache'), ('cache-control', 'no-store'),
    ('cache-control', 'public, max-age=31536000'), ('content-encoding', 'br'), ('content-encoding', 'gzip'),
    ('content-type', 'application/dns-message'), ('content-type', 'application/javascript'),
    ('content-type', 'application/json'), ('content-type', 'application/x-www-form-urlencoded'),
    ('content-type', 'image/gif'), ('content-type', 'image/jpeg'), ('content-type', 'image/png'),
    ('content-type', 'text/css'), ('content-type', 'text/html; charset=utf-8'), ('content-type', 'text/plain'),
    ('content-type', 'text/plain;charset=utf-8'), ('range', 'bytes=0-'),
    ('strict-transport-security', 'max-age=31536000'),
    ('strict-transport-security', 'max-age=31536000; includesubdomains'),
    ('strict-transport-security', 'max-age=31536000; includesubdomains; preload'), ('vary', 'accept-encoding'),
    ('vary', 'origin'), ('x-content-type-options', 'nosniff'), ('x-xss-protection', '1; mode=block'),
    (':status', '100'), (':status', '204'), (':status', '206'), (':status', '302'), (':status', '400'),
    (':status', '403'), (':status', '421'), (':status', '425'), (':status', '500'), ('accept-language', ''),
    ('access-control-allow-credentials', 'FALSE'), ('access-control-allow-credentials', 'TRUE'),
    ('access-control-allow-headers', '*'), ('access-control-allow-methods', 'get'),
    ('access-control-allow-methods', 'get, post, options'), ('access-control-allow-methods', 'options'),
    ('access-control-expose-headers', 'content-length'), ('access-control-request-headers', 'content-type'),
    ('access-control-request-method', 'get'), ('access-control-request-method', 'post'), ('alt-svc', 'clear'),
    ('authorization', ''),
    ('content-security-policy', "script-src 'none'; object-src 'none'; base-uri 'none'"),
    ('early-data', '1'), ('expect-ct', ''), ('forwarded', ''), ('if-range', ''), ('origin', ''),
    ('purpose', 'prefetch'), ('server', ''), ('timing-allow-origin', '*'), ('upgrade-insecure-requests', '1'),
    ('user-agent', ''), ('x-forwarded-for', ''), ('x-frame-options', 'deny'), ('x-frame-options', 'sameorigin'),
]
assert len(STATIC) == 99


class Buf:
    def __init__(self, b):
        self.b, self.i = b, 0

    def left(self):
        return len(self.b) - self.i

    def byte(self):
        return self.b[self.i]

    def varint(self):  # QUIC variable-length integer
        first = self.b[self.i]
        n = 1 << (first >> 6)
        v = first & 0x3F
        for k in range(1, n):
            v = (v << 8) | self.b[self.i + k]
        self.i += n
        return v

    def pint(self, bits):  # HPACK/QPACK prefixed integer
        mask = (1 << bits) - 1
        v = self.b[self.i] & mask
        self.i += 1
        if v < mask:
            return v
        m = 0
        while True:
            c = self.b[self.i]
            self.i += 1
            v += (c & 0x7F) << m
            m += 7
            if not c & 0x80:
                return v

    def string(self, bits):  # H flag just above a `bits`-bit length prefix
        huff = self.b[self.i] & (1 << bits)
        n = self.pint(bits)
        raw = self.b[self.i:self.i + n]
        self.i += n
        return (decode_huffman(raw) if huff else raw).decode('latin-1'), bool(huff)

    def take(self, n):
        raw = self.b[self.i:self.i + n]
        self.i += n
        return raw


class QpackSide:
    """Decoder state for header blocks sent by one endpoint (its encoder stream)."""

    def __init__(self, who):
        self.who = who
        self.entries = []  # absolute index -> (name, value); nothing is evicted here
        self.capacity = None
        self.log = []

    def encoder_stream(self, data):
        b = Buf(data)
        while b.left():
            c = b.byte()
            if c & 0x80:  # Insert With Name Reference
                static = bool(c & 0x40)
                idx = b.pint(6)
                name = STATIC[idx][0] if static else self.entries[len(self.entries) - 1 - idx][0]
                value, h = b.string(7)
                self.entries.append((name, value))
                self.log.append(f'insert #{len(self.entries) - 1} name-ref {"static" if static else "dynamic"} {idx}'
                                f'{", Huffman value" if h else ""}: {name}: {value}')
            elif c & 0x40:  # Insert With Literal Name
                name, h = b.string(5)
                value, h2 = b.string(7)
                self.entries.append((name, value))
                self.log.append(f'insert #{len(self.entries) - 1} literal name{", Huffman" if h or h2 else ""}: {name}: {value}')
            elif c & 0x20:  # Set Dynamic Table Capacity
                self.capacity = b.pint(5)
                self.log.append(f'set capacity {self.capacity}')
            else:  # Duplicate
                idx = b.pint(5)
                self.entries.append(self.entries[len(self.entries) - 1 - idx])
                self.log.append(f'duplicate #{len(self.entries) - 1}')

    def header_block(self, data, max_table_capacity):
        b = Buf(data)
        enc_ric = b.pint(8)
        if enc_ric == 0:
            ric = 0
        else:
            max_entries = max_table_capacity // 32
            full = 2 * max_entries
            max_value = len(self.entries) + max_entries
            ric = (max_value // full) * full + enc_ric - 1
            if ric > max_value:
                ric -= full
        sign = b.byte() & 0x80
        delta = b.pint(7)
        base = ric - delta - 1 if sign else ric + delta
        fields, refs = [], {'static': 0, 'dynamic': 0, 'literal': 0}
        while b.left():
            c = b.byte()
            if c & 0x80:  # Indexed Field Line
                static = bool(c & 0x40)
                idx = b.pint(6)
                fields.append(STATIC[idx] if static else self.entries[base - 1 - idx])
                refs['static' if static else 'dynamic'] += 1
            elif c & 0x40:  # Literal Field Line With Name Reference
                static = bool(c & 0x10)
                idx = b.pint(4)
                name = STATIC[idx][0] if static else self.entries[base - 1 - idx][0]
                value, h = b.string(7)
                fields.append((name, value))
                refs['literal'] += 1
            elif c & 0x20:  # Literal Field Line With Literal Name
                name, h = b.string(3)
                value, h2 = b.string(7)
                fields.append((name, value))
                refs['literal'] += 1
            elif c & 0x10:  # Indexed Field Line With Post-Base Index
                idx = b.pint(4)
                fields.append(self.entries[base + idx])
                refs['dynamic'] += 1
            else:  # Literal Field Line With Post-Base Name Reference
                idx = b.pint(3)
                name = self.entries[base + idx][0]
                value, h = b.string(7)
                fields.append((name, value))
                refs['literal'] += 1
        return fields, ric, refs


def tshark(args):
    return subprocess.run(['tshark'] + args, check=True, capture_output=True).stdout


def h3_read(pcap, keylog):
    """Reassembled streams {(dir, id): bytes} and key phases per direction."""
    xml = tshark(['-r', pcap, '-o', f'tls.keylog_file:{keylog}', '-Y', 'quic', '-T', 'pdml'])
    chunks, phases, conns = {}, [], set()
    for pkt in ET.fromstring(xml).iter('packet'):
        udp = {f.get('name'): f.get('show') for f in pkt.iter('field') if f.get('name', '').startswith('udp.')}
        dport, sport = udp.get('udp.dstport'), udp.get('udp.srcport')
        d = 'c2s' if dport == '443' else 's2c'
        conns.add(sport if d == 'c2s' else dport)
        for f in pkt.iter('field'):
            n = f.get('name')
            if n == 'quic.short':
                kp = [g.get('show') for g in f.iter('field') if g.get('name') == 'quic.key_phase']
                pn = [g.get('show') for g in f.iter('field') if g.get('name') == 'quic.packet_number']
                if kp:
                    phases.append((d, '1' if kp[0] in ('1', 'True') else '0', pn[0] if pn else '?',
                                   pkt.find("proto[@name='frame']/field[@name='frame.number']").get('show')))
            if n != 'quic.frame':
                continue
            sub = {g.get('name'): g for g in f}
            if 'quic.stream.stream_id' not in sub or 'quic.stream_data' not in sub:
                continue
            sid = int(sub['quic.stream.stream_id'].get('show'))
            off = int(sub['quic.stream.offset'].get('show')) if 'quic.stream.offset' in sub else 0
            chunks.setdefault((d, sid), {})[off] = bytes.fromhex(sub['quic.stream_data'].get('value'))
    if len(conns) != 1:
        raise SystemExit(f'{pcap}: expected one QUIC connection, got client ports {sorted(conns)}')
    streams = {}
    for k, parts in chunks.items():
        data = bytearray()
        for off in sorted(parts):
            p = parts[off]
            if off > len(data):
                raise SystemExit(f'{pcap}: gap in stream {k} at {len(data)}')
            data[off:off + len(p)] = p
        streams[k] = bytes(data)
    return streams, phases


def h3_frames(data):
    b = Buf(data)
    while b.left():
        t = b.varint()
        n = b.varint()
        yield t, b.take(n)


def h3_exchanges(pcap, keylog, info):
    streams, phases = h3_read(pcap, keylog)
    qpack = {'c2s': QpackSide('client'), 's2c': QpackSide('server')}
    settings = {'c2s': {}, 's2c': {}}
    uni = {}
    for (d, sid), data in sorted(streams.items()):
        if sid & 2:  # unidirectional
            b = Buf(data)
            st = b.varint()
            uni[(d, sid)] = st
            rest = data[b.i:]
            if st == 0x00:
                for t, p in h3_frames(rest):
                    if t == 0x04:
                        pb = Buf(p)
                        while pb.left():
                            k = pb.varint()
                            settings[d][k] = pb.varint()
            elif st == 0x02:
                qpack[d].encoder_stream(rest)
    info['unidirectional streams'] = ', '.join(
        f'{sid} ({d}) ' + {0: 'control', 2: 'QPACK encoder', 3: 'QPACK decoder'}.get(t, hex(t))
        for (d, sid), t in sorted(uni.items(), key=lambda x: x[0][1]))
    for d in ('c2s', 's2c'):
        who = 'client' if d == 'c2s' else 'server'
        info[f'{who} SETTINGS'] = ', '.join(f'0x{k:x}={v}' for k, v in settings[d].items())
        info[f'{who} QPACK encoder'] = f'capacity {qpack[d].capacity}, {len(qpack[d].entries)} inserts'
        if VERBOSE:
            for line in qpack[d].log:
                print(f'      {who} encoder: {line}')
    for d in ('c2s', 's2c'):
        runs = []  # [KP, first pn, first frame, count]
        for dd, kp, pn, fr in phases:
            if dd != d:
                continue
            if runs and runs[-1][0] == kp:
                runs[-1][3] += 1
            else:
                runs.append([kp, pn, fr, 1])
        info[f'1-RTT key phases {d}'] = ', '.join(f'KP{kp} from pn {pn} (frame {fr}) x{n}' for kp, pn, fr, n in runs)
    out = []
    for (d, sid), data in sorted(streams.items(), key=lambda x: x[0][1]):
        if sid & 2 or d != 'c2s':
            continue
        ex = {'stream': sid}
        for dd in ('c2s', 's2c'):
            body = b''
            hdrs = []
            # the decoder of dd's header blocks is the other side: its SETTINGS
            cap = settings['s2c' if dd == 'c2s' else 'c2s'].get(0x01, 0)
            for t, p in h3_frames(streams.get((dd, sid), b'')):
                if t == 0x01:
                    fields, ric, refs = qpack[dd].header_block(p, cap)
                    hdrs += fields
                    ex.setdefault('qpack', []).append(f'{dd}: RIC {ric}, {refs}')
                elif t == 0x00:
                    body += p
            ex['req' if dd == 'c2s' else 'resp'] = (hdrs, body)
        out.append(ex)
    return out


def h2_exchanges(pcap, keylog):
    xml = tshark(['-r', pcap, '-o', f'tls.keylog_file:{keylog}', '-Y', 'http2', '-T', 'pdml'])
    per = {}
    conns = set()
    for pkt in ET.fromstring(xml).iter('packet'):
        tcp = {f.get('name'): f.get('show') for f in pkt.iter('field') if f.get('name', '').startswith('tcp.')}
        d = 'c2s' if tcp.get('tcp.dstport') == '443' else 's2c'
        port = tcp.get('tcp.srcport') if d == 'c2s' else tcp.get('tcp.dstport')
        for st in pkt.iter('field'):
            if st.get('name') != 'http2.stream':
                continue
            sub = [g for g in st]
            sid = [int(g.get('show')) for g in sub if g.get('name') == 'http2.streamid']
            if not sid or sid[0] == 0:
                continue
            conns.add(port)
            e = per.setdefault((port, sid[0]), {'c2s': ([], b''), 's2c': ([], b'')})
            hdrs, body = e[d]
            for g in st.iter('field'):
                if g.get('name') == 'http2.header':
                    kv = {h.get('name'): h.get('show') for h in g}
                    hdrs.append((kv.get('http2.header.name'), kv.get('http2.header.value')))
                elif g.get('name') == 'http2.data.data':
                    body += bytes.fromhex(g.get('value'))
            e[d] = (hdrs, body)
    out = []
    for (port, sid), e in sorted(per.items(), key=lambda x: (x[0][0], x[0][1])):
        out.append({'stream': sid, 'req': e['c2s'], 'resp': e['s2c'], 'conn': port})
    return out, conns


def summary(ex):
    rq, rb = ex['req']
    sh, sb = ex['resp']
    h = dict(rq)
    s = dict(sh)
    r = {
        'method': h.get(':method'), 'path': h.get(':path'), 'authority': h.get(':authority'),
        'scheme': h.get(':scheme'), 'authorization': h.get('authorization'),
        'content-type': h.get('content-type'), 'user-agent': h.get('user-agent'),
        'status': s.get(':status'),
    }
    for side, body in (('req', rb), ('resp', sb)):
        try:
            j = json.loads(body) if body else None
        except ValueError:
            j = None
        if isinstance(j, dict):
            for k in ('model', 'object', 'usage'):
                if k in j:
                    r[f'{side}.{k}'] = j[k]
            if j.get('object') == 'list':
                r['resp.data.ids'] = [x.get('id') for x in j.get('data', [])]
        elif body:
            r[f'{side}.body'] = f'{len(body)} bytes'
    return r


def main():
    os.chdir(OUT)
    keys = [l.strip() for l in open(os.path.join(HERE, 'test-keys.txt')) if l.strip()]
    ok = True
    results = {}
    for name in ('h3-chromium-page', 'h3-chromium-keyupdate', 'h3-chromium-page-h2'):
        pcap, kl = f'{name}.pcap', f'keylogs/{name}.keylog'
        if not os.path.exists(pcap):
            continue
        print(f'{name}')
        info = {}
        if name.endswith('-h2'):
            exs, conns = h2_exchanges(pcap, kl)
            info['TCP connections carrying HTTP/2 streams'] = len(conns)
        else:
            exs = h3_exchanges(pcap, kl, info)
        for k, v in info.items():
            print(f'   {k}: {v}')
        sums = []
        for ex in exs:
            s = summary(ex)
            sums.append(s)
            print(f'   stream {ex["stream"]}: {s["method"]} {s["path"]} -> {s["status"]}'
                  + (f'   QPACK {"; ".join(ex["qpack"])}' if 'qpack' in ex else ''))
            for k, v in s.items():
                if k not in ('method', 'path', 'status'):
                    print(f'      {k}: {json.dumps(v) if not isinstance(v, str) else v}')
            if VERBOSE:
                for hn, hv in ex['req'][0]:
                    print(f'      > {hn}: {hv}')
                for hn, hv in ex['resp'][0]:
                    print(f'      < {hn}: {hv}')
            a = s.get('authorization')
            if a and not (a.startswith('Bearer ') and a[7:] in keys):
                print(f'   ERROR: key not in test-keys.txt: {a}')
                ok = False
        if not any(s.get('req.model') for s in sums):
            print('   ERROR: no request with a model')
            ok = False
        if name == 'h3-chromium-keyupdate' and 'KP1' not in info.get('1-RTT key phases c2s', '') + info.get('1-RTT key phases s2c', ''):
            print('   ERROR: no key phase change')
            ok = False
        results[name] = sums

    # Twins: the same API exchanges (the page GET / differs only in nothing
    # that matters here; response content-type comes from the servers).
    def api(sums):
        keep = ('method', 'path', 'authority', 'scheme', 'authorization', 'content-type', 'user-agent', 'status',
                'req.model', 'resp.model', 'resp.object', 'resp.usage', 'resp.data.ids')
        return [{k: s.get(k) for k in keep} for s in sums]

    pairs = [('h3-chromium-page', 'h3-chromium-page-h2'), ('h3-chromium-keyupdate', 'h3-chromium-page-h2')]
    for a, b in pairs:
        if a in results and b in results:
            same = api(results[a]) == api(results[b])
            print(f'twins {a} vs {b}: {"SAME" if same else "DIFFERENT"}')
            if not same:
                ok = False
                for x, y in zip(api(results[a]), api(results[b])):
                    for k in x:
                        if x[k] != y[k]:
                            print(f'   {k}: {x[k]!r} != {y[k]!r}')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
