"""docs/operations.md, "Gates": every gate is OFF and every setting at its default on a fresh
(migrated) database; dot_config is written only through its official interface."""

from __future__ import annotations

import pytest

from queuegov.errors import UnknownObject, translate
from tests.database import as_owner
from tests.helpers import (
    API_SETTINGS,
    OPS_SETTINGS,
    SPEC_GATES,
    SPEC_SETTINGS,
    as_json,
    db_error,
    is_subject_gate,
    sql_exec,
    sql_rows,
    sql_value,
)

pytestmark = pytest.mark.django_db

PROTECT_MESSAGE = (
    r"^(four_eyes: queue\.worker\.enabled changes only through fn_gate_change_approve|official_interface: )"
)


def config_rows() -> dict[str, tuple]:
    return {
        key: (as_json(value), kind, value_type)
        for key, value, kind, value_type in sql_rows("SELECT key, value, kind, value_type FROM dot_config")
    }


def test_spec_gates_and_settings_are_exactly_the_config_keys() -> None:
    rows = config_rows()
    # Besides the gates of docs/operations.md, "Gates", each route and gated event type has its four-eyes switch.
    assert {k for k, (_, kind, _) in rows.items() if kind == "gate" and not is_subject_gate(k)} == set(SPEC_GATES)
    assert {k for k, (_, kind, _) in rows.items() if kind == "setting"} == set(SPEC_SETTINGS) | set(OPS_SETTINGS) | set(
        API_SETTINGS
    )


@pytest.mark.parametrize("key", SPEC_GATES)
def test_gate_is_off_on_a_fresh_install(key: str) -> None:
    assert config_rows()[key] == (False, "gate", "boolean")
    assert sql_value("SELECT fn_gate_open(%s)", [key]) is False


@pytest.mark.parametrize(("key", "default"), SPEC_SETTINGS.items())
def test_setting_has_its_default(key: str, default: int) -> None:
    assert config_rows()[key] == (default, "setting", "integer")
    assert sql_value("SELECT fn_setting_int(%s)", [key]) == default


def test_gate_open_after_governed_change(open_gate) -> None:
    open_gate("queue.worker.enabled")
    assert sql_value("SELECT fn_gate_open('queue.worker.enabled')") is True
    assert sql_value("SELECT fn_gate_open('queue.notify.enabled')") is False


def test_gate_closed_result_shape() -> None:
    result = as_json(sql_value("SELECT fn_gate_closed_result('queue.worker.enabled')"))
    assert result == {"status": "gate_closed", "gate": "queue.worker.enabled"}


@pytest.mark.parametrize("key", ["no.such.gate", "event.debounce_seconds", ""])
def test_gate_open_on_unknown_gate_raises_qg005(key: str) -> None:
    with db_error(sqlstate="QG005", match=r"^unknown_gate: ") as err:
        sql_value("SELECT fn_gate_open(%s)", [key])
    assert isinstance(translate(err.exception), UnknownObject)


@pytest.mark.parametrize("key", ["no.such.setting", "queue.worker.enabled"])
def test_setting_int_on_unknown_setting_raises_qg005(key: str) -> None:
    with db_error(sqlstate="QG005", match=r"^unknown_setting: "):
        sql_value("SELECT fn_setting_int(%s)", [key])


# ---------------------------------------------------------------------------
# The official interface: no direct writes, even for the superuser role
# ---------------------------------------------------------------------------
def owner_exec(statement: str, params: list | None = None) -> None:
    """A direct write as the owner, who holds the table privileges: the guard is what refuses it."""
    with as_owner():
        sql_exec(statement, params)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE dot_config SET value = 'true' WHERE key = 'queue.worker.enabled'",
        "INSERT INTO dot_config (key, value, kind, value_type, description)"
        " VALUES ('queue.extra.enabled', 'true', 'gate', 'boolean', 'x')",
        "DELETE FROM dot_config WHERE key = 'queue.worker.enabled'",
        "TRUNCATE dot_config CASCADE",
    ],
)
def test_the_app_role_cannot_write_dot_config(statement: str) -> None:
    assert sql_value("SELECT rolsuper FROM pg_roles WHERE rolname = current_user") is False
    with db_error(sqlstate="42501", match=r"^permission denied for table dot_config$"):
        sql_exec(statement)
    assert sql_value("SELECT fn_gate_open('queue.worker.enabled')") is False


def test_direct_update_refused() -> None:
    with db_error(match=PROTECT_MESSAGE):
        owner_exec("UPDATE dot_config SET value = 'true' WHERE key = 'queue.worker.enabled'")
    with db_error(match=PROTECT_MESSAGE):
        owner_exec("UPDATE dot_config SET description = 'x' WHERE key = 'queue.worker.enabled'")
    assert sql_value("SELECT fn_gate_open('queue.worker.enabled')") is False


def test_direct_insert_refused() -> None:
    with db_error(match=PROTECT_MESSAGE):
        owner_exec(
            "INSERT INTO dot_config (key, value, kind, value_type, description)"
            " VALUES ('queue.extra.enabled', 'true', 'gate', 'boolean', 'x')"
        )


def test_direct_delete_refused() -> None:
    with db_error(match=PROTECT_MESSAGE):
        owner_exec("DELETE FROM dot_config WHERE key = 'queue.worker.enabled'")
    keys = [key for (key,) in sql_rows("SELECT key FROM dot_config") if not is_subject_gate(key)]
    assert len(keys) == len(SPEC_GATES) + len(SPEC_SETTINGS) + len(OPS_SETTINGS) + len(API_SETTINGS)


def guard_trigger() -> str:
    rows = sql_rows(
        "SELECT tgname::text, pg_get_triggerdef(oid) FROM pg_trigger"
        " WHERE tgrelid = 'dot_config'::regclass AND tgname LIKE 'pgtrigger_dot_config_four_eyes_only_%%'"
    )
    assert len(rows) == 1
    name, definition = rows[0]
    assert "BEFORE INSERT OR DELETE OR UPDATE" in definition
    return name


def test_refusal_comes_from_the_four_eyes_guard_trigger() -> None:
    name = guard_trigger()
    # Without that trigger (disabled inside this rolled-back transaction) the
    # same UPDATE goes through: the trigger is what refuses it.
    owner_exec(f"ALTER TABLE dot_config DISABLE TRIGGER {name}")
    owner_exec("UPDATE dot_config SET value = 'true' WHERE key = 'queue.worker.enabled'")
    assert sql_value("SELECT fn_gate_open('queue.worker.enabled')") is True


def test_orm_write_refused() -> None:
    from queuegov.models import DotConfig

    with db_error(match=PROTECT_MESSAGE), as_owner():
        DotConfig.objects.filter(pk="queue.worker.enabled").update(value=True)


def test_request_id_is_reset_after_an_approval(set_config) -> None:
    set_config("queue.notify.enabled", True)
    assert sql_value("SELECT coalesce(current_setting('queuegov.gate_change_request_id', true), '')") == ""
    with db_error(match=r"^four_eyes: queue\.notify\.enabled changes only through fn_gate_change_approve"):
        owner_exec("UPDATE dot_config SET value = 'false' WHERE key = 'queue.notify.enabled'")


def test_naming_a_request_does_not_let_its_requester_apply_it(actor) -> None:
    actor("user:mallory")
    request_id = sql_value("SELECT fn_gate_change_request('queue.worker.enabled', 'true', 'let me in')")
    sql_exec("SELECT set_config('queuegov.gate_change_request_id', %s, true)", [str(request_id)])
    with db_error(sqlstate="QG002", match=r"^four_eyes: "):
        owner_exec("UPDATE dot_config SET value = 'true' WHERE key = 'queue.worker.enabled'")
    # ... nor apply another value than the one requested, whoever acts
    actor("user:trent")
    with db_error(sqlstate="QG002"):
        owner_exec("UPDATE dot_config SET value = 'false' WHERE key = 'queue.worker.enabled'")


@pytest.mark.parametrize(
    ("column", "bad", "constraint"),
    [
        ("value", "'1'", "config_value_matches_type"),
        ("kind", "'knob'", "config_kind_allowed"),
    ],
)
def test_table_checks_hold_behind_the_trigger(column: str, bad: str, constraint: str) -> None:
    # With the guard trigger out of the way (in this rolled-back transaction),
    # the CHECKs still refuse a value of the wrong type.
    owner_exec(f"ALTER TABLE dot_config DISABLE TRIGGER {guard_trigger()}")
    with db_error(constraint=constraint, sqlstate="23514"):
        owner_exec(f"UPDATE dot_config SET {column} = {bad} WHERE key = 'queue.worker.enabled'")
