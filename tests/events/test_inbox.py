"""The admin inbox: each user sees exactly what was delivered to them, their groups and roles."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.urls import reverse

from queuegov.models import AdminActionAudit
from tests.events.conftest import call
from tests.helpers import preserved_actor, sql_value, use_actor
from tests.queuegov.conftest import make_user, role_users, roles  # noqa: F401

pytestmark = pytest.mark.django_db

INBOX = reverse("admin:events_inboxentry_changelist")


def subscribe(event_type, domain, kind, ref) -> None:
    with preserved_actor():
        use_actor("user:ops")
        call("SELECT fn_event_subscribe(%s, %s, NULL, %s, %s, 'test')", event_type, domain, kind, ref)


@pytest.fixture
def delivered(ev, emit_on, open_gate, make_user) -> dict:
    """alice: reviewer + group night-shift; bob: reviewer. Four events, delivered."""
    alice = make_user("alice", "reviewer")
    alice.groups.add(Group.objects.create(name="night-shift"))
    bob = make_user("bob", "reviewer")
    subscribe("job.replayed", None, "user", "alice")
    subscribe(None, "system", "group", "night-shift")
    subscribe("governance.gate_changed", None, "role", "reviewer")
    subscribe("job.dead_lettered", None, "user", "bob")
    events = {
        "mine": ev.emit("job.replayed", "job_dead_letter", "1")["event_id"],
        "group": ev.emit("system.queue_worker_silent", "queue_heartbeat", "x")["event_id"],
        "role": ev.emit("governance.gate_changed", "gate_change_request", "1")["event_id"],
        "bobs": ev.emit("job.dead_lettered", "job_dead_letter", "2")["event_id"],
        "others": ev.emit("governance.gate_change_requested", "gate_change_request", "2")["event_id"],  # approvers
    }
    open_gate("event.delivery.enabled")
    assert ev.deliver()["status"] == "delivered"
    return {"alice": alice, "bob": bob, **events}


def shown(client, query: str = "") -> list[tuple[int, str, bool]]:
    response = client.get(INBOX + query)
    assert response.status_code == 200
    return [
        (e.event_id, f"{e.recipient_kind}:{e.recipient_ref}", e.read_at is None)
        for e in response.context["cl"].result_list
    ]


def entry(event_id: int, to: str) -> int:
    kind, ref = to.split(":")
    return sql_value(
        "SELECT id FROM event_read WHERE event_id = %s AND recipient_kind = %s AND recipient_ref = %s",
        [event_id, kind, ref],
    )


def test_each_user_sees_exactly_their_users_groups_and_roles_deliveries(client, delivered) -> None:
    d = delivered
    client.force_login(d["alice"])
    assert shown(client) == [
        (d["role"], "role:reviewer", True),
        (d["group"], "group:night-shift", True),
        (d["mine"], "user:alice", True),
    ]
    assert shown(client, "?domain=system") == [(d["group"], "group:night-shift", True)]
    assert shown(client, "?severity=critical") == [(d["group"], "group:night-shift", True)]
    client.force_login(d["bob"])
    assert shown(client) == [(d["bobs"], "user:bob", True), (d["role"], "role:reviewer", True)]
    assert sql_value("SELECT recipient_ref FROM event_read WHERE event_id = %s", [d["others"]]) == "approver"


def test_mark_read_is_audited(client, delivered) -> None:
    d = delivered
    client.force_login(d["alice"])
    mine = entry(d["mine"], "user:alice")
    response = client.post(INBOX, {"action": "mark_read", ACTION_CHECKBOX_NAME: [mine]})
    assert response.status_code == 302
    assert sql_value("SELECT read_by FROM event_read WHERE id = %s", [mine]) == "user:alice"
    assert [row[0] for row in shown(client, "?unread=1")] == [d["role"], d["group"]]
    [audit] = AdminActionAudit.objects.filter(actor="user:alice")
    assert (audit.action, audit.outcome, audit.target_ids) == ("inbox.mark_read", "applied", [str(mine)])


def test_unread_entries_come_first(client, delivered) -> None:
    d = delivered
    client.force_login(d["alice"])
    with preserved_actor():
        use_actor("user:alice")
        call("SELECT fn_event_mark_read(ARRAY[%s]::bigint[])", entry(d["mine"], "user:alice"))
    assert shown(client) == [
        (d["role"], "role:reviewer", True),
        (d["group"], "group:night-shift", True),
        (d["mine"], "user:alice", False),  # read goes last
    ]


def test_nobody_marks_someone_elses_entries(client, delivered) -> None:
    d = delivered
    alices = entry(d["mine"], "user:alice")
    client.force_login(d["bob"])
    client.post(INBOX, {"action": "mark_read", ACTION_CHECKBOX_NAME: [alices]})
    assert sql_value("SELECT read_at FROM event_read WHERE id = %s", [alices]) is None
    # the action saw no row of bob's: nothing marked (its audit row names no target)
    assert [a.target_ids for a in AdminActionAudit.objects.filter(actor="user:bob")] in ([], [[]])
