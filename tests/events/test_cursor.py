"""The route worker's cursor is commit-safe, and one worker never runs twice at once.

Event ids come from a sequence: a transaction that took a smaller id may commit
after a larger id was routed. The worker drains in (tx_id, id) order below the
snapshot horizon, so such an event is neither skipped nor routed twice.
"""

from __future__ import annotations

import time

import pytest

from tests.events.conftest import horizon_holders, sunk
from tests.helpers import sql_rows

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("routing_on")]

TYPE = "job.replayed"
EMIT = "SELECT (fn_event_emit(%s, 'job_dead_letter', %s) ->> 'event_id')::bigint"


def test_an_event_committed_late_with_a_smaller_id_is_not_skipped(ev, sink, pg_connect) -> None:
    route = ev.route("test-order", TYPE, "call_function", sink)
    slow = pg_connect(autocommit=False)
    (early,) = slow.execute(EMIT, [TYPE, "early"]).fetchone()  # smaller id, still open
    late = ev.emit(TYPE, "job_dead_letter", "late")["event_id"]  # larger id, committed
    assert early < late

    for _ in range(5):
        answer = ev.run()
        assert answer["status"] == "nothing_to_do", answer
        time.sleep(0.05)
    assert ev.deliveries(route) == {} and sunk() == []
    assert ev.cursor()["last_event_id"] == 0  # never moved past the open transaction's event

    slow.commit()
    ev.tick_until(lambda: ev.cursor()["last_event_id"] == late)
    assert sunk() == [(early, "early"), (late, "late")]  # commit-safe order: (tx_id, id)
    assert ev.deliveries(route) == {early: ("succeeded", 1), late: ("succeeded", 1)}
    assert ev.run()["status"] == "nothing_to_do"
    assert len(sunk()) == 2


def test_events_of_one_transaction_route_in_id_order_after_an_older_commit(ev, sink, pg_connect) -> None:
    ev.route("test-batch", TYPE, "call_function", sink)
    first_tx = pg_connect(autocommit=False)
    second_tx = pg_connect(autocommit=False)
    (a,) = first_tx.execute(EMIT, [TYPE, "a"]).fetchone()
    (b,) = second_tx.execute(EMIT, [TYPE, "b"]).fetchone()
    (c,) = first_tx.execute(EMIT, [TYPE, "c"]).fetchone()
    second_tx.commit()  # b commits first but its transaction is younger than first_tx's
    assert ev.run()["status"] == "nothing_to_do"
    first_tx.commit()
    ev.tick_until(lambda: len(sunk()) == 3)
    assert [subject for _, subject in sunk()] == ["a", "c", "b"]
    assert ev.cursor()["last_event_id"] == b and a < b < c


def test_a_second_tick_of_the_same_worker_is_busy_while_the_first_holds_the_cursor(ev, sink, pg_connect) -> None:
    route = ev.route("test-busy", TYPE, "call_function", sink)
    event_id = ev.emit(TYPE, "job_dead_letter", "once")["event_id"]
    holder = pg_connect(autocommit=False)
    deadline = time.monotonic() + 60
    while True:  # the first tick routes the event and keeps its transaction open
        answer = holder.execute("SELECT fn_iu_route_worker_run('job_default', 100)").fetchone()[0]
        if answer["processed"]:
            break
        holder.rollback()  # the horizon was held back by someone else's transaction: try again
        assert time.monotonic() < deadline, (answer, horizon_holders())
        time.sleep(0.05)

    other = pg_connect(autocommit=False)
    second = other.execute("SELECT fn_iu_route_worker_run('job_default', 100)").fetchone()[0]
    assert second["status"] == "busy"
    other.rollback()
    # another worker is not blocked by this one's cursor
    assert ev.run("system_default")["status"] in ("nothing_to_do", "routed")

    holder.commit()
    assert ev.run()["status"] == "nothing_to_do"
    assert ev.deliveries(route) == {event_id: ("succeeded", 1)}
    assert sql_rows("SELECT count(*) FROM iu_route_attempt WHERE route_id = %s", [route]) == [(1,)]
    assert sunk() == [(event_id, "once")]
