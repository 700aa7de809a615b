"""The load and fault run (``make loadtest``): production's shape on loopback, 32 people, and faults on a schedule.

Starts PostgreSQL, Redis, gunicorn (4 workers), two Celery workers, beat and an SMTP sink,
all on free loopback ports under one temporary directory; seeds the demo data; runs the
Locust load for ``--seconds`` while the fault schedule kills a Celery worker mid-batch,
restarts Redis, stops the SMTP sink and stops PostgreSQL for 20 s; lets the outbox drain;
then prints requests, 5xx and p50/p95/p99 per kind, e-mails planned / delivered /
duplicated, ``flask audit verify``, and what the PostgreSQL log says about deadlocks and
unique violations. Everything it started is stopped when it ends, whatever happens.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
PG_GRACE_SECONDS = 5  # after PostgreSQL is back, pooled connections are replaced within this


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.3).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {timeout:.0f}s")


class Stack:
    """The services of one run, each a process this runner started and will stop."""

    def __init__(self, directory: Path):
        self.dir = directory
        self.logs = directory / "logs"
        self.logs.mkdir()
        self.procs: dict[str, subprocess.Popen] = {}
        self.pg_bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        self.pg_data = directory / "pg"
        self.pg_port, self.redis_port, self.smtp_port, self.web_port = (free_port() for _ in range(4))
        self.sink_file = directory / "delivered.txt"
        self.env = {
            **os.environ,
            "COMPETENCY_CONFIG": "development", "COMPETENCY_INSTANCE_DIR": str(directory / "instance"),
            "FLASK_APP": "competency:create_app", "SECRET_KEY": secrets.token_hex(32),
            "IDENTITY_SALT": secrets.token_hex(16),
            "DATABASE_URL": f"postgresql+psycopg://competency@127.0.0.1:{self.pg_port}/competency",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.smtp_port),
            "BASE_URL": f"http://127.0.0.1:{self.web_port}", "TRUSTED_PROXY_HOPS": "1",
            "REMINDER_SEND_INTERVAL_SECONDS": "5", "OUTBOX_CLAIM_TIMEOUT_SECONDS": "60",
            "PASSPORT_FETCH_ALLOW_PRIVATE": "1", "C_FORCE_ROOT": "1", "PYTHONUNBUFFERED": "1",
        }

    # PostgreSQL ---------------------------------------------------------------------------
    def _as_postgres(self, *args: str, check: bool = True) -> None:
        command = ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)
        subprocess.run(command, check=check, capture_output=True, timeout=120)

    def start_postgres(self, init: bool = False) -> None:
        if init:
            self.pg_data.mkdir()
            if os.geteuid() == 0:
                shutil.chown(self.pg_data, "postgres", "postgres")
            self._as_postgres(str(self.pg_bin / "initdb"), "-D", str(self.pg_data), "-U", "competency",
                              "--auth=trust", "-E", "UTF8")
        self._as_postgres(str(self.pg_bin / "pg_ctl"), "-D", str(self.pg_data), "-l", str(self.pg_data / "server.log"),
                          "-w", "-o", f"-k {self.pg_data} -c listen_addresses=127.0.0.1 -p {self.pg_port} "
                                      "-c fsync=off -c full_page_writes=off -c max_connections=200", "start")
        if init:
            self._as_postgres(str(self.pg_bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.pg_port),
                              "-U", "competency", "competency")

    def stop_postgres(self) -> None:
        self._as_postgres(str(self.pg_bin / "pg_ctl"), "-D", str(self.pg_data), "-m", "fast", "-w", "stop",
                          check=False)

    # Processes ----------------------------------------------------------------------------
    def spawn(self, name: str, args: list[str]) -> None:
        log = open(self.logs / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def stop(self, name: str, sig: int = signal.SIGTERM, wait: float = 20) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=wait)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)

    def start_redis(self) -> None:
        self.spawn("redis", ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
                             "--dir", str(self.dir), "--save", "", "--appendonly", "no"])
        wait_port(self.redis_port)

    def start_sink(self) -> None:
        self.spawn("smtp", [sys.executable, "-m", "bench.loadtest.smtp_sink", str(self.smtp_port), str(self.sink_file)])
        wait_port(self.smtp_port)

    def start_web(self) -> None:
        self.spawn("web", [str(VENV_BIN / "gunicorn"), "-w", "4", "-b", f"127.0.0.1:{self.web_port}",
                           "--timeout", "60", "--graceful-timeout", "5", "competency:create_app()"])
        wait_port(self.web_port, 60)

    def start_worker(self, n: int) -> None:
        self.spawn(f"worker{n}", [str(VENV_BIN / "celery"), "-A", "worker.celery_app", "worker", "-n",
                                  f"w{n}@loadtest", "--concurrency", "2", "--loglevel", "warning"])

    def start_beat(self) -> None:
        self.spawn("beat", [str(VENV_BIN / "celery"), "-A", "worker.celery_app", "beat", "--loglevel", "warning",
                            "--schedule", str(self.dir / "beat-schedule")])

    def flask(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([str(VENV_BIN / "flask"), *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, check=check, timeout=900)

    def close(self) -> None:
        for name in list(self.procs):
            self.stop(name, wait=10)
        self.stop_postgres()


def warm_up(base: str, timeout: float = 300) -> None:
    """Wait until every web worker has imported the app and answers, so the load measures serving."""
    import urllib.request

    deadline = time.monotonic() + timeout
    answered = 0
    while answered < 12 and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/login", timeout=30) as response:
                answered += response.status == 200
        except OSError:
            time.sleep(1)


def fault_schedule(stack: Stack, started: float, events: list, pg_window: list) -> None:
    def at(offset: float) -> None:
        time.sleep(max(0.0, started + offset - time.time()))

    def note(text: str) -> None:
        events.append((round(time.time() - started, 1), text))

    at(20)
    stack.stop("worker1", sig=signal.SIGKILL)
    note("Celery worker 1 killed (SIGKILL) mid-batch")
    at(25)
    stack.start_worker(1)
    note("Celery worker 1 started again")
    at(40)
    stack.stop("redis")
    note("Redis stopped")
    at(45)
    stack.start_redis()
    note("Redis started again")
    at(60)
    stack.stop("smtp")
    note("SMTP sink stopped")
    at(75)
    stack.start_sink()
    note("SMTP sink started again")
    at(85)
    pg_window.append(time.time())
    stack.stop_postgres()
    note("PostgreSQL stopped")
    at(105)
    stack.start_postgres()
    pg_window.append(time.time() + PG_GRACE_SECONDS)
    note("PostgreSQL started again")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _overlaps(record: dict, start: float, end: float) -> bool:
    return record["t"] - record["ms"] / 1000 <= end and record["t"] >= start


def report_requests(records_path: Path, pg_window: list) -> int:
    rows = [json.loads(line) for line in records_path.read_text().splitlines() if line.strip()]
    start, end = (pg_window + [0, 0])[:2] if len(pg_window) >= 2 else (0, 0)
    by_kind: dict[str, list] = defaultdict(list)
    for row in rows:
        by_kind[row["kind"]].append(row)
    print(f"\n{'kind':<28}{'requests':>9}{'5xx':>6}{'503 in PG stop':>16}{'unexpected 5xx':>16}"
          f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    totals = Counter()
    unexpected_detail = Counter()
    for kind in sorted(by_kind):
        items = by_kind[kind]
        server = [r for r in items if r["status"] >= 500 or r["status"] == 0]
        # The database stop caused a 503 if the request was in flight at some moment of the stop
        # (sent before it and answered during it included); ``t`` is when it was answered.
        planned = [r for r in server if r["status"] == 503 and r["own_page"] and _overlaps(r, start, end)]
        unexpected = len(server) - len(planned)
        for r in server:
            if r not in planned:
                when = "in flight during PG stop" if _overlaps(r, start, end) else "outside PG stop"
                page = " (not the service's page)" if r["status"] == 503 and not r["own_page"] else ""
                unexpected_detail[(kind, f"{r['status']}{page}", when)] += 1
        times = [r["ms"] for r in items]
        totals.update(requests=len(items), server=len(server), planned=len(planned), unexpected=unexpected)
        print(f"{kind:<28}{len(items):>9}{len(server):>6}{len(planned):>16}{unexpected:>16}"
              f"{percentile(times, 50):>9.0f}{percentile(times, 95):>9.0f}{percentile(times, 99):>9.0f}")
    every = [r["ms"] for r in rows]
    print(f"{'all':<28}{totals['requests']:>9}{totals['server']:>6}{totals['planned']:>16}{totals['unexpected']:>16}"
          f"{percentile(every, 50):>9.0f}{percentile(every, 95):>9.0f}{percentile(every, 99):>9.0f}")
    if unexpected_detail:
        print("\nunexpected 5xx (kind, status, when): " + ", ".join(
            f"{k} {s} {w}".strip() + f" x{n}" for (k, s, w), n in unexpected_detail.most_common()))
    return totals["unexpected"]


def sent_before(stack: Stack) -> set[str]:
    """E-mails already sent before the load (a --reuse run): left out of the counts."""
    import sqlalchemy as sa

    engine = sa.create_engine(stack.env["DATABASE_URL"])
    with engine.connect() as conn:
        done = set(conn.execute(sa.text("SELECT message_id FROM outbox_email WHERE status = 'sent'")).scalars())
    engine.dispose()
    return done


def email_counts(stack: Stack, drain_seconds: float, before: set[str]) -> dict:
    import sqlalchemy as sa

    engine = sa.create_engine(stack.env["DATABASE_URL"])
    deadline = time.monotonic() + drain_seconds
    while True:
        with engine.connect() as conn:
            rows = {m: status for m, status in conn.execute(sa.text("SELECT message_id, status FROM outbox_email"))
                    if m not in before}
        counts = Counter(rows.values())
        if not counts.get("queued") and not counts.get("sending") or time.monotonic() > deadline:
            break
        time.sleep(3)
    engine.dispose()
    received = Counter(stack.sink_file.read_text().split()) if stack.sink_file.exists() else Counter()
    # Lost: marked sent but never received, or given up on. Still queued: delayed by backoff, not lost.
    return {"planned": len(rows), "sent": counts.get("sent", 0), "failed": counts.get("failed", 0),
            "still queued": counts.get("queued", 0) + counts.get("sending", 0),
            "delivered": sum(1 for m in received if m in rows),
            "lost": sum(1 for m, status in rows.items() if status == "failed" or (status == "sent" and m not in received)),
            "duplicated": sum(n - 1 for m, n in received.items() if n > 1)}


def postgres_log(stack: Stack, offset: int = 0) -> dict:
    path = stack.pg_data / "server.log"
    text = path.read_bytes()[offset:].decode(errors="replace") if path.exists() else ""
    constraints = Counter(re.findall(r'duplicate key value violates unique constraint "([^"]+)"', text))
    return {"deadlock detected": text.count("deadlock detected"), "unique violations": sum(constraints.values()),
            "by constraint": dict(constraints.most_common())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--drain-seconds", type=int, default=240)
    parser.add_argument("--no-faults", action="store_true",
                        help="load only: no worker kill, no Redis, SMTP or PostgreSQL outage (every 5xx is unexpected)")
    parser.add_argument("--keep", action="store_true", help="keep the run's directory (logs) afterwards")
    parser.add_argument("--reuse", type=Path, help="a directory kept by --keep: skip initdb, seeding and the plan")
    args = parser.parse_args()
    # A TERM (a timeout, CI, kill) ends the run through the ``finally`` below, so nothing is left running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    directory = args.reuse or Path(tempfile.mkdtemp(prefix="competency-loadtest-"))
    directory.chmod(0o755)
    if args.reuse:
        shutil.rmtree(directory / "logs", ignore_errors=True)
        (directory / "delivered.txt").unlink(missing_ok=True)
        (directory / "requests.jsonl").unlink(missing_ok=True)
        args.keep = True
    stack = Stack(directory)
    events: list = []
    pg_window: list = []
    try:
        print(f"run directory {directory}")
        stack.start_postgres(init=not args.reuse)
        stack.start_redis()
        stack.start_sink()
        plan = directory / "plan.json"
        if args.reuse:
            secrets_file = json.loads((directory / "secrets.json").read_text())
            stack.env.update(secrets_file)
        else:
            (directory / "secrets.json").write_text(json.dumps(
                {k: stack.env[k] for k in ("SECRET_KEY", "IDENTITY_SALT")}))
            stack.flask("db", "upgrade")
            stack.flask("demo", "seed")
        if not args.reuse:
            prepared = subprocess.run([sys.executable, "-m", "bench.loadtest.prepare", str(plan)], cwd=ROOT,
                                      env=stack.env, capture_output=True, text=True)
            print((prepared.stdout + (prepared.stderr if prepared.returncode else "")).strip())
            if prepared.returncode:
                return 2
        stack.start_web()
        stack.start_worker(1)
        stack.start_worker(2)
        stack.start_beat()
        warm_up(stack.env["BASE_URL"])
        before = sent_before(stack)
        log_offset = (stack.pg_data / "server.log").stat().st_size
        records = directory / "requests.jsonl"
        # The runner keeps the time: Locust runs until it is told to stop, then prints its summary.
        # The clock (and the fault schedule) starts when the first request has been answered.
        load = subprocess.Popen([str(VENV_BIN / "locust"), "-f", str(ROOT / "bench/loadtest/locustfile.py"),
                                 "--headless", "-u", str(args.users), "-r", str(args.users),
                                 "--host", stack.env["BASE_URL"], "--only-summary", "--loglevel", "INFO"],
                                cwd=ROOT, env={**stack.env, "LOADTEST_PLAN": str(plan), "LOADTEST_RECORDS": str(records)},
                                stdout=open(stack.logs / "locust.log", "ab"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        while not (records.exists() and records.stat().st_size) and time.monotonic() < deadline:
            time.sleep(0.5)
        started = time.time()
        faults = threading.Thread(target=fault_schedule, args=(stack, started, events, pg_window), daemon=True)
        if not args.no_faults:
            faults.start()
        time.sleep(max(0.0, started + args.seconds - time.time()))
        load.send_signal(signal.SIGTERM)
        try:
            load.wait(timeout=60)
        except subprocess.TimeoutExpired:
            load.kill()
            load.wait()
        if not args.no_faults:
            faults.join(timeout=args.seconds + 120)
        print(f"\n{args.users} clients for {args.seconds} s; "
              + ("no faults" if args.no_faults else "faults (seconds from the start):"))
        for offset, text in events:
            print(f"  {offset:>6.1f}  {text}")
        (directory / "faults.json").write_text(json.dumps({"events": events, "pg_window": pg_window}))
        unexpected = report_requests(records, pg_window)
        mail = email_counts(stack, args.drain_seconds, before)
        print("\ne-mails: " + ", ".join(f"{k} {v}" for k, v in mail.items()))
        audit = stack.flask("audit", "verify", check=False)
        print(f"\nflask audit verify (exit {audit.returncode}): {(audit.stdout + audit.stderr).strip()[-600:]}")
        log = postgres_log(stack, log_offset)
        print(f"\nPostgreSQL log: deadlock detected {log['deadlock detected']}, "
              f"unique violations {log['unique violations']} {log['by constraint'] or ''}")
        tracebacks = Counter(re.findall(r"^(\w+(?:\.\w+)*(?:Error|Exception)): ",
                                        (stack.logs / "web.log").read_text(errors="replace"), re.M))
        if tracebacks:
            print("web log exceptions: " + ", ".join(f"{name} x{n}" for name, n in tracebacks.most_common(8)))
        return 1 if unexpected or mail["duplicated"] or mail["lost"] else 0
    finally:
        stack.close()
        if args.keep:
            print(f"logs kept in {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
