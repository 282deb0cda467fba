"""The four-eyes gate change through the admin, end to end, with its audit rows."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from queuegov.models import AdminActionAudit, DotConfig, GateChangeRequest

KEY = "queue.worker.enabled"


def post_action(client, model, action, ids, follow=False, **fields):
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(i) for i in ids], "confirm": "yes", **fields}
    return client.post(reverse(f"admin:queuegov_{model}_changelist"), data, follow=follow)


def request_change(client, key=KEY, value="true", reason="open the workers", follow=False):
    return post_action(client, "dotconfig", "request_change", [key], follow=follow, new_value=value, reason=reason)


def mine():
    """Requests filed by this module's users (transactional tests elsewhere leave theirs behind)."""
    return GateChangeRequest.objects.filter(requested_by__in=["user:operator1", "user:boss", "user:boss2"])


def audit_rows(actor):
    return list(AdminActionAudit.objects.filter(actor=f"user:{actor}").order_by("id"))


def test_confirmation_page_requires_reason(client, role_users):
    client.force_login(role_users["operator"])
    url = reverse("admin:queuegov_dotconfig_changelist")
    page = client.post(url, {"action": "request_change", ACTION_CHECKBOX_NAME: [KEY]})
    assert page.status_code == 200
    assert b"Request a change to queue.worker.enabled" in page.content
    assert not mine().exists()
    missing_reason = request_change(client, reason="")
    assert missing_reason.status_code == 200  # the form again, with its error
    assert b"This field is required" in missing_reason.content
    assert not mine().exists()


def test_request_then_approve_by_another_user_applies(client, role_users):
    client.force_login(role_users["operator"])
    assert request_change(client).status_code == 302
    req = mine().get(config_id=KEY)
    assert req.status == "pending" and req.requested_by == "user:operator1"
    assert DotConfig.objects.get(pk=KEY).value is False
    [row] = audit_rows("operator1")
    assert (row.action, row.outcome, row.reason, row.target_ids) == (
        "gate_change.request",
        "applied",
        "open the workers",
        [KEY],
    )
    assert row.roles == ["operator"] and row.request_ip == "127.0.0.1"
    assert row.request_path == reverse("admin:queuegov_dotconfig_changelist")

    client.force_login(role_users["approver"])
    assert post_action(client, "gatechangerequest", "approve", [req.pk], reason="looks right").status_code == 302
    req.refresh_from_db()
    assert req.status == "applied" and req.decided_by == "user:approver1"
    config = DotConfig.objects.get(pk=KEY)
    assert config.value is True and config.updated_by == "user:approver1"
    [approval] = audit_rows("approver1")
    assert approval.outcome == "applied" and approval.after_state["new_value"] is True
    last = config.history.order_by("-id").first()
    assert last.gate_change_request_id == req.pk and last.changed_by == "user:approver1"
    assert last.request_id == approval.request_id and last.request_id


def test_superuser_cannot_approve_own_request(client, make_user):
    boss = make_user("boss", superuser=True)
    client.force_login(boss)
    request_change(client)
    req = mine().get(config_id=KEY)
    response = post_action(client, "gatechangerequest", "approve", [req.pk], reason="trust me", follow=True)
    assert "four_eyes: approver must differ from requester" in response.content.decode()
    req.refresh_from_db()
    assert req.status == "pending"
    assert DotConfig.objects.get(pk=KEY).value is False
    refused = audit_rows("boss")[-1]
    assert (refused.action, refused.outcome) == ("gate_change.approve", "refused")
    assert refused.detail.startswith("four_eyes:")


def test_forged_post_of_an_action_the_user_lacks_is_refused_and_audited(client, role_users):
    client.force_login(role_users["operator"])
    request_change(client)
    req = mine().get(config_id=KEY)
    client.force_login(role_users["reviewer"])
    response = post_action(client, "gatechangerequest", "approve", [req.pk], reason="forged")
    assert response.status_code == 403
    req.refresh_from_db()
    assert req.status == "pending"
    [row] = audit_rows("reviewer1")
    assert (row.action, row.outcome, row.target_ids) == ("gate_change.approve", "refused", [str(req.pk)])
    assert "may not run action 'approve'" in row.detail


def test_invalid_value_is_refused_with_the_rule(client, role_users):
    client.force_login(role_users["operator"])
    response = request_change(client, key="event.debounce_seconds", value="999999", reason="longer", follow=True)
    assert "invalid_config_value: event.debounce_seconds must be between 0 and 86400" in response.content.decode()
    assert not mine().exists()
    assert audit_rows("operator1")[-1].outcome == "refused"


@pytest.mark.parametrize("value", ["maybe", "1.5", '"true"'])
def test_gate_takes_only_booleans(client, role_users, value):
    client.force_login(role_users["operator"])
    response = request_change(client, value=value, follow=True)
    assert "invalid_config_value" in response.content.decode()
    assert not mine().exists()


def test_reject_and_withdraw(client, role_users):
    client.force_login(role_users["operator"])
    request_change(client)
    req = mine().get(config_id=KEY)
    client.force_login(role_users["approver"])
    post_action(client, "gatechangerequest", "reject", [req.pk], reason="not now")
    req.refresh_from_db()
    assert (req.status, req.decision_reason) == ("rejected", "not now")
    # a decided request cannot be decided again
    response = post_action(client, "gatechangerequest", "approve", [req.pk], reason="changed my mind", follow=True)
    assert "not_pending" in response.content.decode()
    req.refresh_from_db()
    assert req.status == "rejected"

    client.force_login(role_users["operator"])
    request_change(client, reason="second try")
    second = mine().get(status="pending")
    post_action(client, "gatechangerequest", "withdraw", [second.pk], reason="never mind")
    second.refresh_from_db()
    assert second.status == "withdrawn"
    assert DotConfig.objects.get(pk=KEY).value is False


def test_forged_edit_of_a_substrate_row_is_refused_and_audited(client, make_user):
    boss = make_user("boss2", superuser=True)
    client.force_login(boss)
    url = reverse("admin:queuegov_dotconfig_change", args=[KEY])
    assert client.get(url).status_code == 200  # readable
    response = client.post(url, {"value": "true", "description": "x"})
    assert response.status_code == 403
    assert DotConfig.objects.get(pk=KEY).value is False
    row = audit_rows("boss2")[-1]
    assert (row.action, row.outcome, row.target_ids) == ("gate_change.edit", "refused", [KEY])


def test_requesting_two_keys_at_once_files_one_audited_request_each(client, role_users):
    client.force_login(role_users["operator"])
    confirm = post_action(client, "dotconfig", "request_change", [KEY, "queue.notify.enabled"], confirm="no")
    page = confirm.content.decode()
    assert "Request a change to 2 gates and settings" in page and 'value="true"' in page  # both closed: the flip
    response = post_action(
        client,
        "dotconfig",
        "request_change",
        [KEY, "queue.notify.enabled"],
        follow=True,
        new_value="true",
        reason="both please",
    )
    assert "2 applied" in response.content.decode()
    assert sorted(mine().values_list("config_id", flat=True)) == sorted([KEY, "queue.notify.enabled"])
    rows = [r for r in audit_rows("operator1") if r.action == "gate_change.request"]
    assert sorted((r.outcome, r.reason, tuple(r.target_ids)) for r in rows)[-2:] == sorted(
        [("applied", "both please", (KEY,)), ("applied", "both please", ("queue.notify.enabled",))]
    )
