"""Governed acts on workflows (the admin and commands share them): the rules and the
audit row are the SQL functions'; these add the permission check and the actor."""

from __future__ import annotations

from typing import Any

from queuegov.actor import Actor
from queuegov.audit import ActResult, Effect, governed_act
from workflows import db

PERM_CANCEL = "workflows.cancel_workflow"
PERM_RETRY_STEP = "workflows.retry_workflowstep"
PERM_TASK = "workflows.act_humantask"
PERM_POST = "workflows.post_message"


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


#: Deciding an approval that approves a subject decides that subject: the person needs the
#: permission its own screen asks for (the database adds four-eyes and the subject's rules).
SUBJECT_DECISION_PERMISSIONS = {
    ("iu_staging_record", "approve"): "staging.approve_stagingrecord",
    ("iu_staging_record", "reject"): "staging.approve_stagingrecord",
    ("gate_change_request", "approve"): "queuegov.approve_gatechangerequest",
    ("gate_change_request", "reject"): "queuegov.reject_gatechangerequest",
}


def task_act(actor: Actor, user: Any, task_id: int, act: str, reason: str, result: Any = None) -> ActResult:
    """A person's act on a task or approval; the SQL function checks they may (assignee, claimer,
    four-eyes) and audits it."""
    from workflows.models import HumanTask

    approves = HumanTask.objects.filter(pk=task_id, approves=True).values_list("subject_table", flat=True).first()
    permission = PERM_TASK
    if approves is not None:
        permission = SUBJECT_DECISION_PERMISSIONS.get((approves, act), PERM_TASK)
    return governed_act(
        actor,
        f"task.{act}",
        lambda: Effect.from_answer(db.task_act(task_id, act, reason, result)),
        target_table="human_task",
        target_ids=[task_id],
        reason=reason,
        user=user,
        permission=permission,
    )


def post_message(
    actor: Actor,
    user: Any,
    subject_table: str | None,
    subject_ref: str | None,
    body: str,
    recipients: list[dict[str, str]],
    reply_to: int | None = None,
) -> ActResult:
    """A message on a subject, or a reply on its thread (fn_message_post checks and audits it)."""
    return governed_act(
        actor,
        "message.post",
        lambda: Effect.from_answer(db.message_post(subject_table, subject_ref, body, recipients, reply_to)),
        target_table="subject_message",
        reason=None,
        user=user,
        permission=PERM_POST,
    )
