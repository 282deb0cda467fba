"""The SQL the job substrate calls, run through the gateway (queuegov.gateway).

Each function here is one SQL call returning the function's jsonb answer as
a dict. ``conn`` is Django's connection by default, or a plain psycopg
connection a thread owns (the worker's lease keeper).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from queuegov.actor import Actor
from queuegov.gateway import Conn, call, dict_rows, loads, row, rows

_ENQUEUE = (
    "SELECT fn_job_enqueue(p_job_kind => %s, p_payload => %s::jsonb, p_queue_name => %s, p_priority => %s, "
    "p_run_at => %s, p_idempotency_key => %s, p_max_attempts => %s, p_correlation_id => %s)"
)


def _enqueue_params(
    job_kind: str,
    payload: dict[str, Any] | None,
    queue_name: str | None,
    priority: int,
    run_at: datetime | None,
    idempotency_key: str | None,
    max_attempts: int | None,
    correlation_id: str | None,
) -> list[Any]:
    return [job_kind, json.dumps(payload or {}), queue_name, priority, run_at, idempotency_key, max_attempts,
            correlation_id]  # fmt: skip


def enqueue(
    job_kind: str,
    payload: dict[str, Any] | None = None,
    *,
    queue_name: str | None = None,
    priority: int = 0,
    run_at: datetime | None = None,
    idempotency_key: str | None = None,
    max_attempts: int | None = None,
    correlation_id: str | None = None,
) -> dict[str, Any]:
    """fn_job_enqueue: ``{"status": "enqueued" | "duplicate" | "gate_closed", "job_id": …}``."""
    return call(
        _ENQUEUE,
        _enqueue_params(job_kind, payload, queue_name, priority, run_at, idempotency_key, max_attempts, correlation_id),
    )


def enqueue_stamped(
    job_kind: str,
    payload: dict[str, Any] | None = None,
    *,
    queue_name: str | None = None,
    priority: int = 0,
    run_at: datetime | None = None,
    max_attempts: int | None = None,
    register_task_kind: bool = False,
) -> tuple[dict[str, Any], datetime]:
    """fn_job_enqueue and the transaction's ``now()`` in one round trip.

    ``now()`` is a new job's ``created_at`` (the column's default, the transaction's
    start), so the caller can describe the job it enqueued without reading it back.
    With ``register_task_kind`` the same statement first registers a django.tasks
    kind (fn_job_task_kind_ensure; a no-op once registered).
    """
    params = _enqueue_params(job_kind, payload, queue_name, priority, run_at, None, max_attempts, None)
    if register_task_kind:
        statement = _ENQUEUE + ", now() FROM (SELECT fn_job_task_kind_ensure(%s, %s) OFFSET 0) AS registered"
        params += [job_kind, queue_name]
    else:
        statement = _ENQUEUE + ", now()"
    answer, now = row(statement, params)  # type: ignore[misc]  (one row)
    return loads(answer), now


def enqueue_many(jobs: list[dict[str, Any]]) -> dict[str, Any]:
    """fn_job_enqueue_many: one statement for many jobs."""
    return call("SELECT fn_job_enqueue_many(%s::jsonb)", [json.dumps(jobs, default=str)])


# The executor class of the project's own worker (docs/executors.md).
PYTHON_WORKER_CLASS = "pg_worker"


def claim(
    worker_id: str,
    queues: list[str] | None,
    batch_size: int,
    lease_seconds: int,
    *,
    executor_class: str = PYTHON_WORKER_CLASS,
    kinds: list[str] | None = None,
    actor: Actor | None = None,
) -> dict[str, Any]:
    """fn_job_claim: ``{"status": "claimed" | "empty" | "gate_closed", "jobs": [...]}``, only the class's kinds."""
    return call(
        "SELECT fn_job_claim(%s, %s::text[], %s, %s, %s, %s::text[])",
        [worker_id, queues, batch_size, lease_seconds, executor_class, kinds],
        actor=actor,
    )


def _int_array(values: Sequence[int]) -> str:
    """An int[] literal: cheaper to send than a list psycopg adapts element by element."""
    return "{" + ",".join(map(str, map(int, values))) + "}"


def _results(results: list[Any]) -> list[str | None] | None:
    """jsonb[] text for ``p_results``; NULL when every result is None (the common no-op case)."""
    if all(r is None for r in results):
        return None
    return [None if r is None else json.dumps(r) for r in results]


def ack_many(
    worker_id: str, job_ids: list[int], attempts: list[int], results: list[Any], *, actor: Actor | None = None
) -> dict[str, Any]:
    """fn_job_ack_many: fenced batch ack."""
    return call(
        "SELECT fn_job_ack_many(%s, %s::bigint[], %s::integer[], %s::jsonb[])",
        [worker_id, _int_array(job_ids), _int_array(attempts), _results(results)],
        actor=actor,
    )


def ack_many_and_claim(
    worker_id: str,
    job_ids: list[int],
    attempts: list[int],
    results: list[Any],
    queues: list[str] | None,
    batch_size: int,
    lease_seconds: int,
    *,
    executor_class: str = PYTHON_WORKER_CLASS,
    kinds: list[str] | None = None,
    actor: Actor | None = None,
) -> dict[str, Any]:
    """fn_job_ack_many_and_claim: ``{"ack": <ack_many answer | None>, "claim": <claim answer>}``, one commit."""
    return call(
        "SELECT fn_job_ack_many_and_claim(%s, %s::bigint[], %s::integer[], %s::jsonb[], %s::text[], %s, %s, %s,"
        " %s::text[])",
        [
            worker_id,
            _int_array(job_ids),
            _int_array(attempts),
            _results(results),
            queues,
            batch_size,
            lease_seconds,
            executor_class,
            kinds,
        ],
        actor=actor,
    )


def fail_or_retry(
    job_id: int, worker_id: str, error: str, attempt: int, *, actor: Actor | None = None
) -> dict[str, Any]:
    """fn_job_fail_or_retry: fenced failure (retry with backoff or dead-letter)."""
    return call("SELECT fn_job_fail_or_retry(%s, %s, %s, %s)", [job_id, worker_id, error, attempt], actor=actor)


def release_many(
    worker_id: str, job_ids: list[int], attempts: list[int], *, actor: Actor | None = None
) -> dict[str, Any]:
    """fn_job_release_many: give back (job, attempt) pairs never started."""
    return call(
        "SELECT fn_job_release_many(%s, %s::bigint[], %s::integer[])",
        [worker_id, _int_array(job_ids), _int_array(attempts)],
        actor=actor,
    )


def leases(worker_id: str, *, actor: Actor | None = None) -> list[dict[str, Any]]:
    """fn_job_leases: the (job, attempt) pairs the database says ``worker_id`` holds."""
    return call("SELECT fn_job_leases(%s)", [worker_id], actor=actor)["leases"]


def heartbeat_many(
    conn: Conn, worker_id: str, job_ids: list[int], attempts: list[int], lease_seconds: int
) -> dict[str, Any]:
    """fn_job_heartbeat_many on ``conn`` (a psycopg connection owned by the caller's thread)."""
    return call(
        "SELECT fn_job_heartbeat_many(%s, %s::bigint[], %s::integer[], %s)",
        [worker_id, _int_array(job_ids), _int_array(attempts), lease_seconds],
        conn=conn,
    )


def executor_heartbeat(conn: Conn, name: str, kind: str, meta: dict[str, Any]) -> dict[str, Any]:
    """fn_queue_heartbeat_tick on ``conn``."""
    return call("SELECT fn_queue_heartbeat_tick(%s, %s, %s::jsonb)", [name, kind, json.dumps(meta)], conn=conn)


def heartbeat_tick(name: str, kind: str, meta: dict[str, Any]) -> dict[str, Any]:
    """fn_queue_heartbeat_tick on Django's connection."""
    return call("SELECT fn_queue_heartbeat_tick(%s, %s, %s::jsonb)", [name, kind, json.dumps(meta)])


def lease_reaper(limit: int = 1000) -> dict[str, Any]:
    return call("SELECT fn_job_lease_reaper(%s)", [limit])


def stale_check() -> dict[str, Any]:
    return call("SELECT fn_queue_stale_check()", [])


def schedule_tick() -> dict[str, Any]:
    return call("SELECT fn_schedule_tick()", [])


def cancel_many(job_ids: list[int], reason: str) -> dict[str, Any]:
    return call("SELECT fn_job_cancel_many(%s::bigint[], %s)", [job_ids, reason])


def retry_now_many(job_ids: list[int], reason: str) -> dict[str, Any]:
    return call("SELECT fn_job_retry_now_many(%s::bigint[], %s)", [job_ids, reason])


def dead_letter_triage(dead_letter_id: int, triage_status: str, note: str) -> dict[str, Any]:
    return call("SELECT fn_job_dead_letter_triage(%s, %s, %s)", [dead_letter_id, triage_status, note])


def dead_letter_replay(dead_letter_id: int, authorization_source: str) -> dict[str, Any]:
    return call("SELECT fn_job_dead_letter_replay(%s, %s)", [dead_letter_id, authorization_source])


def queue_pause(queue_name: str, reason: str) -> dict[str, Any]:
    return call("SELECT fn_queue_pause(%s, %s)", [queue_name, reason])


def queue_resume(queue_name: str, reason: str) -> dict[str, Any]:
    return call("SELECT fn_queue_resume(%s, %s)", [queue_name, reason])


_JOB_COLUMNS = (
    "id, job_kind, queue_name, payload, priority, status, attempts, run_at, lease_owner, created_at, "
    "started_at, finished_at, last_error, result"
)


def job_row(job_id: int) -> dict[str, Any] | None:
    """One job as a dict with its ``attempt_history``, live or archived by retention (``archived``)."""
    found = dict_rows(
        f"SELECT {_JOB_COLUMNS}, fn_job_attempt_history(id) AS attempt_history, false AS archived "  # noqa: S608 (a constant)
        "FROM job_queue WHERE id = %s",
        [job_id],
    ) or dict_rows(
        # The archive keeps the job row as a snapshot (timestamps as JSON text), the result and the history.
        "SELECT id, job_kind, queue_name, snapshot -> 'payload' AS payload, "
        "(snapshot ->> 'priority')::integer AS priority, status, attempts, "
        "(snapshot ->> 'run_at')::timestamptz AS run_at, NULL::text AS lease_owner, created_at, "
        "(snapshot ->> 'started_at')::timestamptz AS started_at, finished_at, "
        "snapshot ->> 'last_error' AS last_error, result, attempt_history, true AS archived "
        "FROM job_archive WHERE id = %s",
        [job_id],
    )
    if not found:
        return None
    job = found[0]
    job["payload"] = loads(job["payload"])
    job["result"] = loads(job["result"])
    job["attempt_history"] = [_attempt(a) for a in loads(job["attempt_history"])]
    return job


def _attempt(entry: dict[str, Any]) -> dict[str, Any]:
    for key in ("started_at", "finished_at"):
        if entry.get(key):
            entry[key] = datetime.fromisoformat(entry[key])
    return entry


def schedule_set_enabled(name: str, enabled: bool, reason: str) -> dict[str, Any]:
    return call("SELECT fn_job_schedule_set_enabled(%s, %s, %s)", [name, enabled, reason])


def queue_names(conn: Conn = None) -> set[str]:
    """Every queue in queue_state."""
    return {name for (name,) in rows("SELECT queue_name FROM queue_state", conn=conn)}


def consumer_register(
    job_kind: str, executor_class: str, queue_name: str, retry_policy: str, handler_ref: str | None, description: str
) -> dict[str, Any]:
    """fn_consumer_register: bind a job kind to an executor class, queue and retry policy."""
    return call(
        "SELECT fn_consumer_register(%s, %s, %s, %s, %s, %s)",
        [job_kind, executor_class, queue_name, retry_policy, handler_ref, description],
    )


def executor_login_register(
    name: str, executor_kind: str, queues: list[str] | None, *, conn: Conn = None
) -> dict[str, Any]:
    """fn_executor_login_register: bind a login to its executor kind and queues (audited)."""
    return call("SELECT fn_executor_login_register(%s, %s, %s::text[])", [name, executor_kind, queues], conn=conn)


def act_statuses(act: str) -> list[str]:
    """The job statuses an operator's act applies to (fn_job_act_statuses: ``cancel``, ``retry_now``)."""
    return list(row("SELECT fn_job_act_statuses(%s)", [act])[0] or [])
