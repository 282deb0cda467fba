"""Apply ``sql/<app>/NNNN_name.sql`` files from migrations.

An applied file is never edited: a change goes in a new numbered file with its
own migration (tests/sql/test_sql_files.py checks each file has exactly one).
"""

from __future__ import annotations

from pathlib import Path

from django.db import migrations

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


class RunSQLFile(migrations.RunSQL):
    """RunSQL reading one file; the SQL goes as a one-element list so sqlparse
    never splits PL/pgSQL bodies (docs/architecture.md, "Implementation notes")."""

    def __init__(self, relative_path: str, *, reverse_relative_path: str | None = None) -> None:
        self.sql_path = relative_path
        self.reverse_sql_path = reverse_relative_path
        reverse = [read_sql(reverse_relative_path)] if reverse_relative_path else None
        super().__init__(sql=[read_sql(relative_path)], reverse_sql=reverse, elidable=False)

    def deconstruct(self):  # type: ignore[no-untyped-def]
        kwargs = {"reverse_relative_path": self.reverse_sql_path} if self.reverse_sql_path else {}
        return (f"{__name__}.{type(self).__name__}", [self.sql_path], kwargs)

    def describe(self) -> str:
        return f"Apply sql/{self.sql_path}"


def read_sql(relative_path: str) -> str:
    """Return the text of ``sql/<relative_path>``; a missing file fails loudly."""
    path = SQL_DIR / relative_path
    if not path.is_file():
        raise FileNotFoundError(f"SQL file sql/{relative_path} does not exist")
    return path.read_text(encoding="utf-8")
