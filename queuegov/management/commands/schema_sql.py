"""Write sql/schema.sql from the migrated database, or --check that it is current."""

from __future__ import annotations

import difflib
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from queuegov.schema import SCHEMA_FILE, SchemaDumpError, dump_schema, server_major


class Command(BaseCommand):
    help = "Write sql/schema.sql (the current schema, pg_dump --schema-only) from the migrated database."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--check", action="store_true", help="exit 1 if sql/schema.sql is not current")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            text = dump_schema(connection.settings_dict["NAME"], server_major(connection))
        except SchemaDumpError as exc:
            raise CommandError(str(exc)) from exc
        current = SCHEMA_FILE.read_text() if SCHEMA_FILE.exists() else ""
        if not options["check"]:
            SCHEMA_FILE.write_text(text)
            self.stdout.write(f"schema_sql: wrote {SCHEMA_FILE} ({text.count(chr(10))} lines)")
            return
        if text == current:
            self.stdout.write("schema_sql: sql/schema.sql is current")
            return
        diff = difflib.unified_diff(
            current.splitlines(), text.splitlines(), "sql/schema.sql", "migrated", lineterm="", n=1
        )
        shown = "\n".join(list(diff)[:60])
        raise CommandError(f"sql/schema.sql is not the migrated schema; run `manage.py schema_sql`:\n{shown}")
