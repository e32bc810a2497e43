#!/usr/bin/env python3
"""Service tests: the real binary run as a long-lived process.

- SIGHUP reloads without limit: a replay fed on stdin is held open while the
  test sends 1,000 SIGHUPs, waiting for each to be applied; the statistics
  must count 1,000 reloads and the inventory must equal a plain replay's.
- A slow events reader does not slow capture: with `--events -` into a pipe
  whose reader does not read for READER_STALL_S seconds, the pipeline must
  finish long before the reader starts (the events output has its own
  thread and queue), and every event must still arrive.
- The events file rotates as logrotate does it, mid-run: renamed then
  SIGHUP (the sensor opens it again by name), and copied then truncated
  (copytruncate: the file is appended to, so no hole of NUL bytes): the
  three files together hold every event of an uninterrupted run, each once.

usage: run_service.py BINARY SOURCE_DIR"""
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time

results = []
RELOADS = 1000
READER_STALL_S = 3.0
F_SETPIPE_SZ = 1031  # fcntl.h (Linux)


def check(name, ok, detail=""):
    results.append(ok)
    print(("ok   " if ok else "FAIL ") + name + ("" if ok or not detail else "\n     " + str(detail)[:800]))


def pcap_split(path):
    """The global header and the records of a classic pcap file."""
    data = open(path, "rb").read()
    endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    head, recs, off = data[:24], [], 24
    while off + 16 <= len(data):
        caplen = int.from_bytes(data[off + 8:off + 12], "little" if endian == "<" else "big")
        recs.append(data[off:off + 16 + caplen])
        off += 16 + caplen
    return head, recs


class StderrLines:
    """Reads a process's stderr on a thread; waits for a line to appear."""

    def __init__(self, stream):
        self.lines, self.cv = [], threading.Condition()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream):
        for line in stream:
            with self.cv:
                self.lines.append(line.rstrip("\n"))
                self.cv.notify_all()

    def wait_for(self, text, timeout=10.0):
        deadline = time.monotonic() + timeout
        with self.cv:
            while not any(text in l for l in self.lines):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cv.wait(left)
            return True


def wait_sighup_caught(pid, timeout=10.0):
    """True once the process catches SIGHUP (its handler is installed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open("/proc/%d/status" % pid) as f:
                caught = [l for l in f if l.startswith("SigCgt:")]
            if caught and int(caught[0].split()[1], 16) & 1:  # bit 0: signal 1, SIGHUP
                return True
        except OSError:
            return False
        time.sleep(0.01)
    return False


def agents_of(path):
    try:
        with open(path) as f:
            return json.load(f)["agents"]
    except (OSError, ValueError, KeyError) as e:
        return "unreadable inventory %s: %s" % (path, e)


def test_reloads(binary, src, tmp):
    capture = os.path.join(src, "pcaps/mcp-streamable-stateful.pcap")
    head, recs = pcap_split(capture)
    inv_plain, inv_reload = os.path.join(tmp, "plain.json"), os.path.join(tmp, "reload.json")
    subprocess.run([binary, "-q", "-r", capture, "--inventory", inv_plain], check=True, timeout=60)
    p = subprocess.Popen([binary, "-w", "2", "-r", "-", "--inventory", inv_reload, "-s",
                          os.path.join(src, "signatures")], stdin=subprocess.PIPE,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=False)
    err = StderrLines(open(p.stderr.fileno(), "r", errors="replace", closefd=False))
    half = len(recs) // 2
    p.stdin.write(head + b"".join(recs[:half]))  # flows are open while reloads happen
    p.stdin.flush()
    check("the sensor catches SIGHUP", wait_sighup_caught(p.pid))
    applied = 0
    t0 = time.monotonic()
    for i in range(1, RELOADS + 1):
        p.send_signal(1)  # SIGHUP
        if not err.wait_for("aisensor: reloaded (%d)" % i):
            break
        applied = i
    elapsed = time.monotonic() - t0
    try:
        p.stdin.write(b"".join(recs[half:]))
        p.stdin.close()
    except BrokenPipeError:
        pass  # the sensor is gone: the checks below say so
    rc = p.wait(timeout=60)
    check("%d SIGHUP reloads applied one by one (%.1f s)" % (RELOADS, elapsed), applied == RELOADS,
          "applied %d; last stderr: %s" % (applied, err.lines[-3:]))
    stats = [l for l in err.lines if l.strip().startswith("reloads")]
    check("statistics count %d reloads" % RELOADS,
          stats == ["  reloads   %d applied, 0 refused" % RELOADS], stats)
    check("replay with reloads exits 0", rc == 0, err.lines[-5:])
    got, want = agents_of(inv_reload), agents_of(inv_plain)
    check("reloads change no agent", got == want, got if isinstance(got, str) else "")


def test_slow_events_reader(binary, src, tmp):
    """The reader sleeps before it reads anything; the pipe holds one page."""
    events_ref = os.path.join(tmp, "events-ref.jsonl")
    subprocess.run([binary, "-q", "-r", os.path.join(src, "pcaps"), "--events", events_ref], check=True,
                   timeout=60)
    want = open(events_ref, "rb").read()
    r, w = os.pipe()
    fcntl.fcntl(w, F_SETPIPE_SZ, 4096)
    p = subprocess.Popen([binary, "-r", os.path.join(src, "pcaps"), "--events", "-"], stdout=w,
                         stderr=subprocess.PIPE, text=True)
    os.close(w)
    time.sleep(READER_STALL_S)
    got = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        got += chunk
    os.close(r)
    stderr = p.communicate(timeout=60)[1]
    times = [l.split() for l in stderr.splitlines() if l.strip().startswith("time")]
    wall = float(times[0][1]) if times else None
    check("pipeline finishes while the events reader stalls (%s s < %.1f s)" % (wall, READER_STALL_S / 2),
          wall is not None and wall < READER_STALL_S / 2, stderr[-600:])
    check("the stalled reader still gets every event (%d bytes)" % len(want), got == want and len(want) > 4096,
          "got %d bytes, want %d" % (len(got), len(want)))
    check("exit status 0", p.returncode == 0, stderr[-400:])


def lines_of(path):
    try:
        with open(path, "rb") as f:
            return f.read().splitlines()
    except OSError:
        return []


def settled(path, still_s=1.0, timeout=30.0):
    """Waits until the file's line count has not moved for still_s."""
    deadline, last, since = time.monotonic() + timeout, -1, time.monotonic()
    while time.monotonic() < deadline:
        n = len(lines_of(path))
        if n != last:
            last, since = n, time.monotonic()
        elif n > 0 and time.monotonic() - since >= still_s:
            return True
        time.sleep(0.05)
    return False


def test_rotation(binary, src, tmp):
    capture = os.path.join(src, "pcaps/mcp-oauth.pcap")
    head, recs = pcap_split(capture)
    ref = os.path.join(tmp, "rot-ref.jsonl")
    subprocess.run([binary, "-q", "-r", capture, "--events", ref], check=True, timeout=60)
    want = sorted(lines_of(ref))
    ev = os.path.join(tmp, "rot.jsonl")
    p = subprocess.Popen([binary, "-r", "-", "--events", ev], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    err = StderrLines(open(p.stderr.fileno(), "r", errors="replace", closefd=False))
    third = len(recs) // 3
    p.stdin.write(head + b"".join(recs[:third]))
    p.stdin.flush()
    first = settled(ev) and wait_sighup_caught(p.pid)
    os.rename(ev, ev + ".1")  # logrotate: rename, then the postrotate SIGHUP
    p.send_signal(1)
    hup = err.wait_for("aisensor: reloaded (1)")
    p.stdin.write(b"".join(recs[third:2 * third]))
    p.stdin.flush()
    second = settled(ev)
    with open(ev, "rb") as f, open(ev + ".2", "wb") as g:  # copytruncate
        g.write(f.read())
    os.truncate(ev, 0)
    p.stdin.write(b"".join(recs[2 * third:]))
    p.stdin.close()
    rc = p.wait(timeout=60)
    parts = [lines_of(ev + ".1"), lines_of(ev + ".2"), lines_of(ev)]
    got = sorted(sum(parts, []))
    check("events rotated by rename + SIGHUP and by copytruncate: %s lines, %d events of a plain run, each once"
          % ("+".join(str(len(x)) for x in parts), len(want)),
          first and hup and second and rc == 0 and all(parts) and got == want,
          (first, hup, second, rc, [len(x) for x in parts], len(want), err.lines[-3:]))
    raw = open(ev, "rb").read()
    check("after copytruncate the events file holds no NUL byte and whole lines",
          b"\0" not in raw and raw.endswith(b"\n"), raw[:80])


def test_stopped_replay(binary, src, tmp):
    """SIGTERM mid-replay: the outputs are written, stderr says they are partial, exit 3."""
    capture = os.path.join(src, "pcaps/mcp-oauth.pcap")
    head, recs = pcap_split(capture)
    inv, pid_file = os.path.join(tmp, "stopped.json"), os.path.join(tmp, "aisensor.pid")
    p = subprocess.Popen([binary, "-q", "-r", "-", "--inventory", inv, "--pid-file", pid_file], stdin=subprocess.PIPE,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    p.stdin.write(head + b"".join(recs[: len(recs) // 2]))
    p.stdin.flush()
    caught = wait_sighup_caught(p.pid)  # its handlers are in place
    deadline = time.monotonic() + 30  # written once the run is set up
    while not (os.path.exists(pid_file) and open(pid_file).read().endswith("\n")) and time.monotonic() < deadline:
        time.sleep(0.01)
    pid_while = open(pid_file).read() if os.path.exists(pid_file) else ""
    check("--pid-file holds the process id while it runs", pid_while == "%d\n" % p.pid, pid_while)
    p.send_signal(15)
    _, err = p.communicate(timeout=60)
    doc = agents_of(inv)
    check("the pid file is removed at exit", not os.path.exists(pid_file))
    check("SIGTERM mid-replay: inventory written, stderr says the outputs are partial, exit 3",
          caught and p.returncode == 3 and b"the outputs are partial" in err and isinstance(doc, list),
          (p.returncode, err.decode(errors="replace")[-300:]))


def test_unit(binary, src, tmp):
    """The shipped systemd unit passes systemd-analyze verify (its binary
    path pointed at this build's)."""
    if not shutil.which("systemd-analyze"):
        check("systemd-analyze present (to verify deploy/aisensor.service)", not os.environ.get("CI"),
              "systemd-analyze not installed")
        return
    unit = open(os.path.join(src, "deploy/aisensor.service")).read().replace("/usr/local/bin/aisensor", binary)
    path = os.path.join(tmp, "aisensor.service")
    open(path, "w").write(unit)
    p = subprocess.run(["systemd-analyze", "verify", path], capture_output=True, text=True, timeout=60)
    problems = [l for l in (p.stdout + p.stderr).splitlines() if "aisensor.service" in l]
    check("systemd-analyze verify deploy/aisensor.service: no complaint", p.returncode == 0 and not problems,
          problems or p.stderr[-400:])


def main():
    binary, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    with tempfile.TemporaryDirectory() as tmp:
        test_reloads(binary, src, tmp)
        test_slow_events_reader(binary, src, tmp)
        test_rotation(binary, src, tmp)
        test_stopped_replay(binary, src, tmp)
        test_unit(binary, src, tmp)
    print("%d checks, %d failed" % (len(results), results.count(False)))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
