"""L3: fn_event_emit — validated, idempotent per subject across monthly partitions, gated."""

from __future__ import annotations

import pytest

from tests.events.conftest import call, owner_exec
from tests.helpers import sql_rows, sql_value

pytestmark = pytest.mark.django_db

TYPE = "job.replayed"


def outbox_count(where: str = "true", *params: object) -> int:
    return sql_value(f"SELECT count(*) FROM event_outbox WHERE {where}", list(params))


def test_emit_records_the_event_with_its_context(ev, emit_on, actor) -> None:
    actor("user:emitter")
    answer = ev.emit(TYPE, "job_dead_letter", "41", payload={"job_kind": "x"}, correlation_id="c-1", causation_id="k")
    assert answer["status"] == "emitted"
    [row] = sql_rows(
        "SELECT event_domain, event_stream::text, delivery_lane::text, severity::text, payload, actor, correlation_id,"
        " causation_id, tableoid::regclass::text FROM event_outbox WHERE id = %s",
        [answer["event_id"]],
    )
    month = sql_value("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYYMM')")
    assert row[:4] == ("job", "update", "immediate", "info")
    assert row[5:] == ("user:emitter", "c-1", "k", f"event_outbox_{month}")


def test_emitting_the_same_fact_again_returns_the_existing_event(ev, emit_on) -> None:
    first = ev.emit(TYPE, "job_dead_letter", "7", payload={"n": 1})
    again = ev.emit(TYPE, "job_dead_letter", "7", payload={"n": 2})
    assert first["status"] == "emitted"
    assert again == {"status": "duplicate", "event_id": first["event_id"]}
    assert outbox_count("event_subject_ref = '7'") == 1
    # another subject, or no subject at all, is another fact
    assert ev.emit(TYPE, "job_dead_letter", "8")["status"] == "emitted"
    assert ev.emit(TYPE)["status"] == ev.emit(TYPE)["status"] == "emitted"


def test_idempotency_holds_across_monthly_partitions(ev, emit_on) -> None:
    first = ev.emit(TYPE, "job_dead_letter", "old")
    # the first event now lives in last month's partition
    owner_exec(
        "UPDATE event_outbox SET created_at = created_at - interval '1 month' WHERE id = %s", [first["event_id"]]
    )
    partition = sql_value("SELECT tableoid::regclass::text FROM event_outbox WHERE id = %s", [first["event_id"]])
    assert partition != sql_value("SELECT 'event_outbox_' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMM')")
    assert ev.emit(TYPE, "job_dead_letter", "old") == {"status": "duplicate", "event_id": first["event_id"]}
    assert outbox_count("event_subject_ref = 'old'") == 1
    # the key table alone decides: a key whose event is in any partition (or gone) blocks a second event
    owner_exec(
        "INSERT INTO event_subject_key (event_domain, event_type, event_subject_table, event_subject_ref, event_id)"
        " VALUES ('job', %s, 'job_dead_letter', 'keyed', 424242)",
        [TYPE],
    )
    assert ev.emit(TYPE, "job_dead_letter", "keyed") == {"status": "duplicate", "event_id": 424242}
    assert outbox_count("event_subject_ref = 'keyed'") == 0


@pytest.mark.parametrize(
    "payload",
    [
        {"body": "x"},
        {"meta": {"Embedding": [0.1]}},
        {"items": [{"ok": 1}, {"deep": {"PassWord": "x"}}]},
        {"a": {"b": {"c": {"PERSONAL_DATA": {}}}}},
    ],
)
def test_prohibited_payload_is_rejected_at_emit_and_at_capture(ev, emit_on, db_error, payload) -> None:
    before = outbox_count()
    with db_error("payload_prohibited_key", constraint="payload_prohibited_key"):
        ev.emit(TYPE, "job_dead_letter", "p", payload=payload)
    with db_error("payload_prohibited_key", constraint="payload_prohibited_key"):
        ev.capture(TYPE, "job_dead_letter", "p", payload=payload)
    assert outbox_count() == before
    assert sql_value("SELECT count(*) FROM event_subject_key WHERE event_subject_ref = 'p'") == 0
    assert sql_value("SELECT count(*) FROM event_pending WHERE event_subject_ref = 'p'") == 0


def test_unknown_and_non_active_types_are_rejected(ev, emit_on, db_error) -> None:
    with db_error("^unknown_event_type: job.nope", sqlstate="QG005"):
        ev.emit("job.nope")
    owner_exec(
        "INSERT INTO event_type_registry (event_type, event_domain, event_stream, delivery_lane, status, description)"
        " VALUES ('job.test_draft', 'job', 'update', 'immediate', 'draft', 'designed, not emitted yet')"
    )
    with db_error("event_type_not_active: job.test_draft is draft", sqlstate="QG003"):
        ev.emit("job.test_draft", "job_queue", "1")
    owner_exec("UPDATE event_type_registry SET status = 'retired' WHERE event_type = %s", [TYPE])
    with db_error("event_type_not_active: job.replayed is retired", sqlstate="QG003"):
        ev.emit(TYPE, "job_dead_letter", "1")
    # capture: an unknown type never reaches event_pending
    with db_error("^unknown_event_type: job.nope", sqlstate="QG005"):
        ev.capture("job.nope")
    assert outbox_count() == 0


def test_subject_table_and_ref_go_together(ev, emit_on, db_error) -> None:
    with db_error("^invalid_subject", sqlstate="QG004"):
        ev.emit(TYPE, "job_dead_letter", None)


def test_closed_emit_gate_writes_nothing(ev) -> None:
    answer = ev.emit(TYPE, "job_dead_letter", "closed")
    assert answer == {"status": "gate_closed", "gate": "event.emit_enabled"}
    assert outbox_count() == 0
    assert sql_value("SELECT count(*) FROM event_subject_key") == 0
    # the gate being closed is not an error for the processor either: it says so
    ev.capture(TYPE, "job_dead_letter", "closed")
    assert ev.process() == {"status": "gate_closed", "gate": "event.emit_enabled"}
    assert sql_value("SELECT count(*) FROM event_pending WHERE processed_at IS NULL") == 1


def test_partitions_exist_ahead_and_ensure_is_idempotent() -> None:
    def month(ahead: int) -> str:
        return sql_value(
            "SELECT 'event_outbox_' || to_char(date_trunc('month', now() AT TIME ZONE 'UTC')"
            " + make_interval(months => %s), 'YYYYMM')",
            [ahead],
        )

    # the migration made this month's and next month's (at least); maintenance keeps them coming
    for name in (month(0), month(1)):
        assert sql_value("SELECT to_regclass(%s)::text", [name]) == name
    first = call("SELECT fn_event_outbox_ensure_partitions(4)")
    assert first["status"] == "created" and month(4) in first["created"]
    assert call("SELECT fn_event_outbox_ensure_partitions(4)") == {"status": "nothing_to_do", "created": []}
    names = [month(i) for i in range(5)]
    bounds = dict(
        sql_rows("SELECT relname::text, pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = ANY(%s)", [names])
    )
    assert sorted(bounds) == names
    assert all(b.startswith("FOR VALUES FROM") for b in bounds.values())


def test_ensure_partitions_recovers_rows_that_landed_in_the_default_partition(ev, emit_on) -> None:
    event_id = ev.emit(TYPE, "job_dead_letter", "late")["event_id"]
    owner_exec("UPDATE event_outbox SET created_at = '2031-03-10' WHERE id = %s", [event_id])
    assert sql_value("SELECT tableoid::regclass::text FROM event_outbox WHERE id = %s", [event_id]) == (
        "event_outbox_default"
    )
    sql_value("SELECT fn_event_outbox_ensure_partitions(0, '2031-03-05')")
    assert sql_value("SELECT tableoid::regclass::text FROM event_outbox WHERE id = %s", [event_id]) == (
        "event_outbox_203103"
    )


@pytest.mark.parametrize("lane", ["immediate", "delayed"])
def test_a_caller_cannot_take_the_fact_key_the_engine_gives_a_capture(ev, emit_on, db_error, lane) -> None:
    # The pending processor emits a capture under 'pending:<capture id>', a debounced group
    # under 'group:<first capture id>': a caller who wrote an event under that key first
    # would have made the captured fact a duplicate of its own, with its own payload.
    event_type, prefix = TYPE, "pending"
    if lane == "delayed":
        event_type, prefix = "job.test_debounced", "group"
        owner_exec(
            "INSERT INTO event_type_registry (event_type, event_domain, event_stream, delivery_lane,"
            " default_severity, status, producer_ref, description) VALUES (%s, 'job', 'update', 'delayed', 'info',"
            " 'active', 'tests', 'a debounced test fact')",
            [event_type],
        )
    captured = ev.capture(event_type, "job_dead_letter", "77", payload={"from": "capture"}, correlation_id="c-77")
    engine_key = f"{prefix}:{captured}"
    with db_error(f"^reserved_fact_key: {engine_key} ", sqlstate="QG004"):
        ev.emit(event_type, "job_dead_letter", "77", payload={"from": "forger"}, fact_key=engine_key)
    assert outbox_count("event_subject_ref = '77'") == 0
    # past the delayed lane's quiet window (event.debounce_seconds, 90 as migrated)
    assert ev.process(now_offset=3600)["emitted"] == 1
    captured_payload = sql_value(
        "SELECT e.payload ->> 'from' FROM event_pending p JOIN event_outbox e ON e.id = p.emitted_event_id"
        " WHERE p.id = %s",
        [captured],
    )
    assert captured_payload == "capture"
    # any other key is the caller's own
    assert ev.emit(event_type, "job_dead_letter", "77", fact_key=f"mine:{engine_key}")["status"] == "emitted"
