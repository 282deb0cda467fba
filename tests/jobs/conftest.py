"""Fixtures of the job-substrate tests.

``q`` calls the SQL API through Django's connection (the test transaction,
or autocommit in ``transaction=True`` tests); ``pg_connect`` opens further
plain psycopg connections for concurrency tests; ``spawn_worker`` runs real
``manage.py queue_worker`` processes against the *test* database.

Worker subprocesses get the test database through ``DATABASE_URL``. For the
embedded server HOST is a socket directory: django-environ keeps a
percent-encoded host literally (libpq then fails to resolve
``%2Fwork%2F…``), but ``postgres://USER@:PORT/NAME?host=<dir>`` works: the
query parameter lands in ``OPTIONS["host"]``, which Django passes to psycopg
(only ``dbshell`` ignores it).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from psycopg import sql as pgsql

from queuegov import dbroles
from tests.database import admin_connect, as_owner
from tests.helpers import (
    as_json,
    db_error,
    preserved_actor,
    sql_exec,
    sql_value,
    subprocess_database_url,
    use_actor,
)
from tests.jobs.handlers import RUNS_DDL, RUNS_SCHEMA, RUNS_TABLE

BASE_DIR = Path(__file__).resolve().parents[2]
JOB_GATES = ("queue.job_substrate.enabled", "queue.worker.enabled")
# Casts for fn_job_enqueue's named parameters (Django binds on the client side).
_ENQUEUE_CASTS = {"payload": "::jsonb", "run_at": "::timestamptz", "priority": "::integer", "max_attempts": "::integer"}


class SqlApi:
    """Thin calls of the job SQL API; each returns the function's jsonb answer."""

    @staticmethod
    def call(sql: str, *params: Any) -> Any:
        return as_json(sql_value(sql, list(params)))

    def enqueue(self, job_kind: str = "test.job", payload: dict[str, Any] | None = None, **named: Any) -> Any:
        """``fn_job_enqueue`` with only the named parameters given (``queue_name=…``, ``priority=…``)."""
        args = {"job_kind": job_kind, "payload": json.dumps(payload or {}), **named}
        sql = ", ".join(f"p_{name} => %s{_ENQUEUE_CASTS.get(name, '')}" for name in args)
        return self.call(f"SELECT fn_job_enqueue({sql})", *args.values())

    def enqueue_many(self, jobs: list[dict[str, Any]]) -> Any:
        return self.call("SELECT fn_job_enqueue_many(%s::jsonb)", json.dumps(jobs))

    def claim(
        self,
        worker: str = "w1",
        batch: int = 10,
        lease: int = 60,
        queues: list[str] | None = None,
        executor_class: str = "pg_worker",
    ) -> Any:
        return self.call(
            "SELECT fn_job_claim(%s, %s::text[], %s, %s, %s)", worker, queues, batch, lease, executor_class
        )

    def claim_ids(self, worker: str = "w1", batch: int = 10, **kw: Any) -> list[int]:
        return [j["id"] for j in self.claim(worker, batch, **kw)["jobs"]]

    def start(self, job_id: int, worker: str = "w1", lease: int = 60) -> int:
        """Put one job in the state a claim leaves it in (without claiming others); returns the attempt.

        No API call claims one chosen job, so this is written as the owner (the trust root).
        """
        with as_owner():
            return sql_value(
                "UPDATE job_queue SET status = 'running', attempts = attempts + 1, lease_owner = %s,"
                " lease_until = now() + make_interval(secs => %s), started_at = now() WHERE id = %s"
                " RETURNING attempts",
                [worker, lease, job_id],
            )

    def dead_letter(self, job_kind: str = "test.job", payload: dict[str, Any] | None = None, **named: Any) -> int:
        """A job that failed its only attempt; returns its dead letter id."""
        job_id = self.enqueue(job_kind, payload, max_attempts=1, **named)["job_id"]
        attempt = self.start(job_id, "w-dead")
        answer = self.call("SELECT fn_job_fail_or_retry(%s, 'w-dead', 'boom', %s)", job_id, attempt)
        assert answer["status"] == "dead", answer
        return answer["dead_letter_id"]

    def job(self, job_id: int) -> dict[str, Any]:
        return self.call("SELECT to_jsonb(j) FROM job_queue j WHERE id = %s", job_id)

    def history(self, job_id: int) -> list[dict[str, Any]]:
        """The job's attempts (fn_job_attempt_history), oldest first."""
        return self.call("SELECT fn_job_attempt_history(%s)", job_id)

    def status(self, job_id: int) -> str:
        return sql_value("SELECT status FROM job_queue WHERE id = %s", [job_id])

    def count(self, where: str = "true", *params: Any) -> int:
        return sql_value(f"SELECT count(*) FROM job_queue WHERE {where}", list(params))


@pytest.fixture
def q() -> SqlApi:
    return SqlApi()


def owner_exec(statement: str, params: list[Any] | tuple[Any, ...] | None = None) -> None:
    """Run a direct write as the owner role: setup no SQL API call reaches (the app may not write tables)."""
    with as_owner():
        sql_exec(statement, params)


def assert_app_denied(statement: str, params: list[Any] | tuple[Any, ...] | None = None) -> None:
    """The app role itself may not write the engine's tables: permission denied (42501)."""
    with db_error(sqlstate="42501", match=r"^permission denied for table "):
        sql_exec(statement, params)


@pytest.fixture
def jobs_on(open_gate: Callable[[str], Any]) -> None:
    """Open enqueueing and claiming (both gates are OFF on a fresh install)."""
    for gate in JOB_GATES:
        open_gate(gate)


REGISTRAR = "test:consumer-registrar"


@pytest.fixture
def consumer() -> Callable[..., str]:
    """``consumer(kind, executor_class=…, queue_name=…, retry_policy=…, handler_ref=…)``: a registry row.

    Registered the governed way (fn_consumer_register, audited) as ``test:consumer-registrar``;
    the caller's actor context is left as it was. Calling it again for a kind re-binds it.
    """

    def make(
        job_kind: str,
        *,
        executor_class: str = "pg_worker",
        queue_name: str = "default",
        retry_policy: str = "default",
        handler_ref: str | None = None,
    ) -> str:
        with preserved_actor():
            use_actor(REGISTRAR)
            answer = as_json(
                sql_value(
                    "SELECT fn_consumer_register(%s, %s, %s, %s, %s, 'test consumer')",
                    [job_kind, executor_class, queue_name, retry_policy, handler_ref],
                )
            )
        assert answer["status"] in ("registered", "updated"), answer
        return job_kind

    return make


@pytest.fixture
def executor_class() -> Callable[..., str]:
    """``executor_class(code, max_concurrency)``: a registry row (no SQL API writes it: the owner does)."""

    def make(code: str, max_concurrency: int | None) -> str:
        owner_exec(
            "INSERT INTO executor_class_registry (code, name, executor_kind, max_concurrency)"
            " VALUES (%s, %s, 'external_worker', %s)",
            [code, f"test class {code}", max_concurrency],
        )
        return code

    return make


@pytest.fixture
def retry_policy() -> Callable[..., str]:
    """``retry_policy(code, max_attempts, backoff, base, max_delay)``: a registry row (written by the owner)."""

    def make(code: str, max_attempts: int, backoff: str, base: float, max_delay: float) -> str:
        owner_exec(
            "INSERT INTO retry_policy_registry (code, max_attempts, backoff, base_delay_seconds, max_delay_seconds)"
            " VALUES (%s, %s, %s, %s, %s)",
            [code, max_attempts, backoff, base, max_delay],
        )
        return code

    return make


worker_database_url = subprocess_database_url


@pytest.fixture
def spawn_worker() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """``spawn_worker(*args)``: start ``manage.py queue_worker *args`` on the test database.

    Every process still alive after the test is killed (by its own pid).
    """
    env = {**os.environ, "DATABASE_URL": worker_database_url(), "PYTHONUNBUFFERED": "1"}
    env.pop("TEST_DATABASE_NAME", None)
    started: list[subprocess.Popen[str]] = []

    def start(*args: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "queue_worker", *args],
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
            os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)


def finish(proc: subprocess.Popen[str], timeout: float = 60) -> dict[str, Any]:
    """Wait for a ``--json`` worker; its summary line, with ``returncode`` and ``stderr``."""
    out, err = proc.communicate(timeout=timeout)
    lines = [line for line in out.splitlines() if line.startswith("{")]
    summary = json.loads(lines[-1]) if lines else {}
    return {**summary, "returncode": proc.returncode, "stderr": err}


@pytest.fixture(scope="session")
def runs_schema(django_db_setup: None) -> Iterator[str]:
    """The schema of the handlers' execution log, outside ``public`` (the production schema).

    The app role may not create tables, so the migration login creates the schema
    and the table as the owner role and lets the app role (the suite and its
    worker subprocesses) read and append; dropped at the end of the session.
    """
    owner = pgsql.Identifier(dbroles.role_name("owner"))
    app = pgsql.Identifier(dbroles.role_name("app"))
    schema = pgsql.Identifier(RUNS_SCHEMA)
    with admin_connect() as conn:
        conn.execute(pgsql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(schema))
        conn.execute(pgsql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(schema, owner))
        conn.execute(pgsql.SQL("SET ROLE {}").format(owner))
        conn.execute(RUNS_DDL)
        conn.execute(pgsql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, app))
        conn.execute(pgsql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(pgsql.SQL(RUNS_TABLE), app))
    yield RUNS_SCHEMA
    with admin_connect() as conn:
        conn.execute(pgsql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(schema))


@pytest.fixture
def runs_table(runs_schema: str) -> Iterator[str]:
    """The handlers' execution log (committed; emptied before and after the test)."""
    with admin_connect() as conn:
        conn.execute(f"TRUNCATE {RUNS_TABLE}")
    yield RUNS_TABLE
    with admin_connect() as conn:
        conn.execute(f"TRUNCATE {RUNS_TABLE}")
