"""Dead-letter triage and replay, executor heartbeats and stale detection, and
the schedule tick, through the SQL API."""

from __future__ import annotations

import pytest

from tests.database import as_owner
from tests.helpers import db_error, json_value, sql_exec, sql_value
from tests.jobs.conftest import assert_app_denied, owner_exec

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs_on")]

REPLAY = "SELECT fn_job_dead_letter_replay(%s, %s)"
TRIAGE = "SELECT fn_job_dead_letter_triage(%s, %s, %s)"


def dead_letter(dl_id: int) -> dict:
    return json_value("SELECT to_jsonb(d) FROM job_dead_letter d WHERE id = %s", [dl_id])


# ---------------------------------------------------------------------------
# Dead letters: triage FSM and replay
# ---------------------------------------------------------------------------
def test_replay_needs_gate_and_manual_replay_triage(q, actor, open_gate) -> None:
    actor("user:operator")
    dl = q.dead_letter("test.job", {"ref": "doc-1"}, priority=3, correlation_id="c-1")
    old_job = dead_letter(dl)["job_id"]
    assert q.call(REPLAY, dl, "ticket-7")["status"] == "gate_closed"
    open_gate("queue.dlq_replay.enabled")
    with db_error(sqlstate="QG003", match=rf"^triage_required: dead letter {dl} is open, "):
        q.call(REPLAY, dl, "ticket-7")
    with db_error(sqlstate="QG008", match=r"^reason_required: triage needs a note"):
        q.call(TRIAGE, dl, "manual_replay", "")
    assert q.call(TRIAGE, dl, "manual_replay", "safe to rerun") == {
        "status": "triaged",
        "dead_letter_id": dl,
        "from": "open",
        "to": "manual_replay",
    }
    with db_error(sqlstate="QG008", match=r"^authorization_required: "):
        q.call(REPLAY, dl, " ")
    jobs_before = q.count()

    answer = q.call(REPLAY, dl, "ticket-7")
    assert answer["status"] == "replayed" and answer["dead_letter_id"] == dl
    assert q.count() == jobs_before + 1
    new = q.job(answer["job_id"])
    old = q.job(old_job)
    assert new["replay_of_dead_letter_id"] == dl and new["status"] == "queued" and new["attempts"] == 0
    for field in ("job_kind", "payload", "queue_name", "priority", "correlation_id", "retry_policy"):
        assert new[field] == old[field], field
    assert new["created_by"] == "user:operator" and old["status"] == "dead"
    row = dead_letter(dl)
    assert (row["triage_status"], row["replayed_job_id"], row["replayed_by"]) == (
        "replayed",
        answer["job_id"],
        "user:operator",
    )
    assert (row["triaged_by"], row["note"], row["authorization_source"]) == (
        "user:operator",
        "safe to rerun",
        "ticket-7",
    )

    with db_error(sqlstate="QG003", match=rf"^triage_required: dead letter {dl} is replayed"):
        q.call(REPLAY, dl, "ticket-8")
    assert q.count() == jobs_before + 1


def test_replay_needs_an_actor(q, actor, open_gate) -> None:
    open_gate("queue.dlq_replay.enabled")
    actor("user:operator")
    dl = q.dead_letter()
    q.call(TRIAGE, dl, "manual_replay", "safe to rerun")
    actor.clear()
    with db_error(sqlstate="QG001", match=r"^actor_required: "):
        q.call(REPLAY, dl, "ticket-1")
    with db_error(sqlstate="QG005", match=r"^unknown_dead_letter: "):
        actor("user:operator")
        q.call(REPLAY, 10**12, "ticket-1")


def test_triage_fsm(q, actor, open_gate) -> None:
    actor("user:triager")
    dl = q.dead_letter()
    assert q.call(TRIAGE, dl, "open", "still open")["status"] == "nothing_to_do"
    assert q.call(TRIAGE, dl, "discarded", "not needed")["to"] == "discarded"
    with db_error(match=r'Invalid transition of field "triage_status" from "discarded" to "manual_replay"'):
        q.call(TRIAGE, dl, "manual_replay", "changed my mind")
    assert q.call(TRIAGE, dl, "open", "reopen")["to"] == "open"
    with db_error(sqlstate="QG004", match=r"^invalid_triage_status: replayed "):
        q.call(TRIAGE, dl, "replayed", "skip the replay")
    with db_error(sqlstate="QG005", match=r"^unknown_dead_letter: "):
        q.call(TRIAGE, 10**12, "discarded", "gone")

    open_gate("queue.dlq_replay.enabled")
    q.call(TRIAGE, dl, "manual_replay", "rerun it")
    q.call(REPLAY, dl, "ticket-2")
    for target in ("open", "discarded", "manual_replay"):
        with db_error(match=rf'Invalid transition of field "triage_status" from "replayed" to "{target}"'):
            q.call(TRIAGE, dl, target, "rewrite history")
    rewrite = "UPDATE job_dead_letter SET triage_status = 'open', replayed_job_id = NULL WHERE id = %s"
    with as_owner(), db_error(match=r"Invalid transition"):  # the FSM holds even for the owner
        sql_exec(rewrite, [dl])
    assert_app_denied(rewrite, [dl])
    assert dead_letter(dl)["triage_status"] == "replayed"


# ---------------------------------------------------------------------------
# Executor heartbeats and stale detection
# ---------------------------------------------------------------------------
def test_heartbeat_stale_once_then_recovered(q, open_gate) -> None:
    open_gate("queue.heartbeat.enabled")
    tick = "SELECT fn_queue_heartbeat_tick('w-hb', 'PG_worker', '{\"pid\": 1}')"
    assert q.call(tick)["status"] == "registered"
    assert q.call(tick)["status"] == "fresh"
    assert sql_value("SELECT beats FROM queue_heartbeat WHERE executor_name = 'w-hb'") == 2
    assert q.call("SELECT fn_queue_stale_check()")["status"] == "nothing_to_do"

    owner_exec("UPDATE queue_heartbeat SET last_beat_at = now() - interval '301 seconds'")
    assert q.call("SELECT fn_queue_stale_check()") == {
        "status": "stale_detected",
        "newly_stale": ["w-hb"],
        "stale_total": 1,
    }
    assert q.call("SELECT fn_queue_stale_check()") == {"status": "nothing_to_do", "newly_stale": [], "stale_total": 1}
    assert sql_value("SELECT status FROM queue_heartbeat WHERE executor_name = 'w-hb'") == "stale"

    assert q.call(tick)["status"] == "recovered"
    assert sql_value("SELECT status FROM queue_heartbeat WHERE executor_name = 'w-hb'") == "fresh"
    assert q.call(tick)["status"] == "fresh"


def test_stale_check_follows_the_setting_and_p_now(q, open_gate, set_config) -> None:
    open_gate("queue.heartbeat.enabled")
    q.call("SELECT fn_queue_heartbeat_tick('w-hb', 'DOT', '{}')")
    set_config("queue.heartbeat.stale_after_seconds", 30)
    assert q.call("SELECT fn_queue_stale_check(now() + interval '29 seconds')")["status"] == "nothing_to_do"
    assert q.call("SELECT fn_queue_stale_check(now() + interval '31 seconds')")["newly_stale"] == ["w-hb"]


def test_heartbeat_refuses_an_unknown_executor_kind(q, open_gate) -> None:
    open_gate("queue.heartbeat.enabled")
    with db_error(match=r"executor_kind"):
        q.call("SELECT fn_queue_heartbeat_tick('w-hb', 'Robot', '{}')")


# ---------------------------------------------------------------------------
# Schedules
# ---------------------------------------------------------------------------
@pytest.fixture
def no_seeded_schedules() -> None:
    """The migrations seed enabled maintenance schedules; these tests want only their own.

    No SQL API creates, deletes or re-times a schedule: these tests write job_schedule as the owner.
    """
    owner_exec("DELETE FROM job_schedule")


@pytest.mark.usefixtures("no_seeded_schedules")
def test_schedule_tick_enqueues_a_due_slot_once_and_advances(q, open_gate) -> None:
    open_gate("queue.scheduler.enabled")
    owner_exec(
        "INSERT INTO job_schedule (name, cron_expression, job_kind, payload, queue_name, priority)"
        " VALUES ('reindex', '*/5 * * * *', 'test.reindex', '{\"ref\": \"idx\"}', 'maintenance', 4)"
    )
    assert sql_value("SELECT next_run_at = fn_cron_next('*/5 * * * *', now()) FROM job_schedule")
    assert q.call("SELECT fn_schedule_tick()") == {"status": "nothing_to_do", "schedules": []}

    owner_exec("UPDATE job_schedule SET next_run_at = date_trunc('hour', now()) - interval '1 hour'")
    answer = q.call("SELECT fn_schedule_tick()")
    assert answer["status"] == "enqueued"
    [entry] = answer["schedules"]
    assert entry["schedule"] == "reindex" and entry["result"] == "enqueued"
    slot = sql_value("SELECT last_enqueued_slot FROM job_schedule")
    assert sql_value(
        "SELECT %s::timestamptz <= now() AND next_run_at > now() AND next_run_at - %s::timestamptz = interval '5 min'"
        " FROM job_schedule",
        [slot, slot],
    )
    # every missed slot is counted, only the latest one runs
    assert sql_value("SELECT skipped_slots FROM job_schedule") == entry["skipped"] >= 12
    job = q.job(entry["job_id"])
    assert (job["job_kind"], job["payload"], job["queue_name"], job["priority"]) == (
        "test.reindex",
        {"ref": "idx"},
        "maintenance",
        4,
    )
    epoch = int(sql_value("SELECT extract(epoch FROM %s::timestamptz)", [slot]))
    assert (job["idempotency_key"], job["correlation_id"]) == (f"schedule:reindex:{epoch}", "schedule:reindex")
    assert sql_value("SELECT last_job_id FROM job_schedule") == entry["job_id"]

    assert q.call("SELECT fn_schedule_tick()")["status"] == "nothing_to_do"
    owner_exec("UPDATE job_schedule SET next_run_at = %s", [slot])  # the same slot again
    assert q.call("SELECT fn_schedule_tick()")["schedules"][0]["result"] == "duplicate"
    assert q.count("job_kind = 'test.reindex'") == 1


@pytest.mark.usefixtures("no_seeded_schedules")
def test_disabled_schedule_is_not_ticked(q, open_gate) -> None:
    open_gate("queue.scheduler.enabled")
    owner_exec(
        "INSERT INTO job_schedule (name, cron_expression, job_kind, enabled) VALUES ('off', '@hourly', 't.x', false)"
    )
    owner_exec("UPDATE job_schedule SET next_run_at = now() - interval '2 hours'")
    assert q.call("SELECT fn_schedule_tick()")["status"] == "nothing_to_do"
    assert q.count() == 0


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("61 * * * *", r"^cron_expression_invalid: minute field '61' in '61 \* \* \* \*' is out of range 0-59"),
        ("* * * *", r"^cron_expression_invalid: '\* \* \* \*' has 4 fields; expected 5"),
        ("*/0 * * * *", r"^cron_expression_invalid: minute field '\*/0' "),
        ("0 0 30 2 *", r"^cron_expression_invalid: '0 0 30 2 \*' never fires"),
    ],
)
@pytest.mark.usefixtures("no_seeded_schedules")
def test_malformed_cron_is_refused_by_the_check(expression, message) -> None:
    # The check binds every writer, the owner included; the app role may not write job_schedule at all.
    insert = "INSERT INTO job_schedule (name, cron_expression, job_kind) VALUES ('bad', %s, 't.x')"
    update = "UPDATE job_schedule SET cron_expression = %s WHERE name = 'good'"
    with as_owner(), db_error(constraint="cron_expression_valid", match=message):
        sql_exec(insert, [expression])
    assert_app_denied(insert, [expression])
    owner_exec("INSERT INTO job_schedule (name, cron_expression, job_kind) VALUES ('good', '@daily', 't.x')")
    with as_owner(), db_error(constraint="cron_expression_valid", match=r"^cron_expression_invalid: "):
        sql_exec(update, [expression])
    assert_app_denied(update, [expression])
    assert sql_value("SELECT count(*) FROM job_schedule") == 1
