"""Built-in job kinds, so the system can drive its own maintenance without cron.

Each is also schedulable in job_schedule (e.g. ``queuegov.lease_reaper`` every
minute). Their results are the SQL functions' answers.
"""

from __future__ import annotations

from typing import Any

from jobs import db
from jobs.registry import JobContext, job_handler
from queuegov.actor import actor_context


@job_handler("queuegov.noop")
def noop(payload: dict[str, Any], job: JobContext) -> None:
    """Does nothing: for smoke tests, benchmarks and latency probes."""
    return None


@job_handler("queuegov.lease_reaper")
def lease_reaper(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    with actor_context(job.actor):
        return db.lease_reaper(int(payload.get("batch_size", 1000)))


@job_handler("queuegov.stale_check")
def stale_check(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    with actor_context(job.actor):
        return db.stale_check()


@job_handler("queuegov.schedule_tick")
def schedule_tick(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    with actor_context(job.actor):
        return db.schedule_tick()
