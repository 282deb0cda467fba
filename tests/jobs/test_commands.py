"""The cron-facing commands: idempotent, --json, exit 0 on a closed gate, CommandError on bad input."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Max

from jobs.models import QueueState
from queuegov.models import AdminActionAudit
from tests.database import as_owner

TICKS = {
    "lease_reaper": "queue.lease_reaper.enabled",
    "stale_check": "queue.heartbeat.enabled",
    "schedule_tick": "queue.scheduler.enabled",
}


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(("command", "gate"), sorted(TICKS.items()))
def test_closed_gate_is_not_a_crash(command, gate):
    assert run(command) == f"{command}: gate {gate} is closed; nothing done\n"
    assert json.loads(run(command, "--json")) == {"status": "gate_closed", "gate": gate}


@pytest.mark.django_db
@pytest.mark.parametrize(("command", "gate"), sorted(TICKS.items()))
def test_open_gate_idle_run_says_nothing_to_do(command, gate, open_gate):
    # The seeded maintenance schedules fall due a minute after migration: idle means none
    # (no SQL API deletes a schedule: the owner does).
    with as_owner(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM job_schedule")
    open_gate(gate)
    if command == "schedule_tick":
        open_gate("queue.job_substrate.enabled")
    answer = json.loads(run(command, "--json"))
    assert answer["status"] == "nothing_to_do"
    assert run(command).startswith(f"{command}: nothing_to_do")


@pytest.mark.django_db
def test_heartbeat_tick(open_gate):
    assert "closed" in run("heartbeat_tick", "--executor", "cron-host-1")
    open_gate("queue.heartbeat.enabled")
    first = json.loads(run("heartbeat_tick", "--executor", "cron-host-1", "--kind", "DOT", "--json"))
    assert first == {"status": "registered", "executor_name": "cron-host-1"}
    assert (
        json.loads(run("heartbeat_tick", "--executor", "cron-host-1", "--kind", "DOT", "--json"))["status"] == "fresh"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["heartbeat_tick", "--executor", "x", "--meta", "{nope"], "--meta is not valid JSON"),
        (["heartbeat_tick", "--executor", "x", "--meta", "[1]"], "--meta must be a JSON object"),
        (["queue_worker", "--concurrency", "0", "--once"], "concurrency must be at least 1"),
    ],
)
def test_bad_arguments_are_command_errors(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


@pytest.mark.django_db
def test_heartbeat_tick_refuses_unknown_executor_kind(open_gate):
    open_gate("queue.heartbeat.enabled")
    with pytest.raises(CommandError, match="executor_kind_allowed: executor_kind 'MOT' is not allowed"):
        run("heartbeat_tick", "--executor", "x", "--kind", "MOT")


@pytest.mark.django_db
def test_queue_pause_and_resume_are_audited_and_idempotent():
    out = run("queue_pause", "default", "--reason", "deploying the consumer")
    assert "applied" in out
    state = QueueState.objects.get(pk="default")
    assert state.paused and state.paused_by == "command:queue_pause" and state.reason == "deploying the consumer"
    assert "nothing_to_do" in run("queue_pause", "default", "--reason", "again please")
    row = AdminActionAudit.objects.filter(action="queue.pause").latest("id")
    assert (row.actor, row.source, row.outcome) == ("command:queue_pause", "command", "applied")
    run("queue_resume", "default", "--reason", "deployed")
    assert not QueueState.objects.get(pk="default").paused


@pytest.mark.django_db
def test_queue_pause_refusals():
    # admin_action_audit is append-only: count only the rows written after the start.
    start = AdminActionAudit.objects.aggregate(last=Max("id"))["last"] or 0
    with pytest.raises(CommandError, match="unknown_queue: nowhere"):
        run("queue_pause", "nowhere", "--reason", "typo")
    with pytest.raises(CommandError, match="reason_required"):
        run("queue_pause", "default", "--reason", "")
    with pytest.raises(CommandError, match="no active user 'ghost'"):
        run("queue_pause", "default", "--reason", "as a ghost", "--as-user", "ghost")
    assert AdminActionAudit.objects.filter(id__gt=start, action="queue.pause", outcome="refused").count() == 2


@pytest.mark.django_db
def test_queue_pause_as_a_user_needs_the_permission(django_user_model):
    django_user_model.objects.create_user("visitor", password="x-long-password-1", is_staff=True)
    with pytest.raises(CommandError, match=r"permission: visitor lacks jobs\.pause_queuestate"):
        run("queue_pause", "default", "--reason", "not mine", "--as-user", "visitor")
    assert not QueueState.objects.get(pk="default").paused


@pytest.mark.django_db(transaction=True)
def test_queue_worker_with_closed_gate_exits_cleanly():
    out = run("queue_worker", "--once", "--no-listen")
    assert "claimed 0" in out and "(gate queue.worker.enabled closed)" in out
