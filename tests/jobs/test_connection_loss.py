"""Long-running processes outlive their database connections (docs/workers.md).

Every backend of the job workers (busy and idle), their lease keepers, a
route worker and a scheduler loop (``schedule_tick --every``) is terminated
with pg_terminate_backend, again and again, while a drain runs. Each process
must keep running, every job must succeed, no attempt may run twice and no
success may be recorded as a failure.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from queuegov.settings import BASE_DIR
from tests.database import admin_connect, subprocess_database_url
from tests.helpers import sql_value

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("jobs_on")]

HANDLERS = "tests.jobs.handlers."
APP_NAME = "qg-fault-test"


@pytest.fixture
def spawn() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """``spawn(command, *args)``: ``manage.py command *args`` whose connections carry APP_NAME."""
    env = {**os.environ, "DATABASE_URL": subprocess_database_url(), "PYTHONUNBUFFERED": "1", "PGAPPNAME": APP_NAME}
    env.pop("TEST_DATABASE_NAME", None)
    started: list[subprocess.Popen[str]] = []

    def start(*args: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def terminate_backends() -> int:
    """pg_terminate_backend on every connection of the spawned processes; how many."""
    with admin_connect() as conn:
        return conn.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = %s AND datname = current_database()",
            [APP_NAME],
        ).fetchone()[0]


def backends() -> int:
    with admin_connect() as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND datname = current_database()",
            [APP_NAME],
        ).fetchone()[0]


def wait_until(condition: Callable[[], bool], procs: list[subprocess.Popen[str]], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        for proc in procs:
            if proc.poll() is not None:
                _, err = proc.communicate()
                pytest.fail(f"{proc.args[2]} exited ({proc.returncode}): {err[-3000:]}")
        if time.monotonic() > deadline:
            pytest.fail("timed out")
        time.sleep(0.05)


def stop(proc: subprocess.Popen[str]) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


def executions(log: Path) -> Counter[tuple[int, int]]:
    lines = log.read_text().splitlines() if log.exists() else []
    return Counter((int(job), int(attempt)) for job, attempt, _ in (line.split(" ", 2) for line in lines))


def test_workers_survive_terminated_backends_mid_drain(q, consumer, spawn, tmp_path: Path) -> None:
    consumer("test.resilient", handler_ref=HANDLERS + "record_to_file")
    log = tmp_path / "runs.log"
    total = 400
    job = {"job_kind": "test.resilient", "payload": {"log": str(log), "sleep": 0.03}}
    ids = q.enqueue_many([job] * total)["job_ids"]
    assert len(ids) == total
    busy = [
        spawn("queue_worker", "--batch-size", "10", "--lease-seconds", "10", "--worker-id", "busy-inline", "--json"),
        spawn("queue_worker", "--concurrency", "2", "--lease-seconds", "10", "--worker-id", "busy-pool", "--json"),
    ]
    idle = spawn("queue_worker", "--queues", "maintenance", "--lease-seconds", "10", "--worker-id", "idle", "--json")
    router = spawn("route_worker_tick", "--listen", "--interval", "1")
    scheduler = spawn("schedule_tick", "--every", "0.3")
    procs = [*busy, idle, router, scheduler]
    wait_until(lambda: len(executions(log)) > 0 and backends() >= 7, procs)

    kills = rounds = 0
    done = "SELECT count(*) FROM job_queue WHERE job_kind = 'test.resilient' AND status = 'succeeded'"
    deadline = time.monotonic() + 180
    while sql_value(done) < total:
        assert time.monotonic() < deadline, f"drain stalled at {sql_value(done)}/{total}"
        for proc in procs:
            assert proc.poll() is None, f"{proc.args[2]} exited: {proc.communicate()[1][-3000:]}"
        kills += terminate_backends()
        rounds += 1
        time.sleep(0.3)  # the pace of the fault injection, not a wait for a result
    assert rounds >= 5 and kills >= 10, (rounds, kills)

    # The idle worker, the router and the scheduler came back too: the idle one picks up new work.
    wait_until(lambda: backends() >= 5, procs)
    late = q.enqueue("test.resilient", {"log": str(log)}, queue_name="maintenance")["job_id"]
    wait_until(lambda: q.status(late) == "succeeded", procs, timeout=60)

    runs = executions(log)
    assert all(n == 1 for n in runs.values()), [k for k, n in runs.items() if n > 1]
    assert sql_value("SELECT count(*) FROM job_queue WHERE status <> 'succeeded'") == 0
    assert sql_value("SELECT count(*) FROM job_attempt WHERE outcome = 'failed'") == 0
    assert sql_value("SELECT count(*) FROM job_dead_letter") == 0
    for job_id in [*ids, late]:
        attempt = q.job(job_id)["attempts"]
        assert runs[(job_id, attempt)] == 1, (job_id, attempt)

    outcomes: dict[str, Any] = {}
    for proc in procs:
        code, err = stop(proc)
        outcomes[proc.args[2]] = (code, err)
        assert code == 0, err[-3000:]
        assert "Traceback" not in err, err[-3000:]
    # One line per outage, not one per try.
    for name, (_, err) in outcomes.items():
        lost = err.count("database connection lost")
        assert lost <= 3 * rounds, (name, lost, rounds)
    assert any("database connection lost" in err for _, err in outcomes.values())


# ---------------------------------------------------------------------------
# A real restart of a private PostgreSQL (fast, then immediate) under the workers
# ---------------------------------------------------------------------------
@pytest.fixture
def private_server(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A PostgreSQL of this test's own (pgserver, in ``tmp_path``), migrated; never the shared server."""
    from queuegov import embedded_db

    embedded_db._ensure_runtime_dir()
    import pgserver
    from pgserver import _commands

    pgdata = tmp_path / "pg"
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    env = {**os.environ, "QUEUEGOV_PGDATA": str(pgdata), "PYTHONUNBUFFERED": "1"}
    for name in ("DATABASE_URL", "MIGRATION_DATABASE_URL", "TEST_DATABASE_NAME", "DATABASE_ROLE"):
        env.pop(name, None)
    migrated = subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    info = server.get_postmaster_info()

    def connect() -> Any:
        import psycopg

        return psycopg.connect(
            host=str(info.socket_dir), port=info.port or 5432, user="postgres", dbname="postgres", autocommit=True
        )

    def restart(mode: str) -> None:
        _commands.pg_ctl(["-w", "-m", mode, "restart"], pgdata=pgdata, user=server.system_user, timeout=60)

    yield {"env": env, "connect": connect, "restart": restart}
    server.cleanup()


def test_workers_survive_restarts_of_a_private_server(private_server: dict[str, Any], tmp_path: Path) -> None:
    connect, env = private_server["connect"], private_server["env"]
    log = tmp_path / "runs.log"
    total = 300
    with connect() as conn:
        # Set-up the API does not offer (gates are four-eyes, registries are the owner's): as the superuser.
        conn.execute("SET session_replication_role = replica")
        conn.execute(
            "UPDATE dot_config SET value = 'true' WHERE key IN ('queue.job_substrate.enabled', 'queue.worker.enabled')"
        )
        conn.execute(
            "INSERT INTO consumer_registry (job_kind, executor_class, queue_name, retry_policy, handler_ref,"
            " description) VALUES ('test.resilient', 'pg_worker', 'default', 'default', %s, 'restart test')",
            [HANDLERS + "record_to_file"],
        )
        conn.execute("RESET session_replication_role")
        jobs = [{"job_kind": "test.resilient", "payload": {"log": str(log), "sleep": 0.02}}] * total
        conn.execute("SELECT fn_job_enqueue_many(%s::jsonb)", [json.dumps(jobs)])

    def count(sql: str) -> int:
        with connect() as conn:
            return conn.execute(sql).fetchone()[0]

    def start(*args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "manage.py", "queue_worker", *args],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    procs = [
        start("--batch-size", "10", "--lease-seconds", "20", "--worker-id", "inline", "--json"),
        start("--concurrency", "2", "--lease-seconds", "20", "--worker-id", "pool", "--json"),
    ]
    try:
        done = "SELECT count(*) FROM job_queue WHERE status = 'succeeded'"
        for mode, after in (("fast", total // 4), ("immediate", total // 2)):
            wait_until(lambda after=after: sum(executions(log).values()) >= after, procs)
            private_server["restart"](mode)
        wait_until(lambda: count(done) == total, procs, timeout=180)
        for proc in procs:
            assert proc.poll() is None
        results = [stop(proc) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()

    runs = executions(log)
    assert all(n == 1 for n in runs.values()), [k for k, n in runs.items() if n > 1]
    assert count("SELECT count(*) FROM job_attempt WHERE outcome = 'failed'") == 0
    assert count("SELECT count(*) FROM job_dead_letter") == 0
    with connect() as conn:
        finals = conn.execute("SELECT id, attempts FROM job_queue").fetchall()
    assert all(runs[(job_id, attempt)] == 1 for job_id, attempt in finals)
    for code, err in results:
        assert code == 0, err[-3000:]
        assert "Traceback" not in err, err[-3000:]
        assert "database connection lost" in err
