"""jobs.checks: TASKS queues that map to no registered queue (jobs.W001) or to no possible one (jobs.E001)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks.registry import registry
from django.db import connection, connections
from django.test import override_settings

from jobs.checks import check_task_queues, registered_queues, task_queue_messages
from tests.jobs.tasks_conformance import BACKEND, register_queues

pytestmark = pytest.mark.django_db

TASKS = {
    "default": {"BACKEND": BACKEND, "QUEUES": ["default", "queue-1"]},
    "reports": {"BACKEND": BACKEND, "QUEUES": ["Reports"]},
    "everything": {"BACKEND": BACKEND, "QUEUES": []},  # no QUEUES: any name, nothing to check
    "dummy": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": ["not-ours"]},
    "missing": {"BACKEND": "does.not.exist"},
}


def summary(messages: list[Any]) -> list[tuple[str, Any, str]]:
    return [(m.id, m.obj, m.msg) for m in messages]


def probe(**settings: Any) -> Any:
    """Another connection like Django's, with ``settings`` changed (closed by the caller).

    Its alias stays "default": django.contrib.postgres looks the alias up when it connects.
    """
    default = connections["default"]
    return type(default)({**default.settings_dict, **settings}, alias="default")


def test_the_check_is_registered():
    assert check_task_queues in registry.get_checks()


@override_settings(TASKS=TASKS)
def test_unregistered_queues_warn_until_registered():
    assert summary(check_task_queues()) == [
        (
            "jobs.W001",
            "default",
            "TASKS['default']['QUEUES'] entry 'queue-1' is stored in queue 'queue_1', which is not registered "
            "(queue_state): every enqueue to it is refused.",
        ),
        (
            "jobs.W001",
            "reports",
            "TASKS['reports']['QUEUES'] entry 'Reports' is stored in queue 'reports', which is not registered "
            "(queue_state): every enqueue to it is refused.",
        ),
    ]
    register_queues("queue-1", "Reports")
    assert check_task_queues() == []


@override_settings(TASKS={"default": {"BACKEND": BACKEND, "QUEUES": ["default", "1st", "q" * 52, "q" * 51]}})
def test_a_name_that_can_never_be_a_queue_is_an_error():
    register_queues("q" * 51)
    assert [(m.id, m.msg.split(" maps")[0]) for m in check_task_queues()] == [
        ("jobs.E001", "TASKS['default']['QUEUES'] entry '1st'"),
        ("jobs.E001", f"TASKS['default']['QUEUES'] entry '{'q' * 52}'"),
    ]


def test_an_unreachable_or_unmigrated_database_says_nothing():
    configured = {"default": ["default", "queue-1"]}
    unreachable = probe(PORT="1")
    options = dict(connection.settings_dict.get("OPTIONS") or {})
    options["options"] = (options.get("options") or "") + " -c search_path=pg_catalog"
    unmigrated = probe(OPTIONS=options)  # the test database, where queue_state cannot be found
    try:
        assert registered_queues(unreachable) is None
        assert registered_queues(unmigrated) is None
        with unmigrated.cursor() as cursor:  # reachable: it only lacks the table
            cursor.execute("SHOW search_path")
            assert cursor.fetchone()[0] == "pg_catalog"
    finally:
        unreachable.close()
        unmigrated.close()
    assert task_queue_messages(configured, None) == []
    # A name that can never be a queue is a settings mistake: said with or without a database.
    assert [m.id for m in task_queue_messages({"default": ["1st"]}, None)] == ["jobs.E001"]


def test_a_failed_read_leaves_the_callers_transaction_usable():
    """Inside a transaction (this test's) the read runs in a savepoint."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL search_path = pg_catalog")
        assert registered_queues() is None
        cursor.execute("RESET search_path")
        cursor.execute("SELECT count(*) FROM queue_state")
        assert cursor.fetchone()[0] >= 2
