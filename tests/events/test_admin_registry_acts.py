"""The admin registers event types, code producers, route targets, routes and cursors: each a
governed act of its permission holders, audited; everyone else is refused and audited too."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from events.models import EventType
from tests.events.conftest import owner_exec
from tests.helpers import sql_rows, sql_value
from tests.queuegov.conftest import make_user, role_users, roles  # noqa: F401

pytestmark = pytest.mark.django_db


def audits(actor: str) -> list[tuple[str, str]]:
    return sql_rows("SELECT action, outcome FROM admin_action_audit WHERE actor = %s ORDER BY id", [actor])


TYPE_FORM = {
    "event_type": "kg.test_node_merged",
    "event_stream": "update",
    "delivery_lane": "delayed",
    "default_severity": "info",
    "description": "two KG nodes were merged",
    "producer_ref": "fn_test_kg_merge",
    "rubric_decision": "Reviewers confirm a merge before the graph relies on it.",
    "rubric_consumer": "The reviewers' inbox.",
    "rubric_loss": "Links to the merged node would dangle unseen.",
}


def test_an_operator_registers_a_type_and_requests_its_activation(client, role_users) -> None:
    url = reverse("admin:events_eventtype_register")
    client.force_login(role_users["auditor"])
    assert client.post(url, TYPE_FORM).status_code == 403
    assert audits("user:auditor1") == [("event_type.register_event_type", "refused")]

    client.force_login(role_users["operator"])
    form = client.get(url).content.decode()
    assert "Which decision, approval or audit needs this event" in form  # the rubric, read from the database
    assert client.post(url, TYPE_FORM).status_code == 302
    assert EventType.objects.get(pk="kg.test_node_merged").status == "draft"
    page = client.get(reverse("admin:events_eventtype_change", args=["kg.test_node_merged"])).content.decode()
    assert "Reviewers confirm a merge before the graph relies on it." in page
    assert "its producer fn_test_kg_merge is not a function in the database" in page

    changelist = reverse("admin:events_eventtype_changelist")
    data = {
        "action": "request_activation",
        ACTION_CHECKBOX_NAME: ["kg.test_node_merged"],
        "confirm": "yes",
        "reason": "ready",
    }
    refused = client.post(changelist, data, follow=True).content.decode()
    assert "event_type_not_ready" in refused
    owner_exec("CREATE FUNCTION fn_test_kg_merge() RETURNS void LANGUAGE sql AS 'SELECT NULL'")
    client.post(changelist, data)
    assert sql_rows(
        "SELECT config_key, status, requested_by FROM gate_change_request WHERE config_key LIKE 'event.type.kg.%%'"
    ) == [("event.type.kg.test_node_merged.active", "pending", "user:operator1")]


def test_route_targets_routes_and_cursors_are_added_through_forms(client, role_users, sink) -> None:
    client.force_login(role_users["operator"])
    target = reverse("admin:events_routetarget_register")
    assert client.post(target, {"function_name": sink, "description": "test sink"}).status_code == 302
    route = reverse("admin:events_outboundroute_add_route")
    form = {
        "route_name": "test-form-route",
        "event_type": "job.replayed",
        "action_kind": "call_function",
        "target": sink,
        "retry_policy": "fixed",
        "ordered_per_subject": "on",
        "description": "a form-made route",
    }
    assert client.post(route, form).status_code == 302
    assert sql_rows(
        "SELECT enabled, dry_run, retry_policy, ordered_per_subject, gate_key FROM iu_outbound_route"
        " WHERE route_name = 'test-form-route'"
    ) == [(False, True, "fixed", True, "event.outbound_route.test_form_route.live")]
    cursor = reverse("admin:events_routeworkercursor_add_cursor")
    assert (
        client.post(cursor, {"worker_name": "kg_default", "event_domain": "kg", "reason": "route KG"}).status_code
        == 302
    )
    assert sql_value("SELECT count(*) FROM iu_route_worker_cursor WHERE worker_name = 'kg_default'") == 1
    assert [a for a, _ in audits("user:operator1")] == [
        "route_target.register",
        "outbound_route.create",
        "route_worker_cursor.add",
    ]
    client.force_login(role_users["approver"])
    assert client.post(cursor, {"worker_name": "x", "event_domain": "kg", "reason": "nope"}).status_code == 403


def test_bad_names_are_refused_by_the_database_s_rules_and_nothing_is_written(client, role_users) -> None:
    """The forms do not restate the name rules: the database's refusal is what the operator reads."""
    client.force_login(role_users["operator"])
    target = reverse("admin:events_routetarget_register")
    page = client.post(target, {"function_name": "DROP TABLE", "description": "sneaky"}, follow=True)
    assert "invalid_route_target" in page.content.decode()
    cursor = reverse("admin:events_routeworkercursor_add_cursor")
    page = client.post(cursor, {"worker_name": "Bad Name", "event_domain": "kg", "reason": "route KG"}, follow=True)
    assert "route_worker_name_format" in page.content.decode()
    assert sql_value("SELECT count(*) FROM iu_route_target WHERE function_name = 'DROP TABLE'") == 0
    assert sql_value("SELECT count(*) FROM iu_route_worker_cursor WHERE worker_name = 'Bad Name'") == 0
    assert audits("user:operator1") == [
        ("route_target.register", "refused"),
        ("route_worker_cursor.add", "refused"),
    ]
