#!/usr/bin/env python3
"""Redis registry benchmark (by hand, never in CI): how many records a
second the exporter puts into one Redis and through Redis Sentinel (with
and without WAIT), and how much Redis memory an agent takes.

  tests/bench/redis_bench.py [-r CAPTURE | --ai N] [-n ROUNDS]

CAPTURE defaults to tests/bench/data/bench.pcap (tests/bench/run.sh makes
it: web traffic with a few AI flows); --ai N replays the bundled captures
(pcaps/, nearly all AI traffic) N times instead, where the exporter, not
the dissection, is the bottleneck. Each round runs every target once, in a
rotated order, plus the sensor alone (--contributions and --events to
/dev/null: the same records, no Redis); the figures are medians. Records =
events + contributions the exporter wrote; the time is the whole run
(read, dissect, drain). Memory per agent: MEMORY USAGE of every agent:* key
(hash, types, versions, applied set) and of the indexes, over the agents."""
import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SRC, "tests", "golden"))
from run_redis import Redis, redis_stats  # noqa: E402
from run_sentinel import Cluster, cli  # noqa: E402


def child_cpu():
    """CPU seconds of the children waited for so far (the sensor runs; the
    Redis servers are still running, so not theirs)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def alone(binary, inputs):
    t0, c0 = time.monotonic(), child_cpu()
    subprocess.run([binary, "-q"] + inputs + ["--contributions", "/dev/null", "--events", "/dev/null"], check=True,
                   cwd=SRC, timeout=3600)
    return time.monotonic() - t0, child_cpu() - c0


def run(binary, inputs, url, tmp, name, wait):
    cfg = os.path.join(tmp, name + ".yaml")
    with open(cfg, "w") as f:
        f.write("exporters:\n  redis:\n    prefix: \"%s:\"\n    drain_timeout_ms: 600000\n    wait_replicas: %d\n"
                % (name, wait))
    t0, c0 = time.monotonic(), child_cpu()
    p = subprocess.run([binary] + inputs + ["--redis", url, "-c", cfg], capture_output=True, timeout=3600, cwd=SRC)
    wall, cpu = time.monotonic() - t0, child_cpu() - c0
    st = redis_stats(p.stderr)
    m = re.search(rb"(\d+) events, (\d+) contributions written", p.stderr)
    if p.returncode != 0 or not m:
        sys.exit("%s: exit %d: %s" % (name, p.returncode, p.stderr.decode(errors="replace")[-500:]))
    return (wall, cpu), int(m.group(1)), int(m.group(2)), st


def memory_per_agent(r, prefix):
    agents = int(r.cli("ZCARD", prefix + "agents").strip())
    keys = [k for k in r.cli("--scan", "--pattern", prefix + "*").split("\n") if k]
    total = {"agents": 0, "indexes": 0, "stream": 0, "dedupe": 0}
    # one redis-cli for every key: its commands on stdin, a reply a line
    script = "".join('MEMORY USAGE "%s" SAMPLES 0\n' % k for k in keys)
    sizes = subprocess.run(["redis-cli", "-s", r.sock], input=script, capture_output=True, text=True,
                           timeout=600).stdout.split("\n")
    for k, size in zip(keys, sizes):
        n = int(size.strip() or 0)
        kind = ("stream" if k == prefix + "events" else "agents" if k.startswith(prefix + "agent:")
                else "dedupe" if ":evseen:" in k or ":events:seq:" in k else "indexes")
        total[kind] += n
    return agents, total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-r", default=os.path.join(HERE, "data", "bench.pcap"))
    ap.add_argument("--ai", type=int, default=0)
    ap.add_argument("-n", type=int, default=3)
    a = ap.parse_args()
    inputs = sum((["-r", "pcaps"] for _ in range(a.ai)), []) if a.ai else ["-r", a.r]
    binary = os.environ.get("AISENSOR", os.path.join(SRC, "build", "aisensor"))
    with tempfile.TemporaryDirectory() as tmp:
        one = Redis(tmp, ["--appendonly", "no"])
        one.start()
        cl = Cluster(tmp)
        cl.start()
        targets = [("one redis (unix socket)", one.url, 0), ("sentinel, WAIT 0", cl.url(), 0),
                   ("sentinel, WAIT 1", cl.url(), 1), ("sentinel, WAIT 2", cl.url(), 2)]
        walls = {t[0]: [] for t in targets}
        walls["sensor alone, no redis"] = []
        counts = {}
        load = os.getloadavg()
        try:
            for rnd in range(a.n):
                walls["sensor alone, no redis"].append(alone(binary, inputs))
                for k in range(len(targets)):
                    name, url, wait = targets[(k + rnd) % len(targets)]
                    prefix = "b%d%d" % (rnd, k)
                    wall, ev, co, _ = run(binary, inputs, url, tmp, prefix, wait)
                    walls[name].append(wall)
                    counts[name] = (ev, co)
            print("input %s, %d rounds, load average at start %.2f %.2f %.2f"
                  % ("pcaps/ x%d" % a.ai if a.ai else a.r, a.n, load[0], load[1], load[2]))
            print("%-26s %10s %14s %10s %14s" % ("target", "wall (s)", "sensor CPU (s)", "records", "records/s"))

            def med(name, i):
                return statistics.median(x[i] for x in walls[name])
            print("%-26s %10.2f %14.2f" % ("sensor alone, no redis", med("sensor alone, no redis", 0),
                                           med("sensor alone, no redis", 1)))
            for name, _, _ in targets:
                w = med(name, 0)
                ev, co = counts[name]
                print("%-26s %10.2f %14.2f %10d %14.0f" % (name, w, med(name, 1), ev + co, (ev + co) / w))
            last = "b%d%d:" % (a.n - 1, (len(targets) - (a.n - 1) % len(targets)) % len(targets))
            entries = int(one.cli("XLEN", last + "events").strip())  # a replayed capture's events are there once
            agents, mem = memory_per_agent(one, last)
            print("redis memory: %d agents; per agent %.0f bytes (its keys), indexes %.0f bytes per agent; "
                  "stream %d bytes (%.0f per entry), dedupe keys %d bytes (%.0f per entry)"
                  % (agents, mem["agents"] / max(agents, 1), mem["indexes"] / max(agents, 1), mem["stream"],
                     mem["stream"] / max(entries, 1), mem["dedupe"], mem["dedupe"] / max(entries, 1)))
            print("used_memory of the one redis after %d runs: %s" % (a.n, [l for l in one.cli("INFO", "memory").split("\n")
                                                                           if l.startswith("used_memory_human")]))
        finally:
            cl.stop()
            one.stop()


if __name__ == "__main__":
    main()
