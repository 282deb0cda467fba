"""The wired producers, end to end: their captures become durable events.

Gate changes (governance.*), executor liveness (system.queue_worker_*), job
dead letters (the shipped trigger-IN route → job.dead_lettered) and job
replays (job.replayed).
"""

from __future__ import annotations

import json

import pytest

from tests.events.conftest import call, owner_exec
from tests.helpers import decide_change, request_change, sql_rows, use_actor

pytestmark = pytest.mark.django_db


def captured(event_type: str) -> list[tuple[str, str, dict]]:
    rows = sql_rows(
        "SELECT event_subject_table, event_subject_ref, capture_payload FROM event_pending WHERE event_type = %s"
        " ORDER BY id",
        [event_type],
    )
    return [(t, r, json.loads(p) if isinstance(p, str) else p) for t, r, p in rows]


def emitted_types() -> list[str]:
    """What the producers under test emitted through event_pending; the approvals gate-change
    requests assign raise governance.task.assigned directly (docs/workflows.md), counted apart."""
    return [t for (t,) in sql_rows("SELECT event_type FROM event_outbox WHERE event_type NOT LIKE 'governance.task.%%'"
                                   " ORDER BY id")]  # fmt: skip


def dead_job(job_kind: str = "test.doomed") -> tuple[int, int]:
    """A job that failed its only attempt: (job id, job dead letter id)."""
    job_id = call("SELECT fn_job_enqueue(%s, '{}'::jsonb, p_max_attempts => 1)", job_kind)["job_id"]
    owner_exec(
        "UPDATE job_queue SET status = 'running', attempts = 1, lease_owner = 'w', lease_until = now() + interval '1m',"
        " started_at = now() WHERE id = %s",
        [job_id],
    )
    answer = call("SELECT fn_job_fail_or_retry(%s, 'w', 'boom', 1)", job_id)
    assert answer["status"] == "dead", answer
    return job_id, answer["dead_letter_id"]


def test_gate_changes_capture_governance_events(ev, emit_on) -> None:
    request_id = request_change("queue.notify.enabled", True, requester="user:req")
    decide_change("approve", request_id, decider="user:app")
    rejected = request_change("queue.notify.enabled", False, requester="user:req")
    decide_change("reject", rejected, decider="user:app")
    subject = ("gate_change_request", str(request_id))
    [requested, _] = captured("governance.gate_change_requested")
    [changed] = captured("governance.gate_changed")
    [refused] = captured("governance.gate_change_rejected")
    assert requested[:2] == changed[:2] == subject and refused[:2] == ("gate_change_request", str(rejected))
    assert changed[2] == {
        "key": "queue.notify.enabled",
        "old_value": False,
        "new_value": True,
        "requested_by": "user:req",
        "approved_by": "user:app",
    }
    assert ev.process()["emitted"] == 4
    assert sorted(emitted_types()) == sorted(
        ["governance.gate_change_requested"] * 2 + ["governance.gate_changed", "governance.gate_change_rejected"]
    )
    # each request assigned its approval to the approver role, into their inbox at once
    assert (
        sql_rows(
            "SELECT e.event_subject_table, r.recipient_kind, r.recipient_ref FROM event_outbox e"
            " JOIN event_read r ON r.event_id = e.id WHERE e.event_type = 'governance.task.assigned' ORDER BY e.id"
        )
        == [("human_task", "role", "approver")] * 2
    )


def test_stale_and_recovered_executors_capture_system_events(ev, emit_on, open_gate) -> None:
    open_gate("queue.heartbeat.enabled")
    owner_exec("DELETE FROM event_pending")
    call("SELECT fn_queue_heartbeat_tick('exec-1', 'PG_worker')")
    silent = call("SELECT fn_queue_stale_check(now() + interval '1 hour')")
    assert silent["newly_stale"] == ["exec-1"]
    # once per transition: a second check captures nothing new
    call("SELECT fn_queue_stale_check(now() + interval '2 hours')")
    assert call("SELECT fn_queue_heartbeat_tick('exec-1', 'PG_worker')")["status"] == "recovered"
    assert [c[:2] for c in captured("system.queue_worker_silent")] == [("queue_heartbeat", "exec-1")]
    assert [c[:2] for c in captured("system.queue_worker_recovered")] == [("queue_heartbeat", "exec-1")]
    ev.process()
    assert emitted_types() == ["system.queue_worker_silent", "system.queue_worker_recovered"]


def test_job_dead_letter_and_replay_capture_job_events(ev, emit_on, open_gate) -> None:
    open_gate("queue.job_substrate.enabled")
    open_gate("queue.dlq_replay.enabled")
    open_gate("event.sql_route.job_dead_lettered.live")  # ships off, like every gate
    owner_exec("DELETE FROM event_pending")
    job_id, dead_letter_id = dead_job()
    [(table, ref, payload)] = captured("job.dead_lettered")
    assert (table, ref) == ("job_dead_letter", str(dead_letter_id))
    assert payload == {
        "operation": "INSERT",
        "source_table": "job_dead_letter",
        "route": "job_dead_lettered",
        "job_id": job_id,
        "job_kind": "test.doomed",
        "queue_name": "default",
        "attempts": 1,
    }
    use_actor("user:operator")
    call("SELECT fn_job_dead_letter_triage(%s, 'manual_replay', 'try again')", dead_letter_id)
    replay = call("SELECT fn_job_dead_letter_replay(%s, 'ticket-1')", dead_letter_id)
    [(table, ref, payload)] = captured("job.replayed")
    assert (table, ref) == ("job_dead_letter", str(dead_letter_id))
    assert payload["replayed_job_id"] == replay["job_id"] and payload["replayed_by"] == "user:operator"
    ev.process()
    assert emitted_types() == ["job.dead_lettered", "job.replayed"]
