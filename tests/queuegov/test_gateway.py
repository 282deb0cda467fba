"""docs/architecture.md, "The database gateway": Python reaches the database
only through queuegov.gateway, and SQL text lives only in the apps' db.py
modules, so how statements are bound, prepared, logged and tied to an actor
is decided once."""

from __future__ import annotations

import ast
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from queuegov import gateway
from queuegov.actor import Actor
from tests.database import admin_connect
from tests.helpers import sql_value

BASE_DIR = Path(settings.BASE_DIR)
PACKAGES = ("queuegov", "jobs", "events", "staging")
GATEWAY = "queuegov/gateway.py"
# The installation, run as the migration login like the migrations themselves:
# database roles, their grants, the migrate/db_roles commands that apply them,
# the trigger DDL pgtrigger compiles into migrations, and the schema dump.
INSTALLATION = {
    "queuegov/dbroles.py",
    "queuegov/privileges.py",
    "queuegov/triggers.py",
    "queuegov/schema.py",
    "queuegov/management/commands/migrate.py",
    "queuegov/management/commands/db_roles.py",
}
EXECUTING = {"execute", "executemany", "cursor", "copy", "notifies", "raw", "extra", "connect"}
SQL_START = ("SELECT ", "INSERT ", "UPDATE ", "DELETE ", "WITH ", "EXPLAIN ", "SHOW ", "LISTEN ", "NOTIFY ",
             "CREATE ", "ALTER ", "DROP ", "GRANT ", "REVOKE ", "SET ", "COPY ", "TRUNCATE ")  # fmt: skip


def project_modules() -> Iterator[tuple[str, ast.AST]]:
    for package in PACKAGES:
        for path in sorted((BASE_DIR / package).rglob("*.py")):
            where = path.relative_to(BASE_DIR).as_posix()
            if "/migrations/" not in where:
                yield where, ast.parse(path.read_text(encoding="utf-8"), filename=where)


def executions(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Calls that run SQL: ``x.execute(…)``, ``x.cursor()``, ``psycopg.connect(…)``, ``qs.raw(…)``,
    ``RawSQL(…)``; the gateway's own functions (``gateway.execute``) and methods of ``self`` are not."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in EXECUTING:
            receiver = func.value
            name = receiver.id if isinstance(receiver, ast.Name) else None
            if name in {"self", "gateway"} or (func.attr == "connect" and name != "psycopg"):
                continue
            yield node.lineno, f"{ast.unparse(func)}(…)"
        elif isinstance(func, ast.Name) and func.id == "RawSQL":
            yield node.lineno, "RawSQL(…)"


def sql_texts(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """String constants that are SQL statements (docstrings are prose, not statements)."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            if node.value.lstrip().upper().startswith(SQL_START) and node.value.lstrip()[:6].isupper():
                yield node.lineno, node.value.strip().splitlines()[0][:60]


def is_db_module(where: str) -> bool:
    return where.endswith("/db.py") or where == GATEWAY


def test_the_scan_reads_the_apps() -> None:
    modules = dict(project_modules())
    assert {GATEWAY, "jobs/db.py", "events/db.py", "staging/db.py", "queuegov/db.py", "queuegov/ops/db.py"} <= set(
        modules
    )
    assert list(executions(modules[GATEWAY]))  # the gateway does execute
    assert list(sql_texts(modules["jobs/db.py"]))


def test_no_sql_is_executed_outside_the_gateway() -> None:
    found = [
        f"{where}:{line} {call}"
        for where, tree in project_modules()
        if where != GATEWAY and where not in INSTALLATION
        for line, call in executions(tree)
    ]
    assert found == []


def test_sql_text_lives_only_in_the_db_modules() -> None:
    found = [
        f"{where}:{line} {text}"
        for where, tree in project_modules()
        if not is_db_module(where) and where not in INSTALLATION
        for line, text in sql_texts(tree)
    ]
    assert found == []


def test_the_scans_see_what_they_look_for() -> None:
    tree = ast.parse(
        "from django.db import connection\n"
        "def f(qs):\n"
        "    with connection.cursor() as c:\n"
        "        c.execute('SELECT 1')\n"
        "    psycopg.connect('')\n"
        "    qs.raw('SELECT * FROM job_queue')\n"
        "    RawSQL('now()', [])\n"
        "    gateway.execute('SELECT 2')\n"
        "    self.execute(job)\n"
    )
    assert sorted(line for line, _ in executions(tree)) == [3, 4, 5, 6, 7]
    assert sorted(text for _, text in sql_texts(tree)) == ["SELECT * FROM job_queue", "SELECT 1", "SELECT 2"]


# ---------------------------------------------------------------------------
# What the gateway promises
# ---------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_calls_are_prepared_logged_and_decoded() -> None:
    statement = "SELECT jsonb_build_object('n', %s::integer)"
    with CaptureQueriesContext(connection) as queries:
        answers = [gateway.call(statement, [n]) for n in range(7)]
    assert answers == [{"n": n} for n in range(7)]  # jsonb decoded
    assert len(queries) == 7  # Django's query log sees gateway statements
    prepared = sql_value(
        "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'SELECT jsonb_build_object%%'"
    )
    assert prepared == 1  # planned once per connection after DB_PREPARE_THRESHOLD uses


@pytest.mark.django_db
def test_errors_come_out_as_djangos() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        gateway.execute("DO $$ BEGIN RAISE unique_violation; END $$")
    with pytest.raises(DatabaseError), transaction.atomic():
        gateway.row("SELECT * FROM no_such_table_here")
    with pytest.raises(psycopg.errors.UniqueViolation), gateway.plain_connection() as plain:
        gateway.execute("DO $$ BEGIN RAISE unique_violation; END $$", conn=plain)  # its own connection: psycopg's


@pytest.mark.django_db(transaction=True)
def test_an_actor_rides_in_the_statement_outside_a_transaction() -> None:
    actor = Actor(name="user:gateway-probe", source="command")
    assert gateway.call("SELECT fn_actor()", actor=actor) == "user:gateway-probe"
    assert gateway.call("SELECT current_setting('queuegov.actor', true)") in ("", None)  # gone at commit


@pytest.mark.django_db(transaction=True)
def test_the_listener_wakes_and_re_listens_after_its_connection_is_killed() -> None:
    listener = gateway.Listener([gateway.wake_channel("gateway_probe")])
    try:
        listener.connect()
        assert listener.wait(0.0) is False
        gateway.execute("SELECT pg_notify(%s, '')", [gateway.wake_channel("gateway_probe")])
        assert listener.wait(10.0) is True
        pid = listener.conn.info.backend_pid
        with admin_connect() as admin:  # the app role may not signal backends
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        with pytest.raises(psycopg.OperationalError):
            listener.wait(10.0)
        listener.close()  # what every caller does after a connection error
        woke = threading.Event()

        def notify_until_woken() -> None:
            try:
                while not woke.wait(0.05):
                    gateway.execute("SELECT pg_notify(%s, '')", [gateway.wake_channel("gateway_probe")])
            finally:
                connection.close()  # this thread's own Django connection

        sender = threading.Thread(target=notify_until_woken, daemon=True)
        sender.start()
        try:
            assert listener.wait(10.0) is True  # reconnected and LISTENing again
        finally:
            woke.set()
            sender.join()
        assert listener.conn.info.backend_pid != pid
    finally:
        listener.close()
