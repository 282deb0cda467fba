"""Built-in job kinds of the staging use cases (docs/staging.md): scheduled in
job_schedule like the event substrate's, so no cron is needed. Each calls one SQL
function and answers its answer; the SQL keeps them idempotent."""

from __future__ import annotations

from typing import Any

from jobs.registry import JobContext, job_handler
from queuegov.actor import actor_context
from staging import db


@job_handler("queuegov.vector_sync_catch_up")
def vector_sync_catch_up(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    """Enqueue the vector.sync jobs a closed gate (or a lost enqueue) left behind."""
    with actor_context(job.actor):
        return db.vector_sync_catch_up(int(payload.get("limit", 500)))


@job_handler("staging.verify_new")
def verify_new(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    """Verdicts of new manifests for the reviewers, once per manifest and digest."""
    with actor_context(job.actor):
        return db.puller_verify_new(int(payload.get("limit", 100)))


@job_handler("queuegov.staging_cleanup")
def staging_cleanup(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    """``staging_cleanup --apply`` on schedule: gate_closed, busy, nothing_to_do or applied."""
    with actor_context(job.actor):
        return db.puller_cleanup()


@job_handler("staging.remind")
def remind(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    """Reminders to approvers and operators; never approves or cuts."""
    with actor_context(job.actor):
        return db.puller_remind(int(payload.get("limit", 100)))


@job_handler("dot.command")
def dot_command(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    """Run a read-only catalogued DOT command against this job; the answer (the job's
    result) names the run. The kind's class is dot: a worker of that class runs it."""
    with actor_context(job.actor):
        return db.dot_command_run(job.id, job.worker_id, job.attempt)
