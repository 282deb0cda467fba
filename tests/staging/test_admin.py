"""The approvers' screens through the admin's HTTP interface (Django test
client): reviewer dry-runs, approver approves, operator cuts and verifies; a
forged approve POST is refused and audited; the role matrix; the manifest page."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command
from django.urls import reverse

from staging.models import CommandRun, InformationUnit, StagingRecord
from tests.queuegov.conftest import make_user, role_users, roles  # noqa: F401  (fixtures)
from tests.staging.conftest import audit_rows, clean_pieces
from tests.staging.test_commands import HANDBOOK

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:staging_stagingrecord_changelist"


def post_action(client, action: str, ids, follow: bool = False, **fields):
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(i) for i in ids], **fields}
    return client.post(reverse(CHANGELIST), data, follow=follow)


def page(client, name: str, *args) -> str:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def marked(tmp_path: Path, role_users) -> StagingRecord:
    path = tmp_path / "handbook.md"
    path.write_text(HANDBOOK, encoding="utf-8")
    call_command("staging_mark_file", str(path), "--as-user", "operator1", stdout=io.StringIO())
    return StagingRecord.objects.get()


def test_reviewer_dry_runs_approver_approves_operator_cuts_and_verifies(client, role_users, marked) -> None:
    pk = marked.pk

    # the reviewer reads the manifest and runs the dry run
    client.force_login(role_users["reviewer"])
    listing = page(client, CHANGELIST)
    assert "Staff handbook" not in listing and "HANDBOOK" in listing and "pending_review" in listing
    detail = page(client, "admin:staging_stagingrecord_change", pk)
    for heading in ("Staff handbook", "Sick leave", "Longer than a week", "Tell your lead before nine."):
        assert heading in detail
    assert 'value="verify_mark_dry_run"' in detail and 'value="approve"' not in detail
    assert "No verify-mark yet" in detail
    response = post_action(client, "verify_mark_dry_run", [pk])
    assert response.status_code == 200
    body = response.content.decode()
    assert "Verdict: " in body and ">passed<" in body and "axis-A" in body and "axis-C" in body
    run = CommandRun.objects.get(command="verify_mark")
    assert (run.run_mode, run.run_status, run.actor) == ("plan", "passed", "user:reviewer1")
    assert StagingRecord.objects.get(pk=pk).lifecycle_status == "pending_review"
    assert "Dry run" in page(client, "admin:staging_stagingrecord_change", pk)

    # a forged approve POST from the reviewer is refused and audited
    forged = post_action(client, "approve", [pk], confirm="yes", approval_doc_id="FAKE", reason="let me in")
    assert forged.status_code == 403
    assert StagingRecord.objects.get(pk=pk).lifecycle_status == "pending_review"
    refusal = audit_rows().get(actor="user:reviewer1", outcome="refused")
    assert refusal.action == "staging.approve" and refusal.target_ids == [str(pk)]
    assert "may not run action 'approve'" in refusal.detail

    # the approver sees the verdict on the confirmation page, then approves
    client.force_login(role_users["approver"])
    confirm = post_action(client, "approve", [pk]).content.decode()
    assert "Verdict now" in confirm and "Approval document id" in confirm and ">passed<" in confirm
    missing = post_action(client, "approve", [pk], confirm="yes", approval_doc_id="", reason="fine by me")
    assert missing.status_code == 200 and StagingRecord.objects.get(pk=pk).lifecycle_status == "pending_review"
    done = post_action(client, "approve", [pk], confirm="yes", approval_doc_id="HR-7", reason="fine by me", follow=True)
    assert "approved staging record" in done.content.decode()
    record = StagingRecord.objects.get(pk=pk)
    assert (record.lifecycle_status, record.approved_by, record.approval_doc_id, record.approval_reason) == (
        "approved",
        "user:approver1",
        "HR-7",
        "fine by me",
    )

    # the operator cuts and verifies
    client.force_login(role_users["operator"])
    detail = page(client, "admin:staging_stagingrecord_change", pk)
    assert 'value="cut"' in detail and 'value="approve"' not in detail
    assert "Cut approved manifests" in post_action(client, "cut", [pk]).content.decode()
    post_action(client, "cut", [pk], confirm="yes", reason="publish")
    assert StagingRecord.objects.get(pk=pk).lifecycle_status == "consumed"
    assert InformationUnit.objects.filter(consumed_from_record_id=pk).count() == 7
    verified = post_action(client, "verify_cut", [pk], confirm="yes", reason="check the cut").content.decode()
    assert ">verified<" in verified and "axis-manifest" in verified

    # the manifest page links its runs, units and lifecycle
    detail = page(client, "admin:staging_stagingrecord_change", pk)
    assert "7 units" in detail and "pending_review → approved" in detail and "approved → consumed" in detail
    for run in CommandRun.objects.filter(record_id=pk):
        assert reverse("admin:staging_commandrun_change", args=[run.pk]) in detail
    cut_run = StagingRecord.objects.get(pk=pk).consumed_by_run_id
    run_page = page(client, "admin:staging_commandrun_change", cut_run)
    assert "G7" in run_page and "7 units" in run_page
    unit = InformationUnit.objects.get(consumed_from_record_id=pk, sort_order=4)
    unit_page = page(client, "admin:staging_informationunit_change", unit.pk)
    assert "Tell your lead before nine." in unit_page
    assert reverse("admin:staging_informationunit_change", args=[unit.parent_id]) in unit_page

    assert list(
        audit_rows()
        .filter(target_table="iu_staging_record", source="admin")
        .order_by("id")
        .values_list("actor", "action", "outcome")
    ) == [
        ("user:reviewer1", "staging.verify_mark", "dry_run"),
        ("user:reviewer1", "staging.approve", "refused"),
        ("user:approver1", "staging.approve", "applied"),
        ("user:operator1", "staging.cut", "applied"),
        ("user:operator1", "staging.verify_cut", "applied"),
    ]


def test_approve_is_refused_with_the_verdict_when_it_fails(client, role_users, iu) -> None:
    record_id = iu.marked(clean_pieces(p3={"parent_piece_no": 9}))
    client.force_login(role_users["approver"])
    confirm = post_action(client, "approve", [record_id]).content.decode()
    assert "parent piece 9 does not exist in the manifest" in confirm
    response = post_action(
        client, "approve", [record_id], confirm="yes", approval_doc_id="D", reason="try", follow=True
    )
    message = response.content.decode()
    assert "verdict_failed: staging record" in message and "C 1 problem" in message
    assert StagingRecord.objects.get(pk=record_id).lifecycle_status == "pending_review"
    row = audit_rows().get(action="staging.approve")
    # The SQL function audits the act: after_state is its answer, with the full verdict.
    assert row.outcome == "refused" and row.after_state["verdict"]["verdict"] == "problems"
    assert row.after_state["reason"].startswith(f"verdict_failed: staging record {record_id} has problems")
    assert "parent piece 9 does not exist in the manifest" in [
        p["problem"] for p in row.after_state["verdict"]["axes"]["C"]["problems"]
    ]
    assert row.detail.startswith(f"verdict_failed: staging record {record_id}")


def test_the_marker_cannot_approve_superuser_included(client, make_user, tmp_path: Path) -> None:
    admin_user = make_user("admin", superuser=True)
    path = tmp_path / "doc.md"
    path.write_text("# Doc\n\ntext\n", encoding="utf-8")
    call_command("staging_mark_file", str(path), "--as-user", "admin", stdout=io.StringIO())
    record = StagingRecord.objects.get()
    client.force_login(admin_user)
    response = post_action(
        client, "approve", [record.pk], confirm="yes", approval_doc_id="D", reason="mine", follow=True
    )
    assert "four_eyes: approver must differ from marker" in response.content.decode()
    assert StagingRecord.objects.get(pk=record.pk).lifecycle_status == "pending_review"
    assert audit_rows().get(action="staging.approve").outcome == "refused"


def test_reject_from_the_admin(client, role_users, iu) -> None:
    record_id = iu.marked()
    client.force_login(role_users["approver"])
    post_action(client, "reject", [record_id], confirm="yes", reason="duplicate of another manifest")
    record = StagingRecord.objects.get(pk=record_id)
    assert (record.lifecycle_status, record.rejected_by) == ("rejected", "user:approver1")


STAGING_ACTIONS = {
    "verify_mark_dry_run": {"reviewer", "approver"},
    "approve": {"approver"},
    "reject": {"approver"},
    "cut": {"operator"},
    "verify_cut": {"operator"},
}
ROLES = ("reviewer", "approver", "operator", "auditor")
SCREENS = ("stagingrecord", "commandrun", "informationunit", "stagingpayload", "lifecyclelog", "commandcatalog",
           "runtimelease")  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_actions_are_offered_only_to_their_roles(client, role_users, role, iu) -> None:
    iu.marked()
    client.force_login(role_users[role])
    listing = page(client, CHANGELIST)
    for action, roles_ in STAGING_ACTIONS.items():
        assert (f'<option value="{action}">' in listing) == (role in roles_), (role, action)
    assert ('href="cleanup/"' in listing) == (role == "operator")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("screen", SCREENS)
def test_every_role_reads_the_staging_screens(client, role_users, role, screen) -> None:
    client.force_login(role_users[role])
    assert client.get(reverse(f"admin:staging_{screen}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:staging_{screen}_add")).status_code == 403


def test_nobody_edits_a_manifest_by_hand(client, role_users, iu) -> None:
    record_id = iu.marked()
    client.force_login(role_users["approver"])
    response = client.post(
        reverse("admin:staging_stagingrecord_change", args=[record_id]), {"lifecycle_status": "approved"}
    )
    assert response.status_code == 403
    assert audit_rows().get(action="staging.edit").outcome == "refused"


def test_cleanup_page(client, role_users, iu) -> None:
    iu.marked()
    client.force_login(role_users["reviewer"])
    assert client.get(reverse("admin:staging_stagingrecord_cleanup")).status_code == 403
    client.force_login(role_users["operator"])
    assert "Three passes" in page(client, "admin:staging_stagingrecord_cleanup")
    response = client.post(
        reverse("admin:staging_stagingrecord_cleanup"), {"mode": "dry_run", "reason": "weekly look"}, follow=True
    )
    assert "dry run: would expire 0, clean 0 (0 pieces), archive 0" in response.content.decode()
    response = client.post(
        reverse("admin:staging_stagingrecord_cleanup"), {"mode": "apply", "reason": "weekly run"}, follow=True
    )
    assert "gate_closed: iu_core.retention_enabled is closed" in response.content.decode()
    assert list(
        audit_rows().filter(action__startswith="staging.cleanup").order_by("id").values_list("action", "outcome")
    ) == [("staging.cleanup_dry_run", "dry_run"), ("staging.cleanup", "refused")]


def test_search_and_filters(client, role_users, iu) -> None:
    record_id = iu.marked()
    other = iu.marked(key="other", doc_code="OTHER")
    iu.reject(other)
    client.force_login(role_users["auditor"])
    listing = client.get(reverse(CHANGELIST), {"q": str(record_id)}).content.decode()
    assert reverse("admin:staging_stagingrecord_change", args=[record_id]) in listing
    assert reverse("admin:staging_stagingrecord_change", args=[other]) not in listing
    rejected = client.get(reverse(CHANGELIST), {"lifecycle_status__exact": "rejected"}).content.decode()
    assert reverse("admin:staging_stagingrecord_change", args=[other]) in rejected
    assert reverse("admin:staging_stagingrecord_change", args=[record_id]) not in rejected
    by_doc = client.get(reverse(CHANGELIST), {"doc_code": "OTHER"}).content.decode()
    assert reverse("admin:staging_stagingrecord_change", args=[other]) in by_doc
