"""System checks: every queue a django.tasks backend of this project may use is a registered queue.

``JobQueueBackend`` stores a task in the queue ``sql_queue_name(queue_name)``;
the database refuses a job for a queue missing from ``queue_state``, so a name
in ``TASKS[alias]["QUEUES"]`` that maps to no registered queue fails every
enqueue to it. The check says so before the first enqueue does:

* jobs.E001 (error): the mapped name can never be a queue (it does not match
  ``^[a-z][a-z0-9_]{0,50}$``); a settings mistake, no database needed.
* jobs.W001 (warning): the mapped name is not in ``queue_state``. A warning, not
  an error: an error would stop ``migrate`` and every other management
  command, including the ones that register the queue.

When ``queue_state`` cannot be read (the database is unreachable, or not
migrated yet: the first ``migrate`` runs its checks before it creates the
table) the check says nothing: that is no configuration mistake, the check
cannot tell, and the enqueue itself still refuses an unregistered queue.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core import checks
from django.db import DatabaseError, connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.tasks import task_backends
from django.tasks.exceptions import InvalidTaskBackend

from jobs import db
from jobs.tasks_backend import QUEUE_NAME_FORMAT, JobQueueBackend, sql_queue_name


def registered_queues(conn: BaseDatabaseWrapper | None = None) -> set[str] | None:
    """The queue names in ``queue_state``, or None when the database cannot say."""
    if conn is None:
        from jobs.models import QueueState

        conn = connections[router.db_for_read(QueueState)]
    try:
        if conn.in_atomic_block:
            # A failed query would break the caller's transaction: read in a savepoint.
            with transaction.atomic(using=conn.alias):
                return _queue_names(conn)
        return _queue_names(conn)
    except DatabaseError:
        return None


def _queue_names(conn: BaseDatabaseWrapper) -> set[str]:
    return db.queue_names(conn)


def configured_task_queues() -> dict[str, list[str]]:
    """Django queue names by alias, for the ``TASKS`` aliases whose backend is a ``JobQueueBackend``.

    An alias whose backend cannot be loaded is django.tasks' own check's business.
    """
    found: dict[str, list[str]] = {}
    for alias in task_backends.settings:
        try:
            backend = task_backends[alias]
        except (InvalidTaskBackend, ImportError):
            continue
        if isinstance(backend, JobQueueBackend):
            found[alias] = sorted(backend.queues)
    return found


def task_queue_messages(configured: dict[str, list[str]], registered: set[str] | None) -> list[checks.CheckMessage]:
    """jobs.E001 / jobs.W001 for ``configured`` (alias → Django queue names) against ``registered``."""
    messages: list[checks.CheckMessage] = []
    for alias, names in configured.items():
        for name in names:
            queue = sql_queue_name(name)
            where = f"TASKS[{alias!r}]['QUEUES'] entry {name!r}"
            if not QUEUE_NAME_FORMAT.fullmatch(queue):
                messages.append(
                    checks.Error(
                        f"{where} maps to {queue!r}, which can never be a queue name "
                        "(queue names match ^[a-z][a-z0-9_]{0,50}$).",
                        hint="Lower case, every character outside [a-z0-9_] becomes '_'; "
                        "use a name that starts with a letter and has at most 51 characters.",
                        obj=alias,
                        id="jobs.E001",
                    )
                )
            elif registered is not None and queue not in registered:
                messages.append(
                    checks.Warning(
                        f"{where} is stored in queue {queue!r}, which is not registered (queue_state): "
                        "every enqueue to it is refused.",
                        hint=f"Register queue {queue!r} with fn_queue_register (audited; see docs/sql-api.md), "
                        "or remove the entry from QUEUES.",
                        obj=alias,
                        id="jobs.W001",
                    )
                )
    return messages


def check_task_queues(app_configs: Iterable[Any] | None = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The registered system check (jobs/apps.py); reads ``queue_state`` only when there is a queue to check."""
    configured = configured_task_queues()
    if not any(configured.values()):
        return []
    return task_queue_messages(configured, registered_queues())
