#!/usr/bin/env python3
"""The aggregator's parts call each other in one direction only: over the
include graph of sensor/agents (a module is a .h and its .c; a module
uses another when one of its files includes the other's header), there is
no cycle, and the correlators (llm, mcp, a2a, oauth) use only the model,
the event writer and what lies outside the folder.

    agents_graph.py DIR          check DIR (sensor/agents)
    agents_graph.py --self-test DIR
                                 also check that a copy of DIR with a cycle
                                 or a correlator using another fails

Exit 0 when the rules hold; 1 with the offending path otherwise."""
import os
import re
import shutil
import sys
import tempfile

CORRELATORS = {"llm", "mcp", "a2a", "oauth"}
CORRELATOR_MAY_USE = {"model", "events"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)\.h"', re.M)


def graph(folder):
    """module -> set of modules of this folder it includes."""
    files = [f for f in os.listdir(folder) if f.endswith((".c", ".h"))]
    modules = {os.path.splitext(f)[0] for f in files}
    uses = {m: set() for m in modules}
    for f in files:
        me = os.path.splitext(f)[0]
        with open(os.path.join(folder, f), encoding="utf-8") as fh:
            for dep in INCLUDE.findall(fh.read()):
                if dep in modules and dep != me:
                    uses[me].add(dep)
    return uses


def find_cycle(uses):
    """A cycle as a list of modules, or None."""
    state, stack = {}, []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for d in sorted(uses[m]):
            if state.get(d) == 1:
                return stack[stack.index(d):] + [d]
            if d not in state:
                c = visit(d)
                if c:
                    return c
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(uses):
        if m not in state:
            c = visit(m)
            if c:
                return c
    return None


def problems(folder):
    uses = graph(folder)
    out = []
    cycle = find_cycle(uses)
    if cycle:
        out.append("include cycle: " + " -> ".join(cycle))
    for c in sorted(CORRELATORS & set(uses)):
        extra = uses[c] - CORRELATOR_MAY_USE
        if extra:
            out.append("correlator %s uses %s (only %s)" % (c, ", ".join(sorted(extra)),
                                                              ", ".join(sorted(CORRELATOR_MAY_USE))))
    missing = CORRELATORS - set(uses)
    if missing:
        out.append("correlators missing: " + ", ".join(sorted(missing)))
    return out, uses


def self_test(folder):
    """The check fails on a copy with a cycle, and on one where a correlator uses another."""
    ok = True
    for name, target, line in (("cycle", "model.c", '#include "contrib.h"\n'),
                               ("correlator", "mcp.c", '#include "oauth.h"\n')):
        with tempfile.TemporaryDirectory() as tmp:
            copy = os.path.join(tmp, "agents")
            shutil.copytree(folder, copy)
            with open(os.path.join(copy, target), "a", encoding="utf-8") as fh:
                fh.write(line)
            found, _ = problems(copy)
            print(("ok   " if found else "FAIL ") + "an injected %s is caught: %s" % (name, found[:1]))
            ok = ok and bool(found)
    return ok


def main():
    args = sys.argv[1:]
    selftest = "--self-test" in args
    args = [a for a in args if a != "--self-test"]
    folder = args[0] if args else os.path.join(os.path.dirname(__file__), "..", "..", "sensor", "agents")
    found, uses = problems(folder)
    for m in sorted(uses):
        print("  %-8s -> %s" % (m, ", ".join(sorted(uses[m])) or "-"))
    for p in found:
        print("FAIL " + p)
    if not found:
        print("ok   no include cycle among %d modules; correlators use only %s" %
              (len(uses), ", ".join(sorted(CORRELATOR_MAY_USE))))
    ok = not found and (not selftest or self_test(folder))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
