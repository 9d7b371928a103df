#!/usr/bin/env python3
"""Real crash loops: real `civic` processes killed with SIGKILL at random moments.

    scripts/crash-test CYCLES [--store sqlite|postgres] [--mode mixed|serve|import|close|pg-restart]
                              [--seed N] [--civic PATH] [--postgres-url URL] [--keep] [--self-check]

One seed drives everything that can be chosen: the kind of each cycle, the moment of each kill, the
client's choices and the rows of each feed. It is printed first; `--seed N` runs the same schedule
again. (Process timing is the machine's: the same seed kills at the same moment after start, which is
not always the same point of the work, and the client's three threads interleave as they run.)

Each cycle is one of:

- serve:      `civic serve` on the database takes HTTP writes from a client (Python threads) that
              records every answer with its Idempotency-Key: subjects (a batch of two), authority
              records (one report each), and reviewers' decisions approving those reports. The server
              gets SIGKILL at a random moment (sometimes while starting).
- import:     `civic report import FEED.csv --by court` with 20 to 300 rows, killed at a random moment.
- close:      `civic cycle close` of the month (or `civic standings refresh` once the month is closed),
              killed at a random moment.
- pg-restart: (PostgreSQL only) as serve, but PostgreSQL itself is stopped with `pg_ctl -m immediate`
              mid-load and started again; the server must answer 503 meanwhile and acknowledge writes
              again within 60 s without a restart; then it is killed as in serve.

After every cycle: `civic verify` must exit 0 (integrity, gapless append-only ledger, transparency log
against every checkpoint, standings equal to a fresh fold). A killed import is run again to the end:
it must report either all rows filed (the killed run wrote nothing) or all unchanged (it wrote them
all), never a part; an import that was acknowledged (exit 0) must be all unchanged. A killed close is
run again: acknowledged means the rerun is `unchanged`; then every approved report of a closed month
must have exactly one ledger entry. When the server is up again the client first checks every write
acknowledged before (present, once: a subject batch both there, a report there, a decision there
once), checks that a write whose answer was lost is all there or not at all, re-sends every
unacknowledged write with the same key (it must succeed), and re-sends some acknowledged ones (each
must be replayed: `Idempotent-Replayed: true`, the same status and the same bytes).

At the end: every unacknowledged write re-sent until acknowledged, every acknowledged write checked,
a last cycle close, every approved report exactly one entry, and `civic verify` once more.

A violation prints the seed, the cycle and what was wrong, keeps the work directory and exits 1.
The day in the world moves on by two days a cycle (`--as-of`), starting 2027-01-04.
"""
import argparse
import datetime
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

#: How long a claim on an Idempotency-Key outlives the server that made it (IdempotencyMiddleware.claimStaleSeconds).
CLAIM_STALE_SECONDS = 120


def claimed_by_dead_server(answer) -> bool:
    """409 "still being processed; retry later": after a kill, the key is still claimed by the server that died."""
    return answer is not None and answer[0] == 409 and b"idempotency-key-in-use" in answer[2]

HOST = "127.0.0.1"
PGBIN = os.environ.get("CIVIC_PGBIN", "/usr/lib/postgresql/15/bin")
RULE = "R-TRAFFIC-FINE-LARGE"  # an authority rule of the city scheme: one approval, no evidence, adverse (so a notice too)
FIRST_DAY = datetime.date(2027, 1, 4)
DAYS_PER_CYCLE = 2
THREADS = 3


class Violation(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def log(message):
    print(message, flush=True)


# ---------------------------------------------------------------------------------------------- PostgreSQL

class Cluster:
    """A throwaway PostgreSQL cluster on loopback, durable (fsync on): its crash recovery is under test too."""

    def __init__(self, work):
        if not (os.path.exists(f"{PGBIN}/initdb") and os.path.exists(f"{PGBIN}/pg_ctl")):
            raise SystemExit(f"crash-test: PostgreSQL is not installed ({PGBIN}/initdb not found): apt-get install -y postgresql, "
                             "or pass --postgres-url")
        self.root = os.path.join(work, "pg")
        os.makedirs(self.root)
        self.port = free_port()
        self.as_owner = []
        if os.getuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            os.chmod(work, 0o755)
            self.as_owner = ["runuser", "-u", "postgres", "--"]
        self.data = os.path.join(self.root, "data")
        self.run([f"{PGBIN}/initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"])
        self.start()
        psql = [f"{PGBIN}/psql", "-h", HOST, "-p", str(self.port), "-U", "postgres", "-q", "-v", "ON_ERROR_STOP=1"]
        subprocess.run(psql + ["-c", "CREATE ROLE civic LOGIN PASSWORD 'civic'", "-c", "CREATE DATABASE civic_crash OWNER civic"],
                       check=True, capture_output=True)
        self.url = f"postgres://civic:civic@{HOST}:{self.port}/civic_crash?sslmode=disable"

    def run(self, command):
        result = subprocess.run(self.as_owner + command, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {result.stdout}{result.stderr}")

    def start(self):
        self.run([f"{PGBIN}/pg_ctl", "-D", self.data, "-l", os.path.join(self.root, "log"), "-w", "-t", "60",
                  "-o", f"-c listen_addresses={HOST} -p {self.port} -k {self.root} -c max_connections=200", "start"])

    def stop_immediate(self):
        self.run([f"{PGBIN}/pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop"])

    def stop(self):
        subprocess.run(self.as_owner + [f"{PGBIN}/pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"], capture_output=True)


# ---------------------------------------------------------------------------------------------- the server

class Server:
    running = set()  # every server started, so that an interrupted run leaves none behind

    def __init__(self, crash, extra=(), demo=False):
        self.port = free_port()
        self.log_path = os.path.join(crash.work, "server.log")
        self.log_file = open(self.log_path, "a")
        self.log_file.write(f"---- start (cycle {crash.cycle})\n")
        self.log_file.flush()
        command = [crash.civic, "serve", "--database", crash.database, "--port", str(self.port), "--as-of", crash.day.isoformat(),
                   "--token-rate", "1000000", "--anonymous-rate", "1000000", "--log-level", "warning", *crash.access_args, *extra]
        if demo:
            command += ["--demo", "--demo-residents", "60", "--credentials-file", crash.credentials_path]
        self.process = subprocess.Popen(command, stdout=self.log_file, stderr=self.log_file)
        self.started = time.monotonic()
        Server.running.add(self.process)

    def wait_live(self, timeout=300):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                connection = http.client.HTTPConnection(HOST, self.port, timeout=5)
                connection.request("GET", "/livez")
                if connection.getresponse().status == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.05)
        raise Violation(f"the server did not answer /livez within {timeout} s (see {self.log_path})")

    def kill(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.log_file.close()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()


def request(port, method, path, body=None, token=None, key=None, timeout=30, headers=None):
    """Returns (status, headers, bytes), or None when no answer came (refused, reset, timed out).
    `headers` adds request headers (scripts/multinode_test.py sends the read-your-writes position)."""
    headers = dict(headers or {})
    if token:
        headers["Authorization"] = "Bearer " + token
    if key:
        headers["Idempotency-Key"] = key
    data = None
    if body is not None:
        data = json.dumps(body, sort_keys=True).encode()
        headers["Content-Type"] = "application/json"
    try:
        connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        connection.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, payload
    except (OSError, http.client.HTTPException):
        return None


# ---------------------------------------------------------------------------------------------- the client's writes

class Write:
    """One HTTP write with its Idempotency-Key, and what the client saw of it."""

    def __init__(self, kind, key, method, path, body, account, item):
        self.kind, self.key, self.method, self.path, self.body, self.account, self.item = kind, key, method, path, body, account, item
        self.acked = None       # (status, body bytes) of the first 2xx answer
        self.sent = False       # sent at least once (so it may be durable without an answer)
        self.checked = False    # presence checked after a restart


class Item:
    """A chain: two subjects, an authority record about the first (a report), a decision approving it."""

    def __init__(self, crash, number):
        self.number = number
        self.subjects = [f"ct{crash.seed}-s{number}-a", f"ct{crash.seed}-s{number}-b"]
        self.report = f"ct{crash.seed}-r{number}"
        self.decision = f"ct{crash.seed}-d{number}"
        self.cycle = None  # the report's cycle, from the decision's answer
        day = crash.day.isoformat()
        self.writes = [
            Write("subjects", f"k-{crash.seed}-{number}-subjects", "POST", "/subjects",
                  {"subjects": [{"id": s, "kind": "person", "name": f"Crash Test {number} {s[-1].upper()}", "jurisdiction": "rongcheng",
                                 "attributes": [], "registeredOn": "2026-01-01"} for s in self.subjects]}, "demo-admin", self),
            Write("record", f"k-{crash.seed}-{number}-record", "POST", "/authority-records",
                  {"authority": "court", "records": [{"id": self.report, "kind": "record", "subject": self.subjects[0], "rule": RULE,
                                                      "sourceRecord": f"(crash-{crash.seed})-{number}", "occurredOn": day,
                                                      "statement": "Traffic fine not paid"}]}, "demo-admin", self),
            Write("decision", f"k-{crash.seed}-{number}-decision", "POST", f"/reports/{self.report}/decisions",
                  {"id": self.decision, "outcome": "approve", "reason": "the court record is clear"}, "demo-reviewer", self),
        ]

    def next_write(self):
        for write in self.writes:
            if write.acked is None:
                return write
        return None


class Client:
    """Threads sending writes to one server run until it dies or the time is up."""

    def __init__(self, crash, server, rng):
        self.crash, self.server, self.rng = crash, server, rng
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acks = 0
        self.replays = 0
        self.unavailable = 0
        self.last_ack = 0.0

    def token(self, account):
        return self.crash.credentials[account]["token"]

    def send(self, write):
        write.sent = True
        answer = request(self.server.port, write.method, write.path, write.body, self.token(write.account), write.key)
        if answer is None:
            return None
        status, headers, payload = answer
        if status in (200, 201):
            return answer
        if status == 503:
            with self.lock:
                self.unavailable += 1
            return None
        if status == 409 and b"idempotency-key-in-use" in payload:
            return None
        raise Violation(f"{write.kind} {write.key}: answered {status}: {payload[:300]!r}")

    def acknowledge(self, write, answer):
        status, headers, payload = answer
        if write.acked is None:
            write.acked = (status, payload)
            if write.kind == "decision":
                write.item.cycle = json.loads(payload).get("cycle")
            with self.lock:
                self.acks += 1
                self.last_ack = time.monotonic()
            self.crash.acknowledged.append(write)
        elif (status, payload) != write.acked or headers.get("idempotent-replayed") != "true":
            raise Violation(f"{write.kind} {write.key}: re-sent after acknowledgement, answered {status} "
                            f"(replayed: {headers.get('idempotent-replayed')}) instead of the stored {write.acked[0]}: {payload[:200]!r}")
        else:
            with self.lock:
                self.replays += 1

    def worker(self, items):
        try:
            while not self.stop.is_set() and self.server.process.poll() is None:
                with self.lock:
                    replay = self.crash.acknowledged and self.rng.random() < 0.15
                    old = self.rng.choice(self.crash.acknowledged) if replay else None
                if old is not None:
                    answer = self.send(old)
                    if answer is not None:
                        self.acknowledge(old, answer)
                    continue
                items[:] = [item for item in items if item.next_write() is not None]
                pending = [(item, item.next_write()) for item in items]
                if len(pending) < 2:
                    with self.lock:
                        items.append(self.crash.new_item())
                    continue
                item, write = pending[0] if self.rng.random() < 0.5 else self.rng.choice(pending)
                answer = self.send(write)
                if answer is None:
                    time.sleep(0.02)
                    continue
                self.acknowledge(write, answer)
        except Violation as violation:
            self.crash.fail(str(violation))

    def run(self, seconds):
        threads = []
        for n in range(THREADS):
            items = self.crash.items_of_thread[n]
            thread = threading.Thread(target=self.worker, args=(items,), daemon=True)
            thread.start()
            threads.append(thread)
        return threads


# ---------------------------------------------------------------------------------------------- the loop

class CrashTest:
    def __init__(self, arguments):
        self.arguments = arguments
        self.seed = arguments.seed if arguments.seed is not None else random.SystemRandom().randrange(1, 2**31)
        self.rng = random.Random(self.seed)
        self.civic = os.path.abspath(arguments.civic)
        self.work = tempfile.mkdtemp(prefix="civic-crash.")
        self.cycle = 0
        self.day = FIRST_DAY
        self.items = []
        self.items_of_thread = [[] for _ in range(THREADS)]
        self.acknowledged = []
        self.failure = None
        self.cluster = None
        self.closed_months = set()
        # How long an import or a close takes when not killed (seconds), so that kills fall inside the work.
        self.durations = {"import": 2.0, "close": 2.0}
        self.counts = {"serve": 0, "import": 0, "close": 0, "pg-restart": 0, "kills": 0, "killed while starting": 0,
                       "acknowledged": 0, "replayed": 0, "re-sent unacknowledged": 0, "re-sends deferred: key still claimed by the killed server": 0, "answers 503": 0, "imports killed mid-way": 0,
                       "closes killed mid-way": 0, "feed rows": 0, "postgres restarts": 0}
        self.credentials_path = os.path.join(self.work, "credentials.json")
        if arguments.store == "postgres":
            if arguments.postgres_url:
                self.database = arguments.postgres_url
            else:
                self.cluster = Cluster(self.work)
                self.database = self.cluster.url
            # No file to sit beside on PostgreSQL: the keys are named (the log key also for verify and close).
            self.log_key_args = ["--log-key-file", os.path.join(self.work, "log-key")]
            self.access_args = ["--access-database", os.path.join(self.work, "civic-access.db"),
                                "--certificate-key", os.path.join(self.work, "certificate-key"), *self.log_key_args]
        else:
            self.database = os.path.join(self.work, "civic.db")
            self.access_args = []
            self.log_key_args = []

    def fail(self, message):
        if self.failure is None:
            self.failure = message

    def check_failure(self):
        if self.failure:
            raise Violation(self.failure)

    def new_item(self):
        item = Item(self, len(self.items) + 1)
        self.items.append(item)
        return item

    def civic_command(self, *arguments, as_of=None):
        keys = self.log_key_args if arguments[0] in ("verify", "cycle") else []
        return [self.civic, *arguments, "--database", self.database, "--as-of", (as_of or self.day).isoformat(), *keys]

    def run_civic(self, *arguments, as_of=None, timeout=900):
        result = subprocess.run(self.civic_command(*arguments, as_of=as_of), capture_output=True, text=True, timeout=timeout)
        return result

    def verify(self, when):
        result = self.run_civic("verify")
        if result.returncode != 0:
            raise Violation(f"civic verify exited {result.returncode} {when}:\n{result.stdout}{result.stderr}")

    # ---- setup

    def setup(self):
        log(f"== crash-test: seed {self.seed}, store {self.arguments.store}, work directory {self.work}")
        started = time.monotonic()
        server = Server(self, demo=True)
        if not server.wait_live(timeout=900):
            raise SystemExit(f"crash-test: civic serve --demo exited early; see {server.log_path}")
        server.stop()
        with open(self.credentials_path) as f:
            self.credentials = {c["account"]: c for c in json.load(f)}
        subjects = subprocess.run(self.civic_command("export", "--what", "subjects"), capture_output=True, text=True, check=True).stdout
        self.people = sorted(s["id"] for s in map(json.loads, subjects.splitlines()) if s["kind"] == "person" and s["jurisdiction"] == "rongcheng")
        log(f"== demo database built in {time.monotonic() - started:.1f} s ({len(self.people)} people)")

    # ---- the kinds of cycle

    def serve_cycle(self, restart_postgres=False):
        self.counts["pg-restart" if restart_postgres else "serve"] += 1
        while_starting = self.rng.random() < 0.15
        kill_after = self.rng.uniform(0.0, 1.5) if while_starting else self.rng.uniform(0.1, 3.0)
        restart_after = self.rng.uniform(0.2, 1.5)
        restart_pause = self.rng.uniform(0.0, 1.0)
        client_seed = self.rng.randrange(2**32)
        server = Server(self)
        if while_starting:
            time.sleep(kill_after)
            live = server.process.poll() is None and request(server.port, "GET", "/livez", timeout=1) is not None
            server.kill()
            self.counts["kills"] += 1
            if not live:
                self.counts["killed while starting"] += 1
            return
        if not server.wait_live():
            raise Violation(f"civic serve exited while starting (see {server.log_path})")
        self.after_restart(server)
        client = Client(self, server, random.Random(client_seed))
        threads = client.run(kill_after)
        if restart_postgres:
            time.sleep(restart_after)
            acks_before = client.acks
            self.cluster.stop_immediate()
            time.sleep(restart_pause)
            self.cluster.start()
            self.counts["postgres restarts"] += 1
            restarted = time.monotonic()
            # A request that began during the outage may wait out the server's 30 s limit, and the connection pool
            # its back-off (up to 27.4 s measured): 60 s without an acknowledgement means no recovery.
            deadline = restarted + 60
            while client.acks == acks_before or client.last_ack < restarted:
                if time.monotonic() > deadline:
                    raise Violation(f"no write acknowledged within 60 s after PostgreSQL came back: the server did not recover "
                                    f"({client.unavailable} answers 503)")
                if self.failure:
                    break
                time.sleep(0.05)
            recovery = time.monotonic() - restarted
            self.counts["slowest recovery (s)"] = round(max(self.counts.get("slowest recovery (s)", 0), recovery), 1)
        time.sleep(kill_after)
        server.kill()
        self.counts["kills"] += 1
        client.stop.set()
        for thread in threads:
            thread.join(timeout=60)
        self.counts["acknowledged"] += client.acks
        self.counts["replayed"] += client.replays
        self.counts["answers 503"] += client.unavailable
        self.check_failure()

    def after_restart(self, server):
        """With the server up again: check what was acknowledged, and re-send what was not."""
        port = server.port
        admin = self.credentials["demo-admin"]["token"]

        def get(path):
            answer = request(port, "GET", path, token=admin)
            if answer is None:
                raise Violation(f"GET {path}: no answer from a live server")
            return answer

        for item in self.items:
            for write in item.writes:
                if write.checked or not (write.acked or write.sent):
                    continue
                if write.kind == "subjects":
                    found = [get(f"/subjects/{s}")[0] for s in item.subjects]
                    if write.acked and found != [200, 200]:
                        raise Violation(f"acknowledged subjects {item.subjects} answer {found} after the crash")
                    if found not in ([200, 200], [404, 404]):
                        raise Violation(f"subject batch {item.subjects} is half-present after the crash: {found}")
                elif write.kind == "record":
                    status, _, payload = get(f"/reports/{item.report}")
                    if write.acked and status != 200:
                        raise Violation(f"acknowledged report {item.report} answers {status} after the crash")
                elif write.kind == "decision":
                    status, _, payload = get(f"/reports/{item.report}")
                    decisions = [d for d in json.loads(payload).get("decisions", []) if d.get("id") == item.decision] if status == 200 else []
                    if write.acked and len(decisions) != 1:
                        raise Violation(f"acknowledged decision {item.decision} is present {len(decisions)} times after the crash")
                    if len(decisions) > 1:
                        raise Violation(f"decision {item.decision} is present {len(decisions)} times")
                if write.acked:
                    write.checked = True
        # Every write sent without an answer, again with the same key: it must succeed now.
        for item in self.items:
            write = item.next_write()
            if write is not None and write.sent:
                answer = request(port, write.method, write.path, write.body, self.credentials[write.account]["token"], write.key)
                # A key the killed server had claimed stays claimed until the claim goes stale (IdempotencyMiddleware.
                # claimStaleSeconds, 120 s): the answer is 409 "still being processed; retry later". The write stays
                # unacknowledged and is retried later, as a client would: by the workers of later cycles, and at the
                # end by `finish`, which waits out any claim still held.
                if claimed_by_dead_server(answer):
                    self.counts["re-sends deferred: key still claimed by the killed server"] += 1
                    continue
                if answer is None or answer[0] not in (200, 201):
                    raise Violation(f"re-sent {write.kind} {write.key} answered {answer[0] if answer else 'nothing'}: "
                                    f"{answer[2][:300] if answer else b''!r}")
                write.acked = (answer[0], answer[2])
                if write.kind == "decision":
                    item.cycle = json.loads(answer[2]).get("cycle")
                self.acknowledged.append(write)
                self.counts["re-sent unacknowledged"] += 1

    def import_cycle(self):
        self.counts["import"] += 1
        rows = self.rng.randint(20, 300)
        kill_after = self.rng.uniform(0.0, 1.2) * self.durations["import"] * rows / 160
        name = f"feed-{self.cycle}"
        path = os.path.join(self.work, name + ".csv")
        with open(path, "w") as f:
            f.write("id,kind,subject,rule,scheme,source_record,occurred_on,statement\n")
            for n in range(rows):
                subject = self.rng.choice(self.people)
                f.write(f"ci{self.seed}-{self.cycle}-{n},record,{subject},{RULE},,(feed-{self.seed})-{self.cycle}-{n},"
                        f"{self.day.isoformat()},Traffic fine not paid\n")
        self.counts["feed rows"] += rows
        process = subprocess.Popen(self.civic_command("report", "import", path, "--by", "court"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        began = time.monotonic()
        try:
            out, err = process.communicate(timeout=kill_after)
            self.durations["import"] = (time.monotonic() - began) * 160 / rows
            acknowledged = process.returncode == 0
            if not acknowledged:
                raise Violation(f"civic report import exited {process.returncode} without being killed: {out}{err}")
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.communicate()
            self.counts["kills"] += 1
            self.counts["imports killed mid-way"] += 1
            acknowledged = False
        self.verify(f"after the import of {name} (acknowledged: {acknowledged})")
        again = self.run_civic("report", "import", path, "--by", "court")
        if again.returncode != 0:
            raise Violation(f"the import of {name} run again exited {again.returncode}: {again.stdout}{again.stderr}")
        words = again.stdout.split(":")[-1].replace(",", "").split()
        filed, unchanged = int(words[0]), int(words[-2])
        if acknowledged and (filed, unchanged) != (0, rows):
            raise Violation(f"the acknowledged import of {name} ({rows} rows), run again: {again.stdout.strip()}")
        if (filed, unchanged) not in ((0, rows), (rows, 0)):
            raise Violation(f"the killed import of {name} left part of its {rows} rows: the rerun says {again.stdout.strip()}")

    def close_cycle(self):
        self.counts["close"] += 1
        kill_after = self.rng.uniform(0.0, 1.2) * self.durations["close"]
        month = self.day.strftime("%Y-%m")
        if month in self.closed_months:
            arguments = ["standings", "refresh", "--json"]
        else:
            arguments = ["cycle", "close", "--jurisdiction", "rongcheng", "--month", month, "--by", "admin", "--json"]
        process = subprocess.Popen(self.civic_command(*arguments), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        began = time.monotonic()
        try:
            out, err = process.communicate(timeout=kill_after)
            self.durations["close"] = time.monotonic() - began
            if process.returncode != 0:
                raise Violation(f"civic {' '.join(arguments)} exited {process.returncode} without being killed: {out}{err}")
            acknowledged = True
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.communicate()
            self.counts["kills"] += 1
            self.counts["closes killed mid-way"] += 1
            acknowledged = False
        self.verify(f"after {' '.join(arguments[:2])} of {month} (acknowledged: {acknowledged})")
        if arguments[0] == "cycle":
            again = self.run_civic(*arguments)
            if again.returncode != 0:
                raise Violation(f"the cycle close of {month} run again exited {again.returncode}: {again.stdout}{again.stderr}")
            result = json.loads(again.stdout)["result"]
            if acknowledged and result != "unchanged":
                raise Violation(f"the acknowledged cycle close of {month}, run again, answered {result}")
            self.closed_months.add(month)
            self.check_entries(through=month)

    def check_entries(self, through):
        """Every approved report of a closed month has exactly one entry; no report has two."""
        exported = subprocess.run(self.civic_command("export", "--what", "entries"), capture_output=True, text=True)
        if exported.returncode != 0:
            raise Violation(f"civic export exited {exported.returncode}: {exported.stderr}")
        counts = {}
        for line in exported.stdout.splitlines():
            report = json.loads(line).get("report")
            if report:
                counts[report] = counts.get(report, 0) + 1
        twice = [r for r, n in counts.items() if n > 1]
        if twice:
            raise Violation(f"reports with more than one entry: {twice[:10]}")
        missing = [item.report for item in self.items
                   if item.writes[2].acked and item.cycle is not None and (through is None or item.cycle <= through) and counts.get(item.report) != 1]
        if missing:
            raise Violation(f"approved reports of closed months without their entry: {missing[:10]}")
        return len(counts)

    # ---- the run

    def run(self):
        modes = {"mixed": ["serve"] * 6 + ["import"] * 2 + ["close"] * 2, "serve": ["serve"], "import": ["import"], "close": ["close"],
                 "pg-restart": ["pg-restart"]}[self.arguments.mode]
        if self.arguments.store == "postgres" and self.arguments.mode == "mixed" and self.cluster is not None:
            modes = modes + ["pg-restart"] * 2
        if "pg-restart" in modes and self.cluster is None:
            raise SystemExit("crash-test: --mode pg-restart needs the throwaway cluster this script starts (no --postgres-url)")
        self.setup()
        started = time.monotonic()
        try:
            for self.cycle in range(1, self.arguments.cycles + 1):
                self.day = FIRST_DAY + datetime.timedelta(days=DAYS_PER_CYCLE * (self.cycle - 1))
                mode = self.rng.choice(modes)
                cycle_started = time.monotonic()
                if mode == "serve":
                    self.serve_cycle()
                elif mode == "pg-restart":
                    self.serve_cycle(restart_postgres=True)
                elif mode == "import":
                    self.import_cycle()
                else:
                    self.close_cycle()
                if mode in ("serve", "pg-restart"):
                    self.verify(f"after the server was killed")
                if self.arguments.self_check and self.cycle == 1:
                    # The checks checked: a write the server never saw, logged as acknowledged, must be reported lost.
                    lost = self.new_item()
                    lost.writes[0].sent = True
                    lost.writes[0].acked = (200, b"{}")
                    self.acknowledged.append(lost.writes[0])
                    self.lost_subject = lost.subjects[0]
                log(f"cycle {self.cycle} {mode} {self.day}: ok in {time.monotonic() - cycle_started:.1f} s "
                    f"({len(self.acknowledged)} writes acknowledged so far)")
            self.finish()
        except Violation as problem:
            if self.arguments.self_check and getattr(self, "lost_subject", None) and self.lost_subject in str(problem):
                log(f"== crash-test --self-check: the write logged as acknowledged but never sent was caught: {problem}")
                return 0
            return self.report(problem)
        except (json.JSONDecodeError, ValueError, IndexError, KeyError) as problem:
            return self.report(problem)
        elapsed = time.monotonic() - started
        if self.arguments.self_check:
            log("== crash-test --self-check: FAILED: a write logged as acknowledged but never sent was not reported")
            return 1
        counts = ", ".join(f"{k} {v}" for k, v in self.counts.items() if v)
        log(f"== crash-test: seed {self.seed}, store {self.arguments.store}, mode {self.arguments.mode}: {self.arguments.cycles} cycles, "
            f"0 violations in {elapsed:.0f} s; {counts}; {len(self.items)} items, {len(self.acknowledged)} writes acknowledged and checked")
        return 0

    def report(self, problem):
        log(f"\nVIOLATION in cycle {self.cycle} (day {self.day}) of seed {self.seed}: {problem}")
        log(f"replay: scripts/crash-test {self.arguments.cycles} --store {self.arguments.store} --mode {self.arguments.mode} --seed {self.seed}")
        log(f"work directory kept: {self.work}")
        return 1

    def finish(self):
        """Everything re-sent until acknowledged, checked, entered by a last close, verified."""
        self.cycle += 1
        self.day = self.day + datetime.timedelta(days=DAYS_PER_CYCLE)
        server = Server(self)
        if not server.wait_live():
            raise Violation(f"civic serve exited while starting (see {server.log_path})")
        try:
            self.after_restart(server)
            # Items whose chain stopped half-way: finish them, so every report is decided.
            for item in self.items:
                for write in item.writes:
                    if write.acked is None:
                        answer = request(server.port, write.method, write.path, write.body, self.credentials[write.account]["token"], write.key)
                        waited_since = time.monotonic()
                        while claimed_by_dead_server(answer) and time.monotonic() - waited_since < CLAIM_STALE_SECONDS + 15:
                            time.sleep(1)
                            answer = request(server.port, write.method, write.path, write.body, self.credentials[write.account]["token"], write.key)
                        if answer is None or answer[0] not in (200, 201):
                            raise Violation(f"{write.kind} {write.key} at the end answered {answer[0] if answer else 'nothing'}")
                        write.acked = (answer[0], answer[2])
                        if write.kind == "decision":
                            item.cycle = json.loads(answer[2]).get("cycle")
                        self.acknowledged.append(write)
            for item in self.items:
                for write in item.writes:
                    write.checked = False
                    write.sent = True
            self.after_restart(server)
        finally:
            server.stop()
        last = self.day + datetime.timedelta(days=31)
        result = self.run_civic("cycle", "close", "--jurisdiction", "rongcheng", "--month", last.strftime("%Y-%m"), "--by", "admin",
                                as_of=last)
        if result.returncode != 0:
            raise Violation(f"the last cycle close exited {result.returncode}: {result.stdout}{result.stderr}")
        self.day = last
        entered = self.check_entries(through=None)
        self.verify("at the end")
        log(f"== end: {len(self.items)} items all present, {entered} reports entered exactly once, civic verify ok")

    def cleanup(self, keep):
        for process in Server.running:
            if process.poll() is None:
                process.kill()
                process.wait()
        # With CIVIC_LOG_KEEP (scripts/test): the servers' log and the demo credentials, for the whole run's
        # canary search (scripts/log-canary.py).
        log_keep = os.environ.get("CIVIC_LOG_KEEP")
        if log_keep:
            os.makedirs(log_keep, exist_ok=True)
            name = f"crash-{os.getpid()}"
            if os.path.exists(os.path.join(self.work, "server.log")):
                shutil.copyfile(os.path.join(self.work, "server.log"), os.path.join(log_keep, name + ".log"))
            secrets = sorted({v for c in (getattr(self, "credentials", None) or {}).values() for v in (c.get("token"), c.get("password")) if v})
            with open(os.path.join(log_keep, name + ".canaries.json"), "w") as f:
                json.dump(secrets, f)
        if self.cluster is not None:
            self.cluster.stop()
        if not keep:
            shutil.rmtree(self.work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description="Kill real civic processes at random moments and check nothing acknowledged is lost.")
    parser.add_argument("cycles", type=int)
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--mode", choices=["mixed", "serve", "import", "close", "pg-restart"], default="mixed")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--civic", default=".build/debug/civic")
    parser.add_argument("--postgres-url", help="use this database instead of a throwaway cluster (no pg-restart cycles then)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--self-check", action="store_true",
                        help="log a write the server never saw as acknowledged after cycle 1: the run passes only if that is reported")
    arguments = parser.parse_args()
    if arguments.cycles < 1:
        parser.error("CYCLES must be at least 1")
    if arguments.mode == "pg-restart" and arguments.store != "postgres":
        parser.error("--mode pg-restart needs --store postgres")
    # A SIGTERM (a CI timeout) still stops the servers and the cluster this run started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    crash = CrashTest(arguments)
    status = 1
    try:
        status = crash.run()
    finally:
        crash.cleanup(keep=arguments.keep or status != 0)
    sys.exit(status)


if __name__ == "__main__":
    main()
