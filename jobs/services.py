"""Governed acts on jobs, dead letters and queues (admin and commands share them).

Rules live in the SQL functions, which also write the audit row of an act
they apply; these add the permission check and the actor context
(queuegov.audit.governed_act).
"""

from __future__ import annotations

import json
from typing import Any

from jobs import db
from queuegov.actor import Actor
from queuegov.audit import ActResult, Effect, governed_act

PERM_CANCEL = "jobs.cancel_job"
PERM_RETRY = "jobs.retry_job"
PERM_TRIAGE = "jobs.triage_jobdeadletter"
PERM_REPLAY = "jobs.replay_jobdeadletter"
PERM_PAUSE = "jobs.pause_queuestate"
PERM_RESUME = "jobs.resume_queuestate"


def cancel_jobs(actor: Actor, user: Any, job_ids: list[int], reason: str) -> ActResult:
    def effect() -> Effect:
        return Effect.from_answer(db.cancel_many(job_ids, reason))

    return governed_act(
        actor,
        "job.cancel",
        effect,
        target_table="job_queue",
        target_ids=job_ids,
        reason=reason,
        user=user,
        permission=PERM_CANCEL,
    )


def retry_jobs(actor: Actor, user: Any, job_ids: list[int], reason: str) -> ActResult:
    def effect() -> Effect:
        return Effect.from_answer(db.retry_now_many(job_ids, reason))

    return governed_act(
        actor,
        "job.retry_now",
        effect,
        target_table="job_queue",
        target_ids=job_ids,
        reason=reason,
        user=user,
        permission=PERM_RETRY,
    )


def triage_dead_letter(actor: Actor, user: Any, dead_letter_id: int, triage_status: str, note: str) -> ActResult:
    def effect() -> Effect:
        return Effect.from_answer(db.dead_letter_triage(dead_letter_id, triage_status, note))

    return governed_act(
        actor,
        f"job_dead_letter.triage_{triage_status}",
        effect,
        target_table="job_dead_letter",
        target_ids=[dead_letter_id],
        reason=note,
        user=user,
        permission=PERM_TRIAGE,
    )


def replay_dead_letter(actor: Actor, user: Any, dead_letter_id: int, reason: str) -> ActResult:
    def effect() -> Effect:
        source = json.dumps({"actor": actor.name, "request_id": actor.request_id, "reason": reason})
        return Effect.from_answer(db.dead_letter_replay(dead_letter_id, source))

    return governed_act(
        actor,
        "job_dead_letter.replay",
        effect,
        target_table="job_dead_letter",
        target_ids=[dead_letter_id],
        reason=reason,
        user=user,
        permission=PERM_REPLAY,
    )


def pause_queue(actor: Actor, user: Any, queue_name: str, reason: str) -> ActResult:
    def effect() -> Effect:
        return Effect.from_answer(db.queue_pause(queue_name, reason))

    return governed_act(
        actor,
        "queue.pause",
        effect,
        target_table="queue_state",
        target_ids=[queue_name],
        reason=reason,
        user=user,
        permission=PERM_PAUSE,
    )


def resume_queue(actor: Actor, user: Any, queue_name: str, reason: str) -> ActResult:
    def effect() -> Effect:
        return Effect.from_answer(db.queue_resume(queue_name, reason))

    return governed_act(
        actor,
        "queue.resume",
        effect,
        target_table="queue_state",
        target_ids=[queue_name],
        reason=reason,
        user=user,
        permission=PERM_RESUME,
    )


def set_schedule_enabled(actor: Actor, user: Any, name: str, enabled: bool, reason: str) -> ActResult:
    verb = "enable" if enabled else "disable"

    def effect() -> Effect:
        return Effect.from_answer(db.schedule_set_enabled(name, enabled, reason))

    return governed_act(
        actor,
        f"job_schedule.{verb}",
        effect,
        target_table="job_schedule",
        target_ids=[name],
        reason=reason,
        user=user,
        permission="jobs.toggle_jobschedule",
    )
