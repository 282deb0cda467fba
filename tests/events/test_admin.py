"""The events admin: read-only screens by role; governed, audited actions; refusals audited."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from queuegov.models import AdminActionAudit
from tests.database import as_owner
from tests.events.conftest import make_dead_letter, owner_exec, sunk
from tests.helpers import governed_set, sql_exec, sql_rows, sql_value
from tests.queuegov.conftest import make_user, role_users, roles  # noqa: F401

pytestmark = pytest.mark.django_db

SCREENS = (
    "event",
    "pendingevent",
    "routeworkercursor",
    "outboundroute",
    "routedelivery",
    "routeattempt",
    "routedeadletter",
    "sqleventroute",
    "sqlroutedryrun",
    "subscription",
    "eventtype",
    "eventsubjectkey",
    "inboxentry",
    "routetarget",
    "eventproducer",
)


def changelist(model: str) -> str:
    return reverse(f"admin:events_{model}_changelist")


def post_action(client, model, action, ids, **fields):
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(i) for i in ids], "confirm": "yes", **fields}
    return client.post(changelist(model), data)


def audits(actor: str) -> list[tuple[str, str]]:
    return [(a.action, a.outcome) for a in AdminActionAudit.objects.filter(actor=actor).order_by("id")]


@pytest.fixture
def substrate(ev, emit_on, sink) -> dict[str, int]:
    """An event with a failing route's attempts and dead letter, a parked capture, a dry-run log row."""
    event_id = ev.emit("job.replayed", "job_dead_letter", "adm", correlation_id="corr-adm")["event_id"]
    route = ev.route("test-adm", "job.replayed", "call_function", sink, live=False)
    dead = make_dead_letter(event_id, route)
    # what a committed route run and a failing processor leave behind: written as the owner
    with as_owner():
        sql_exec(
            "SELECT fn_iu_route_record_attempt(%s, %s, 'job_default', 1, 'failed', 'boom', NULL, now())",
            [event_id, route],
        )
        sql_exec(
            "INSERT INTO iu_route_delivery (event_id, route_id, status, attempts, last_error)"
            " VALUES (%s, %s, 'dead_lettered', 1, 'boom')",
            [event_id, route],
        )
        sql_exec("UPDATE iu_sql_event_route SET enabled = false, dry_run = true")
        sql_exec(
            "INSERT INTO job_dead_letter (job_id, job_kind, queue_name, attempts, max_attempts, job_snapshot)"
            " VALUES (1, 'test.adm', 'default', 1, 1, '{}')"
        )
    ev.capture("job.replayed", "job_dead_letter", "err")
    owner_exec("UPDATE event_pending SET error_count = 5, last_error = 'event_type_not_active'")
    return {"event": event_id, "route": route, "dead": dead}


@pytest.mark.parametrize("role", ["operator", "auditor"])
def test_every_events_screen_renders_for_operator_and_auditor(client, role_users, substrate, role) -> None:
    client.force_login(role_users[role])
    for model in SCREENS:
        response = client.get(changelist(model))
        assert response.status_code == 200, model
    event = substrate["event"]
    assert b"corr-adm" in client.get(changelist("event") + "?event_domain=job").content
    assert b"corr-adm" in client.get(changelist("event") + f"?q={event}").content
    assert b"boom" in client.get(changelist("routeattempt") + f"?event_id={event}").content
    assert b"boom" in client.get(changelist("routedeadletter") + f"?event_id={event}").content
    assert b"event_type_not_active" in client.get(changelist("pendingevent") + "?state=errors").content
    detail = client.get(reverse("admin:events_event_change", args=[event]))
    assert detail.status_code == 200 and b"test-adm: dead_lettered after 1 attempt(s)" in detail.content


def test_a_reviewer_sees_events_but_not_routing(client, role_users, substrate) -> None:
    client.force_login(role_users["reviewer"])
    assert client.get(changelist("event")).status_code == 200
    assert client.get(changelist("inboxentry")).status_code == 200
    for model in ("routedeadletter", "outboundroute", "pendingevent", "routeworkercursor"):
        assert client.get(changelist(model)).status_code == 403, model


def test_route_go_live_is_four_eyes_through_the_admin(client, role_users, substrate) -> None:
    route = substrate["route"]
    gate = sql_value("SELECT gate_key FROM iu_outbound_route WHERE id = %s", [route])
    client.force_login(role_users["auditor"])
    assert post_action(client, "outboundroute", "request_live", [route], reason="sneaky").status_code == 403
    assert audits("user:auditor1") == [("outbound_route.request_live", "refused")]

    client.force_login(role_users["operator"])
    # one person's word is not enough: resuming live needs the route's gate open
    page = post_action(client, "outboundroute", "resume_live", [route], reason="ready for traffic")
    assert sql_rows("SELECT enabled, dry_run FROM iu_outbound_route WHERE id = %s", [route]) == [(True, True)]
    assert audits("user:operator1") == [("outbound_route.set_live", "refused")]
    confirm = client.post(changelist("outboundroute"), {"action": "request_live", ACTION_CHECKBOX_NAME: [route]})
    assert confirm.status_code == 200 and b"Request go-live (four-eyes)" in confirm.content
    assert post_action(client, "outboundroute", "request_live", [route], reason="ready for traffic").status_code == 302
    [(request_id, requester)] = sql_rows(
        "SELECT id, requested_by FROM gate_change_request WHERE config_key = %s AND status = 'pending'", [gate]
    )
    assert requester == "user:operator1"
    assert sql_rows("SELECT enabled, dry_run FROM iu_outbound_route WHERE id = %s", [route]) == [(True, True)]
    # the requester cannot approve it; an approver can, and the route follows
    client.force_login(role_users["approver"])
    approve = reverse("admin:queuegov_gatechangerequest_changelist")
    data = {"action": "approve", ACTION_CHECKBOX_NAME: [str(request_id)], "confirm": "yes", "reason": "looked at it"}
    assert client.post(approve, data).status_code == 302
    assert sql_rows("SELECT enabled, dry_run FROM iu_outbound_route WHERE id = %s", [route]) == [(True, False)]
    assert page.status_code in (200, 302)


def test_dead_letter_triage_and_replay_through_the_admin(client, role_users, substrate, open_gate) -> None:
    dead = substrate["dead"]
    client.force_login(role_users["auditor"])
    assert post_action(client, "routedeadletter", "replay", [dead], reason="let me").status_code == 403
    assert audits("user:auditor1") == [("route_dead_letter.replay", "refused")]

    client.force_login(role_users["operator"])
    assert post_action(client, "routedeadletter", "mark_manual_replay", [dead], reason="sink fixed").status_code == 302
    assert sql_value("SELECT triage_status FROM iu_route_dead_letter WHERE id = %s", [dead]) == "manual_replay"
    # event.routes_master.enabled closed: refused, said so, audited
    post_action(client, "routedeadletter", "replay", [dead], reason="try now")
    open_gate("event.routes_master.enabled")
    # a dead letter is replayed only through a live route
    governed_set(sql_value("SELECT gate_key FROM iu_outbound_route WHERE id = %s", [substrate["route"]]), True)
    post_action(client, "routedeadletter", "replay", [dead], reason="try again")
    assert audits("user:operator1") == [
        ("route_dead_letter.triage_manual_replay", "applied"),
        ("route_dead_letter.replay", "refused"),
        ("route_dead_letter.replay", "applied"),
    ]
    assert sql_rows("SELECT triage_status, replayed_by FROM iu_route_dead_letter WHERE id = %s", [dead]) == [
        ("replayed", "user:operator1")
    ]
    assert sunk() == [(substrate["event"], "adm")]


def test_adding_a_subscription_is_audited(client, role_users) -> None:
    url = reverse("admin:events_subscription_subscribe")
    form = {"event_type": "governance.*", "recipient_kind": "role", "recipient_ref": "auditor", "reason": "watch"}
    client.force_login(role_users["auditor"])
    assert client.post(url, form).status_code == 403
    assert audits("user:auditor1") == [("subscription.add", "refused")]

    client.force_login(role_users["operator"])
    assert client.get(url).status_code == 200
    assert client.post(url, form).status_code == 302
    assert sql_rows(
        "SELECT event_type, recipient_kind, recipient_ref, created_by FROM event_subscription"
        " WHERE created_by = 'user:operator1'"
    ) == [("governance.*", "role", "auditor", "user:operator1")]
    [row] = AdminActionAudit.objects.filter(actor="user:operator1")
    assert (row.action, row.outcome, row.reason) == ("subscription.add", "applied", "watch")


def test_an_event_s_subject_and_cause_are_links(client, role_users, ev, emit_on) -> None:
    cause = ev.emit("job.replayed", "dot_config", "queue.worker.enabled")["event_id"]
    effect = ev.emit("job.replayed", "job_dead_letter", "no-screen-row", causation_id=str(cause))["event_id"]
    client.force_login(role_users["auditor"])
    page = client.get(reverse("admin:events_event_change", args=[cause])).content.decode()
    subject = '<a href="/admin/queuegov/dotconfig/queue.worker.enabled/change/">dot_config:queue.worker.enabled</a>'
    assert subject in page
    page = client.get(reverse("admin:events_event_change", args=[effect])).content.decode()
    assert f'<a href="/admin/events/event/?q={cause}">{cause}</a>' in page
    listed = client.get(reverse("admin:events_event_changelist"), {"q": str(cause)}).content.decode()
    assert f"/admin/events/event/{cause}/change/" in listed


def test_the_domain_filter_offers_only_domains_with_event_types(client, role_users) -> None:
    client.force_login(role_users["auditor"])
    page = client.get(reverse("admin:events_event_changelist")).content.decode()
    offered = set(re.findall(r"\?event_domain=([a-z_]+)", page))
    with_types = set(sql_rows("SELECT DISTINCT event_domain FROM event_type_registry"))
    assert offered == {d for (d,) in with_types}
    without = {d for (d,) in sql_rows("SELECT event_domain FROM event_domain_registry")} - offered
    assert without, "every domain has a type: the test proves nothing"
