"""django.tasks over job_queue: enqueue → queue_worker → get_result.

Django's and django-tasks-db's own tests of a backend run against this one in
test_tasks_django_conformance.py and test_tasks_db_conformance.py; these are
this project's: the stored options, the queue-name rule, retries and their
attempt history, signals, interrupts, cancelled and archived results.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.tasks import default_task_backend, task_backends
from django.tasks.base import TaskResultStatus
from django.tasks.exceptions import TaskResultDoesNotExist
from django.tasks.signals import task_finished, task_started
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jobs import db
from jobs.models import Job
from jobs.tasks_backend import (
    AttemptFailedError,
    GateClosedError,
    TaskCancelledError,
    UnregisteredQueueError,
    sql_queue_name,
)
from jobs.worker import Worker
from queuegov.errors import PayloadRejected
from tests.database import as_owner
from tests.helpers import json_value, sql_rows, use_actor
from tests.jobs import sample_tasks
from tests.jobs.conftest import owner_exec
from tests.jobs.tasks_conformance import BACKEND, register_queues

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def gates(set_config):
    with transaction.atomic():
        set_config("queue.job_substrate.enabled", True)
        set_config("queue.worker.enabled", True)


def drain(worker_id: str | None = None, concurrency: int = 1) -> None:
    Worker(once=True, listen=False, lease_seconds=30, worker_id=worker_id, concurrency=concurrency).run()


def test_enqueue_run_and_read_back(gates):
    result = sample_tasks.add.enqueue(2, 3)
    assert result.status == TaskResultStatus.READY
    job = Job.objects.get(pk=int(result.id))
    assert job.job_kind == "task:tests.jobs.sample_tasks.add" and job.payload["args"] == [2, 3]
    drain()
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 5
    assert result.finished_at is not None and len(result.worker_ids) == 1
    again = default_task_backend.get_result(result.id)
    assert again.return_value == 5 and again.args == [2, 3]


def test_failure_gives_failed_with_class_and_traceback(gates):
    result = sample_tasks.explode.enqueue("kaboom")
    drain()
    result.refresh()
    assert result.status == TaskResultStatus.FAILED
    [error] = result.errors
    assert error.exception_class is ValueError
    assert "kaboom" in error.traceback and "Traceback" in error.traceback
    with pytest.raises(ValueError, match="Task failed"):
        _ = result.return_value


def test_priority_queue_and_run_after(gates):
    later = timezone.now() + timedelta(hours=1)
    deferred = sample_tasks.add.using(run_after=later).enqueue(1, 1)
    urgent = sample_tasks.shout.enqueue("hi")
    jobs = {j.pk: j for j in Job.objects.filter(pk__in=[int(deferred.id), int(urgent.id)])}
    assert jobs[int(urgent.id)].priority == 10 and jobs[int(urgent.id)].queue_id == "maintenance"
    assert abs((jobs[int(deferred.id)].run_at - later).total_seconds()) < 1
    drain()
    assert default_task_backend.get_result(urgent.id).return_value == "HI"
    assert default_task_backend.get_result(deferred.id).status == TaskResultStatus.READY  # not due yet


def test_takes_context(gates):
    result = sample_tasks.which_attempt.enqueue()
    drain()
    assert default_task_backend.get_result(result.id).return_value == 1


def test_enqueue_is_transactional(gates):
    before = Job.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        sample_tasks.add.enqueue(1, 2)
        assert Job.objects.count() == before + 1
        raise RuntimeError("roll back")
    assert Job.objects.count() == before


def test_gate_closed_refuses_enqueue():
    with pytest.raises(GateClosedError, match=r"gate_closed: queue\.job_substrate\.enabled"):
        sample_tasks.add.enqueue(1, 2)
    assert not Job.objects.exists()


def test_unknown_result_id():
    with pytest.raises(TaskResultDoesNotExist):
        default_task_backend.get_result("999999")
    with pytest.raises(TaskResultDoesNotExist):
        default_task_backend.get_result("not-a-number")


def test_prohibited_kwarg_keys_are_refused(gates):
    with pytest.raises(PayloadRejected, match="payload_prohibited_key: password"):
        sample_tasks.add.enqueue(a=1, b={"password": "x"})
    # The text docs/operations.md quotes ("django.tasks", "Argument names").
    with pytest.raises(PayloadRejected) as refused:
        sample_tasks.add.enqueue(1, password="hunter2")
    assert str(refused.value) == "payload_prohibited_key: password at $.kwargs.password"
    assert not Job.objects.exists()


def test_unknown_result_ids_of_every_shape():
    for result_id in ("0", "-1", " 1", "1.0", "\uff11", "9" * 19, "9" * 40, 12.5):
        with pytest.raises(TaskResultDoesNotExist):
            default_task_backend.get_result(result_id)  # type: ignore[arg-type]


def test_result_task_keeps_the_options_given_with_using(gates):
    later = timezone.now() + timedelta(hours=1)
    configured = sample_tasks.add.using(priority=7, queue_name="maintenance", run_after=later)
    result = configured.enqueue(1, 2)
    assert result.task == configured
    assert default_task_backend.get_result(result.id).task == configured
    # Without run_after the job's run_at is the enqueue time, not a run_after the user gave.
    plain = sample_tasks.add.enqueue(1, 2)
    assert plain.task == sample_tasks.add and plain.task.run_after is None


def test_result_of_a_queue_since_removed_from_tasks_settings(gates):
    result = sample_tasks.shout.enqueue("hi")  # queue "maintenance"
    with override_settings(TASKS={"default": {"BACKEND": BACKEND, "QUEUES": ["default"]}}):
        again = default_task_backend.get_result(result.id)
    assert again.task.queue_name == "maintenance" and again.task.priority == 10 and again.id == result.id


def test_sql_queue_name_rule():
    assert sql_queue_name("queue-1") == "queue_1"
    assert sql_queue_name("Reports.Daily") == "reports_daily"
    assert sql_queue_name("default") == "default"
    assert sql_queue_name("émails") == "_mails"


@override_settings(TASKS={"default": {"BACKEND": BACKEND, "QUEUES": ["default", "Queue-1", "queue-2"]}})
def test_django_queue_names_are_stored_in_their_mapped_queue(gates):
    register_queues("Queue-1")
    result = sample_tasks.add.using(queue_name="Queue-1").enqueue(1, 2)
    job = Job.objects.get(pk=int(result.id))
    assert (job.queue_id, job.payload["queue_name"]) == ("queue_1", "Queue-1")
    assert default_task_backend.get_result(result.id).task.queue_name == "Queue-1"
    Worker(once=True, listen=False, queues=[sql_queue_name("Queue-1")]).run()
    assert default_task_backend.get_result(result.id).return_value == 3

    with pytest.raises(UnregisteredQueueError, match=r"^Queue 'queue-2' is stored in queue 'queue_2', which is not"):
        sample_tasks.add.using(queue_name="queue-2").enqueue(1, 2)
    assert Job.objects.count() == 1


@pytest.fixture
def signals() -> Iterator[list[tuple[str, type, str, str]]]:
    """Every task_started / task_finished sent: (signal, sender, result id, status)."""
    seen: list[tuple[str, type, str, str]] = []

    def started(sender: type, task_result: Any, **kwargs: Any) -> None:
        seen.append(("started", sender, task_result.id, task_result.status))

    def finished(sender: type, task_result: Any, **kwargs: Any) -> None:
        seen.append(("finished", sender, task_result.id, task_result.status))

    task_started.connect(started, dispatch_uid="test-started")
    task_finished.connect(finished, dispatch_uid="test-finished")
    yield seen
    task_started.disconnect(dispatch_uid="test-started")
    task_finished.disconnect(dispatch_uid="test-finished")


def test_signals_carry_the_final_status(gates, signals):
    from jobs.tasks_backend import JobQueueBackend

    ok, failed = sample_tasks.add.enqueue(1, 2), sample_tasks.explode.enqueue("kaboom")
    drain()
    assert signals == [
        ("started", JobQueueBackend, ok.id, "RUNNING"),
        ("finished", JobQueueBackend, ok.id, "SUCCESSFUL"),
        ("started", JobQueueBackend, failed.id, "RUNNING"),
        ("finished", JobQueueBackend, failed.id, "FAILED"),
    ]


def test_a_failing_signal_receiver_changes_no_outcome(gates, signals):
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("a broken receiver")

    task_started.connect(broken, dispatch_uid="test-broken-started")
    task_finished.connect(broken, dispatch_uid="test-broken-finished")
    try:
        ok, failed = sample_tasks.add.enqueue(1, 2), sample_tasks.explode.enqueue("kaboom")
        drain()
    finally:
        task_started.disconnect(dispatch_uid="test-broken-started")
        task_finished.disconnect(dispatch_uid="test-broken-finished")
    ok.refresh(), failed.refresh()
    assert (ok.status, ok.return_value) == (TaskResultStatus.SUCCESSFUL, 3)
    assert failed.status == TaskResultStatus.FAILED and failed.errors[0].exception_class is ValueError
    assert len(signals) == 4


@override_settings(TASKS={"default": {"BACKEND": BACKEND, "OPTIONS": {"MAX_ATTEMPTS": 2}}})
def test_retried_task_keeps_every_attempt_and_finishes_once(gates, signals):
    """MAX_ATTEMPTS 2: between the attempts the task is READY with the first error; one task_finished."""
    flaky, doomed = sample_tasks.flaky.enqueue(), sample_tasks.explode.enqueue("kaboom")
    drain("w-first")
    flaky.refresh(), doomed.refresh()
    for result in (flaky, doomed):
        assert (result.status, result.worker_ids, len(result.errors)) == (TaskResultStatus.READY, ["w-first"], 1)
    assert [s[0] for s in signals] == ["started", "started"]

    owner_exec("UPDATE job_queue SET run_at = now() WHERE status = 'queued'")  # past the retry backoff
    drain("w-second")
    flaky.refresh(), doomed.refresh()
    assert (flaky.status, flaky.return_value, flaky.attempts) == (TaskResultStatus.SUCCESSFUL, 2, 2)
    assert flaky.worker_ids == ["w-first", "w-second"]
    assert [e.exception_class for e in flaky.errors] == [RuntimeError]
    assert (doomed.status, doomed.worker_ids) == (TaskResultStatus.FAILED, ["w-first", "w-second"])
    assert [e.exception_class for e in doomed.errors] == [ValueError, ValueError]
    assert all(e.traceback.endswith("ValueError: kaboom\n") for e in doomed.errors)
    assert flaky.last_attempted_at > flaky.started_at
    finished = [(s[2], s[3]) for s in signals if s[0] == "finished"]
    assert finished == [(flaky.id, "SUCCESSFUL"), (doomed.id, "FAILED")]


def test_failed_result_names_its_worker(gates):
    result = sample_tasks.explode.enqueue("kaboom")
    drain("w-only")
    result.refresh()
    assert (result.status, result.attempts, result.worker_ids) == (TaskResultStatus.FAILED, 1, ["w-only"])


def test_system_exit_and_keyboard_interrupt_fail_the_task_not_the_worker(gates):
    exited, interrupted = sample_tasks.bail.enqueue(3), sample_tasks.interrupted.enqueue()
    after = sample_tasks.add.enqueue(1, 2)
    drain()
    for result, cls, last_line in (
        (exited, SystemExit, "SystemExit: 3\n"),
        (interrupted, KeyboardInterrupt, "KeyboardInterrupt: stop\n"),
    ):
        result.refresh()
        [error] = result.errors
        assert result.status == TaskResultStatus.FAILED
        assert error.exception_class_path == f"builtins.{cls.__name__}" and error.exception_class is cls
        assert error.traceback.startswith("Traceback") and error.traceback.endswith(last_line)
    assert default_task_backend.get_result(after.id).return_value == 3


def test_async_task_queries_the_database_in_every_worker_thread(gates):
    results = [sample_tasks.count_task_jobs.enqueue() for _ in range(4)]
    drain(concurrency=2)
    assert [default_task_backend.get_result(r.id).return_value for r in results] == [4, 4, 4, 4]


def test_cancelled_task_is_failed_with_the_cancellation(gates):
    result = sample_tasks.add.enqueue(1, 2)
    with transaction.atomic():
        use_actor("user:ops-tasks")
        assert db.cancel_many([int(result.id)], "not needed")["cancelled"]
    result.refresh()
    [error] = result.errors
    assert result.status == TaskResultStatus.FAILED and result.worker_ids == []
    assert error.exception_class is TaskCancelledError and "not needed" in error.traceback


def test_archived_result_is_still_read(gates, set_config):
    result = sample_tasks.add.using(priority=3).enqueue(2, 5)
    drain("w-archived")
    with transaction.atomic():
        set_config("queue.retention.enabled", True)
    with transaction.atomic():
        use_actor("command:queue_retention", source="command")
        with as_owner():
            answer = json_value(
                "SELECT fn_queue_retention(true, 5000, 20, now() + interval '31 days')",
            )
    assert answer["jobs_archived"] == 1 and not Job.objects.exists()
    archived = task_backends["default"].get_result(result.id)
    assert (archived.status, archived.return_value, archived.args) == (TaskResultStatus.SUCCESSFUL, 7, [2, 5])
    assert archived.worker_ids == ["w-archived"] and archived.task == sample_tasks.add.using(priority=3)


def test_a_return_value_the_database_refuses_fails_the_task(gates):
    result = sample_tasks.leaky.enqueue()
    drain()
    result.refresh()
    [error] = result.errors
    assert result.status == TaskResultStatus.FAILED
    assert error.exception_class is AttemptFailedError
    assert error.traceback.startswith("result refused by the database: payload_prohibited_key: password")


def test_a_task_registers_its_kind_in_the_statement_of_its_first_enqueue(gates):
    kind = "task:" + sample_tasks.shout.module_path
    assert sql_rows("SELECT 1 FROM consumer_registry WHERE job_kind = %s", [kind]) == []
    # The audit trail is append-only across tests: only rows written from here on count.
    start = sql_rows("SELECT coalesce(max(id), 0) FROM admin_action_audit")[0][0]
    registrations = (
        "SELECT actor, outcome FROM admin_action_audit WHERE id > %s AND action = 'consumer.register'"
        " AND %s = ANY(target_ids)"
    )
    with CaptureQueriesContext(connection) as queries:
        sample_tasks.shout.enqueue("hi")
    assert len(queries) == 1
    assert sql_rows(
        "SELECT executor_class, queue_name, handler_ref, status FROM consumer_registry WHERE job_kind = %s", [kind]
    ) == [("pg_worker", "maintenance", sample_tasks.shout.module_path, "active")]
    assert sql_rows(registrations, [start, kind]) == [("system:django.tasks", "applied")]
    sample_tasks.shout.enqueue("again")
    assert len(sql_rows(registrations, [start, kind])) == 1  # registered once


def test_a_registered_kind_is_not_registered_again_and_a_retired_one_is_outside_a_transaction(gates):
    """Outside a transaction the backend skips the registration step for a kind it saw
    registered (one statement, no fn_job_task_kind_ensure); if the kind was retired since,
    the refused enqueue is retried with it, as a first enqueue would have done."""
    kind = "task:" + sample_tasks.shout.module_path
    sample_tasks.shout.enqueue("first")  # registers it
    with CaptureQueriesContext(connection) as queries:
        sample_tasks.shout.enqueue("second")
    assert [q["sql"] for q in queries.captured_queries] == [queries.captured_queries[0]["sql"]]
    assert "fn_job_task_kind_ensure" not in queries.captured_queries[0]["sql"]
    owner_exec("UPDATE consumer_registry SET status = 'retired' WHERE job_kind = %s", [kind])
    with CaptureQueriesContext(connection) as queries:
        result = sample_tasks.shout.enqueue("third")
    assert len(queries) == 2 and "fn_job_task_kind_ensure" in queries.captured_queries[1]["sql"]
    assert Job.objects.get(pk=int(result.id)).status == "queued"
    assert sql_rows("SELECT status FROM consumer_registry WHERE job_kind = %s", [kind]) == [("active",)]
