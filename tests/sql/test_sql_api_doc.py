"""docs/sql-api.md's psql sessions run exactly as written, so the doc cannot drift
from the API: the gates are opened the governed way (two actors, two
transactions), an operator prepares the queue, and a Hermes host on its own
login enqueues, claims, extends, acknowledges one job and fails the other."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from psycopg import sql

from jobs.executors import ExecutorCredentials, create_executor_login
from queuegov import dbroles
from queuegov.actor import Actor
from queuegov.schema import connection_options, pg_dump_binary, server_major
from tests.database import admin_connect
from tests.helpers import config_value, sql_rows

pytestmark = pytest.mark.django_db(transaction=True)

DOC = Path(settings.BASE_DIR) / "docs" / "sql-api.md"
SQL_BLOCK = re.compile(r"```sql\n(.*?)```", re.DOTALL)
HOST_STARTS = "-- the Hermes host, logged in as hermes_host_1"
CREDENTIALS = "manage.py executor_credentials hermes_host_1 --kind Hermes --queues agents"


def blocks() -> dict[str, str]:
    """The example session and the gate-opening session, by their first line."""
    found = {block.splitlines()[0]: block for block in SQL_BLOCK.findall(DOC.read_text(encoding="utf-8"))}
    return {
        "session": found['-- an operator (through the app role, or the admin) prepares the "agents" queue once'],
        "gates": found["-- 1. ops-alice requests the gates the example session needs (one request per gate)"],
    }


def psql(sql_text: str, user: str, password: str | None) -> str:
    """Run ``sql_text`` with psql as ``user`` on the test database; stop at the first error.

    The psql beside the pg_dump ``manage.py schema_sql`` uses (PATH, the server's
    packages or the embedded server's bundle), with the same connection options."""
    binary = pg_dump_binary(server_major(connection)).with_name("psql")
    assert binary.is_file(), f"no psql beside {binary.parent}/pg_dump"
    s = {**connection.settings_dict, "USER": user, "PASSWORD": password}
    args, env = connection_options(s, s["NAME"])
    done = subprocess.run(
        [str(binary), "-X", "-v", "ON_ERROR_STOP=1", *args],
        input=sql_text,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def hermes_host_1() -> Iterator[ExecutorCredentials]:
    """What the session's comment says the operator runs: ``{CREDENTIALS}``."""
    yield create_executor_login("hermes_host_1", "Hermes", ["agents"], actor=Actor.for_command("executor_credentials"))
    with admin_connect() as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier("hermes_host_1")))


def test_the_doc_has_both_sessions_and_names_the_credentials_command() -> None:
    found = blocks()
    assert HOST_STARTS in found["session"] and CREDENTIALS in found["session"]
    assert "fn_gate_change_approve" in found["gates"]


def test_the_sessions_run_as_written(request: pytest.FixtureRequest) -> None:
    found = blocks()
    app = (dbroles.role_name("app"), settings.QUEUEGOV_APP_DB_PASSWORD or None)
    psql(found["gates"], *app)
    for key in ("queue.job_substrate.enabled", "queue.worker.enabled", "queue.heartbeat.enabled",
                "queue.notify.enabled"):  # fmt: skip
        assert config_value(key) is True, key

    operator, host = found["session"].split(HOST_STARTS, 1)
    psql(operator, *app)
    hermes = request.getfixturevalue("hermes_host_1")
    out = psql(HOST_STARTS + host, hermes.login, hermes.password)

    assert '"status": "duplicate"' in out and '"status": "succeeded"' in out and '"status": "retry"' in out
    jobs = sql_rows(
        "SELECT payload ->> 'document_ref', status, attempts, result ->> 'summary_ref', last_error, executor_class"
        " FROM job_queue WHERE job_kind = 'hermes.summarise' ORDER BY id"
    )
    assert jobs == [
        ("doc:42", "succeeded", 1, "summary:99", None, "hermes"),
        ("doc:43", "queued", 1, None, "upstream timeout", "hermes"),
    ]
    assert sql_rows(
        "SELECT executor_kind FROM queue_heartbeat WHERE executor_name = 'hermes_host_1/hermes-host-1'"
    ) == [("Hermes",)]
