"""The SQL the workflows call, run through the gateway (queuegov.gateway)."""

from __future__ import annotations

import json
from typing import Any

from queuegov.actor import Actor
from queuegov.gateway import call


def create(spec: dict[str, Any]) -> dict[str, Any]:
    """fn_workflow_create: ``{"status": "created", "workflow_id", "steps"}`` or ``gate_closed``."""
    return call("SELECT fn_workflow_create(%s::jsonb)", [json.dumps(spec, default=str)])


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
