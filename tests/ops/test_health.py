"""v_queue_health / fn_queue_health and ``manage.py queue_health``: each unhealthy
condition flips the answer and is named in ``problems``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.database import admin_connect
from tests.helpers import subprocess_database_url

BASE_DIR = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def run_health(*args: str) -> tuple[int, str]:
    """``call_command("queue_health", *args)``: (exit code, stdout)."""
    out = StringIO()
    try:
        call_command("queue_health", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_fresh_database_is_healthy(ops):
    report = ops.health()
    assert report["healthy"] is True
    assert report["problems"] == []
    sections = {row["section"] for row in report["rows"]}
    assert {"gate", "job_backlog", "dead_letters", "event_backlog", "retention"} <= sections
    assert all(row["healthy"] for row in report["rows"])


def test_every_gate_appears_once_with_its_state(ops, open_gate):
    open_gate("queue.worker.enabled")
    gates = {row["name"]: row for row in ops.health()["rows"] if row["section"] == "gate"}
    assert gates["queue.worker.enabled"]["value"] == 1
    assert gates["queue.worker.enabled"]["detail"]["open"] is True
    assert gates["queue.retention.enabled"]["value"] == 0
    assert "queue.job_substrate.enabled" in gates


def test_stale_executor_is_a_problem(ops, jobs_on):
    assert ops.beat("ops-fresh")["status"] == "registered"
    assert ops.beat("ops-silent", "external_worker")["status"] == "registered"
    assert ops.health()["healthy"] is True

    # Moved forward past queue.heartbeat.stale_after_seconds (300): both fall silent.
    answer = ops.stale_check(3600)
    assert answer["newly_stale"] == ["ops-fresh", "ops-silent"]
    ops.beat("ops-fresh")  # one comes back

    report = ops.health()
    assert report["healthy"] is False
    problems = {(p["section"], p["name"]) for p in report["problems"]}
    assert problems == {("executor", "ops-silent")}
    silent = next(p for p in report["problems"] if p["name"] == "ops-silent")
    assert silent["detail"]["status"] == "stale"
    assert silent["detail"]["kind"] == "external_worker"


def test_open_dead_letters_above_the_threshold(ops, jobs_on, set_config):
    set_config("queue.health.max_open_dead_letters", 1)
    ops.dead_letter()
    assert ops.health()["healthy"] is True  # 1 is not above 1
    ops.dead_letter("maintenance")

    problem = ops.problems()[("dead_letters", "jobs_open")]
    assert problem["value"] == 2
    assert problem["threshold"] == 1


def test_discarded_dead_letters_are_not_open(ops, jobs_on, set_config, actor):
    set_config("queue.health.max_open_dead_letters", 1)
    first, second = ops.dead_letter(), ops.dead_letter()
    assert ("dead_letters", "jobs_open") in ops.problems()
    actor("user:ops-triager")
    answer = ops.call("SELECT fn_job_dead_letter_triage(%s, 'discarded', 'not needed')", first)
    assert answer["status"] == "triaged", answer
    assert ("dead_letters", "jobs_open") not in ops.problems()
    assert ops.count("job_dead_letter", "id = %s AND triage_status = 'open'", second) == 1


def test_open_routing_dead_letters_above_the_threshold(ops, set_config):
    set_config("queue.health.max_open_dead_letters", 2)
    route = ops.route()
    for event_id in (1, 2):
        ops.route_dead_letter(route, event_id)
    ops.route_dead_letter(route, 3, triage="discarded")
    assert ops.health()["healthy"] is True
    ops.route_dead_letter(route, 4, triage="manual_replay")

    problem = ops.problems()[("dead_letters", "routes_open")]
    assert problem["value"] == 3
    assert problem["detail"]["manual_replay"] == 1


def test_ready_backlog_above_the_threshold(ops, jobs_on, set_config):
    set_config("queue.health.max_backlog", 3)
    ops.settle_pending()
    for _ in range(3):
        ops.enqueue()
    ops.enqueue(run_at_offset=3600)  # scheduled, not ready: not backlog
    assert ops.health()["healthy"] is True
    ops.enqueue()

    problem = ops.problems()[("job_backlog", "default")]
    assert problem["value"] == 4
    assert problem["threshold"] == 3
    assert problem["detail"]["ready"] == 4
    assert problem["detail"]["scheduled"] == 1
    assert ("job_backlog", "maintenance") not in ops.problems()


def test_oldest_ready_job_older_than_the_threshold(ops, jobs_on, set_config):
    ops.beat("ops-worker")  # a live worker of the jobs' class: the age is the only problem
    ops.enqueue(run_at_offset=-500)
    assert ops.health()["healthy"] is True  # 500 s <= 600 s
    ops.enqueue("test.ops.old", "maintenance", run_at_offset=-3600)

    problem = ops.problems()[("job_backlog", "maintenance")]
    assert problem["value"] == 1  # the backlog itself is small: the age is the problem
    assert float(problem["detail"]["oldest_ready_seconds"]) == pytest.approx(3600, abs=1)
    assert problem["detail"]["max_oldest_seconds"] == 600

    set_config("queue.health.max_oldest_queued_seconds", 7200)
    assert ops.health()["healthy"] is True


def test_a_paused_queue_waiting_is_not_an_age_problem(ops, jobs_on):
    ops.enqueue(run_at_offset=-3600)
    assert ("job_backlog", "default") in ops.problems()
    assert ops.pause("default")["status"] == "paused"

    report = ops.health()
    assert report["healthy"] is True
    row = next(r for r in report["rows"] if r["section"] == "job_backlog" and r["name"] == "default")
    assert row["detail"]["paused"] is True
    assert row["detail"]["ready"] == 1


def test_a_paused_queue_over_the_backlog_is_still_a_problem(ops, jobs_on, set_config):
    set_config("queue.health.max_backlog", 1)
    ops.settle_pending()
    ops.enqueue()
    ops.enqueue()
    ops.pause("default")
    assert ("job_backlog", "default") in ops.problems()


def test_event_pending_backlog_above_the_threshold(ops, set_config):
    set_config("queue.health.max_backlog", 2)
    ops.settle_pending()  # the change itself was captured (governance.gate_change_requested, …)
    ops.capture(ref="1")
    ops.capture(ref="2")
    assert ops.health()["healthy"] is True
    ops.capture(ref="3")

    problem = ops.problems()[("event_backlog", "pending")]
    assert problem["value"] == 3
    assert problem["threshold"] == 2
    assert problem["detail"]["oldest_seconds"] is not None


def test_events_past_a_route_cursor_above_the_threshold(ops, set_config, open_gate):
    open_gate("event.emit_enabled")
    set_config("queue.health.max_backlog", 2)
    ops.settle_pending()
    for ref in ("1", "2", "3"):
        ops.emit("job.replayed", ref)

    problems = ops.problems()
    assert problems[("event_backlog", "cursor:job_default/job")]["value"] == 3
    assert ("event_backlog", "cursor:system_default/system") not in problems
    undelivered = next(
        r for r in ops.health()["rows"] if r["section"] == "event_backlog" and r["name"] == "undelivered"
    )
    assert undelivered["value"] == 3 and undelivered["healthy"] is True


def test_several_problems_are_all_named(ops, jobs_on, set_config):
    set_config("queue.health.max_backlog", 1)
    ops.settle_pending()
    ops.enqueue(run_at_offset=-3600)
    ops.enqueue()
    ops.capture(ref="1")
    ops.capture(ref="2")
    ops.beat("ops-x")
    ops.stale_check(3600)
    assert set(ops.problems()) == {
        ("job_backlog", "default"),
        ("event_backlog", "pending"),
        ("executor", "ops-x"),
        ("orphaned_work", "test.ops"),  # ops-x, the only Python worker, fell silent
    }


# ---------------------------------------------------------------------------
# manage.py queue_health
# ---------------------------------------------------------------------------
def test_command_exits_0_when_healthy():
    code, out = run_health()
    assert code == 0
    assert out.strip() == "queue_health: healthy"


def test_command_exits_1_when_unhealthy_and_names_the_problems(ops, jobs_on):
    ops.beat("ops-gone")
    ops.stale_check(3600)
    ops.enqueue(run_at_offset=-3600)

    with pytest.raises(SystemExit) as exc:
        call_command("queue_health", stdout=StringIO())
    assert exc.value.code == 1

    code, out = run_health()
    lines = out.splitlines()
    assert code == 1
    assert lines[0] == "queue_health: UNHEALTHY (3 problem(s))"
    assert any("executor" in line and "ops-gone" in line for line in lines[1:])
    assert any("job_backlog" in line and "default" in line for line in lines[1:])
    assert any("orphaned_work" in line and "test.ops" in line for line in lines[1:])


def test_command_all_prints_every_row():
    code, out = run_health("--all")
    assert code == 0
    assert "queue.retention.enabled" in out
    assert "jobs_open" in out


def test_command_json_parses(ops, jobs_on):
    code, out = run_health("--json")
    report = json.loads(out)
    assert code == 0
    assert report["healthy"] is True and report["problems"] == []
    assert {"healthy", "problems", "rows", "checked_at"} <= set(report)

    ops.beat("ops-json")
    ops.stale_check(3600)
    code, out = run_health("--json")
    report = json.loads(out)
    assert code == 1
    assert report["healthy"] is False
    assert [(p["section"], p["name"]) for p in report["problems"]] == [("executor", "ops-json")]


@pytest.mark.django_db(transaction=True)
def test_command_as_a_subprocess_exit_codes():
    """What cron sees: a real process, exit 0 when healthy and 1 when not."""
    env = {**os.environ, "DATABASE_URL": subprocess_database_url()}
    env.pop("TEST_DATABASE_NAME", None)

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", "queue_health", "--json"],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    healthy = run()
    assert healthy.returncode == 0, healthy.stderr
    assert json.loads(healthy.stdout)["healthy"] is True

    # A stale executor, committed for the subprocess to see (written as the migration login).
    with admin_connect() as admin:
        admin.execute(
            "INSERT INTO queue_heartbeat (executor_name, executor_kind, status, last_beat_at)"
            " VALUES ('ops-subprocess', 'PG_worker', 'stale', now() - interval '1 hour')"
        )
    unhealthy = run()
    assert unhealthy.returncode == 1, unhealthy.stderr
    report = json.loads(unhealthy.stdout)
    assert [(p["section"], p["name"]) for p in report["problems"]] == [("executor", "ops-subprocess")]
