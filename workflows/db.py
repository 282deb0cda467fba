"""The SQL the workflows call, run through the gateway (queuegov.gateway)."""

from __future__ import annotations

import functools
import json
from typing import Any

from django.db import connection

from queuegov.actor import Actor
from queuegov.gateway import call


def create(spec: dict[str, Any]) -> dict[str, Any]:
    """fn_workflow_create: ``{"status": "created", "workflow_id", "steps"}`` or ``gate_closed``."""
    return call("SELECT fn_workflow_create(%s::jsonb)", [json.dumps(spec, default=str)])


def add(job_id: int, worker_id: str, attempt: int, spec: dict[str, Any]) -> dict[str, Any]:
    """fn_workflow_add: ``{"status": "added" | "already_added", "workflow_id", …}`` or ``gate_closed``."""
    return call(
        "SELECT fn_workflow_add(%s, %s, %s, %s::jsonb)", [job_id, worker_id, attempt, json.dumps(spec, default=str)]
    )


def cancel(workflow_id: int, reason: str, *, actor: Actor | None = None) -> dict[str, Any]:
    """fn_workflow_cancel (audited): ``{"status": "cancelled" | "nothing_to_do", …}``."""
    return call("SELECT fn_workflow_cancel(%s, %s)", [workflow_id, reason], actor=actor)


def step_retry(step_id: int, reason: str) -> dict[str, Any]:
    """fn_workflow_step_retry (audited): ``{"status": "retried", …}``."""
    return call("SELECT fn_workflow_step_retry(%s, %s)", [step_id, reason])


def step_inputs(job_id: int) -> dict[str, Any]:
    """fn_workflow_step_inputs: what a step's job reads of its dependencies."""
    return call("SELECT fn_workflow_step_inputs(%s)", [job_id])


def task_kind_ensure(job_kind: str, queue_name: str) -> None:
    """fn_job_task_kind_ensure: a django.tasks task's kind registers itself (docs/executors.md)."""
    call("SELECT fn_job_task_kind_ensure(%s, %s)", [job_kind, queue_name])


def task_create(
    spec: dict[str, Any], subject_table: str | None = None, subject_ref: str | None = None
) -> dict[str, Any]:
    """fn_task_create (audited): ``{"status": "created", "task_id", "task_kind"}``."""
    return call("SELECT fn_task_create(%s::jsonb, %s, %s)", [json.dumps(spec), subject_table, subject_ref])


def task_act(task_id: int, act: str, reason: str | None, result: Any = None) -> dict[str, Any]:
    """fn_task_act (audited): claim, release, start, complete, reject or approve."""
    return call(
        "SELECT fn_task_act(%s, %s, %s, %s::jsonb)",
        [task_id, act, reason, None if result is None else json.dumps(result)],
    )


def task_act_statuses(act: str, kind: str) -> tuple[str, ...]:
    """fn_task_act_statuses: the states in which ``act`` applies to a ``kind`` (task or approval);
    empty where it is not one of that kind's acts. The function is IMMUTABLE: read once per process."""
    return _task_act_statuses(act, kind)


@functools.lru_cache(maxsize=64)
def _task_act_statuses(act: str, kind: str) -> tuple[str, ...]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT fn_task_act_statuses(%s, %s)", [act, kind])
        return tuple(cursor.fetchone()[0] or ())


def workflow_act_statuses(act: str, step_kind: str | None = None) -> tuple[str, ...]:
    """fn_workflow_act_statuses: the states a workflow (``cancel``) or a step of ``step_kind``
    (``retry``) is in when the act applies; read once per process (IMMUTABLE)."""
    return _workflow_act_statuses(act, step_kind)


@functools.lru_cache(maxsize=16)
def _workflow_act_statuses(act: str, step_kind: str | None) -> tuple[str, ...]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT fn_workflow_act_statuses(%s, %s)", [act, step_kind])
        return tuple(cursor.fetchone()[0] or ())


def task_overdue_tick() -> dict[str, Any]:
    """fn_task_overdue_tick: ``{"status": "raised" | "nothing_to_do", "tasks"}`` or gate_closed."""
    return call("SELECT fn_task_overdue_tick()", [])


def message_post(
    subject_table: str | None,
    subject_ref: str | None,
    body: str,
    recipients: list[dict[str, str]],
    reply_to: int | None = None,
) -> dict[str, Any]:
    """fn_message_post (audited): ``{"status": "posted", "message_id", "thread_id", "recipients"}``."""
    return call(
        "SELECT fn_message_post(%s, %s, %s, %s::jsonb, %s)",
        [subject_table, subject_ref, body, json.dumps(recipients), reply_to],
    )
