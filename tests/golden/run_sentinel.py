#!/usr/bin/env python3
"""High availability on Redis Sentinel: the real binary, three redis-server
(a master and two replicas) and three redis-sentinel started here on
loopback ports.

A replay fed on stdin is written through `redis-sentinel://` while the
master is killed with SIGKILL. Just before the kill the replicas are
stopped (SIGSTOP) and cut off for a moment, so the master acknowledges
writes that no replica has: exactly the writes asynchronous replication
loses.

- With `exporters.redis.wait_replicas: 1` the sensor follows the failover
  and the registry and the stream end equal to an uninterrupted run's:
  nothing lost (a write counts only once a replica has it), nothing doubled.
- With `wait_replicas: 0` what the new master lacks is counted and
  reported (stderr, exit status 4, a `records-lost` event): never silent.
- `aisensor agents` and `aisensor report` read the registry through the
  same `redis-sentinel://` URL.

usage: run_sentinel.py AISENSOR SOURCE_DIR"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import IN_CI, wait_for  # noqa: E402
from run_redis import SKIP, Redis, first_diff, flat_all, pcap_records, registry  # noqa: E402

results = []
MASTER = "aisensor-test"


def check(name, ok, detail=""):
    results.append(bool(ok))
    print(("ok   " if ok else "FAIL ") + name + ("" if ok or not detail else "\n     " + str(detail)[:900]))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(port, *args):
    p = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port)] + [str(a) for a in args],
                       capture_output=True, text=True, timeout=30)
    return p.stdout.strip()


class Cluster:
    """A master, two replicas and three sentinels watching them (quorum 2)."""

    def __init__(self, tmp):
        self.tmp = tempfile.mkdtemp(dir=tmp)
        self.data = [free_port() for _ in range(3)]
        self.sentinels = [free_port() for _ in range(3)]
        self.procs = {}

    def start(self):
        for i, port in enumerate(self.data):
            d = os.path.join(self.tmp, "node%d" % i)
            os.mkdir(d)
            args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", d, "--save", "",
                    "--appendonly", "no", "--daemonize", "no"]
            if i:
                args += ["--replicaof", "127.0.0.1", str(self.data[0])]
            self.procs[port] = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for port in self.data:
            if not wait_for(lambda: cli(port, "PING") == "PONG", 30):
                raise RuntimeError("redis-server on port %d did not start" % port)
        for port in self.data[1:]:
            wait_for(lambda: "master_link_status:up" in cli(port, "INFO", "replication"), 30)
        for port in self.sentinels:
            conf = os.path.join(self.tmp, "sentinel-%d.conf" % port)
            with open(conf, "w") as f:  # a sentinel rewrites its file: one each, writable
                f.write("port %d\nbind 127.0.0.1\ndir %s\n"
                        "sentinel monitor %s 127.0.0.1 %d 2\n"
                        "sentinel down-after-milliseconds %s 1000\n"
                        "sentinel failover-timeout %s 6000\n"
                        "sentinel parallel-syncs %s 2\n" % (port, self.tmp, MASTER, self.data[0], MASTER, MASTER, MASTER))
            self.procs[port] = subprocess.Popen(["redis-sentinel", conf], stdout=subprocess.DEVNULL,
                                                stderr=subprocess.DEVNULL)
        for port in self.sentinels:
            # each sentinel knows both replicas and the other sentinels before a test kills anything
            wait_for(lambda: self.sentinel_view(port) == (2, 2), 30, 0.1)

    def sentinel_view(self, port):
        info = cli(port, "SENTINEL", "MASTER", MASTER).split("\n")
        kv = dict(zip(info[0::2], info[1::2]))
        try:
            return int(kv.get("num-slaves", -1)), int(kv.get("num-other-sentinels", -1))
        except ValueError:
            return None

    def master_port(self):
        """The master's port as the first sentinel says."""
        out = cli(self.sentinels[0], "SENTINEL", "get-master-addr-by-name", MASTER).split("\n")
        return int(out[1]) if len(out) == 2 and out[1].isdigit() else None

    def url(self):
        return "redis-sentinel://%s/%s" % (",".join("127.0.0.1:%d" % p for p in self.sentinels), MASTER)

    def signal(self, port, sig):
        self.procs[port].send_signal(sig)

    def stop(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGCONT)
                p.terminate()
        for p in self.procs.values():
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def same(want, got):
    """Registries compared field for field, but for destinations' nDPI labels:
    a label can change as nDPI sees more packets, and an input that pauses
    (wall clock, not packets) reports a flow's label early, so the union of
    labels depends on the pace of the feed, not on what reached Redis."""
    def strip(reg):
        return {i: {k: v for k, v in a.items() if not k.endswith(".ndpi")} for i, a in flat_all(reg or {}).items()}
    return bool(want) and strip(want) == strip(got), first_diff(strip(want), strip(got))


def input_stream(src):
    """One pcap byte stream made of every bundled Ethernet capture, in name
    order: the same bytes for the reference and the failover runs."""
    head, out = None, []
    for name in sorted(os.listdir(os.path.join(src, "pcaps"))):
        if not name.endswith(".pcap"):
            continue
        h, recs = pcap_records(os.path.join(src, "pcaps", name))
        if h[:4] != b"\xd4\xc3\xb2\xa1" or h[20:24] != b"\x01\x00\x00\x00":  # little-endian µs, Ethernet
            continue
        head = head or h
        out += [r for _, r in recs]
    return head, out


def write_cfg(tmp, name, prefix, wait_replicas, spool):
    """One sensor name for every run (it is in every event), its own prefix."""
    path = os.path.join(tmp, name + ".yaml")
    with open(path, "w") as f:
        f.write("sensor:\n  name: sentinel-test\nexporters:\n  redis:\n    prefix: \"%s\"\n    drain_timeout_ms: 60000\n"
                "    spool_dir: %s\n    wait_replicas: %d\n    wait_timeout_ms: 300\n"
                % (prefix, spool, wait_replicas))
    return path


def feed(binary, src, args, head, recs, during=None, at=0.3):
    """Runs the sensor on the records fed on stdin at a steady pace over a
    few seconds; `during` runs beside the feeding once `at` of them are in."""
    proc = subprocess.Popen([binary, "-r", "-"] + args, cwd=src, stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    side = None
    try:
        proc.stdin.write(head)
        chunk = max(1, len(recs) // 100)
        for i in range(0, len(recs), chunk):
            if during and i >= at * len(recs):
                side = threading.Thread(target=during)
                side.start()
                during = None
            proc.stdin.write(b"".join(recs[i:i + chunk]))
            proc.stdin.flush()
            time.sleep(0.04)
        proc.stdin.close()
        if side:
            side.join()
        err = proc.stderr.read()
        proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, err.decode(errors="replace")


def main():
    binary, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    missing = [t for t in ("redis-server", "redis-cli", "redis-sentinel") if not shutil.which(t)]
    if missing:
        why = "%s not installed (scripts/setup.sh installs them)" % " and ".join(missing)
        print(("FAIL " if IN_CI else "SKIP ") + "sentinel tests: " + why)
        return 1 if IN_CI else SKIP
    head, recs = input_stream(src)
    with tempfile.TemporaryDirectory() as tmp:
        # The reference: the same stream into a plain Redis, no failover.
        ref = Redis(tmp)
        ref.start()
        try:
            rc, err = feed(binary, src, ["-q", "--redis", ref.url, "-c",
                                         write_cfg(tmp, "ref", "ref:", 0, os.path.join(tmp, "spool-ref"))], head, recs)
            want_reg = registry(binary, src, ref.url, "ref:")
            want_ev = sorted(json.dumps(json.loads(l), sort_keys=True) for l in
                             subprocess.run(["redis-cli", "-s", ref.sock, "--raw", "XRANGE", "ref:events", "-", "+"],
                                            capture_output=True, text=True).stdout.splitlines() if l.startswith("{"))
            check("reference run into one Redis: exit 0, %d agents, %d events" % (len(want_reg or {}), len(want_ev)),
                  rc == 0 and want_reg and want_ev, err[-500:])
        finally:
            ref.stop()

        for wait in (1, 0):
            cl = Cluster(tmp)
            cl.start()
            try:
                old = cl.master_port()
                prefix = "w%d:" % wait
                spool = os.path.join(tmp, "spool-w%d" % wait)

                def failover():
                    # The replicas stop and the master drops their links (what it had sent may
                    # sit in their sockets: that is replicated); for a moment it acknowledges
                    # writes only it holds; then it dies.
                    for p in cl.data[1:]:
                        cl.signal(p, signal.SIGSTOP)
                    cli(old, "CLIENT", "KILL", "TYPE", "replica")
                    time.sleep(0.6)
                    cl.signal(old, signal.SIGKILL)
                    for p in cl.data[1:]:
                        cl.signal(p, signal.SIGCONT)

                args = ["--redis", cl.url(), "-c", write_cfg(tmp, "w%d" % wait, prefix, wait, spool)]
                rc, err = feed(binary, src, args, head, recs, failover)
                new = cl.master_port()
                check("wait_replicas %d: the sentinels promoted a replica (master %s -> %s)" % (wait, old, new),
                      new and new != old)
                url = cl.url()
                got_reg = registry(binary, src, url, prefix)
                raw = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(new), "--raw", "XRANGE",
                                      prefix + "events", "-", "+"], capture_output=True, text=True).stdout
                got_ev = sorted(json.dumps(json.loads(l), sort_keys=True) for l in raw.splitlines() if l.startswith("{")
                                and '"records-lost"' not in l)
                if wait:
                    check("WAIT 1: exit 0 after following the failover", rc == 0, err[-800:])
                    eq, diff = same(want_reg, got_reg)
                    check("WAIT 1: the registry equals the uninterrupted run's (%d agents)" % len(want_reg or {}),
                          eq, diff)
                    page = subprocess.run([binary, "report", "--redis", url, "--prefix", prefix, "-o", "-"],
                                          cwd=src, capture_output=True, text=True, timeout=120)
                    check("aisensor report takes the redis-sentinel:// URL too: a page with every agent",
                          page.returncode == 0 and got_reg and all(i in page.stdout for i in got_reg),
                          page.stderr[-400:])
                    check("WAIT 1: the stream equals the uninterrupted run's: nothing lost, nothing doubled (%d events)"
                          % len(want_ev), got_ev == want_ev,
                          "%d events vs %d; %d missing, %d extra" % (len(got_ev), len(want_ev),
                                                                     len(set(want_ev) - set(got_ev)),
                                                                     len(got_ev) - len(set(got_ev))))
                else:
                    lost = len(want_ev) - len(got_ev)
                    said = re.search(r"failovers followed \((\d+) events, (\d+) contributions lost in a failover\)", err)
                    check("no WAIT: the failover lost events the old master had acknowledged (%d)" % lost, lost > 0)
                    check("no WAIT: the loss is counted exactly and reported: exit 4, %s events said lost"
                          % (said.group(1) if said else "no count"),
                          rc == 4 and said and int(said.group(1)) == lost, err[-800:])
                    check("no WAIT: a records-lost alert in the stream", '"records-lost"' in raw, raw[-300:])
            finally:
                cl.stop()

        # A manual failover (SENTINEL FAILOVER): the old master stays up and
        # takes writes until it is told it is a replica. A write WAIT saw on
        # one replica may be on the other one only, so WAIT 1 may lose it
        # (then it is counted, never silent); WAIT 2 (every replica) keeps it.
        for wait in (2, 1):
            cl = Cluster(tmp)
            cl.start()
            try:
                old = cl.master_port()
                prefix = "manual%d:" % wait
                args = ["--redis", cl.url(), "-c", write_cfg(tmp, prefix[:-1], prefix, wait,
                                                             os.path.join(tmp, "spool-" + prefix[:-1]))]
                rc, err = feed(binary, src, args, head, recs,
                               lambda: cli(cl.sentinels[1], "SENTINEL", "FAILOVER", MASTER))
                new = cl.master_port()
                eq, diff = same(want_reg, registry(binary, src, cl.url(), prefix))
                followed = re.search(r"(\d+) failovers followed \((\d+) events, (\d+) contributions lost", err)
                lost_said = followed and (int(followed.group(2)) + int(followed.group(3)))
                name = "manual failover, WAIT %d (master %s -> %s, the old one a replica): followed, " % (wait, old, new)
                if wait == 2:
                    check(name + "exit 0, the registry equals the uninterrupted run's",
                          new != old and rc == 0 and followed and not lost_said and eq, err[-600:] + diff)
                else:
                    check(name + ("nothing lost" if eq else "the loss counted (%s), exit 4" % lost_said),
                          new != old and followed and ((rc == 0 and not lost_said and eq) or (rc == 4 and lost_said)),
                          err[-600:] + diff)
            finally:
                cl.stop()

        tls_through_stunnel(binary, src, tmp, want_reg, head, recs)

    failed = results.count(False)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    return 1 if failed else 0


def tls_through_stunnel(binary, src, tmp, want_reg, head, recs):
    """hiredis 0.14 has no TLS: a Redis that takes TLS only is reached through
    a local stunnel in client mode that verifies the server's certificate
    (README, "Redis over TLS")."""
    stunnel = shutil.which("stunnel4") or shutil.which("stunnel")
    if not stunnel:
        check("stunnel installed (scripts/setup.sh)", False)
        return
    d = tempfile.mkdtemp(dir=tmp)
    ca, crt, key = (os.path.join(d, n) for n in ("ca.crt", "redis.crt", "redis.key"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-days", "2", "-subj", "/CN=aisensor test CA", "-keyout", os.path.join(d, "ca.key"), "-out", ca],
                   check=True, capture_output=True)
    subprocess.run(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-subj", "/CN=redis.test", "-addext", "subjectAltName=DNS:redis.test", "-keyout", key,
                    "-out", os.path.join(d, "redis.csr")], check=True, capture_output=True)
    subprocess.run(["openssl", "x509", "-req", "-in", os.path.join(d, "redis.csr"), "-CA", ca, "-CAkey",
                    os.path.join(d, "ca.key"), "-CAcreateserial", "-days", "2", "-copy_extensions", "copy",
                    "-out", crt], check=True, capture_output=True)
    tls_port, local_port = free_port(), free_port()
    server = subprocess.Popen(["redis-server", "--port", "0", "--tls-port", str(tls_port), "--bind", "127.0.0.1",
                               "--tls-cert-file", crt, "--tls-key-file", key, "--tls-ca-cert-file", ca,
                               "--tls-auth-clients", "no", "--save", "", "--dir", d],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    conf = os.path.join(d, "stunnel.conf")
    with open(conf, "w") as f:
        f.write("foreground = yes\npid =\n[redis]\nclient = yes\naccept = 127.0.0.1:%d\nconnect = 127.0.0.1:%d\n"
                "CAfile = %s\nverifyChain = yes\ncheckHost = redis.test\n" % (local_port, tls_port, ca))
    tunnel = subprocess.Popen([stunnel, conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: cli(local_port, "PING") == "PONG", 30, 0.1)
        plain = cli(tls_port, "PING")  # the server itself takes no clear text
        url = "redis://127.0.0.1:%d" % local_port
        rc, err = feed(binary, src, ["-q", "--redis", url, "-c", write_cfg(tmp, "tls", "tls:", 0, os.path.join(d, "spool"))],
                       head, recs)
        got = registry(binary, src, url, "tls:")
        eq, diff = same(want_reg, got)
        check("a TLS-only Redis through a local stunnel (certificate checked): exit 0, the registry equals "
              "the reference's (%d agents)" % len(got or {}), plain != "PONG" and rc == 0 and eq, err[-400:] + diff)
    finally:
        for proc in (tunnel, server):
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    sys.exit(main())
