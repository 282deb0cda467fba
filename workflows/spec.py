"""Building a workflow in Python: steps as jobs, django.tasks tasks or sub-workflows.

    from workflows.spec import Step, start

    workflow_id = start("nightly", [
        Step("fetch", job_kind="kb.fetch", payload={"ref": "kb/1"}),
        Step.task("parse", parse_task, "kb/1", depends_on=["fetch"]),
        Step("report", workflow=("report", [Step("render", job_kind="kb.render")]), depends_on=["parse"]),
    ])

A running step's job may add a workflow its dependents wait for: ``add(name, steps)``.
The database checks the whole spec (docs/workflows.md); this module only shapes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.tasks.base import Task

from jobs.registry import JobContext, running_job
from jobs.tasks_backend import GateClosedError
from queuegov.errors import domain_errors
from workflows import db


@dataclass(frozen=True)
class Step:
    """One step: a job (``job_kind`` and its options, or ``Step.task``) or a sub-workflow
    (``workflow=(name, steps)``)."""

    name: str
    job_kind: str | None = None
    payload: dict[str, Any] | None = None
    depends_on: Sequence[str] = ()
    on_dependency_failure: str = "cancel"
    queue_name: str | None = None
    priority: int | None = None
    max_attempts: int | None = None
    workflow: tuple[str, Sequence[Step]] | None = None
    job: dict[str, Any] | None = field(default=None, repr=False)

    @classmethod
    def task(
        cls,
        name: str,
        task: Task,
        *args: Any,
        depends_on: Sequence[str] = (),
        on_dependency_failure: str = "cancel",
        **kwargs: Any,
    ) -> Step:
        """A django.tasks task called with ``args``/``kwargs`` as the step's job."""
        backend = task.get_backend()
        if not hasattr(backend, "job_spec"):
            raise TypeError(f"task {task.module_path} uses backend {backend.alias}, which does not run on the queue")
        return cls(name, depends_on=depends_on, on_dependency_failure=on_dependency_failure,
                   job=backend.job_spec(task, args, kwargs))  # fmt: skip

    def as_spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"name": self.name}
        if self.depends_on:
            spec["depends_on"] = list(self.depends_on)
        if self.on_dependency_failure != "cancel":
            spec["on_dependency_failure"] = self.on_dependency_failure
        if self.workflow is not None:
            spec["workflow"] = workflow_spec(*self.workflow)
            return spec
        if self.job is not None:
            spec["job"] = self.job
            return spec
        job: dict[str, Any] = {"job_kind": self.job_kind, "payload": self.payload or {}}
        for key in ("queue_name", "priority", "max_attempts"):
            if getattr(self, key) is not None:
                job[key] = getattr(self, key)
        spec["job"] = job
        return spec


def workflow_spec(name: str, steps: Sequence[Step], correlation_id: str | None = None) -> dict[str, Any]:
    """The jsonb spec fn_workflow_create takes."""
    spec: dict[str, Any] = {"name": name, "steps": [s.as_spec() for s in steps]}
    if correlation_id is not None:
        spec["correlation_id"] = correlation_id
    return spec


def _task_kinds(steps: Sequence[Step]) -> set[tuple[str, str]]:
    kinds = set()
    for s in steps:
        if s.job is not None and s.job["job_kind"].startswith("task:"):
            kinds.add((s.job["job_kind"], s.job["queue_name"]))
        if s.workflow is not None:
            kinds |= _task_kinds(s.workflow[1])
    return kinds


def start(name: str, steps: Sequence[Step], correlation_id: str | None = None) -> int:
    """Creates the workflow and starts its first steps in one transaction; its id."""
    with transaction.atomic(), domain_errors():
        for kind, queue in sorted(_task_kinds(steps)):
            db.task_kind_ensure(kind, queue)
        answer = db.create(workflow_spec(name, steps, correlation_id))
    if answer["status"] == "gate_closed":
        raise GateClosedError(f"gate_closed: {answer['gate']} is closed; workflow {name} not created")
    return int(answer["workflow_id"])


def add(name: str, steps: Sequence[Step], *, job: JobContext | None = None) -> int:
    """Adds a workflow under the step the running job runs (the calling handler's, or
    ``job``); the step finishes once its job and every workflow it added have, so its
    dependents wait for them. A re-run attempt adding the same name gets the workflow
    the earlier attempt added. Its id."""
    job = job or running_job()
    with transaction.atomic(), domain_errors():
        for kind, queue in sorted(_task_kinds(steps)):
            db.task_kind_ensure(kind, queue)
        answer = db.add(job.id, job.worker_id, job.attempt, workflow_spec(name, steps))
    if answer["status"] == "gate_closed":
        raise GateClosedError(f"gate_closed: {answer['gate']} is closed; workflow {name} not added")
    return int(answer["workflow_id"])


def inputs(job_id: int | str) -> dict[str, Any]:
    """What the step a job runs reads of its dependencies: ``{"workflow_id", "workflow", "step",
    "inputs": {<dependency>: {"status", "result", "error", "job_id", "workflow_id"}}}``.
    A django.tasks task taking context passes ``context.task_result.id``."""
    with domain_errors():
        return db.step_inputs(int(job_id))
