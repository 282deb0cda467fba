"""Built-in job kinds of the operations layer (schedulable in job_schedule)."""

from __future__ import annotations

from typing import Any

from jobs.registry import JobContext, job_handler
from queuegov.actor import actor_context
from queuegov.ops import health


@job_handler("queuegov.metrics_sample")
def metrics_sample(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    with actor_context(job.actor):
        return health.sample_metrics()


@job_handler("queuegov.retention")
def retention(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    with actor_context(job.actor):
        return health.retention(apply=True, batch_size=int(payload.get("batch_size", 5000)))
