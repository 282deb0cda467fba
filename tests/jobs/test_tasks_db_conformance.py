"""django-tasks-db's backend tests, run against this project's ``JobQueueBackend`` and worker.

Source: the django-tasks-db 0.13.0 sdist, ``tests/tests.py`` (its ``tests/tasks.py``, which the
sdist leaves out, is tests/jobs/upstream_tasks_db_tasks.py; its ``tests/settings.py`` gave
TASKS = {"default": {"BACKEND": …, "QUEUES": ["default", "queue-1"]}}). Every test keeps its
upstream name; each class says which upstream class it comes from:

* ``DatabaseBackendTestCase`` ← ``DatabaseBackendTestCase``: test_using_correct_backend,
  test_enqueue_task, test_enqueue_task_async, test_get_result, test_get_result_async,
  test_refresh_result, test_refresh_result_async, test_get_missing_result,
  test_async_get_missing_result, test_invalid_uuid, test_async_invalid_uuid, test_invalid_task_path,
  test_missing_task_path, test_check, test_doesnt_wait_until_transaction_commit, test_enqueue_logs,
  test_run_after_tz, test_validate_on_enqueue, test_validate_on_aenqueue (19).
* ``DatabaseBackendWorkerTestCase`` ← ``DatabaseBackendWorkerTestCase``: test_run_enqueued_task,
  test_batch_processes_all_tasks, test_doesnt_process_different_queue, test_process_all_queues,
  test_failing_task, test_complex_exception, test_complex_return_value, test_run_after,
  test_invalid_task_path, test_missing_task_path, test_worker_doesnt_exit_on_failure,
  test_worker_with_locked_rows, test_takes_context, test_context, test_task_import_string (15).
* ``DatabaseTaskResultTestCase`` ← ``DatabaseTaskResultTestCase``: test_cross_connection (1).
* ``DatabaseWorkerProcessTestCase`` ← ``DatabaseWorkerProcessTestCase``: test_run_subprocess,
  test_interrupt_no_tasks, test_interrupt_signals, test_kill, test_system_exit_task,
  test_keyboard_interrupt_task (6).

Setup adapted:

* ``django_tasks_db.DatabaseBackend`` in TASKS is ``jobs.tasks_backend.JobQueueBackend`` (same
  QUEUES); ``assertIsInstance(…, DatabaseBackend)`` and the ``task_enqueued`` sender name
  ``JobQueueBackend``. The queue ``queue-1`` is registered (as ``queue_1``) before each test.
* ``DBTaskResult`` below stands in for upstream's model over ``job_queue`` (every job of these
  tests is a task): ``objects.ready()`` is a due queued job, ``successful()`` a succeeded one,
  ``failed()`` a dead or cancelled one; ``objects.create(task_path=…)`` stores a ``task:`` job
  without the backend (as upstream writes a row directly); a row's ``task``/``worker_ids`` are
  the backend's reading of the job, ``status`` its TaskResultStatus, ``traceback`` its last error.
* Upstream's ``db_worker`` command is this project's worker: ``run_worker`` drains queue
  ``default`` unless given ``queue_name`` ("*": every queue), as ``db_worker --batch`` does; the
  process tests start ``manage.py queue_worker`` (``--batch`` is ``--once``).
* Where upstream writes its table directly (test_refresh_result*: marks the row SUCCESSFUL;
  test_run_after: moves run_after to now), the worker runs the task, or the owner role moves
  ``run_at`` (the app role may not write job_queue).
* test_worker_with_locked_rows locks the rows on a second connection as the owner role: the app
  role may not lock rows of job_queue (SELECT … FOR UPDATE needs UPDATE rights).
* The process tests wait for a condition (the task RUNNING, the worker's first claim) where
  upstream sleeps WORKER_STARTUP_TIME, and give ``process.wait`` 60 s instead of 0.5 to 2 s (a bound
  for this project's worker starting and stopping on a busy machine, not an assertion).

Assertions changed, and why (everything else is upstream's):

* ``assertNumQueries`` around a worker run (8, 3, 23…) counts django-tasks-db's own worker's ORM
  queries; removed. Around ``enqueue`` (1) and ``get_result``/``refresh`` (1): kept.
* ``uuid.UUID(result.id).version == 4`` (test_enqueue_task*): result ids are job ids, bigints.

Not applicable, and why:

* DatabaseBackendTestCase: test_task_name, test_priority_range_check, test_index_scan_for_ready,
  test_run_after_null_0016_migration (DBTaskResult's model property, CHECK constraint, index and
  migration; job_queue's own are covered by tests/jobs/test_sql_*); test_database_backend_app_missing
  (asserts a hint naming django_tasks_db); test_custom_id_function, test_unknown_id_function,
  test_postgres_db_id_function, test_postgres_id_function_expression (the ``id_function`` option:
  ids here are job ids).
* DatabaseBackendWorkerTestCase: test_no_tasks (asserts only db_worker's query count);
  test_process_all_queues_excluding_one_queue, test_exclude_queues_requires_processing_all_queues,
  test_excluding_unknown_queue_processes_selected_queues (db_worker's --exclude-queues);
  test_doesnt_process_different_backend (a queuegov worker runs the tasks of every TASKS alias: queues,
  not backend aliases, divide the work); test_unknown_backend, test_incorrect_backend,
  test_negative_interval, test_infinite_interval, test_fractional_interval, test_zero_interval,
  test_negative_max_tasks, test_zero_max_tasks, test_too_long_worker_id, test_empty_worker_id
  (db_worker's argument parsing); test_verbose_logging, test_max_tasks (assert db_worker's stdout
  lines); test_run_after_priority (its first assertion orders by django-tasks-db storing a missing
  run_after as 9999-01-01; a job's run_at is its enqueue time; claim order is tested in
  tests/jobs/test_sql_*).
* DatabaseTaskResultTestCase: test_locks_tasks, test_locks_tasks_sqlite, test_locks_tasks_filtered,
  test_locks_tasks_filtered_sqlite, test_lock_no_rows, test_get_locked_with_locked_rows
  (DBTaskResultQuerySet.get_locked; the claim's SKIP LOCKED is test_worker_with_locked_rows here
  and tests/jobs/test_concurrency.py).
* ConnectionExclusiveTranscationTestCase (SQLite), DatabaseBackendPruneTaskResultsTestCase (the
  prune_db_task_results command; retention is queue_retention), CompatTestCase
  (django_tasks_db.compat), DBTaskResultOrderingTestCase (the model's ordering), AdminTestCase
  (its admin).
* DatabaseWorkerProcessTestCase: test_repeat_ctrl_c (a second SIGINT makes db_worker abort the
  running task; queue_worker finishes what it holds, and a hung task is stopped with SIGKILL, as
  in test_kill, its lease then expiring); test_multiple_workers (counts each UUID in the workers'
  stdout and db_worker's "gracefully": job ids are small integers, substrings of other numbers;
  several workers draining one queue is tests/jobs/test_concurrency.py).
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any, cast
from unittest import skipIf

import pytest
from asgiref.sync import sync_to_async
from django.core.exceptions import SuspiciousOperation
from django.db import connection, connections, transaction
from django.db.models import QuerySet
from django.db.models.functions import Now
from django.tasks import TaskResultStatus, default_task_backend, task_backends
from django.tasks.base import Task
from django.tasks.exceptions import InvalidTask, TaskResultDoesNotExist
from django.tasks.signals import task_enqueued
from django.test import override_settings
from django.utils import timezone
from django.utils.crypto import get_random_string

from jobs import db
from jobs.models import Job
from jobs.tasks_backend import JOB_STATUS, TASK_KIND_PREFIX, JobQueueBackend
from queuegov import dbroles
from tests.database import admin_connect
from tests.jobs import upstream_tasks_db_tasks as test_tasks
from tests.jobs.conftest import owner_exec
from tests.jobs.tasks_conformance import BACKEND, JobQueueTestCase, run_worker, wait_until

DUMMY_BACKEND = "django.tasks.backends.dummy.DummyBackend"
LOGGER = "django.tasks"
UPSTREAM_QUEUES = ["default", "queue-1"]  # upstream's tests/settings.py


class _StoredTaskResult:
    """One job as upstream's tests read a DBTaskResult row (see the module docstring)."""

    def __init__(self, job_id: int, task_path: str, backend_name: str) -> None:
        self.id = job_id
        self.task_path = task_path
        self.backend_name = backend_name
        self.refresh_from_db()

    def refresh_from_db(self) -> None:
        job = db.job_row(self.id)
        assert job is not None
        self.status = JOB_STATUS[job["status"]]
        self.traceback = job["last_error"] or ""

    @property
    def task(self) -> Task:
        return task_backends[self.backend_name].get_result(str(self.id)).task

    @property
    def worker_ids(self) -> list[str]:
        return task_backends[self.backend_name].get_result(str(self.id)).worker_ids


class _StoredTaskResults:
    """``DBTaskResult.objects`` over job_queue."""

    def all(self) -> QuerySet[Job]:
        return Job.objects.all()

    def count(self) -> int:
        return Job.objects.count()

    def using(self, alias: str) -> QuerySet[Job]:
        return Job.objects.using(alias)

    def values(self, *fields: str) -> QuerySet[Job]:
        return Job.objects.values(*fields)

    def select_for_update(self) -> QuerySet[Job]:
        return Job.objects.select_for_update()

    def ready(self) -> QuerySet[Job]:
        return Job.objects.filter(status=Job.Status.QUEUED, run_at__lte=Now())

    def successful(self) -> QuerySet[Job]:
        return Job.objects.filter(status=Job.Status.SUCCEEDED)

    def failed(self) -> QuerySet[Job]:
        return Job.objects.filter(status__in=[Job.Status.DEAD, Job.Status.CANCELLED])

    def get(self, *, id: Any) -> _StoredTaskResult:
        job = Job.objects.get(pk=int(id))
        return _StoredTaskResult(job.pk, job.payload["task"], job.payload.get("backend", "default"))

    def create(self, *, args_kwargs: dict[str, Any], task_path: str, backend_name: str) -> _StoredTaskResult:
        payload = {"task": task_path, **args_kwargs, "backend": backend_name}
        max_attempts = task_backends[backend_name].max_attempts  # as the backend stores a task
        # A stored row's kind is registered, as the backend registers it (docs/executors.md).
        answer, _ = db.enqueue_stamped(
            TASK_KIND_PREFIX + task_path, payload, max_attempts=max_attempts, register_task_kind=True
        )
        return _StoredTaskResult(answer["job_id"], task_path, backend_name)


class DBTaskResult:
    objects = _StoredTaskResults()


@override_settings(
    TASKS={
        "default": {
            "BACKEND": BACKEND,
            "QUEUES": UPSTREAM_QUEUES,
        }
    }
)
class DatabaseBackendTestCase(JobQueueTestCase):
    """Upstream: tests/tests.py::DatabaseBackendTestCase."""

    queues_to_register = ("queue-1",)

    @contextlib.contextmanager
    def _capture_task_enqueued_signal(
        self,
    ) -> Iterator[list[tuple[type[JobQueueBackend], Any]]]:
        received: list[tuple[type[JobQueueBackend], Any]] = []

        def capture_signal(sender: type[JobQueueBackend], task_result: Any, **kwargs: Any) -> None:
            received.append((sender, task_result))

        task_enqueued.connect(capture_signal, dispatch_uid="db_enqueue_signal", weak=False)
        try:
            yield received
        finally:
            task_enqueued.disconnect(capture_signal, dispatch_uid="db_enqueue_signal")

    def get_task_count_in_new_connection(self) -> int:
        """
        See what other connections see
        """
        new_connection = connections.create_connection("default")
        try:
            with new_connection.cursor() as c:
                c.execute(str(DBTaskResult.objects.values("id").query))
                return len(c.fetchall())
        finally:
            new_connection.close()

    def test_using_correct_backend(self) -> None:
        self.assertEqual(default_task_backend, task_backends["default"])
        self.assertIsInstance(task_backends["default"], JobQueueBackend)
        self.assertEqual(default_task_backend.alias, "default")
        self.assertEqual(default_task_backend.options, {})

    def test_enqueue_task(self) -> None:
        for task in [test_tasks.noop_task, test_tasks.noop_task_async]:
            with self.subTest(task), self.assertNumQueries(1):
                with self._capture_task_enqueued_signal() as received:
                    result = cast(Task, task).enqueue(1, two=3)

                # Upstream: self.assertEqual(uuid.UUID(result.id).version, 4) (ids are job ids).
                self.assertEqual(result.status, TaskResultStatus.READY)
                self.assertFalse(result.is_finished)
                self.assertIsNone(result.started_at)
                self.assertIsNone(result.last_attempted_at)
                self.assertIsNone(result.finished_at)
                with self.assertRaisesMessage(ValueError, "Task has not finished yet"):
                    result.return_value  # noqa: B018
                self.assertEqual(result.task, task)
                self.assertEqual(result.args, [1])
                self.assertEqual(result.kwargs, {"two": 3})
                self.assertEqual(result.attempts, 0)

                self.assertEqual(received, [(JobQueueBackend, result)])

    async def test_enqueue_task_async(self) -> None:
        for task in [test_tasks.noop_task, test_tasks.noop_task_async]:
            with self.subTest(task):
                with self._capture_task_enqueued_signal() as received:
                    result = await cast(Task, task).aenqueue()

                # Upstream: self.assertEqual(uuid.UUID(result.id).version, 4) (ids are job ids).
                self.assertEqual(result.status, TaskResultStatus.READY)
                self.assertFalse(result.is_finished)
                self.assertIsNone(result.started_at)
                self.assertIsNone(result.last_attempted_at)
                self.assertIsNone(result.finished_at)
                with self.assertRaisesMessage(ValueError, "Task has not finished yet"):
                    result.return_value  # noqa: B018
                self.assertEqual(result.task, task)
                self.assertEqual(result.args, [])
                self.assertEqual(result.kwargs, {})
                self.assertEqual(result.attempts, 0)

                self.assertEqual(received, [(JobQueueBackend, result)])

    def test_get_result(self) -> None:
        with self.assertNumQueries(1):
            result = default_task_backend.enqueue(test_tasks.noop_task, [], {})

        with self.assertNumQueries(1):
            new_result = default_task_backend.get_result(result.id)

        self.assertEqual(result, new_result)

    async def test_get_result_async(self) -> None:
        result = await default_task_backend.aenqueue(test_tasks.noop_task, [], {})

        new_result = await default_task_backend.aget_result(result.id)

        self.assertEqual(result, new_result)

    def test_refresh_result(self) -> None:
        result = default_task_backend.enqueue(test_tasks.calculate_meaning_of_life, [], {})

        # Upstream: DBTaskResult.objects.all().update(status=SUCCESSFUL, started_at=…, finished_at=…,
        # return_value=42, worker_ids=[…]); here the worker runs the task.
        run_worker()

        self.assertEqual(result.status, TaskResultStatus.READY)
        self.assertFalse(result.is_finished)
        self.assertIsNone(result.started_at)
        self.assertIsNone(result.last_attempted_at)
        self.assertIsNone(result.finished_at)
        self.assertEqual(result.attempts, 0)

        with self.assertNumQueries(1):
            result.refresh()

        self.assertIsNotNone(result.started_at)
        self.assertIsNotNone(result.last_attempted_at)
        self.assertIsNotNone(result.finished_at)
        self.assertEqual(result.status, TaskResultStatus.SUCCESSFUL)
        self.assertTrue(result.is_finished)
        self.assertEqual(result.return_value, 42)
        self.assertEqual(result.attempts, 1)

    async def test_refresh_result_async(self) -> None:
        result = await default_task_backend.aenqueue(test_tasks.calculate_meaning_of_life, [], {})

        # Upstream: await DBTaskResult.objects.all().aupdate(…); here the worker runs the task.
        await sync_to_async(run_worker)()

        self.assertEqual(result.status, TaskResultStatus.READY)
        self.assertFalse(result.is_finished)
        self.assertIsNone(result.started_at)
        self.assertIsNone(result.last_attempted_at)
        self.assertIsNone(result.finished_at)
        self.assertEqual(result.attempts, 0)

        await result.arefresh()

        self.assertIsNotNone(result.started_at)
        self.assertIsNotNone(result.last_attempted_at)
        self.assertIsNotNone(result.finished_at)
        self.assertEqual(result.status, TaskResultStatus.SUCCESSFUL)
        self.assertTrue(result.is_finished)
        self.assertEqual(result.return_value, 42)
        self.assertEqual(result.attempts, 1)

    def test_get_missing_result(self) -> None:
        with self.assertRaises(TaskResultDoesNotExist):
            default_task_backend.get_result(str(uuid.uuid4()))

    async def test_async_get_missing_result(self) -> None:
        with self.assertRaises(TaskResultDoesNotExist):
            await default_task_backend.aget_result(str(uuid.uuid4()))

    def test_invalid_uuid(self) -> None:
        with self.assertRaises(TaskResultDoesNotExist):
            default_task_backend.get_result("123")

    async def test_async_invalid_uuid(self) -> None:
        with self.assertRaises(TaskResultDoesNotExist):
            await default_task_backend.aget_result("123")

    def test_invalid_task_path(self) -> None:
        db_task_result = DBTaskResult.objects.create(
            args_kwargs={"args": [["exit", "1"]], "kwargs": {}},
            task_path="subprocess.check_output",
            backend_name="default",
        )

        with self.assertRaisesMessage(
            SuspiciousOperation,
            f"Task {db_task_result.id} does not point to a Task ({db_task_result.task_path})",
        ):
            _ = db_task_result.task

    def test_missing_task_path(self) -> None:
        db_task_result = DBTaskResult.objects.create(
            args_kwargs={"args": [], "kwargs": {}},
            task_path="missing.func",
            backend_name="default",
        )

        with self.assertRaises(ImportError):
            _ = db_task_result.task

    def test_check(self) -> None:
        errors = list(default_task_backend.check())

        self.assertEqual(len(errors), 0, errors)

    @override_settings(
        TASKS={
            "default": {
                "BACKEND": BACKEND,
            }
        }
    )
    def test_doesnt_wait_until_transaction_commit(self) -> None:
        with transaction.atomic():
            result = test_tasks.noop_task.enqueue()

            self.assertIsNotNone(result.enqueued_at)

            self.assertEqual(DBTaskResult.objects.count(), 1)

            # SQLite locks the table during this transaction
            if connection.vendor != "sqlite":
                self.assertEqual(self.get_task_count_in_new_connection(), 0)

        if connection.vendor != "sqlite":
            self.assertEqual(self.get_task_count_in_new_connection(), 1)

    def test_enqueue_logs(self) -> None:
        with self.assertLogs(LOGGER, level="DEBUG") as captured_logs:
            result = test_tasks.noop_task.enqueue()

        self.assertEqual(len(captured_logs.output), 1)
        self.assertIn("enqueued", captured_logs.output[0])
        self.assertIn(result.id, captured_logs.output[0])

    def test_run_after_tz(self) -> None:
        for use_tz in [True, False]:
            with self.subTest(use_tz=use_tz):
                with override_settings(USE_TZ=use_tz):
                    result = test_tasks.noop_task.enqueue()
                    self.assertIsNone(DBTaskResult.objects.get(id=result.id).task.run_after)

    def test_validate_on_enqueue(self) -> None:
        with override_settings(
            TASKS={
                "default": {
                    "BACKEND": BACKEND,
                    "QUEUES": ["unknown_queue"],
                }
            }
        ):
            task_with_custom_queue_name = test_tasks.noop_task.using(queue_name="unknown_queue")

        with self.assertRaisesMessage(InvalidTask, "Queue 'unknown_queue' is not valid for backend"):
            task_with_custom_queue_name.enqueue()

    async def test_validate_on_aenqueue(self) -> None:
        with override_settings(
            TASKS={
                "default": {
                    "BACKEND": BACKEND,
                    "QUEUES": ["unknown_queue"],
                }
            }
        ):
            task_with_custom_queue_name = test_tasks.noop_task.using(queue_name="unknown_queue")

        with self.assertRaisesMessage(InvalidTask, "Queue 'unknown_queue' is not valid for backend"):
            await task_with_custom_queue_name.aenqueue()


@override_settings(
    TASKS={
        "default": {
            "BACKEND": BACKEND,
            "QUEUES": UPSTREAM_QUEUES,
        },
        "dummy": {"BACKEND": DUMMY_BACKEND},
    }
)
class DatabaseBackendWorkerTestCase(JobQueueTestCase):
    """Upstream: tests/tests.py::DatabaseBackendWorkerTestCase."""

    queues_to_register = ("queue-1",)

    @staticmethod
    def run_worker(queue_name: str = "default") -> None:
        """Upstream: ``call_command("db_worker", batch=True, …)``, which serves queue ``default`` unless told."""
        run_worker(None if queue_name == "*" else queue_name.split(","))

    def test_run_enqueued_task(self) -> None:
        for task in [
            test_tasks.noop_task,
            # test_tasks.noop_task_async,
        ]:
            with self.subTest(task):
                result = cast(Task, task).enqueue()
                self.assertEqual(DBTaskResult.objects.ready().count(), 1)

                self.assertEqual(result.status, TaskResultStatus.READY)

                self.run_worker()  # Upstream: inside assertNumQueries(8), db_worker's own count.

                self.assertEqual(result.status, TaskResultStatus.READY)
                self.assertEqual(result.attempts, 0)
                result.refresh()
                self.assertIsNotNone(result.started_at)
                self.assertIsNotNone(result.last_attempted_at)
                self.assertIsNotNone(result.finished_at)
                self.assertGreaterEqual(result.started_at, result.enqueued_at)  # type:ignore[arg-type,misc]
                self.assertGreaterEqual(result.finished_at, result.started_at)  # type:ignore[arg-type,misc]
                self.assertEqual(result.status, TaskResultStatus.SUCCESSFUL)
                self.assertEqual(result.attempts, 1)

                self.assertEqual(DBTaskResult.objects.ready().count(), 0)

    def test_batch_processes_all_tasks(self) -> None:
        for _ in range(3):
            test_tasks.noop_task.enqueue()
        test_tasks.failing_task_value_error.enqueue()

        self.assertEqual(DBTaskResult.objects.ready().count(), 4)

        self.run_worker()  # Upstream: inside assertNumQueries(23), db_worker's own count.

        self.assertEqual(DBTaskResult.objects.ready().count(), 0)
        self.assertEqual(DBTaskResult.objects.successful().count(), 3)
        self.assertEqual(DBTaskResult.objects.failed().count(), 1)

    def test_doesnt_process_different_queue(self) -> None:
        result = test_tasks.noop_task.using(queue_name="queue-1").enqueue()

        self.assertEqual(DBTaskResult.objects.ready().count(), 1)

        self.run_worker()  # Upstream: inside assertNumQueries(3), db_worker's own count.

        self.assertEqual(DBTaskResult.objects.ready().count(), 1)

        self.run_worker(queue_name=result.task.queue_name)  # Upstream: inside assertNumQueries(8).

        self.assertEqual(DBTaskResult.objects.ready().count(), 0)

    def test_process_all_queues(self) -> None:
        test_tasks.noop_task.using(queue_name="queue-1").enqueue()

        self.assertEqual(DBTaskResult.objects.ready().count(), 1)

        self.run_worker()  # Upstream: inside assertNumQueries(3), db_worker's own count.

        self.assertEqual(DBTaskResult.objects.ready().count(), 1)

        self.run_worker(queue_name="*")  # Upstream: inside assertNumQueries(8).

        self.assertEqual(DBTaskResult.objects.ready().count(), 0)

    def test_failing_task(self) -> None:
        result = test_tasks.failing_task_value_error.enqueue()
        self.assertEqual(DBTaskResult.objects.ready().count(), 1)

        self.run_worker()  # Upstream: inside assertNumQueries(8), db_worker's own count.

        self.assertEqual(result.status, TaskResultStatus.READY)
        result.refresh()
        self.assertIsNotNone(result.started_at)
        self.assertIsNotNone(result.last_attempted_at)
        self.assertIsNotNone(result.finished_at)

        self.assertGreaterEqual(result.started_at, result.enqueued_at)  # type: ignore
        self.assertGreaterEqual(result.finished_at, result.started_at)  # type: ignore
        self.assertEqual(result.status, TaskResultStatus.FAILED)
        with self.assertRaisesMessage(ValueError, "Task failed"):
            result.return_value  # noqa: B018

        self.assertEqual(result.errors[0].exception_class, ValueError)
        traceback = result.errors[0].traceback
        self.assertTrue(
            traceback and traceback.endswith("ValueError: This task failed due to ValueError\n"),
            traceback,
        )

        self.assertEqual(DBTaskResult.objects.ready().count(), 0)

    def test_complex_exception(self) -> None:
        result = test_tasks.complex_exception.enqueue()
        self.assertEqual(DBTaskResult.objects.ready().count(), 1)

        self.run_worker()  # Upstream: inside assertNumQueries(8), db_worker's own count.

        self.assertEqual(result.status, TaskResultStatus.READY)
        result.refresh()
        self.assertIsNotNone(result.started_at)
        self.assertIsNotNone(result.last_attempted_at)
        self.assertIsNotNone(result.finished_at)

        self.assertGreaterEqual(result.started_at, result.enqueued_at)  # type: ignore
        self.assertGreaterEqual(result.finished_at, result.started_at)  # type: ignore
        self.assertEqual(result.status, TaskResultStatus.FAILED)
        with self.assertRaisesMessage(ValueError, "Task failed"):
            result.return_value  # noqa: B018

        self.assertEqual(result.errors[0].exception_class, ValueError)
        self.assertIn('ValueError(ValueError("This task failed"))', result.errors[0].traceback)

        self.assertEqual(DBTaskResult.objects.ready().count(), 0)

    def test_complex_return_value(self) -> None:
        result = test_tasks.complex_return_value.enqueue()

        self.run_worker()

        result.refresh()

        self.assertEqual(result.status, TaskResultStatus.FAILED)
        self.assertIsNotNone(result.started_at)
        self.assertIsNotNone(result.last_attempted_at)
        self.assertIsNotNone(result.finished_at)
        self.assertGreaterEqual(result.started_at, result.enqueued_at)  # type:ignore[arg-type,misc]
        self.assertGreaterEqual(result.finished_at, result.started_at)  # type:ignore[arg-type,misc]

        self.assertIsNone(result._return_value)  # type: ignore[attr-defined]
        self.assertEqual(result.errors[0].exception_class, TypeError)
        self.assertIn("is not JSON serializable", result.errors[0].traceback)

    def test_run_after(self) -> None:
        result = test_tasks.noop_task.using(run_after=timezone.now() + timedelta(hours=10)).enqueue()

        self.assertEqual(DBTaskResult.objects.count(), 1)
        self.assertEqual(DBTaskResult.objects.ready().count(), 0)

        self.run_worker()  # Upstream: inside assertNumQueries(3), db_worker's own count.

        self.assertEqual(DBTaskResult.objects.count(), 1)
        self.assertEqual(DBTaskResult.objects.ready().count(), 0)
        self.assertEqual(DBTaskResult.objects.successful().count(), 0)

        # Upstream: DBTaskResult.objects.filter(id=result.id).update(run_after=timezone.now())
        owner_exec("UPDATE job_queue SET run_at = now() WHERE id = %s", [int(result.id)])

        self.assertEqual(DBTaskResult.objects.ready().count(), 1)

        self.run_worker()  # Upstream: inside assertNumQueries(8), db_worker's own count.

        self.assertEqual(DBTaskResult.objects.ready().count(), 0)
        self.assertEqual(DBTaskResult.objects.successful().count(), 1)

    def test_invalid_task_path(self) -> None:
        db_task_result = DBTaskResult.objects.create(
            args_kwargs={"args": [["exit", "1"]], "kwargs": {}},
            task_path="subprocess.check_output",
            backend_name="default",
        )

        self.run_worker()

        db_task_result.refresh_from_db()

        self.assertEqual(db_task_result.status, TaskResultStatus.FAILED)

    def test_missing_task_path(self) -> None:
        db_task_result = DBTaskResult.objects.create(
            args_kwargs={"args": [], "kwargs": {}},
            task_path="missing.func",
            backend_name="default",
        )

        self.run_worker()

        db_task_result.refresh_from_db()

        self.assertEqual(db_task_result.status, TaskResultStatus.FAILED)

    def test_worker_doesnt_exit_on_failure(self) -> None:
        result = test_tasks.exit_task.enqueue()

        self.run_worker()

        result.refresh()
        self.assertEqual(result.status, TaskResultStatus.FAILED)

    @skipIf(connection.vendor == "sqlite", "SQLite locks the entire database")
    def test_worker_with_locked_rows(self) -> None:
        result_1 = test_tasks.noop_task.enqueue()
        new_connection = connections.create_connection("default")

        with transaction.atomic():
            locked_tasks_query = str(DBTaskResult.objects.select_for_update().query)

        try:
            # Start a transaction in the other connection
            with new_connection.cursor() as c:
                c.execute("BEGIN")
                # Added: only the owner role may lock job_queue's rows.
                c.execute(f'SET LOCAL ROLE "{dbroles.role_name("owner")}"')

            # Lock the current rows in the table
            with new_connection.cursor() as c:
                c.execute(locked_tasks_query)
                results = list(c.fetchall())
            self.assertEqual(len(results), 1)

            # Add another task which isn't locked
            result_2 = test_tasks.noop_task.enqueue()

            self.run_worker()
        finally:
            new_connection.close()

        result_1.refresh()
        result_2.refresh()

        self.assertEqual(result_1.status, TaskResultStatus.READY)
        self.assertEqual(result_2.status, TaskResultStatus.SUCCESSFUL)

    def test_takes_context(self) -> None:
        result = test_tasks.get_task_id.enqueue()

        self.run_worker()

        result.refresh()

        self.assertEqual(result.return_value, result.id)

    def test_context(self) -> None:
        result = test_tasks.test_context.enqueue(1)

        self.run_worker()
        result.refresh()

        self.assertEqual(result.status, TaskResultStatus.SUCCESSFUL)

    def test_task_import_string(self) -> None:
        db_task_result = DBTaskResult.objects.create(
            args_kwargs={"args": [], "kwargs": {}},
            task_path="tests.jobs.upstream_tasks_db_tasks.some_test",  # Upstream: "tests.tasks.some_test"
            backend_name="default",
        )
        self.run_worker()
        db_task_result.refresh_from_db()

        self.assertEqual(db_task_result.status, TaskResultStatus.FAILED)
        self.assertIn("ImportError", db_task_result.traceback)


@override_settings(
    TASKS={
        "default": {
            "BACKEND": BACKEND,
        },
    }
)
class DatabaseTaskResultTestCase(JobQueueTestCase):
    """Upstream: tests/tests.py::DatabaseTaskResultTestCase."""

    def execute_in_new_connection(self, sql: str | QuerySet) -> Sequence:
        if isinstance(sql, QuerySet):
            sql = str(sql.query)
        new_connection = connections.create_connection("default")
        try:
            with new_connection.cursor() as c:
                c.execute(sql)
                return cast(list, c.fetchall())
        finally:
            new_connection.close()

    def test_cross_connection(self) -> None:
        test_tasks.noop_task.enqueue()
        test_tasks.noop_task.enqueue()

        self.assertEqual(DBTaskResult.objects.count(), 2)

        self.assertEqual(DBTaskResult.objects.using("default").count(), 2)

        self.assertEqual(
            len(self.execute_in_new_connection(DBTaskResult.objects.all())),
            2,
        )


@override_settings(
    TASKS={
        "default": {
            "BACKEND": BACKEND,
        },
    }
)
class DatabaseWorkerProcessTestCase(JobQueueTestCase):
    """Upstream: tests/tests.py::DatabaseWorkerProcessTestCase, with ``manage.py queue_worker``."""

    WORKER_STARTUP_TIME = 1  # kept for test_interrupt_signals' assertion; never slept
    PROCESS_TIMEOUT = 60  # upstream: 0.5 to 2 seconds (see the module docstring)

    @pytest.fixture(autouse=True)
    def _spawner(self, spawn_worker: Any) -> None:
        self.spawn_worker = spawn_worker

    def start_worker(
        self,
        args: list[str] | None = None,
        *,
        debug: bool = False,
        worker_id: str | None = None,
    ) -> subprocess.Popen:
        """Upstream: ``python -m manage db_worker --verbosity 3 --no-startup-delay --worker-id … *args``."""
        if args is None:
            args = []

        if worker_id is None:
            worker_id = get_random_string(32)

        return self.spawn_worker("--worker-id", worker_id, *["--once" if a == "--batch" else a for a in args])

    def wait_until_running(self, result: Any, process: subprocess.Popen) -> None:
        """Upstream: ``time.sleep(WORKER_STARTUP_TIME)``, "make sure the task is running by now"."""

        def running() -> bool:
            assert process.poll() is None, process.communicate()
            result.refresh()
            return result.status == TaskResultStatus.RUNNING

        wait_until(running, "the task to run")

    def wait_until_claiming(self, process: subprocess.Popen) -> None:
        """Upstream: ``time.sleep(WORKER_STARTUP_TIME)``; here: until the worker's first claim (its loop runs)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            [ours] = cursor.fetchone()

        def claimed() -> bool:
            assert process.poll() is None, process.communicate()
            with admin_connect() as admin:
                return admin.execute(
                    # The claim, or the connection check the worker runs after an empty claim and
                    # before it waits (Django's health check), whichever pg_stat_activity shows last.
                    "SELECT count(*) > 0 FROM pg_stat_activity WHERE datname = current_database() AND pid <> %s"
                    " AND (query LIKE 'SELECT fn_job_claim%%' OR query = 'SELECT 1')",
                    [ours],
                ).fetchone()[0]

        wait_until(claimed, "the worker's first claim")

    def test_run_subprocess(self) -> None:
        result = test_tasks.noop_task.enqueue()
        process = self.start_worker(["--batch"])
        process.wait(timeout=self.PROCESS_TIMEOUT)
        self.assertEqual(process.returncode, 0)

        self.assertEqual(result.status, TaskResultStatus.READY)

        result.refresh()

        self.assertEqual(result.status, TaskResultStatus.SUCCESSFUL)

    @skipIf(sys.platform == "win32", "Terminate is always forceful on Windows")
    def test_interrupt_no_tasks(self) -> None:
        process = self.start_worker()

        self.wait_until_claiming(process)

        process.terminate()

        process.wait(timeout=self.PROCESS_TIMEOUT)
        self.assertEqual(process.returncode, 0)

    @skipIf(sys.platform == "win32", "Cannot emulate CTRL-C on Windows")
    def test_interrupt_signals(self) -> None:
        for sig in [
            signal.SIGINT,  # ctrl-c
            signal.SIGTERM,
        ]:
            with self.subTest(sig):
                result = test_tasks.sleep_for.enqueue(2)
                self.assertEqual(DBTaskResult.objects.get(id=result.id).worker_ids, [])

                self.assertGreater(result.args[0], self.WORKER_STARTUP_TIME)

                process = self.start_worker()

                # Make sure the task is running by now
                self.wait_until_running(result, process)

                result.refresh()
                self.assertEqual(result.status, TaskResultStatus.RUNNING)
                self.assertNotEqual(DBTaskResult.objects.get(id=result.id).worker_ids, [])

                process.send_signal(sig)

                process.wait(timeout=self.PROCESS_TIMEOUT)

                self.assertEqual(process.returncode, 0)

                result.refresh()

                self.assertEqual(result.status, TaskResultStatus.SUCCESSFUL)

    @skipIf(sys.platform == "win32", "Windows doesn't support SIGKILL")
    def test_kill(self) -> None:
        # Required to keep mypy happy
        assert hasattr(signal, "SIGKILL")

        result = test_tasks.hang.enqueue()

        process = self.start_worker()

        # Make sure the task is running by now
        self.wait_until_running(result, process)

        result.refresh()
        self.assertEqual(result.status, TaskResultStatus.RUNNING)

        process.kill()

        process.wait(timeout=self.PROCESS_TIMEOUT)

        self.assertEqual(process.returncode, -signal.SIGKILL)

        result.refresh()

        # TODO: https://github.com/RealOrangeOne/django-tasks-db/issues/46
        self.assertEqual(result.status, TaskResultStatus.RUNNING)

    def test_system_exit_task(self) -> None:
        result = test_tasks.failing_task_system_exit.enqueue()

        process = self.start_worker(["--batch"])
        process.wait(timeout=self.PROCESS_TIMEOUT)

        self.assertEqual(process.returncode, 0)

        result.refresh()
        self.assertEqual(result.status, TaskResultStatus.FAILED)
        self.assertEqual(result.errors[0].exception_class, SystemExit)

    def test_keyboard_interrupt_task(self) -> None:
        result = test_tasks.failing_task_keyboard_interrupt.enqueue()

        process = self.start_worker(["--batch"])
        process.wait(timeout=self.PROCESS_TIMEOUT)

        self.assertEqual(process.returncode, 0)

        result.refresh()
        self.assertEqual(result.status, TaskResultStatus.FAILED)
        self.assertEqual(result.errors[0].exception_class, KeyboardInterrupt)
