"""Trigger-IN: iu_sql_event_route captures facts where they happen; leaving dry-run is four-eyes."""

from __future__ import annotations

import pytest

from tests.database import as_owner
from tests.events.conftest import app_role, call, owner_exec
from tests.helpers import config_value, decide_change, request_change, sql_exec, sql_rows, sql_value

pytestmark = pytest.mark.django_db

TARGET = "staging.test_ti_ready"
REGISTER = (
    "SELECT fn_sql_event_route_register(%s, 'test_ti_source', 'INSERT', %s, %s::jsonb, 'id', %s::text[], 'doc_ref')"
)


@pytest.fixture
def source() -> str:
    """A source table the app writes and an active target type, both inside the test transaction.

    Created by the owner (the app cannot create tables); the app may write the table, as it
    writes the tables a real trigger-IN route watches, and the capture runs as the owner.
    """
    with as_owner():
        sql_exec(
            "CREATE TABLE test_ti_source (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, status text,"
            ' doc_ref text, secret text, "Token" text)'
        )
        sql_exec(f'GRANT SELECT, INSERT ON test_ti_source TO "{app_role()}"')
        sql_exec(
            "INSERT INTO event_type_registry (event_type, event_domain, event_stream, delivery_lane, status,"
            " producer_ref, description)"
            " VALUES (%s, 'staging', 'update', 'immediate', 'active', 'fn_event_capture_trigger', 'x')",
            [TARGET],
        )
    return "test_ti_source"


def register(*params: object) -> dict:
    """fn_sql_event_route_register, as the migrations run it: as the owner (the app may not call it)."""
    with as_owner():
        return call(REGISTER, *params)


def insert(status: str, doc_ref: str = "doc-1") -> int:
    return sql_value("INSERT INTO test_ti_source (status, doc_ref) VALUES (%s, %s) RETURNING id", [status, doc_ref])


def pending() -> list[tuple]:
    return sql_rows(
        "SELECT event_type, event_subject_table, event_subject_ref, correlation_id, capture_payload::text"
        " FROM event_pending WHERE event_type NOT LIKE 'governance.%%' ORDER BY id"
    )


def dry_run_log() -> list[tuple]:
    return sql_rows("SELECT subject_ref, would_capture->>'event_type' FROM iu_sql_event_route_dry_run_log ORDER BY id")


def test_the_shipped_job_dead_letter_route_ships_off_and_goes_live_by_four_eyes(open_gate) -> None:
    route = (
        "SELECT source_table, operation, target_event_type, enabled, dry_run FROM iu_sql_event_route"
        " WHERE route_name = 'job_dead_lettered'"
    )
    shipped = sql_rows(
        "SELECT new_value = 'false'::jsonb FROM dot_config_history WHERE key = 'event.sql_route.job_dead_lettered.live'"
        " AND changed_by = 'system:migration' ORDER BY id DESC LIMIT 1"
    )
    assert shipped == [(True,)]  # shipped off
    if config_value("event.sql_route.job_dead_lettered.live") is False:
        assert sql_rows(route) == [("job_dead_letter", "INSERT", "job.dead_lettered", False, True)]
    open_gate("event.sql_route.job_dead_lettered.live")  # a request and another person's approval
    assert sql_rows(route) == [("job_dead_letter", "INSERT", "job.dead_lettered", True, False)]
    # one statement trigger per operation, each with the statement's rows as a transition table
    assert sql_rows(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'job_dead_letter'::regclass AND tgname LIKE 'iu_event_capture%%'"
        " AND tgnewtable IS NOT DISTINCT FROM CASE WHEN tgname LIKE '%%delete' THEN NULL ELSE 'qg_rows' END"
        " ORDER BY tgname"
    ) == [("iu_event_capture_delete",), ("iu_event_capture_insert",), ("iu_event_capture_update",)]


def test_a_new_route_starts_dry_run_then_goes_live_through_four_eyes(source, db_error) -> None:
    registered = register("test_ti_ready", TARGET, '{"status": "ready"}', ["status", "doc_ref"])
    gate = registered["gate"]
    assert gate == "event.sql_route.test_ti_ready.live" and config_value(gate) is False
    assert sql_rows("SELECT enabled, dry_run FROM iu_sql_event_route WHERE id = %s", [registered["route_id"]]) == [
        (False, True)
    ]

    ready = insert("ready")
    insert("draft")  # does not match the condition
    assert pending() == []
    assert dry_run_log() == [(str(ready), TARGET)]

    # leaving dry-run: requested by one person, approved by another (the requester cannot)
    request_id = request_change(gate, True, requester="user:alice")
    with db_error("^four_eyes", sqlstate="QG002"):
        decide_change("approve", request_id, decider="user:alice")
    assert decide_change("approve", request_id, decider="user:bob")["status"] == "applied"
    assert sql_rows("SELECT enabled, dry_run FROM iu_sql_event_route WHERE route_name = 'test_ti_ready'") == [
        (True, False)
    ]

    live = insert("ready", "doc-2")
    insert("draft")
    [(event_type, table, ref, correlation, payload)] = pending()
    assert (event_type, table, ref, correlation) == (TARGET, "test_ti_source", str(live), "doc-2")
    assert payload == (
        '{"route": "test_ti_ready", "status": "ready", "doc_ref": "doc-2", "operation": "INSERT",'
        ' "source_table": "test_ti_source"}'
    )
    assert len(dry_run_log()) == 1  # nothing more logged once live

    # and back to dry-run the same governed way
    decide_change("approve", request_change(gate, False, requester="user:bob"), decider="user:alice")
    insert("ready")
    assert len(pending()) == 1 and len(dry_run_log()) == 2


def test_a_route_that_is_not_enabled_must_be_dry_run(db_error) -> None:
    refused = "UPDATE iu_sql_event_route SET enabled = false, dry_run = false WHERE route_name = 'job_dead_lettered'"
    allowed = "UPDATE iu_sql_event_route SET enabled = false, dry_run = true WHERE route_name = 'job_dead_lettered'"
    # the constraint holds even for the owner, who may write the table
    with db_error(constraint="disabled_route_is_dry_run", sqlstate="23514"), as_owner():
        sql_exec(refused)
    # the app role may not write it at all (routes switch through their four-eyes gate)
    for statement in (refused, allowed):
        with db_error("^permission denied for table iu_sql_event_route$", sqlstate="42501"):
            sql_exec(statement)
    owner_exec(allowed)
    assert sql_rows("SELECT enabled, dry_run FROM iu_sql_event_route WHERE route_name = 'job_dead_lettered'") == [
        (False, True)
    ]


def test_a_route_copies_named_columns_only(db_error) -> None:
    # A null among the payload columns would copy the whole row (the payload is the row less the
    # columns not named, sql/events/0027): the owner, who may write the table, cannot store one.
    refused = "UPDATE iu_sql_event_route SET payload_columns = '{job_id,NULL}' WHERE route_name = 'job_dead_lettered'"
    with db_error(constraint="sql_route_payload_columns_named", sqlstate="23514"):
        owner_exec(refused)


@pytest.mark.parametrize("columns", [["secret"], ["doc_ref", "Token"]])
def test_a_prohibited_column_cannot_be_copied_into_the_payload(source, db_error, columns) -> None:
    with db_error(f"^payload_prohibited_key: {columns[-1]}", constraint="payload_prohibited_key"):
        register("test_ti_secret", TARGET, "{}", columns)
    assert sql_value("SELECT count(*) FROM iu_sql_event_route WHERE route_name = 'test_ti_secret'") == 0
    assert sql_value("SELECT count(*) FROM dot_config WHERE key = 'event.sql_route.test_ti_secret.live'") == 0


def test_registration_checks_table_and_columns(source, db_error) -> None:
    with db_error("^unknown_table", sqlstate="QG005"), as_owner():
        call(REGISTER.replace("'test_ti_source'", "'test_ti_nope'"), "test_ti_x", TARGET, "{}", [])
    with db_error("^unknown_column: test_ti_source.nope", sqlstate="QG005"):
        register("test_ti_x", TARGET, "{}", ["nope"])
    with db_error(sqlstate="23503"):  # the target type must be registered
        register("test_ti_x", "staging.test_unregistered", "{}", [])


def test_the_app_role_may_not_register_a_route(source, db_error) -> None:
    with db_error("^permission denied for function fn_sql_event_route_register$", sqlstate="42501"):
        call(REGISTER, "test_ti_app", TARGET, "{}", [])
    assert sql_value("SELECT count(*) FROM iu_sql_event_route WHERE route_name = 'test_ti_app'") == 0


def test_one_statement_of_many_rows_is_captured_row_for_row_and_a_long_reference_refuses_it(
    source, db_error, open_gate
) -> None:
    """The capture runs once per statement (transition tables) and yields what row-by-row did."""
    registered = register("test_ti_bulk", TARGET, '{"status": "ready"}', ["status"])
    open_gate(registered["gate"])
    sql_exec(
        "INSERT INTO test_ti_source (status, doc_ref) SELECT CASE WHEN n % 2 = 0 THEN 'ready' ELSE 'draft' END,"
        " 'doc-' || n FROM generate_series(1, 10) AS n"
    )
    captured = pending()
    assert [(ref, corr) for _, _, ref, corr, _ in captured] == [
        (str(i), f"doc-{n}") for i, n in zip(range(2, 11, 2), range(2, 11, 2), strict=True)
    ]
    assert {payload for *_, payload in captured} >= {
        '{"route": "test_ti_bulk", "status": "ready", "operation": "INSERT", "source_table": "test_ti_source"}'
    }
    before = len(captured)
    with db_error("^correlation_id_length"):
        sql_exec("INSERT INTO test_ti_source (status, doc_ref) VALUES ('ready', repeat('x', 201)), ('ready', 'ok')")
    assert len(pending()) == before  # nothing of the refused statement was captured


def test_a_route_watches_only_a_plain_table(source, db_error) -> None:
    with as_owner():
        sql_exec("CREATE TABLE test_ti_parted (id bigint, status text) PARTITION BY RANGE (id)")
        sql_exec("CREATE TABLE test_ti_part PARTITION OF test_ti_parted FOR VALUES FROM (0) TO (100)")
    for table in ("test_ti_parted", "test_ti_part"):
        with db_error(f"^unsupported_table: {table} is partitioned, a partition", sqlstate="QG004"):
            with as_owner():
                call("SELECT fn_sql_event_route_register(%s, %s, 'INSERT', %s)", f"test_ti_{table[-4:]}", table, TARGET)
