"""pgtrigger on unmanaged models: Meta.triggers, the trigger migrations and the
database agree (``manage.py trigger_drift --check``, pg_trigger)."""

from __future__ import annotations

import io

import pgtrigger
import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db.models import Model

from queuegov.models import AdminActionAudit, DotConfig, GateChangeRequest
from queuegov.trigger_drift import Drift, find_drift
from tests.helpers import sql_rows

DECLARED = [(model, trigger) for model in apps.get_models() for trigger in getattr(model._meta, "triggers", [])]


def test_triggers_are_declared() -> None:
    names = {trigger.name for _, trigger in DECLARED}
    assert {"audit_append_only", "audit_no_truncate", "config_history_append_only", "gate_change_status_fsm"} <= names


@pytest.mark.django_db
def test_trigger_drift_check_passes() -> None:
    out = io.StringIO()
    call_command("trigger_drift", "--check", stdout=out)
    assert "no drift" in out.getvalue()
    assert find_drift() == ([], [])


def with_triggers(monkeypatch: pytest.MonkeyPatch, model: type[Model], triggers: list) -> None:
    monkeypatch.setattr(model._meta, "triggers", triggers)


@pytest.mark.django_db
def test_drift_reports_a_missing_trigger(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = pgtrigger.Protect(name="audit_extra_protect", operation=pgtrigger.Insert)
    with_triggers(monkeypatch, AdminActionAudit, [*AdminActionAudit._meta.triggers, extra])
    drift, operations = find_drift()
    assert drift == [Drift("queuegov", "adminactionaudit", "audit_extra_protect", "missing")]
    assert len(operations) == 1
    with pytest.raises(CommandError, match=r"1 trigger\(s\) drifted"):
        call_command("trigger_drift", "--check", stdout=io.StringIO(), stderr=io.StringIO())
    out = io.StringIO()
    call_command("trigger_drift", stdout=out, stderr=io.StringIO())
    assert "AddTrigger" in out.getvalue() and "audit_extra_protect" in out.getvalue()


@pytest.mark.django_db
def test_drift_reports_an_outdated_trigger(monkeypatch: pytest.MonkeyPatch) -> None:
    changed = [
        pgtrigger.FSM(name="gate_change_status_fsm", field="status", transitions=[("pending", "applied")])
        if t.name == "gate_change_status_fsm"
        else t
        for t in GateChangeRequest._meta.triggers
    ]
    with_triggers(monkeypatch, GateChangeRequest, changed)
    drift, operations = find_drift()
    assert drift == [Drift("queuegov", "gatechangerequest", "gate_change_status_fsm", "outdated")]
    assert [type(op).__name__ for op in operations] == ["RemoveTrigger", "AddTrigger"]
    with pytest.raises(CommandError):
        call_command("trigger_drift", "--check", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.django_db
def test_drift_reports_an_undeclared_trigger(monkeypatch: pytest.MonkeyPatch) -> None:
    with_triggers(monkeypatch, DotConfig, [])
    drift, _ = find_drift()
    assert sorted(drift, key=str) == [
        Drift("queuegov", "dotconfig", "dot_config_four_eyes_only", "undeclared"),
        Drift("queuegov", "dotconfig", "dot_config_no_truncate", "undeclared"),
    ]
    with pytest.raises(CommandError):
        call_command("trigger_drift", "--check", stdout=io.StringIO(), stderr=io.StringIO())


# ---------------------------------------------------------------------------
# Installed in the database, as compiled
# ---------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(("model", "trigger"), DECLARED, ids=[f"{m.__name__}:{t.name}" for m, t in DECLARED])
def test_declared_trigger_is_installed_and_current(model: type[Model], trigger: pgtrigger.Trigger) -> None:
    compiled = trigger.compile(model)
    rows = sql_rows(
        "SELECT obj_description(oid, 'pg_trigger'), tgenabled FROM pg_trigger"
        " WHERE tgname = %s AND tgrelid = %s::regclass",
        [compiled.sql.pgid, model._meta.db_table],
    )
    assert rows, f"{compiled.sql.pgid} is not installed on {model._meta.db_table}"
    installed_hash, enabled = rows[0]
    assert installed_hash == compiled.sql.hash, f"{compiled.sql.pgid} is installed but outdated"
    assert enabled == "O"


@pytest.mark.django_db
def test_no_undeclared_pgtrigger_triggers_installed() -> None:
    declared = {(model._meta.db_table, trigger.compile(model).sql.pgid) for model, trigger in DECLARED}
    installed = set(
        sql_rows("SELECT tgrelid::regclass::text, tgname::text FROM pg_trigger WHERE tgname LIKE %s", ["pgtrigger%"])
    )
    assert installed == declared
