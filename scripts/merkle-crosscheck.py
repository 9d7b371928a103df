#!/usr/bin/env python3
"""Independent cross-check of CivicCredit log proofs, written from the text of
RFC 9162 (sections 2.1.1, 2.1.3.2 and 2.1.4.2) using only the standard library.

Input (stdin, JSON):
  {"leaves": ["<hex leaf input bytes>", ...],
   "checks": [{"kind": "inclusion", "index": i, "size": n, "proof": [hex], "root": hex},
              {"kind": "consistency", "old": m, "new": n, "oldRoot": hex, "newRoot": hex, "proof": [hex]}]}

Roots are recomputed here from the leaves; each check's stated root must match
the recomputed one and its proof must verify. Prints one line per check and
exits 1 if any check fails (2 on malformed input).
"""
import hashlib
import json
import sys


def sha256(data):
    return hashlib.sha256(data).digest()


def leaf_hash(entry):
    return sha256(b"\x00" + entry)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def mth(hashes):
    """MTH over leaf hashes D[0:n] (RFC 9162 2.1.1), bottom-up over the list."""
    n = len(hashes)
    if n == 0:
        return sha256(b"")
    if n == 1:
        return hashes[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(mth(hashes[:k]), mth(hashes[k:]))


def verify_inclusion(leaf_index, tree_size, leaf, path, root):
    """RFC 9162 2.1.3.2."""
    if leaf_index >= tree_size:
        return False, "leaf_index >= tree_size"
    fn, sn, r = leaf_index, tree_size - 1, leaf
    for p in path:
        if sn == 0:
            return False, "proof too long"
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        return False, "proof too short"
    if r != root:
        return False, "root mismatch"
    return True, "ok"


def verify_consistency(first, second, first_hash, second_hash, path):
    """RFC 9162 2.1.4.2 (requires 0 < first < second; equal sizes need an empty proof)."""
    if first == second:
        if path:
            return False, "non-empty proof for equal sizes"
        return (first_hash == second_hash), ("ok" if first_hash == second_hash else "roots differ")
    if not 0 < first < second:
        return False, "sizes out of range"
    if not path:
        return False, "empty proof"
    path = list(path)
    if first & (first - 1) == 0:
        path.insert(0, first_hash)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False, "proof too long"
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        return False, "proof too short"
    if fr != first_hash:
        return False, "first hash mismatch"
    if sr != second_hash:
        return False, "second hash mismatch"
    return True, "ok"


def main():
    try:
        doc = json.load(sys.stdin)
        leaves = [leaf_hash(bytes.fromhex(x)) for x in doc["leaves"]]
        checks = doc["checks"]
    except (ValueError, KeyError, TypeError) as e:
        print("malformed input: %s" % e)
        return 2
    roots = {}

    def root_of(size):
        if size not in roots:
            roots[size] = mth(leaves[:size])
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
