#!/usr/bin/env python
"""Workers on three "hosts" drain one queue; one host is cut off mid-run (issue 17).

Run as root from the project root (it needs ``ip netns`` and a private server)::

    .venv/bin/python bench/three_hosts.py

What it does, and undoes whatever happens (a failure included):

1. a bridge ``qgbr0`` at 10.77.0.1/24 in this namespace, and three network
   namespaces ``qg-h1..3`` each joined to it by a veth pair (10.77.0.11..13):
   three hosts with their own address, reaching the database over a link;
2. a private PostgreSQL (initdb in a temporary directory, run as the
   ``postgres`` user) listening on 10.77.0.1 only, migrated as ``manage.py
   migrate`` does, its gates opened the four-eyes way;
3. N jobs of kind ``bench.hosts.sleep`` (``bench/hosts_jobs.py``: each sleeps a
   little, so a host holds jobs in flight), and a worker in each namespace;
4. mid-run, host 2's link goes down: its worker can neither ack nor heartbeat,
   its leases run out, and the lease reaper (run from this namespace) puts its
   jobs back; the other hosts run them. The link comes back up later;
5. checks: every job succeeded, exactly one succeeded attempt each (the cut
   host's late reports are fenced off), none dead-lettered, and the cut host's
   in-flight jobs were taken over.

Exit status 0 when every check passes. Leftovers of an earlier run that was
killed (the bridge, links, namespaces, a server on the port) are removed first;
``--deadline`` bounds the whole run (SIGTERM also unwinds it).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BRIDGE = "qgbr0"
NET = "10.77.0"
DB_ADDR = f"{NET}.1"
PORT = 5499
DB = "qg_hosts"
HOSTS = (1, 2, 3)
CUT = 2
KIND = "bench.hosts.sleep"
LEASE_SECONDS = 6
GATES = ("queue.job_substrate.enabled", "queue.worker.enabled", "queue.lease_reaper.enabled")


def sh(*cmd: str, check: bool = True, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=check, text=True, capture_output=True, **kw)  # type: ignore[call-overload]


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        sys.exit(f"{name} not found under /usr/lib/postgresql/*/bin (install postgresql)")
    return found[-1]


class Teardown:
    """Undo steps, run in reverse order at the end whatever happened."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, Callable[[], object]]] = []

    def add(self, what: str, undo: Callable[[], object]) -> None:
        self.steps.append((what, undo))

    def run(self) -> None:
        for what, undo in reversed(self.steps):
            try:
                undo()
            except Exception as exc:  # keep undoing the rest
                print(f"teardown: {what}: {exc}", file=sys.stderr)
        self.steps.clear()


def clear_leftovers() -> None:
    """What an earlier run killed before its teardown left: namespaces, links, the bridge."""
    for i in HOSTS:
        sh("ip", "netns", "del", f"qg-h{i}", check=False)
        sh("ip", "link", "del", f"qgv{i}", check=False)
    sh("ip", "link", "del", BRIDGE, check=False)
    for pidfile in glob.glob(f"{tempfile.gettempdir()}/qg-hosts-*/data/postmaster.pid"):
        sh("runuser", "-u", "postgres", "--", pg_bin("pg_ctl"), "-D", str(Path(pidfile).parent), "-m", "immediate",
           "stop", check=False)  # fmt: skip
        shutil.rmtree(Path(pidfile).parent.parent, ignore_errors=True)


def network(td: Teardown) -> None:
    sh("ip", "link", "add", BRIDGE, "type", "bridge")
    td.add(f"bridge {BRIDGE}", lambda: sh("ip", "link", "del", BRIDGE, check=False))
    sh("ip", "addr", "add", f"{DB_ADDR}/24", "dev", BRIDGE)
    sh("ip", "link", "set", BRIDGE, "up")
    for i in HOSTS:
        ns, outside, inside = f"qg-h{i}", f"qgv{i}", f"qgp{i}"
        sh("ip", "netns", "add", ns)
        td.add(f"namespace {ns}", lambda ns=ns: sh("ip", "netns", "del", ns, check=False))
        sh("ip", "link", "add", outside, "type", "veth", "peer", "name", inside)
        td.add(f"veth {outside}", lambda outside=outside: sh("ip", "link", "del", outside, check=False))
        sh("ip", "link", "set", inside, "netns", ns)
        sh("ip", "link", "set", outside, "master", BRIDGE, "up")
        sh("ip", "-n", ns, "addr", "add", f"{NET}.1{i}/24", "dev", inside)
        sh("ip", "-n", ns, "link", "set", inside, "up")
        sh("ip", "-n", ns, "link", "set", "lo", "up")


def database(td: Teardown, workdir: Path) -> str:
    data = workdir / "data"
    data.mkdir()
    shutil.chown(workdir, "postgres")
    shutil.chown(data, "postgres")
    sh("runuser", "-u", "postgres", "--", pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust")
    with (data / "pg_hba.conf").open("a") as hba:
        hba.write(f"host all all {NET}.0/24 trust\n")
    options = f"-c listen_addresses={DB_ADDR} -c port={PORT} -c unix_socket_directories={workdir}"
    td.add("private PostgreSQL", lambda: sh("runuser", "-u", "postgres", "--", pg_bin("pg_ctl"), "-D", str(data),
                                            "-m", "immediate", "stop", check=False))  # fmt: skip
    sh("runuser", "-u", "postgres", "--", pg_bin("pg_ctl"), "-D", str(data), "-o", options, "-l",
       str(workdir / "postgres.log"), "-w", "start")  # fmt: skip
    admin = f"postgres://postgres@{DB_ADDR}:{PORT}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {DB}")
    migration = f"postgres://postgres@{DB_ADDR}:{PORT}/{DB}"
    app = f"postgres://queuegov_app@{DB_ADDR}:{PORT}/{DB}"
    env = {**os.environ, "DATABASE_URL": app, "MIGRATION_DATABASE_URL": migration}
    env.pop("TEST_DATABASE_NAME", None)
    for command in (["db_roles"], ["migrate", "-v0"]):
        done = sh(PYTHON, "manage.py", *command, cwd=ROOT, env={**env, "DATABASE_URL": migration}
                  if command == ["db_roles"] else env, check=False)  # fmt: skip
        if done.returncode:
            sys.exit(f"manage.py {' '.join(command)} failed:\n{done.stderr}")
    with psycopg.connect(app) as conn:
        for key in GATES:  # four eyes: requested by one actor, approved by another
            with conn.transaction():
                conn.execute("SELECT set_config('queuegov.actor', 'hosts:a', true)")
                (request,) = conn.execute(
                    "SELECT fn_gate_change_request(%s, 'true'::jsonb, 'three hosts')", [key]
                ).fetchone()
            with conn.transaction():
                conn.execute("SELECT set_config('queuegov.actor', 'hosts:b', true)")
                conn.execute("SELECT fn_gate_change_approve(%s, 'three hosts')", [request])
        with conn.transaction():
            conn.execute("SELECT set_config('queuegov.actor', 'hosts:setup', true)")
            conn.execute(
                "SELECT fn_consumer_register(%s, 'pg_worker', 'default', 'default', 'bench.hosts_jobs.sleep',"
                " 'three hosts: sleeps a little')",
                [KIND],
            )
    return app


def enqueue(app: str, jobs: int, seconds: float) -> None:
    specs = [{"job_kind": KIND, "payload": {"i": i, "seconds": seconds}} for i in range(jobs)]
    with psycopg.connect(app) as conn, conn.transaction():
        conn.execute("SELECT set_config('queuegov.actor', 'hosts:producer', true)")
        (answer,) = conn.execute("SELECT fn_job_enqueue_many(%s::jsonb)", [json.dumps(specs)]).fetchone()
    if answer.get("enqueued") != jobs:
        sys.exit(f"enqueue: {answer}")


def workers(td: Teardown, app: str, workdir: Path) -> dict[int, subprocess.Popen[str]]:
    started = {}
    for i in HOSTS:
        env = {**os.environ, "DATABASE_URL": app, "QG_HOST": f"h{i}", "PYTHONUNBUFFERED": "1",
               "DB_CONNECT_TIMEOUT": "3", "DB_TCP_USER_TIMEOUT_MS": "4000"}  # fmt: skip
        env.pop("TEST_DATABASE_NAME", None)
        log = (workdir / f"worker-h{i}.log").open("w")
        proc = subprocess.Popen(
            ["ip", "netns", "exec", f"qg-h{i}", PYTHON, "manage.py", "queue_worker", "--no-listen",
             "--interval", "0.2", "--batch-size", "5", "--lease-seconds", str(LEASE_SECONDS),
             "--worker-id", f"h{i}:worker"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        started[i] = proc
        td.add(f"worker on h{i}", lambda proc=proc, log=log: (proc.kill(), proc.wait(), log.close()))
    return started


def counts(app: str) -> dict[str, int]:
    with psycopg.connect(app) as conn:
        return dict(conn.execute("SELECT status, count(*) FROM job_queue GROUP BY status").fetchall())


def reap(app: str) -> dict[str, object]:
    with psycopg.connect(app) as conn, conn.transaction():
        conn.execute("SELECT set_config('queuegov.actor', 'hosts:reaper', true)")
        (answer,) = conn.execute("SELECT fn_job_lease_reaper(1000)").fetchone()
    return answer


def wait_for(what: str, done: Callable[[], bool], timeout: float, tick: Callable[[], object] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if tick:
            tick()
        if time.monotonic() > deadline:
            sys.exit(f"timed out waiting for {what}")
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=600, help="jobs to drain (default 600)")
    parser.add_argument("--seconds", type=float, default=0.05, help="each job's sleep (default 0.05)")
    parser.add_argument("--deadline", type=float, default=300, help="the whole run, seconds (default 300)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: it creates network namespaces and runs a private server as postgres")
    td = Teardown()
    workdir = Path(tempfile.mkdtemp(prefix="qg-hosts-"))
    td.add("work directory", lambda: shutil.rmtree(workdir, ignore_errors=True))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    signal.signal(signal.SIGALRM, lambda *_: sys.exit(f"over the deadline of {args.deadline:.0f} s"))
    signal.alarm(int(args.deadline))
    started = time.monotonic()
    clear_leftovers()
    try:
        network(td)
        app = database(td, workdir)
        enqueue(app, args.jobs, args.seconds)
        procs = workers(td, app, workdir)
        total = args.jobs

        def cut_host_holds_jobs() -> bool:
            with psycopg.connect(app) as conn:
                return bool(conn.execute(
                    "SELECT count(*) FROM job_queue WHERE status = 'running' AND lease_owner LIKE %s", [f"h{CUT}:%"]
                ).fetchone()[0])  # fmt: skip

        # cut host 2 off once a fifth is done and it holds jobs
        wait_for("a fifth of the jobs", lambda: counts(app).get("succeeded", 0) >= total // 5, 120)
        wait_for(f"h{CUT} holding jobs", cut_host_holds_jobs, 60)
        sh("ip", "link", "set", f"qgv{CUT}", "down")
        with psycopg.connect(app) as conn:  # once cut, what the server says it holds is final
            (held,) = conn.execute(
                "SELECT array_agg(id) FROM job_queue WHERE status = 'running' AND lease_owner LIKE %s", [f"h{CUT}:%"]
            ).fetchone()
        print(f"host h{CUT} cut off holding {len(held or [])} running jobs", flush=True)
        # the others drain; the reaper returns the cut host's expired leases
        wait_for("every job", lambda: counts(app).get("succeeded", 0) == total, 300, tick=lambda: reap(app))
        sh("ip", "link", "set", f"qgv{CUT}", "up")
        time.sleep(1)  # not a wait for a condition: the cut host's late reports get their chance to be refused
        held = held or []
        with psycopg.connect(app) as conn:
            rerun = conn.execute(  # jobs that needed a second attempt though their host kept its link
                "SELECT count(*) FROM job_queue WHERE attempts > 1 AND NOT id = ANY(%s)", [held]
            ).fetchone()[0]
            hosts = dict(conn.execute(
                "SELECT result ->> 'host', count(*) FROM job_queue GROUP BY 1 ORDER BY 1"
            ).fetchall())  # fmt: skip
            # each job h2 held when cut: acked just before the link went down (its first attempt,
            # by h2), or expired and run again elsewhere; never both, never neither
            taken_over, acked_before = conn.execute(
                "SELECT count(*) FILTER (WHERE j.attempts > 1 AND j.result ->> 'host' <> %s AND EXISTS ("
                "         SELECT 1 FROM job_attempt a WHERE a.job_id = j.id AND a.outcome = 'lease_expired'"
                "            AND a.worker_id LIKE %s)),"
                "       count(*) FILTER (WHERE j.attempts = 1 AND j.result ->> 'host' = %s)"
                "  FROM job_queue j WHERE j.id = ANY(%s)",
                [f"h{CUT}", f"h{CUT}:%", f"h{CUT}", held],
            ).fetchone()
            dead = conn.execute("SELECT count(*) FROM job_dead_letter").fetchone()[0]
        final = counts(app)
        alive = {i: p.poll() is None for i, p in procs.items()}
        checks = {
            f"all {total} jobs succeeded, none lost": final == {"succeeded": total},
            "no dead letters": dead == 0,
            f"h{CUT}'s {len(held)} in-flight jobs: {taken_over} expired and run by another host,"
            f" {acked_before} acked before the cut": taken_over + acked_before == len(held) and taken_over > 0,
            "no other job ran twice": rerun == 0,
            "every host ran jobs": all(hosts.get(f"h{i}", 0) > 0 for i in HOSTS),
        }
        print(f"jobs per host: {hosts}; workers alive: {alive}; {time.monotonic() - started:.0f} s")
        for what, ok in checks.items():
            print(f"{'PASS' if ok else 'FAIL'}  {what}")
        if not all(checks.values()):
            sys.exit(1)
    finally:
        td.run()


if __name__ == "__main__":
    main()
