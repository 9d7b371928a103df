#!/usr/bin/env python3
"""Disk full, read-only files and a database that goes away, against real processes.

    scripts/fault-test [--civic PATH] [--only disk-full|read-only|postgres-gone|sqlite] [--keep]

- disk-full:     the SQLite database on a small tmpfs (mounted here; needs root). With the server running,
                 the filesystem is filled to the last byte: a write over HTTP answers 503 with a problem
                 document that says the disk is full, and nothing of it is stored; reads still answer; the
                 CLI (`civic report import`) exits 74 with a message naming the database file and the cause,
                 and changes nothing; `civic verify` passes. When space returns, the same request with the
                 same Idempotency-Key succeeds on the same server process (no restart), and so does the CLI.
- read-only:     the same database seen through a read-only bind mount: the CLI's write exits 74 naming
                 the file and saying it is read-only; so do reads (in WAL mode SQLite writes beside the file
                 even to read) and `civic serve`, which refuses to start; nothing changes; once writable
                 the same import succeeds.
- postgres-gone: (where PostgreSQL 15 is installed) `civic serve` on PostgreSQL; the cluster is stopped
                 with `pg_ctl -m immediate`: writes and reads answer 503 (not 500, and within the request
                 time limit), /livez still answers; when PostgreSQL is started again the same write with
                 the same key succeeds on the same server process.

Each check prints PASS or FAIL; a part that cannot run here (no root, mount refused, no PostgreSQL)
prints SKIPPED with the reason. Exit status: the number of failed checks.
"""
import argparse
import datetime
import errno
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in scripts/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crash_test  # noqa: E402  (the server and cluster helpers)
from crash_test import Cluster, Server, request  # noqa: E402

DAY = datetime.date(2027, 1, 4)
failures = 0


def check(condition, what, seen=""):
    global failures
    print(("PASS  " if condition else "FAIL  ") + what + ("" if condition else f"\n      saw: {seen}"), flush=True)
    if not condition:
        failures += 1


def skipped(part, why):
    print(f"\n{'*' * 72}\nSKIPPED: {part}: {why}\n{'*' * 72}\n", flush=True)


class World:
    """What crash_test.Server needs: a database, its access database and the demo credentials."""

    def __init__(self, civic, work, database, access=None):
        self.civic, self.work, self.database = civic, work, database
        self.day, self.cycle = DAY, 0
        # On PostgreSQL the keys have no file to sit beside: they are named.
        self.key_args = ["--log-key-file", os.path.join(work, "log-key")] if access else []
        self.access_args = ["--access-database", access, "--certificate-key", os.path.join(work, "certificate-key"), *self.key_args] if access else []
        self.credentials_path = os.path.join(work, "credentials.json")

    def build_demo(self):
        server = Server(self, demo=True)
        if not server.wait_live(timeout=900):
            raise SystemExit(f"fault-test: civic serve --demo exited early; see {server.log_path}")
        server.stop()
        with open(self.credentials_path) as f:
            self.credentials = {c["account"]: c for c in json.load(f)}

    def token(self, account):
        return self.credentials[account]["token"]

    def civic_run(self, *arguments, database=None):
        keys = self.key_args if arguments[0] == "verify" else []
        return subprocess.run([self.civic, *arguments, "--database", database or self.database, "--as-of", DAY.isoformat(), *keys],
                              capture_output=True, text=True, timeout=600)


def subject_body(subject_id):
    return {"subjects": [{"id": subject_id, "kind": "person", "name": "Fault Test", "jurisdiction": "rongcheng", "attributes": [],
                          "registeredOn": "2026-01-01"}]}


def write_feed(path, prefix, subject):
    with open(path, "w") as f:
        f.write("id,kind,subject,rule,scheme,source_record,occurred_on,statement\n")
        for n in range(5):
            f.write(f"{prefix}-{n},record,{subject},R-TRAFFIC-FINE-LARGE,,({prefix})-{n},{DAY.isoformat()},Traffic fine not paid\n")


def problem(answer):
    try:
        return json.loads(answer[2])
    except (TypeError, ValueError, IndexError):
        return {}


def fill(directory):
    """Fills the filesystem holding `directory` to its last byte; returns the filler's path."""
    path = os.path.join(directory, "filler")
    with open(path, "wb", buffering=0) as f:
        for size in (1 << 20, 1 << 12, 1):
            chunk = b"\0" * size
            while True:
                try:
                    f.write(chunk)
                except OSError as error:
                    if error.errno != errno.ENOSPC:
                        raise
                    break
    return path


def people(world):
    result = world.civic_run("export", "--what", "subjects")
    return sorted(s["id"] for s in map(json.loads, result.stdout.splitlines()) if s["kind"] == "person" and s["jurisdiction"] == "rongcheng")


def mount(*arguments):
    return subprocess.run(["mount", *arguments], capture_output=True, text=True)


def disk_full(civic, work):
    print("\n== disk-full: SQLite on a full tmpfs", flush=True)
    if os.getuid() != 0:
        return skipped("disk-full", "needs root to mount a tmpfs")
    base = World(civic, os.path.join(work, "base"), os.path.join(work, "base", "civic.db"))
    os.makedirs(base.work)
    base.build_demo()
    size = sum(os.path.getsize(os.path.join(base.work, f)) for f in os.listdir(base.work))
    full = os.path.join(work, "full")
    os.makedirs(full)
    mounted = mount("-t", "tmpfs", "-o", f"size={size + (16 << 20)},mode=0700", "tmpfs", full)
    if mounted.returncode != 0:
        return skipped("disk-full", f"mount -t tmpfs failed: {mounted.stderr.strip()}")
    try:
        for name in os.listdir(base.work):
            if name.startswith("civic") or name == "credentials.json":
                shutil.copy2(os.path.join(base.work, name), os.path.join(full, name))
        world = World(civic, full, os.path.join(full, "civic.db"))
        world.credentials = base.credentials
        subject = people(world)[0]
        server = Server(world)
        try:
            if not server.wait_live():
                return check(False, "civic serve starts on the tmpfs", open(server.log_path).read()[-2000:])
            admin = world.token("demo-admin")
            before = world.civic_run("export", "--what", "entries").stdout
            filler = fill(full)
            check(os.statvfs(full).f_bavail == 0, "the tmpfs is full", os.statvfs(full))
            answer = request(server.port, "POST", "/subjects", subject_body("fault-full-1"), admin, "fault-full-key-1")
            body = problem(answer)
            print(f"      the answer: {answer[0] if answer else None} {body}")
            check(answer is not None and answer[0] == 503 and body.get("code") == "storage" and "full" in body.get("detail", ""),
                  "a write on a full disk answers 503, code storage, saying the disk is full", answer and answer[:1] + (body,))
            check(request(server.port, "GET", "/subjects/fault-full-1", token=admin)[0] == 404, "... and stores nothing")
            check(request(server.port, "GET", f"/subjects/{subject}", token=admin)[0] == 200, "reads still answer on a full disk")
            feed = os.path.join(work, "feed-full.csv")
            write_feed(feed, "fault-full-feed", subject)
            cli = world.civic_run("report", "import", feed, "--by", "court")
            print(f"      the CLI says: {cli.stderr.strip()}")
            # SQLite may fit a small write into pages the file (or its WAL) already holds, so a full filesystem
            # does not always refuse it: then the import must have filed all five rows, never part of them.
            filed_on_full = cli.returncode == 0 and "5 records filed" in cli.stdout
            check(filed_on_full or (cli.returncode == 74 and world.database in cli.stderr and "full" in cli.stderr),
                  "civic report import on a full disk exits 74 naming the database file and the cause, or files every row",
                  (cli.returncode, cli.stdout.strip(), cli.stderr.strip()))
            verify = world.civic_run("verify")
            check(verify.returncode == 0, "civic verify passes on the full disk", verify.stdout + verify.stderr)
            # An export is recorded in the access trail before a byte of it is written; with no room for that
            # record it is refused rather than left unrecorded.
            refused = world.civic_run("export", "--what", "entries")
            check(refused.returncode == 74 and refused.stdout == "" and "full" in refused.stderr,
                  "civic export on a full disk is refused, since its access record cannot be written", (refused.returncode, refused.stderr.strip()))
            check(server.process.poll() is None, "the server is still running")
            os.remove(filler)
            check(world.civic_run("export", "--what", "entries").stdout == before, "space back: the ledger is unchanged")
            answer = request(server.port, "POST", "/subjects", subject_body("fault-full-1"), admin, "fault-full-key-1")
            check(answer is not None and answer[0] == 200 and problem(answer).get("recorded") == 1 and "idempotent-replayed" not in answer[1],
                  "space back: the same write with the same key succeeds (recorded now, not a replay) on the same process",
                  answer and answer[:1] + (answer[2][:300],))
            check(request(server.port, "GET", "/subjects/fault-full-1", token=admin)[0] == 200, "... and is stored")
            cli = world.civic_run("report", "import", feed, "--by", "court")
            expected = "5 unchanged" if filed_on_full else "5 records filed"
            check(cli.returncode == 0 and expected in cli.stdout,
                  f"space back: the same import succeeds ({expected})", cli.stdout + cli.stderr)
        finally:
            server.stop()
        verify = world.civic_run("verify")
        check(verify.returncode == 0, "civic verify passes afterwards", verify.stdout + verify.stderr)
    finally:
        mount_result = subprocess.run(["umount", full], capture_output=True, text=True)
        if mount_result.returncode != 0:
            print(f"fault-test: umount {full}: {mount_result.stderr}", file=sys.stderr)


def read_only(civic, work):
    print("\n== read-only: the database through a read-only bind mount", flush=True)
    if os.getuid() != 0:
        return skipped("read-only", "needs root for a read-only bind mount (and root ignores file modes)")
    source = os.path.join(work, "rw")
    os.makedirs(source)
    world = World(civic, source, os.path.join(source, "civic.db"))
    world.build_demo()
    subject = people(world)[0]
    view = os.path.join(work, "ro")
    os.makedirs(view)
    if mount("--bind", source, view).returncode != 0:
        return skipped("read-only", "mount --bind failed")
    try:
        remounted = mount("-o", "remount,bind,ro", view)
        if remounted.returncode != 0:
            return skipped("read-only", f"mount -o remount,bind,ro failed: {remounted.stderr.strip()}")
        database = os.path.join(view, "civic.db")
        before = world.civic_run("export", "--what", "entries").stdout
        feed = os.path.join(work, "feed-ro.csv")
        write_feed(feed, "fault-ro-feed", subject)
        cli = world.civic_run("report", "import", feed, "--by", "court", database=database)
        print(f"      the CLI says: {cli.stderr.strip()}")
        check(cli.returncode == 74 and database in cli.stderr and "read-only" in cli.stderr,
              "civic report import on a read-only database exits 74 naming the file and saying it is read-only", (cli.returncode, cli.stderr.strip()))
        # In WAL mode SQLite must write beside the file even to read it: reads are refused the same clear way.
        reading = world.civic_run("score", subject, database=database)
        check(reading.returncode == 74 and "read-only" in reading.stderr, "civic score on it says the same", (reading.returncode, reading.stderr))
        ro_world = World(civic, view, database)
        ro_world.work = work
        server = Server(ro_world)
        live = server.wait_live(timeout=120)
        server.stop()
        log_text = open(server.log_path).read()
        check(not live and server.process.returncode != 0 and "read-only" in log_text,
              "civic serve on it refuses to start, saying the file is read-only", (live, server.process.returncode, log_text[-500:]))
        check(world.civic_run("export", "--what", "entries").stdout == before, "the ledger is unchanged")
        cli = world.civic_run("report", "import", feed, "--by", "court")
        check(cli.returncode == 0 and "5 records filed" in cli.stdout, "writable again: the same import succeeds", cli.stdout + cli.stderr)
    finally:
        subprocess.run(["umount", view], capture_output=True)


def postgres_gone(civic, work):
    print("\n== postgres-gone: PostgreSQL stopped under a running server", flush=True)
    if not os.path.exists(f"{crash_test.PGBIN}/pg_ctl"):
        return skipped("postgres-gone", f"PostgreSQL is not installed ({crash_test.PGBIN}/pg_ctl not found)")
    pg_work = os.path.join(work, "pgworld")
    os.makedirs(pg_work)
    cluster = Cluster(pg_work)
    try:
        world = World(civic, pg_work, cluster.url, access=os.path.join(pg_work, "civic-access.db"))
        world.build_demo()
        server = Server(world)
        try:
            if not server.wait_live():
                return check(False, "civic serve starts on PostgreSQL", open(server.log_path).read()[-2000:])
            admin = world.token("demo-admin")
            pid = server.process.pid
            check(request(server.port, "POST", "/subjects", subject_body("fault-pg-0"), admin, "fault-pg-key-0")[0] == 200,
                  "a write answers 200 while PostgreSQL is up")
            cluster.stop_immediate()
            started = time.monotonic()
            answer = request(server.port, "POST", "/subjects", subject_body("fault-pg-1"), admin, "fault-pg-key-1", timeout=60)
            took = time.monotonic() - started
            print(f"      the answer after {took:.1f} s: {answer[0] if answer else None} {problem(answer)}")
            check(answer is not None and answer[0] == 503, "with PostgreSQL gone a write answers 503", answer and (answer[0], answer[2][:300]))
            check(took < 35, f"... within the request time limit ({took:.1f} s)")
            answer = request(server.port, "GET", "/subjects/fault-pg-0", token=admin, timeout=60)
            check(answer is not None and answer[0] == 503, "with PostgreSQL gone a read answers 503", answer and (answer[0], answer[2][:300]))
            answer = request(server.port, "GET", "/livez")
            check(answer is not None and answer[0] == 200, "/livez still answers")
            cluster.start()
            deadline = time.monotonic() + 30
            answer = None
            while time.monotonic() < deadline:
                answer = request(server.port, "POST", "/subjects", subject_body("fault-pg-1"), admin, "fault-pg-key-1")
                if answer is not None and answer[0] == 200:
                    break
                time.sleep(0.5)
            check(answer is not None and answer[0] == 200 and server.process.pid == pid and server.process.poll() is None,
                  f"PostgreSQL back: the same write with the same key succeeds on the same server process "
                  f"after {time.monotonic() - deadline + 30:.1f} s", answer and (answer[0], answer[2][:300]))
            check(request(server.port, "GET", "/subjects/fault-pg-1", token=admin)[0] == 200, "... and is stored")
        finally:
            server.stop()
        verify = world.civic_run("verify")
        check(verify.returncode == 0, "civic verify passes afterwards", verify.stdout + verify.stderr)
    finally:
        cluster.stop()


def main():
    parser = argparse.ArgumentParser(description="Disk full, read-only database, PostgreSQL gone: clear errors, nothing changed, recovery.")
    parser.add_argument("--civic", default=".build/debug/civic")
    parser.add_argument("--only", choices=["disk-full", "read-only", "postgres-gone", "sqlite"],
                        help="one part; sqlite: disk-full and read-only (what scripts/test runs)")
    parser.add_argument("--keep", action="store_true")
    arguments = parser.parse_args()
    civic = os.path.abspath(arguments.civic)
    work = tempfile.mkdtemp(prefix="civic-fault.")
    os.chmod(work, 0o755)
    started = time.monotonic()
    try:
        for name, part in [("disk-full", disk_full), ("read-only", read_only), ("postgres-gone", postgres_gone)]:
            if arguments.only in (None, name) or (arguments.only == "sqlite" and name != "postgres-gone"):
                part(civic, work)
    finally:
        if not arguments.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\n== fault-test: {failures} failed check(s) in {time.monotonic() - started:.0f} s", flush=True)
    sys.exit(min(failures, 100))


if __name__ == "__main__":
    main()
