"""A route worker process killed with SIGKILL mid-batch, then run again: every event routed exactly once.

The worker (``manage.py route_worker_tick --listen``) drains 200 events in
batches of 50, one transaction per batch; each event goes through a slow
call_function route (pg_sleep per event, set through the DATABASE_URL's options) and an
enqueue_job route (the event → job bridge). It is killed while a later batch is
in flight: the batches it committed stay, the one in flight vanishes with its
transaction, and a new run routes the rest — no event lost, none routed twice,
each bridge job created once.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.events.conftest import activity_value, database_url_with, finish, wait_horizon_past
from tests.helpers import sql_rows, sql_value

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("routing_on")]

TYPE = "job.replayed"
EVENTS = 200
ACTIVE_TICK = (
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    " AND state = 'active' AND query LIKE '%%fn_iu_route_worker_run%%'"
)


def wait_for(condition, timeout: float = 60, what: str = "") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_sigkill_mid_batch_then_rerun_routes_every_event_exactly_once(ev, sink, open_gate, spawn_command) -> None:
    open_gate("queue.job_substrate.enabled")
    slow_route = ev.route("test-slow", TYPE, "call_function", sink)
    bridge = ev.route("test-bridge", TYPE, "enqueue_job", "test.crash_bridge")
    sql_value("SELECT count(fn_event_emit(%s, 'crash', g::text)) FROM generate_series(1, %s) g", [TYPE, EVENTS])
    wait_horizon_past()

    worker = spawn_command(
        "route_worker_tick",
        *("--worker", "job_default", "--listen", "--batch-size", "50", "--interval", "30"),
        extra_env={"DATABASE_URL": database_url_with(**{"test.sink_sleep": "0.02"})},  # 50 events ≈ 1 s per batch
    )
    # let at least one batch commit, then kill while the next one is in flight
    wait_for(lambda: sql_value("SELECT count(*) FROM test_route_sink") >= 50, what="a committed batch")
    wait_for(lambda: activity_value(ACTIVE_TICK) is not None, what="a tick in flight")
    backend = activity_value(ACTIVE_TICK)
    time.sleep(0.3)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    # the orphaned backend ends its statement, finds its client gone and rolls back
    gone = "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = %s AND state = 'active'"
    wait_for(lambda: activity_value(gone, [backend]), what="the killed worker's backend")

    committed = sql_value("SELECT count(*) FROM test_route_sink")
    assert 50 <= committed < EVENTS and committed % 50 == 0, committed
    cursor = ev.cursor()
    assert cursor["processed_count"] == committed
    assert sql_value("SELECT count(*) FROM job_queue") == committed
    assert sql_value("SELECT count(*) FROM iu_route_attempt") == 2 * committed  # the lost batch left nothing

    rerun = finish(spawn_command("route_worker_tick", "--worker", "job_default", "--batch-size", "500", "--json"))
    assert rerun["returncode"] == 0, rerun["stderr"][-2000:]
    assert rerun["workers"]["job_default"]["processed"] == EVENTS - committed

    assert sql_rows("SELECT count(*), count(DISTINCT event_id) FROM test_route_sink") == [(EVENTS, EVENTS)]
    assert sql_rows(
        "SELECT route_id, status, attempts, count(*) FROM iu_route_delivery GROUP BY 1, 2, 3 ORDER BY 1"
    ) == [(slow_route, "succeeded", 1, EVENTS), (bridge, "succeeded", 1, EVENTS)]
    assert sql_rows(
        "SELECT count(*), count(DISTINCT idempotency_key), count(DISTINCT payload->>'event_id') FROM job_queue"
    ) == [(EVENTS, EVENTS, EVENTS)]
    assert (
        sql_value(
            "SELECT count(*) FROM job_queue j JOIN event_outbox e"
            " ON j.idempotency_key = format('route:%%s:event:%%s', %s::bigint, e.id)",
            [bridge],
        )
        == EVENTS
    )
    assert sql_value("SELECT count(*) FROM iu_route_attempt WHERE status <> 'succeeded'") == 0
    final = ev.cursor()
    assert final["processed_count"] == EVENTS
    assert final["last_event_id"] == sql_value("SELECT max(id) FROM event_outbox WHERE event_type = %s", [TYPE])
    assert ev.run()["status"] == "nothing_to_do"
