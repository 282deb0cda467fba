"""Governed acts on jobs, dead letters and queues (admin and commands share them).

Rules live in the SQL functions; these add the permission check, the actor
context and the audit row (queuegov.audit.governed_act).
"""

from __future__ import annotations

import json
from collections.abc import Callable
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

# Rows per SQL call for bulk admin actions: 10,000 selected jobs become ten
# short statements in one transaction instead of one long lock-holding one.
BULK_CHUNK = 1000


def _effect_from(answer: dict[str, Any], detail: str, before: Any = None) -> Effect:
    status = answer.get("status")
    if status == "gate_closed":
        return Effect(
            outcome="refused", before=before, after=answer, detail=f"gate_closed: {answer.get('gate')} is closed"
        )
    if status == "nothing_to_do":
        return Effect(before=before, after=answer, detail=f"nothing_to_do: {json.dumps(answer)}", value=answer)
    return Effect(before=before, after=answer, detail=detail, value=answer)


def _bulk(
    function: Callable[[list[int], str], dict[str, Any]], ids: list[int], reason: str, key: str
) -> dict[str, Any]:
    merged: dict[str, Any] = {key: [], "skipped": [], "unknown": []}
    for start in range(0, len(ids), BULK_CHUNK):
        answer = function(ids[start : start + BULK_CHUNK], reason)
        for k in merged:
            merged[k] += answer.get(k, [])
    merged["status"] = key if merged[key] else "nothing_to_do"
    return merged


def cancel_jobs(actor: Actor, user: Any, job_ids: list[int], reason: str) -> ActResult:
    def effect() -> Effect:
        answer = _bulk(db.cancel_many, job_ids, reason, "cancelled")
        return _effect_from(answer, f"cancelled {len(answer['cancelled'])}, skipped {len(answer['skipped'])}")

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
        answer = _bulk(db.retry_now_many, job_ids, reason, "requeued")
        return _effect_from(answer, f"requeued {len(answer['requeued'])}, skipped {len(answer['skipped'])}")

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
        answer = db.dead_letter_triage(dead_letter_id, triage_status, note)
        return _effect_from(answer, f"dead letter #{dead_letter_id}: {answer.get('from', '')} → {triage_status}")

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
        answer = db.dead_letter_replay(dead_letter_id, source)
        return _effect_from(answer, f"dead letter #{dead_letter_id} replayed as job #{answer.get('job_id')}")

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
        return _effect_from(db.queue_pause(queue_name, reason), f"queue {queue_name} paused")

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
        return _effect_from(db.queue_resume(queue_name, reason), f"queue {queue_name} resumed")

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
        return _effect_from(db.schedule_set_enabled(name, enabled, reason), f"schedule {name} {verb}d")

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
