"""A django.tasks backend over job_queue: ``@task`` functions run by the queuegov worker.

Enqueue is one ``fn_job_enqueue`` call on the caller's connection (one round
trip, no read-back), so it commits or rolls back with the caller's transaction. A task is stored as job
kind ``task:<module path>`` with its arguments in the (safe) payload; the
result, the errors and the workers come back from the job row and its attempt
history (``db.job_row``), live or archived by retention.

Queue names: Django accepts any string, a registered queue (``queue_state``)
matches ``^[a-z][a-z0-9_]{0,50}$``. A Django queue name is stored in the queue
``sql_queue_name()`` gives (lower case, every character outside ``[a-z0-9_]``
becomes ``_``: ``queue-1`` → ``queue_1``); the payload keeps the name the user
gave, so ``TaskResult.task.queue_name`` is that name. ``jobs.checks`` lists
configured queues that map to no registered queue.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import fields, replace
from traceback import format_exception
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.db import DEFAULT_DB_ALIAS, connections
from django.dispatch import Signal
from django.tasks.backends.base import BaseTaskBackend
from django.tasks.base import Task, TaskContext, TaskError, TaskResult, TaskResultStatus
from django.tasks.exceptions import InvalidTask, InvalidTaskBackend, TaskResultDoesNotExist
from django.tasks.signals import task_enqueued, task_finished, task_started
from django.utils import timezone
from django.utils.json import normalize_json
from django.utils.module_loading import import_string

from jobs import db
from jobs.registry import JobContext
from queuegov.errors import UnknownObject, domain_errors

logger = logging.getLogger(__name__)

TASK_KIND_PREFIX = "task:"

# queue_state.queue_name's CHECK (sql/jobs/0001_registries.sql).
QUEUE_NAME_FORMAT = re.compile(r"[a-z][a-z0-9_]{0,50}")

# The TaskResultStatus of each job_queue status (a failed attempt that will be retried is queued: READY).
JOB_STATUS = {
    "queued": TaskResultStatus.READY,
    "running": TaskResultStatus.RUNNING,
    "succeeded": TaskResultStatus.SUCCESSFUL,
    "cancelled": TaskResultStatus.FAILED,
    "dead": TaskResultStatus.FAILED,
}

# Task kinds this process has seen registered (enqueue skips registering them outside a transaction).
_SEEN_KINDS: set[str] = set()


def forget_seen_kinds() -> None:
    """Register every kind again at its next enqueue (the registry was emptied, as tests do)."""
    _SEEN_KINDS.clear()


# job_queue ids are bigint: anything else is no result of this backend.
_RESULT_ID = re.compile(r"[1-9][0-9]{0,18}")
_MAX_ID = 2**63 - 1


class GateClosedError(InvalidTask):
    """queue.job_substrate.enabled is closed: the task was not stored."""


class UnregisteredQueueError(InvalidTask):
    """The task's queue maps to no registered queue (see the jobs.W001 check): the task was not stored."""


class LeaseExpiredError(Exception):
    """An attempt's worker did not finish before its lease ran out (it died, hung or lost the database).

    Not raised: the class path of such an attempt's ``TaskError``, so ``exception_class`` resolves.
    """


class TaskCancelledError(Exception):
    """An operator cancelled the job; the class path of its ``TaskError`` (not raised)."""


class AttemptFailedError(Exception):
    """An attempt failed outside the task function, e.g. the database refused its return value (not raised)."""


_OUTCOME_ERRORS = {
    "lease_expired": LeaseExpiredError,
    "cancelled": TaskCancelledError,
}


def sql_queue_name(queue_name: str) -> str:
    """The registered queue a Django queue name is stored in.

    One rule, so a name Django accepts (``queue-1``) finds a queue the database
    accepts (``queue_1``): lower case, then every character outside ``[a-z0-9_]``
    becomes ``_``. A result that does not match ``QUEUE_NAME_FORMAT`` (a leading
    digit, over 51 characters) can never be registered: the jobs.E001 check.
    """
    return re.sub(r"[^a-z0-9_]", "_", queue_name.lower())


def _class_path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


class JobQueueBackend(BaseTaskBackend):
    supports_defer = True
    supports_async_task = True
    supports_get_result = True
    supports_priority = True

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, params)
        # django.tasks has no retries: by default a failed task is FAILED at once.
        self.max_attempts = int(self.options.get("MAX_ATTEMPTS", 1))

    def job_spec(self, task: Task, args: Any, kwargs: Any) -> dict[str, Any]:
        """The job a task call is stored as: an fn_job_enqueue_many element (a workflow's
        step uses it too, docs/workflows.md). Its kind registers itself at enqueue."""
        self.validate_task(task)
        return {
            "job_kind": TASK_KIND_PREFIX + task.module_path,
            "queue_name": sql_queue_name(task.queue_name),
            "priority": task.priority,
            "max_attempts": self.max_attempts,
            "payload": self._payload(task, args, kwargs),
        }

    def _payload(self, task: Task, args: Any, kwargs: Any) -> dict[str, Any]:
        return {
            "task": task.module_path,
            "args": normalize_json(list(args)),
            "kwargs": normalize_json(dict(kwargs)),
            "takes_context": task.takes_context,
            "backend": self.alias,
            # The name the user gave (the job's queue is sql_queue_name of it), and whether
            # run_at is a run_after the user gave (else it is the enqueue time).
            "queue_name": task.queue_name,
            "deferred": task.run_after is not None,
        }

    def enqueue(self, task: Task, args: Any, kwargs: Any) -> TaskResult:
        self.validate_task(task)
        queue = sql_queue_name(task.queue_name)
        payload = self._payload(task, args, kwargs)
        kind = TASK_KIND_PREFIX + task.module_path
        # In the same statement a task's kind registers itself (docs/executors.md). Once this
        # process has seen it registered, an enqueue outside a transaction skips that step and,
        # if the kind was retired or removed since, is refused and retried with it: a failed
        # autocommit statement leaves nothing behind. Inside the caller's transaction a refusal
        # would abort it, so there the step always runs.
        conn = connections[DEFAULT_DB_ALIAS]
        in_transaction = conn.in_atomic_block or not conn.get_autocommit()
        register = in_transaction or kind not in _SEEN_KINDS
        try:
            try:
                with domain_errors():
                    answer, enqueued_at = self._enqueue(kind, payload, queue, task, register)
            except UnknownObject as exc:
                if register or not str(exc).startswith("unknown_job_kind"):
                    raise
                _SEEN_KINDS.discard(kind)
                with domain_errors():
                    answer, enqueued_at = self._enqueue(kind, payload, queue, task, True)
        except UnknownObject as exc:
            if not str(exc).startswith("unknown_queue"):
                raise
            raise UnregisteredQueueError(
                f"Queue '{task.queue_name}' is stored in queue '{queue}', which is not registered "
                f"(register it with fn_queue_register; see the jobs.W001 check): {exc}"
            ) from exc
        if answer.get("status") == "gate_closed":
            raise GateClosedError(f"gate_closed: {answer.get('gate')} is closed; task {task.module_path} not enqueued")
        _SEEN_KINDS.add(kind)
        # The job as just stored (one round trip: no read-back): ``task`` carries its using() options.
        result = TaskResult(
            task=task,
            id=str(answer["job_id"]),
            status=TaskResultStatus.READY,
            enqueued_at=enqueued_at,
            started_at=None,
            finished_at=None,
            last_attempted_at=None,
            args=payload["args"],
            kwargs=payload["kwargs"],
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        task_enqueued.send(type(self), task_result=result)
        return result

    def _enqueue(self, kind: str, payload: dict[str, Any], queue: str, task: Task, register: bool) -> Any:
        return db.enqueue_stamped(
            kind,
            payload,
            queue_name=queue,
            priority=task.priority,
            run_at=task.run_after,
            max_attempts=self.max_attempts,
            register_task_kind=register,
        )

    def get_result(self, result_id: str) -> TaskResult:
        """The task's result as stored; ImportError if its module is gone, SuspiciousOperation if it is no Task."""
        text = str(result_id)
        job = db.job_row(int(text)) if _RESULT_ID.fullmatch(text) and int(text) <= _MAX_ID else None
        if job is None or not job["job_kind"].startswith(TASK_KIND_PREFIX):
            raise TaskResultDoesNotExist(result_id)
        return task_result(job, self.alias)


def stored_task(job: dict[str, Any]) -> Task:
    """The ``Task`` a ``task:`` job names, never any other callable (the worker would call it)."""
    path = job["payload"].get("task") or job["job_kind"].removeprefix(TASK_KIND_PREFIX)
    task = import_string(path)
    if not isinstance(task, Task):
        raise SuspiciousOperation(f"Task {job['id']} does not point to a Task ({path})")
    return task


def _with_stored_options(task: Task, job: dict[str, Any], alias: str) -> Task:
    """``task`` as it was enqueued: ``using()`` with the job's priority, queue, run_after and backend."""
    payload = job["payload"]
    changes: dict[str, Any] = {
        "priority": job["priority"],
        # A job enqueued before the payload kept the Django name has that name as its queue.
        "queue_name": payload.get("queue_name") or job["queue_name"],
        "run_after": job["run_at"] if payload.get("deferred") else None,
        "backend": payload.get("backend") or alias,
    }
    try:
        return task.using(**changes)
    except (InvalidTask, InvalidTaskBackend):
        # TASKS changed since the job was stored (its queue or backend is gone): report the
        # task as it was stored rather than refuse to read its result.
        stored = object.__new__(type(task))  # not Task(): its __post_init__ validates against TASKS
        for field in fields(task):
            value = changes.get(field.name)
            object.__setattr__(stored, field.name, getattr(task, field.name) if value is None else value)
        return stored


def _task_error(error: str, error_class: str | None, outcome: str) -> TaskError:
    """A ``TaskError`` from an error as the worker or the database wrote it; ``error_class`` is the
    one job_attempt read from the error's head (the rule lives in that generated column)."""
    if error_class:
        head, _, traceback = error.partition("\n")
        return TaskError(exception_class_path=error_class, traceback=traceback or head)
    # Written by the database, not raised by the task: lease_expired, cancelled, a refused result.
    cls = _OUTCOME_ERRORS.get(outcome, AttemptFailedError)
    return TaskError(exception_class_path=_class_path(cls), traceback=error)


def _job_error_outcome(job: dict[str, Any]) -> str:
    if job["status"] == "cancelled":
        return "cancelled"
    return "lease_expired" if (job["last_error"] or "").startswith("lease_expired") else "failed"


def _attempts(job: dict[str, Any], status: TaskResultStatus) -> tuple[list[str], list[TaskError], list[Any]]:
    """worker_ids, errors and attempt start times, from the job's attempt history."""
    ran = [a for a in job["attempt_history"] if a["outcome"] != "released"]  # a released claim never started
    errors = [_task_error(a["error"], a.get("error_class"), a["outcome"]) for a in ran if a.get("error")]
    # An end no attempt recorded (a job cancelled while queued) is the job's last error.
    last_error = job["last_error"]
    if status == TaskResultStatus.FAILED and last_error and all(a.get("error") != last_error for a in ran):
        errors.append(_task_error(job["last_error"], None, _job_error_outcome(job)))
    return [a["worker_id"] for a in ran if a["worker_id"]], errors, [a["started_at"] for a in ran if a["started_at"]]


def task_result(job: dict[str, Any], alias: str) -> TaskResult:
    """The ``TaskResult`` of a ``task:`` job row (``db.job_row``)."""
    payload = job["payload"]
    task = _with_stored_options(stored_task(job), job, alias)
    status = JOB_STATUS.get(job["status"], TaskResultStatus.FAILED)
    worker_ids, errors, starts = _attempts(job, status)
    result = TaskResult(
        task=task,
        id=str(job["id"]),
        status=status,
        enqueued_at=job["created_at"],
        started_at=starts[0] if starts else None,
        finished_at=job["finished_at"] if status in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED) else None,
        last_attempted_at=starts[-1] if starts else None,
        args=payload.get("args", []),
        kwargs=payload.get("kwargs", {}),
        backend=payload.get("backend") or alias,
        errors=errors,
        worker_ids=worker_ids,
    )
    if status == TaskResultStatus.SUCCESSFUL and isinstance(job["result"], dict):
        object.__setattr__(result, "_return_value", job["result"].get("return_value"))
    return result


def _send(signal: Signal, sender: type, result: TaskResult) -> None:
    """Send a task signal; a failing receiver is logged and never changes the task's outcome."""
    for receiver, response in signal.send_robust(sender=sender, task_result=result):
        if isinstance(response, Exception):
            logger.error("task %s: signal receiver %r failed", result.id, receiver, exc_info=response)


def _json_return_value(task: Task, value: Any) -> Any:
    """The return value as stored in the job's result (JSON: PostgreSQL jsonb has no NaN/Infinity)."""
    try:
        normalized = normalize_json(value)
        json.dumps(normalized, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"the return value of {task.module_path} is not JSON serializable: {exc}") from exc
    return normalized


def run_task_job(job: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    """Run a ``task:`` job in the worker; the return value goes in the job's result.

    Sends ``task_started`` before the call and ``task_finished`` after it, as Django's
    own backends do: SUCCESSFUL, or FAILED (sent inside the ``except``, so
    ``sys.exc_info()`` is the task's exception) when no attempt is left. A failed
    attempt that will be retried (``MAX_ATTEMPTS`` > 1) sends no ``task_finished``:
    the task is READY again. Every exception, ``SystemExit`` and ``KeyboardInterrupt``
    included, is re-raised for the worker to record.
    """
    row = db.job_row(ctx.id)
    if row is None:  # the worker holds the job's lease, so it cannot be gone
        raise TaskResultDoesNotExist(str(ctx.id))
    payload = job["payload"]
    result = task_result(row, payload.get("backend") or "default")
    task = result.task
    try:
        sender: type = type(task.get_backend())
    except InvalidTaskBackend:
        sender = JobQueueBackend
    args, kwargs = payload.get("args", []), payload.get("kwargs", {})
    _send(task_started, sender, result)
    try:
        if task.takes_context:
            value = task.call(TaskContext(task_result=result), *args, **kwargs)
        else:
            value = task.call(*args, **kwargs)
        return_value = _json_return_value(task, value)
    except BaseException as exc:
        # result.attempts: the attempts that ran, this one included (a released claim does not count).
        if result.attempts >= ctx.max_attempts:
            error = TaskError(exception_class_path=_class_path(type(exc)), traceback="".join(format_exception(exc)))
            failed = replace(
                result, status=TaskResultStatus.FAILED, finished_at=timezone.now(), errors=[*result.errors, error]
            )
            _send(task_finished, sender, failed)
        raise
    finished = replace(result, status=TaskResultStatus.SUCCESSFUL, finished_at=timezone.now())
    object.__setattr__(finished, "_return_value", return_value)
    _send(task_finished, sender, finished)
    return {"return_value": return_value}
