#!/usr/bin/env python3
"""Independent cross-check of CivicCredit log proofs with the RFC 9162 algorithms
(sections 2.1.1, 2.1.3.2 and 2.1.4.2) of scripts/verify-log.py, standard library only.

Input (stdin, JSON):
  {"leaves": ["<hex leaf input bytes>", ...],
   "checks": [{"kind": "inclusion", "index": i, "size": n, "proof": [hex], "root": hex},
              {"kind": "consistency", "old": m, "new": n, "oldRoot": hex, "newRoot": hex, "proof": [hex]}]}

Roots are recomputed here from the leaves; each check's stated root must match
the recomputed one and its proof must verify. Prints one line per check and
exits 1 if any check fails (2 on malformed input).
"""
import importlib.util
import json
import os
import sys

# The RFC 9162 algorithms come from scripts/verify-log.py, the standalone verifier
# written from the RFC and the C2SP specifications alone (not from the Swift code).
_spec = importlib.util.spec_from_file_location(
    "verify_log", os.path.join(os.path.dirname(os.path.abspath(__file__)), "verify-log.py"))
_verify_log = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_verify_log)
leaf_hash, mth = _verify_log.leaf_hash, _verify_log.mth


def verify_inclusion(index, size, leaf, proof, root):
    ok = _verify_log.verify_inclusion(index, size, leaf, proof, root)
    return ok, "ok" if ok else "the proof does not lead to the root"


def verify_consistency(old, new, old_root, new_root, proof):
    ok = _verify_log.verify_consistency(old, new, old_root, new_root, proof)
    return ok, "ok" if ok else "the proof does not join the two roots"


def main():
    try:
        doc = json.load(sys.stdin)
        data = [bytes.fromhex(x) for x in doc["leaves"]]
        leaves = [leaf_hash(d) for d in data]
        checks = doc["checks"]
    except (ValueError, KeyError, TypeError) as e:
        print("malformed input: %s" % e)
        return 2
    roots = {}

    def root_of(size):
        if size not in roots:
            roots[size] = mth(data[:size])
        return roots[size]

    failures = 0
    for number, check in enumerate(checks):
        try:
            proof = [bytes.fromhex(x) for x in check["proof"]]
            if check["kind"] == "inclusion":
                i, n = check["index"], check["size"]
                stated = bytes.fromhex(check["root"])
                if n > len(leaves) or i >= n:
                    ok, why = False, "index/size outside the leaves given"
                elif stated != root_of(n):
                    ok, why = False, "stated root is not the root of %d leaves" % n
                else:
                    ok, why = verify_inclusion(i, n, leaves[i], proof, stated)
                label = "inclusion index=%d size=%d" % (i, n)
            elif check["kind"] == "consistency":
                m, n = check["old"], check["new"]
                old_root, new_root = bytes.fromhex(check["oldRoot"]), bytes.fromhex(check["newRoot"])
                if n > len(leaves) or m > n:
                    ok, why = False, "sizes outside the leaves given"
                elif old_root != root_of(m) or new_root != root_of(n):
                    ok, why = False, "stated roots are not the roots of %d and %d leaves" % (m, n)
                else:
                    ok, why = verify_consistency(m, n, old_root, new_root, proof)
                label = "consistency old=%d new=%d" % (m, n)
            else:
                ok, why, label = False, "unknown kind", "check"
        except (ValueError, KeyError, TypeError) as e:
            ok, why, label = False, "malformed check: %s" % e, "check"
        print("%s %d %s: %s" % ("PASS" if ok else "FAIL", number, label, why))
        if not ok:
            failures += 1
    print("%d checks, %d failed" % (len(checks), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
