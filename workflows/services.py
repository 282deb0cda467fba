"""Governed acts on workflows (the admin and commands share them): the rules and the
audit row are the SQL functions'; these add the permission check and the actor."""

from __future__ import annotations

from typing import Any

from queuegov.actor import Actor
from queuegov.audit import ActResult, Effect, governed_act
from workflows import db

PERM_CANCEL = "workflows.cancel_workflow"
PERM_RETRY_STEP = "workflows.retry_workflowstep"


def cancel_workflow(actor: Actor, user: Any, workflow_id: int, reason: str) -> ActResult:
    return governed_act(
        actor,
        "workflow.cancel",
        lambda: Effect.from_answer(db.cancel(workflow_id, reason)),
        target_table="workflow",
        target_ids=[workflow_id],
        reason=reason,
        user=user,
        permission=PERM_CANCEL,
    )


def retry_step(actor: Actor, user: Any, step_id: int, reason: str) -> ActResult:
    return governed_act(
        actor,
        "workflow.step_retry",
        lambda: Effect.from_answer(db.step_retry(step_id, reason)),
        target_table="workflow_step",
        target_ids=[step_id],
        reason=reason,
        user=user,
        permission=PERM_RETRY_STEP,
    )
