"""fn_queue_metrics_sample: one row per queue (and '*') per minute, with the clock
moved minute by minute (p_now); the dashboard's four SVG charts."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from jobs.registry import JobContext, resolve
from tests.helpers import sql_rows, sql_value
from tests.ops.conftest import owner_exec

pytestmark = pytest.mark.django_db


def minute() -> datetime:
    """The current minute of the test transaction: date_trunc('minute', now())."""
    return sql_value("SELECT date_trunc('minute', now())")


def sample(ops, at: datetime) -> dict[str, Any]:
    return ops.call("SELECT fn_queue_metrics_sample(%s)", at)


def samples(at: datetime) -> dict[str, dict[str, Any]]:
    rows = sql_rows(
        "SELECT queue_name, window_seconds, ready, running, succeeded, dead, events_emitted, events_pending,"
        " route_failures FROM queue_metric_sample WHERE sampled_at = %s",
        [at],
    )
    keys = ("window", "ready", "running", "succeeded", "dead", "emitted", "pending", "route_failures")
    return {row[0]: dict(zip(keys, row[1:], strict=True)) for row in rows}


def move(table: str, column: str, ids: list[int], to: datetime) -> None:
    """Simulate activity in a later minute: the test transaction's now() never moves (as the owner)."""
    owner_exec(f"UPDATE {table} SET {column} = %s WHERE id = ANY(%s)", [to, ids])


@pytest.fixture
def activity(ops, jobs_on, open_gate) -> dict[str, Any]:
    """Minute 0 (now): 3 jobs acked, 1 dead-lettered, 2 events emitted, 1 failed route attempt.
    Minute 2: 1 more ack and 1 more event (timestamps moved forward)."""
    open_gate("event.emit_enabled")
    t0 = minute()
    acked = ops.succeed(4, "default")
    ops.dead_letter("maintenance")
    events = [ops.emit("job.replayed", str(n)) for n in range(3)]
    route = ops.route("ops-sample-route")
    owner_exec(  # the route worker writes attempts; the fixture inserts one as the owner
        "INSERT INTO iu_route_attempt (event_id, route_id, worker_name, attempt_no, status, error, started_at,"
        " finished_at) VALUES (1, %s, 'job_default', 1, 'failed', 'boom', now(), now())",
        [route],
    )
    move("job_queue", "finished_at", acked[-1:], t0 + timedelta(minutes=2, seconds=10))
    move("event_outbox", "created_at", events[-1:], t0 + timedelta(minutes=2, seconds=20))
    ops.enqueue(queue="default")  # ready
    ops.enqueue(queue="maintenance", run_at_offset=3 * 3600)  # scheduled: not ready
    return {"t0": t0}


def test_each_minute_records_its_own_throughput(ops, activity):
    t0 = activity["t0"]
    assert sample(ops, t0)["status"] == "sampled"  # the minute before: nothing happened yet
    assert samples(t0)["*"]["succeeded"] == 0

    answer = sample(ops, t0 + timedelta(minutes=1, seconds=5))
    assert answer["status"] == "sampled" and answer["window_seconds"] == 60
    first = samples(t0 + timedelta(minutes=1))
    assert first["default"]["succeeded"] == 3
    assert first["maintenance"]["succeeded"] == 0
    assert first["maintenance"]["dead"] == 1
    assert first["*"]["succeeded"] == 3
    assert first["*"]["dead"] == 1
    assert first["*"]["emitted"] == 2
    assert first["*"]["route_failures"] == 1
    assert first["default"]["ready"] == 1
    assert first["maintenance"]["ready"] == 0
    assert first["*"]["pending"] == ops.count("event_pending", "processed_at IS NULL")

    sample(ops, t0 + timedelta(minutes=2))
    second = samples(t0 + timedelta(minutes=2))
    assert (second["*"]["succeeded"], second["*"]["dead"], second["*"]["emitted"]) == (0, 0, 0)

    sample(ops, t0 + timedelta(minutes=3))
    third = samples(t0 + timedelta(minutes=3))
    assert (third["default"]["succeeded"], third["*"]["succeeded"], third["*"]["emitted"]) == (1, 1, 1)
    assert third["*"]["route_failures"] == 0

    totals = sql_value("SELECT sum(succeeded) FROM queue_metric_sample WHERE queue_name = '*'")
    assert totals == 4  # every ack counted exactly once


def test_one_row_per_queue_and_the_whole_system(ops, activity):
    at = activity["t0"] + timedelta(minutes=1)
    sample(ops, at)
    queues = {name for (name,) in sql_rows("SELECT queue_name FROM queue_state")}
    assert set(samples(at)) == queues | {"*"}


def test_idempotent_within_the_same_minute(ops, activity):
    at = activity["t0"] + timedelta(minutes=1)
    assert sample(ops, at + timedelta(seconds=1))["status"] == "sampled"
    before = ops.count("queue_metric_sample")
    answer = sample(ops, at + timedelta(seconds=59))
    assert answer["status"] == "nothing_to_do"
    assert ops.count("queue_metric_sample") == before
    # An older minute is not re-sampled either.
    assert sample(ops, at - timedelta(minutes=5))["status"] == "nothing_to_do"


def test_a_missed_minute_is_caught_up_in_one_wider_window(ops, activity):
    t0 = activity["t0"]
    sample(ops, t0 + timedelta(minutes=1))
    answer = sample(ops, t0 + timedelta(minutes=5))
    assert answer["window_seconds"] == 240
    assert samples(t0 + timedelta(minutes=5))["*"]["succeeded"] == 1  # the ack moved to minute 2


def test_keeps_seven_days(ops, activity):
    t0 = activity["t0"]
    sample(ops, t0 + timedelta(minutes=1))
    sample(ops, t0 + timedelta(days=2))
    sample(ops, t0 + timedelta(days=8))
    kept = [at for (at,) in sql_rows("SELECT DISTINCT sampled_at FROM queue_metric_sample ORDER BY 1")]
    assert kept == [t0 + timedelta(days=2), t0 + timedelta(days=8)]


def test_a_long_gap_is_capped_at_one_hour(ops, activity):
    t0 = activity["t0"]
    sample(ops, t0 + timedelta(minutes=1))
    assert sample(ops, t0 + timedelta(hours=5))["window_seconds"] == 3600


def test_the_builtin_job_kind_samples(ops, activity):
    handler = resolve("queuegov.metrics_sample")
    job = JobContext(1, "queuegov.metrics_sample", "maintenance", 1, 1, None, "ops-worker")
    assert handler({}, job)["status"] in ("sampled", "nothing_to_do")
    assert ops.count("queue_metric_sample", "queue_name = '*'") == 1
    assert handler({}, job)["status"] == "nothing_to_do"


def test_dashboard_renders_the_four_charts(ops, activity, client, make_user):
    # Activity 5 minutes ago, sampled in real time, so it lands in the charts' last 24 h.
    t0 = activity["t0"]
    past = t0 - timedelta(minutes=5)
    owner_exec("UPDATE job_queue SET finished_at = %s WHERE status = 'succeeded'", [past + timedelta(seconds=1)])
    sample(ops, past)
    sample(ops, past + timedelta(minutes=1))

    client.force_login(make_user("ops-charts-admin", superuser=True))
    html = client.get("/admin/").content.decode()
    charts = re.findall(r'<figure class="qg-chart">(.*?)</figure>', html, re.S)
    assert len(charts) == 4
    dashboard = html[html.index('<div id="qg-dashboard">') : html.index("<p><small>Checked")]
    assert dashboard.count("<svg") == 4 + dashboard.count('<svg class="qg-spark"')  # and a sparkline per queue
    titles = [re.search(r"<figcaption>(.*?) <small>", c).group(1) for c in charts]
    assert titles == [
        "Throughput (jobs succeeded)",
        "Failures (dead-lettered jobs + failed route attempts)",
        "Backlog (ready jobs + pending events)",
        "Events emitted",
    ]
    for chart in charts:
        points = re.search(r'points="([^"]*)"', chart).group(1).split()
        assert len(points) == 24 * 60 // 15
    assert "max 4 per 15 min" in charts[0]
