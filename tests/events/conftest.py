"""Fixtures of the event-substrate tests.

``ev`` calls the event SQL API through Django's connection (the test
transaction, or autocommit in ``transaction=True`` tests). The route worker
drains only events whose emitting transaction is older than every running
transaction (``tx_id < fn_event_horizon()``), so routing tests commit
(``transaction=True``) and tick until the expected state appears: any
transaction of the test database holds the horizon back for as long as it runs
(other databases' do not).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit, urlunsplit

import pytest
from django.db import transaction

from queuegov.dbroles import role_name
from tests.database import as_owner
from tests.helpers import (
    as_json,
    governed_set,
    preserved_actor,
    sql_exec,
    sql_rows,
    sql_value,
    subprocess_database_url,
    use_actor,
)

BASE_DIR = Path(__file__).resolve().parents[2]
ROUTING_GATES = ("event.emit_enabled", "event.routes_master.enabled", "event.route_worker.enabled")
ROUTE_ADMIN = "test:route-admin"

# A call_function target: records each event it is given; raises for subjects listed in test_route_refuse.
SINK_DDL = """
CREATE TABLE IF NOT EXISTS test_route_sink (n bigint GENERATED ALWAYS AS IDENTITY, event_id bigint, subject text);
CREATE TABLE IF NOT EXISTS test_route_refuse (subject text PRIMARY KEY);
CREATE OR REPLACE FUNCTION fn_test_route_sink(e jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM test_route_refuse WHERE subject = e ->> 'event_subject_ref') THEN
        RAISE EXCEPTION 'sink refuses event %', e ->> 'id';
    END IF;
    PERFORM pg_sleep(coalesce(current_setting('test.sink_sleep', true), '')::float8)
     WHERE coalesce(current_setting('test.sink_sleep', true), '') <> '';
    INSERT INTO test_route_sink (event_id, subject) VALUES ((e ->> 'id')::bigint, e ->> 'event_subject_ref');
    RETURN jsonb_build_object('sunk', (e ->> 'id')::bigint);
END;
$$;
"""
# The route worker runs as the owner, so the sink writes its tables as their owner; a route may call
# only what the app role may EXECUTE, and the test reads what the sink recorded as the app role.
SINK_GRANTS = """
GRANT EXECUTE ON FUNCTION fn_test_route_sink(jsonb) TO {app};
GRANT SELECT ON test_route_sink, test_route_refuse TO {app};
"""
SINK_DROP = (
    "DROP FUNCTION IF EXISTS fn_test_route_sink(jsonb); DROP TABLE IF EXISTS test_route_sink, test_route_refuse;"
)


def owner_exec(sql: str, params: list[Any] | tuple[Any, ...] | None = None) -> None:
    """Run a statement as the owner role: test setup no SQL API call reaches."""
    with as_owner():
        sql_exec(sql, params)


def owner_value(sql: str, params: list[Any] | tuple[Any, ...] | None = None) -> Any:
    """``sql_value`` as the owner role."""
    with as_owner():
        return sql_value(sql, params)


@contextmanager
def as_login() -> Iterator[None]:
    """Run the block as the tester login itself (``SET ROLE NONE``), then return to the app role.

    For watching ``pg_stat_activity``: a non-superuser sees the query, state and
    xid only of sessions whose login it has the privileges of, and the
    subprocesses a test starts log in as the tester login too. The login itself
    holds no privilege on the schema (NOINHERIT): this reads, it never writes.
    """
    with transaction.atomic():
        sql_exec("SET ROLE NONE")
        yield
        sql_exec("RESET ROLE")


def activity_value(sql: str, params: list[Any] | tuple[Any, ...] | None = None) -> Any:
    """``sql_value`` on ``pg_stat_activity``, seen as the tester login (``as_login``)."""
    with as_login():
        return sql_value(sql, params)


def app_role() -> str:
    return role_name("app")


def call(sql: str, *params: Any) -> Any:
    return as_json(sql_value(sql, list(params)))


class EventApi:
    """Thin calls of the event SQL API; each returns the function's answer."""

    @staticmethod
    def emit(event_type: str, subject_table: str | None = None, subject_ref: str | None = None, **named: Any) -> Any:
        named = {"payload": json.dumps(named.pop("payload", {})), **named}
        extra = "".join(f", p_{k} => %s{'::jsonb' if k == 'payload' else ''}" for k in named)
        return call(f"SELECT fn_event_emit(%s, %s, %s{extra})", event_type, subject_table, subject_ref, *named.values())

    @staticmethod
    def capture(event_type: str, subject_table: str | None = None, subject_ref: str | None = None, **named: Any) -> int:
        named = {"payload": json.dumps(named.pop("payload", {})), **named}
        extra = "".join(f", p_{k} => %s{'::jsonb' if k == 'payload' else ''}" for k in named)
        return call(
            f"SELECT fn_event_capture(%s, %s, %s{extra})", event_type, subject_table, subject_ref, *named.values()
        )

    @staticmethod
    def process(now_offset: float | None = None, batch: int = 1000) -> Any:
        """fn_event_pending_process with p_now = now() + now_offset seconds (or its default)."""
        if now_offset is None:
            return call("SELECT fn_event_pending_process(%s)", batch)
        return call(
            "SELECT fn_event_pending_process(%s, clock_timestamp() + make_interval(secs => %s))", batch, now_offset
        )

    @staticmethod
    def deliver(batch: int = 1000) -> Any:
        return call("SELECT fn_event_deliver(%s)", batch)

    @staticmethod
    def run(worker: str = "job_default", batch: int = 100) -> Any:
        return call("SELECT fn_iu_route_worker_run(%s, %s)", worker, batch)

    @staticmethod
    def route(name: str, event_type: str, action_kind: str, target: str, *, live: bool = True, **kw: Any) -> int:
        """Create a route (born disabled, dry-run) as ROUTE_ADMIN, enable it in dry-run, then open its gate if live."""
        with preserved_actor():
            use_actor(ROUTE_ADMIN)
            created = call(
                "SELECT fn_iu_outbound_route_create(%s, %s, %s, %s, %s, p_retry_policy => %s,"
                " p_ordered_per_subject => %s)",
                name,
                event_type,
                action_kind,
                target,
                kw.get("target_queue"),
                kw.get("retry_policy"),
                kw.get("ordered_per_subject", False),
            )
            route_id = created["route_id"]
            call("SELECT fn_iu_outbound_route_set(%s, true, true, 'test route')", route_id)
        if live:  # going live is four-eyes: its gate opens by request and approval
            governed_set(created["gate"], True)
        return route_id

    @staticmethod
    def cursor(worker: str = "job_default", domain: str = "job") -> dict[str, Any]:
        return call(
            "SELECT to_jsonb(c) FROM iu_route_worker_cursor c WHERE worker_name = %s AND event_domain = %s",
            worker,
            domain,
        )

    @staticmethod
    def deliveries(route_id: int) -> dict[int, tuple[str, int]]:
        rows = sql_rows("SELECT event_id, status, attempts FROM iu_route_delivery WHERE route_id = %s", [route_id])
        return {event_id: (status, attempts) for event_id, status, attempts in rows}

    def tick_until(
        self, done: Callable[[], bool], worker: str = "job_default", timeout: float = 60, batch: int = 100
    ) -> list[Any]:
        """Tick until ``done()``; the answers. Ticks again while another transaction holds the horizon."""
        answers = []
        deadline = time.monotonic() + timeout
        while True:
            answers.append(self.run(worker, batch))
            if done():
                return answers
            assert time.monotonic() < deadline, f"not done after {timeout}s: {answers[-2:]}; {horizon_holders()}"
            time.sleep(0.05)


def horizon_holders() -> str:
    """The test database's running transactions that hold the route worker's horizon back.

    Seen as the tester login: other logins' sessions show no xid, so they are only counted.
    """
    with as_login():
        rows = sql_rows(
            "SELECT datname, backend_xid::text, round(extract(epoch FROM now() - xact_start))::int"
            " FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
            " AND datname = current_database() ORDER BY xact_start"
        )
        hidden = sql_value(
            "SELECT count(*) FROM pg_stat_activity WHERE query = '<insufficient privilege>' AND usename IS NOT NULL"
        )
    held = ", ".join(f"{d}:xid {x} for {a}s" for d, x, a in rows) or "nobody visible now"
    return f"horizon held by {held} ({hidden} sessions of other logins not visible to it)"


def wait_horizon_past(timeout: float = 60) -> None:
    """Wait until every committed event is below the snapshot horizon (routable by a new tick)."""
    deadline = time.monotonic() + timeout
    while not sql_value("SELECT coalesce(max(tx_id) < fn_event_horizon(), true) FROM event_outbox"):
        assert time.monotonic() < deadline, horizon_holders()
        time.sleep(0.05)


@pytest.fixture(autouse=True)
def no_leftover_captures(request: pytest.FixtureRequest) -> None:
    """Start without captures in event_pending.

    The shared cleanup of ``transaction=True`` tests puts gates back through the
    governed path after truncating, which leaves committed
    governance.gate_change_* captures behind for the next test.
    """
    if request.node.get_closest_marker("django_db"):
        owner_exec("DELETE FROM event_pending")


@pytest.fixture
def ev() -> EventApi:
    return EventApi()


def forget_gate_change_captures() -> None:
    """Opening a gate captures governance.gate_change_requested/_changed: not the test's own facts."""
    owner_exec("DELETE FROM event_pending WHERE event_type LIKE 'governance.gate\\_change%%'")


@pytest.fixture
def emit_on(open_gate: Callable[[str], Any]) -> None:
    open_gate("event.emit_enabled")
    forget_gate_change_captures()


@pytest.fixture
def routing_on(open_gate: Callable[[str], Any]) -> None:
    for gate in ROUTING_GATES:
        open_gate(gate)
    forget_gate_change_captures()


@pytest.fixture
def sink() -> Iterator[str]:
    """fn_test_route_sink and its tables (dropped after the test, also when committed)."""
    with as_owner():
        sql_exec(SINK_DDL)
        sql_exec(SINK_GRANTS.format(app=f'"{app_role()}"'))
    register_route_target("fn_test_route_sink")
    yield "fn_test_route_sink"
    owner_exec(SINK_DROP)


def register_route_target(function: str) -> None:
    """Let routes call ``function`` (an admin's act: fn_iu_route_target_register)."""
    with preserved_actor(), transaction.atomic():
        use_actor(ROUTE_ADMIN)
        call("SELECT fn_iu_route_target_register(%s, 'test target')", function)


def make_dead_letter(event_id: int, route_id: int, triage_status: str = "open") -> int:
    """A routing dead letter as the worker writes it (for tests that cannot wait for a committed route run)."""
    return owner_value(
        "INSERT INTO iu_route_dead_letter (event_id, event_created_at, event_type, route_id, worker_name, attempts,"
        " last_error, event_snapshot, triage_status) SELECT id, created_at, event_type, %s, 'job_default', 1, 'boom',"
        " to_jsonb(e) - 'tx_id', %s FROM event_outbox e WHERE id = %s RETURNING id",
        [route_id, triage_status, event_id],
    )


def sunk() -> list[tuple[int, str]]:
    return sql_rows("SELECT event_id, subject FROM test_route_sink ORDER BY n")


database_url = subprocess_database_url


def database_url_with(**settings: str) -> str:
    """``database_url()`` with server settings added to its ``options`` (``-c role=…`` stays).

    A DATABASE_URL that carries ``options`` overrides PGOPTIONS, so a subprocess
    that needs a setting gets it here.
    """
    parts = urlsplit(database_url())
    query = parse_qs(parts.query)
    options = [*query.get("options", []), *(f"-c {key}={value}" for key, value in settings.items())]
    query["options"] = [" ".join(options)]
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True, quote_via=quote)))


@pytest.fixture
def spawn_command() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """``spawn_command("route_worker_tick", *args)``: a real ``manage.py`` process on the test database.

    Every process still alive after the test is killed by its own pid.
    """
    env = {**os.environ, "DATABASE_URL": database_url(), "PYTHONUNBUFFERED": "1"}
    env.pop("TEST_DATABASE_NAME", None)
    started: list[subprocess.Popen[str]] = []

    def start(command: str, *args: str, extra_env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "manage.py", command, *args],
            cwd=BASE_DIR,
            env={**env, **(extra_env or {})},
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
    """Wait for a ``--json`` command; its last JSON line, with ``returncode`` and ``stderr``."""
    out, err = proc.communicate(timeout=timeout)
    lines = [line for line in out.splitlines() if line.startswith("{")]
    summary = json.loads(lines[-1]) if lines else {}
    return {**summary, "returncode": proc.returncode, "stdout": out, "stderr": err}
