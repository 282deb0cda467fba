"""A failing route never holds back its domain (docs/events.md, "Routes never block their domain").

The failing delivery is parked for retry on its own schedule while the cursor
moves on; a route that asks for it keeps one subject's events in order.
Everything commits (transaction=True): the worker routes only committed events.
"""

from __future__ import annotations

import pytest

from tests.events.conftest import owner_exec, sunk
from tests.helpers import preserved_actor, sql_rows, sql_value, use_actor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("routing_on")]

TYPE = "job.replayed"


def delivery(route: int, event_id: int) -> tuple[str, int]:
    [found] = sql_rows(
        "SELECT status, attempts FROM iu_route_delivery WHERE route_id = %s AND event_id = %s", [route, event_id]
    )
    return found


def make_due(event_id: int) -> None:
    owner_exec(
        "UPDATE iu_route_delivery SET next_attempt_at = now() - interval '1 second' WHERE event_id = %s", [event_id]
    )


def test_events_after_a_failing_one_are_routed_without_waiting_for_its_retry(ev, sink, set_config) -> None:
    set_config("event.retry.backoff_seconds", 3600)  # the failing event's retry is an hour away
    route = ev.route("test-isolated", TYPE, "call_function", sink)
    owner_exec("INSERT INTO test_route_refuse VALUES ('bad')")
    bad = ev.emit(TYPE, "job_dead_letter", "bad")["event_id"]
    later = [ev.emit(TYPE, "job_dead_letter", f"ok{i}")["event_id"] for i in range(12)]

    # batches of 5: the cursor passes the failing event and the 12 after it within a few ticks
    answers = ev.tick_until(lambda: ev.cursor()["last_event_id"] == later[-1], batch=5)
    assert [event_id for event_id, _ in sunk()] == later
    assert delivery(route, bad) == ("pending", 1)
    parked_for = sql_value(
        "SELECT extract(epoch FROM next_attempt_at - now()) FROM iu_route_delivery WHERE event_id = %s", [bad]
    )
    assert parked_for > 3000
    assert sum(a.get("parked", 0) for a in answers) == 1
    backlog = sql_rows("SELECT unrouted, parked FROM v_iu_event_backlog WHERE worker_name = 'job_default'")
    assert backlog == [(0, 1)]

    # its retry comes on its own schedule, from the parked delivery, and succeeds once fixed
    owner_exec("DELETE FROM test_route_refuse")
    make_due(bad)
    answer = ev.run(batch=5)
    assert answer["retried"] == 1 and answer["dispatched"] == 1
    assert delivery(route, bad) == ("succeeded", 2)
    assert sunk()[-1] == (bad, "bad")


def test_a_route_s_own_retry_policy_times_its_retries(ev, sink, set_config) -> None:
    set_config("event.retry.backoff_seconds", 7)
    default = ev.route("test-default-policy", TYPE, "call_function", sink)
    fixed = ev.route("test-fixed-policy", TYPE, "call_function", sink, retry_policy="fixed")
    owner_exec("INSERT INTO test_route_refuse VALUES ('bad')")
    bad = ev.emit(TYPE, "job_dead_letter", "bad")["event_id"]
    ev.tick_until(lambda: len(ev.deliveries(default)) == 1 and len(ev.deliveries(fixed)) == 1)

    def delay(route: int) -> float:
        return float(
            sql_value(
                "SELECT extract(epoch FROM d.next_attempt_at - a.finished_at) FROM iu_route_delivery d"
                " JOIN iu_route_attempt a USING (event_id, route_id)"
                " WHERE d.route_id = %s AND d.event_id = %s ORDER BY a.id DESC LIMIT 1",
                [route, bad],
            )
        )

    assert 6 <= delay(default) <= 8  # event.retry.backoff_seconds
    assert 59 <= delay(fixed) <= 61  # retry_policy_registry 'fixed': 60 s
    make_due(bad)
    ev.run()
    assert 13 <= delay(default) <= 15  # doubling
    assert 59 <= delay(fixed) <= 61
    # the fixed policy's max_attempts (5) governs that route; event.retry.max_attempts the other
    set_config("event.retry.max_attempts", 2)
    make_due(bad)
    ev.run()
    assert ev.deliveries(default)[bad] == ("dead_lettered", 3)
    assert ev.deliveries(fixed)[bad] == ("pending", 3)


def test_an_ordered_route_keeps_one_subject_in_order_and_lets_others_pass(ev, sink) -> None:
    route = ev.route("test-ordered", TYPE, "call_function", sink, ordered_per_subject=True)
    owner_exec("INSERT INTO test_route_refuse VALUES ('x')")
    x1 = ev.emit(TYPE, "job_dead_letter", "x", fact_key="1")["event_id"]
    x2 = ev.emit(TYPE, "job_dead_letter", "x", fact_key="2")["event_id"]  # a second fact of subject x
    y1 = ev.emit(TYPE, "job_dead_letter", "y")["event_id"]

    ev.tick_until(lambda: ev.cursor()["last_event_id"] == y1)
    # y passes; x2 waits behind x1 (held: not attempted, no attempt recorded)
    assert sunk() == [(y1, "y")]
    assert delivery(route, x1) == ("pending", 1)
    assert delivery(route, x2) == ("pending", 0)
    assert sql_value("SELECT count(*) FROM iu_route_attempt WHERE event_id = %s", [x2]) == 0

    owner_exec("DELETE FROM test_route_refuse")
    make_due(x1)
    make_due(x2)
    answer = ev.run()
    assert answer["retried"] == 2
    assert sunk() == [(y1, "y"), (x1, "x"), (x2, "x")]
    assert delivery(route, x2) == ("succeeded", 1)


def test_a_dead_lettered_event_releases_the_subject_it_held(ev, sink, set_config) -> None:
    set_config("event.retry.max_attempts", 2)
    route = ev.route("test-ordered-dl", TYPE, "call_function", sink, ordered_per_subject=True)
    owner_exec("INSERT INTO test_route_refuse VALUES ('x')")
    x1 = ev.emit(TYPE, "job_dead_letter", "x", fact_key="1")["event_id"]
    x2 = ev.emit(TYPE, "job_dead_letter", "x", fact_key="2")["event_id"]  # a second fact of subject x
    ev.tick_until(lambda: ev.cursor()["last_event_id"] == x2)
    assert delivery(route, x2) == ("pending", 0)

    make_due(x1)  # its last attempt fails: dead-lettered
    ev.run()
    assert delivery(route, x1) == ("dead_lettered", 2)
    owner_exec("DELETE FROM test_route_refuse")
    make_due(x2)  # no longer held by x1
    ev.run()
    assert delivery(route, x2) == ("succeeded", 1)
    assert sunk() == [(x2, "x")]


def test_a_paused_route_keeps_its_parked_deliveries_and_crowds_out_no_other(ev, sink) -> None:
    paused = ev.route("test-paused", TYPE, "call_function", sink)
    other = ev.route("test-other", TYPE, "call_function", sink)
    owner_exec("INSERT INTO test_route_refuse VALUES ('bad')")
    bad = [ev.emit(TYPE, "job_dead_letter", "bad", fact_key=str(i))["event_id"] for i in range(3)]
    ev.tick_until(lambda: ev.cursor()["last_event_id"] == bad[-1])
    assert {delivery(r, e)[0] for r in (paused, other) for e in bad} == {"pending"}
    with preserved_actor():
        use_actor("user:ops")
        sql_value("SELECT fn_iu_outbound_route_set(%s, true, true, 'target misbehaves')", [paused])
    owner_exec("DELETE FROM test_route_refuse")
    for event_id in bad:
        make_due(event_id)
    # batch 2: the paused route's three due rows do not take the other route's turn
    answers = [ev.run(batch=2) for _ in range(2)]
    assert sum(a["retried"] for a in answers) == 3
    assert {delivery(other, e) for e in bad} == {("succeeded", 2)}
    # paused: nothing retried, nothing turned into a dry run; resumed live, they are delivered
    assert {delivery(paused, e) for e in bad} == {("pending", 1)}
    with preserved_actor():
        use_actor("user:ops")
        sql_value("SELECT fn_iu_outbound_route_set(%s, true, false, 'target fixed')", [paused])
    ev.run()
    assert {delivery(paused, e) for e in bad} == {("succeeded", 2)}


def test_an_event_gone_before_its_retry_is_dead_lettered_and_releases_its_subject(ev, sink) -> None:
    route = ev.route("test-gone", TYPE, "call_function", sink, ordered_per_subject=True)
    owner_exec("INSERT INTO test_route_refuse VALUES ('x')")
    gone = ev.emit(TYPE, "job_dead_letter", "x", fact_key="1")["event_id"]
    after = ev.emit(TYPE, "job_dead_letter", "x", fact_key="2")["event_id"]
    ev.tick_until(lambda: ev.cursor()["last_event_id"] == after)
    assert delivery(route, after) == ("pending", 0)
    owner_exec("DELETE FROM test_route_refuse")
    owner_exec("DELETE FROM event_outbox WHERE id = %s", [gone])  # what retention does to an old partition
    make_due(gone)
    make_due(after)
    answer = ev.run()
    assert answer["dead_lettered"] == 1
    assert delivery(route, gone) == ("dead_lettered", 1)
    [(error, snapshot)] = sql_rows(
        "SELECT last_error, event_snapshot->>'gone' FROM iu_route_dead_letter WHERE event_id = %s", [gone]
    )
    assert error.startswith(f"event_gone: event {gone} is no longer in event_outbox") and snapshot == "true"
    assert delivery(route, after) == ("succeeded", 1)
