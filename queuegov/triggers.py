"""pgtrigger on unmanaged models (docs/architecture.md, "Implementation notes").

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


class StrictProtect(StrictCompileMixin, pgtrigger.Protect):
    """pgtrigger.Protect without the ``pgtrigger.ignore`` bypass."""


class StrictFSM(StrictCompileMixin, pgtrigger.FSM):
    """pgtrigger.FSM without the ``pgtrigger.ignore`` bypass."""


class StrictReadOnly(StrictCompileMixin, pgtrigger.ReadOnly):
    """pgtrigger.ReadOnly without the ``pgtrigger.ignore`` bypass."""


class ConfigWriteGuard(StrictCompileMixin, pgtrigger.Trigger):
    """dot_config changes only as the approval of someone else's pending request.

    fn_gate_change_approve names the request it applies in
    ``queuegov.gate_change_request_id``; the guard checks that request is
    pending, is for this key and value, and was filed by another actor than
    the one the database resolves (fn_actor). Only the owner holds UPDATE on
    dot_config at all (docs/security.md). Keys are added by migrations, which
    disable this trigger (a table-owner right). One more write is admitted, and
    only OFF: fn_gate_create names in ``queuegov.subject_gate`` the gate of an
    outbound route or event type it creates (or closes, made again) at run time
    (docs/events.md).
    """

    when = pgtrigger.Before
    operation = pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete
    func = """
        IF TG_OP <> 'DELETE' AND NEW.key = current_setting('queuegov.subject_gate', true)
           AND NEW.key ~ '^event[.](outbound_route|type)[.]' AND NEW.kind = 'gate' AND NEW.value = 'false'::jsonb
           AND (TG_OP = 'INSERT' OR (OLD.key = NEW.key AND OLD.kind = 'gate')) THEN
            RETURN NEW;
        END IF;
        IF TG_OP <> 'UPDATE' THEN
            RAISE EXCEPTION 'official_interface: % on dot_config is refused; keys come from migrations', TG_OP
                USING ERRCODE = 'QG006';
        END IF;
        IF (NEW.key, NEW.kind, NEW.value_type, NEW.min_value, NEW.max_value, NEW.description)
           IS DISTINCT FROM (OLD.key, OLD.kind, OLD.value_type, OLD.min_value, OLD.max_value, OLD.description) THEN
            RAISE EXCEPTION 'official_interface: the definition of % changes only by migration', OLD.key
                USING ERRCODE = 'QG006';
        END IF;
        IF NOT EXISTS (
            SELECT 1 FROM gate_change_request r
            WHERE r.id = nullif(current_setting('queuegov.gate_change_request_id', true), '')::bigint
              AND r.status = 'pending' AND r.config_key = NEW.key AND r.new_value = NEW.value
              AND r.requested_by IS DISTINCT FROM fn_actor()
        ) THEN
            RAISE EXCEPTION 'four_eyes: % changes only through fn_gate_change_approve of a pending request %',
                NEW.key, 'filed by someone else' USING ERRCODE = 'QG002';
        END IF;
        RETURN NEW;
    """


# Triage of any dead letter (jobs and routes): open → manual_replay | discarded;
# manual_replay → open | discarded | replayed; discarded → open. Replayed is final.
DEAD_LETTER_TRIAGE_TRANSITIONS = [
    ("open", "manual_replay"),
    ("open", "discarded"),
    ("manual_replay", "open"),
    ("manual_replay", "discarded"),
    ("manual_replay", "replayed"),
    ("discarded", "open"),
]
