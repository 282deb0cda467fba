"""Put the SQL substrate back after a ``transaction=True`` test.

Django flushes only *managed* tables between transactional tests; the
substrate's tables are unmanaged, so without this a committed test's rows
would leak into the next test. The rules of the substrate limit what can be
cleaned (see ``PROTECTED_TABLES``).
"""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps

from jobs import tasks_backend
from tests import database, helpers

# Tables the cleanup never truncates, and why.
PROTECTED_TABLES: dict[str, str] = {
    "admin_action_audit": "append-only: UPDATE, DELETE and TRUNCATE refused for every role",
    "dot_config_history": "append-only: UPDATE, DELETE and TRUNCATE refused for every role",
    "dot_config": "written only through fn_gate_change_approve: values are changed back the governed way",
    "gate_change_request": "refuses DELETE: pending requests are withdrawn by their requester",
}

CLEANUP_REQUESTER = "test:cleanup-requester"
CLEANUP_APPROVER = "test:cleanup-approver"


# Engine tables no model stands on (read through a view or a SQL function).
TABLES_WITHOUT_MODEL = ("job_attempt",)


def unmanaged_tables() -> list[str]:
    """Every real table (not view) behind an unmanaged model, and ``TABLES_WITHOUT_MODEL``."""
    names = sorted(
        {m._meta.db_table for m in apps.get_models() if not m._meta.managed and not m._meta.proxy}
        | set(TABLES_WITHOUT_MODEL)
    )
    rows = helpers.sql_rows(
        "SELECT relname::text FROM pg_class"
        " WHERE relname = ANY(%s) AND relkind IN ('r', 'p') AND relnamespace = 'public'::regnamespace ORDER BY 1",
        [names],
    )
    return [name for (name,) in rows]


def truncatable_tables() -> list[str]:
    return [t for t in unmanaged_tables() if t not in PROTECTED_TABLES]


def _insertable_columns(table: str) -> list[str]:
    rows = helpers.sql_rows(
        "SELECT attname::text FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
        " AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
        [table],
    )
    return [name for (name,) in rows]


def take_snapshot() -> dict[str, Any]:
    """The migrated state: seed rows of truncatable tables, and dot_config values.

    Taken once per session, right after the test database is built.
    """
    seeds = {}
    for table in truncatable_tables():
        rows = helpers.json_value(f"SELECT coalesce(jsonb_agg(to_jsonb(t)), '[]') FROM \"{table}\" t")
        if rows:
            seeds[table] = rows
    config = {key: helpers.as_json(value) for key, value in helpers.sql_rows("SELECT key, value FROM dot_config")}
    return {"seeds": seeds, "config": config}


def _reseed(cursor: Any, table: str, rows: list[dict[str, Any]]) -> None:
    columns = ", ".join(f'"{c}"' for c in _insertable_columns(table))
    cursor.execute(
        f'INSERT INTO "{table}" ({columns}) OVERRIDING SYSTEM VALUE'
        f' SELECT {columns} FROM jsonb_populate_recordset(NULL::"{table}", %s::jsonb)',
        [json.dumps(rows)],
    )
    for column in _insertable_columns(table):
        sequence = helpers.sql_value("SELECT pg_get_serial_sequence(%s, %s)", [f'"{table}"', column])
        if sequence:
            cursor.execute(
                f'SELECT setval(%s, coalesce(max("{column}"), 1), max("{column}") IS NOT NULL) FROM "{table}"',
                [sequence],
            )


def clean(snapshot: dict[str, Any]) -> None:
    """Truncate, reseed, withdraw pending requests and reset gates/settings.

    Runs in autocommit (outside any test transaction), so every step commits.
    Truncating and reseeding are the owner's (and the seeds go back with
    triggers off, a superuser's right): they run on the migration login.
    """
    tables = truncatable_tables()
    with database.admin_connect(autocommit=False) as admin, admin.cursor() as cursor:
        if tables:
            # TRUNCATE runs with triggers on, so a protected table reached through
            # CASCADE fails loudly instead of being emptied.
            cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
        if snapshot["seeds"]:
            # Seeds go back as they were migrated: no capture triggers, FKs in any order.
            cursor.execute("SET LOCAL session_replication_role = replica")
            for table, rows in snapshot["seeds"].items():
                _reseed(cursor, table, rows)
        admin.commit()
    # The registry was emptied: django.tasks registers its kinds again at their next enqueue.
    tasks_backend.forget_seen_kinds()
    # One pending request per key: a leftover would block the next test's request.
    for request_id, requester in helpers.sql_rows(
        "SELECT id, requested_by FROM gate_change_request WHERE status = 'pending'"
    ):
        helpers.decide_change("withdraw", request_id, "test cleanup", decider=requester)
    for key, value in snapshot["config"].items():
        helpers.governed_set(key, value, requester=CLEANUP_REQUESTER, approver=CLEANUP_APPROVER)
