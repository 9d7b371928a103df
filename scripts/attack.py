#!/usr/bin/env python3
"""Replays the security review's attacks against a real `civic serve --demo` on loopback.

Each case sends what an attacker would and checks the answer from outside, with only the Python
standard library: no CivicCredit code on the attacking side. Every case prints PASS or FAIL with
what it saw; the exit status is the number of failed cases (0 when all hold).

    scripts/attack.py [CIVIC_BINARY]       # default .build/debug/civic; scripts/attack wraps it

Two servers run, each with 60 demo residents in a temporary directory removed afterwards: one with wide
bcrypt bounds for case 1 (so that the whole burst is queued and counted) that also trusts loopback as
a reverse proxy for case 17, one with the defaults for the rest. Cases 14 and 15 search each server's log for secrets.
"""
import concurrent.futures
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.parse

HOST = "127.0.0.1"


class Server:
    def __init__(self, binary, work, extra=()):
        self.port = self.free_port()
        os.makedirs(work, exist_ok=True)
        self.database = os.path.join(work, "civic.db")
        credentials = os.path.join(work, "credentials.json")
        self.log = open(os.path.join(work, "server.log"), "w")
        self.process = subprocess.Popen(
            [binary, "serve", "--demo", "--demo-residents", "60", "--database", self.database, "--port", str(self.port),
             "--credentials-file", credentials, "--anonymous-rate", "1000000", "--log-level", "info", *extra],
            stdout=self.log, stderr=self.log)
        deadline = time.time() + 600
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("civic serve exited early; see " + self.log.name)
            try:
                if self.request("GET", "/livez")[0] == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("civic serve did not answer /livez")
        with open(credentials) as f:
            self.credentials = {c["account"]: c for c in json.load(f)}

    @staticmethod
    def free_port():
        with socket.socket() as s:
            s.bind((HOST, 0))
            return s.getsockname()[1]

    def request(self, method, path, body=None, headers=None, token=None):
        connection = http.client.HTTPConnection(HOST, self.port, timeout=120)
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = "Bearer " + token
        if isinstance(body, dict):
            for key in ("password", "name", "statement"):
                if isinstance(body.get(key), str) and len(body[key]) >= 6:
                    canaries.add(body[key])
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            headers.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode()
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        result = (response.status, {k.lower(): v for k, v in response.getheaders()}, data, response.msg.get_all("Set-Cookie") or [])
        for token in re.findall(rb"civic_[A-Za-z0-9_-]{20,}", data):
            canaries.add(token.decode())
        connection.close()
        return result

    def token(self, account):
        return self.credentials[account]["token"]

    def password(self, account):
        return self.credentials[account]["password"]

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


class Browser:
    """Keeps cookies and reads the anti-forgery token from the last page."""

    def __init__(self, server):
        self.server = server
        self.cookies = {}

    def send(self, method, path, fields=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            canaries.update(value for name, value in fields if name == "password")
            body = urllib.parse.urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, response_headers, data, set_cookies = self.server.request(method, path, body=body, headers=headers)
        for cookie in set_cookies:
            name, _, rest = cookie.partition("=")
            value = rest.split(";")[0]
            if "Max-Age=0" in cookie or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return status, response_headers, data.decode("utf-8", "replace")

    def csrf(self, path):
        _, _, page = self.send("GET", path)
        match = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
        if not match:
            raise RuntimeError("no anti-forgery token on " + path)
        return match.group(1)

    def sign_in(self, account, password, next_path=None):
        fields = [("username", account), ("password", password), ("csrf", self.csrf("/login"))]
        if next_path is not None:
            fields.append(("next", next_path))
        return self.send("POST", "/login", fields)


results = []
# Secrets and personal names this run sent or received: none may reach the server's log.
canaries = set()


def case(number, title):
    def wrap(function):
        def run(server):
            try:
                problems = function(server) or []
            except Exception as error:  # a crash in a case is a failure of that case, not of the suite
                problems = [f"raised {type(error).__name__}: {error}"]
            results.append((number, title, problems))
            print(("PASS" if not problems else "FAIL"), f"{number:>2}. {title}")
            for problem in problems:
                print("        " + problem)
        run.number = number
        return run
    return wrap


def problem_of(data):
    try:
        return json.loads(data)
    except ValueError:
        return {}


@case(1, "wrong passwords sent at once are counted before the right one is checked")
def lockout_race(server):
    """Eight wrong passwords at once, then the right one while they are still queued for bcrypt.
    Counted before the check, the wrong ones hold the address back before the right one's turn; read
    before the check and written after it (the finding), all sixteen are checked and the right one signs in.
    This case runs on a server of its own with wide bcrypt bounds (--password-checks-queued and
    --password-checks-per-address 32), so that no attempt is turned away with 429 before it is counted."""
    problems = []
    account = "demo-auditor"
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        wrong = [pool.submit(server.request, "POST", "/sessions", {"username": account, "password": f"wrong-burst-{n}"}) for n in range(8)]
        time.sleep(0.3)  # only so that the right one is queued behind them; nothing measures time
        right = pool.submit(server.request, "POST", "/sessions", {"username": account, "password": server.password(account)})
        statuses = [future.result()[0] for future in wrong]
        right_status = right.result()[0]
    if right_status == 201:
        problems.append("the right password signed in behind eight wrong ones sent at once")
    if any(status >= 500 for status in statuses + [right_status]):
        problems.append(f"server errors: {statuses + [right_status]}")
    return problems


@case(2, "an administrator cannot get a token acting as a reviewer")
def impersonation(server):
    status, _, data, _ = server.request("POST", "/tokens", {"account": "demo-reviewer", "scopes": ["read", "write"]}, token=server.token("demo-admin"))
    if status != 403:
        return [f"POST /tokens for demo-reviewer answered {status}: {data[:200]!r}"]
    return []


@case(3, "NUL and control characters are refused with a 400 naming the field")
def control_characters(server):
    problems = []
    for name in ["\u0000Hidden", "A\u001b[2JB", "A\rB"]:
        subject_id = "attack-" + secrets.token_hex(4)
        body = {"subjects": [{"id": subject_id, "kind": "person", "name": name, "jurisdiction": "rongcheng", "attributes": [], "registeredOn": "2026-01-01"}]}
        status, _, data, _ = server.request("POST", "/subjects", body, token=server.token("demo-admin"))
        problem = problem_of(data)
        if status != 400 or problem.get("location") != "body.subjects[0].name":
            problems.append(f"name {name!r}: {status} {problem.get('location')}")
        if server.request("GET", f"/subjects/{subject_id}", token=server.token("demo-admin"))[0] != 404:
            problems.append(f"name {name!r} was stored")
    return problems


@case(4, "sign-in never redirects off the site")
def open_redirect(server):
    problems = []
    for hostile in ["/\t/evil.example", "/\\evil.example", "//evil.example", "https://evil.example/", "/%5Cevil.example", "/portal/../../evil"]:
        browser = Browser(server)
        status, headers, _ = browser.sign_in("demo-resident", server.password("demo-resident"), hostile)
        if status != 303 or headers.get("location") != "/portal":
            problems.append(f"next={hostile!r} led to {status} {headers.get('location')!r}")
    return problems


@case(5, "unknown, wrong and throttled sign-ins answer the same bytes")
def account_oracle(server):
    answers = set()
    for username in ["demo-resident", "nobody-at-all", "demo-relying-party"]:
        status, _, data, _ = server.request("POST", "/sessions", {"username": username, "password": "not-the-password-1"})
        answers.add((status, data))
    if len(answers) != 1:
        return [f"different answers: {sorted(answers)}"]
    return []


@case(6, "a flood of sign-ins gets 429s and eligibility checks still answer")
def bcrypt_flood(server):
    bodies = [{"username": "nobody-" + str(n), "password": "not-the-password-1"} for n in range(12)]
    with concurrent.futures.ThreadPoolExecutor(13) as pool:
        flood = [pool.submit(server.request, "POST", "/sessions", body) for body in bodies]
        time.sleep(0.05)
        check = pool.submit(server.request, "GET", "/eligibility/no-high-speed-rail/subjects/p-00001", token=server.token("demo-relying-party"))
        statuses = [future.result()[0] for future in flood]
        check_status = check.result()[0]
    problems = []
    if 429 not in statuses:
        problems.append(f"no 429 among {statuses}")
    if any(status >= 500 for status in statuses):
        problems.append(f"server errors: {statuses}")
    if check_status != 200:
        problems.append(f"the eligibility check answered {check_status}")
    return problems


@case(7, "database files are readable by their owner only")
def file_modes(server):
    problems = []
    access = server.database[:-3] + "-access.db"
    for path in [server.database, access, server.database + "-wal", access + "-wal", server.database + "-shm", access + "-shm"]:
        if os.path.exists(path):
            mode = stat.S_IMODE(os.stat(path).st_mode)
            if mode & 0o077:
                problems.append(f"{os.path.basename(path)} is {oct(mode)}")
    return problems


@case(8, "an attacker's form cookie and token do not work with a victim's session")
def csrf_binding(server):
    attacker = Browser(server)
    token = attacker.csrf("/login")
    victim = Browser(server)
    victim.sign_in("demo-reviewer", server.password("demo-reviewer"))
    forged = Browser(server)
    forged.cookies = {"civic_session": victim.cookies.get("civic_session", ""), "civic_form": attacker.cookies.get("civic_form", "")}
    status, _, _ = forged.send("POST", "/logout", [("csrf", token)])
    if status != 403:
        return [f"the crossed token answered {status}"]
    return []


@case(9, "a chunked body past the limit answers 413")
def chunked_body(server):
    with socket.create_connection((HOST, server.port), timeout=60) as connection:
        head = (f"POST /jurisdictions HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {server.token('demo-admin')}\r\n"
                "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        connection.sendall(head.encode())
        chunk = b"x" * 65536
        try:
            for _ in range(48):  # 3 MiB, past the 2 MiB limit
                connection.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            connection.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server may answer and close before reading it all
        answer = connection.recv(4096).decode("latin-1")
    status_line = answer.split("\r\n", 1)[0]
    if " 413 " not in status_line + " ":
        return [f"answered {status_line!r}"]
    return []


@case(10, "loose input is refused with the field and where it was")
def loose_input(server):
    problems = []
    admin = server.token("demo-admin")
    twice = '{"id":"attack-dup","id":"other","name":{"en":"A","zh":"甲"}}'
    status, _, data, _ = server.request("POST", "/jurisdictions", twice, headers={"Content-Type": "application/json"}, token=admin)
    if status != 400 or problem_of(data).get("location") != "body.id":
        problems.append(f"duplicate key: {status} {problem_of(data).get('location')}")
    status, _, data, _ = server.request("GET", "/subjects?limit=abc", token=admin)
    if status != 400 or problem_of(data).get("location") != "query limit":
        problems.append(f"bad query parameter: {status} {problem_of(data).get('location')}")
    status, _, data, _ = server.request("POST", "/reports", {"id": "attack-neg", "subject": "p-00001", "rule": "R-ANY", "occurredOn": "2026-01-02",
                                                            "statement": "x", "durationDays": -1, "evidence": []}, token=server.token("demo-assessor"))
    if status != 400 or problem_of(data).get("location") != "body.durationDays":
        problems.append(f"negative durationDays: {status} {problem_of(data).get('location')}")
    return problems


@case(11, "certificate links never follow the Host header")
def host_header(server):
    browser = Browser(server)
    browser.sign_in("demo-resident", server.password("demo-resident"))
    _, _, form = browser.send("GET", "/portal/certificate")
    scheme = re.search(r'<option value="([^"]+)"', form)
    if not scheme:
        return ["no scheme to certify on /portal/certificate"]
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', form).group(1)
    status, _, page = browser.send("POST", "/portal/certificate", [("scheme", scheme.group(1)), ("validDays", "30"), ("csrf", token)],
                                   headers={"Host": "evil.example"})
    problems = []
    if status != 201:
        problems.append(f"issuing answered {status}")
    if "evil.example" in page:
        problems.append("the certificate page links to the Host header's site")
    return problems


@case(12, "evidence is served with nosniff and a sandboxing policy")
def evidence_headers(server):
    png = bytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + secrets.token_bytes(64)
    resident = server.token("demo-resident")
    status, _, data, _ = server.request("POST", "/evidence", png, headers={"Content-Type": "image/png"}, token=resident)
    if status not in (200, 201):
        return [f"upload answered {status}"]
    digest = json.loads(data)["digest"]
    status, headers, _, _ = server.request("GET", f"/evidence/{digest}", token=resident)
    problems = []
    if headers.get("x-content-type-options") != "nosniff":
        problems.append("no nosniff")
    policy = headers.get("content-security-policy", "")
    if "sandbox" not in policy or "default-src 'none'" not in policy:
        problems.append(f"policy {policy!r}")
    return problems


@case(13, "every page and answer carries the security headers")
def security_headers(server):
    problems = []
    for method, path in [("GET", "/"), ("GET", "/login"), ("GET", "/portal"), ("GET", "/no/such/page"), ("GET", "/static/style.css"),
                         ("GET", "/jurisdictions"), ("POST", "/login")]:
        status, headers, _, _ = server.request(method, path)
        policy = headers.get("content-security-policy", "")
        missing = []
        if "frame-ancestors 'none'" not in policy or "unsafe-inline" in policy:
            missing.append(f"policy {policy!r}")
        if headers.get("x-content-type-options") != "nosniff":
            missing.append("nosniff")
        if headers.get("referrer-policy") is None:
            missing.append("Referrer-Policy")
        if missing:
            problems.append(f"{method} {path} ({status}): " + ", ".join(missing))
    return problems


@case(16, "a spoofed X-Forwarded-For from a peer that is not a trusted proxy changes nothing")
def spoofed_forwarded_for(server):
    """Five wrong passwords, each naming a new address in X-Forwarded-For, from a server that trusts no
    proxy: they still count against this peer, so the right password is then held back too."""
    problems = []
    account = "demo-auditor"
    for n in range(5):
        status = server.request("POST", "/sessions", {"username": account, "password": f"wrong-spoof-{n}"},
                                headers={"X-Forwarded-For": f"198.51.100.{n + 1}"})[0]
        if status != 401:
            problems.append(f"wrong password {n} answered {status}")
    status = server.request("POST", "/sessions", {"username": account, "password": server.password(account)},
                            headers={"X-Forwarded-For": "203.0.113.99"})[0]
    if status == 201:
        problems.append("a new X-Forwarded-For address escaped the throttle: the right password signed in")
    return problems


@case(17, "behind a trusted proxy (--trusted-proxy) two clients are throttled apart")
def trusted_proxy(server):
    """On the server started with --trusted-proxy for loopback: a guesser behind the proxy (with a
    header of its own before the proxy's) is held back; the person behind the same proxy signs in."""
    problems = []
    account = "demo-reviewer"
    for n in range(5):
        status = server.request("POST", "/sessions", {"username": account, "password": f"wrong-proxied-{n}"},
                                headers={"X-Forwarded-For": "203.0.113.50, 198.51.100.77"})[0]
        if status != 401:
            problems.append(f"wrong password {n} answered {status}")
    held = server.request("POST", "/sessions", {"username": account, "password": server.password(account)},
                          headers={"X-Forwarded-For": "198.51.100.77"})[0]
    person = server.request("POST", "/sessions", {"username": account, "password": server.password(account)},
                            headers={"X-Forwarded-For": "198.51.100.78"})[0]
    if held == 201:
        problems.append("the guesser's address was not held back")
    if person != 201:
        problems.append(f"the person behind the same proxy was held back too ({person})")
    return problems


CASES = [lockout_race, impersonation, control_characters, open_redirect, account_oracle, bcrypt_flood, file_modes, csrf_binding,
         chunked_body, loose_input, host_header, evidence_headers, security_headers, spoofed_forwarded_for]


def main():
    binary = os.path.realpath(sys.argv[1] if len(sys.argv) > 1 else ".build/debug/civic")
    work = tempfile.mkdtemp(prefix="civic-attack.")
    started = time.time()
    try:
        # Case 1 on a server of its own, with bcrypt bounds wide enough to queue the whole burst.
        # It also trusts loopback as a proxy, for case 17 (case 1 sends no X-Forwarded-For, so its peer stands).
        wide = Server(binary, os.path.join(work, "wide"), ["--password-checks-queued", "32", "--password-checks-per-address", "32",
                                                           "--trusted-proxy", "127.0.0.0/8", "--trusted-proxy", "::1"])
        try:
            lockout_race(wide)
            trusted_proxy(wide)
        finally:
            wide.stop()
        server = Server(binary, os.path.join(work, "default"))
        print(f"civic serve --demo answered after {time.time() - started:.1f} s on port {server.port}")
        try:
            for run in CASES[1:]:
                run(server)
            canaries.update(resident_names(server))
        finally:
            server.stop()
        for number, each in ((14, wide), (15, server)):
            check_log(each, number)
    finally:
        keep_logs(work)
        shutil.rmtree(work, ignore_errors=True)
    failed = [number for number, _, problems in results if problems]
    print(f"{len(results) - len(failed)} of {len(results)} cases held ({time.time() - started:.1f} s)" + (f"; failed: {failed}" if failed else ""))
    return min(len(failed), 100)


def keep_logs(work):
    """With CIVIC_LOG_KEEP (scripts/test sets it), keeps each server's log and the run's canaries (the
    secrets and names it handled, demo credentials included) for the whole run's canary search
    (scripts/log-canary.py)."""
    keep = os.environ.get("CIVIC_LOG_KEEP")
    if not keep:
        return
    os.makedirs(keep, exist_ok=True)
    found = set(canaries)
    for name in ("wide", "default"):
        log = os.path.join(work, name, "server.log")
        if os.path.exists(log):
            shutil.copyfile(log, os.path.join(keep, f"attack-{name}.log"))
        credentials = os.path.join(work, name, "credentials.json")
        if os.path.exists(credentials):
            with open(credentials) as f:
                for c in json.load(f):
                    found.update(v for v in (c.get("token"), c.get("password")) if v)
    with open(os.path.join(keep, "attack.canaries.json"), "w") as f:
        json.dump(sorted(found), f)


def resident_names(server):
    """Personal names of demo residents, as canaries: none may reach a log."""
    status, _, data, _ = server.request("GET", "/subjects?limit=50", token=server.token("demo-admin"))
    if status != 200:
        return []
    return [item["name"] for item in problem_of(data).get("items", []) if isinstance(item.get("name"), str) and len(item["name"]) >= 6]


def check_log(server, number):
    """Secrets canary: the demo's credentials are printed once, on their own lines at start (by design,
    to the terminal); apart from those lines no secret or name this run handled may be in the log."""
    with open(server.log.name) as f:
        lines = f.read().splitlines()
    known = set(canaries)
    for c in server.credentials.values():
        known.add(c["token"])
        if c.get("password"):
            known.add(c["password"])
    banner = {f"  {account} (" for account in server.credentials}
    logged = [line for line in lines if not any(line.startswith(prefix) for prefix in banner)]
    leaked = sorted({canary[:12] + "..." for canary in known for line in logged if canary in line})
    title = f"no secret or name the run handled is in the server's log ({len(known)} canaries, {len(logged)} lines)"
    problems = [f"in the log: {leaked}"] if leaked else []
    # The search must be able to find a secret at all: the banner lines it skips hold the demo's.
    if not any(c["token"] in line for c in server.credentials.values() for line in lines):
        problems.append("the demo tokens are not in the banner either: the canary search is blind")
    results.append((number, title, problems))
    print(("PASS" if not problems else "FAIL"), f"{number:>2}. {title}")
    for problem in problems:
        print("        " + problem)


if __name__ == "__main__":
    sys.exit(main())
