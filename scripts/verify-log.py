#!/usr/bin/env python3
"""verify-log.py: check, without any CivicCredit software, that a CivicCredit
transparency log today extends a checkpoint you saved earlier, and optionally
that a record is included in it.

Written from the public specifications only:

  * RFC 9162 (Certificate Transparency 2.0), section 2.1.1 (Merkle Tree Hash,
    MTH), 2.1.3.1 / 2.1.4.1 (PATH and SUBPROOF, used only by --self-test),
    2.1.3.2 (verifying an inclusion proof) and 2.1.4.2 (verifying a
    consistency proof);
  * C2SP signed-note   https://c2sp.org/signed-note   (note format, verifier
    keys, key IDs, Ed25519 signature type 0x01);
  * C2SP tlog-checkpoint https://c2sp.org/tlog-checkpoint (origin, tree size,
    base64 root hash, optional extension lines);
  * C2SP tlog-cosignature https://c2sp.org/tlog-cosignature (witness
    cosignatures, signature type 0x04, "cosignature/v1" signed message).

Requires Python 3 and the `cryptography` package (Ed25519 only):
    pip install cryptography

Exit status: 0 all checks passed; 2 usage error or `cryptography` missing;
65 malformed input (bad key, note, base64, JSON, a signature that does not
verify, an unknown entry); 70 the log diverged (it shrank, forked, a proof
does not verify, or too few witnesses cosigned); 74 network or HTTP error.
"""

import argparse
import base64
import binascii
import datetime
import hashlib
import json
import os
import re
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

EX_OK = 0
EX_USAGE = 2
EX_DATAERR = 65
EX_DIVERGED = 70
EX_IOERR = 74

SIG_TYPE_ED25519 = 0x01          # signed-note: Ed25519 note signatures
SIG_TYPE_COSIGNATURE_V1 = 0x04   # tlog-cosignature: timestamped Ed25519
MAX_SIGNATURES = 64              # signed-note: MUST accept at least 16
MAX_PROOF_LEN = 130              # far more than any 64-bit tree needs
MAX_RESPONSE = 16 * 1024 * 1024


class Failure(Exception):
    """A check failed; `code` is the exit status, the message one line."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def bad(message):
    return Failure(EX_DATAERR, "error: " + message)


def diverged(message):
    return Failure(EX_DIVERGED, "diverged: " + message)


# ---------------------------------------------------------------------------
# RFC 9162 section 2.1.1: hashing
# ---------------------------------------------------------------------------

def sha256(data):
    return hashlib.sha256(data).digest()


def leaf_hash(data):
    """HASH(0x00 || d)."""
    return sha256(b"\x00" + data)


def node_hash(left, right):
    """HASH(0x01 || left || right)."""
    return sha256(b"\x01" + left + right)


EMPTY_ROOT = sha256(b"")  # MTH({}) = HASH()


# ---------------------------------------------------------------------------
# RFC 9162 section 2.1.3.2: verifying an inclusion proof
# ---------------------------------------------------------------------------

def verify_inclusion(leaf_index, tree_size, leaf, proof, root):
    """True iff `proof` shows that `leaf` (a leaf hash) is leaf number
    `leaf_index` of the tree of `tree_size` leaves whose root is `root`."""
    if leaf_index < 0 or leaf_index >= tree_size:
        return False
    fn = leaf_index
    sn = tree_size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn != 0 and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


# ---------------------------------------------------------------------------
# RFC 9162 section 2.1.4.2: verifying a consistency proof
# ---------------------------------------------------------------------------

def verify_consistency(first, second, first_hash, second_hash, proof):
    """True iff `proof` shows that the tree of `first` leaves with root
    `first_hash` is a prefix of the tree of `second` leaves with root
    `second_hash`.  Sizes 0 and equal sizes are handled as RFC 9162 2.1.4
    describes: both have an empty proof."""
    if first < 0 or second < first:
        return False
    if first == 0:
        # Every tree extends the empty tree; the proof is empty.
        return len(proof) == 0 and first_hash == EMPTY_ROOT
    if first == second:
        return len(proof) == 0 and first_hash == second_hash
    # 1. An empty path cannot prove anything between two non-empty sizes.
    if len(proof) == 0:
        return False
    path = list(proof)
    # 2. If first is an exact power of 2, prepend first_hash.
    if first & (first - 1) == 0:
        path.insert(0, first_hash)
    # 3.
    fn = first - 1
    sn = second - 1
    # 4. If LSB(fn) is set, right-shift both until it is not.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5.
    fr = path[0]
    sr = path[0]
    # 6.
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn != 0 and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    # 7.
    return fr == first_hash and sr == second_hash and sn == 0


# ---------------------------------------------------------------------------
# Base64 and verifier keys (C2SP signed-note, "Verifier keys")
# ---------------------------------------------------------------------------

def b64decode_strict(s, what):
    if not isinstance(s, str) or s == "":
        raise bad("%s: expected a non-empty base64 string" % what)
    try:
        return base64.b64decode(s.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise bad("%s: invalid base64 %r" % (what, _short(s)))


def b64(data):
    return base64.b64encode(data).decode("ascii")


def _short(s, n=60):
    s = str(s)
    return s if len(s) <= n else s[:n] + "..."


def key_id(name, sig_type, pubkey):
    """SHA-256(key name || 0x0A || signature type || public key)[:4]."""
    return sha256(name.encode("utf-8") + b"\n" + bytes([sig_type]) + pubkey)[:4]


_NAME_FORBIDDEN = re.compile(r"[\s+]")


def valid_key_name(name):
    return name != "" and not _NAME_FORBIDDEN.search(name) and \
        all(ord(ch) >= 0x20 for ch in name)


class VerifierKey:
    def __init__(self, name, kid, sig_type, pubkey, text):
        self.name = name
        self.kid = kid
        self.sig_type = sig_type
        self.pubkey = pubkey
        self.text = text

    def verify(self, message, signature):
        return ed25519_verify(self.pubkey, signature, message)


def parse_vkey(text, expected_type, what):
    """Parse `<name>+<8 hex key id>+<base64(type || 32-byte Ed25519 key)>`."""
    text = text.strip()
    parts = text.split("+", 2)  # base64 may itself contain '+'
    if len(parts) != 3:
        raise bad("%s: not a verifier key of the form name+keyid+base64: %r"
                  % (what, _short(text)))
    name, hexid, keyb64 = parts
    if not valid_key_name(name):
        raise bad("%s: invalid key name %r" % (what, _short(name)))
    if not re.fullmatch(r"[0-9a-fA-F]{8}", hexid):
        raise bad("%s: key id %r is not 8 hex digits" % (what, _short(hexid)))
    raw = b64decode_strict(keyb64, what + " public key")
    if len(raw) != 33:
        raise bad("%s: public key is %d bytes, expected 33 (type byte + 32-byte Ed25519 key)"
                  % (what, len(raw)))
    if raw[0] != expected_type:
        raise bad("%s: signature type 0x%02x, expected 0x%02x (%s)"
                  % (what, raw[0], expected_type,
                     "Ed25519 note key" if expected_type == SIG_TYPE_ED25519
                     else "Ed25519 cosignature/v1 witness key"))
    pub = raw[1:]
    kid = key_id(name, expected_type, pub)
    if kid != bytes.fromhex(hexid):
        raise bad("%s: key id %s does not match the key (computed %s)"
                  % (what, hexid.lower(), kid.hex()))
    return VerifierKey(name, kid, expected_type, pub, text)


def read_key_arg(value, expected_type, what):
    """A vkey given directly or as a path to a file holding one (or, for
    witnesses, several, one per line)."""
    if os.path.isfile(value):
        try:
            with open(value, "rb") as f:
                data = f.read(65536).decode("utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise bad("%s: cannot read key file %s: %s" % (what, value, e))
        lines = [l.strip() for l in data.splitlines()
                 if l.strip() and not l.strip().startswith("#")]
        if not lines:
            raise bad("%s: key file %s is empty" % (what, value))
        return [parse_vkey(l, expected_type, "%s (%s)" % (what, value)) for l in lines]
    return [parse_vkey(value, expected_type, what)]


# ---------------------------------------------------------------------------
# Ed25519 via the `cryptography` package
# ---------------------------------------------------------------------------

_ED25519 = None


def _load_ed25519():
    global _ED25519
    if _ED25519 is None:
        try:
            from cryptography.hazmat.primitives.asymmetric import ed25519
            from cryptography.exceptions import InvalidSignature
        except ImportError:
            raise Failure(EX_USAGE, "error: the Python package `cryptography` is required "
                                    "for Ed25519: pip install cryptography")
        _ED25519 = (ed25519, InvalidSignature)
    return _ED25519


def ed25519_verify(pubkey, signature, message):
    ed25519, InvalidSignature = _load_ed25519()
    if len(pubkey) != 32 or len(signature) != 64:
        return False
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(pubkey).verify(signature, message)
        return True
    except InvalidSignature:
        return False
    except ValueError:
        return False


# ---------------------------------------------------------------------------
# C2SP signed-note
# ---------------------------------------------------------------------------

class Signature:
    def __init__(self, name, kid, sig, line):
        self.name = name
        self.kid = kid
        self.sig = sig
        self.line = line


class Note:
    def __init__(self, text, signatures, raw):
        self.text = text              # str, ends with "\n"
        self.signatures = signatures  # list of Signature
        self.raw = raw                # the whole note as received


def parse_note(raw, what):
    """Split a signed note into its text and signature lines (no checks of
    the signatures themselves)."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise bad("%s: not valid UTF-8" % what)
    for ch in raw:
        if ord(ch) < 0x20 and ch != "\n":
            hint = " (Windows line endings?)" if ch == "\r" else ""
            raise bad("%s: contains control character U+%04X%s" % (what, ord(ch), hint))
    if not raw.endswith("\n"):
        raise bad("%s: does not end with a newline" % what)
    cut = raw.rfind("\n\n")
    if cut < 0:
        raise bad("%s: no blank line separating the text from the signatures" % what)
    text = raw[:cut + 1]
    block = raw[cut + 2:]
    if block == "":
        raise bad("%s: no signature lines after the blank line" % what)
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise bad("%s: too many signature lines (%d)" % (what, len(lines)))
    sigs = []
    for n, line in enumerate(lines, 1):
        if not line.startswith("\u2014 "):
            raise bad("%s: signature line %d does not start with an em dash and a space: %r"
                      % (what, n, _short(line)))
        fields = line[2:].split(" ")
        if len(fields) != 2:
            raise bad("%s: signature line %d is not '\u2014 <name> <base64>': %r"
                      % (what, n, _short(line)))
        name, sigb64 = fields
        if not valid_key_name(name):
            raise bad("%s: signature line %d has an invalid key name %r"
                      % (what, n, _short(name)))
        blob = b64decode_strict(sigb64, "%s: signature line %d" % (what, n))
        if len(blob) < 5:
            raise bad("%s: signature line %d is too short (%d bytes)" % (what, n, len(blob)))
        sigs.append(Signature(name, blob[:4], blob[4:], line))
    return Note(text, sigs, raw)


def verify_note(note, key, what):
    """signed-note rules: signatures from unknown keys are ignored; one from
    the known key (same name and key id) must verify, and any that fails
    rejects the note."""
    matched = [s for s in note.signatures if s.name == key.name and s.kid == key.kid]
    if not matched:
        names = ", ".join(sorted(set("%s/%s" % (s.name, s.kid.hex()) for s in note.signatures)))
        raise bad("%s: no signature by the log key %s (key id %s); signatures present: %s"
                  % (what, key.name, key.kid.hex(), names or "none"))
    message = note.text.encode("utf-8")
    for s in matched:
        if len(s.sig) != 64 or not key.verify(message, s.sig):
            raise bad("%s: the signature by %s does not verify (the note was altered or "
                      "signed by another key)" % (what, key.name))


# ---------------------------------------------------------------------------
# C2SP tlog-checkpoint
# ---------------------------------------------------------------------------

class Checkpoint:
    def __init__(self, note, origin, size, root, extensions):
        self.note = note
        self.origin = origin
        self.size = size
        self.root = root
        self.extensions = extensions


def parse_checkpoint(note, what):
    lines = note.text.split("\n")[:-1]  # text ends with "\n"
    if len(lines) < 3:
        raise bad("%s: a checkpoint needs origin, size and root lines, found %d line(s)"
                  % (what, len(lines)))
    origin, size_s, root_s = lines[0], lines[1], lines[2]
    if origin == "":
        raise bad("%s: empty origin line" % what)
    if not re.fullmatch(r"0|[1-9][0-9]*", size_s):
        raise bad("%s: tree size %r is not a decimal number without leading zeros"
                  % (what, _short(size_s)))
    size = int(size_s)
    if size >= 1 << 64:
        raise bad("%s: tree size %s does not fit in 64 bits" % (what, size_s))
    root = b64decode_strict(root_s, "%s: root hash" % what)
    if len(root) != 32:
        raise bad("%s: root hash is %d bytes, expected 32" % (what, len(root)))
    ext = lines[3:]
    for e in ext:
        if e == "":
            raise bad("%s: empty extension line" % what)
    return Checkpoint(note, origin, size, root, ext)


def load_checkpoint(raw, key, what):
    note = parse_note(raw, what)
    verify_note(note, key, what)
    cp = parse_checkpoint(note, what)
    if cp.origin != key.name:
        raise bad("%s: origin %r is not the log key's name %r"
                  % (what, _short(cp.origin), key.name))
    return cp


# ---------------------------------------------------------------------------
# C2SP tlog-cosignature (Ed25519, cosignature/v1)
# ---------------------------------------------------------------------------

def cosigned_message(timestamp, checkpoint_text):
    return b"cosignature/v1\ntime " + str(timestamp).encode("ascii") + b"\n" + \
        checkpoint_text.encode("utf-8")


def check_cosignatures(note, witnesses):
    """Return a list of (witness key, timestamp or None, status)."""
    results = []
    for w in witnesses:
        matched = [s for s in note.signatures if s.name == w.name and s.kid == w.kid]
        if not matched:
            results.append((w, None, "absent"))
            continue
        best = None
        status = "absent"
        for s in matched:
            if len(s.sig) != 8 + 64:
                status = "invalid (%d signature bytes, expected 72)" % len(s.sig)
                continue
            ts = int.from_bytes(s.sig[:8], "big")
            if ts > (1 << 63) - 1:
                status = "invalid (timestamp out of range)"
                continue
            if w.verify(cosigned_message(ts, note.text), s.sig[8:]):
                if best is None or ts > best:
                    best = ts
            else:
                status = "invalid (signature does not verify)"
        if best is not None:
            results.append((w, best, "ok"))
        else:
            results.append((w, None, status))
    return results


def fmt_time(ts):
    try:
        return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc) \
            .strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return "unix time %d" % ts


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------

class Client:
    def __init__(self, base, timeout):
        self.base = base.rstrip("/")
        self.timeout = timeout

    def get(self, path, not_found_is_input=False):
        url = self.base + path
        req = urllib.request.Request(url, headers={"User-Agent": "verify-log.py",
                                                   "Accept": "*/*"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                data = resp.read(MAX_RESPONSE + 1)
        except urllib.error.HTTPError as e:
            try:
                body = e.read(300).decode("utf-8", "replace").strip().splitlines()
            except Exception:
                body = []
            detail = (": " + _short(body[0], 120)) if body else ""
            code = EX_DATAERR if (e.code == 404 and not_found_is_input) else EX_IOERR
            raise Failure(code, "error: GET %s: HTTP %d %s%s" % (url, e.code, e.reason, detail))
        except urllib.error.URLError as e:
            raise Failure(EX_IOERR, "error: GET %s: %s" % (url, e.reason))
        except (OSError, ValueError) as e:  # timeouts, resets, bad URLs
            raise Failure(EX_IOERR, "error: GET %s: %s" % (url, e))
        if len(data) > MAX_RESPONSE:
            raise Failure(EX_IOERR, "error: GET %s: response larger than %d bytes"
                          % (url, MAX_RESPONSE))
        return data

    def get_json(self, path, what, not_found_is_input=False):
        data = self.get(path, not_found_is_input)
        try:
            obj = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise bad("%s: response is not valid JSON (%s)" % (what, e))
        if not isinstance(obj, dict):
            raise bad("%s: response is not a JSON object" % what)
        return obj


def json_int(obj, field, what):
    v = obj.get(field)
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise bad("%s: field %r is missing or not a non-negative integer" % (what, field))
    return v


def json_hashes(obj, field, what):
    v = obj.get(field)
    if not isinstance(v, list):
        raise bad("%s: field %r is missing or not a list" % (what, field))
    if len(v) > MAX_PROOF_LEN:
        raise bad("%s: %r has %d hashes, too many" % (what, field, len(v)))
    out = []
    for i, h in enumerate(v):
        raw = b64decode_strict(h, "%s: %s[%d]" % (what, field, i))
        if len(raw) != 32:
            raise bad("%s: %s[%d] is %d bytes, expected 32" % (what, field, i, len(raw)))
        out.append(raw)
    return out


# ---------------------------------------------------------------------------
# The check
# ---------------------------------------------------------------------------

def run(args):
    _load_ed25519()
    key = read_key_arg(args.key, SIG_TYPE_ED25519, "--key")
    if len(key) != 1:
        raise bad("--key: the key file must hold exactly one verifier key")
    key = key[0]
    witnesses = []
    seen = set()
    for w in args.witness or []:
        for k in read_key_arg(w, SIG_TYPE_COSIGNATURE_V1, "--witness"):
            if (k.name, k.kid) not in seen:
                seen.add((k.name, k.kid))
                witnesses.append(k)
    if not re.match(r"https?://", args.log):
        raise Failure(EX_USAGE, "error: --log must be an http:// or https:// URL")

    try:
        with open(args.checkpoint, "rb") as f:
            saved_raw = f.read(MAX_RESPONSE)
    except OSError as e:
        raise bad("cannot read the saved checkpoint %s: %s" % (args.checkpoint, e.strerror or e))
    old = load_checkpoint(saved_raw, key, "saved checkpoint %s" % args.checkpoint)

    client = Client(args.log, args.timeout)
    cur_raw = client.get("/log/checkpoint")
    new = load_checkpoint(cur_raw, key, "current checkpoint from %s" % client.base)

    if new.origin != old.origin:
        raise bad("origin changed: saved %r, current %r" % (old.origin, new.origin))

    M, N = old.size, new.size
    if N < M:
        raise diverged("the log shrank: it now has %d leaves, the saved checkpoint has %d"
                       % (N, M))
    if N == M:
        if new.root != old.root:
            raise diverged("two different trees were signed at size %d (the log forked): "
                           "saved root %s, current root %s" % (N, b64(old.root), b64(new.root)))
    elif M == 0:
        if old.root != EMPTY_ROOT:
            raise diverged("the saved checkpoint at size 0 has root %s, not the empty-tree "
                           "hash %s" % (b64(old.root), b64(EMPTY_ROOT)))
    else:
        what = "consistency proof %d -> %d" % (M, N)
        obj = client.get_json("/log/consistency?from=%d&to=%d" % (M, N), what)
        if json_int(obj, "from", what) != M or json_int(obj, "to", what) != N:
            raise bad("%s: the server answered for sizes %r -> %r"
                      % (what, obj.get("from"), obj.get("to")))
        proof = json_hashes(obj, "proof", what)
        if not verify_consistency(M, N, old.root, new.root, proof):
            raise diverged("the tree of %d leaves (root %s) does not extend the saved tree of "
                           "%d leaves (root %s): the RFC 9162 consistency proof does not "
                           "verify; history was rewritten"
                           % (N, b64(new.root), M, b64(old.root)))
    print("consistent: the log at %d leaves (root %s) extends the saved checkpoint at %d"
          % (N, b64(new.root), M))

    failures = []

    if witnesses or args.min_witnesses:
        results = check_cosignatures(new.note, witnesses)
        now = time.time()
        valid = 0
        invalid = []
        for w, ts, status in results:
            if status == "ok":
                valid += 1
                future = " (in the future!)" if ts > now + 300 else ""
                print("cosigned: witness %s (key id %s) at %s%s"
                      % (w.name, w.kid.hex(), fmt_time(ts), future))
            elif status == "absent":
                print("not cosigned: witness %s (key id %s) has no cosignature on this checkpoint"
                      % (w.name, w.kid.hex()))
            else:
                invalid.append(w.name)
                print("BAD cosignature: witness %s (key id %s): %s"
                      % (w.name, w.kid.hex(), status))
        print("witnesses: %d of %d configured witness(es) cosigned the current checkpoint"
              % (valid, len(witnesses)))
        if invalid:
            failures.append(bad("a cosignature line from witness(es) %s does not verify"
                                % ", ".join(invalid)))
        if args.min_witnesses and valid < args.min_witnesses:
            failures.append(diverged("only %d valid witness cosignature(s), %d required"
                                     % (valid, args.min_witnesses)))

    if args.entry is not None or args.record is not None:
        if N == 0:
            raise bad("the log is empty; nothing can be included in it")
        def q(segment):
            # Percent-encode only what a path segment cannot hold (RFC 3986 pchar).
            return urllib.parse.quote(segment, safe="!$&'()*+,;=:@")
        if args.entry is not None:
            path = "/log/entries/%s/proof?size=%d" % (q(args.entry), N)
            what = "inclusion proof for entry %r" % args.entry
        else:
            kind, rkey = args.record
            path = "/log/records/%s/%s/proof?size=%d" % (q(kind), q(rkey), N)
            what = "inclusion proof for %s %r" % (kind, rkey)
        obj = client.get_json(path, what, not_found_is_input=True)
        kind = obj.get("kind")
        rkey = obj.get("key")
        if not isinstance(kind, str) or not isinstance(rkey, str):
            raise bad("%s: fields 'kind' and 'key' must be strings" % what)
        if args.record is not None and (kind, rkey) != tuple(args.record):
            raise bad("%s: the server answered for %s %r" % (what, kind, rkey))
        index = json_int(obj, "leafIndex", what)
        size = json_int(obj, "treeSize", what)
        if size != N:
            raise bad("%s: proof is for a tree of %d leaves, asked for %d" % (what, size, N))
        lh = b64decode_strict(obj.get("leafHash"), "%s: leafHash" % what)
        if len(lh) != 32:
            raise bad("%s: leafHash is %d bytes, expected 32" % (what, len(lh)))
        proof = json_hashes(obj, "proof", what)
        cp_text = obj.get("checkpoint")
        if cp_text is not None:
            if not isinstance(cp_text, str):
                raise bad("%s: field 'checkpoint' is not a string" % what)
            pcp = load_checkpoint(cp_text, key, "checkpoint in the %s" % what)
            if pcp.size == N and pcp.root != new.root:
                raise diverged("two different trees were signed at size %d (the log forked): "
                               "%s and %s" % (N, b64(new.root), b64(pcp.root)))
        if not verify_inclusion(index, N, lh, proof, new.root):
            failures.append(diverged("%s: leaf %d (hash %s) is not in the tree of %d leaves "
                                     "(root %s): the RFC 9162 inclusion proof does not verify"
                                     % (what, index, b64(lh), N, b64(new.root))))
        else:
            print("included: %s '%s' is leaf %d of %d (leaf hash %s)"
                  % (kind, rkey, index, N, b64(lh)))

    if failures:
        # Report every failure, exit with the first one's status.
        for f in failures[1:]:
            print(f.message, file=sys.stderr)
        raise failures[0]

    if args.save:
        save_checkpoint(args.checkpoint, new.note.raw)
        print("saved: the checkpoint at %d leaves replaces %s" % (N, args.checkpoint))
    return EX_OK


def save_checkpoint(path, text):
    d = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".verify-log-", dir=d)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(text)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError as e:
        raise Failure(EX_IOERR, "error: cannot save the checkpoint to %s: %s"
                      % (path, e.strerror or e))


# ---------------------------------------------------------------------------
# --self-test
# ---------------------------------------------------------------------------

def _k(n):
    """Largest power of two strictly smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves):
    """RFC 9162 2.1.1 Merkle Tree Hash over leaf data."""
    n = len(leaves)
    if n == 0:
        return sha256(b"")
    if n == 1:
        return leaf_hash(leaves[0])
    k = _k(n)
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def rfc_path(m, leaves):
    """RFC 9162 2.1.3.1 PATH(m, D[n])."""
    n = len(leaves)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return rfc_path(m, leaves[:k]) + [mth(leaves[k:])]
    return rfc_path(m - k, leaves[k:]) + [mth(leaves[:k])]


def rfc_subproof(m, leaves, b):
    """RFC 9162 2.1.4.1 SUBPROOF(m, D[n], b)."""
    n = len(leaves)
    if m == n:
        return [] if b else [mth(leaves)]
    k = _k(n)
    if m <= k:
        return rfc_subproof(m, leaves[:k], b) + [mth(leaves[k:])]
    return rfc_subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]


def rfc_proof(m, leaves):
    return rfc_subproof(m, leaves, True)


def _mutations(proof):
    """Every proof obtained by flipping one byte of `proof`, plus a truncated
    and an extended one."""
    for i, h in enumerate(proof):
        for j in range(len(h)):
            hb = bytearray(h)
            hb[j] ^= 0x01
            yield proof[:i] + [bytes(hb)] + proof[i + 1:]
    if proof:
        yield proof[:-1]
    yield proof + [sha256(b"extra")]


def self_test():
    ed25519, _ = _load_ed25519()
    from cryptography.hazmat.primitives import serialization

    checks = 0

    def check(cond, message):
        nonlocal checks
        checks += 1
        if not cond:
            raise Failure(1, "self-test FAILED: " + message)

    # Merkle trees of sizes 1..40.
    data = [("leaf %d" % i).encode() for i in range(40)]
    roots = [mth(data[:n]) for n in range(41)]
    check(roots[0] == EMPTY_ROOT, "MTH of the empty tree")
    for n in range(1, 41):
        leaves = data[:n]
        for m in range(n):
            lh = leaf_hash(leaves[m])
            p = rfc_path(m, leaves)
            check(verify_inclusion(m, n, lh, p, roots[n]), "inclusion %d of %d" % (m, n))
            for bp in _mutations(p):
                check(not verify_inclusion(m, n, lh, bp, roots[n]),
                      "mutated inclusion proof %d of %d accepted" % (m, n))
            check(not verify_inclusion(m, n, leaf_hash(b"other"), p, roots[n]),
                  "wrong leaf accepted %d/%d" % (m, n))
            check(not verify_inclusion(m, n, lh, p, roots[n - 1]),
                  "wrong root accepted %d/%d" % (m, n))
            if n > 1:
                check(not verify_inclusion((m + 1) % n, n, lh, p, roots[n]),
                      "wrong index accepted %d/%d" % (m, n))
            check(not verify_inclusion(n, n, lh, p, roots[n]), "index == size accepted")
        for m in range(1, n + 1):
            p = rfc_proof(m, leaves)
            check(verify_consistency(m, n, roots[m], roots[n], p),
                  "consistency %d -> %d" % (m, n))
            for bp in _mutations(p):
                check(not verify_consistency(m, n, roots[m], roots[n], bp),
                      "mutated consistency proof %d -> %d accepted" % (m, n))
            if m < n:
                check(not verify_consistency(m, n, roots[m - 1], roots[n], p),
                      "wrong old root accepted %d -> %d" % (m, n))
                check(not verify_consistency(m, n, roots[m], roots[n - 1], p),
                      "wrong new root accepted %d -> %d" % (m, n))
                flipped = bytearray(roots[m])
                flipped[0] ^= 0x80
                check(not verify_consistency(m, n, bytes(flipped), roots[n], p),
                      "flipped old root accepted %d -> %d" % (m, n))
            check(not verify_consistency(n, m, roots[n], roots[m], p) or m == n,
                  "shrinking accepted %d -> %d" % (n, m))
        check(verify_consistency(0, n, EMPTY_ROOT, roots[n], []), "0 -> %d" % n)
        check(not verify_consistency(0, n, roots[1], roots[n], []), "0 -> %d bad root" % n)
        check(not verify_consistency(n, n, roots[n], roots[n - 1], []) or n == 0,
              "fork at %d accepted" % n)
    # RFC 9162 2.1.5 example tree of 7 leaves: the proof between 3 and 7 is [c, d, g, l].
    check(len(rfc_proof(3, data[:7])) == 4, "RFC example: consistency proof 3 -> 7 length")
    check(len(rfc_path(3, data[:7])) == 3, "RFC example: inclusion proof of d in 7 length")

    # Published vector (golang.org/x/mod/sumdb/note package documentation).
    go_vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    go_note = ("If you think cryptography is the answer to your problem,\n"
               "then you don't know what your problem is.\n"
               "\n"
               "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFY"
               "C2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")
    gk = parse_vkey(go_vkey, SIG_TYPE_ED25519, "Go vector key")
    gn = parse_note(go_note, "Go vector note")
    verify_note(gn, gk, "Go vector note")
    check(gn.text.endswith("is.\n"), "Go vector text")
    try:
        verify_note(parse_note(go_note.replace("problem,", "problem;"), "x"), gk, "x")
        check(False, "altered Go vector note accepted")
    except Failure:
        checks += 1

    # A note and a cosignature made here with fresh keys.
    def raw_pub(priv):
        return priv.public_key().public_bytes(serialization.Encoding.Raw,
                                              serialization.PublicFormat.Raw)

    def make_vkey(name, sig_type, priv):
        pub = raw_pub(priv)
        return "%s+%s+%s" % (name, key_id(name, sig_type, pub).hex(),
                             b64(bytes([sig_type]) + pub))

    log_priv = ed25519.Ed25519PrivateKey.generate()
    origin = "example.org/self-test-log"
    vkey = make_vkey(origin, SIG_TYPE_ED25519, log_priv)
    lk = parse_vkey(vkey, SIG_TYPE_ED25519, "self-test key")
    text = "%s\n%d\n%s\n" % (origin, 40, b64(roots[40]))
    sig = b64(lk.kid + log_priv.sign(text.encode()))
    note = text + "\n\u2014 %s %s\n" % (origin, sig)

    w_priv = ed25519.Ed25519PrivateKey.generate()
    wvkey = make_vkey("witness.example/w1", SIG_TYPE_COSIGNATURE_V1, w_priv)
    wk = parse_vkey(wvkey, SIG_TYPE_COSIGNATURE_V1, "self-test witness")
    ts = 1700000000
    cosig = b64(wk.kid + ts.to_bytes(8, "big") + w_priv.sign(cosigned_message(ts, text)))
    cnote = note + "\u2014 %s %s\n" % (wk.name, cosig)

    cp = load_checkpoint(cnote, lk, "self-test note")
    check(cp.size == 40 and cp.root == roots[40] and cp.origin == origin, "checkpoint fields")
    res = check_cosignatures(cp.note, [wk])
    check(res[0][2] == "ok" and res[0][1] == ts, "cosignature verifies")
    other_w = parse_vkey(make_vkey("witness.example/w2", SIG_TYPE_COSIGNATURE_V1,
                                   ed25519.Ed25519PrivateKey.generate()),
                         SIG_TYPE_COSIGNATURE_V1, "w2")
    check(check_cosignatures(cp.note, [other_w])[0][2] == "absent", "unknown witness absent")
    # A cosignature with a changed time must not verify.
    bad_cosig = b64(wk.kid + (ts + 1).to_bytes(8, "big") +
                    w_priv.sign(cosigned_message(ts, text)))
    res = check_cosignatures(parse_note(note + "\u2014 %s %s\n" % (wk.name, bad_cosig), "x"), [wk])
    check(res[0][2].startswith("invalid"), "cosignature with altered time rejected")

    def signed(t):
        return t + "\n\u2014 %s %s\n" % (origin, b64(lk.kid + log_priv.sign(t.encode())))

    check(load_checkpoint(signed(text + "ext line\n"), lk, "ext").extensions == ["ext line"],
          "extension line kept")
    other_priv = ed25519.Ed25519PrivateKey.generate()
    forged_sig = b64(lk.kid + other_priv.sign(text.encode()))
    must_fail = {
        "altered root": note.replace(b64(roots[40]), b64(roots[39])),
        "altered size": note.replace("\n40\n", "\n41\n"),
        "signature by another key": text + "\n\u2014 %s %s\n" % (origin, forged_sig),
        "no signature": text + "\n",
        "no blank line": text,
        "bad base64": text + "\n\u2014 %s %s\n" % (origin, sig[:-3] + "*=="),
        "truncated signature": text + "\n\u2014 %s %s\n" % (origin, b64(lk.kid + b"x" * 10)),
        "missing em dash": text + "\n- %s %s\n" % (origin, sig),
        "CRLF": note.replace("\n", "\r\n"),
        "no final newline": note[:-1],
        "leading zero size": signed("%s\n040\n%s\n" % (origin, b64(roots[40]))),
        "short root": signed("%s\n40\n%s\n" % (origin, b64(b"abc"))),
        "two lines": signed("%s\n40\n" % origin),
        "empty extension line": signed("%s\n40\n%s\n\n" % (origin, b64(roots[40]))),
    }
    for label, bad_note in must_fail.items():
        try:
            load_checkpoint(bad_note, lk, label)
            check(False, "malformed note accepted: " + label)
        except Failure as f:
            check(f.code == EX_DATAERR, "wrong exit status for " + label)
    # Wrong origin (valid signature by a key whose name differs from the origin).
    t2 = "other.example/log\n1\n%s\n" % b64(roots[1])
    try:
        load_checkpoint(t2 + "\n\u2014 %s %s\n" % (origin, b64(lk.kid + log_priv.sign(t2.encode()))),
                        lk, "wrong origin")
        check(False, "wrong origin accepted")
    except Failure:
        checks += 1
    for label, bad_key in {
        "wrong key id": vkey.split("+")[0] + "+00000000+" + vkey.split("+", 2)[2],
        "witness type for log": wvkey,
        "truncated key": vkey[:-4],
        "no separators": "abc",
    }.items():
        try:
            parse_vkey(bad_key, SIG_TYPE_ED25519, label)
            check(False, "bad key accepted: " + label)
        except Failure:
            checks += 1

    print("self-test passed: %d checks (Merkle trees of 1..40 leaves: every inclusion and "
          "consistency proof verifies and every one-byte change is rejected; signed-note, "
          "checkpoint and cosignature parsing; Go sumdb/note vector)" % checks)
    return EX_OK


# ---------------------------------------------------------------------------

def main(argv=None):
    p = argparse.ArgumentParser(
        prog="verify-log.py",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Check that a CivicCredit transparency log today extends a checkpoint "
                    "you saved earlier (RFC 9162 consistency proof, C2SP signed checkpoints), "
                    "optionally that witnesses cosigned it and that a record is included.",
        epilog="""\
What --entry/--record prove, and what they do not: the server sends the record's
leaf hash and an audit path; this script checks (RFC 9162 2.1.3.2) that the leaf
hash is leaf I of the current signed tree. It cannot recompute the leaf hash from
the record itself (it never sees the record). To check the record's content,
compute SHA-256(0x00 || canonical bytes of the record) as docs/transparency.md
describes and compare it with the leaf hash printed here.

Saving a checkpoint to start with:
  curl -s https://credit.example.gov/log/checkpoint > saved-checkpoint
  curl -s https://credit.example.gov/log/key > log.vkey
Later:
  verify-log.py --log https://credit.example.gov --key log.vkey \\
                --checkpoint saved-checkpoint --save

Exit status: 0 ok; 2 usage / `cryptography` missing; 65 malformed input or a
signature that does not verify; 70 the log diverged (shrank, forked, a proof
failed, too few witnesses); 74 network or HTTP error.""")
    p.add_argument("--log", metavar="URL", help="the server's base URL, e.g. https://credit.example.gov")
    p.add_argument("--key", metavar="VKEY_OR_FILE",
                   help="the log's verifier key (name+keyid+base64) or a file holding it")
    p.add_argument("--checkpoint", metavar="SAVED_FILE",
                   help="the signed checkpoint you saved earlier")
    p.add_argument("--save", action="store_true",
                   help="when every check passes, write the current checkpoint over SAVED_FILE")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--entry", metavar="ID", help="also check that this entry is in the log")
    g.add_argument("--record", nargs=2, metavar=("KIND", "KEY"),
                   help="also check that this record (e.g. notice n-...) is in the log")
    p.add_argument("--witness", action="extend", nargs="+", metavar="VKEY",
                   help="witness cosignature/v1 verifier key(s) (or files, one key a line); "
                        "report which of them cosigned the current checkpoint and when")
    p.add_argument("--min-witnesses", type=int, default=0, metavar="N",
                   help="fail (exit 70) unless at least N of the --witness keys cosigned")
    p.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                   help="network timeout per request (default 30)")
    p.add_argument("--self-test", action="store_true",
                   help="test the Merkle proof and note code offline, then exit")
    args = p.parse_args(argv)

    try:
        if args.self_test:
            return self_test()
        missing = [o for o, v in (("--log", args.log), ("--key", args.key),
                                  ("--checkpoint", args.checkpoint)) if not v]
        if missing:
            p.error("the following arguments are required: " + ", ".join(missing))
        if args.min_witnesses < 0:
            p.error("--min-witnesses must not be negative")
        return run(args)
    except Failure as f:
        print(f.message, file=sys.stderr)
        return f.code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # never a traceback
        print("error: internal error (%s: %s)" % (type(e).__name__, e), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
