"""Fixtures shared by every test suite.

Most tests use pytest-django's ``db`` fixture: each test runs inside one
transaction that is rolled back, so rows written through the SQL API vanish
with it. ``transaction=True`` tests commit for real; the autouse
``unmanaged_tables_cleanup`` fixture below cleans up after them, within the
limits the governance rules allow (read its docstring).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from django.db import connection, transaction

from queuegov import dbroles
from queuegov.actor import Actor
from tests import cleanup, database, helpers


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest,
    django_test_environment: None,
    django_db_blocker: Any,
    django_db_keepdb: bool,
    django_db_createdb: bool,
    django_db_modify_db_settings: None,
) -> Iterator[None]:
    """Build the test database as ``manage.py migrate`` does, then run as the app role.

    pytest-django's own fixture, with the logins of docs/security.md: the
    database is created and migrated by the migration login (objects owned by
    the owner role), and every test then runs on the tester login acting as
    the app role (tests/database.py).
    """
    from django.test.utils import setup_databases, teardown_databases

    verbosity = request.config.option.verbose
    with django_db_blocker.unblock():
        with dbroles.migration_login(as_owner=False):
            with connection.cursor() as cursor:
                dbroles.ensure_roles(cursor, app_password=dbroles.app_password())
                database.ensure_tester(cursor)
            db_cfg = setup_databases(
                verbosity=verbosity, interactive=False, keepdb=django_db_keepdb and not django_db_createdb
            )
        database.use_tester()
        helpers.register_suite_kinds()
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock(), dbroles.migration_login(as_owner=False):
            teardown_databases(db_cfg, verbosity=verbosity)


@pytest.fixture(scope="session")
def migrated_snapshot(django_db_setup: None, django_db_blocker: Any) -> dict[str, Any]:
    """Seed rows and gate/setting values of the freshly built test database."""
    with django_db_blocker.unblock():
        return cleanup.take_snapshot()


def _is_transactional(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        return True
    return bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def unmanaged_tables_cleanup(request: pytest.FixtureRequest) -> Iterator[None]:
    """Clean unmanaged tables around ``transaction=True`` tests (no-op otherwise).

    Django flushes only *managed* tables between transactional tests, so rows a
    committed test wrote into the SQL substrate would leak into the next test.
    Before and after each such test this fixture (``tests.cleanup.clean``):

    * ``TRUNCATE … RESTART IDENTITY CASCADE`` every table behind an unmanaged
      model except ``cleanup.PROTECTED_TABLES``, then puts back the rows the
      migrations seeded (snapshot taken once, right after the test database
      was built; re-inserted with triggers off);
    * withdraws pending ``gate_change_request`` rows (as their requester) and
      puts every ``dot_config`` value back to its migrated value through the
      governed four-eyes path.

    What it cannot clean, by design: ``admin_action_audit`` and
    ``dot_config_history`` refuse TRUNCATE, UPDATE and DELETE for every role
    (append-only triggers), ``gate_change_request`` refuses DELETE, and
    ``dot_config`` refuses direct writes. Rows in those tables accumulate
    (the cleanup itself adds history and request rows, as
    ``test:cleanup-requester``/``test:cleanup-approver``), so a transactional
    test must not assert on their total contents: make its rows unique
    instead (``unique_name`` for actor names, then filter by actor or by id)
    and compare against ids/counts read at the start of the test.
    """
    if not _is_transactional(request):
        yield
        return
    request.getfixturevalue("transactional_db")
    snapshot = request.getfixturevalue("migrated_snapshot")
    cleanup.clean(snapshot)
    yield
    cleanup.clean(snapshot)


@pytest.fixture(autouse=True)
def _one_transaction_many_actors(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Let a test play several people inside its one transaction.

    In production each request or command is its own transaction and
    fn_actor_governed seals a transaction to one actor. A ``db`` test runs
    everything in one transaction, so each time the code under test enters a
    new actor context the seal is lifted first (by the owner, the trust root).
    Tests of the seal itself set ``@pytest.mark.sealed`` and switch actors in
    raw SQL.
    """
    if request.node.get_closest_marker("sealed") is not None:
        return
    import queuegov.actor

    real = queuegov.actor.set_actor

    def set_actor(actor: Actor, using: str = "default") -> None:
        helpers.unseal_actor()
        real(actor, using=using)

    monkeypatch.setattr(queuegov.actor, "set_actor", set_actor)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def unique_name() -> Callable[[str], str]:
    """``unique_name("user:alice")`` → ``"user:alice-1a2b3c4d"``, unique per call."""

    def make(prefix: str) -> str:
        return f"{prefix}-{uuid.uuid4().hex[:8]}"

    return make


class ActorSwitch:
    """Callable fixture object: ``actor("user:alice", roles=("operator",))``."""

    def __call__(self, name: str, **kwargs: Any) -> Actor:
        """Set the actor on the current test transaction and return it."""
        if not connection.in_atomic_block:
            raise RuntimeError("actor() needs a transaction: use the db fixture or transaction.atomic()")
        return helpers.use_actor(name, **kwargs)

    @staticmethod
    def clear() -> None:
        """Blank the actor context (``fn_actor()`` returns NULL)."""
        helpers.clear_actor()

    @staticmethod
    def current() -> str | None:
        return helpers.sql_value("SELECT fn_actor()")


@pytest.fixture
def actor() -> ActorSwitch:
    """Set the transaction-local actor context via ``queuegov.actor.set_actor``."""
    return ActorSwitch()


@pytest.fixture
def set_config() -> Callable[[str, Any], dict[str, Any] | None]:
    """``set_config(key, value)``: change a gate/setting the governed way.

    Files the request as ``test:gate-requester`` (fn_gate_change_request) and
    approves it as ``test:gate-approver`` (fn_gate_change_approve) inside the
    test transaction; the test's own actor context is left as it was.
    Returns the approval result, or ``None`` when the value is already set.
    """
    return helpers.governed_set


@pytest.fixture
def open_gate(set_config: Callable[[str, Any], Any]) -> Callable[[str], Any]:
    """``open_gate(key)``: set a gate to ``true`` the governed way."""

    def open_(key: str) -> Any:
        return set_config(key, True)

    return open_


@pytest.fixture
def close_gate(set_config: Callable[[str, Any], Any]) -> Callable[[str], Any]:
    def close(key: str) -> Any:
        return set_config(key, False)

    return close


@pytest.fixture
def db_error() -> Callable[..., Any]:
    """The ``tests.helpers.db_error`` context manager, as a fixture."""
    return helpers.db_error


@pytest.fixture
def in_transaction() -> Callable[[], Any]:
    """``with in_transaction():`` — a savepoint, for setting an actor in transactional tests."""
    return transaction.atomic


@pytest.fixture
def pg_connect() -> Iterator[Callable[..., psycopg.Connection]]:
    """``pg_connect(autocommit=True)``: another connection to the test database, closed after the test."""
    opened: list[psycopg.Connection] = []

    def open_(autocommit: bool = True) -> psycopg.Connection:
        conn = psycopg.connect(**helpers.connection_params(), autocommit=autocommit)
        opened.append(conn)
        return conn

    yield open_
    for conn in opened:
        conn.close()
