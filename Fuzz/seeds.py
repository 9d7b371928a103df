#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (Fuzz/corpus/TARGET): small valid and near-valid inputs taken
from the repository's handbooks, feeds, tests and OpenAPI document. Run from the repository root; the
output is committed, so this runs only when a format changes. Needs PyYAML and cryptography (Ed25519)."""
import base64, hashlib, json, os, struct, sys
import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

def put(target, name, data):
    os.makedirs(os.path.join(ROOT, target), exist_ok=True)
    if isinstance(data, str): data = data.encode()
    with open(os.path.join(ROOT, target, name), "wb") as f: f.write(data)

# values
for i, text in enumerate(["2026-03-02", "2024-02-29", "2026-02-30", "0001-01-01", "9999-12-31", "1899-12-31", "2026-3-2",
                          "2026-03", "2026-13", "2026-Q1", "2026-Q5", "12", "-3", "+0.5", "2.25", "-0.05", "999999999999.99", "1e3",
                          "p-00017", "R-ESCORT-ELDER", "A+++", "", " 7 ", '["2026-03-02"]', '["2026-12"]', '["2026-Q4"]',
                          '[5]', '["-0.5"]', '[-12]', '["+1.50"]']):
    put("values", f"seed-{i:02d}", text)

# certificates: signed with the fuzz target's fixed key (bytes 1..32)
key = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
raw_public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
key_id = hashlib.sha256(raw_public).digest()[:8].hex()
b64u = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def canonical(fields):
    out = b"CCC1"
    for tag, value in fields:
        value = value.encode()
        out += bytes([tag]) + struct.pack(">I", len(value)) + value
    return out

def certificate(serial, grade, score, as_of, until, log=None, kind="person", version="1"):
    fields = [(1, version), (2, serial), (3, "p-00017"), (4, "Zhang *"), (5, kind), (6, "rongcheng"), (7, "city-points"), (8, "3")]
    if grade: fields.append((9, grade))
    fields += [(10, score), (11, as_of), (12, until), (13, "rongcheng"), (14, key_id)]
    if log: fields += [(15, str(log[0])), (16, log[1])]
    return canonical(fields)

root = base64.b64encode(hashlib.sha256(b"root").digest()).decode()
contents = [
    certificate("0123456789abcdef0123456789abcdef", "AAA", "1052.5", "2026-06-01", "2026-08-29"),
    certificate("fedcba9876543210fedcba9876543210", None, "-3", "2026-06-15", "2026-06-15"),
    certificate("00000000000000000000000000000001", "A+", "1000", "2026-01-01", "2027-01-01", log=(1234, root)),
    certificate("00000000000000000000000000000002", "D", "0.05", "2026-06-10", "2026-06-20", kind="household"),
    certificate("00000000000000000000000000000003", "B", "999", "2026-07-01", "2026-09-01"),       # not yet valid on the check day
    certificate("00000000000000000000000000000004", "C", "12", "2026-01-01", "2026-02-01", version="2"),  # unknown version
    certificate("0123456789ABCDEF0123456789ABCDEF", "AAA", "5", "2026-06-01", "2026-07-01"),       # upper-case serial
]
for i, content in enumerate(contents):
    put("canonical", f"seed-{i:02d}", content)
    token = f"CC1.{b64u(content)}.{b64u(key.sign(content))}"
    put("certificate", f"seed-{i:02d}", token)
put("canonical", "cut-short", contents[0][:-7])
put("certificate", "bad-signature", f"CC1.{b64u(contents[0])}.{b64u(bytes(64))}")
put("certificate", "padded", f"CC1.{b64u(contents[0])}=.{b64u(key.sign(contents[0]))}")
put("certificate", "two-parts", f"CC1.{b64u(contents[0])}")
put("certificate", "whitespace", f"  CC1.{b64u(contents[1])}.{b64u(key.sign(contents[1]))}\n")

# web forms
for i, body in enumerate(["username=demo-admin&password=secret&csrf=abc123", "statement=Drove+a+neighbour%0D%0Ato+hospital&rule=R-ESCORT-ELDER&evidence=photo%3Asha256%3Aab12",
                          "lang=zh&next=%2Fportal%3Fa%3D1", "a=1&a=2&b=&=c&d", "q=%E4%B8%AD%E6%96%87+text&bad=%ZZ&pct=%",
                          'multipart/form-data; boundary="----WebKitFormBoundary7MA4YWxkTrZu0gW"; charset=utf-8']):
    put("form", f"seed-{i:02d}", body)

# multipart: the Content-Type line, then the body, as the page tests build them
boundary = "portal-test-boundary-7f3a"
def multipart(fields, files, boundary=boundary):
    out = b""
    for name, value in fields:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    for name, filename, ctype, data in files:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\nContent-Type: {ctype}\r\n\r\n'.encode() + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()
png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + bytes(16)
put("multipart", "seed-00", f"multipart/form-data; boundary={boundary}\n".encode() + multipart([("rule", "R-ESCORT-ELDER"), ("statement", "Helped\r\nneighbour")], [("photo", "a.png", "image/png", png)]))
put("multipart", "seed-01", f'multipart/form-data; boundary="{boundary}"\n'.encode() + multipart([("csrf", "x"), ("id", "r-1")], []))
put("multipart", "seed-02", f"multipart/form-data; boundary={boundary}\n".encode() + multipart([], [("photo", "a.jpg", "image/jpeg", b"\xff\xd8\xff\xe0" + bytes(12)), ("photo", "b.jpg", "image/jpeg", b"\xff\xd8")]))
put("multipart", "truncated", f"multipart/form-data; boundary={boundary}\n".encode() + multipart([("a", "b")], [])[:-12])
put("multipart", "no-name", f"multipart/form-data; boundary=b\n--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--\r\n".encode())

# API request bodies: the selector byte (FuzzAPIBody's table order), then an example built from the schema
doc = yaml.safe_load(open("Sources/CivicAPI/openapi.yaml"))
schemas = doc["components"]["schemas"]
def example(schema, depth=0):
    if "$ref" in schema: return example(schemas[schema["$ref"].split("/")[-1]], depth)
    if "enum" in schema: return schema["enum"][0]
    t = schema.get("type")
    if t == "object" or "properties" in schema:
        return {k: example(v, depth + 1) for k, v in schema.get("properties", {}).items()}
    if t == "array": return [example(schema["items"], depth + 1)]
    if t == "integer": return schema.get("minimum", 1)
    if t == "number": return 1.5
    if t == "boolean": return True
    if schema.get("format") == "date": return "2026-03-02"
    if schema.get("format") == "date-time": return "2026-03-02T10:00:00Z"
    if schema.get("pattern", "").startswith("^[0-9]{4}-[0-9]{2}$"): return "2026-03"
    return "p-1"
order = ["Credentials", "AccountInput", "HouseholdAssignment", "TokenInput", "Jurisdiction", "Actor", "HandbookSource", "SubjectBatch",
         "ReportInput", "DecisionInput", "CycleInput", None, "AppealInput", "AppealDecisionInput", "CertificateRequest", "verify",
         "RemedyInput", "CorrectionInput", "AuthorityFeedInput", "NoticeChannelInput", "StandingsRefreshInput"]
for i, name in enumerate(order):
    if name is None: value = {"subjects": ["p-1", "p-2"]}
    elif name == "verify": value = {"token": "CC1.AAAA.AAAA"}
    else: value = example(schemas[name])
    put("api-body", f"seed-{i:02d}", bytes([i]) + json.dumps(value, ensure_ascii=False).encode())
put("api-body", "duplicate-key", bytes([0]) + b'{"username":"a","username":"b","password":"x"}')
put("api-body", "control-char", bytes([8]) + b'{"id":"r-1","subject":"p-1","rule":"R","occurredOn":"2026-03-02","statement":"a\\u0000b"}')
put("api-body", "unknown-field", bytes([8]) + b'{"id":"r-1","subject":"p-1","rule":"R","occurredOn":"2026-03-02","statement":"s","nickname":1}')

# authority feeds, as the CLI tests write them
csv_feeds = [
    "id,kind,subject,rule,source_record,occurred_on,statement\nc-1,record,p-4,R-COURT-DEFAULT,case-2026-7,2026-03-05,Judgment of 2026-01-10 not carried out\n",
    'id,kind,subject,rule,scheme,source_record,occurred_on,statement\nc-1,record,p-4,R-COURT-DEFAULT,city-points,case-7,2026-03-05,"Judgment, ""not"" carried out"\nrem-1,remedy,p-4,,,case-7,2026-04-01,"paid\nin full"\n',
    "id,kind,subject,source_record,occurred_on,statement\nc-2,record,p-5,tax-9,2026-13-01,late\n",
    "id,kind,subject,source_record,occurred_on,statement\nc-3,record,p-5,tax-9,2026-01-01\n",
    "id,kind,subject,source_record,occurred_on,statement,extra\n",
    'id,kind,subject,source_record,occurred_on,statement\nc-4,record,p-5,tax-9,2026-01-01,"never closed\n',
]
for i, feed in enumerate(csv_feeds): put("feed-csv", f"seed-{i:02d}", feed)
json_feeds = [
    [{"id": "c-1", "kind": "record", "subject": "p-4", "rule": "R-COURT-DEFAULT", "source_record": "case-2026-7", "occurred_on": "2026-03-05", "statement": "Judgment not carried out"}],
    [{"id": "rem-1", "kind": "remedy", "subject": "p-4", "sourceRecord": "case-7", "occurredOn": "2026-04-01", "statement": "paid"},
     {"id": "c-9", "kind": "record", "subject": "c-0001", "scheme": "company", "source_record": "tax-1", "occurred_on": "2026-02-28", "statement": "unpaid tax"}],
    [{"id": "c-2", "kind": "lawsuit", "subject": "p-4", "source_record": "x", "occurred_on": "2026-03-05", "statement": "s"}],
    [{"id": "c-3", "kind": "record", "subject": "p 4", "source_record": "x", "occurred_on": "1850-01-01", "statement": ""}],
    {"records": []},
]
for i, feed in enumerate(json_feeds): put("feed-json", f"seed-{i:02d}", json.dumps(feed, ensure_ascii=False))
put("feed-json", "truncated", json.dumps(json_feeds[0])[:-9])

# handbooks: the demo handbooks and the CLI tests' fixture, whole and cut short
handbooks = ["Sources/CivicDemo/Handbooks/rongcheng.yaml", "Sources/CivicDemo/Handbooks/yangqiao.yaml",
             "Sources/CivicDemo/Handbooks/zhaojiashan.yaml", "Tests/CivicCLITests/Fixtures/testville.yaml"]
for path in handbooks:
    text = open(path, encoding="utf-8").read()
    name = os.path.splitext(os.path.basename(path))[0]
    put("handbook", name, text)
    put("handbook", name + "-cut", text[: len(text) // 2])
put("handbook", "aliases", "a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\njurisdiction: *a\n")
put("handbook", "tags", "jurisdiction: !!binary aGVsbG8=\nversion: !!float 1e400\ntitle: {en: ~, zh: [1]}\nschemes: !custom x\n")

# transparency log: a checkpoint note signed per C2SP signed-note, a cosignature line, tile paths
def note_key_id(name, type_byte, public):
    return hashlib.sha256(name.encode() + b"\n" + bytes([type_byte]) + public).digest()[:4]
def signature_line(name, key_id, signature):
    return "\u2014 " + name + " " + base64.b64encode(key_id + signature).decode()
log_key = Ed25519PrivateKey.from_private_bytes(bytes(range(33, 65)))
log_public = log_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
witness_key = Ed25519PrivateKey.from_private_bytes(bytes(range(65, 97)))
witness_public = witness_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
for i, (size, extensions) in enumerate([(1234, []), (0, []), (18446744073709551615, ["extension line"])]):
    body = f"credit.example.gov/ledger\n{size}\n{base64.b64encode(hashlib.sha256(str(size).encode()).digest()).decode()}\n" + "".join(e + "\n" for e in extensions)
    note = body + "\n" + signature_line("credit.example.gov/ledger", note_key_id("credit.example.gov/ledger", 1, log_public), log_key.sign(body.encode())) + "\n"
    time = struct.pack(">Q", 1764000000)
    cosigned = note + signature_line("witness.example", note_key_id("witness.example", 4, witness_public),
                                     time + witness_key.sign(b"cosignature/v1\ntime 1764000000\n" + body.encode())) + "\n"
    put("log", f"checkpoint-{i}", note)
    put("log", f"cosigned-{i}", cosigned)
    put("log", f"body-{i}", body)
for i, path in enumerate(["tile/0/000", "tile/0/x001/234", "tile/1/x123/x456/789.p/17", "tile/0/001.p/256", "tile/64/000", "tile/entries/000"]):
    put("log", f"tile-{i}", path)
put("log", "unsigned", "credit.example.gov/ledger\n5\nAAAA\n\n")
