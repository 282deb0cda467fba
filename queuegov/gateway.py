"""The one way Python reaches the database (docs/architecture.md, "The database gateway").

Each app's ``db.py`` names the SQL it calls; this module runs it, so how a
statement is bound, prepared, logged and tied to its actor is decided once:

* Statements run on Django's connection (or a plain psycopg connection a
  thread owns, ``conn=``) through a server-side-binding psycopg cursor, so
  PostgreSQL prepares each statement text after psycopg's ``prepare_threshold``
  uses instead of parsing and planning literal SQL per call. On Django's
  connection the cursor is wrapped as Django wraps its own: errors come out as
  Django's, and query logging and ``execute_wrapper`` see every statement.
* A function's jsonb answer comes back decoded (``call``).
* With ``actor=`` and outside a transaction, the actor's transaction-local
  settings ride in the same statement (one round trip, one commit).
* ``Listener`` holds LISTEN on a connection of its own and re-LISTENs after a
  reconnect; the job worker and the route workers share it.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import psycopg
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg import sql as pgsql

from queuegov import replica

if TYPE_CHECKING:
    from queuegov.actor import Actor

Statement = str | pgsql.Composable
Conn = BaseDatabaseWrapper | psycopg.Connection | None

# "SELECT <function>(…)" and nothing else: the form the actor subquery can be attached to.
_SINGLE_CALL = re.compile(r"SELECT fn_\w+\((?:(?!\bFROM\b)[^;])*\)", re.IGNORECASE)


JSON_TYPES = frozenset({114, 3802})  # pg_type oids of json and jsonb


def loads(value: Any) -> Any:
    """json/jsonb as Python: Django's connection hands it back as text (for JSONField to decode)."""
    return json.loads(value) if isinstance(value, str) else value


@contextmanager
def _cursor(conn: Conn = None, prepare: bool = True) -> Iterator[Any]:
    if isinstance(conn, psycopg.Connection):
        with conn.cursor() as cursor:
            yield cursor
        return
    django_conn = conn if conn is not None else connections[replica.read_alias()]
    if not prepare:
        with django_conn.cursor() as cursor:  # Django's client-side binding: SQL the ORM compiled
            yield cursor
        return
    django_conn.ensure_connection()
    # Django's own wrapper (error translation, query logging, execute wrappers)
    # around a server-side-binding cursor instead of its client-side one.
    with django_conn._prepare_cursor(psycopg.Cursor(django_conn.connection)) as cursor:
        yield cursor


def call(sql: Statement, params: Sequence[Any] = (), *, actor: Actor | None = None, conn: Conn = None) -> Any:
    """The first column of the one row ``sql`` answers (a SQL function's answer); json decoded.

    With ``actor`` the call runs in that actor's transaction-local context (as
    ``actor_context``). Outside a transaction, a single ``SELECT <function>(…)``
    carries the actor's ``set_config`` calls in the same statement, ``SELECT
    <function>(…) FROM (SELECT set_config(…, true), … OFFSET 0) AS actor``: the
    subquery (kept apart by OFFSET 0) yields its row before the outer call runs,
    and the statement is its own transaction, so the settings vanish at its
    commit exactly as with ``actor_context()``. Inside the caller's transaction,
    or for SQL of another shape, it is ``set_actor()`` then the call.
    """
    if actor is not None:
        if isinstance(conn, psycopg.Connection):
            raise TypeError("call(actor=...) runs on Django's connection")
        django_conn = conn if conn is not None else connections[replica.read_alias()]
        if not django_conn.in_atomic_block and isinstance(sql, str) and _is_single_call(sql):
            # Only the settings with a value: every reader takes '' as absent (nullif), and
            # each set_config costs the claim path ~20 µs (a worker's actor has two of eight).
            items = {k: v for k, v in actor.settings().items() if v}
            values = [*params, *(x for kv in items.items() for x in kv)]
            return _first(_with_actor(sql, len(items)), values, django_conn)
        if not django_conn.in_atomic_block:
            with transaction.atomic(using=django_conn.alias):
                set_actor(actor, django_conn)
                return _first(sql, params, django_conn)
        set_actor(actor, django_conn)
    return _first(sql, params, conn)


def _first(sql: Statement, params: Sequence[Any], conn: Conn) -> Any:
    with _cursor(conn) as cursor:
        cursor.execute(sql, params)
        value = cursor.fetchone()[0]
        return loads(value) if cursor.description[0].type_code in JSON_TYPES else value


def row(
    sql: Statement, params: Sequence[Any] = (), *, conn: Conn = None, prepare: bool = True
) -> tuple[Any, ...] | None:
    """The first row, or None. ``prepare=False`` binds on the client, as Django does, for
    SQL the ORM compiled (``QuerySet.query.sql_with_params()``)."""
    with _cursor(conn, prepare) as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchone()
    return None if found is None else tuple(found)


def rows(sql: Statement, params: Sequence[Any] = (), *, conn: Conn = None) -> list[tuple[Any, ...]]:
    """Every row, as tuples."""
    with _cursor(conn) as cursor:
        cursor.execute(sql, params)
        return [tuple(found) for found in cursor.fetchall()]


def dict_rows(sql: Statement, params: Sequence[Any] = (), *, conn: Conn = None) -> list[dict[str, Any]]:
    """Every row, as a dict by column name."""
    with _cursor(conn) as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, found, strict=True)) for found in cursor.fetchall()]


def execute(sql: Statement, params: Sequence[Any] | None = (), *, conn: Conn = None, prepare: bool = True) -> int:
    """Run a statement for its effect; answers the row count."""
    with _cursor(conn, prepare) as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def set_actor(actor: Actor, conn: Conn = None) -> None:
    """Put ``actor`` on the open transaction: ``fn_actor()`` and the audit read it back."""
    items = actor.settings()
    keys = list(items)
    execute(
        "SELECT set_config(k, v, true) FROM unnest(%s::text[], %s::text[]) AS t(k, v)",
        [keys, [items[k] for k in keys]],
        conn=conn,
    )


@functools.cache
def _is_single_call(sql: str) -> bool:
    # The pattern's lookahead runs at every character (2-5 µs a call): once per statement text.
    return _SINGLE_CALL.fullmatch(sql) is not None


@functools.cache
def _with_actor(sql: str, settings: int) -> str:
    """``sql`` (a single ``SELECT <function>(…)``) with ``settings`` transaction-local set_config calls attached."""
    calls = ", ".join(["set_config(%s, %s, true)"] * settings)
    return f"{sql} FROM (SELECT {calls} OFFSET 0) AS actor"


def plain_connection(autocommit: bool = True) -> psycopg.Connection:
    """A psycopg connection to Django's database (its parameters and timeouts), owned by one thread."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params, autocommit=autocommit)


def listen_connection() -> psycopg.Connection:
    """The connection a LISTEN holds: ``DATABASE_LISTEN_URL`` when set (a session-pooled
    endpoint when Django's goes through transaction pooling, which cannot keep a LISTEN:
    docs/operations.md, "Scaling out"), with Django's timeouts; else Django's database."""
    url = settings.QUEUEGOV_LISTEN_DATABASE_URL
    if not url:
        return plain_connection()
    params = connection.get_connection_params()
    timeouts = {k: v for k, v in params.items() if k.startswith(("connect_timeout", "keepalives", "tcp_user"))}
    return psycopg.connect(url, autocommit=True, **timeouts)


def wake_channel(name: str) -> str:
    """The NOTIFY channel of a queue or event domain (fn_job_wake: ``queue_wake_<name>``)."""
    return f"queue_wake_{name}"


class Listener:
    """LISTEN on ``channels`` on a dedicated autocommit connection; re-LISTENs after reconnecting.

    ``wait`` connects (and LISTENs) when there is no connection, so after a
    lost connection the caller only ``close()``s it; NOTIFYs sent while it was
    down are lost, which is why every listener also polls.
    """

    def __init__(self, channels: Sequence[str]) -> None:
        self.channels = list(channels)
        self.conn: psycopg.Connection | None = None

    def connect(self) -> None:
        self.close()
        conn = listen_connection()
        try:
            for channel in self.channels:
                conn.execute(pgsql.SQL("LISTEN {}").format(pgsql.Identifier(channel)))
        except BaseException:
            conn.close()
            raise
        self.conn = conn

    def wait(self, timeout: float) -> bool:
        """Block until a notification or ``timeout``; True if woken. Drains a backlog."""
        conn = self.conn
        if conn is None:
            self.connect()
            conn = self.conn
        woke = False
        for _ in conn.notifies(timeout=timeout, stop_after=1):  # type: ignore[union-attr]  (connect() set it)
            woke = True
        if woke:
            for _ in conn.notifies(timeout=0.0):  # type: ignore[union-attr]
                pass
        return woke

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
