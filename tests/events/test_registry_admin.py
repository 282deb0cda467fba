"""The event registry is edited only through governed, audited actions."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from events.models import EventType
from queuegov.models import AdminActionAudit
from tests.database import as_owner
from tests.queuegov.conftest import make_user, role_users, roles  # noqa: F401

pytestmark = pytest.mark.django_db

URL = reverse("admin:events_eventtype_changelist")


def post(client, action, event_type, reason="registry hygiene"):
    data = {"action": action, ACTION_CHECKBOX_NAME: [event_type], "confirm": "yes", "reason": reason}
    return client.post(URL, data, follow=True)


def test_approver_retires_and_reactivates_a_type(client, role_users):
    client.force_login(role_users["approver"])
    post(client, "retire", "governance.problem.raised")
    assert EventType.objects.get(pk="governance.problem.raised").status == "retired"
    post(client, "activate", "governance.problem.raised")
    assert EventType.objects.get(pk="governance.problem.raised").status == "active"
    rows = AdminActionAudit.objects.filter(actor="user:approver1").order_by("id")
    assert list(rows.values_list("action", "outcome")) == [
        ("event_type.set_retired", "applied"),
        ("event_type.set_active", "applied"),
    ]


def test_activating_a_type_without_producer_is_refused(client, role_users):
    client.force_login(role_users["approver"])
    with as_owner():
        EventType.objects.filter(pk="governance.problem.raised").update(status="draft", producer_ref=None)
    response = post(client, "activate", "governance.problem.raised")
    assert "event_type_not_ready: governance.problem.raised cannot be active: it names no producer" in (
        response.content.decode()
    )
    assert EventType.objects.get(pk="governance.problem.raised").status == "draft"
    assert AdminActionAudit.objects.get(actor="user:approver1").outcome == "refused"


def test_operator_may_not_edit_the_registry(client, role_users):
    client.force_login(role_users["operator"])
    assert 'value="retire"' not in client.get(URL).content.decode()
    response = client.post(
        URL, {"action": "retire", ACTION_CHECKBOX_NAME: ["job.replayed"], "confirm": "yes", "reason": "forged"}
    )
    assert response.status_code == 403
    assert EventType.objects.get(pk="job.replayed").status == "active"
    assert AdminActionAudit.objects.get(actor="user:operator1").outcome == "refused"
