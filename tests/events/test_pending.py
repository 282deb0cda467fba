"""L1 → L2: capture, the immediate lane, debounce of the delayed lane, failing rows.

The clock moves through fn_event_pending_process's ``p_now`` (no sleeping).
The shipped delayed-lane types are all draft (staging.*), so the tests register
their own active delayed type inside the test transaction.
"""

from __future__ import annotations

import pytest

from tests.events.conftest import call, forget_gate_change_captures, owner_exec
from tests.helpers import sql_rows, sql_value

pytestmark = pytest.mark.django_db

DELAYED = "staging.test_delayed"
IMMEDIATE = "job.replayed"
WINDOW = 90  # event.debounce_seconds, as migrated


@pytest.fixture
def delayed_type() -> str:
    owner_exec(
        "INSERT INTO event_type_registry (event_type, event_domain, event_stream, delivery_lane, default_severity,"
        " status, producer_ref, description) VALUES (%s, 'staging', 'update', 'delayed', 'info', 'active', 'tests',"
        " 'a debounced test fact')",
        [DELAYED],
    )
    return DELAYED


def events(event_type: str) -> list[dict]:
    return call(
        "SELECT coalesce(jsonb_agg(to_jsonb(e) - 'tx_id' ORDER BY id), '[]') FROM event_outbox e WHERE event_type = %s",
        event_type,
    )


def test_capture_is_one_pending_row(ev, actor) -> None:
    actor("user:capturer")
    pending_id = ev.capture(
        DELAYED.replace("test_delayed", "record_created"),
        "staging_record",
        "9",
        payload={"n": 1},
        source_document_ref="doc-9",
        correlation_id="c-9",
    )
    [row] = sql_rows(
        "SELECT event_type, stable_key, actor, processed_at, error_count FROM event_pending WHERE id = %s",
        [pending_id],
    )
    assert row == ("staging.record_created", "doc-9", "user:capturer", None, 0)
    # stable_key = COALESCE(source_document_ref, import_batch_ref, correlation_id)
    other = ev.capture(IMMEDIATE, import_batch_ref="batch-1", correlation_id="c-1")
    assert sql_value("SELECT stable_key FROM event_pending WHERE id = %s", [other]) == "batch-1"
    assert (
        sql_value("SELECT stable_key FROM event_pending WHERE id = %s", [ev.capture(IMMEDIATE, correlation_id="c")])
        == "c"
    )


def test_immediate_lane_is_not_debounced(ev, emit_on) -> None:
    ids = [
        ev.capture(IMMEDIATE, "job_dead_letter", "1", source_document_ref="doc-1", payload={"i": i}) for i in range(3)
    ]
    answer = ev.process(now_offset=0)
    assert (answer["status"], answer["emitted"], answer["delayed_groups"]) == ("processed", 3, 0)
    emitted = events(IMMEDIATE)
    assert [e["payload"]["i"] for e in emitted] == [0, 1, 2]
    processed = sql_rows("SELECT emitted_event_id FROM event_pending WHERE id = ANY(%s) ORDER BY id", [ids])
    assert [r[0] for r in processed] == [e["id"] for e in emitted]
    assert ev.process(now_offset=0)["status"] == "nothing_to_do"


def test_correlation_causation_and_capture_time_are_carried_through(ev, emit_on) -> None:
    pending_id = ev.capture(IMMEDIATE, "job_dead_letter", "c", correlation_id="corr-1", causation_id="cause-1")
    ev.process()
    [event] = events(IMMEDIATE)
    assert (event["correlation_id"], event["causation_id"]) == ("corr-1", "cause-1")
    assert sql_value(
        "SELECT p.captured_at = e.occurred_at FROM event_pending p JOIN event_outbox e ON e.id = p.emitted_event_id"
        " WHERE p.id = %s",
        [pending_id],
    )


def test_three_captures_with_one_stable_key_become_one_event_after_the_quiet_window(ev, emit_on, delayed_type) -> None:
    for i in range(3):
        ev.capture(delayed_type, "staging_record", "r-1", payload={"step": i}, source_document_ref="doc-A")
    ev.capture(delayed_type, "staging_record", "r-2", source_document_ref="doc-B")  # another group
    # inside the window: nothing
    for offset in (0, 30, WINDOW - 5):
        assert ev.process(now_offset=offset)["status"] == "nothing_to_do"
        assert events(delayed_type) == []
    answer = ev.process(now_offset=WINDOW + 1)
    assert (answer["emitted"], answer["delayed_groups"]) == (2, 2)
    first, other = events(delayed_type)
    assert first["payload"]["captures"] == 3 and first["payload"]["stable_key"] == "doc-A"
    assert first["payload"]["step"] == 2  # the last capture's payload, plus the group's summary
    assert first["event_subject_ref"] == "r-1" and other["payload"]["captures"] == 1
    assert first["delivery_lane"] == "delayed"
    assert sql_value("SELECT count(DISTINCT emitted_event_id) FROM event_pending WHERE stable_key = 'doc-A'") == 1

    # a capture after the emission starts a new group: a second event, once quiet again
    ev.capture(delayed_type, "staging_record", "r-1", payload={"step": 3}, source_document_ref="doc-A")
    assert ev.process(now_offset=10)["status"] == "nothing_to_do"
    assert ev.process(now_offset=WINDOW + 1)["emitted"] == 1
    later = [e for e in events(delayed_type) if e["event_subject_ref"] == "r-1"]
    assert [e["payload"]["captures"] for e in later] == [3, 1]
    assert later[0]["id"] != later[1]["id"]


def test_a_capture_inside_the_window_extends_it(ev, emit_on, delayed_type) -> None:
    ev.capture(delayed_type, "staging_record", "r", source_document_ref="doc-X")
    owner_exec("UPDATE event_pending SET captured_at = captured_at - interval '60 seconds'")
    ev.capture(delayed_type, "staging_record", "r", source_document_ref="doc-X")
    # 31 s after the first capture's window would have closed, the group is still not quiet
    assert ev.process(now_offset=WINDOW - 60 + 31)["status"] == "nothing_to_do"
    assert ev.process(now_offset=WINDOW + 1)["emitted"] == 1
    assert events(delayed_type)[0]["payload"]["captures"] == 2


def test_the_window_follows_event_debounce_seconds(ev, emit_on, delayed_type, set_config) -> None:
    set_config("event.debounce_seconds", 5)
    forget_gate_change_captures()
    ev.capture(delayed_type, "staging_record", "r", source_document_ref="doc-S")
    assert ev.process(now_offset=2)["status"] == "nothing_to_do"
    assert ev.process(now_offset=6)["emitted"] == 1


def test_a_failing_row_records_its_error_and_blocks_nobody_then_is_parked(ev, emit_on, delayed_type) -> None:
    doomed = ev.capture(IMMEDIATE, "job_dead_letter", "doomed")
    doomed_group = ev.capture(delayed_type, "staging_record", "doomed", source_document_ref="doc-D")
    # both types are retired after capture
    owner_exec(
        "UPDATE event_type_registry SET status = 'retired' WHERE event_type = ANY(%s)", [[IMMEDIATE, delayed_type]]
    )
    owner_exec(
        "INSERT INTO event_type_registry (event_type, event_domain, event_stream, delivery_lane, status, producer_ref,"
        " description) VALUES ('job.test_ok', 'job', 'update', 'immediate', 'active', 'tests', 'x')"
    )
    fine = ev.capture("job.test_ok", "job_queue", "1")
    answer = ev.process(now_offset=WINDOW + 1)
    assert (answer["emitted"], answer["failed"]) == (1, 2)
    rows = dict(sql_rows("SELECT id, (error_count, last_error, processed_at IS NOT NULL)::text FROM event_pending"))
    assert "event_type_not_active" in rows[doomed] and rows[doomed].startswith("(1,")
    assert "event_type_not_active" in rows[doomed_group] and rows[doomed_group].startswith("(1,")
    assert rows[fine].endswith(",t)")

    max_attempts = sql_value("SELECT (value #>> '{}')::int FROM dot_config WHERE key = 'event.retry.max_attempts'")
    for _ in range(max_attempts + 2):
        ev.process(now_offset=WINDOW + 1)
    counts = dict(sql_rows("SELECT id, error_count FROM event_pending WHERE processed_at IS NULL"))
    assert counts == {doomed: max_attempts, doomed_group: max_attempts}  # parked: no longer tried
    assert ev.process(now_offset=WINDOW + 1)["status"] == "nothing_to_do"


def test_the_event_keeps_the_actor_of_its_capture(ev, emit_on, actor) -> None:
    actor("user:capturer")
    ev.capture(IMMEDIATE, "job_dead_letter", "who")
    actor("command:event_pending_process")
    ev.process()
    assert sql_value("SELECT actor FROM event_outbox WHERE event_subject_ref = 'who'") == "user:capturer"


def test_a_batch_of_several_types_gets_event_ids_in_capture_order(ev, emit_on, delayed_type) -> None:
    """Routing and a route's order per subject follow event ids: a set-based batch hands them
    out in capture order whatever the types, and parked or debouncing captures are not in its way."""
    owner_exec(
        "INSERT INTO event_type_registry (event_type, event_domain, event_stream, delivery_lane, status, producer_ref,"
        " description) VALUES ('job.test_other', 'job', 'update', 'immediate', 'active', 'tests', 'x')"
    )
    parked = ev.capture(IMMEDIATE, "job_dead_letter", "parked")
    owner_exec("UPDATE event_pending SET error_count = 99 WHERE id = %s", [parked])  # parked long ago
    ev.capture(delayed_type, "staging_record", "waiting", source_document_ref="doc-W")  # still debouncing
    ids = [
        ev.capture(IMMEDIATE if i % 2 else "job.test_other", "job_dead_letter", f"s{i}", payload={"i": i})
        for i in range(8)
    ]
    answer = ev.process(now_offset=0)
    assert (answer["emitted"], answer["one_at_a_time"]) == (8, False)
    emitted = sql_rows("SELECT p.id, p.emitted_event_id FROM event_pending p WHERE p.id = ANY(%s) ORDER BY p.id", [ids])
    event_ids = [e for _, e in emitted]
    assert event_ids == sorted(event_ids)  # capture order is event order


def test_a_capture_emitted_before_answers_its_event_and_writes_no_other(ev, emit_on) -> None:
    # Its once-per-subject key already names an event (written here by the owner, as an earlier
    # processing of the same capture would have): the batch writes nothing new for it.
    first = ev.capture(IMMEDIATE, "job_queue", "41")
    second = ev.capture(IMMEDIATE, "job_queue", "42")
    earlier = ev.emit(IMMEDIATE, "job_queue", "41", fact_key="the earlier one")["event_id"]
    owner_exec(
        "INSERT INTO event_subject_key (event_domain, event_type, event_subject_table, event_subject_ref, fact_key,"
        " event_id) VALUES ('job', %s, 'job_queue', '41', %s, %s)",
        [IMMEDIATE, f"pending:{first}", earlier],
    )
    answer = ev.process()
    assert (answer["emitted"], answer["duplicates"]) == (1, 1), answer
    emitted = dict(sql_rows("SELECT id, emitted_event_id FROM event_pending WHERE id IN (%s, %s)", [first, second]))
    assert emitted[first] == earlier
    assert sql_value("SELECT count(*) FROM event_outbox WHERE event_subject_ref = '41'") == 1
    assert sql_value("SELECT event_subject_ref FROM event_outbox WHERE id = %s", [emitted[second]]) == "42"
