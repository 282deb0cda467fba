#!/usr/bin/env python
"""queuegov kill benchmark: jobs a SIGKILLed worker's successors run a second time.

Why: a worker that is killed (OOM killer, SIGKILL, a lost machine) after a job's
handler finished but before the job was acknowledged leaves the job ``running``
under its lease; once the lease expires the reaper requeues it and another worker
runs it again. The previous worker (commit 6673ced) acknowledged finished jobs
only together with its next claim, every batch of 50; the current one also lets
its lease keeper acknowledge them within ``--ack-delay`` (0.1 s by default). This
benchmark counts those re-runs per kill for both versions in one run, and shows
with a kill-free drain that the earlier acknowledgement costs no throughput.

Run from the project root (see bench/README.md)::

    .venv/bin/python bench/kill_bench.py [--kills N] [--rounds N] [--old-tree /tmp/base_6673] [--new-tree /work/main]

The old tree is a git worktree of the previous commit, e.g.
``git worktree add /tmp/base_6673 6673ced``. Both trees run with this interpreter
(the project's venv). Each tree run, interleaved (old, new, new, old, … with
``--rounds``), drops and recreates the database ``queuegov_killbench`` (``--db``;
the name must contain ``bench``) on the server named by ``BENCH_SERVER_URL``
(default ``postgres://postgres@127.0.0.1:5432/postgres``), migrates it with that
tree's ``manage.py migrate`` and then, as the superuser in plain SQL (the trees'
schemas differ), opens the gates and registers the job kind ``bench.record``,
whose handler appends ``"<job id> <attempt>"`` to a log file and sleeps.

Kill phase: ``--jobs`` jobs of 20 ms. ``--kills`` times: start one
``manage.py queue_worker --no-listen --lease-seconds 2``, wait until it has run a
job, let it run a random 0.5-1.5 s (the same seeded times for both trees of a
round), SIGKILL it and wait for it to exit. Then reap the expired leases
(``fn_job_lease_reaper``), make the requeued jobs due and drain the rest with
``queue_worker --once``. From the log: executions, distinct jobs, re-runs
(executions - distinct jobs), each re-run attributed to the kill whose worker ran
the earlier execution; every job must end ``succeeded`` and no (job, attempt) may
run twice.

Drain phase: ``--drain-jobs`` jobs that do not sleep, one ``queue_worker --once
--no-listen``; jobs/s from the first to the last handler call (the handler stamps
``CLOCK_MONOTONIC``).

The database is dropped at the end. Nothing else on the server is touched.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
KIND = "bench.record"
BATCH = 50  # the worker's default claim size, both trees
KILL_LEASE_SECONDS = 2
JOB_SLEEP = 0.02
ENQUEUE_CHUNK = 1000  # fn_job_enqueue_many's default cap per call
MAX_ATTEMPTS = 20
WAIT_TIMEOUT = 120.0

HANDLERS = '''\
"""Handlers of the kill benchmark (bench/kill_bench.py), imported by the workers via PYTHONPATH."""

import os
import time


def record(payload, job):
    line = f"{job.id} {job.attempt}"
    if payload.get("stamp"):
        line += f" {time.monotonic():.6f}"
    fd = os.open(payload["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\\n").encode())
    finally:
        os.close(fd)
    if payload["sleep"]:
        time.sleep(payload["sleep"])
'''

SETUP_SQL = (
    "SET session_replication_role = replica",
    "UPDATE dot_config SET value = 'true' WHERE key IN "
    "('queue.job_substrate.enabled', 'queue.worker.enabled', 'queue.lease_reaper.enabled')",
    "INSERT INTO consumer_registry (job_kind, executor_class, queue_name, retry_policy, handler_ref, description) "
    f"VALUES ('{KIND}', 'pg_worker', 'default', 'default', 'killbench_handlers.record', 'kill bench')",
    "RESET session_replication_role",
)


# ---------------------------------------------------------------------------
# the database
# ---------------------------------------------------------------------------
def server_url() -> str:
    return os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def db_url(dbname: str, user: str | None = None) -> str:
    """The bench database on the server of ``BENCH_SERVER_URL``, as its user or as ``user`` (no password)."""
    params = conninfo_to_dict(server_url())
    password = f":{params['password']}" if params.get("password") and user is None else ""
    user = user or params.get("user", "postgres")
    host, port = params.get("host", "127.0.0.1"), params.get("port", "5432")
    return f"postgres://{user}{password}@{host}:{port}/{dbname}"


def app_url(dbname: str) -> str:
    """The bench database as the app role: the workers run as Django's processes do."""
    url = db_url(dbname, user=f"{os.environ.get('QUEUEGOV_DB_ROLE_PREFIX', 'queuegov')}_app")
    password = os.environ.get("QUEUEGOV_APP_DB_PASSWORD")
    return url.replace("_app@", f"_app:{password}@", 1) if password else url


def connect(url: str) -> psycopg.Connection:
    return psycopg.connect(make_conninfo(url), autocommit=True)


def check_name(dbname: str) -> None:
    if "bench" not in dbname:
        sys.exit(f"refusing to drop and recreate {dbname!r}: the benchmark database name must contain 'bench'")


def drop_database(dbname: str) -> None:
    check_name(dbname)
    with connect(server_url()) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def create_database(tree: Path, dbname: str, env: dict[str, str]) -> None:
    """Drop, create and migrate ``dbname`` with ``tree``'s manage.py, then open it for the benchmark."""
    drop_database(dbname)
    with connect(server_url()) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    migrate_env = {**env, "MIGRATION_DATABASE_URL": db_url(dbname)}
    migrate = [PYTHON, "manage.py", "migrate", "-v0"]
    done = subprocess.run(migrate, cwd=tree, env=migrate_env, capture_output=True, text=True)
    if done.returncode != 0 and "role" in done.stderr and "does not exist" in done.stderr:
        subprocess.run([PYTHON, "manage.py", "db_roles"], cwd=tree, env=migrate_env, check=True)
        done = subprocess.run(migrate, cwd=tree, env=migrate_env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"migrate failed in {tree}:\n{done.stdout}{done.stderr}")
    with connect(db_url(dbname)) as conn:
        for statement in SETUP_SQL:
            conn.execute(statement)


def enqueue(conn: psycopg.Connection, count: int, log: Path, sleep: float, stamp: bool = False) -> None:
    payload: dict[str, object] = {"log": str(log), "sleep": sleep}
    if stamp:
        payload["stamp"] = True
    job = {"job_kind": KIND, "payload": payload, "max_attempts": MAX_ATTEMPTS}
    for start in range(0, count, ENQUEUE_CHUNK):
        n = min(ENQUEUE_CHUNK, count - start)
        (answer,) = conn.execute("SELECT fn_job_enqueue_many(%s::jsonb)", [json.dumps([job] * n)]).fetchone()
        if answer.get("enqueued") != n:
            sys.exit(f"enqueue failed: {answer}")


def statuses(conn: psycopg.Connection) -> Counter[str]:
    return Counter(dict(conn.execute("SELECT status, count(*) FROM job_queue GROUP BY status").fetchall()))


# ---------------------------------------------------------------------------
# waiting and workers
# ---------------------------------------------------------------------------
def wait_for(condition: Callable[[], bool], what: str, timeout: float = WAIT_TIMEOUT, interval: float = 0.01) -> None:
    """Poll ``condition`` every ``interval`` seconds until it holds; exit after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


@dataclass
class Tree:
    label: str  # "old" or "new"
    path: Path


@dataclass
class Context:
    dbname: str
    tmp: Path
    env: dict[str, str]
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start_worker(self, tree: Tree, worker_id: str, *extra: str) -> subprocess.Popen[bytes]:
        out = (self.tmp / f"{worker_id}.out").open("wb")
        with out:
            proc = subprocess.Popen(
                [PYTHON, "manage.py", "queue_worker", "--no-listen", "--worker-id", worker_id, *extra],
                cwd=tree.path,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.procs.append(proc)
        return proc

    def output(self, worker_id: str) -> str:
        return (self.tmp / f"{worker_id}.out").read_text(errors="replace")[-3000:]

    def kill_all(self) -> None:
        """End the workers this benchmark started that still run (by their own process ids)."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.procs.clear()


def run_once(ctx: Context, tree: Tree, worker_id: str, *extra: str) -> float:
    """Run ``queue_worker --once`` to its exit; its wall time (start to exit)."""
    started = time.perf_counter()
    proc = ctx.start_worker(tree, worker_id, "--once", *extra)
    code = proc.wait()
    wall = time.perf_counter() - started
    if code != 0:
        sys.exit(f"{worker_id} ({tree.path}) exited {code}:\n{ctx.output(worker_id)}")
    return wall


def reap(conn: psycopg.Connection) -> None:
    """Requeue every job whose lease expired (polling the reaper until none runs) and make it due now."""

    def none_running() -> bool:
        conn.execute("SELECT fn_job_lease_reaper()")
        (running,) = conn.execute("SELECT count(*) FROM job_queue WHERE status = 'running'").fetchone()
        return running == 0

    wait_for(none_running, "the leases of the killed workers to expire and be reaped", interval=0.1)
    # The default retry policy backs off 5 s and more: make the requeued jobs due instead of waiting.
    conn.execute("UPDATE job_queue SET run_at = now() WHERE status = 'queued'")


# ---------------------------------------------------------------------------
# one tree run
# ---------------------------------------------------------------------------
@dataclass
class KillResult:
    kills: int
    executions: int
    distinct: int
    reruns: int
    per_kill: list[int]  # re-runs attributed to each kill
    in_flight: list[int]  # 1 where the last job the killed worker started was run again
    unattributed: int  # re-runs of executions by the final drain (expected 0)


@dataclass
class RunResult:
    tree: str
    round: int
    kill: KillResult
    drain_rate: float  # jobs/s, first to last handler call
    drain_wall: float  # seconds, process start to exit (Django start-up included)


def parse_log(data: bytes) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b, *_ in (line.split() for line in data.decode().splitlines())]


def count_reruns(data: bytes, boundaries: list[int], jobs: int) -> KillResult:
    """Executions in the log; each re-run is charged to the segment (killed worker) of the execution before it."""
    executions = parse_log(data)
    pairs = Counter(executions)
    twice = [p for p, n in pairs.items() if n > 1]
    if twice:
        sys.exit(f"an attempt ran twice (fencing broken): {twice[:10]}")
    line_ends: list[int] = []  # number of lines in each segment's prefix
    for end in boundaries:
        line_ends.append(data[:end].count(b"\n"))
    segment_of_line: list[int] = []
    start = 0
    for k, end in enumerate([*line_ends, len(executions)]):
        segment_of_line.extend([k] * (end - start))
        start = end
    last_segment: dict[int, int] = {}
    per_segment = Counter[int]()
    rerun_lines: set[int] = set()  # lines whose job ran again later
    last_line: dict[int, int] = {}
    for i, (job_id, _) in enumerate(executions):
        if job_id in last_segment:
            per_segment[last_segment[job_id]] += 1
            rerun_lines.add(last_line[job_id])
        last_segment[job_id] = segment_of_line[i]
        last_line[job_id] = i
    kills = len(boundaries)
    in_flight = [1 if end > 0 and end - 1 in rerun_lines else 0 for end in line_ends]
    distinct = len(last_segment)
    if distinct != jobs:
        sys.exit(f"{distinct} distinct jobs ran, {jobs} were enqueued")
    return KillResult(
        kills=kills,
        executions=len(executions),
        distinct=distinct,
        reruns=len(executions) - distinct,
        per_kill=[per_segment[k] for k in range(kills)],
        in_flight=in_flight,
        unattributed=per_segment[kills],
    )


def kill_phase(ctx: Context, tree: Tree, rnd: int, jobs: int, kills: int, rng: random.Random) -> KillResult:
    log = ctx.tmp / f"kill-{tree.label}-{rnd}.log"
    url = db_url(ctx.dbname)
    with connect(url) as conn:
        enqueue(conn, jobs, log, JOB_SLEEP)
    boundaries: list[int] = []
    for k in range(kills):
        worker_id = f"kb-{tree.label}{rnd}-{k}"
        before = size(log)
        proc = ctx.start_worker(tree, worker_id, "--lease-seconds", str(KILL_LEASE_SECONDS))
        wait_for(lambda p=proc, b=before: size(log) > b or p.poll() is not None, f"{worker_id} to run a job")
        if proc.poll() is not None:
            sys.exit(f"{worker_id} ({tree.path}) exited {proc.returncode}:\n{ctx.output(worker_id)}")
        time.sleep(rng.uniform(0.5, 1.5))  # the deliberate, seeded run time before the kill
        proc.kill()
        proc.wait()
        boundaries.append(size(log))
    with connect(url) as conn:
        for attempt in range(5):
            reap(conn)
            run_once(ctx, tree, f"kb-{tree.label}{rnd}-rest-{attempt}")
            counts = statuses(conn)
            if counts["succeeded"] == jobs:
                break
        else:
            sys.exit(f"jobs not all succeeded after draining: {dict(counts)}")
    return count_reruns(log.read_bytes(), boundaries, jobs)


def drain_phase(ctx: Context, tree: Tree, rnd: int, jobs: int) -> tuple[float, float]:
    """(jobs/s from the first to the last handler call, process wall seconds)."""
    log = ctx.tmp / f"drain-{tree.label}-{rnd}.log"
    with connect(db_url(ctx.dbname)) as conn:
        conn.execute("TRUNCATE job_queue RESTART IDENTITY CASCADE")
        conn.execute("VACUUM ANALYZE job_queue")
        enqueue(conn, jobs, log, 0.0, stamp=True)
        wall = run_once(ctx, tree, f"kb-{tree.label}{rnd}-drain")
        counts = statuses(conn)
    if counts["succeeded"] != jobs:
        sys.exit(f"drain: jobs not all succeeded: {dict(counts)}")
    lines = [line.split() for line in log.read_text().splitlines()]
    if len(lines) != jobs or len({line[0] for line in lines}) != jobs:
        distinct = len({line[0] for line in lines})
        sys.exit(f"drain: {len(lines)} executions of {distinct} jobs, expected {jobs} of {jobs}")
    stamps = [float(line[2]) for line in lines]
    return (jobs - 1) / (max(stamps) - min(stamps)), wall


def tree_run(ctx: Context, tree: Tree, rnd: int, args: argparse.Namespace) -> RunResult:
    print(f"round {rnd + 1}, {tree.label} tree ({tree.path}) …", flush=True)
    create_database(tree.path, ctx.dbname, ctx.env)
    rng = random.Random(f"{args.seed}:{rnd}")  # the same kill times for both trees of a round
    kill = kill_phase(ctx, tree, rnd, args.jobs, args.kills, rng)
    rate, wall = drain_phase(ctx, tree, rnd, args.drain_jobs)
    result = RunResult(tree.label, rnd, kill, rate, wall)
    print(
        f"  {kill.executions} executions of {kill.distinct} jobs, {kill.reruns} re-runs "
        f"(per kill: {' '.join(map(str, kill.per_kill))}; last started job re-run: "
        f"{sum(kill.in_flight)}/{kill.kills}); drain {rate:,.0f} jobs/s ({wall:.2f}s wall)",
        flush=True,
    )
    return result


# ---------------------------------------------------------------------------
# the report
# ---------------------------------------------------------------------------
def summarize(results: list[RunResult], label: str) -> dict[str, float]:
    runs = [r for r in results if r.tree == label]
    per_kill = [n for r in runs for n in r.kill.per_kill]
    beyond = [n - f for r in runs for n, f in zip(r.kill.per_kill, r.kill.in_flight, strict=True)]
    return {
        "runs": len(runs),
        "kills": sum(r.kill.kills for r in runs),
        "executions": sum(r.kill.executions for r in runs),
        "distinct": sum(r.kill.distinct for r in runs),
        "reruns": sum(r.kill.reruns for r in runs),
        "mean": statistics.mean(per_kill),
        "max": max(per_kill),
        "beyond": statistics.mean(beyond),
        "unattributed": sum(r.kill.unattributed for r in runs),
        "drain": statistics.median(r.drain_rate for r in runs),
    }


def report(results: list[RunResult], args: argparse.Namespace) -> None:
    old, new = summarize(results, "old"), summarize(results, "new")
    header = (
        "tree",
        "runs",
        "kills",
        "executions",
        "distinct jobs",
        "re-runs",
        "re-runs/kill",
        "max/kill",
        "beyond in-flight/kill",
        "drain jobs/s (median)",
    )
    rows = [
        (
            label,
            f"{s['runs']:.0f}",
            f"{s['kills']:.0f}",
            f"{s['executions']:,.0f}",
            f"{s['distinct']:,.0f}",
            f"{s['reruns']:,.0f}",
            f"{s['mean']:.2f}",
            f"{s['max']:.0f}",
            f"{s['beyond']:.2f}",
            f"{s['drain']:,.0f}",
        )
        for label, s in (("old", old), ("new", new))
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print()
    print(
        f"kill bench, {date.today().isoformat()}: {args.kills} kills per run of {args.jobs:,} jobs of "
        f"{JOB_SLEEP * 1000:.0f} ms (lease {KILL_LEASE_SECONDS} s, batch {BATCH}), {args.rounds} round(s), "
        f"seed {args.seed}; drain {args.drain_jobs:,} jobs of 0 ms, 1 worker"
    )
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))))
    ratio = new["mean"] / old["mean"] if old["mean"] else float("nan")
    print(
        f"new/old: re-runs per kill {ratio:.2f}x, beyond the in-flight job "
        f"{new['beyond'] / old['beyond'] if old['beyond'] else float('nan'):.2f}x, "
        f"drain throughput {new['drain'] / old['drain']:.2f}x"
    )
    for label in ("old", "new"):
        runs = [r for r in results if r.tree == label]
        print(
            f"  {label} drain runs: "
            + ", ".join(f"{r.drain_rate:,.0f} jobs/s ({r.drain_wall:.2f}s wall)" for r in runs)
        )
    if old["unattributed"] or new["unattributed"]:
        print(f"  re-runs of the final drain's own executions: old {old['unattributed']}, new {new['unattributed']}")
    print(
        "  re-runs/kill: mean over kills of the re-runs charged to that kill; 'beyond in-flight' leaves out the job "
        "the killed worker was running (no acknowledgement scheme can save it)"
    )
    print(f"  load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=10, help="SIGKILLs per tree run (default 10)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds; odd rounds run old then new (default 2)")
    parser.add_argument("--old-tree", type=Path, default=Path("/tmp/base_6673"), help="previous version's tree")
    parser.add_argument("--new-tree", type=Path, default=ROOT, help="current tree (default: this checkout)")
    parser.add_argument("--jobs", type=int, default=2000, help="20 ms jobs of the kill phase (default 2000)")
    parser.add_argument("--drain-jobs", type=int, default=2000, help="0 ms jobs of the drain phase (default 2000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the kill times (default 1)")
    parser.add_argument("--db", default=os.environ.get("BENCH_DB", "queuegov_killbench"), help="database name")
    args = parser.parse_args()
    check_name(args.db)
    # A worker claims 50 jobs at a time and is killed at most 1.5 s (two batches) after its first job.
    if args.jobs < 2 * BATCH * args.kills + BATCH:
        parser.error(f"--jobs must be at least {2 * BATCH * args.kills + BATCH} for {args.kills} kills")
    if args.kills < 1 or args.rounds < 1 or args.drain_jobs < 2:
        parser.error("--kills and --rounds must be at least 1, --drain-jobs at least 2")
    trees = {"old": Tree("old", args.old_tree.resolve()), "new": Tree("new", args.new_tree.resolve())}
    for tree in trees.values():
        if not (tree.path / "manage.py").is_file():
            parser.error(f"{tree.path} has no manage.py")

    with tempfile.TemporaryDirectory(prefix="killbench-") as tmp_dir:
        tmp = Path(tmp_dir)
        (tmp / "killbench_handlers.py").write_text(HANDLERS)
        env = {
            **os.environ,
            "DATABASE_URL": app_url(args.db),
            "PYTHONPATH": os.pathsep.join(filter(None, [tmp_dir, os.environ.get("PYTHONPATH")])),
            # The old tree has no .env; both trees get the same throwaway key (only where none is set).
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(48),
        }
        env.pop("MIGRATION_DATABASE_URL", None)
        ctx = Context(args.db, tmp, env)
        results: list[RunResult] = []
        try:
            for rnd in range(args.rounds):
                order = ("old", "new") if rnd % 2 == 0 else ("new", "old")
                for label in order:
                    results.append(tree_run(ctx, trees[label], rnd, args))
        finally:
            ctx.kill_all()
            drop_database(args.db)
    report(results, args)


if __name__ == "__main__":
    main()
