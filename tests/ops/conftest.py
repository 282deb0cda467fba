"""Fixtures of the operations tests: health, dashboard, /metrics, samples, retention.

``ops`` seeds substrate state through the SQL API on Django's connection: the
test transaction, or autocommit in ``transaction=True`` tests. The suite runs
as the app role, which writes engine tables only through the SQL API; where no
function writes a row (routing dead letters, route attempts, old partitions) or
a test moves a timestamp, the write runs as the owner role (``owner_exec``,
``tests.database.as_owner``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from tests.database import as_owner
from tests.helpers import as_json, preserved_actor, sql_exec, sql_value, use_actor
from tests.queuegov.conftest import make_user, role_users, roles  # noqa: F401  (fixtures)

OPS_ACTOR = "test:ops"
JOB_GATES = ("queue.job_substrate.enabled", "queue.worker.enabled", "queue.heartbeat.enabled")


def call(sql: str, *params: Any) -> Any:
    return as_json(sql_value(sql, list(params)))


def owner_exec(sql: str, params: list[Any] | tuple[Any, ...] | None = None) -> None:
    """Run a statement as the owner role: test setup no SQL API call reaches."""
    with as_owner():
        sql_exec(sql, params)


def owner_value(sql: str, params: list[Any] | tuple[Any, ...] | None = None) -> Any:
    """``sql_value`` as the owner role."""
    with as_owner():
        return sql_value(sql, params)


class OpsApi:
    """Seeding and reading helpers over the SQL API."""

    call = staticmethod(call)

    @staticmethod
    def enqueue(
        job_kind: str = "test.ops", queue: str = "default", *, run_at_offset: float | None = None, **named: Any
    ) -> int:
        """fn_job_enqueue; ``run_at_offset`` seconds from now() (negative: due in the past)."""
        run_at = None if run_at_offset is None else f"{run_at_offset} seconds"
        answer = call(
            "SELECT fn_job_enqueue(p_job_kind => %s, p_queue_name => %s,"
            " p_run_at => now() + %s::interval, p_max_attempts => %s::integer)",
            job_kind,
            queue,
            run_at or "0 seconds",
            named.get("max_attempts"),
        )
        assert answer["status"] == "enqueued", answer
        return answer["job_id"]

    @staticmethod
    def claim(worker: str = "ops-w1", queues: list[str] | None = None, batch: int = 10) -> list[dict[str, Any]]:
        answer = call("SELECT fn_job_claim(%s, %s::text[], %s, 60, 'pg_worker')", worker, queues, batch)
        assert answer["status"] in ("claimed", "empty"), answer
        return answer["jobs"]

    @staticmethod
    def ack(job: dict[str, Any], worker: str = "ops-w1") -> dict[str, Any]:
        return call("SELECT fn_job_ack(%s, %s, '{}'::jsonb, %s)", job["id"], worker, job["attempt"])

    def succeed(self, n: int, queue: str = "default", worker: str = "ops-w1") -> list[int]:
        """Enqueue ``n`` jobs in ``queue``, claim and ack them."""
        ids = [self.enqueue(queue=queue) for _ in range(n)]
        jobs = [j for j in self.claim(worker, [queue], batch=max(n, 1)) if j["id"] in ids]
        assert len(jobs) == n
        for job in jobs:
            assert self.ack(job, worker)["status"] == "succeeded"
        return ids

    def dead_letter(self, queue: str = "default", worker: str = "ops-dead") -> int:
        """A job that failed its only attempt; its dead letter id."""
        job_id = self.enqueue("test.ops.dies", queue, max_attempts=1)
        job = next(j for j in self.claim(worker, [queue], batch=100) if j["id"] == job_id)
        answer = call("SELECT fn_job_fail_or_retry(%s, %s, 'boom', %s)", job_id, worker, job["attempt"])
        assert answer["status"] == "dead", answer
        return answer["dead_letter_id"]

    @staticmethod
    def route(name: str = "ops-route") -> int:
        """An outbound route (born disabled, dry-run), created as OPS_ACTOR."""
        with preserved_actor():
            use_actor(OPS_ACTOR)
            answer = call("SELECT fn_iu_outbound_route_create(%s, 'job.*', 'notify', 'ops_channel', NULL)", name)
        return answer["route_id"]

    @staticmethod
    def route_dead_letter(route_id: int, event_id: int, *, triage: str = "open", dead_at: str = "now()") -> int:
        """A routing dead letter row (the route worker writes these; fixtures insert them as the owner)."""
        return owner_value(
            "INSERT INTO iu_route_dead_letter (event_id, event_created_at, event_type, route_id, worker_name,"
            " attempts, last_error, event_snapshot, dead_at, triage_status, replayed_at, replayed_by)"
            f" VALUES (%s, now(), 'job.dead_lettered', %s, 'job_default', 5, 'boom', '{{}}', {dead_at}, %s,"
            " CASE WHEN %s = 'replayed' THEN now() END, CASE WHEN %s = 'replayed' THEN 'test' END) RETURNING id",
            [event_id, route_id, triage, triage, triage],
        )

    @staticmethod
    def beat(executor: str, kind: str = "PG_worker", executor_class: str = "pg_worker") -> dict[str, Any]:
        """An executor's heartbeat; its meta names the class it serves (docs/executors.md)."""
        return call(
            "SELECT fn_queue_heartbeat_tick(%s, %s, %s::jsonb)", executor, kind, json.dumps({"class": executor_class})
        )

    @staticmethod
    def stale_check(seconds_ahead: float) -> dict[str, Any]:
        return call("SELECT fn_queue_stale_check(now() + make_interval(secs => %s))", seconds_ahead)

    @staticmethod
    def capture(event_type: str = "job.replayed", ref: str = "1") -> int:
        return sql_value("SELECT fn_event_capture(%s, 'job_queue', %s)", [event_type, ref])

    @staticmethod
    def emit(event_type: str = "job.replayed", ref: str | None = None) -> int:
        answer = call("SELECT fn_event_emit(%s, %s, %s)", event_type, "job_queue" if ref is not None else None, ref)
        assert answer["status"] == "emitted", answer
        return answer["event_id"]

    @staticmethod
    def pause(queue: str) -> dict[str, Any]:
        with preserved_actor():
            use_actor(OPS_ACTOR)
            return call("SELECT fn_queue_pause(%s, 'ops test pause')", queue)

    @staticmethod
    def settle_pending() -> None:
        """Mark every pending capture processed (governed changes capture governance events).

        A fixture shortcut past fn_event_pending_process, so it runs as the owner."""
        owner_exec("UPDATE event_pending SET processed_at = now() WHERE processed_at IS NULL")

    @staticmethod
    def health() -> dict[str, Any]:
        return call("SELECT fn_queue_health()")

    @staticmethod
    def problems() -> dict[tuple[str, str], dict[str, Any]]:
        return {(p["section"], p["name"]): p for p in call("SELECT fn_queue_health()")["problems"]}

    @staticmethod
    def count(table: str, where: str = "true", *params: Any) -> int:
        return sql_value(f"SELECT count(*) FROM {table} WHERE {where}", list(params))


@pytest.fixture
def ops() -> OpsApi:
    return OpsApi()


@pytest.fixture
def jobs_on(open_gate: Callable[[str], Any]) -> None:
    """Open enqueueing, claiming and heartbeats (all OFF on a fresh install)."""
    for gate in JOB_GATES:
        open_gate(gate)


def connection_params() -> dict[str, Any]:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return params
