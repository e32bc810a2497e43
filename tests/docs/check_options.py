#!/usr/bin/env python3
"""Every command-line option the parsers accept is documented.

The options are read from the parsers' own tables — the getopt option
strings and `struct option` arrays of sensor/app/cli.c (a run),
sensor/app/check.c (`aisensor check`), sensor/app/cmd_agents.c
(`aisensor agents`) and sensor/app/cmd_report.c (`aisensor report`) — so an option added there without its help line or
man page entry fails here. For each: the real binary accepts it (given
before --help, it is parsed and --help still answers: an option the binary
does not know would be refused first), and it appears in that command's
--help output, in its section of docs/aisensor.1 and in README.md's
"Command line".

usage: check_options.py BINARY SOURCE_DIR"""
import os
import re
import subprocess
import sys

results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(("ok   " if ok else "FAIL ") + name + ("" if ok or not detail else "\n     " + str(detail)[:800]))


def parser_options(path):
    """(option, takes an argument) for each option of the file's getopt calls."""
    text = open(path).read()
    opts = []
    for optstring in re.findall(r'getopt(?:_long)?\(\s*argc,\s*argv,\s*"([^"]*)"', text):
        for m in re.finditer(r"([A-Za-z0-9])(:?)", optstring):
            opts.append(("-" + m.group(1), m.group(2) == ":"))
    for name, kind in re.findall(r'\{\s*"([a-z0-9-]+)",\s*(no|required|optional)_argument', text):
        opts.append(("--" + name, kind == "required"))
    return opts


def mentions(text, opt):
    """Whether text names opt as an option (not as part of a longer one)."""
    return re.search(r"(?<![\w-])" + re.escape(opt) + r"(?![\w-])", text) is not None


def run(binary, args):
    return subprocess.run([binary] + args, capture_output=True, text=True, timeout=30)


def main():
    binary, src = sys.argv[1], sys.argv[2]
    # The man page source with roff's escapes for '-' and fonts undone, by section.
    man = open(os.path.join(src, "docs/aisensor.1")).read()
    man = re.sub(r"\\f[BIRP]", "", man.replace("\\-", "-"))
    sections = dict(re.findall(r"^\.SH (\S+)\n(.*?)(?=^\.SH |\Z)", man, re.M | re.S))
    readme = open(os.path.join(src, "README.md")).read()
    readme_cli = re.search(r"^## Command line\n(.*?)^## ", readme, re.M | re.S).group(1)

    # (command, its parser's source, its arguments, the man page section documenting it)
    commands = [
        ("aisensor", "sensor/app/cli.c", [], "OPTIONS"),
        ("aisensor check", "sensor/app/check.c", ["check"], "COMMANDS"),
        ("aisensor agents", "sensor/app/cmd_agents.c", ["agents"], "COMMANDS"),
        ("aisensor report", "sensor/app/cmd_report.c", ["report"], "COMMANDS"),
    ]
    help_args = ["--help"]
    for name, source, prefix, section in commands:
        opts = parser_options(os.path.join(src, source))
        check(f"{source}: options found in the parser's tables", len(opts) > 0, opts)
        h = run(binary, prefix + help_args)
        help_text = h.stdout
        check(f"{name} --help prints a usage", h.returncode == 0 and "usage:" in help_text, (h.returncode, h.stderr))
        for opt, has_arg in opts:
            p = run(binary, prefix + [opt] + (["1"] if has_arg else []) + help_args)
            check(f"{name}: {opt} is accepted", p.returncode == 0, (p.returncode, p.stderr))
            check(f"{name}: {opt} in --help", mentions(help_text, opt), help_text)
            check(f"{name}: {opt} in docs/aisensor.1, {section}", mentions(sections.get(section, ""), opt))
            check(f"{name}: {opt} in README.md, Command line", mentions(readme_cli, opt))
        # A name that is no option is refused: the acceptance check above can fail.
        p = run(binary, prefix + ["--no-such-option"] + help_args)
        check(f"{name}: an unknown option is refused", p.returncode == 2 and "unrecognized" in p.stderr,
              (p.returncode, p.stderr))

    # The man page is of this version.
    version = run(binary, ["--version"]).stdout.strip()
    th = re.search(r"^\.TH .*$", man, re.M)
    check(f"docs/aisensor.1 is of {version}", th is not None and f'"{version}"' in th.group(0),
          th.group(0) if th else "no .TH line")

    # The subcommands are in the run's --help and the man page.
    h = run(binary, ["--help"]).stdout
    for sub in ("check", "agents", "report"):
        check(f"subcommand {sub} in --help", re.search(r"aisensor " + sub + r"\b", h) is not None, h)
        check(f"subcommand {sub} in docs/aisensor.1", re.search(r"\.B aisensor " + sub + r"\b", sections["SYNOPSIS"])
              is not None and re.search(r"^\.B[IR]? \"?" + sub + r"\b", sections["COMMANDS"], re.M) is not None)
    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
