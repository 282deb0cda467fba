"""pgtrigger on unmanaged models (TECH-NOTES).

pgtrigger's own AddTrigger is a silent no-op on unmanaged models because
Django's allow_migrate_model says no for them; these operations ask only the
router. The append-only triggers compile without pgtrigger's ``pgtrigger.ignore``
escape hatch, so no session setting can switch the audit trail's protection off.
"""

from __future__ import annotations

from typing import Any

import pgtrigger
from django.db import router
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import Model
from pgtrigger import compiler
from pgtrigger import migrations as pgtrigger_migrations


class _RouterOnlyMixin:
    def allow_migrate_model_trigger(self, schema_editor: BaseDatabaseSchemaEditor, model: type[Model]) -> bool:
        return schema_editor.connection.vendor == "postgresql" and router.allow_migrate(
            schema_editor.connection.alias, model._meta.app_label, model_name=model._meta.model_name
        )


class AddTrigger(_RouterOnlyMixin, pgtrigger_migrations.AddTrigger):
    """Install a compiled trigger on an unmanaged model's table."""


class RemoveTrigger(_RouterOnlyMixin, pgtrigger_migrations.RemoveTrigger):
    """Remove a trigger from an unmanaged model's table."""


class StrictUpsertTriggerSql(compiler.UpsertTriggerSql):
    """pgtrigger's install template minus the ``pgtrigger.ignore`` check."""

    def get_template(self) -> str:
        template = super().get_template()
        start = template.index("CREATE OR REPLACE FUNCTION {pgid}()")
        template = template[start:]
        ignore_block = template[template.index("IF ({ignore_func_name}") : template.index("{func}")]
        return template.replace(ignore_block, "")


class StrictCompileMixin:
    """Compile with ``StrictUpsertTriggerSql`` (no ``pgtrigger.ignore`` bypass)."""

    def compile(self, model: type[Model]) -> compiler.Trigger:
        compiled = super().compile(model)  # type: ignore[misc]
        kwargs: dict[str, Any] = dict(compiled.sql.kwargs)
        return compiler.Trigger(name=compiled.name, sql=StrictUpsertTriggerSql(**kwargs))


_APPEND_ONLY_FUNC = (
    "RAISE EXCEPTION 'append_only: % on % is refused; the table is append-only', TG_OP, TG_TABLE_NAME "
    "USING ERRCODE = 'QG006';"
)


class AppendOnly(StrictCompileMixin, pgtrigger.Trigger):
    """Refuse UPDATE and DELETE of any row, for every role."""

    when = pgtrigger.Before
    operation = pgtrigger.Update | pgtrigger.Delete
    func = _APPEND_ONLY_FUNC


class NoTruncate(StrictCompileMixin, pgtrigger.Trigger):
    """Refuse TRUNCATE (a row-level trigger never sees it)."""

    when = pgtrigger.Before
    operation = pgtrigger.Truncate
    level = pgtrigger.Statement
    func = _APPEND_ONLY_FUNC
