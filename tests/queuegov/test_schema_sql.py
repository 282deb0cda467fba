"""sql/schema.sql is the schema the migrations build (queuegov/schema.py).

The test database was built by the migrations. A second database is built from
sql/schema.sql alone; both are dumped by the same pg_dump and must be identical.
A migration added without rerunning ``manage.py schema_sql`` fails here.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

import pytest
from django.db import connection
from psycopg import sql as pgsql

from queuegov.schema import SCHEMA_FILE, dump_schema, server_major
from tests.database import admin_connect

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_from_schema_file() -> Iterator[str]:
    name = f"{connection.settings_dict['NAME']}_from_schema"
    with admin_connect() as admin:
        admin.execute(pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(name)))
        admin.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(name)))
    try:
        with admin_connect(dbname=name) as conn:
            conn.execute(SCHEMA_FILE.read_text())
        yield name
    finally:
        with admin_connect() as admin:
            admin.execute(pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(name)))


def test_schema_file_builds_the_schema_the_migrations_build(database_from_schema_file: str) -> None:
    major = server_major(connection)
    migrated = dump_schema(connection.settings_dict["NAME"], major)
    from_file = dump_schema(database_from_schema_file, major)
    if migrated != from_file:
        diff = difflib.unified_diff(
            from_file.splitlines(), migrated.splitlines(), "from sql/schema.sql", "from migrations", lineterm="", n=1
        )
        pytest.fail("sql/schema.sql is stale; run `manage.py schema_sql`:\n" + "\n".join(list(diff)[:80]))
