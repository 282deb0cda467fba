"""fn_queue_retention with the clock moved forward (p_now): dry run, the gate,
archive → purge of finished jobs, dead letters, event partitions, bounded
batches; ``manage.py queue_retention`` and the ``queuegov.retention`` job kind."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils.module_loading import import_string

from jobs.registry import JobContext, resolve
from queuegov.ops import builtin
from tests.database import as_owner
from tests.helpers import db_error, sql_rows, sql_value, use_actor
from tests.ops.conftest import owner_exec, owner_value

pytestmark = pytest.mark.django_db

GATE = "queue.retention.enabled"
DAY = timedelta(days=1)
# Fresh-install settings: hot 30 days, archive 90 days, dead letters 365 days.
HOT, ARCHIVE, DLQ = 30, 90, 365


def now() -> datetime:
    return sql_value("SELECT now()")


def retention(ops, apply: bool, at: datetime, batch_size: int = 5000, max_batches: int = 20) -> dict[str, Any]:
    """Retention at ``at``: moving the clock is the owner's (fn_clock), so it runs as the owner;
    an applied run is audited, so it acts as the retention command."""
    use_actor("command:queue_retention", source="command")
    with as_owner():
        return ops.call("SELECT fn_queue_retention(%s, %s, %s, %s)", apply, batch_size, max_batches, at)


def test_only_the_owner_moves_retentions_clock(ops, open_gate) -> None:
    open_gate(GATE)
    use_actor("command:queue_retention", source="command")
    with db_error(sqlstate="QG002", match=r"^clock_refused: only the owner runs retention at another time"):
        ops.call("SELECT fn_queue_retention(true, 5000, 20, 'infinity')")
    assert ops.call("SELECT fn_queue_retention(false, 5000, 20, 'infinity')")["status"] == "dry_run"


def table_counts() -> dict[str, int]:
    tables = ("job_queue", "job_archive", "job_dead_letter", "iu_route_dead_letter", "event_outbox",
              "event_subject_key", "event_read")  # fmt: skip
    return {t: sql_value(f"SELECT count(*) FROM {t}") for t in tables}


def status_of(job_ids: list[int]) -> dict[int, str]:
    return dict(sql_rows("SELECT id, status FROM job_queue WHERE id = ANY(%s)", [job_ids]))


@pytest.fixture
def jobs(ops, jobs_on, actor) -> dict[str, list[int]]:
    """Finished jobs of every kind (now), plus queued and running ones that must never be touched."""
    succeeded = ops.succeed(3)
    dead_letter = ops.dead_letter()
    dead = [sql_value("SELECT job_id FROM job_dead_letter WHERE id = %s", [dead_letter])]
    actor("user:ops-retention")
    to_cancel = ops.enqueue()
    assert ops.call("SELECT fn_job_cancel(%s, 'not needed')", to_cancel)["status"] == "cancelled"
    running = [j["id"] for j in ops.claim("ops-ret-w", ["default"], batch=1)] if ops.enqueue() else []
    queued = [ops.enqueue(run_at_offset=-400 * 86400), ops.enqueue(run_at_offset=400 * 86400)]
    assert len(running) == 1
    return {
        "succeeded": succeeded,
        "dead": dead,
        "cancelled": [to_cancel],
        "running": running,
        "queued": queued,
        "dead_letters": [dead_letter],
    }


def test_dry_run_counts_and_changes_nothing(ops, jobs):
    before = table_counts()
    answer = retention(ops, False, now() + (DLQ + 1) * DAY)
    assert answer == {
        "status": "dry_run",
        "jobs_to_archive": 5,  # 3 succeeded, 1 dead, 1 cancelled
        "archived_jobs_to_purge": 0,
        "job_dead_letters_to_delete": 1,
        "route_dead_letters_to_delete": 0,
        "event_partitions_to_drop": answer["event_partitions_to_drop"],
    }
    assert table_counts() == before
    assert retention(ops, False, now())["jobs_to_archive"] == 0  # nothing is 30 days old yet


def test_dry_run_needs_no_gate_but_apply_does(ops, jobs, open_gate):
    at = now() + (HOT + 1) * DAY
    before = table_counts()
    assert retention(ops, False, at)["status"] == "dry_run"
    assert retention(ops, True, at) == {"status": "gate_closed", "gate": GATE}
    assert table_counts() == before

    open_gate(GATE)
    assert retention(ops, True, at)["status"] == "applied"
    assert table_counts() != before


def test_finished_jobs_past_hot_days_are_archived_never_active_ones(ops, jobs, open_gate):
    open_gate(GATE)
    finished = jobs["succeeded"] + jobs["dead"] + jobs["cancelled"]
    # One succeeded job finished 5 days later: still hot at the moved clock.
    recent = finished[0]
    owner_exec("UPDATE job_queue SET finished_at = finished_at + interval '5 days' WHERE id = %s", [recent])
    at = now() + (HOT + 1) * DAY

    answer = retention(ops, True, at)
    assert answer["jobs_archived"] == 4
    assert answer["archived_jobs_purged"] == 0
    archived = dict(sql_rows("SELECT id, status FROM job_archive"))
    assert set(archived) == set(finished) - {recent}
    assert archived[jobs["dead"][0]] == "dead" and archived[jobs["cancelled"][0]] == "cancelled"
    assert status_of(finished) == {recent: "succeeded"}
    assert status_of(jobs["running"] + jobs["queued"]) == {
        jobs["running"][0]: "running",
        jobs["queued"][0]: "queued",
        jobs["queued"][1]: "queued",
    }
    snapshot = json.loads(sql_value("SELECT snapshot::text FROM job_archive WHERE id = %s", [jobs["dead"][0]]))
    assert snapshot["id"] == jobs["dead"][0] and snapshot["status"] == "dead" and "result" not in snapshot
    assert sql_value("SELECT bool_and(archived_at = %s) FROM job_archive", [at])

    # Even years later, active jobs stay.
    retention(ops, True, at + 1000 * DAY)
    assert set(status_of(jobs["running"] + jobs["queued"]).values()) == {"running", "queued"}


def test_archived_jobs_are_purged_after_archive_days(ops, jobs, open_gate):
    open_gate(GATE)
    archived_at = now() + (HOT + 1) * DAY
    assert retention(ops, True, archived_at)["jobs_archived"] == 5

    assert retention(ops, False, archived_at + (ARCHIVE - 1) * DAY)["archived_jobs_to_purge"] == 0
    assert retention(ops, True, archived_at + (ARCHIVE - 1) * DAY)["archived_jobs_purged"] == 0
    assert ops.count("job_archive") == 5

    later = archived_at + (ARCHIVE + 1) * DAY
    assert retention(ops, False, later)["archived_jobs_to_purge"] == 5
    assert retention(ops, True, later)["archived_jobs_purged"] == 5
    assert ops.count("job_archive") == 0


def test_job_dead_letters_are_deleted_after_dlq_days(ops, jobs_on, open_gate):
    open_gate(GATE)
    old, young = ops.dead_letter(), ops.dead_letter()
    owner_exec("UPDATE job_dead_letter SET dead_at = dead_at + interval '10 days' WHERE id = %s", [young])
    at = now() + (DLQ + 1) * DAY

    answer = retention(ops, True, at)
    assert answer["job_dead_letters_deleted"] == 1
    assert [i for (i,) in sql_rows("SELECT id FROM job_dead_letter ORDER BY id")] == [young]
    assert old != young


def test_only_discarded_or_replayed_routing_dead_letters_are_deleted(ops, open_gate):
    open_gate(GATE)
    route = ops.route()
    ids = {
        triage: ops.route_dead_letter(route, n, triage=triage)
        for n, triage in enumerate(("open", "manual_replay", "discarded", "replayed"), start=1)
    }
    young = ops.route_dead_letter(route, 99, triage="discarded", dead_at="now() + interval '10 days'")
    at = now() + (DLQ + 1) * DAY

    assert retention(ops, False, at)["route_dead_letters_to_delete"] == 2
    assert retention(ops, True, at)["route_dead_letters_deleted"] == 2
    left = {i for (i,) in sql_rows("SELECT id FROM iu_route_dead_letter")}
    assert left == {ids["open"], ids["manual_replay"], young}


@pytest.fixture
def old_partition(ops) -> dict[str, Any]:
    """A monthly partition 8 months back holding one event, its subject key and an inbox row.

    No API call writes an event in the past: the rows are inserted as the owner."""
    old = sql_value("SELECT date_trunc('month', now() - interval '8 months') + interval '3 days'")
    created = ops.call("SELECT fn_event_outbox_ensure_partitions(p_months_ahead => 0, p_from => %s)", old)
    [name] = created["created"]
    event_id = owner_value(
        f"INSERT INTO {name} (event_domain, event_stream, event_type, delivery_lane, event_subject_table,"
        " event_subject_ref, occurred_at, created_at) VALUES ('job', 'update', 'job.replayed', 'immediate',"
        " 'job_queue', 'old-1', %s, %s) RETURNING id",
        [old, old],
    )
    owner_exec(
        "INSERT INTO event_subject_key (event_domain, event_type, event_subject_table, event_subject_ref, event_id,"
        " created_at) VALUES ('job', 'job.replayed', 'job_queue', 'old-1', %s, %s)",
        [event_id, old],
    )
    owner_exec(
        "INSERT INTO event_read (event_id, event_created_at, recipient_kind, recipient_ref, via)"
        " VALUES (%s, %s, 'role', 'operator', 'default_broadcast')",
        [event_id, old],
    )
    return {"name": name, "event_id": event_id, "created_at": old}


def test_old_event_partitions_are_dropped_with_their_keys_and_inbox_rows(ops, open_gate, old_partition):
    open_gate("event.emit_enabled")
    recent = ops.emit("job.replayed", "recent-1")
    owner_exec(
        "INSERT INTO event_read (event_id, event_created_at, recipient_kind, recipient_ref, via)"
        " SELECT id, created_at, 'role', 'operator', 'default_broadcast' FROM event_outbox WHERE id = %s",
        [recent],
    )
    name = old_partition["name"]
    assert ops.count("event_outbox", "id = %s", old_partition["event_id"]) == 1

    dry = retention(ops, False, now())
    assert dry["event_partitions_to_drop"] == [name]  # 8 months > 90 days; this month's are kept
    assert sql_value("SELECT to_regclass(%s)::text", [name]) == name

    open_gate(GATE)
    answer = retention(ops, True, now())
    assert answer["event_partitions_dropped"] == [name]
    assert answer["event_partitions_skipped"] == []
    assert sql_value("SELECT to_regclass(%s)", [name]) is None
    assert ops.count("event_outbox", "id = %s", old_partition["event_id"]) == 0
    assert ops.count("event_subject_key", "event_subject_ref = 'old-1'") == 0
    assert ops.count("event_read", "event_id = %s", old_partition["event_id"]) == 0
    # The recent event, its key and its inbox row stay.
    assert ops.count("event_outbox", "id = %s", recent) == 1
    assert ops.count("event_subject_key", "event_id = %s", recent) == 1
    assert ops.count("event_read", "event_id = %s", recent) == 1


def test_a_partition_is_dropped_only_when_wholly_older_than_archive_days(ops, open_gate, old_partition):
    open_gate(GATE)
    month_end = sql_value("SELECT date_trunc('month', %s::timestamptz) + interval '1 month'",
                          [old_partition["created_at"]])  # fmt: skip
    # Its last events are ARCHIVE days old only at month_end + ARCHIVE days, and the cutoff is a month start.
    assert retention(ops, False, month_end + (ARCHIVE - 1) * DAY)["event_partitions_to_drop"] == []
    cutoff_passed = sql_value(
        "SELECT date_trunc('month', %s::timestamptz + interval '1 month') + make_interval(days => %s)",
        [month_end, ARCHIVE],
    )
    assert old_partition["name"] in retention(ops, False, cutoff_passed)["event_partitions_to_drop"]


def test_batches_are_bounded_and_a_second_run_continues(ops, jobs_on, open_gate):
    open_gate(GATE)
    ops.succeed(7)
    at = now() + (HOT + 1) * DAY

    first = retention(ops, True, at, batch_size=2, max_batches=2)
    assert first["jobs_archived"] == 4
    assert ops.count("job_queue", "status = 'succeeded'") == 3
    second = retention(ops, True, at, batch_size=2, max_batches=2)
    assert second["jobs_archived"] == 3
    third = retention(ops, True, at, batch_size=2, max_batches=2)
    assert third["jobs_archived"] == 0
    assert ops.count("job_archive") == 7

    # Purging is bounded the same way.
    later = at + (ARCHIVE + 1) * DAY
    assert retention(ops, True, later, batch_size=3, max_batches=1)["archived_jobs_purged"] == 3
    assert retention(ops, True, later, batch_size=3, max_batches=1)["archived_jobs_purged"] == 3
    assert retention(ops, True, later, batch_size=3, max_batches=1)["archived_jobs_purged"] == 1


def test_dead_letter_deletes_are_bounded_too(ops, jobs_on, open_gate):
    open_gate(GATE)
    for _ in range(5):
        ops.dead_letter()
    at = now() + (DLQ + 1) * DAY
    assert retention(ops, True, at, batch_size=2, max_batches=1)["job_dead_letters_deleted"] == 2
    assert retention(ops, True, at, batch_size=2, max_batches=1)["job_dead_letters_deleted"] == 2
    assert retention(ops, True, at, batch_size=2, max_batches=1)["job_dead_letters_deleted"] == 1


# ---------------------------------------------------------------------------
# manage.py queue_retention and the job kind (real clock: rows are back-dated)
# ---------------------------------------------------------------------------
def backdate(jobs: dict[str, list[int]]) -> None:
    finished = jobs["succeeded"] + jobs["dead"] + jobs["cancelled"]
    owner_exec("UPDATE job_queue SET finished_at = now() - interval '40 days' WHERE id = ANY(%s)", [finished])


def retention_command(*args: str) -> str:
    out = StringIO()
    call_command("queue_retention", *args, stdout=out)
    return out.getvalue()


def test_command_dry_run_is_the_default(ops, jobs):
    backdate(jobs)
    before = table_counts()
    out = retention_command()
    assert out.startswith("queue_retention: dry_run ")
    assert "jobs_to_archive=5" in out
    assert json.loads(retention_command("--json"))["jobs_to_archive"] == 5
    assert json.loads(retention_command("--dry-run", "--json"))["status"] == "dry_run"
    assert table_counts() == before


def test_command_apply(ops, jobs, open_gate):
    backdate(jobs)
    out = retention_command("--apply")
    assert out.strip() == "queue_retention: gate queue.retention.enabled is closed; nothing done"
    assert ops.count("job_archive") == 0

    open_gate(GATE)
    answer = json.loads(retention_command("--apply", "--json", "--batch-size", "2", "--max-batches", "1"))
    assert answer["status"] == "applied" and answer["jobs_archived"] == 2
    out = retention_command("--apply")
    assert out.startswith("queue_retention: applied jobs_archived=3")
    assert ops.count("job_archive") == 5


def test_command_refuses_bad_batch_arguments():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="at least 1"):
        retention_command("--apply", "--batch-size", "0")


def test_retention_job_kind(ops, jobs, open_gate):
    backdate(jobs)
    handler = resolve("queuegov.retention")
    assert handler is builtin.retention
    job = JobContext(1, "queuegov.retention", "maintenance", 1, 1, None, "ops-worker")
    assert handler({}, job) == {"status": "gate_closed", "gate": GATE}

    open_gate(GATE)
    answer = handler({"batch_size": 2}, job)
    assert answer["status"] == "applied"
    assert answer["jobs_archived"] == 5  # 2 per batch, up to 20 batches
    assert ops.count("job_archive") == 5


def test_retention_is_registered_and_scheduled():
    consumer = sql_rows(
        "SELECT queue_name, handler_ref, status FROM consumer_registry WHERE job_kind = 'queuegov.retention'"
    )
    assert consumer == [("maintenance", "queuegov.ops.builtin.retention", "active")]
    assert import_string(consumer[0][1]) is builtin.retention
    schedule = sql_rows("SELECT cron_expression, queue_name FROM job_schedule WHERE job_kind = 'queuegov.retention'")
    assert schedule == [("17 * * * *", "maintenance")]
