"""Setup shared by the django.tasks conformance suites (Django's and django-tasks-db's tests).

Upstream runs its tests on Django test cases with an in-memory or ORM
backend; here they run against ``JobQueueBackend`` on the real database, so
the setup each needs is: a committed database (TransactionTestCase, cleaned by
tests/conftest.py's ``unmanaged_tables_cleanup`` through the ``django_db``
marker), the job gates open, the queues upstream names registered, and this
project's worker where upstream ran its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import pytest
from django.db import transaction
from django.test import TransactionTestCase

from jobs.tasks_backend import sql_queue_name
from jobs.worker import Worker
from tests import helpers

BACKEND = "jobs.tasks_backend.JobQueueBackend"
JOB_GATES = ("queue.job_substrate.enabled", "queue.worker.enabled")
QUEUE_REGISTRAR = "test:queue-registrar"


def open_gates(*keys: str) -> None:
    """Open gates the governed way (both job gates are closed on a fresh install)."""
    with transaction.atomic():
        for key in keys:
            helpers.governed_set(key, True)


def register_queues(*django_names: str) -> None:
    """Register the queue each Django queue name is stored in (fn_queue_register, audited)."""
    with transaction.atomic():
        helpers.use_actor(QUEUE_REGISTRAR)
        for name in django_names:
            helpers.json_value("SELECT fn_queue_register(%s)", [sql_queue_name(name)])


def run_worker(queue_names: Iterable[str] | None = None) -> None:
    """This project's worker, draining what is due (upstream ran its own worker or none)."""
    queues = None if queue_names is None else [sql_queue_name(name) for name in queue_names]
    Worker(once=True, listen=False, queues=queues).run()


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    """Poll ``condition`` until it holds (never a fixed sleep standing in for a condition)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.mark.django_db(transaction=True)
class JobQueueTestCase(TransactionTestCase):
    """A committed test with the job gates open and the queues of ``queues_to_register`` registered."""

    queues_to_register: tuple[str, ...] = ()

    def setUp(self) -> None:
        super().setUp()
        open_gates(*JOB_GATES)
        if self.queues_to_register:
            register_queues(*self.queues_to_register)
