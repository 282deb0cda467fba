"""The current schema in one file: ``sql/schema.sql`` (docs/architecture.md).

The migrations under ``sql/<app>/`` are append-only deltas, so the live body of
a function may sit in the fourth file that touched it. ``sql/schema.sql`` is the
whole ``public`` schema as the migrations leave it — tables, DOMAINs, types,
functions, triggers, views, comments, owners and grants — written by
``manage.py schema_sql`` with ``pg_dump --schema-only`` in pg_dump's stable
order. A test builds one database from the migrations and one from this file
and compares them (``tests/queuegov/test_schema_sql.py``).

Left out, because they are data rather than design: the monthly partitions
``event_outbox_YYYYMM`` that ``fn_event_outbox_ensure_partitions`` creates
relative to today, and the rows the migrations seed.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings

from queuegov import gateway

SCHEMA_FILE = Path(settings.BASE_DIR) / "sql" / "schema.sql"
HEADER = (
    "-- The current queuegov schema, written by `manage.py schema_sql` from a migrated database:\n"
    "-- do not edit (change the schema with a new sql/<app>/NNNN_*.sql migration, then rerun it).\n"
    "-- Not in it: the monthly event_outbox_YYYYMM partitions and the seeded rows (queuegov/schema.py).\n"
)
# pg_dump's psql-only lines (\restrict … in recent releases) and its version banner change
# from one pg_dump build to the next; the schema does not.
_UNSTABLE_LINE = re.compile(r"^(\\(un)?restrict .*|-- Dumped (from database|by pg_dump) version .*)$")
_PARTITIONS = "public.event_outbox_[0-9][0-9][0-9][0-9][0-9][0-9]"


class SchemaDumpError(RuntimeError):
    """pg_dump is missing or failed; the message says which and why."""


def _candidates() -> list[Path]:
    found = [Path(p) for p in (shutil.which("pg_dump"),) if p]
    found += sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_dump"), reverse=True)
    spec = importlib.util.find_spec("pgserver")  # the embedded server's bundle, without starting anything
    if spec is not None and spec.origin:
        found.append(Path(spec.origin).parent / "pginstall" / "bin" / "pg_dump")
    return [p for p in found if p.exists()]


def _major(version_text: str) -> int:
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", version_text)
    return int(match.group(1)) if match else 0


def pg_dump_binary(server_major: int) -> Path:
    """A pg_dump at least as new as the server (an older one refuses to dump it)."""
    usable = []
    for binary in _candidates():
        version = subprocess.run(  # noqa: S603 (a pg_dump found above, no shell)
            [str(binary), "--version"], capture_output=True, text=True, check=False
        ).stdout
        if _major(version) >= server_major:
            usable.append((_major(version), str(binary)))
    if not usable:
        raise SchemaDumpError(
            f"no pg_dump of PostgreSQL {server_major} or newer found (looked on PATH, in /usr/lib/postgresql "
            "and in the embedded server's bundle); install the server's client package"
        )
    # The oldest one that is new enough: its output is closest to the server's own.
    return Path(min(usable)[1])


def server_major(connection: Any) -> int:
    """The major version of the server behind a Django connection."""
    return int(gateway.call("SHOW server_version_num", conn=connection)) // 10000


def connection_options(database: dict[str, Any], dbname: str) -> tuple[list[str], dict[str, str]]:
    """pg_dump arguments and environment for ``database`` (a Django DATABASES entry) and ``dbname``."""
    args = ["--dbname", dbname]
    env = {**os.environ}
    if database.get("HOST"):
        args += ["--host", str(database["HOST"])]
    if database.get("PORT"):
        args += ["--port", str(database["PORT"])]
    if database.get("USER"):
        args += ["--username", str(database["USER"])]
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    return args, env


def normalize(dump: str) -> str:
    """pg_dump's text without its build-specific lines, under this file's header.

    ``CREATE SCHEMA public`` is left out too: every new database has that schema (with
    its initial privileges), so the file loads as it is: ``psql -d <new database> -f sql/schema.sql``.
    """
    lines = [line for line in dump.splitlines() if not _UNSTABLE_LINE.match(line) and line != "CREATE SCHEMA public;"]
    text = "\n".join(lines).strip("\n")
    return HEADER + "\n" + re.sub(r"\n{3,}", "\n\n", text) + "\n"


def dump_schema(dbname: str, server_major: int) -> str:
    """The normalized schema of ``dbname``, read as the migration login (it may read every object)."""
    database = settings.QUEUEGOV_MIGRATION_DATABASE
    args, env = connection_options(database, dbname)
    command = [
        str(pg_dump_binary(server_major)),
        "--schema-only",
        "--schema=public",
        f"--exclude-table={_PARTITIONS}",
        "--no-password",
        *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603 (no shell)
    if done.returncode != 0:
        raise SchemaDumpError(f"pg_dump failed ({done.returncode}): {done.stderr.strip()[:2000]}")
    return normalize(done.stdout)
