"""Compare the triggers declared in ``Meta.triggers`` with the migration state.

pgtrigger cannot write migrations for unmanaged models (docs/architecture.md,
"Implementation notes"), so the triggers are installed by hand-written
operations; this keeps both in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from django.apps import apps
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.writer import OperationWriter

from queuegov import db
from queuegov.triggers import AddTrigger, RemoveTrigger


@dataclass(frozen=True)
class Drift:
    app_label: str
    model_name: str
    trigger_name: str
    problem: str  # missing | outdated | undeclared

    def __str__(self) -> str:
        return f"{self.app_label}.{self.model_name}: trigger {self.trigger_name} is {self.problem} in migrations"


def find_drift() -> tuple[list[Drift], list[object]]:
    """Return the drift and the migration operations that would fix it (all apps)."""
    drift, by_app = find_drift_by_app()
    return drift, [op for ops in by_app.values() for op in ops]


def find_drift_by_app() -> tuple[list[Drift], dict[str, list[object]]]:
    """Return the drift and, per app label, the operations that would fix it."""
    state = MigrationLoader(None, ignore_no_migrations=True).project_state()
    drift: list[Drift] = []
    by_app: dict[str, list[object]] = {}
    for model in apps.get_models():
        label, name = model._meta.app_label, model._meta.model_name
        operations = by_app.setdefault(label, [])
        declared = {t.name: t.compile(model) for t in getattr(model._meta, "triggers", [])}
        model_state = state.models.get((label, name))
        migrated = {t.name: t for t in (model_state.options.get("triggers", []) if model_state else [])}
        for trig_name, compiled in declared.items():
            if trig_name not in migrated:
                drift.append(Drift(label, name, trig_name, "missing"))
                operations.append(AddTrigger(model_name=name, trigger=compiled))
            elif migrated[trig_name] != compiled:
                drift.append(Drift(label, name, trig_name, "outdated"))
                operations.append(RemoveTrigger(model_name=name, name=trig_name))
                operations.append(AddTrigger(model_name=name, trigger=compiled))
        for trig_name in migrated.keys() - declared.keys():
            drift.append(Drift(label, name, trig_name, "undeclared"))
            operations.append(RemoveTrigger(model_name=name, name=trig_name))
    return drift, {label: ops for label, ops in by_app.items() if ops}


def write_migration(app_label: str, operations: list[object]) -> str:
    """Write a trigger migration for ``app_label`` after its latest migration; returns its path."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    leaves = loader.graph.leaf_nodes(app_label)
    if len(leaves) != 1:
        raise RuntimeError(f"{app_label} has {len(leaves)} leaf migrations; merge them first")
    leaf = leaves[0][1]
    number = int(leaf.split("_", 1)[0]) + 1
    name = f"{number:04d}_triggers"
    module = import_module(f"{app_label}.migrations")
    path = Path(module.__file__).parent / f"{name}.py"
    body = render_operations(operations)
    imports, ops = body.split("\n\n", 1)
    path.write_text(
        f'"""Install the pgtrigger triggers declared on {app_label} models (queuegov.triggers)."""\n\n'
        f"{imports}\nfrom django.db import migrations\n\n\n"
        f"class Migration(migrations.Migration):\n"
        f"    dependencies = [\n        ({app_label!r}, {leaf!r}),\n    ]\n\n"
        f"    operations = [\n{ops}\n    ]\n"
    )
    return str(path)


def render_operations(operations: list[object]) -> str:
    """Source for the operations, ready to paste into a migration."""
    lines: list[str] = []
    imports: set[str] = set()
    for op in operations:
        text, op_imports = OperationWriter(op, indentation=2).serialize()
        lines.append(text)
        imports |= op_imports
    return "\n".join(sorted(imports)) + "\n\n" + "\n".join(lines)


def database_problems() -> list[str] | None:
    """Triggers the database has switched off, and declared triggers it lacks.

    A disabled trigger (``ALTER TABLE … DISABLE TRIGGER``, or one set to fire
    only in replica mode) is a governance rule quietly not enforced. Returns
    None when the database is not migrated yet (there is nothing to inspect).
    """
    from django.db import connection

    installed = db.trigger_states()
    if installed is None:
        return None
    problems = [
        f"{table}: trigger {name} is {'disabled' if enabled == 'D' else 'set to fire only in replica mode'}"
        for (table, name), enabled in sorted(installed.items())
        if enabled in ("D", "R")
    ]
    if _migrations_behind(connection):
        # A database a few migrations behind lacks the triggers those add: only
        # switched-off triggers count until `migrate` has run.
        return problems
    tables = {table for table, _ in installed}
    for model in apps.get_models():
        table = model._meta.db_table
        for trigger in getattr(model._meta, "triggers", []):
            pgid = trigger.compile(model).sql.pgid
            if table in tables and (table, pgid) not in installed:
                problems.append(f"{table}: trigger {pgid} ({trigger.name}) is not installed")
    return problems


def _migrations_behind(connection: object) -> bool:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
