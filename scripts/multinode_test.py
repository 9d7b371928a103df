#!/usr/bin/env python3
"""Many servers for real: a PostgreSQL 15 primary, a streaming replica, PgBouncer and two `civic serve`.

    scripts/multinode-test [--seconds S] [--servers 1|2] [--threads N] [--no-kill] [--seed N] [--civic PATH] [--keep]

Starts, on loopback in a throwaway directory, as the postgres user when run as root:

- a PostgreSQL 15 primary (initdb) and a streaming replica of it (pg_basebackup -R, hot_standby);
- PgBouncer in front of the primary, pool_mode = transaction, with a server pool smaller than the servers'
  connection pools, so server sessions change hands between transactions;
- `civic serve` twice (or once with --servers 1), each writing through PgBouncer
  (`pooler=transaction`, tables in schema `multinode`) and reading eligibility, lists and exports from the
  replica (`--read-database`, straight to the replica), which applies every commit --replica-delay-ms late
  (250 by default: real lag, so that read-your-writes is put to the test); each server also LISTENs for
  the other's commits on a connection straight to the primary (`--listen-database`).

A client of N threads then drives the workflow through both servers at random for S seconds: chains of
subjects -> an authority record (a report) -> a reviewer's decision, each with an Idempotency-Key, sometimes
sent to both servers at once, re-sent after acknowledgement (it must be replayed byte for byte), retried on
the other server when a server does not answer; API tokens issued with an Idempotency-Key; eligibility checks
of random subjects, and after each registration a check of the new subject naming the registration's
Civic-Write-Position (read-your-writes: it must be found, whichever server and database answer). A sampler
reads the replica's lag from /metrics twice a second. Midway, server A is killed with SIGKILL; the client
carries on through B.

Afterwards: every acknowledged write is present exactly once (subjects, reports, decisions counted in the
primary), a write whose answer was lost is all there or not at all, every token key issued exactly one token,
`civic verify` passes on the primary, and once the replica has replayed everything it answers exactly as the
primary: the same table digests, and the same eligibility answers through the server (Civic-Read-From:
replica) as from the primary (a Civic-Read-After the replica cannot have yet sends the read to the primary).

Prints the figures (operations a second, replica lag) and exits 0, or prints the violation, keeps the work
directory and exits 1. Needs: PostgreSQL 15 server binaries, pgbouncer, a built `civic` (.build/debug/civic).
"""
import argparse
import datetime
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from crash_test import HOST, PGBIN, FIRST_DAY, Item, Violation, claimed_by_dead_server, free_port, log, request  # noqa: E402

PGBOUNCER = os.environ.get("CIVIC_PGBOUNCER", shutil.which("pgbouncer") or "/usr/sbin/pgbouncer")
SCHEMA = "multinode"
DATABASE = "civic_multi"


class Postgres:
    """The primary and its streaming replica, and PgBouncer in front of the primary."""

    def __init__(self, work, replica_delay_ms):
        for tool in ("initdb", "pg_ctl", "pg_basebackup", "psql"):
            if not os.path.exists(f"{PGBIN}/{tool}"):
                raise SystemExit(f"multinode-test: {PGBIN}/{tool} not found: apt-get install -y postgresql")
        if not os.path.exists(PGBOUNCER):
            raise SystemExit("multinode-test: pgbouncer not found: apt-get install -y pgbouncer")
        self.root = os.path.join(work, "pg")
        os.makedirs(self.root)
        self.as_owner = []
        if os.getuid() == 0:
            os.chmod(work, 0o755)
            shutil.chown(self.root, "postgres", "postgres")
            self.as_owner = ["runuser", "-u", "postgres", "--"]
        self.started = []
        self.primary_port, self.replica_port, self.bouncer_port = free_port(), free_port(), free_port()
        self.primary = os.path.join(self.root, "primary")
        self.replica = os.path.join(self.root, "replica")
        # Durability is not under test here (fsync off, as in scripts/test); replication is.
        self.run([f"{PGBIN}/initdb", "-D", self.primary, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
        self.start(self.primary, self.primary_port, "-c wal_level=replica -c max_wal_senders=5 -c fsync=off")
        self.psql(self.primary_port, "postgres", "CREATE ROLE civic LOGIN PASSWORD 'civic'", f"CREATE DATABASE {DATABASE} OWNER civic")
        self.run([f"{PGBIN}/pg_basebackup", "-h", HOST, "-p", str(self.primary_port), "-U", "postgres", "-D", self.replica,
                  "-R", "-X", "stream", "--no-sync", "--checkpoint=fast"])
        # recovery_min_apply_delay holds every commit back on the replica: real lag, whatever the machine's speed.
        self.start(self.replica, self.replica_port, f"-c hot_standby=on -c fsync=off -c recovery_min_apply_delay={replica_delay_ms}ms")
        self.start_bouncer()

    def run(self, command):
        result = subprocess.run(self.as_owner + command, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {result.stdout}{result.stderr}")
        return result.stdout

    def start(self, data, port, options):
        self.run([f"{PGBIN}/pg_ctl", "-D", data, "-l", data + ".log", "-w", "-t", "60",
                  "-o", f"-c listen_addresses={HOST} -p {port} -k {self.root} -c max_connections=200 {options}", "start"])
        self.started.append(data)

    def start_bouncer(self):
        with open(os.path.join(self.root, "userlist.txt"), "w") as f:
            f.write('"civic" "civic"\n')
        self.bouncer_ini = os.path.join(self.root, "pgbouncer.ini")
        with open(self.bouncer_ini, "w") as f:
            f.write(f"""[databases]
{DATABASE} = host={HOST} port={self.primary_port} dbname={DATABASE}

[pgbouncer]
listen_addr = {HOST}
listen_port = {self.bouncer_port}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = {self.root}/userlist.txt
pool_mode = transaction
default_pool_size = 12
max_client_conn = 500
stats_users = civic
logfile = {self.root}/pgbouncer.log
pidfile = {self.root}/pgbouncer.pid
""")
        if self.as_owner:
            for name in ("userlist.txt", "pgbouncer.ini"):
                shutil.chown(os.path.join(self.root, name), "postgres", "postgres")
        self.run([PGBOUNCER, "-d", self.bouncer_ini])
        for _ in range(100):
            if os.path.exists(os.path.join(self.root, "pgbouncer.pid")):
                return
            time.sleep(0.05)
        raise RuntimeError("pgbouncer did not start")

    def psql(self, port, database, *statements, user="postgres"):
        command = [f"{PGBIN}/psql", "-h", HOST, "-p", str(port), "-U", user, "-d", database, "-At", "-q", "-v", "ON_ERROR_STOP=1"]
        for statement in statements:
            command += ["-c", statement]
        result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PGPASSWORD": "civic"})
        if result.returncode != 0:
            raise RuntimeError(f"psql on port {port} failed: {result.stderr}")
        return result.stdout.strip()

    def query(self, port, sql):
        return self.psql(port, DATABASE, f"SET search_path = {SCHEMA}", sql)

    def bouncer_stats(self):
        out = self.psql(self.bouncer_port, "pgbouncer", "SHOW STATS", user="civic")
        for line in out.splitlines():
            fields = line.split("|")
            if fields[0] == DATABASE:
                return int(fields[1]), int(fields[2])
        return 0, 0

    @property
    def write_url(self):
        return f"postgres://civic:civic@{HOST}:{self.bouncer_port}/{DATABASE}?sslmode=disable&search_path={SCHEMA}&pooler=transaction&pool_max=8"

    @property
    def direct_url(self):
        return f"postgres://civic:civic@{HOST}:{self.primary_port}/{DATABASE}?sslmode=disable&search_path={SCHEMA}"

    @property
    def read_url(self):
        return f"postgres://civic:civic@{HOST}:{self.replica_port}/{DATABASE}?sslmode=disable&search_path={SCHEMA}&pool_max=8"

    def stop(self):
        pid_path = os.path.join(self.root, "pgbouncer.pid")
        if os.path.exists(pid_path):
            try:
                os.kill(int(open(pid_path).read().strip()), signal.SIGTERM)
            except (OSError, ValueError):
                pass
        for data in reversed(self.started):
            subprocess.run(self.as_owner + [f"{PGBIN}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"], capture_output=True)


class Server:
    def __init__(self, test, name, demo=False):
        self.name = name
        self.port = free_port()
        self.log_path = os.path.join(test.work, f"server-{name}.log")
        self.log_file = open(self.log_path, "a")
        command = [test.civic, "serve", "--database", test.pg.write_url, "--port", str(self.port), "--as-of", test.day.isoformat(),
                   "--token-rate", "1000000", "--anonymous-rate", "1000000", "--log-level", "warning", *test.key_args]
        if demo:
            command += ["--demo", "--demo-residents", "60", "--credentials-file", test.credentials_path]
        else:
            # LISTEN for the other server's commits on a session of its own, straight to the primary (not PgBouncer).
            command += ["--read-database", test.pg.read_url, "--listen-database", test.pg.direct_url]
        self.process = subprocess.Popen(command, stdout=self.log_file, stderr=self.log_file)
        self.alive = True

    def wait_live(self, timeout=600):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise Violation(f"civic serve {self.name} exited while starting (see {self.log_path})")
            answer = request(self.port, "GET", "/livez", timeout=2)
            if answer is not None and answer[0] == 200:
                return
            time.sleep(0.05)
        raise Violation(f"civic serve {self.name} did not answer /livez within {timeout} s")

    def kill(self):
        # The client is not told: it finds out when the server stops answering (see MultiNodeTest.unanswered).
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        self.alive = False
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class MultiNodeTest:
    def __init__(self, arguments):
        self.arguments = arguments
        self.seed = arguments.seed if arguments.seed is not None else random.SystemRandom().randrange(1, 2**31)
        self.rng = random.Random(self.seed)
        self.civic = os.path.abspath(arguments.civic)
        self.work = tempfile.mkdtemp(prefix="civic-multinode.")
        self.day = FIRST_DAY
        self.credentials_path = os.path.join(self.work, "credentials.json")
        self.key_args = ["--log-key-file", os.path.join(self.work, "log-key"), "--certificate-key", os.path.join(self.work, "certificate-key")]
        self.lock = threading.Lock()
        self.items, self.acknowledged = [], []
        self.token_keys = {}  # key -> "issued" (201 seen or a 409 naming the token issued), or None
        self.failure = None
        self.servers = []
        self.pg = None
        self.counts = {name: 0 for name in (
            "writes acknowledged", "replays checked", "sent to both servers at once", "retried on the other server",
            "answers 409 key in use", "answers 503", "eligibility checks", "read from replica", "read from primary",
            "read-your-writes checks", "tokens issued")}
        self.lag_samples = []
        self.notifications_heard = 0

    def count(self, name, by=1):
        with self.lock:
            self.counts[name] = self.counts.get(name, 0) + by

    def fail(self, message):
        with self.lock:
            if self.failure is None:
                self.failure = message

    def new_item(self):
        with self.lock:
            item = Item(self, len(self.items) + 1)
            self.items.append(item)
            return item

    def token(self, account):
        return self.credentials[account]["token"]

    def civic_command(self, *arguments):
        keys = ["--log-key-file", os.path.join(self.work, "log-key")] if arguments[0] in ("verify",) else []
        return [self.civic, *arguments, "--database", self.pg.write_url, "--as-of", self.day.isoformat(), *keys]

    # ---- setup

    def setup(self):
        log(f"== multinode-test: seed {self.seed}, work directory {self.work}")
        started = time.monotonic()
        self.pg = Postgres(self.work, self.arguments.replica_delay_ms)
        log(f"== primary :{self.pg.primary_port}, replica :{self.pg.replica_port} (pg_basebackup), "
            f"PgBouncer :{self.pg.bouncer_port} (transaction pooling), in {time.monotonic() - started:.1f} s")
        demo = Server(self, "demo", demo=True)
        demo.wait_live()
        demo.stop()
        with open(self.credentials_path) as f:
            self.credentials = {c["account"]: c for c in json.load(f)}
        subjects = subprocess.run(self.civic_command("export", "--what", "subjects"), capture_output=True, text=True, check=True).stdout
        self.people = sorted(s["id"] for s in map(json.loads, subjects.splitlines()) if s["kind"] == "person")
        for name in ("a", "b")[: self.arguments.servers]:
            self.servers.append(Server(self, name))
        for server in self.servers:
            server.wait_live()
        measures = request(self.servers[0].port, "GET", "/measures?limit=200")
        self.measures = [(m["id"], m["scheme"]) for m in json.loads(measures[2])["items"]]
        log(f"== demo built through PgBouncer and {len(self.servers)} servers up in {time.monotonic() - started:.1f} s "
            f"({len(self.people)} people, {len(self.measures)} measures)")

    # ---- the client

    def alive(self):
        return [server for server in self.servers if server.alive]

    def unanswered(self, server):
        """A request got no answer: a server whose process is gone is not asked again (a balancer's health check)."""
        if server.process.poll() is not None and server.alive:
            server.alive = False
            self.count("requests to the killed server before it was taken out")

    def send(self, write, server):
        """Sends one write; returns its answer if 2xx, None if it must be retried; raises on a wrong answer."""
        write.sent = True
        answer = request(server.port, write.method, write.path, write.body, self.token(write.account), write.key)
        if answer is None:
            self.unanswered(server)
            return None
        status, headers, payload = answer
        if status in (200, 201):
            return answer
        if status == 503:
            self.count("answers 503")
            return None
        if claimed_by_dead_server(answer):
            self.count("answers 409 key in use")
            return None
        raise Violation(f"{write.kind} {write.key} on server {server.name}: answered {status}: {payload[:300]!r}")

    def acknowledge(self, write, answer, rng):
        status, headers, payload = answer
        with self.lock:
            first = write.acked is None
            if first:
                write.acked = (status, payload)
                self.acknowledged.append(write)
                self.counts["writes acknowledged"] += 1
        if not first:
            if (status, payload) != write.acked or headers.get("idempotent-replayed") != "true":
                raise Violation(f"{write.kind} {write.key}: a second answer {status} (replayed: {headers.get('idempotent-replayed')}) "
                                f"differs from the first {write.acked[0]}: {payload[:200]!r}")
            self.count("replays checked")
            return
        if write.kind == "decision":
            write.item.cycle = json.loads(payload).get("cycle")
        if write.kind == "subjects":
            # Read-your-writes: the new subject, checked at once on a random server, naming this write's position.
            position = headers.get("civic-write-position")
            if position is None:
                raise Violation(f"{write.key}: a write through a server with a read replica answered no Civic-Write-Position")
            server = rng.choice(self.alive() or self.servers)
            measure, scheme = rng.choice(self.measures)
            check = request(server.port, "GET", f"/eligibility/{measure}/subjects/{write.item.subjects[0]}?scheme={scheme}",
                            token=self.token("demo-relying-party"), headers={"Civic-Read-After": position})
            if check is not None:
                if check[0] != 200:
                    raise Violation(f"read-your-writes: {write.item.subjects[0]}, registered at {position}, answered {check[0]} "
                                    f"from {check[1].get('civic-read-from')}: {check[2][:200]!r}")
                self.count("read-your-writes checks")
                self.count(f"read-your-writes answered by {check[1].get('civic-read-from')}")

    def write_step(self, rng, pending):
        item, write = pending
        targets = self.alive()
        if not targets:
            return
        if len(targets) > 1 and rng.random() < 0.15:
            # The same key to both servers at once: one does the work, the other answers 409 or replays.
            self.count("sent to both servers at once")
            answers = [None, None]

            def go(index):
                try:
                    answers[index] = self.send(write, targets[index])
                except Violation as violation:
                    self.fail(str(violation))
            threads = [threading.Thread(target=go, args=(i,)) for i in (0, 1)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            done = [answer for answer in answers if answer is not None]
            originals = [answer for answer in done if answer[1].get("idempotent-replayed") != "true"]
            if len(originals) > 1 or (originals and write.acked is not None):
                raise Violation(f"{write.kind} {write.key}: sent to both servers at once, done {len(originals)} times "
                                f"(acknowledged before: {write.acked is not None})")
            # The answer that did the work first, then the replay (the two threads may have finished in any order).
            for answer in originals + [answer for answer in done if answer not in originals]:
                self.acknowledge(write, answer, rng)
            return
        server = rng.choice(targets)
        answer = self.send(write, server)
        if answer is None and len(self.alive()) > 0:
            other = rng.choice(self.alive())  # the other server, once the dead one is out
            self.count("retried on the other server")
            answer = self.send(write, other)
        if answer is not None:
            self.acknowledge(write, answer, rng)

    def token_step(self, rng):
        with self.lock:
            key = f"mn-{self.seed}-token-{len(self.token_keys)}"
            self.token_keys[key] = None
        body = {"account": "demo-relying-party", "scopes": ["read"]}
        sends = 1 + (rng.random() < 0.3)
        for _ in range(sends):
            with self.lock:
                targets = self.alive()
                if not targets or self.quiet_tokens.is_set():
                    return
                self.tokens_in_flight += 1
            server = rng.choice(targets)
            try:
                answer = request(server.port, "POST", "/tokens", body, self.token("demo-admin"), key)
            finally:
                with self.lock:
                    self.tokens_in_flight -= 1
            if answer is None:
                self.unanswered(server)
                continue
            status, _, payload = answer
            if status == 201:
                with self.lock:
                    if self.token_keys[key] == "issued":
                        raise Violation(f"token key {key}: a second 201")
                    self.token_keys[key] = "issued"
                    self.counts["tokens issued"] += 1
            elif status == 409 and b"idempotency-key-in-use" not in payload:
                with self.lock:  # the retry is told the token was issued the first time
                    if self.token_keys[key] != "issued":
                        raise Violation(f"token key {key}: 409 before any 201: {payload[:200]!r}")
            elif status == 409:
                self.count("answers 409 key in use")
            else:
                raise Violation(f"token key {key}: answered {status}: {payload[:200]!r}")

    def read_step(self, rng):
        targets = self.alive()
        if not targets:
            return
        server = rng.choice(targets)
        measure, scheme = rng.choice(self.measures)
        subject = rng.choice(self.people)
        answer = request(server.port, "GET", f"/eligibility/{measure}/subjects/{subject}?scheme={scheme}", token=self.token("demo-relying-party"))
        if answer is None:
            self.unanswered(server)
            return
        status, headers, payload = answer
        if status != 200:
            raise Violation(f"eligibility {measure}/{subject} on {server.name}: {status}: {payload[:200]!r}")
        source = headers.get("civic-read-from")
        if source not in ("replica", "primary") or not (headers.get("civic-ledger-position") or "").isdigit():
            raise Violation(f"eligibility answered without Civic-Read-From/Civic-Ledger-Position: {headers}")
        self.count("eligibility checks")
        self.count(f"read from {source}")

    def worker(self, number, deadline):
        rng = random.Random(self.seed * 1000 + number)
        items = []
        try:
            while time.monotonic() < deadline and self.failure is None:
                roll = rng.random()
                if roll < 0.40:
                    self.read_step(rng)
                elif roll < 0.45:
                    self.token_step(rng)
                elif roll < 0.55 and self.acknowledged:
                    with self.lock:
                        old = rng.choice(self.acknowledged)
                    targets = self.alive()
                    if targets:
                        answer = self.send(old, rng.choice(targets))
                        if answer is not None:
                            self.acknowledge(old, answer, rng)
                else:
                    items[:] = [item for item in items if item.next_write() is not None]
                    if len(items) < 2:
                        items.append(self.new_item())
                    item = rng.choice(items)
                    self.write_step(rng, (item, item.next_write()))
                with self.lock:
                    self.operations += 1
        except Violation as violation:
            self.fail(str(violation))

    def sampler(self, stop):
        """The replica's lag as the servers publish it, twice a second."""
        while not stop.is_set():
            for server in self.alive():
                answer = request(server.port, "GET", "/metrics", token=self.token("demo-admin"), timeout=5)
                if answer and answer[0] == 200:
                    heard = re.search(rb"^civic_change_notifications_total (\S+)$", answer[2], re.M)
                    if heard:
                        self.notifications_heard = max(self.notifications_heard, int(float(heard.group(1))))
                    match = re.search(rb"^civic_replica_lag_seconds (\S+)$", answer[2], re.M)
                    bytes_match = re.search(rb"^civic_replica_lag_bytes (\S+)$", answer[2], re.M)
                    if match and bytes_match:
                        self.lag_samples.append((float(match.group(1)), float(bytes_match.group(1))))
                    break
            stop.wait(0.5)

    def load(self):
        seconds = self.arguments.seconds
        self.operations = 0
        self.quiet_tokens = threading.Event()
        self.tokens_in_flight = 0
        stop = threading.Event()
        sampler = threading.Thread(target=self.sampler, args=(stop,), daemon=True)
        sampler.start()
        transactions_before, _ = self.pg.bouncer_stats()
        started = time.monotonic()
        deadline = started + seconds
        threads = [threading.Thread(target=self.worker, args=(n, deadline), daemon=True) for n in range(self.arguments.threads)]
        for thread in threads:
            thread.start()
        killed_at = None
        if len(self.servers) > 1 and not self.arguments.no_kill:
            time.sleep(seconds * self.rng.uniform(0.3, 0.5))
            # Tokens carry no id of the client's: one issued by a server killed before it stored the answer is issued
            # again when the key's claim goes stale (docs/scaling.md). Tokens pause around the kill; the other writes,
            # which carry their ids, are killed in flight.
            self.quiet_tokens.set()
            for _ in range(200):
                with self.lock:
                    if self.tokens_in_flight == 0:
                        break
                time.sleep(0.05)
            self.servers[0].kill()
            killed_at = time.monotonic() - started
            self.quiet_tokens.clear()
            log(f"== server a killed (SIGKILL) at {killed_at:.1f} s; b carries on")
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        stop.set()
        sampler.join()
        transactions_after, _ = self.pg.bouncer_stats()
        if self.failure:
            raise Violation(self.failure)
        self.figures = {"seconds": round(elapsed, 1), "operations": self.operations,
                        "operations per second": round(self.operations / elapsed, 1),
                        "PgBouncer transactions": transactions_after - transactions_before}
        if self.lag_samples:
            lags = sorted(s for s, _ in self.lag_samples)
            sizes = sorted(b for _, b in self.lag_samples)
            self.figures["replica lag seconds (median, 95th, max)"] = (lags[len(lags) // 2], lags[int(len(lags) * 0.95)], lags[-1])
            self.figures["replica lag bytes (median, 95th, max)"] = (sizes[len(sizes) // 2], sizes[int(len(sizes) * 0.95)], sizes[-1])
        if killed_at is not None:
            self.figures["server a killed at (s)"] = round(killed_at, 1)
        self.figures["change notifications heard by one server"] = self.notifications_heard
        if len(self.servers) > 1 and self.notifications_heard < 2:
            raise Violation("the servers heard no change notification from each other's commits (LISTEN/NOTIFY)")

    # ---- the checks

    def check(self):
        pg = self.pg
        # Every acknowledged write once; a write sent without an answer all there or not at all.
        counts = {}
        for table, column in (("subject", "id"), ("report", "id"), ("decision", "id")):
            rows = pg.query(pg.primary_port, f"SELECT {column}, count(*) FROM {table} WHERE {column} LIKE 'ct{self.seed}-%' GROUP BY 1")
            counts[table] = {line.split("|")[0]: int(line.split("|")[1]) for line in rows.splitlines() if line}
        unanswered = 0
        for item in self.items:
            for write in item.writes:
                if not write.sent:
                    continue
                if write.kind == "subjects":
                    present = [counts["subject"].get(s, 0) for s in item.subjects]
                    if write.acked and present != [1, 1]:
                        raise Violation(f"acknowledged subjects {item.subjects} present {present} times")
                    if present not in ([1, 1], [0, 0]):
                        raise Violation(f"subject batch {item.subjects} half present: {present}")
                else:
                    key = item.report if write.kind == "record" else item.decision
                    present = counts["report" if write.kind == "record" else "decision"].get(key, 0)
                    if write.acked and present != 1:
                        raise Violation(f"acknowledged {write.kind} {key} present {present} times")
                    if present > 1:
                        raise Violation(f"{write.kind} {key} present {present} times")
                if write.acked is None:
                    unanswered += 1
        issued = int(pg.query(pg.primary_port, "SELECT count(*) FROM token WHERE account = 'demo-relying-party'"))
        expected = 1 + sum(1 for state in self.token_keys.values() if state == "issued")  # the demo's own token too
        sent = 1 + len(self.token_keys)
        if not (expected <= issued <= sent):
            raise Violation(f"{issued} tokens for demo-relying-party; {expected - 1} keys acknowledged, {sent - 1} sent")
        if issued != expected:
            raise Violation(f"{issued - 1} tokens issued for {expected - 1} acknowledged keys: a key had two effects or an answer was lost")
        result = subprocess.run(self.civic_command("verify"), capture_output=True, text=True)
        if result.returncode != 0:
            raise Violation(f"civic verify failed:\n{result.stdout}{result.stderr}")
        # The replica catches up, then holds what the primary holds.
        started = time.monotonic()
        target = pg.psql(pg.primary_port, "postgres", "SELECT pg_current_wal_lsn()")
        while pg.psql(pg.replica_port, "postgres", f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") != "t":
            if time.monotonic() - started > 60:
                raise Violation("the replica did not replay the primary's writes within 60 s")
            time.sleep(0.05)
        caught_up = time.monotonic() - started
        digest = ("SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM (SELECT * FROM {}) t")
        for table in ("entry", "standing", "listing", "subject", "report", "decision", "notice", "token", "idempotency"):
            here, there = pg.query(pg.primary_port, digest.format(table)), pg.query(pg.replica_port, digest.format(table))
            if here != there:
                raise Violation(f"table {table} differs between the primary and the caught-up replica")
        survivor = [server for server in self.servers if server.process.poll() is None][0]
        far = "FFFFFFFF/0"
        sample = random.Random(self.seed).sample(self.people + [s for i in self.items for s in i.subjects if counts["subject"].get(s)], 60)
        differences, from_replica = 0, 0
        for subject in sample:
            measure, scheme = random.Random(subject).choice(self.measures)
            path = f"/eligibility/{measure}/subjects/{subject}?scheme={scheme}"
            replica = request(survivor.port, "GET", path, token=self.token("demo-relying-party"))
            primary = request(survivor.port, "GET", path, token=self.token("demo-relying-party"), headers={"Civic-Read-After": far})
            if primary[1].get("civic-read-from") != "primary":
                raise Violation(f"a read naming a position the replica cannot have was answered by {primary[1].get('civic-read-from')}")
            from_replica += replica[1].get("civic-read-from") == "replica"
            if (replica[0], replica[2]) != (primary[0], primary[2]):
                differences += 1
        if differences:
            raise Violation(f"{differences} of {len(sample)} eligibility answers differ between the caught-up replica and the primary")
        if from_replica == 0:
            raise Violation("no eligibility answer came from the replica after it caught up")
        if self.arguments.replica_delay_ms > 0 and self.counts.get("read-your-writes answered by primary", 0) == 0:
            raise Violation("the replica was held back, yet no read-your-writes check went to the primary")
        self.figures["replica caught up after the load (s)"] = round(caught_up, 2)
        self.figures["writes sent, never answered (all-or-nothing checked)"] = unanswered
        log(f"== checks: every acknowledged write once, {unanswered} unanswered writes all-or-nothing, {issued - 1} tokens for "
            f"{expected - 1} keys, civic verify ok, replica identical once caught up ({caught_up:.2f} s), "
            f"{len(sample)} answers equal from replica ({from_replica}) and primary")

    def run(self):
        ok = False
        try:
            self.setup()
            self.load()
            self.check()
            ok = True
        except Violation as violation:
            log(f"VIOLATION (seed {self.seed}): {violation}")
        finally:
            for server in self.servers:
                server.stop()
            if self.pg:
                self.pg.stop()
        log("== figures: " + json.dumps(self.figures if hasattr(self, "figures") else {}, ensure_ascii=False))
        log("== counts: " + json.dumps(self.counts, ensure_ascii=False))
        if ok and not self.arguments.keep:
            shutil.rmtree(self.work, ignore_errors=True)
        else:
            log(f"== work directory kept: {self.work}")
        return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--servers", type=int, choices=(1, 2), default=2)
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--no-kill", action="store_true")
    parser.add_argument("--replica-delay-ms", type=int, default=250,
                        help="recovery_min_apply_delay of the replica: every commit reaches it this much later (0: as fast as it can)")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--civic", default=".build/debug/civic")
    parser.add_argument("--keep", action="store_true")
    sys.exit(MultiNodeTest(parser.parse_args()).run())


if __name__ == "__main__":
    main()
