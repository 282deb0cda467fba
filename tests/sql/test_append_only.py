"""docs/security.md, "Tamper evidence": admin_action_audit and dot_config_history are append-only
for every database role. The app role holds no UPDATE, DELETE or TRUNCATE on
them (privilege), and the append-only triggers refuse them even to the owner
and even with pgtrigger's ``pgtrigger.ignore`` escape hatch."""

from __future__ import annotations

import pytest
from django.db.models import Model

from queuegov.errors import AppendOnly, translate
from queuegov.models import AdminActionAudit, DotConfigHistory
from tests.database import as_owner
from tests.helpers import db_error, sql_exec, sql_value

pytestmark = pytest.mark.django_db

TABLES = {"admin_action_audit": AdminActionAudit, "dot_config_history": DotConfigHistory}
TEXT_COLUMN = {"admin_action_audit": "actor", "dot_config_history": "changed_by"}
STATEMENTS = {
    "UPDATE": "UPDATE {table} SET {column} = 'tampered'",
    "DELETE": "DELETE FROM {table}",
    "TRUNCATE": "TRUNCATE {table}",
}
CASES = [(table, op) for table in TABLES for op in STATEMENTS]


@pytest.fixture(autouse=True)
def _rows_exist(actor) -> None:
    """At least one row in each table (history has its seeds); the suite is not a superuser."""
    assert sql_value("SELECT rolsuper FROM pg_roles WHERE rolname = current_user") is False
    actor("user:anna")
    sql_value("SELECT fn_audit_record('probe.row', 'refused')")
    for table in TABLES:
        assert sql_value(f"SELECT count(*) FROM {table}") > 0


def pgids(model: type[Model]) -> list[str]:
    """The database names of the model's declared triggers, as compiled."""
    return [trigger.compile(model).sql.pgid for trigger in model._meta.triggers]


def assert_refused(table: str, op: str) -> None:
    """The owner (who holds the privilege) is refused by the trigger; nothing changes."""
    count = sql_value(f"SELECT count(*) FROM {table}")
    with db_error(
        sqlstate="QG006", match=rf"^append_only: {op} on {table} is refused; the table is append-only$"
    ) as err:
        with as_owner():
            sql_exec(STATEMENTS[op].format(table=table, column=TEXT_COLUMN[table]))
    assert isinstance(translate(err.exception), AppendOnly)
    assert sql_value(f"SELECT count(*) FROM {table}") == count


@pytest.mark.parametrize(("table", "op"), CASES)
def test_refused(table: str, op: str) -> None:
    assert_refused(table, op)


@pytest.mark.parametrize(("table", "op"), CASES)
def test_the_app_role_holds_no_privilege_to_try(table: str, op: str) -> None:
    count = sql_value(f"SELECT count(*) FROM {table}")
    with db_error(sqlstate="42501", match=rf"^permission denied for table {table}$"):
        sql_exec(STATEMENTS[op].format(table=table, column=TEXT_COLUMN[table]))
    assert sql_value(f"SELECT count(*) FROM {table}") == count


@pytest.mark.parametrize(("table", "op"), CASES)
def test_refused_even_with_pgtrigger_ignore(table: str, op: str) -> None:
    ids = pgids(TABLES[table])
    assert len(ids) == 2 and all(i.startswith("pgtrigger_") for i in ids)
    sql_exec(f"SET LOCAL pgtrigger.ignore = '{{{','.join(ids)}}}'")
    assert sql_value("SELECT current_setting('pgtrigger.ignore')") == "{" + ",".join(ids) + "}"
    assert_refused(table, op)


@pytest.mark.parametrize("table", TABLES)
def test_refused_even_with_pgtrigger_ignore_context_manager(table: str) -> None:
    import pgtrigger

    model = TABLES[table]
    uris = [f"{model._meta.app_label}.{model._meta.object_name}:{t.name}" for t in model._meta.triggers]
    with pgtrigger.ignore(*uris):
        with db_error(sqlstate="QG006"), as_owner():
            model.objects.all().delete()
        with db_error(sqlstate="QG006"), as_owner():
            model.objects.all().update(**{TEXT_COLUMN[table]: "tampered"})


def test_pgtrigger_ignore_does_bypass_an_ordinary_pgtrigger() -> None:
    # Control: the same SET LOCAL does switch off a trigger compiled with
    # pgtrigger's stock template (the job dead-letter triage FSM), so the tests
    # above would notice a regression.
    pgid = sql_value(
        "SELECT tgname::text FROM pg_trigger WHERE tgname LIKE %s", ["pgtrigger_job_dead_letter_triage_fsm_%"]
    )
    with as_owner():
        dead_letter = sql_value(
            "INSERT INTO job_dead_letter"
            " (job_id, job_kind, queue_name, attempts, max_attempts, job_snapshot, triage_status)"
            " VALUES (1, 'demo.x', 'default', 1, 1, '{}', 'discarded') RETURNING id"
        )
    with db_error(match=r"^pgtrigger: Invalid transition"), as_owner():
        sql_exec("UPDATE job_dead_letter SET triage_status = 'manual_replay' WHERE id = %s", [dead_letter])
    sql_exec(f"SET LOCAL pgtrigger.ignore = '{{{pgid}}}'")
    with as_owner():
        sql_exec("UPDATE job_dead_letter SET triage_status = 'manual_replay' WHERE id = %s", [dead_letter])


@pytest.mark.parametrize("table", TABLES)
def test_installed_functions_have_no_ignore_check(table: str) -> None:
    for pgid in pgids(TABLES[table]):
        body = sql_value("SELECT prosrc FROM pg_proc WHERE proname = %s", [pgid])
        assert body is not None, f"{pgid} is not installed"
        assert "QG006" in body
        assert "_pgtrigger_should_ignore" not in body


def test_inserting_is_still_allowed(actor) -> None:
    actor("user:anna")
    before = sql_value("SELECT count(*) FROM admin_action_audit")
    sql_value("SELECT fn_audit_record('probe.again', 'refused')")
    assert sql_value("SELECT count(*) FROM admin_action_audit") == before + 1
