"""LISTEN/NOTIFY: an emit wakes ``queue_wake_<domain>`` listeners; ``route_worker_tick --listen`` wakes on it.

Notifications are delivered at commit, so everything here commits
(transaction=True). The listening worker polls only every 30 s: routing within
a few seconds is the NOTIFY's doing.
"""

from __future__ import annotations

import signal
import subprocess
import time

import pytest

from tests.events.conftest import activity_value, horizon_holders, sunk, wait_horizon_past
from tests.helpers import sql_value

pytestmark = pytest.mark.django_db(transaction=True)

TYPE = "job.replayed"
LISTENING = (
    "SELECT count(*) FROM pg_stat_clear_snapshot(), pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    " AND query LIKE 'LISTEN %%queue_wake_job%%'"
)


def wait_for(condition, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_an_emit_notifies_its_domain_after_commit_when_the_gate_is_open(ev, emit_on, open_gate, pg_connect) -> None:
    listener = pg_connect()
    listener.execute("LISTEN queue_wake_job")
    listener.execute("LISTEN queue_wake_system")
    quiet = ev.emit(TYPE, "job_dead_letter", "quiet")["event_id"]
    assert quiet and list(listener.notifies(timeout=0.5, stop_after=1)) == []  # queue.notify.enabled is closed

    open_gate("queue.notify.enabled")
    event_id = ev.emit(TYPE, "job_dead_letter", "loud")["event_id"]
    [note] = listener.notifies(timeout=5, stop_after=1)
    assert (note.channel, note.payload) == ("queue_wake_job", str(event_id))
    system_id = ev.emit("system.queue_worker_silent", "queue_heartbeat", "x")["event_id"]
    [note] = listener.notifies(timeout=5, stop_after=1)
    assert (note.channel, note.payload) == ("queue_wake_system", str(system_id))


def test_a_listening_route_worker_wakes_on_notify(ev, routing_on, open_gate, sink, spawn_command) -> None:
    open_gate("queue.notify.enabled")
    ev.route("test-wake", TYPE, "call_function", sink)
    worker = spawn_command("route_worker_tick", "--worker", "job_default", "--listen", "--interval", "30", "--json")
    # listening, and its first (empty) tick done: from now on only a NOTIFY or the 30 s poll wakes it
    assert wait_for(lambda: activity_value(LISTENING) == 1 and ev.cursor()["last_run_at"] is not None, 30)
    time.sleep(0.2)

    started = time.monotonic()
    event_id = ev.emit(TYPE, "job_dead_letter", "wake")["event_id"]
    ticked_since = (
        "SELECT c.last_run_at > e.created_at FROM iu_route_worker_cursor c, event_outbox e"
        " WHERE c.worker_name = 'job_default' AND e.id = %s"
    )
    # woken: a tick ran after the emit, long before the 30 s poll
    assert wait_for(lambda: sql_value(ticked_since, [event_id]), 5)
    # routed. A NOTIFY that arrives while an older transaction anywhere in the cluster still runs
    # finds the event below the horizon hidden and the worker sleeps again; nudge it with another emit.
    for _ in range(5):
        wait_horizon_past()
        if wait_for(lambda: bool(sunk()), 2):
            break
        ev.emit(TYPE, "job_dead_letter", f"nudge-{time.monotonic()}")
    assert sunk() and sunk()[0] == (event_id, "wake"), horizon_holders()
    assert time.monotonic() - started < 15  # far below the 30 s poll interval
    assert worker.poll() is None

    # (the fixture kills it)


@pytest.mark.django_db
def test_a_listening_route_worker_stops_promptly_on_sigterm(spawn_command) -> None:
    worker = spawn_command("route_worker_tick", "--worker", "job_default", "--listen", "--interval", "20")
    assert wait_for(lambda: activity_value(LISTENING) == 1, 30)
    time.sleep(0.3)  # in its wait for a wake-up
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=3)
    except subprocess.TimeoutExpired:
        pytest.fail("still running 3 s after SIGTERM (it waits in conn.notifies for the whole --interval)")
    assert worker.returncode == 0
