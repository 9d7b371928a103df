#!/usr/bin/env python3
"""The whole run's log canary: searches every log the full test run kept for its secrets.

scripts/test runs every server and tool with CIVIC_LOG_KEEP=ci-output/logs: the attack suite, the crash
loops and the browser tests copy their servers' logs there, with the secrets and personal names they
handled (demo passwords and tokens, session cookies, residents' names) in *.canaries.json files beside
them; the output of `swift test` is kept there too. This script then searches every line of every
other file there for every canary, and fails naming file and line for each one found.

The only lines skipped are the demo banner's (`  demo-... (role)  password: ...  token: ...`), which
`civic serve --demo` prints once to the terminal by design.

    scripts/log-canary.py DIR           # exit 1 if a canary is in a log, 2 if there is nothing to check
    scripts/log-canary.py --self-test   # plants a canary in a scratch log and must catch it
"""
import json
import os
import re
import sys
import tempfile

BANNER = re.compile(r"^  demo-[A-Za-z0-9-]+ \([a-z-]+\)(  password: \S+)?  token: \S+$")
# Canaries in every run: the fixed test passwords of the Swift and browser tests.
FIXED = ["a-long-enough-password", "correct horse battery staple"]
SHORTEST = 6  # shorter strings would match by chance


def canaries_in(directory):
    found = set(FIXED)
    for root, _, files in os.walk(directory):
        for name in files:
            if name.endswith(".canaries.json"):
                with open(os.path.join(root, name)) as f:
                    found.update(c for c in json.load(f) if isinstance(c, str) and len(c) >= SHORTEST)
    return found


def search(directory):
    """Returns (problems, files searched, lines searched, canaries)."""
    canaries = canaries_in(directory)
    problems, files_searched, lines_searched = [], 0, 0
    for root, _, files in os.walk(directory):
        for name in sorted(files):
            if name.endswith(".canaries.json"):
                continue
            path = os.path.join(root, name)
            files_searched += 1
            with open(path, encoding="utf-8", errors="replace") as f:
                for number, line in enumerate(f, 1):
                    lines_searched += 1
                    if BANNER.match(line.rstrip("\n")):
                        continue
                    for canary in canaries:
                        if canary in line:
                            problems.append(f"{os.path.relpath(path, directory)}:{number}: {canary[:6]}... ({len(canary)} characters)")
    return problems, files_searched, lines_searched, canaries


def self_test():
    with tempfile.TemporaryDirectory(prefix="civic-log-canary.") as scratch:
        with open(os.path.join(scratch, "run.canaries.json"), "w") as f:
            json.dump(["civic_planted-secret-token", "Planted Resident"], f)
        with open(os.path.join(scratch, "server.log"), "w") as f:
            f.write("  demo-admin (administrator)  password: civic_planted-secret-token  token: civic_planted-secret-token\n")
            f.write("info: POST /sessions 401 3 ms\n")
        clean, _, _, _ = search(scratch)
        with open(os.path.join(scratch, "server.log"), "a") as f:
            f.write("error: could not notify Planted Resident\n")
        caught, _, _, _ = search(scratch)
    if clean or len(caught) != 1 or not caught[0].startswith("server.log:3:"):
        print(f"FAIL log canary self-test: clean log gave {clean}, planted canary gave {caught}")
        return 1
    print("PASS log canary self-test: a planted name is caught at server.log:3, the demo banner is not")
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        print("usage: scripts/log-canary.py DIR | --self-test", file=sys.stderr)
        return 2
    problems, files_searched, lines_searched, canaries = search(sys.argv[1])
    if files_searched == 0 or len(canaries) == len(FIXED):
        print(f"FAIL log canary: nothing to check in {sys.argv[1]} ({files_searched} logs, {len(canaries)} canaries)")
        return 2
    for problem in problems:
        print("FAIL log canary: " + problem)
    print(("FAIL" if problems else "PASS") + f" log canary: {len(canaries)} canaries in {lines_searched} lines of {files_searched} logs"
          + (f"; {len(problems)} found" if problems else ""))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
