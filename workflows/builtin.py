"""The built-in maintenance job of workflows: the overdue check (every minute by the
``maintenance.task_overdue`` schedule)."""

from __future__ import annotations

from typing import Any

from jobs.registry import JobContext, job_handler
from queuegov.actor import actor_context
from workflows import db


@job_handler("queuegov.task_overdue")
def task_overdue(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    with actor_context(job.actor):
        return db.task_overdue_tick()
