"""The queue through PgBouncer (docs/operations.md, "Scaling out").

A PgBouncer the test starts itself (Debian's package; CI installs it) pools
the test database two ways: transaction pooling for Django and the job API
(prepared statements off: ``DB_PREPARE_THRESHOLD=``), session pooling for the
workers' LISTEN (``DATABASE_LISTEN_URL``). Enqueues through the transaction
pool, a worker drains every job exactly once through it, and a listening
worker wakes on the NOTIFY that reaches it through the session pool.
Skipped where PgBouncer is not installed, unless QUEUEGOV_PGBOUNCER_REQUIRED=1.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from queuegov.dbroles import role_name
from tests.helpers import sql_rows, sql_value

pytestmark = [pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
ENQUEUE = """
import django, sys
django.setup()
from jobs import db
from queuegov.actor import Actor, actor_context
with actor_context(Actor(name="test:pgbouncer", source="command")):
    for i in range(int(sys.argv[1])):
        assert db.enqueue("queuegov.noop", {"i": i})["status"] == "enqueued"
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def pgbouncer() -> Iterator[dict[str, str]]:
    binary = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None)
    if binary is None:
        if os.environ.get("QUEUEGOV_PGBOUNCER_REQUIRED") == "1":
            pytest.fail("PgBouncer is required (QUEUEGOV_PGBOUNCER_REQUIRED=1) but not installed")
        pytest.skip("PgBouncer is not installed (apt-get install pgbouncer)")
    s = connection.settings_dict
    host, port, db, app = s.get("HOST") or "127.0.0.1", s.get("PORT") or "5432", s["NAME"], role_name("app")
    if host.startswith("/"):
        pytest.skip("PgBouncer here reaches the server over TCP; the test database is on a socket")
    listen = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="qg-pgbouncer-"))
    (workdir / "users.txt").write_text(f'"{app}" ""\n')
    (workdir / "pgbouncer.ini").write_text(
        f"""[databases]
{db} = host={host} port={port} dbname={db} pool_mode=transaction
{db}_session = host={host} port={port} dbname={db} pool_mode=session

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen}
unix_socket_dir =
auth_type = trust
auth_file = {workdir}/users.txt
pool_mode = transaction
max_client_conn = 200
default_pool_size = 10
ignore_startup_parameters = extra_float_digits
logfile = {workdir}/pgbouncer.log
pidfile = {workdir}/pgbouncer.pid
"""
    )
    command = [binary, str(workdir / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        shutil.chown(workdir, "postgres")
        for f in workdir.iterdir():
            shutil.chown(f, "postgres")
        command[1:1] = ["-u", "postgres"]
    errors = (workdir / "stderr.txt").open("w")
    proc = subprocess.Popen(command, stdout=errors, stderr=subprocess.STDOUT)

    def said() -> str:
        return "\n".join(f.read_text() for f in (workdir / "stderr.txt", workdir / "pgbouncer.log") if f.exists())

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(host="127.0.0.1", port=listen, dbname=db, user=app, connect_timeout=2).close()
                break
            except psycopg.OperationalError:
                assert proc.poll() is None, said()
                assert time.monotonic() < deadline, said()
                time.sleep(0.1)
        yield {
            "DATABASE_URL": f"postgres://{app}@127.0.0.1:{listen}/{db}",
            "DATABASE_LISTEN_URL": f"postgres://{app}@127.0.0.1:{listen}/{db}_session",
            "DB_PREPARE_THRESHOLD": "",
        }
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        errors.close()
        shutil.rmtree(workdir, ignore_errors=True)


def environment(pooled: dict[str, str]) -> dict[str, str]:
    env = {**os.environ, **pooled, "PYTHONUNBUFFERED": "1"}
    env.pop("TEST_DATABASE_NAME", None)
    return env


def test_enqueue_and_drain_through_transaction_pooling_every_job_once(pgbouncer, open_gate) -> None:
    for gate in ("queue.job_substrate.enabled", "queue.worker.enabled"):
        open_gate(gate)
    env = environment(pgbouncer)
    enqueue = subprocess.run([sys.executable, "-c", ENQUEUE, "300"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert enqueue.returncode == 0, enqueue.stderr
    for _ in range(2):  # two workers, one after the other, share the pooled server connections
        drain = subprocess.run(
            [sys.executable, "manage.py", "queue_worker", "--once", "--no-listen", "--batch-size", "50"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert drain.returncode == 0, drain.stderr
    assert sql_rows("SELECT status, count(*), max(attempts) FROM job_queue GROUP BY status") == [("succeeded", 300, 1)]


def test_a_worker_listens_through_session_pooling_and_wakes_on_notify(pgbouncer, open_gate) -> None:
    for gate in ("queue.job_substrate.enabled", "queue.worker.enabled", "queue.notify.enabled"):
        open_gate(gate)
    env = environment(pgbouncer)
    # A poll interval far longer than the wait: only the NOTIFY can wake it in time.
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "queue_worker", "--interval", "120"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not sql_value(  # its LISTEN is held through PgBouncer's session pool
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN %%' AND datname = current_database()"
        ):
            assert worker.poll() is None, worker.stderr.read() if worker.stderr else "worker exited"
            assert time.monotonic() < deadline, "the worker never listened"
            time.sleep(0.1)
        enqueue = subprocess.run(
            [sys.executable, "-c", ENQUEUE, "1"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert enqueue.returncode == 0, enqueue.stderr
        deadline = time.monotonic() + 30
        while sql_value("SELECT count(*) FROM job_queue WHERE status = 'succeeded'") != 1:
            assert time.monotonic() < deadline, "the NOTIFY did not wake the worker"
            time.sleep(0.1)
    finally:
        worker.kill()  # its shutdown is tested elsewhere (tests/jobs/test_crash.py); here only its wake-up
        worker.communicate(timeout=60)
