"""Every step's ledger row and staging.* event, end to end: the captures become
durable events (delayed lane, one group per manifest and type) and the
iu_cutting_default route worker drains them past its cursor."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from queuegov.actor import Actor, actor_context
from tests.helpers import as_json, governed_set, sql_rows, sql_value
from tests.staging.conftest import StagingApi

STEPS = [
    ("mark_file", "apply", "succeeded", "staging.record_created"),
    ("verify_mark", "plan", "passed", None),
    ("verify_mark", "apply", "succeeded", "staging.record_approved"),
    ("cut", "apply", "succeeded", "staging.record_consumed"),
    ("verify_cut", "verify", "verified", "iu.cut_verified"),
]


def walk_every_step(iu: StagingApi) -> tuple[int, int]:
    record_id = iu.marked()
    iu.verify(record_id, as_="user:reviewer")
    iu.approve(record_id)
    iu.cut(record_id)
    iu.verify_cut(record_id)
    rejected = iu.marked(key="second")
    iu.reject(rejected)
    return record_id, rejected


@pytest.mark.django_db
def test_each_step_writes_one_ledger_row_and_its_event(iu) -> None:
    record_id, rejected = walk_every_step(iu)
    runs = sql_rows(
        "SELECT id, command, run_mode, run_status, finished_at >= started_at, length(params_digest),"
        " gate_snapshot ? 'event.emit_enabled' FROM dot_iu_command_run WHERE record_id = %s ORDER BY id",
        [record_id],
    )
    assert [r[1:4] for r in runs] == [s[:3] for s in STEPS]
    assert all(r[4] and r[5] == 32 and r[6] for r in runs)
    captured = sql_rows(
        "SELECT event_type, causation_id FROM event_pending WHERE source_document_ref = %s"
        " AND event_type <> 'iu.unit_created' ORDER BY id",
        [f"iu_staging_record:{record_id}"],
    )
    expected = [(s[3], f"dot_iu_command_run:{r[0]}") for s, r in zip(STEPS, runs, strict=True) if s[3]]
    assert captured == expected
    assert iu.runs(rejected)[-1][:3] == ("reject", "apply", "succeeded")
    assert iu.captures(rejected) == ["staging.record_created", "staging.record_rejected"]


@pytest.mark.django_db(transaction=True)
def test_staging_events_are_emitted_and_drained_by_iu_cutting_default() -> None:
    iu = StagingApi()
    with actor_context(Actor(name="user:setup", source="sql")):
        record_id, rejected = walk_every_step(iu)
    for gate in ("event.emit_enabled", "event.routes_master.enabled", "event.route_worker.enabled"):
        governed_set(gate, True)
    cursor_before = as_json(
        sql_value("SELECT to_jsonb(c) FROM iu_route_worker_cursor c WHERE worker_name = 'iu_cutting_default'")
    )
    # the delayed lane waits for event.debounce_seconds of quiet: move its clock past that
    processed = as_json(sql_value("SELECT fn_event_pending_process(1000, now() + interval '10 minutes')"))
    assert processed["failed"] == 0, processed
    staging_events = sql_rows(
        "SELECT event_type, event_subject_ref, delivery_lane FROM event_outbox"
        " WHERE event_domain = 'staging' ORDER BY id"
    )
    assert Counter(t for t, _, _ in staging_events) == {
        "staging.record_created": 2,
        "staging.record_approved": 1,
        "staging.record_consumed": 1,
        "staging.record_rejected": 1,
    }
    assert {lane for _, _, lane in staging_events} == {"delayed"}
    assert {ref for _, ref, _ in staging_events} == {str(record_id), str(rejected)}
    assert sql_value("SELECT count(*) FROM event_outbox WHERE event_type = 'iu.unit_created'") == 5
    assert sql_value("SELECT count(*) FROM event_outbox WHERE event_type = 'iu.cut_verified'") == 1

    # The worker drains commit-safely (events older than every running transaction of the
    # cluster): with other work on the server it may take a few ticks to see them.
    last_staging = sql_value("SELECT max(id) FROM event_outbox WHERE event_domain = 'staging'")
    deadline = time.monotonic() + 30
    while True:
        answer = as_json(sql_value("SELECT fn_iu_route_worker_run('iu_cutting_default', 100)"))
        assert answer.get("status") != "gate_closed", answer
        cursor = as_json(
            sql_value("SELECT to_jsonb(c) FROM iu_route_worker_cursor c WHERE worker_name = 'iu_cutting_default'")
        )
        if cursor["last_event_id"] == last_staging or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert cursor["last_event_id"] == last_staging
    assert cursor["processed_count"] - cursor_before["processed_count"] == len(staging_events)
