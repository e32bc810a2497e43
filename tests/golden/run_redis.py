#!/usr/bin/env python3
"""Registry tests: the real binary feeding a real redis-server on a temporary
unix socket. The registry must equal the inventory; two sensors replaying
overlapping captures must leave the registry one sensor leaves replaying
everything; a Redis killed and restarted mid-replay must lose nothing (with
the spool); a wrong password or an unknown host is a clear error at start;
consumers read the event stream with a consumer group."""
import glob
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import IN_CI, flatten, wait_for  # noqa: E402  (the same flattening rules as the contributions check)

results = []
SKIP = 77  # ctest: SKIP_RETURN_CODE (tests/CMakeLists.txt)


def check(name, ok, detail=""):
    results.append(bool(ok))
    print(("ok   " if ok else "FAIL ") + name + ("" if ok or not detail else "\n     " + str(detail)[:600]))


class Redis:
    def __init__(self, tmp, extra=()):
        self.dir = tempfile.mkdtemp(dir=tmp)
        self.sock = os.path.join(self.dir, "redis.sock")
        self.extra = list(extra)
        self.proc = None

    def start(self, timeout=30):
        """Starts redis-server and returns once it answers PING (a killed
        server's socket file may still be there: only an answer counts)."""
        self.proc = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", self.sock, "--dir", self.dir, "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no"] + self.extra,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        up = wait_for(lambda: self.proc.poll() is not None or
                      self.cli("PING").strip() in ("PONG", "NOAUTH Authentication required."), timeout, 0.01)
        if not up or self.proc.poll() is not None:
            raise RuntimeError("redis-server did not answer PING within %ds (exit %s)" % (timeout, self.proc.poll()))

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()

    def cli(self, *args):
        p = subprocess.run(["redis-cli", "-s", self.sock] + list(args), capture_output=True, text=True, timeout=30)
        return p.stdout

    def int(self, *args):
        """An integer reply; None when there is none (server down, error)."""
        try:
            return int(self.cli(*args).strip())
        except ValueError:
            return None

    @property
    def url(self):
        return "unix://" + self.sock


def sensor(binary, src, args, timeout=300, quiet=True):
    return subprocess.run([binary] + (["-q"] if quiet else []) + args, cwd=src, capture_output=True, timeout=timeout)


STATS = re.compile(rb"redis: (?P<events>\d+) events, (?P<contributions>\d+) contributions written "
                   rb"\((?P<replayed>\d+) replayed from the spool\); (?P<spooled>\d+) spooled, "
                   rb"(?P<left>\d+) left in the spool; dropped: (?P<dropped_events>\d+) events, "
                   rb"(?P<dropped_contributions>\d+) contributions .*?; (?P<rejected>\d+) rejected; "
                   rb"(?P<undelivered>\d+) undelivered; (?P<reconnects>\d+) reconnects, (?P<errors>\d+) errors")


DUPLICATES = re.compile(rb"; (\d+) events already in the stream \(event\.id\) not added again")


def redis_stats(stderr):
    """The exporter's final statistics line (printed without -q), as ints; None if absent."""
    m = STATS.search(stderr)
    return {k: int(v) for k, v in m.groupdict().items()} if m else None


def spooled_bytes(spool):
    """Bytes of records in the spool's segments (each opens with an 8-byte magic)."""
    return sum(max(0, os.path.getsize(f) - 8) for f in glob.glob(os.path.join(spool, "seg-*.spool")))


def registry(binary, src, url, prefix):
    p = subprocess.run([binary, "agents", "--redis", url, "--prefix", prefix, "--json"], cwd=src,
                       capture_output=True, timeout=60)
    if p.returncode != 0:
        return None
    return {a["agent_id"]: a for a in json.loads(p.stdout)["agents"]}


def flat_all(agents):
    return {i: flatten(a) for i, a in agents.items()}


def first_diff(want, got):
    for i in sorted(set(want) | set(got)):
        w, g = want.get(i, {}), got.get(i, {})
        diff = sorted(k for k in set(w) | set(g) if w.get(k) != g.get(k))
        if diff:
            return "%s: %s" % (i, [(k, w.get(k), g.get(k)) for k in diff[:4]])
    return ""


def replay_twice(binary, src, r, n_events):
    """The captures of check 1 replayed again into the same registry: each
    event, known by its event.id, is in the stream once, and the duplicates
    are counted."""
    first = [l for l in r.cli("XRANGE", "aisensor:events", "-", "+", "COUNT", "1").splitlines() if l.startswith("{")]
    p = sensor(binary, src, ["-r", "pcaps", "--redis", r.url], quiet=False)
    n_again = r.int("XLEN", "aisensor:events")
    st, dup = redis_stats(p.stderr), DUPLICATES.search(p.stderr)
    check("the same captures replayed again: every event once in the stream (%d), the duplicates counted (%s)"
          % (n_events, dup.group(1).decode() if dup else "none"),
          bool(first) and isinstance((json.loads(first[0]).get("event") or {}).get("id"), str)
          and p.returncode == 0 and n_again == n_events and st is not None and dup is not None
          and int(dup.group(1)) == st["events"], (first[:1], p.returncode, n_again, p.stderr.decode(errors="replace")[-500:]))


def same_as_inventory(what, inv, got):
    """`agents --json` gives each record of one replay in the inventory's shape
    exactly: nulls, empty arrays, zero counters, member names, types, order."""
    want = {a["agent_id"]: a for a in json.load(open(inv))["agents"]}
    unequal = [i for i in want if (got or {}).get(i) != want[i]]
    check("agents --json: every record equals the inventory's, field for field (%s: %d agents)" % (what, len(want)),
          bool(want) and got is not None and set(got) == set(want) and not unequal,
          unequal[:1] and json.dumps([want[unequal[0]], got.get(unequal[0])])[:1500])


def main():
    binary, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    missing = [t for t in ("redis-server", "redis-cli") if not shutil.which(t)]
    if missing:
        why = "%s not installed (scripts/setup.sh installs them)" % " and ".join(missing)
        if IN_CI:  # CI must run it
            print("FAIL registry tests: " + why)
            return 1
        print("SKIP registry tests: " + why)
        return SKIP
    caps = sorted(glob.glob("pcaps/*.pcap", root_dir=src))
    with tempfile.TemporaryDirectory() as tmp:
        r = Redis(tmp)
        r.start()
        try:
            # 1. The registry holds exactly what the inventory says.
            inv = os.path.join(tmp, "inv.json")
            p = sensor(binary, src, ["-r", "pcaps", "--redis", r.url, "--inventory", inv])
            check("replay into redis: exit 0", p.returncode == 0, p.stderr.decode(errors="replace"))
            want = flat_all({a["agent_id"]: a for a in json.load(open(inv))["agents"]})
            got = registry(binary, src, r.url, "aisensor:")
            got_flat = flat_all(got or {})
            check("registry equals the inventory (%d agents)" % len(want), bool(want) and got is not None and got_flat == want,
                  first_diff(want, got_flat))
            same_as_inventory("captures", inv, got)
            # and read with their key logs (decrypted content: more of every section), public captures too
            keylogs = sum((["--keylog", k] for k in sorted(glob.glob("pcaps/keylogs/*.keylog", root_dir=src))), [])
            inv2 = os.path.join(tmp, "inv-keylogs.json")
            p = sensor(binary, src, ["-r", "pcaps", "-r", "pcaps/public", "--redis", r.url, "--inventory", inv2,
                                     "-c", write_cfg(tmp, "keylogs", "keylogs:")] + keylogs)
            check("replay with key logs into redis: exit 0", p.returncode == 0, p.stderr.decode(errors="replace"))
            same_as_inventory("captures with key logs, public captures", inv2, registry(binary, src, r.url, "keylogs:"))
            hb = r.cli("HGETALL", "aisensor:sensor:aisensor")
            ttl = int(r.cli("TTL", "aisensor:sensor:aisensor").strip() or -2)
            check("sensor heartbeat hash with a TTL", "packets" in hb and ttl > 0, hb + " ttl=%d" % ttl)
            n_events = r.int("XLEN", "aisensor:events")
            n_inv = json.load(open(inv))["sensor"]["events"]
            check("events stream holds every event of the run (%d)" % n_inv, n_inv > 0 and n_events == n_inv,
                  "%s entries, %d events" % (n_events, n_inv))
            replay_twice(binary, src, r, n_events)

            # 1b. Products: Claude Code's and Codex's records (LLM client, MCP
            #     client) read with their key logs carry one product each,
            #     list each other in `related`, and `aisensor agents
            #     --product` finds them by it.
            prods = ["product-claude-code", "product-codex"]
            args = sum((["-r", "pcaps/%s.pcap" % c, "--keylog", "pcaps/keylogs/%s.keylog" % c] for c in prods), [])
            p = sensor(binary, src, args + ["--redis", r.url, "-c", write_cfg(tmp, "prod", "prod:")])
            out = subprocess.run([binary, "agents", "--redis", r.url, "--prefix", "prod:", "--product", "claude-code",
                                  "--json"], cwd=src, capture_output=True, timeout=60)
            cc = json.loads(out.stdout)["agents"] if out.returncode == 0 and p.returncode == 0 else []
            ids = {a["agent_id"] for a in cc}
            check("agents --product claude-code: its LLM and MCP client records, product and related (%d)" % len(cc),
                  sorted(a["kind"] for a in cc) == ["llm-api-client", "mcp-client"]
                  and all(a.get("product", {}).get("name") == "Claude Code" and a["product"].get("version") == "2.1.332"
                          and set(a.get("related", [])) == ids - {a["agent_id"]} for a in cc),
                  (out.stderr.decode(errors="replace")[-300:], json.dumps(cc)[:1500]))
            out = subprocess.run([binary, "agents", "--redis", r.url, "--prefix", "prod:"], cwd=src, capture_output=True,
                                 timeout=60)
            check("agents table groups a product's records under one line",
                  b": product Claude Code 2.1.332 (Anthropic), 2 records" in out.stdout
                  and b": product Codex CLI 0.171.0 (OpenAI), 2 records" in out.stdout, out.stdout.decode()[-1500:])

            # 1b'. agents --host takes an address or a host name, as the table
            #      shows them (not only the internal host key); a --kind that
            #      is no kind is an error, not an empty answer.
            out = subprocess.run([binary, "agents", "--redis", r.url, "--prefix", "prod:", "--host", "127.0.24.11",
                                  "--json"], cwd=src, capture_output=True, timeout=60)
            by_ip = json.loads(out.stdout)["agents"] if out.returncode == 0 else []
            check("agents --host by address: the host's records (%d)" % len(by_ip),
                  len(by_ip) == 2 and all(a["host"]["ip"] == "127.0.24.11" for a in by_ip), out.stderr[-300:])
            out = subprocess.run([binary, "agents", "--redis", r.url, "--host", "build-07", "--json"], cwd=src,
                                 capture_output=True, timeout=60)
            by_name = json.loads(out.stdout)["agents"] if out.returncode == 0 else []
            check("agents --host by host name: the host's records (%d)" % len(by_name),
                  by_name and all(a["host"].get("hostname") == "build-07" for a in by_name), out.stderr[-300:])
            out = subprocess.run([binary, "agents", "--redis", r.url, "--kind", "mcp"], cwd=src, capture_output=True,
                                 timeout=60)
            check("agents --kind mcp (no kind): exit 2, the kinds listed", out.returncode == 2
                  and b"--kind mcp is no agent kind (llm-api-client" in out.stderr, out.stderr)
            out = subprocess.run([binary, "agents", "--redis", r.url, "--host", ""], cwd=src, capture_output=True,
                                 timeout=60)
            check("agents --host '' (no value): exit 2, said", out.returncode == 2
                  and b"--host needs a value" in out.stderr, out.stderr)

            # 1b''. Host attributes (owner, team, site, host name) are the newest
            #       observation's, and the owner index follows them.
            host_attributes(binary, src, r, tmp)

            # 1c. Redis gone for good, no spool: the run finishes, says how many
            #     records never reached it, and exits 4.
            gone = Redis(tmp)
            gone.start()
            cfg = os.path.join(tmp, "gone.yaml")
            open(cfg, "w").write("exporters:\n  redis:\n    drain_timeout_ms: 500\n")
            data = open(os.path.join(src, "pcaps/mcp-oauth.pcap"), "rb").read()
            proc = subprocess.Popen([binary, "-q", "-c", cfg, "-r", "-", "--redis", gone.url], cwd=src,
                                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            proc.stdin.write(data[:24])  # the pcap header
            proc.stdin.flush()
            # connected once its first heartbeat is in
            up = wait_for(lambda: proc.poll() is not None or gone.int("EXISTS", "aisensor:sensor:aisensor") == 1, 60)
            gone.kill()
            _, err = proc.communicate(data[24:], timeout=120)
            check("Redis gone without a spool: exit 4, the undelivered records counted and said",
                  up and proc.returncode == 4 and b"dropped, undelivered or corrupt (exit status 4)" in err,
                  (proc.returncode, err.decode(errors="replace")[-500:]))

            # 1c'. Redis out of memory (maxmemory, noeviction), no spool: its
            #      OOM replies are an outage, nothing is taken for written,
            #      the run says what never arrived and exits 4.
            full = Redis(tmp, ["--maxmemory", "2mb", "--maxmemory-policy", "noeviction"])
            full.start()
            p = sensor(binary, src, ["-r", "pcaps", "--redis", full.url, "-c", write_cfg(tmp, "oom", "oom:")],
                       quiet=False)
            st = redis_stats(p.stderr)
            check("Redis OOM without a spool: exit 4, the undelivered records counted (%s)" % (st or {}).get("undelivered"),
                  p.returncode == 4 and st is not None and st["undelivered"] > 0
                  and b"dropped, undelivered or corrupt (exit status 4)" in p.stderr,
                  (p.returncode, p.stderr.decode(errors="replace")[-500:]))
            full.stop()

            # 1d. Redis down at start, a spool given: the sensor starts all the
            #     same, records wait in the spool, and once Redis answers the
            #     registry ends as an uninterrupted run's.
            late = Redis(tmp)  # not started yet
            ref_cfg = write_cfg(tmp, "late", "lateref:")
            p = sensor(binary, src, ["-r", "pcaps/mcp-oauth.pcap", "--redis", r.url, "-c", ref_cfg])
            late_cfg = os.path.join(tmp, "late2.yaml")
            open(late_cfg, "w").write(open(ref_cfg).read().replace("lateref:", "late:") +
                                      "    spool_dir: %s\n" % os.path.join(tmp, "spool-late"))
            recs = open(os.path.join(src, "pcaps/mcp-oauth.pcap"), "rb").read()
            proc = subprocess.Popen([binary, "-c", late_cfg, "-r", "-", "--redis", late.url], cwd=src,
                                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            half = len(recs) // 2
            proc.stdin.write(recs[:half])
            proc.stdin.flush()
            spooling = wait_for(lambda: proc.poll() is not None or
                                spooled_bytes(os.path.join(tmp, "spool-late")) > 0, 60)
            late.start()
            _, err = proc.communicate(recs[half:], timeout=120)
            got, want = registry(binary, src, late.url, "late:"), registry(binary, src, r.url, "lateref:")
            check("Redis down at start with a spool: starts, spools, then the registry equals an uninterrupted run's "
                  "(%d agents)" % len(want or {}),
                  p.returncode == 0 and spooling and proc.returncode == 0 and bool(want) and got == want
                  and b"records wait in the spool" in err,
                  (proc.returncode, err.decode(errors="replace")[-400:], first_diff(flat_all(want or {}), flat_all(got or {}))))
            late.stop()

            # 1e. An outage longer than the spool holds: the spool drops records,
            #     the SOC's event feed gets a records-lost event while the run
            #     goes on, and the run ends with exit 4.
            nowhere = Redis(tmp)  # never started
            small = os.path.join(tmp, "small.yaml")
            open(small, "w").write("exporters:\n  redis:\n    drain_timeout_ms: 200\n    spool_max_bytes: 1048576\n"
                                   "    spool_dir: %s\n" % os.path.join(tmp, "spool-small"))
            evs = os.path.join(tmp, "loss-events.jsonl")
            p = sensor(binary, src, sum((["-r", "pcaps"] for _ in range(40)), []) +
                       ["--redis", nowhere.url, "--events", evs, "-c", small])
            lost_events = [json.loads(l) for l in open(evs) if '"records-lost"' in l] if os.path.exists(evs) else []
            check("spool full in an outage: records-lost event in the feed (%d), exit 4" % len(lost_events),
                  p.returncode == 4 and lost_events and lost_events[0]["aisensor"]["records_lost"]["total"] > 0
                  and lost_events[0]["event"]["kind"] == "alert",
                  (p.returncode, p.stderr.decode(errors="replace")[-400:]))

            # 2. Two sensors on overlapping captures = one sensor on everything.
            third = len(caps) // 3
            a_b = caps[: 2 * third]
            b_c = caps[third:]
            for cap_set, prefix, name in ((a_b, "s1:", "sensor-1"), (b_c, "s1:", "sensor-2"), (caps, "one:", "solo")):
                args = sum((["-r", c] for c in cap_set), [])
                p = sensor(binary, src, args + ["--redis", r.url, "-c", write_cfg(tmp, name, prefix)])
                check("overlap run %s (%d captures) exit 0" % (name, len(cap_set)), p.returncode == 0,
                      p.stderr.decode(errors="replace"))
            two = registry(binary, src, r.url, "s1:")
            one = registry(binary, src, r.url, "one:")
            check("two sensors on overlapping captures leave the registry of one (%d agents)" % len(one or {}),
                  bool(one) and two == one, first_diff(flat_all(one or {}), flat_all(two or {})))
            # The same captures replayed again: every contribution is known, no counter moves.
            args = sum((["-r", c] for c in caps), [])
            p = sensor(binary, src, args + ["--redis", r.url, "-c", write_cfg(tmp, "solo", "one:")])
            again = registry(binary, src, r.url, "one:")
            check("a replay sent twice changes nothing, counters included (%d agents)" % len(again or {}),
                  p.returncode == 0 and bool(one) and again == one, first_diff(flat_all(one or {}), flat_all(again or {})))

            # 2b. A capture on stdin that stays open: the registry is current
            #     within 2 s, and a SIGKILL then loses nothing.
            for cap in HELD_OPEN:
                held_open(binary, src, r, tmp, cap)

            # 2c. A long event stream read as it happens: its request and bytes
            #     are in the registry before it ends.
            long_stream(binary, src, r, tmp)

            # 3. Redis killed and restarted mid-replay: nothing lost. The replay
            #    is long (60 times every capture, under the cap of 64 inputs:
            #    about 11000 records, well under the exporter's queue of 65536,
            #    so none is dropped for a full queue) and Redis is killed once
            #    the first records of the run are in.
            reps = 60
            args = sum((["-r", "pcaps"] for _ in range(reps)), [])
            spool = os.path.join(tmp, "spool")
            ref = sensor(binary, src, args + ["--redis", r.url, "-c", write_cfg(tmp, "ref", "ref:")], quiet=False)
            ref_st = redis_stats(ref.stderr)
            check("uninterrupted reference run exit 0, nothing dropped or spooled",
                  ref.returncode == 0 and ref_st is not None and ref_st["dropped_events"] == 0
                  and ref_st["dropped_contributions"] == 0 and ref_st["spooled"] == 0 and ref_st["undelivered"] == 0,
                  (ref.returncode, ref_st, ref.stderr.decode(errors="replace")[-400:]))
            n_ref = r.int("XLEN", "ref:events") or 0
            # no -q: the exporter's final statistics say whether the outage was seen
            proc = subprocess.Popen([binary] + args + ["--redis", r.url, "-c", write_cfg(tmp, "out", "out:", spool)],
                                    cwd=src, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            try:
                wait_for(lambda: proc.poll() is not None or (r.int("XLEN", "out:events") or 0) > 0, 120, 0.005)
                running, at_kill = proc.poll() is None, r.int("XLEN", "out:events") or 0
                r.kill()
                check("redis killed mid-replay (sensor running, %d of %d stream entries in)" % (at_kill, n_ref),
                      running and 0 < at_kill < n_ref, "sensor exit %s" % proc.poll())
                # Restart once the sensor has noticed: records are going to its spool.
                noticed = wait_for(lambda: proc.poll() is not None or spooled_bytes(spool) > 0, 120)
                check("the sensor spools while redis is down", noticed and proc.poll() is None,
                      "sensor exit %s, %d bytes spooled" % (proc.poll(), spooled_bytes(spool)))
                r.start()
                _, err = proc.communicate(timeout=300)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            check("replay through a redis restart exit 0", proc.returncode == 0, err.decode(errors="replace")[-600:])
            st = redis_stats(err)
            check("the outage was seen and recovered: records spooled, reconnected, the spool replayed and empty (%s)"
                  % ("%(spooled)d spooled, %(replayed)d replayed, %(reconnects)d reconnects" % st if st else "no statistics"),
                  st is not None and st["spooled"] > 0 and st["reconnects"] >= 1 and st["replayed"] > 0
                  and st["left"] == 0 and st["undelivered"] == 0 and st["dropped_events"] == 0
                  and st["dropped_contributions"] == 0, st if st else err.decode(errors="replace")[-600:])
            after = registry(binary, src, r.url, "out:")
            refreg = registry(binary, src, r.url, "ref:")
            check("registry after the outage equals an uninterrupted run (%d agents)" % len(refreg or {}),
                  bool(refreg) and after == refreg, first_diff(flat_all(refreg or {}), flat_all(after or {})))
            n_out = r.int("XLEN", "out:events")
            check("stream entries after the outage equal an uninterrupted run (%d)" % n_ref, n_ref > 0 and n_ref == n_out,
                  "%s vs %d" % (n_out, n_ref))

            # 4. Consumers read the stream with consumer groups (README, "Reading the event stream").
            consumer_groups(r, "aisensor:events")
        finally:
            r.stop()

        # 5. Clear errors at start: wrong password, unknown host.
        r2 = Redis(tmp, ["--requirepass", "s3cret-pw"])
        r2.start()
        try:
            bad = "unix://:wrong-pw@" + r2.sock
            p = sensor(binary, src, ["-r", "pcaps/noise-web.pcap", "--redis", bad])
            e = p.stderr.decode(errors="replace")
            check("wrong password: clear error at start, password not printed",
                  p.returncode != 0 and r2.sock in e and "wrong-pw" not in e, e)
            good = "unix://:s3cret-pw@" + r2.sock
            p = sensor(binary, src, ["-r", "pcaps/noise-web.pcap", "--redis", good])
            check("right password: accepted", p.returncode == 0, p.stderr.decode(errors="replace"))
        finally:
            r2.stop()
        p = sensor(binary, src, ["-r", "pcaps/noise-web.pcap", "--redis", "redis://no-such-host.invalid:6379"])
        e = p.stderr.decode(errors="replace")
        check("unknown host: clear error at start", p.returncode != 0 and "no-such-host.invalid" in e, e)

    failed = results.count(False)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    return 1 if failed else 0


# Captures fed on a pipe that stays open: kinds, hosts and software of
# several sorts (MCP and OAuth, A2A, a self-hosted model server).
HELD_OPEN = ("pcaps/mcp-oauth.pcap", "pcaps/a2a.pcap", "pcaps/ollama-http.pcap")


def consumer_groups(r, stream):
    """Readers of one group share the stream, each entry to one of them; a
    reader's unacknowledged entries are claimed by another (XAUTOCLAIM);
    another group reads everything again; event.id names each event once."""
    def js(*args):
        out = subprocess.run(["redis-cli", "-s", r.sock, "--json"] + list(args), capture_output=True, text=True,
                             timeout=30).stdout
        return json.loads(out) if out.strip() else None

    n = r.int("XLEN", stream)
    seen, acked, left = {}, 0, []
    for g in ("soc", "registry"):
        r.cli("XGROUP", "CREATE", stream, g, "0")
    for turn in range(10000):  # readers take turns in batches of 50; reader-3 dies holding its first batch
        reader = "reader-%d" % (turn % 3 + 1)
        got = js("XREADGROUP", "GROUP", "soc", reader, "COUNT", "50", "STREAMS", stream, ">")
        if not got:
            break
        entries = got[stream]
        for eid, fields in entries:
            seen.setdefault(eid, []).append(reader)
        if reader == "reader-3" and not left:
            left = [eid for eid, _ in entries]
            continue
        acked += js("XACK", stream, "soc", *[eid for eid, _ in entries])
    claimed = js("XAUTOCLAIM", stream, "soc", "reader-1", "0", "0-0", "COUNT", "1000")
    claimed_ids = [eid for eid, _ in claimed[1]]
    js("XACK", stream, "soc", *claimed_ids)
    groups = {g["name"]: g for g in js("XINFO", "GROUPS", stream)}
    readers = {rd for rs in seen.values() for rd in rs}
    check("consumer group: %d entries shared by %d readers, each read once" % (n, len(readers)),
          n > 0 and len(seen) == n and all(len(v) == 1 for v in seen.values()) and len(readers) == 3
          and acked + len(left) == n, "%d of %d read, %d acknowledged" % (len(seen), n, acked))
    check("consumer group: a dead reader's %d unacknowledged entries claimed by another (XAUTOCLAIM), "
          "then none pending, lag 0" % len(left),
          left and sorted(claimed_ids) == sorted(left) and groups["soc"]["pending"] == 0 and groups["soc"]["lag"] == 0,
          groups["soc"])
    other = js("XREADGROUP", "GROUP", "registry", "r", "COUNT", str(n + 10), "STREAMS", stream, ">")[stream]
    ids = {json.loads(dict(zip(f[::2], f[1::2]))["json"])["event"]["id"] for _, f in other}
    check("another group reads every entry again (%d); event.id names each once" % len(other),
          len(other) == n and len(ids) == n, "%d entries, %d ids" % (len(other), len(ids)))


def held_open(binary, src, r, tmp, cap):
    name = os.path.basename(cap)
    inv = os.path.join(tmp, "held.json")
    p = sensor(binary, src, ["-r", cap, "--inventory", inv])
    want = {a["agent_id"]: a for a in json.load(open(inv))["agents"]} if p.returncode == 0 else {}
    prefix = "held-%s:" % name.split(".")[0]

    def facts(a):
        return (a.get("kind"), (a.get("host") or {}).get("ip"), (a.get("software") or {}).get("name"))

    def current():
        got = registry(binary, src, r.url, prefix) or {}
        return all(i in got and facts(got[i]) == facts(w) for i, w in want.items())

    proc = subprocess.Popen([binary, "-q", "-w", "2", "-r", "-", "--redis", r.url, "-c", write_cfg(tmp, "held", prefix)],
                            cwd=src, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        with open(os.path.join(src, cap), "rb") as f:
            proc.stdin.write(f.read())
        proc.stdin.flush()
        t0 = time.monotonic()
        ok = wait_for(current, 2.0, 0.05)
        took = time.monotonic() - t0
        check("%s on a pipe held open: every agent of its inventory in redis with kind, host and software "
              "(%d agents, %.2f s)" % (name, len(want), took), bool(want) and ok and proc.poll() is None,
              {"want": {i: facts(w) for i, w in want.items()},
               "got": {i: facts(g) for i, g in (registry(binary, src, r.url, prefix) or {}).items()}})
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        check("%s: after SIGKILL the registry still holds them" % name, current())
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdin.close()
        proc.stderr.close()


def pcap_records(path):
    """The global header and (time s, record bytes) of a classic pcap file."""
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    scale = 1e-9 if magic in (0xA1B23C4D, 0x4D3CB2A1) else 1e-6
    out, at = [], 24
    while at + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(end + "IIII", data[at:at + 16])
        out.append((sec + frac * scale, data[at:at + 16 + incl]))
        at += 16 + incl
    return data[:24], out


LONG_STREAM = "pcaps/openai-node-long-stream.pcap"  # an SSE answer streamed over 8 s


def long_stream(binary, src, r, tmp):
    """Feeds the capture at its own pace on a pipe: the client's request and
    the flow's bytes must be in Redis while the stream still runs."""
    inv = os.path.join(tmp, "long.json")
    p = sensor(binary, src, ["-r", LONG_STREAM, "--inventory", inv])
    agents = json.load(open(inv))["agents"] if p.returncode == 0 else []
    client = next((a for a in agents if a["kind"] == "llm-api-client"), None)
    if not client:
        check("long stream: the capture's client agent", False, p.stderr.decode(errors="replace"))
        return
    dest = client["destinations"][0]
    field = "destinations[%s|%s|%s]" % (dest["service"], dest["endpoint"], "tls" if dest["tls"] else "clear")
    head, recs = pcap_records(os.path.join(src, LONG_STREAM))
    t_first, t_last = recs[0][0], recs[-1][0]
    prefix = "long:"
    proc = subprocess.Popen([binary, "-q", "-w", "2", "-r", "-", "--redis", r.url, "-c", write_cfg(tmp, "long", prefix)],
                            cwd=src, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen_at = None  # stream time when the request and bytes were first in Redis
    try:
        proc.stdin.write(head)
        start = time.monotonic()
        for ts, rec in recs:
            delay = start + (ts - t_first) - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            proc.stdin.write(rec)
            proc.stdin.flush()
            if seen_at is None:
                got = (registry(binary, src, r.url, prefix) or {}).get(client["agent_id"], {})
                d = next(iter(got.get("destinations", [])), {})
                if d.get("requests", 0) >= 1 and d.get("bytes", 0) > 0:
                    seen_at = ts - t_first
        proc.stdin.close()
        proc.wait(timeout=60)
    finally:
        proc.stderr.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    length = t_last - t_first
    check("long stream: requests and bytes in redis before the stream ends (at %s of %.1f s)"
          % ("%.1f s" % seen_at if seen_at is not None else "never", length),
          seen_at is not None and seen_at < length - 2, "field %s" % field)
    got = registry(binary, src, r.url, prefix) or {}
    want = flat_all({client["agent_id"]: client})
    have = flat_all({client["agent_id"]: got.get(client["agent_id"], {})})
    check("long stream: once it ended, the registry holds the inventory's record (bytes %d, requests %d)"
          % (dest["bytes"], dest["requests"]), proc.returncode == 0 and have == want, first_diff(want, have))


OWNED = "pcaps/openai-node-gateway-http.pcap"  # one client host, 127.0.1.11


def host_attributes(binary, src, r, tmp):
    """An owner changed in the inventory replaces the old one: the same
    packets read with a newer inventory, or packets seen later, win; an
    older inventory on the same packets does not take it back; any order of
    the same replays leaves the same registry."""
    later = os.path.join(tmp, "owned-later.pcap")
    shift_pcap(os.path.join(src, OWNED), later, 86400)  # the same traffic a day later
    now = time.time()

    def cfg(prefix, owner, age):
        """A sensor's config whose inventory gives the host to owner, changed age seconds ago."""
        who = owner.split("@")[0]
        path = write_cfg(tmp, "%s-%s" % (prefix.rstrip(":"), who), prefix)
        with open(path, "a") as f:
            f.write("inventory:\n  hosts:\n    - {ip: 127.0.1.11, owner: %s, team: team-%s, site: site-%s}\n"
                    % (owner, who, who))
        os.utime(path, (now - age, now - age))  # the inventory's time: when its file changed
        return path

    def run(cap, config):
        return sensor(binary, src, ["-r", cap, "--redis", r.url, "-c", config]).returncode == 0

    def owners(prefix):
        reg = registry(binary, src, r.url, prefix) or {}
        on = {a["agent_id"]: (a["host"]["owner"], a["host"]["team"], a["host"]["site"]) for a in reg.values()
              if a["host"]["ip"] == "127.0.1.11"}
        index = {o: sorted(r.cli("SMEMBERS", prefix + "owner:" + o).split()) for o in ("zoe@example.com",
                                                                                       "bob@example.com")}
        return on, index

    old, new = cfg("own:", "zoe@example.com", 3600), cfg("own:", "bob@example.com", 60)
    bob = ("bob@example.com", "team-bob", "site-bob")
    zoe = ("zoe@example.com", "team-zoe", "site-zoe")
    ok = run(OWNED, old)
    first, idx = owners("own:")
    check("owner from the inventory: zoe's host, in the owner index (%d agents)" % len(first),
          ok and first and set(first.values()) == {zoe} and idx["zoe@example.com"] == sorted(first), (first, idx))
    ok = run(OWNED, new)
    got, idx = owners("own:")
    check("the same packets read with a newer inventory: bob replaces zoe (owner, team, site), "
          "and zoe's owner index no longer lists the host's agents",
          ok and got and set(got.values()) == {bob} and idx == {"zoe@example.com": [], "bob@example.com": sorted(got)},
          (got, idx))
    p = subprocess.run([binary, "agents", "--redis", r.url, "--prefix", "own:", "--owner", "zoe@example.com", "--json"],
                       cwd=src, capture_output=True, timeout=60)
    check("agents --owner zoe@example.com: none left", p.returncode == 0 and json.loads(p.stdout)["agents"] == [],
          p.stdout[-300:])
    ok = run(OWNED, old)
    got, idx = owners("own:")
    check("the same packets read again with the older inventory: bob stays",
          ok and set(got.values()) == {bob} and idx["zoe@example.com"] == [], (got, idx))
    ok = run(later, old)
    got, idx = owners("own:")
    check("the host seen a day later, by a sensor whose inventory says zoe: the newer observation wins",
          ok and set(got.values()) == {zoe} and idx == {"zoe@example.com": sorted(got), "bob@example.com": []},
          (got, idx))
    # the same four replays in another order leave the same registry
    old2, new2 = cfg("own2:", "zoe@example.com", 3600), cfg("own2:", "bob@example.com", 60)
    for cap, config in ((later, old2), (OWNED, old2), (OWNED, new2), (OWNED, old2)):
        ok = run(cap, config) and ok
    one, two = registry(binary, src, r.url, "own:"), registry(binary, src, r.url, "own2:")
    check("host attributes merge in any order: the same registry and owner index",
          ok and one and one == two and owners("own:") == owners("own2:"),
          (first_diff(flat_all(one or {}), flat_all(two or {})), owners("own2:")))


def shift_pcap(path, out, seconds):
    """A copy of a classic pcap with every packet `seconds` later."""
    head, recs = pcap_records(path)
    end = "<" if struct.unpack("<I", head[:4])[0] in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    with open(out, "wb") as f:
        f.write(head)
        for _, rec in recs:
            sec = struct.unpack(end + "I", rec[:4])[0] + seconds
            f.write(struct.pack(end + "I", sec) + rec[4:])


def write_cfg(tmp, name, prefix, spool=None):
    path = os.path.join(tmp, name + ".yaml")
    with open(path, "w") as f:
        f.write("sensor:\n  name: %s\nexporters:\n  redis:\n    prefix: \"%s\"\n    drain_timeout_ms: 30000\n" % (name, prefix))
        if spool:
            f.write("    spool_dir: %s\n" % spool)
    return path


if __name__ == "__main__":
    sys.exit(main())
