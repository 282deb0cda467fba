"""The SQL substrate and the migrations stay in step: every ``sql/**/*.sql``
file is applied by exactly one migration, in order, and a database built by
``migrate`` has every SQL function and view the Python code refers to."""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db.migrations.loader import MigrationLoader

from queuegov.sqlfiles import SQL_DIR, RunSQLFile
from tests.helpers import sql_rows

BASE_DIR = Path(settings.BASE_DIR)
PYTHON_PACKAGES = ("queuegov", "events", "jobs", "staging")
FUNCTION_REF = re.compile(r"\b(fn_\w+)\s*\(")
FUNCTION_NAME = re.compile(r"fn_\w+")  # a string that is just a name, e.g. {"approve": "fn_gate_change_approve"}
VIEW_REF = re.compile(r"\b(v_\w+)")


def _operations(operations: list) -> Iterator[object]:
    for op in operations:
        yield op
        yield from _operations(getattr(op, "database_operations", []))


def run_sql_files() -> list[tuple[str, str, RunSQLFile]]:
    """(app_label, migration name, operation) for every RunSQLFile, in plan order per app."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    found = []
    seen: set[tuple[str, str]] = set()
    for leaf in sorted(loader.graph.leaf_nodes()):
        for key in loader.graph.forwards_plan(leaf):
            if key in seen or key not in loader.disk_migrations:
                continue
            seen.add(key)
            migration = loader.disk_migrations[key]
            found += [(key[0], key[1], op) for op in _operations(migration.operations) if isinstance(op, RunSQLFile)]
    return found


def sql_files() -> set[str]:
    """The migration files: sql/<app>/*.sql (sql/schema.sql is the generated current schema)."""
    return {path.relative_to(SQL_DIR).as_posix() for path in SQL_DIR.glob("*/**/*.sql")}


def test_there_are_sql_files_and_operations() -> None:
    assert len(sql_files()) >= 4
    assert len(run_sql_files()) >= 4


def test_every_sql_file_is_applied_by_exactly_one_migration() -> None:
    counts = Counter(op.sql_path for _, _, op in run_sql_files())
    assert {path: counts.get(path, 0) for path in sql_files()} == dict.fromkeys(sql_files(), 1)


def test_every_run_sql_file_points_at_an_existing_file() -> None:
    files = sql_files()
    for app, name, op in run_sql_files():
        assert op.sql_path in files, f"{app}.{name} applies missing sql/{op.sql_path}"
        if op.reverse_sql_path:
            assert (SQL_DIR / op.reverse_sql_path).is_file(), f"{app}.{name}: missing sql/{op.reverse_sql_path}"


def moved_from() -> dict[tuple[str, str], set[str]]:
    """Apps whose migrations a migration took over (``replaces``): when a layer
    moved to another app (queuegov -> ops), its applied SQL files stayed where
    they were, because an applied file is never renamed."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {key: {app for app, _ in m.replaces} for key, m in loader.disk_migrations.items() if m.replaces}


def test_sql_files_live_under_their_app_and_are_applied_in_file_order() -> None:
    by_folder: dict[str, list[str]] = {}
    moved = moved_from()
    for app, name, op in run_sql_files():
        folder, filename = op.sql_path.split("/", 1)
        assert folder == app or folder in moved.get((app, name), set()), (
            f"{app}.{name} applies a file of another app: sql/{op.sql_path}"
        )
        assert re.fullmatch(r"\d{4}_\w+\.sql", filename), f"sql/{op.sql_path} is not NNNN_name.sql"
        by_folder.setdefault(folder, []).append(filename)
    for folder, filenames in by_folder.items():
        assert filenames == sorted(filenames), f"sql/{folder}: migrations apply SQL files out of order: {filenames}"


def test_the_moved_migrations_are_the_operations_layer() -> None:
    assert moved_from() == {
        ("ops", "0001_health"): {"queuegov"},
        ("ops", "0002_retention"): {"queuegov"},
        ("ops", "0003_volume_indexes"): {"queuegov"},
    }


def test_operation_sql_is_the_file_text() -> None:
    for _, _, op in run_sql_files():
        assert op.sql == [(SQL_DIR / op.sql_path).read_text(encoding="utf-8")]


# ---------------------------------------------------------------------------
# Names the Python code calls exist in a migrated database
# ---------------------------------------------------------------------------
def python_sources() -> Iterator[Path]:
    for package in PYTHON_PACKAGES:
        for path in sorted((BASE_DIR / package).rglob("*.py")):
            parts = path.relative_to(BASE_DIR).parts
            if "migrations" in parts or "tests" in parts:
                continue
            yield path


def referenced_names() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """SQL functions (``fn_x(``) and views (``v_x``) named in string literals
    (docstrings included), mapped to the files naming them."""
    functions: dict[str, set[str]] = {}
    views: dict[str, set[str]] = {}
    for path in python_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        where = path.relative_to(BASE_DIR).as_posix()
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                names = FUNCTION_REF.findall(node.value)
                if FUNCTION_NAME.fullmatch(node.value):
                    names.append(node.value)
                for name in names:
                    functions.setdefault(name, set()).add(where)
                for name in VIEW_REF.findall(node.value):
                    views.setdefault(name, set()).add(where)
    return functions, views


def test_reference_scan_finds_names() -> None:
    functions, _ = referenced_names()
    # the scan must be meaningful: the governance code calls these today
    assert {"fn_gate_change_request", "fn_gate_change_approve", "fn_audit_record", "fn_actor"} <= set(functions)


def test_reference_scan_sees_strings_not_comments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "queuegov"
    pkg.mkdir()
    (pkg / "x.py").write_text(
        "# fn_in_comment()\n"
        'SQL = f"SELECT fn_in_string({1}) FROM v_in_string"\n'
        'NAMES = {"a": "fn_by_name", "b": "fn_x y"}\n'
    )
    (pkg / "migrations").mkdir()
    (pkg / "migrations" / "0001.py").write_text('X = "fn_in_migration()"\n')
    monkeypatch.setattr(f"{__name__}.BASE_DIR", tmp_path)
    functions, views = referenced_names()
    assert set(functions) == {"fn_in_string", "fn_by_name"}
    assert set(views) == {"v_in_string"}


@pytest.mark.django_db
def test_every_referenced_function_exists() -> None:
    functions, _ = referenced_names()
    existing = {
        name
        for (name,) in sql_rows(
            "SELECT proname::text FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND proname = ANY(%s)",
            [sorted(functions)],
        )
    }
    missing = {name: sorted(files) for name, files in functions.items() if name not in existing}
    assert not missing, f"functions referenced by Python but not in the migrated database: {missing}"


@pytest.mark.django_db
def test_every_referenced_view_exists() -> None:
    _, views = referenced_names()
    existing = {
        name
        for (name,) in sql_rows(
            "SELECT viewname::text FROM pg_views WHERE schemaname = 'public'"
            " UNION SELECT matviewname::text FROM pg_matviews WHERE schemaname = 'public'"
        )
    }
    missing = {name: sorted(files) for name, files in views.items() if name not in existing}
    assert not missing, f"views referenced by Python but not in the migrated database: {missing}"
