"""L4/L5 recipients: subscriptions, the default-broadcast fallback, delivery and read state."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from tests.database import as_owner
from tests.events.conftest import call
from tests.helpers import preserved_actor, sql_rows, sql_value, use_actor

pytestmark = pytest.mark.django_db


def subscribe(event_type=None, domain=None, stream=None, kind="user", ref="alice", *, enabled=True) -> int:
    with preserved_actor():
        use_actor("user:ops")
        sub = call("SELECT fn_event_subscribe(%s, %s, %s, %s, %s, 'test')", event_type, domain, stream, kind, ref)
        if not enabled:
            call("SELECT fn_event_subscription_set_enabled(%s, false)", sub["subscription_id"])
    return sub["subscription_id"]


def recipients(event_id: int) -> set[tuple[str, str, str]]:
    return set(
        sql_rows("SELECT recipient_kind, recipient_ref, via FROM v_event_recipient WHERE event_id = %s", [event_id])
    )


def inbox(event_id: int) -> dict[tuple[str, str], tuple[str | None]]:
    rows = sql_rows("SELECT recipient_kind, recipient_ref, read_by FROM event_read WHERE event_id = %s", [event_id])
    return {(k, r): by for k, r, by in rows}


def test_an_event_nobody_subscribed_to_goes_to_its_domain_default_audience(ev, emit_on) -> None:
    job = ev.emit("job.replayed", "job_dead_letter", "1")["event_id"]
    gov = ev.emit("governance.gate_changed", "gate_change_request", "1")["event_id"]
    assert recipients(job) == {("role", "operator", "default_broadcast")}
    assert recipients(gov) == {("role", "approver", "default_broadcast")}


def test_subscriptions_resolve_per_user_group_role_and_prefix(ev, emit_on) -> None:
    subscribe("job.replayed", kind="user", ref="alice")
    subscribe(domain="job", kind="group", ref="night-shift")
    subscribe(stream="alert", kind="role", ref="auditor")
    subscribe("governance.*", kind="user", ref="bob")
    subscribe(domain="job", kind="user", ref="carol", enabled=False)
    subscribe("system.queue_worker_recovered", kind="user", ref="carol", enabled=False)
    subscribe("job.replayed", kind="executor", ref="exec-1")

    replayed = ev.emit("job.replayed", "job_dead_letter", "1")["event_id"]
    dead = ev.emit("job.dead_lettered", "job_dead_letter", "1")["event_id"]
    changed = ev.emit("governance.gate_changed", "gate_change_request", "1")["event_id"]
    silent = ev.emit("system.queue_worker_silent", "queue_heartbeat", "x")["event_id"]
    recovered = ev.emit("system.queue_worker_recovered", "queue_heartbeat", "x")["event_id"]

    assert {(k, r) for k, r, _ in recipients(replayed)} == {
        ("user", "alice"),
        ("group", "night-shift"),
        ("executor", "exec-1"),
    }
    assert {(k, r) for k, r, _ in recipients(dead)} == {("group", "night-shift"), ("role", "auditor")}
    assert recipients(changed) == {("user", "bob", "subscription")}
    assert recipients(silent) == {("role", "operator", "default_broadcast")}
    # only a disabled subscription matches: the fallback still applies
    assert recipients(recovered) == {("role", "operator", "default_broadcast")}


def test_subscribing_needs_an_actor_and_a_known_type(db_error) -> None:
    with db_error("^actor_required", sqlstate="QG001"):
        call("SELECT fn_event_subscribe('job.replayed', NULL, NULL, 'user', 'alice', '')")
    use_actor("user:ops")
    with db_error("^unknown_event_type", sqlstate="QG005"):
        call("SELECT fn_event_subscribe('job.nope', NULL, NULL, 'user', 'alice', '')")
    with db_error(constraint="subscription_matches_something"):
        call("SELECT fn_event_subscribe(NULL, NULL, NULL, 'user', 'alice', '')")
    # subscribing again re-enables a disabled subscription
    sub = subscribe("job.replayed", enabled=False)
    assert subscribe("job.replayed") == sub
    assert sql_value("SELECT enabled FROM event_subscription WHERE id = %s", [sub]) is True
    assert sql_value("SELECT created_by FROM event_subscription WHERE id = %s", [sub]) == "user:ops"


def test_delivery_is_gated_by_event_delivery_enabled(ev, emit_on, open_gate) -> None:
    event_id = ev.emit("job.replayed", "job_dead_letter", "1")["event_id"]
    assert ev.deliver() == {"status": "gate_closed", "gate": "event.delivery.enabled"}
    assert inbox(event_id) == {}
    assert sql_value("SELECT delivered_at FROM event_outbox WHERE id = %s", [event_id]) is None
    open_gate("event.delivery.enabled")
    assert ev.deliver() == {"status": "delivered", "events": 1, "inbox_rows": 1}
    assert inbox(event_id) == {("role", "operator"): None}
    assert sql_value("SELECT delivered_at IS NOT NULL FROM event_outbox WHERE id = %s", [event_id])
    assert ev.deliver()["status"] == "nothing_to_do"


def test_delivery_skips_executors_and_read_state_is_per_recipient(ev, emit_on, open_gate, db_error) -> None:
    open_gate("event.delivery.enabled")
    subscribe("job.replayed", kind="user", ref="alice")
    subscribe(domain="job", kind="group", ref="night-shift")
    subscribe("job.replayed", kind="executor", ref="exec-1")
    event_id = ev.emit("job.replayed", "job_dead_letter", "1")["event_id"]
    assert ev.deliver()["inbox_rows"] == 2
    assert inbox(event_id) == {("user", "alice"): None, ("group", "night-shift"): None}

    alice_row = sql_value("SELECT id FROM event_read WHERE event_id = %s AND recipient_ref = 'alice'", [event_id])
    night_row = sql_value("SELECT id FROM event_read WHERE event_id = %s AND recipient_ref = 'night-shift'", [event_id])
    User.objects.create_user("alice", password="x-long-password-1", is_staff=True)
    with db_error("^actor_required", sqlstate="QG001"):
        call("SELECT fn_event_mark_read(%s::bigint[])", [alice_row])
    use_actor("user:alice")
    # alice is not in night-shift: its entry is not hers to mark
    assert call("SELECT fn_event_mark_read(%s::bigint[])", [[alice_row, night_row]]) == {
        "status": "read",
        "marked": 1,
        "refused": [night_row],
    }
    assert inbox(event_id) == {("user", "alice"): "user:alice", ("group", "night-shift"): None}
    assert call("SELECT fn_event_mark_read(%s::bigint[])", [alice_row])["status"] == "nothing_to_do"
    unread = "UPDATE event_read SET read_by = NULL WHERE id = %s RETURNING id"
    # the constraint holds even for the owner, who may write event_read
    with db_error(constraint="event_read_by_whom"), as_owner():
        sql_value(unread, [alice_row])
    # the app role may not write event_read at all (only fn_event_mark_read)
    with db_error("^permission denied for table event_read$", sqlstate="42501"):
        sql_value(unread, [alice_row])
    assert inbox(event_id) == {("user", "alice"): "user:alice", ("group", "night-shift"): None}
