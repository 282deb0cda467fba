"""Built-in job kinds that drive the event substrate without cron (schedulable in job_schedule)."""

from __future__ import annotations

from typing import Any

from events import db
from jobs.registry import JobContext, job_handler
from queuegov.actor import actor_context


@job_handler("queuegov.event_pending_process")
def event_pending_process(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    with actor_context(job.actor):
        return db.pending_process(int(payload.get("batch_size", 1000)))


@job_handler("queuegov.route_worker_tick")
def route_worker_tick(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    workers = payload.get("workers") or db.route_worker_names()
    with actor_context(job.actor):
        return {name: db.route_worker_run(name, int(payload.get("batch_size", 100))) for name in workers}


@job_handler("queuegov.event_deliver")
def event_deliver(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    with actor_context(job.actor):
        return db.deliver(int(payload.get("batch_size", 1000)))


@job_handler("queuegov.event_partitions")
def event_partitions(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    with actor_context(job.actor):
        return db.ensure_partitions(int(payload.get("months_ahead", 3)))
