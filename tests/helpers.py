"""Helpers shared by the test suites: database-error assertions, the actor
context, and governed (four-eyes) changes of ``dot_config``.

They talk to the SQL API through a plain cursor on purpose: the tests must not
depend on the Python services they are meant to check.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from queuegov.actor import Actor, set_actor

# Every transaction-local setting queuegov.actor.Actor writes, plus the
# official-interface flag used by fn_gate_change_approve.
ACTOR_SETTINGS = (*Actor(name="x").settings(), "queuegov.official_interface", "queuegov.gate_change_request_id")

# Two actors used by the governed-change helpers; neither is a real user.
REQUESTER = "test:gate-requester"
APPROVER = "test:gate-approver"


# ---------------------------------------------------------------------------
# Database errors
# ---------------------------------------------------------------------------
@dataclass
class DbErrorInfo:
    """What ``db_error`` caught: the Django exception and psycopg's diagnostics."""

    exception: DatabaseError | None = None
    cause: Any = None
    diag: Any = None
    sqlstate: str | None = None
    constraint: str | None = None
    message: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@contextmanager
def db_error(
    match: str | None = None,
    *,
    constraint: str | None = None,
    sqlstate: str | None = None,
    using: str = "default",
) -> Iterator[DbErrorInfo]:
    """Assert that the block raises a database error, inside ``atomic()``.

    The block runs in a savepoint that is rolled back, so the surrounding test
    transaction stays usable (pgtrigger's ``raises_trigger_error``). With
    psycopg 3 the error arrives as ``ProgrammingError`` / ``IntegrityError`` /
    ``InternalError`` wrapping the psycopg error in ``__cause__``.

    Args:
        match: regular expression searched in the primary message.
        constraint: expected ``diag.constraint_name``.
        sqlstate: expected SQLSTATE (``QG002``, ``23514`` …).
        using: database alias.
    """
    info = DbErrorInfo()
    with pytest.raises(DatabaseError) as excinfo:
        with transaction.atomic(using=using):
            yield info
    exc = excinfo.value
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    info.exception = exc
    info.cause = cause
    info.diag = diag
    info.sqlstate = getattr(cause, "sqlstate", None)
    info.constraint = getattr(diag, "constraint_name", None)
    info.message = (getattr(diag, "message_primary", None) or str(exc)).strip()
    assert cause is not None and diag is not None, f"not a psycopg error: {exc!r}"
    if sqlstate is not None:
        assert info.sqlstate == sqlstate, f"sqlstate {info.sqlstate!r} != {sqlstate!r}: {info.message}"
    if constraint is not None:
        assert info.constraint == constraint, f"constraint {info.constraint!r} != {constraint!r}: {info.message}"
    if match is not None:
        assert re.search(match, info.message), f"{match!r} not found in {info.message!r}"


# ---------------------------------------------------------------------------
# Cursor shortcuts
# ---------------------------------------------------------------------------
def sql_value(sql: str, params: list[Any] | tuple[Any, ...] | None = None) -> Any:
    """First column of the first row (``None`` when there is no row)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else row[0]


def sql_rows(sql: str, params: list[Any] | tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def sql_exec(sql: str, params: list[Any] | tuple[Any, ...] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def as_json(value: Any) -> Any:
    """Django's psycopg 3 connection returns jsonb as ``str`` from raw cursors."""
    return json.loads(value) if isinstance(value, str) else value


def json_value(sql: str, params: list[Any] | tuple[Any, ...] | None = None) -> Any:
    return as_json(sql_value(sql, params))


# ---------------------------------------------------------------------------
# Actor context
# ---------------------------------------------------------------------------
def unseal_actor() -> None:
    """Let the test transaction act as another actor (the owner's right; see fn_actor_governed).

    A real transaction acts as one actor; a test often plays several people in
    one transaction, so every helper that switches actors unseals first.
    """
    from tests.database import as_owner

    with as_owner():
        sql_exec("SELECT fn_actor_unseal()")


def use_actor(name: str, **kwargs: Any) -> Actor:
    """Set ``Actor(name=name, **kwargs)`` on the current transaction."""
    acting = Actor(name=name, **kwargs)
    unseal_actor()
    set_actor(acting)
    return acting


def clear_actor() -> None:
    """Blank every actor setting, so ``fn_actor()`` is NULL again."""
    sql_exec(
        "SELECT set_config(k, '', true) FROM unnest(%s::text[]) AS t(k)",
        [list(ACTOR_SETTINGS)],
    )


@contextmanager
def preserved_actor() -> Iterator[None]:
    """Run a block under other actors and put the caller's context back after.

    The block runs in a savepoint: on success the saved settings are written
    back; on error the savepoint rollback reverts them by itself.
    """
    keys = list(ACTOR_SETTINGS)
    saved = sql_value(
        "SELECT array_agg(coalesce(current_setting(k, true), '')) FROM unnest(%s::text[]) AS t(k)", [keys]
    )
    with transaction.atomic():
        yield
        unseal_actor()
        sql_exec(
            "SELECT set_config(k, v, true) FROM unnest(%s::text[], %s::text[]) AS t(k, v)",
            [keys, list(saved)],
        )


# ---------------------------------------------------------------------------
# Governed changes of dot_config (four-eyes)
# ---------------------------------------------------------------------------
def config_value(key: str) -> Any:
    return json_value("SELECT value FROM dot_config WHERE key = %s", [key])


def request_change(key: str, value: Any, reason: str = "test change", *, requester: str = REQUESTER) -> int:
    """File a gate-change request as ``requester``; returns the request id."""
    with preserved_actor():
        use_actor(requester)
        return int(sql_value("SELECT fn_gate_change_request(%s, %s::jsonb, %s)", [key, json.dumps(value), reason]))


def decide_change(
    verb: str, request_id: int, reason: str | None = "test decision", *, decider: str = APPROVER
) -> dict[str, Any]:
    """Approve, reject or withdraw a request as ``decider``."""
    function = {
        "approve": "fn_gate_change_approve",
        "reject": "fn_gate_change_reject",
        "withdraw": "fn_gate_change_withdraw",
    }[verb]
    with preserved_actor():
        use_actor(decider)
        return json_value(f"SELECT {function}(%s, %s)", [request_id, reason])


def governed_set(
    key: str, value: Any, *, requester: str = REQUESTER, approver: str = APPROVER
) -> dict[str, Any] | None:
    """Change ``key`` the governed way: request as one actor, approve as another.

    Returns the approval result, or ``None`` when the key already has the value.
    The caller's actor context is left as it was.
    """
    if config_value(key) == value:
        return None
    request_id = request_change(key, value, f"test sets {key}", requester=requester)
    return decide_change("approve", request_id, f"test approves {key}", decider=approver)


# ---------------------------------------------------------------------------
# docs/operations.md, "Gates": the gates and settings every fresh install has
# ---------------------------------------------------------------------------
SPEC_GATES = (
    "event.emit_enabled",
    "event.routes_master.enabled",
    "event.route_worker.enabled",
    "event.delivery.enabled",
    "queue.job_substrate.enabled",
    "queue.worker.enabled",
    "queue.lease_reaper.enabled",
    "queue.dlq_replay.enabled",
    "queue.heartbeat.enabled",
    "queue.notify.enabled",
    "queue.scheduler.enabled",
    "queue.retention.enabled",
    "iu_core.retention_enabled",
    "vector.sync.enabled",  # staging use cases (issue 16): docs/staging.md, "Vector sync"
)
SPEC_SETTINGS = {
    "event.debounce_seconds": 90,
    "event.retry.max_attempts": 5,
    "queue.heartbeat.stale_after_seconds": 300,
    "queue.retention.hot_days": 30,
    "queue.retention.archive_days": 90,
    "queue.retention.dlq_days": 365,
    "iu_core.staging_ttl_days": 15,
    "iu_core.clean_after_days": 15,
    "iu_core.archive_after_days": 30,
    "queue.payload.max_bytes": 65536,
    "event.retry.backoff_seconds": 5,  # the documents' key (docs/events.md, "Routes never block their domain")
}

# A subject's own four-eyes switch, born OFF when the subject is: a trigger-IN route's, a
# trigger-OUT route's, an event type's (docs/events.md). Not among the install's gates above.
SUBJECT_GATE_PREFIXES = ("event.sql_route.", "event.outbound_route.", "event.type.")


def is_subject_gate(key: str) -> bool:
    return key.startswith(SUBJECT_GATE_PREFIXES)


# Settings beyond docs/operations.md, "Gates", added by the operations layer (health thresholds).
OPS_SETTINGS = {
    "queue.health.max_open_dead_letters": 10,
    "queue.health.max_backlog": 10000,
    "queue.health.max_oldest_queued_seconds": 600,
    "queue.health.orphan_after_seconds": 60,
    "vector.sync.max_behind_seconds": 900,  # staging use cases (issue 16)
}

# Settings of the SQL API's own limits.
API_SETTINGS = {
    "queue.enqueue_many.max_jobs": 10000,
}


def connection_params() -> dict[str, Any]:
    """psycopg.connect() arguments for another connection to the test database."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return params


def subprocess_database_url() -> str:
    """A DATABASE_URL naming the test database, for subprocesses (workers, gunicorn).

    The tester login acting as the app role (tests/database.py), like the suite.
    """
    from tests.database import subprocess_database_url as url

    return url()


# The job kinds the suite enqueues, registered once when the test database is
# built, as a deployment registers its kinds (an unregistered kind is refused at
# enqueue: docs/executors.md). Kinds a test binds differently it registers itself.
SUITE_KINDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "test.job", "test.free", "test.unbound", "test.reindex", "test.prepared", "test.doomed", "test.bulk",
            "test.tick", "test.dup", "test.ops", "test.ops.dies", "test.ops.search", "test.ops.lock", "test.ops.old",
            "demo.later", "demo.bulk", "demo.flaky", "e2e.flaky",
            "test.worker.unsafe_result", "test.worker.double", "test.worker.parallel", "test.worker.sleep",
            "test.worker.nul_message", "test.worker.nobody_handles_this", "test.worker.kill_own_connection",
            "test.worker.hold", "test.worker.exit", "test.worker.cancel_self", "test.worker.boom",
            "test.worker.not_json", "test.route_bridge", "test.route_dry", "test.crash_bridge",
        ),
        "pg_worker",
    ),
    "hermes.summarise": "hermes",
}  # fmt: skip


def register_suite_kinds() -> None:
    """Bind SUITE_KINDS to their classes the governed way (fn_consumer_register), committed."""
    from django.db import transaction

    with transaction.atomic():
        use_actor("test:kinds-registrar")
        for kind, executor_class in SUITE_KINDS.items():
            json_value("SELECT fn_consumer_register(%s, %s, 'default', 'default', NULL, 'a kind the tests enqueue')",
                       [kind, executor_class])  # fmt: skip
