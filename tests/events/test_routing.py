"""L4 trigger-OUT: the route worker dispatches committed events through iu_outbound_route.

Everything commits (transaction=True): the worker routes only events whose
transaction ended. The shared cleanup truncates the substrate afterwards;
the ``sink`` fixture drops its own function and tables.
"""

from __future__ import annotations

import json

import pytest
from django.db import transaction

from tests.database import as_owner
from tests.events.conftest import app_role, call, make_dead_letter, owner_exec, register_route_target, sunk
from tests.helpers import db_error, sql_exec, sql_rows, sql_value, use_actor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("routing_on")]

TYPE = "job.replayed"


def attempts(route_id: int, event_id: int) -> list[tuple[int, str]]:
    return sql_rows(
        "SELECT attempt_no, status FROM iu_route_attempt WHERE route_id = %s AND event_id = %s ORDER BY id",
        [route_id, event_id],
    )


def as_actor(name: str, sql: str, *params: object) -> dict:
    with transaction.atomic():
        use_actor(name)
        return call(sql, *params)


def test_each_action_kind_routes_each_event_once_and_dry_run_acts_on_nothing(ev, sink, open_gate, pg_connect) -> None:
    open_gate("queue.job_substrate.enabled")
    listener = pg_connect()
    listener.execute("LISTEN test_route_channel")
    fn_route = ev.route("test-call", TYPE, "call_function", sink)
    job_route = ev.route("test-job", "job.*", "enqueue_job", "test.route_bridge")
    notify_route = ev.route("test-notify", TYPE, "notify", "test_route_channel")
    dry_route = ev.route("test-dry", TYPE, "enqueue_job", "test.route_dry", live=False)
    first = ev.emit(TYPE, "job_dead_letter", "a")["event_id"]
    second = ev.emit(TYPE, "job_dead_letter", "b")["event_id"]
    routes = (fn_route, job_route, notify_route, dry_route)

    ev.tick_until(lambda: ev.cursor()["last_event_id"] == second)
    for route in routes[:3]:
        assert ev.deliveries(route) == {first: ("succeeded", 1), second: ("succeeded", 1)}
        assert attempts(route, first) == attempts(route, second) == [(1, "succeeded")]
    assert ev.deliveries(dry_route) == {first: ("dry_run", 1), second: ("dry_run", 1)}
    assert attempts(dry_route, first) == [(1, "dry_run")]
    assert sunk() == [(first, "a"), (second, "b")]
    # each attempt names the job it made (a batch's jobs are matched to their events)
    named = sql_rows(
        "SELECT (a.result ->> 'job_id')::bigint = j.id, a.result ->> 'status' FROM iu_route_attempt a"
        " JOIN job_queue j ON j.idempotency_key = format('route:%%s:event:%%s', a.route_id, a.event_id)"
        " WHERE a.route_id = %s",
        [job_route],
    )
    assert named == [(True, "enqueued"), (True, "enqueued")]
    jobs = sql_rows("SELECT job_kind, idempotency_key, correlation_id, payload->>'event_id' FROM job_queue ORDER BY id")
    assert jobs == [
        ("test.route_bridge", f"route:{job_route}:event:{first}", f"event:{first}", str(first)),
        ("test.route_bridge", f"route:{job_route}:event:{second}", f"event:{second}", str(second)),
    ]
    notes = [json.loads(n.payload) for n in listener.notifies(timeout=2, stop_after=2)]
    assert notes == [{"event_id": first, "event_type": TYPE}, {"event_id": second, "event_type": TYPE}]
    cursor = ev.cursor()
    assert (cursor["processed_count"], cursor["dead_lettered_count"]) == (2, 0)

    # rerun from scratch for the bridge: the idempotency key answers duplicate, no second job
    with as_owner():
        sql_exec(
            "UPDATE iu_route_worker_cursor SET last_event_id = 0, last_tx_id = '0' WHERE worker_name = 'job_default'"
        )
        sql_exec("DELETE FROM iu_route_delivery WHERE route_id = %s", [job_route])
    ev.tick_until(lambda: ev.cursor()["last_event_id"] == second)
    results = sql_rows("SELECT result->>'status' FROM iu_route_attempt WHERE route_id = %s ORDER BY id", [job_route])
    assert [r for (r,) in results] == ["enqueued", "enqueued", "duplicate", "duplicate"]
    assert sql_value("SELECT count(*) FROM job_queue") == 2
    assert len(sunk()) == 2  # succeeded deliveries are never dispatched again


def test_failure_retries_with_backoff_then_dead_letters_then_replays(
    ev, sink, set_config, close_gate, open_gate
) -> None:
    set_config("event.retry.max_attempts", 3)
    route = ev.route("test-flaky", TYPE, "call_function", sink)
    owner_exec("INSERT INTO test_route_refuse VALUES ('bad')")
    bad = ev.emit(TYPE, "job_dead_letter", "bad")["event_id"]
    good = ev.emit(TYPE, "job_dead_letter", "good")["event_id"]

    # both events tried (a transaction elsewhere may hold the horizon between the two emits)
    ev.tick_until(lambda: len(ev.deliveries(route)) == 2)
    assert ev.deliveries(route) == {bad: ("pending", 1), good: ("succeeded", 1)}
    delay = sql_value(
        "SELECT extract(epoch FROM d.next_attempt_at - a.finished_at) FROM iu_route_delivery d"
        " JOIN iu_route_attempt a USING (event_id, route_id) WHERE d.event_id = %s",
        [bad],
    )
    assert 4 <= delay <= 6  # event.retry.backoff_seconds: 5 s, then 10 s …
    assert "sink refuses event" in sql_value("SELECT last_error FROM iu_route_delivery WHERE event_id = %s", [bad])
    # the failing event is parked, the cursor is past both; a tick before next_attempt_at tries nothing
    assert ev.cursor()["last_event_id"] == good
    answer = ev.run()
    assert answer["retried"] == 0 and attempts(route, bad) == [(1, "failed")]

    for attempt in (2, 3):
        owner_exec(
            "UPDATE iu_route_delivery SET next_attempt_at = now() - interval '1 second' WHERE event_id = %s", [bad]
        )
        ev.run()
        assert len(attempts(route, bad)) == attempt
    assert attempts(route, bad) == [(1, "failed"), (2, "failed"), (3, "failed")]
    assert ev.deliveries(route)[bad] == ("dead_lettered", 3)
    [(dl, triage, dl_attempts, snapshot_id)] = sql_rows(
        "SELECT id, triage_status, attempts, (event_snapshot->>'id')::bigint FROM iu_route_dead_letter"
    )
    assert (triage, dl_attempts, snapshot_id) == ("open", 3, bad)
    cursor = ev.cursor()
    assert (cursor["last_event_id"], cursor["dead_lettered_count"]) == (good, 1)
    [(subject, payload, causation)] = sql_rows(
        "SELECT event_subject_ref, payload, causation_id FROM event_outbox"
        " WHERE event_type = 'system.route_dead_lettered'"
    )
    assert subject == str(dl) and causation == f"event:{bad}"
    assert json.loads(payload) == {"event_id": bad, "event_type": TYPE, "route": "test-flaky", "attempts": 3}

    replay = "SELECT fn_iu_route_dead_letter_replay(%s, 'fixed upstream')"
    with db_error(f"^triage_required: routing dead letter {dl} is open", sqlstate="QG003"):
        use_actor("user:ops")
        call(replay, dl)
    as_actor("user:ops", "SELECT fn_iu_route_dead_letter_triage(%s, 'manual_replay', 'try it again')", dl)
    close_gate("event.routes_master.enabled")
    assert as_actor("user:ops", replay, dl) == {"status": "gate_closed", "gate": "event.routes_master.enabled"}
    open_gate("event.routes_master.enabled")
    still_failing = as_actor("user:ops", replay, dl)
    assert still_failing["status"] == "failed" and "sink refuses" in still_failing["error"]
    assert sql_value("SELECT triage_status FROM iu_route_dead_letter WHERE id = %s", [dl]) == "manual_replay"

    owner_exec("DELETE FROM test_route_refuse")  # the target is fixed
    assert as_actor("user:ops", replay, dl)["status"] == "replayed"
    assert sunk() == [(good, "good"), (bad, "bad")]
    assert ev.deliveries(route)[bad] == ("succeeded", 5)
    assert sql_rows("SELECT triage_status, replayed_by FROM iu_route_dead_letter") == [("replayed", "user:ops")]
    assert sql_rows(
        "SELECT worker_name, status FROM iu_route_attempt WHERE event_id = %s AND attempt_no > 3", [bad]
    ) == [
        ("replay:user:ops", "failed"),
        ("replay:user:ops", "succeeded"),
    ]
    assert sql_value("SELECT count(*) FROM event_outbox WHERE event_type = 'system.route_replayed'") == 1
    with db_error("^triage_required", sqlstate="QG003"):
        use_actor("user:ops")
        call(replay, dl)


def test_each_routing_gate_closed_does_nothing_and_says_so(ev, sink, close_gate, open_gate) -> None:
    route = ev.route("test-gated", TYPE, "call_function", sink)
    event_id = ev.emit(TYPE, "job_dead_letter", "g")["event_id"]
    for gate in ("event.route_worker.enabled", "event.routes_master.enabled"):
        close_gate(gate)
        assert ev.run() == {"status": "gate_closed", "gate": gate}
        assert ev.deliveries(route) == {} and sunk() == []
        assert ev.cursor()["last_run_at"] is None
        open_gate(gate)
    ev.tick_until(lambda: ev.deliveries(route) == {event_id: ("succeeded", 1)})
    with db_error("^unknown_route_worker", sqlstate="QG005"):
        ev.run("no_such_worker")


@pytest.mark.django_db  # nothing to route: the rolled-back test transaction is enough
def test_routes_are_created_and_switched_by_an_actor_only(ev, sink) -> None:
    with db_error("^actor_required", sqlstate="QG001"):
        call("SELECT fn_iu_outbound_route_create('test-x', 'job.replayed', 'call_function', %s)", sink)
    created = as_actor("user:ops", "SELECT fn_iu_outbound_route_create('test-x', 'job.replayed', 'notify', 'ch')")
    route = sql_rows("SELECT enabled, dry_run, created_by FROM iu_outbound_route WHERE id = %s", [created["route_id"]])
    assert route == [(False, True, "user:ops")]
    with db_error("^reason_required", sqlstate="QG008"):
        use_actor("user:ops")
        call("SELECT fn_iu_outbound_route_set(%s, true, true, '')", created["route_id"])
    with db_error("^unregistered_route_target: fn_nope is not registered as a route target", sqlstate="QG002"):
        as_actor("user:ops", "SELECT fn_iu_outbound_route_create('test-y', 'job.replayed', 'call_function', 'fn_nope')")


@pytest.mark.django_db  # nothing to route: the rolled-back test transaction is enough
def test_an_enqueue_job_route_needs_a_registered_active_kind(ev) -> None:
    with db_error("^unknown_job_kind: test.route.nobody", sqlstate="QG005"):
        as_actor(
            "user:ops",
            "SELECT fn_iu_outbound_route_create('test-k', 'job.replayed', 'enqueue_job', 'test.route.nobody')",
        )
    assert sql_rows("SELECT 1 FROM iu_outbound_route WHERE route_name = 'test-k'") == []

    as_actor("user:ops", "SELECT fn_consumer_register('test.route.kind', 'pg_worker', 'default')")
    route = ev.route("test-k", "job.replayed", "enqueue_job", "test.route.kind")
    owner_exec("UPDATE consumer_registry SET status = 'retired' WHERE job_kind = 'test.route.kind'")
    # a route of a retired kind may be paused or disabled, never made to do more
    as_actor("user:ops", "SELECT fn_iu_outbound_route_set(%s, true, true, 'dry-run it')", route)
    as_actor("user:ops", "SELECT fn_iu_outbound_route_set(%s, false, true, 'kind retired')", route)
    with db_error("^unknown_job_kind: test.route.kind", sqlstate="QG005"):
        as_actor("user:ops", "SELECT fn_iu_outbound_route_set(%s, true, true, 'enable it')", route)
    with db_error("^unknown_job_kind: test.route.kind", sqlstate="QG005"):
        as_actor("user:ops", "SELECT fn_iu_outbound_route_set(%s, true, false, 'back live')", route)
    assert sql_rows("SELECT enabled, dry_run FROM iu_outbound_route WHERE id = %s", [route]) == [(False, True)]


@pytest.mark.django_db
def test_replay_through_a_disabled_route_acts_on_nothing(ev, sink) -> None:
    event_id = ev.emit(TYPE, "job_dead_letter", "off")["event_id"]
    route = ev.route("test-off", TYPE, "call_function", sink)
    dead = make_dead_letter(event_id, route, "manual_replay")
    as_actor("user:ops", "SELECT fn_iu_outbound_route_set(%s, false, true, 'target misbehaves')", route)
    with db_error(sqlstate="QG003", match=r"^route_not_live: route test-off is disabled"):
        as_actor("user:ops", "SELECT fn_iu_route_dead_letter_replay(%s, 'try it')", dead)
    assert sunk() == []


@pytest.mark.django_db
def test_a_route_calls_only_registered_targets_the_app_may_call(ev, sink) -> None:
    # routes run as the owner: a target the app role may not EXECUTE is refused at registration
    with as_owner():
        sql_exec(
            "CREATE FUNCTION fn_test_route_private(e jsonb) RETURNS jsonb LANGUAGE sql"
            " AS $$ SELECT fn_test_route_sink(e) $$"
        )
    with db_error(
        r"^route_target_refused: fn_test_route_private\(jsonb\) is not one the app role may call", sqlstate="QG002"
    ):
        register_route_target("fn_test_route_private")
    with db_error("^unregistered_route_target: fn_test_route_private is not registered", sqlstate="QG002"):
        as_actor(
            "user:ops",
            "SELECT fn_iu_outbound_route_create('test-private', %s, 'call_function', 'fn_test_route_private')",
            TYPE,
        )
    owner_exec(f'GRANT EXECUTE ON FUNCTION fn_test_route_private(jsonb) TO "{app_role()}"')
    register_route_target("fn_test_route_private")
    event_id = ev.emit(TYPE, "job_dead_letter", "private")["event_id"]
    route = ev.route("test-private", TYPE, "call_function", "fn_test_route_private")
    dead = make_dead_letter(event_id, route, "manual_replay")
    # the privilege is checked again at each call
    owner_exec(f'REVOKE EXECUTE ON FUNCTION fn_test_route_private(jsonb) FROM "{app_role()}"')
    refused = as_actor("user:ops", "SELECT fn_iu_route_dead_letter_replay(%s, 'try it')", dead)
    assert refused["status"] == "failed"
    assert refused["error"].startswith(
        "route_target_refused: fn_test_route_private(jsonb) is not one the app role may call"
    )
    owner_exec(f'GRANT EXECUTE ON FUNCTION fn_test_route_private(jsonb) TO "{app_role()}"')
    # a retired target is refused to the routes that call it
    retired = as_actor("user:admin", "SELECT fn_iu_route_target_retire('fn_test_route_private', 'misbehaves')")
    assert retired == {"status": "retired", "function": "fn_test_route_private", "routes": ["test-private"]}
    refused = as_actor("user:ops", "SELECT fn_iu_route_dead_letter_replay(%s, 'try again')", dead)
    assert refused["error"].startswith("unregistered_route_target: fn_test_route_private is retired as a route target")
    assert sunk() == []
    register_route_target("fn_test_route_private")
    assert as_actor("user:ops", "SELECT fn_iu_route_dead_letter_replay(%s, 'granted')", dead)["status"] == "replayed"
    assert sunk() == [(event_id, "private")]
