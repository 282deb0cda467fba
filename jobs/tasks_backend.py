"""A django.tasks backend over job_queue: ``@task`` functions run by the queuegov worker.

Enqueue is one ``fn_job_enqueue`` call on the caller's connection, so it
commits or rolls back with the caller's transaction. A task is stored as job
kind ``task:<module path>`` with its arguments in the (safe) payload; the
result and the error come back from ``job_queue.result`` / ``last_error``.
"""

from __future__ import annotations

from typing import Any

from django.tasks.backends.base import BaseTaskBackend
from django.tasks.base import Task, TaskContext, TaskError, TaskResult, TaskResultStatus
from django.tasks.exceptions import InvalidTask, TaskResultDoesNotExist
from django.tasks.signals import task_enqueued
from django.utils.json import normalize_json
from django.utils.module_loading import import_string

from jobs import db
from jobs.registry import JobContext
from queuegov.errors import domain_errors

TASK_KIND_PREFIX = "task:"

_STATUS = {
    "queued": TaskResultStatus.READY,
    "running": TaskResultStatus.RUNNING,
    "succeeded": TaskResultStatus.SUCCESSFUL,
    "cancelled": TaskResultStatus.FAILED,
    "dead": TaskResultStatus.FAILED,
}


class GateClosedError(InvalidTask):
    """queue.job_substrate.enabled is closed: the task was not stored."""


class JobQueueBackend(BaseTaskBackend):
    supports_defer = True
    supports_async_task = False
    supports_get_result = True
    supports_priority = True

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, params)
        # django.tasks has no retries: by default a failed task is FAILED at once.
        self.max_attempts = int(self.options.get("MAX_ATTEMPTS", 1))

    def enqueue(self, task: Task, args: Any, kwargs: Any) -> TaskResult:
        self.validate_task(task)
        payload = {
            "task": task.module_path,
            "args": normalize_json(list(args)),
            "kwargs": normalize_json(dict(kwargs)),
            "takes_context": task.takes_context,
            "backend": self.alias,
        }
        with domain_errors():
            answer = db.enqueue(
                TASK_KIND_PREFIX + task.module_path,
                payload,
                queue_name=task.queue_name,
                priority=task.priority,
                run_at=task.run_after,
                max_attempts=self.max_attempts,
            )
        if answer.get("status") == "gate_closed":
            raise GateClosedError(f"gate_closed: {answer.get('gate')} is closed; task {task.module_path} not enqueued")
        result = self.get_result(str(answer["job_id"]))
        task_enqueued.send(type(self), task_result=result)
        return result

    def get_result(self, result_id: str) -> TaskResult:
        try:
            job = db.job_row(int(result_id))
        except (TypeError, ValueError):
            job = None
        if job is None or not job["job_kind"].startswith(TASK_KIND_PREFIX):
            raise TaskResultDoesNotExist(result_id)
        payload = job["payload"]
        try:
            task = import_string(payload["task"])
        except ImportError as exc:
            raise TaskResultDoesNotExist(f"{result_id}: task {payload['task']} cannot be imported") from exc
        errors = []
        status = _STATUS[job["status"]]
        if job["last_error"] and status == TaskResultStatus.FAILED:
            head, _, tb = job["last_error"].partition("\n")
            errors.append(TaskError(exception_class_path=head.split(":", 1)[0], traceback=tb or head))
        result = TaskResult(
            task=task,
            id=str(job["id"]),
            status=status,
            enqueued_at=job["created_at"],
            started_at=job["started_at"],
            finished_at=job["finished_at"],
            last_attempted_at=job["started_at"],
            args=payload.get("args", []),
            kwargs=payload.get("kwargs", {}),
            backend=self.alias,
            errors=errors,
            worker_ids=_worker_ids(job),
        )
        if status == TaskResultStatus.SUCCESSFUL and isinstance(job["result"], dict):
            object.__setattr__(result, "_return_value", job["result"].get("return_value"))
        return result


def _worker_ids(job: dict[str, Any]) -> list[str]:
    if job["lease_owner"]:
        return [job["lease_owner"]]
    result = job["result"] if isinstance(job["result"], dict) else {}
    return [result["worker_id"]] if result.get("worker_id") else []


def run_task_job(job: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    """Run a ``task:`` job in the worker; the return value goes in the job's result."""
    payload = job["payload"]
    task = import_string(payload["task"])
    if not isinstance(task, Task):
        raise InvalidTask(f"{payload['task']} is not a django.tasks Task")
    args, kwargs = payload.get("args", []), payload.get("kwargs", {})
    if task.takes_context:
        backend = task.get_backend()
        result = backend.get_result(str(job["id"])) if isinstance(backend, JobQueueBackend) else None
        value = task.call(TaskContext(task_result=result), *args, **kwargs)
    else:
        value = task.call(*args, **kwargs)
    return {"return_value": normalize_json(value), "worker_id": ctx.worker_id}
