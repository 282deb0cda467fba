"""django.tasks over job_queue: enqueue → queue_worker → get_result."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.tasks import default_task_backend
from django.tasks.base import TaskResultStatus
from django.tasks.exceptions import TaskResultDoesNotExist
from django.utils import timezone

from jobs.models import Job
from jobs.tasks_backend import GateClosedError
from jobs.worker import Worker
from tests.jobs import sample_tasks

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def gates(set_config):
    with transaction.atomic():
        set_config("queue.job_substrate.enabled", True)
        set_config("queue.worker.enabled", True)


def drain() -> None:
    Worker(once=True, listen=False, lease_seconds=30).run()


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
    from queuegov.errors import PayloadRejected

    with pytest.raises(PayloadRejected, match="payload_prohibited_key: password"):
        sample_tasks.add.enqueue(a=1, b={"password": "x"})
