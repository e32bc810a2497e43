#!/usr/bin/env python3
"""The README's examples work as written.

Every command of the README's ```sh blocks (a line, or each part of a line
joined by &&) is either run or skipped for a reason listed in SKIP — a
command that is neither fails the test, so a new example has to be placed.
Commands run with bash -o pipefail in a scratch directory that looks like a
checkout: build/aisensor is the binary under test, the source tree's other
entries are linked, and /tmp/ paths are moved inside it, so outputs such as
inventory.json land there. Each must exit 0 and give what its comment
promises (CHECKS, SAME_OUTPUT). A ```yaml block introduced by "in `FILE`:"
is written to FILE there first, as the reader would. A ```text block introduced by "`CMD`
prints:" must appear verbatim in CMD's standard output. Run as root, the
examples run again as the unprivileged user nobody: the README works for
both.

usage: check_readme.py BINARY SOURCE_DIR"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

results = []

# Commands not run here, and why (a regex matched against the whole command).
SKIP = [
    (r"^scripts/setup\.sh$", "installs packages with apt-get: .ci/run runs it"),
    (r"^scripts/build\.sh$", "builds build/: this test runs on a build"),
    (r"^scripts/test\.sh$", "runs every test, this one among them"),
    (r"^tcpdump -i eth0 ", "live capture on eth0 needs root and the interface (golden/live captures live)"),
    (r"^python3 tests/golden/run_twins\.py ", "the golden/twins test runs it"),
    (r"^redis-cli |^build/aisensor report --redis ",
     "needs a Redis the sensor filled (golden/redis tests the registry, golden/report its page)"),
    (r"^cmake |^\(cd build-release && cpack ", "builds the package: scripts/test.sh runs scripts/package.sh"),
    (r"^apt-get install |^install -D .* /etc/aisensor/|^aisensor check -c /etc/|^systemctl ",
     "installs and starts the package as root: scripts/package.sh --install does it in CI"),
]
# Tools other than the sensor, by package, and whether scripts/setup.sh installs
# it: a command needing a missing one is skipped, and fails in CI if setup.sh
# should have installed it.
TOOLS = {"jq": ("jq", True), "editcap": ("wireshark-common", False)}

# What a command's comment promises, beyond exit status 0: f(stdout, stderr, dir) -> (ok, detail).
CHECKS = {
    "build/aisensor -r pcaps -r pcaps/public": lambda o, e, d: ("AI agents found" in o, o[:300]),
    "build/aisensor -r pcaps/openai-node-gateway-http.pcap": lambda o, e, d: ("Statistics" in e, e[:300]),
    "build/aisensor -q -r pcaps --events - | jq -c 'select(.event.action==\"llm-request\")'":
        lambda o, e, d: llm_requests(o),
    "build/aisensor -w 2 -r pcaps --inventory inventory.json --events events.jsonl":
        lambda o, e, d: inventory_and_events(d),
    "build/aisensor -r pcaps/openai-node-tls.pcap --keylog pcaps/keylogs/openai-node-tls.keylog":
        lambda o, e, d: ("models gpt-4o-mini" in o and "key logs:" in e, o[:600] + e[:300]),
    "build/aisensor --help": lambda o, e, d: (o.startswith("usage:"), o[:300]),
    "build/aisensor -q -c audit.yaml -r pcaps -r pcaps/public --report report.html --inventory last.json":
        lambda o, e, d: report_and_inventory(d, "sanctioned"),
    "build/aisensor -q -c audit.yaml -r pcaps --report report.html --baseline last.json":
        lambda o, e, d: report_and_inventory(d, "Changes since the baseline"),
}
# Commands whose comment says they give the same as another ("the same", "and from stdin").
SAME_OUTPUT = {
    "build/aisensor -r /tmp/dsb.pcapng":
        "build/aisensor -r pcaps/openai-node-tls.pcap --keylog pcaps/keylogs/openai-node-tls.keylog",
    "cat /tmp/dsb.pcapng | build/aisensor -r -":
        "build/aisensor -r pcaps/openai-node-tls.pcap --keylog pcaps/keylogs/openai-node-tls.keylog",
}


def report_and_inventory(d, text):
    page = open(os.path.join(d, "report.html")).read()
    inv = json.load(open(os.path.join(d, "last.json")))
    return page.startswith("<!DOCTYPE html>") and text in page and bool(inv["agents"]), page[:300]


def check(name, ok, detail=""):
    results.append(ok)
    print(("ok   " if ok else "FAIL ") + name + ("" if ok or not detail else "\n     " + str(detail)[:800]))


def llm_requests(out):
    lines = out.splitlines()
    ok = bool(lines) and all(json.loads(l)["event"]["action"] == "llm-request" for l in lines)
    return ok, out[:300]


def inventory_and_events(d):
    inv = json.load(open(os.path.join(d, "inventory.json")))
    events = [json.loads(l) for l in open(os.path.join(d, "events.jsonl"))]
    return bool(inv["agents"]) and bool(events), f"{len(inv['agents'])} agents, {len(events)} events"


def split_outside_quotes(line, sep):
    """line cut at each sep outside quotes and parentheses; sep '#' cuts a comment."""
    parts, cur, quote, depth, i = [], "", None, 0, 0
    while i < len(line):
        c = line[i]
        if quote:
            quote = None if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif depth == 0 and line.startswith(sep, i) and (sep != "#" or i == 0 or line[i - 1].isspace()):
            parts.append(cur.strip())
            if sep == "#":
                return parts
            cur, i = "", i + len(sep)
            continue
        cur += c
        i += 1
    return parts + [cur.strip()]


def readme_commands(readme):
    """The commands of the ```sh blocks, in order."""
    cmds = []
    for block in re.findall(r"^```sh\n(.*?)^```", readme, re.M | re.S):
        for line in block.splitlines():
            line = split_outside_quotes(line, "#")[0]
            cmds += [c for c in split_outside_quotes(line, "&&") if c]
    return cmds


def readme_files(readme):
    """The files the README asks the reader to write: {name: text}."""
    return dict(re.findall(r"in `([^`/]+)`:\n\n```yaml\n(.*?)^```", readme, re.M | re.S))


def scratch_checkout(binary, src, files, owner=None):
    """A directory that looks like a checkout, with build/aisensor = binary."""
    d = tempfile.mkdtemp(prefix="aisensor-readme-")
    for name in os.listdir(src):
        if not name.startswith(("build", ".git")):
            os.symlink(os.path.join(src, name), os.path.join(d, name))
    os.mkdir(os.path.join(d, "build"))
    os.symlink(os.path.abspath(binary), os.path.join(d, "build", "aisensor"))
    os.mkdir(os.path.join(d, "tmp"))
    for name, text in files.items():
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    if owner is not None:
        for p in [d, os.path.join(d, "build"), os.path.join(d, "tmp")] + [os.path.join(d, n) for n in files]:
            os.chown(p, owner, owner)
    return d


def run_examples(cmds, files, binary, src, label, wrap=()):
    d = scratch_checkout(binary, src, files, owner=65534 if wrap else None)
    outputs, missing_tmp = {}, set()
    try:
        for cmd in cmds:
            reason = next((r for pat, r in SKIP if re.search(pat, cmd)), None)
            tool = next((t for t in TOOLS if re.search(r"(^|\| )" + t + r"\b", cmd) and not shutil.which(t)), None)
            tmp_paths = set(re.findall(r"/tmp/\S+", cmd))
            if reason:
                print(f"skip {label}: {cmd}\n     ({reason})")
                continue
            if tool:
                package, in_setup = TOOLS[tool]
                if in_setup and os.environ.get("CI"):
                    check(f"{label}: {cmd}: {tool} installed (scripts/setup.sh: {package})", False)
                print(f"skip {label}: {cmd}\n     ({tool} is not installed: {package}"
                      f"{', which scripts/setup.sh installs' if in_setup else ', not in scripts/setup.sh'})")
                missing_tmp |= tmp_paths
                continue
            if tmp_paths & missing_tmp:
                print(f"skip {label}: {cmd}\n     (reads what a skipped command makes)")
                continue
            p = subprocess.run(list(wrap) + ["bash", "-o", "pipefail", "-c", cmd.replace("/tmp/", d + "/tmp/")],
                               cwd=d, capture_output=True, text=True, timeout=300)
            outputs[cmd] = p.stdout
            check(f"{label}: {cmd}: exit 0", p.returncode == 0, (p.returncode, p.stderr[-600:]))
            if p.returncode != 0:
                continue
            if cmd in CHECKS:
                ok, detail = CHECKS[cmd](p.stdout, p.stderr, d)
                check(f"{label}: {cmd}: as its comment says", ok, detail)
            if cmd in SAME_OUTPUT and SAME_OUTPUT[cmd] in outputs:
                check(f"{label}: {cmd}: the same as {SAME_OUTPUT[cmd]}", p.stdout == outputs[SAME_OUTPUT[cmd]],
                      p.stdout[:600])
        return outputs
    finally:
        shutil.rmtree(d)


def main():
    binary, src = sys.argv[1], os.path.abspath(sys.argv[2])
    readme = open(os.path.join(src, "README.md")).read()
    cmds = readme_commands(readme)
    check("the README has sh examples", len(cmds) > 5, cmds)
    for table in (CHECKS, SAME_OUTPUT):
        for cmd in table:  # a check whose command left the README would pass unseen
            check(f"checked command in the README: {cmd}", cmd in cmds)
    files = readme_files(readme)
    check("the README's files to write", "audit.yaml" in files, files)
    outputs = run_examples(cmds, files, binary, src, "as this user")

    # Output blocks: "`CMD` prints:" then a ```text block found verbatim in CMD's output.
    shown = re.findall(r"`([^`]+)` prints:\n\n```text\n(.*?)^```", readme, re.M | re.S)
    check("the README shows example outputs", len(shown) > 0)
    for cmd, text in shown:
        check(f"the output shown for {cmd} is what it prints", cmd in outputs and text in outputs[cmd],
              outputs.get(cmd, "(not run)")[:1500])

    if os.geteuid() == 0 and shutil.which("setpriv"):
        wrap = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--")
        readable = subprocess.run(list(wrap) + ["test", "-x", os.path.abspath(binary), "-a", "-r",
                                                os.path.join(src, "pcaps/openai-node-gateway-http.pcap")])
        if readable.returncode == 0:
            run_examples(cmds, files, binary, src, "as nobody", wrap)
        else:
            print("skip the examples as nobody: it cannot read the binary or the captures here")
    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
