"""The operators' and auditors' daily flows in a real browser against gunicorn."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.db import connection

from jobs.models import Job, JobDeadLetter
from queuegov.models import AdminActionAudit, DotConfig, GateChangeRequest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sql(query: str, params: list | None = None):
    with connection.cursor() as cursor:
        cursor.execute(query, params or [])
        value = cursor.fetchone()[0]
    return json.loads(value) if isinstance(value, str) else value


def governed_open(key: str) -> None:
    """Open a gate the four-eyes way: two SQL actors, each in a transaction of its own."""
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.execute("SELECT set_config('queuegov.actor', 'sql:e2e-a', true)")
        cursor.execute("SELECT fn_gate_change_request(%s, 'true', 'e2e setup')", [key])
        request_id = cursor.fetchone()[0]
        cursor.execute("COMMIT")
        cursor.execute("BEGIN")
        cursor.execute("SELECT set_config('queuegov.actor', 'sql:e2e-b', true)")
        cursor.execute("SELECT fn_gate_change_approve(%s, 'e2e setup')", [request_id])
        cursor.execute("COMMIT")


def test_gate_change_requested_by_an_operator_and_approved_by_another_user(login, staff):
    staff("olga", "operator")
    staff("arne", "approver")
    operator = login("olga")
    operator.run_action(
        "/admin/queuegov/dotconfig/",
        ["queue.worker.enabled"],
        "request_change",
        {"new_value": "true", "reason": "open the workers for the release"},
    )
    operator.page.wait_for_selector("ul.messagelist li.success")
    operator.shot("requested")
    request = GateChangeRequest.objects.filter(requested_by="user:olga").latest("id")
    assert request.status == "pending" and DotConfig.objects.get(pk="queue.worker.enabled").value is False
    # the requester is not offered the approval
    operator.page.goto("/admin/queuegov/gatechangerequest/")
    assert operator.page.locator("select[name=action] option[value=approve]").count() == 0

    approver = login("arne")
    approver.run_action(
        "/admin/queuegov/gatechangerequest/", [str(request.pk)], "approve", {"reason": "release window confirmed"}
    )
    approver.page.wait_for_selector("ul.messagelist li.success")
    approver.shot("approved")
    request.refresh_from_db()
    assert request.status == "applied" and request.decided_by == "user:arne"
    assert DotConfig.objects.get(pk="queue.worker.enabled").value is True
    approver.page.goto("/admin/queuegov/dotconfig/?q=queue.worker.enabled")
    assert "OPEN" in approver.page.inner_text("#result_list")


def test_operator_triages_and_replays_a_dead_letter(login, staff):
    for key in ("queue.job_substrate.enabled", "queue.worker.enabled", "queue.dlq_replay.enabled"):
        governed_open(key)
    job_id = sql("SELECT fn_job_enqueue('e2e.flaky', '{\"ref\": \"doc:7\"}'::jsonb, p_max_attempts => 1)")["job_id"]
    sql("SELECT fn_job_claim('e2e-worker', NULL, 10, 60, 'pg_worker')")
    dead = sql("SELECT fn_job_fail_or_retry(%s, 'e2e-worker', 'upstream timeout', 1)", [job_id])
    dl_id = dead["dead_letter_id"]
    staff("otto", "operator")
    operator = login("otto")
    operator.run_action(
        "/admin/jobs/jobdeadletter/", [str(dl_id)], "mark_manual_replay", {"reason": "upstream fixed, safe to rerun"}
    )
    operator.page.wait_for_selector("ul.messagelist li.success")
    operator.run_action("/admin/jobs/jobdeadletter/", [str(dl_id)], "replay", {"reason": "rerun after the fix"})
    operator.page.wait_for_selector("ul.messagelist li.success")
    operator.shot("replayed")
    dead_letter = JobDeadLetter.objects.get(pk=dl_id)
    assert dead_letter.triage_status == "replayed"
    replayed = Job.objects.get(pk=dead_letter.replayed_job_id)
    assert replayed.replay_of_dead_letter_id == dl_id and replayed.status == "queued"
    operator.page.goto(f"/admin/jobs/job/{job_id}/change/")
    operator.page.click(f"a[href='/admin/jobs/job/{replayed.pk}/change/']")
    operator.page.wait_for_url(f"**/admin/jobs/job/{replayed.pk}/change/")


def test_auditor_reads_the_trail_and_can_change_nothing(login, staff, tmp_path):
    staff("olga", "operator")
    staff("arne", "approver")
    staff("aud", "auditor")
    operator = login("olga")
    operator.run_action(
        "/admin/queuegov/dotconfig/",
        ["queue.notify.enabled"],
        "request_change",
        {"new_value": "true", "reason": "wake workers at once"},
    )
    request = GateChangeRequest.objects.filter(requested_by="user:olga").latest("id")
    approver = login("arne")
    approver.run_action("/admin/queuegov/gatechangerequest/", [str(request.pk)], "approve", {"reason": "agreed"})

    # the other two flows, done through the same services the admin uses
    from jobs import services as job_services
    from queuegov.actor import Actor
    from staging import services as staging_services
    from staging.models import StagingRecord

    for key in ("queue.job_substrate.enabled", "queue.worker.enabled", "queue.dlq_replay.enabled"):
        governed_open(key)
    job_id = sql("SELECT fn_job_enqueue('e2e.flaky', '{}'::jsonb, p_max_attempts => 1)")["job_id"]
    sql("SELECT fn_job_claim('e2e-worker', NULL, 10, 60, 'pg_worker')")
    dl_id = sql("SELECT fn_job_fail_or_retry(%s, 'e2e-worker', 'boom', 1)", [job_id])["dead_letter_id"]
    olga = User.objects.get(username="olga")
    job_services.triage_dead_letter(Actor.for_user(olga), olga, dl_id, "manual_replay", "safe to rerun")
    assert job_services.replay_dead_letter(Actor.for_user(olga), olga, dl_id, "rerun").ok
    source = tmp_path / "doc.md"
    source.write_text("# Doc\n\nText.\n")
    staging_services.mark_file(Actor.for_user(olga), olga, source, doc_code="DOC-1")
    arne = User.objects.get(username="arne")
    record = StagingRecord.objects.latest("id")
    assert staging_services.approve(Actor.for_user(arne), arne, record.pk, "MEMO-1", "looks right").ok

    auditor = login("aud")
    auditor.shot("dashboard")
    auditor.page.goto("/admin/queuegov/adminactionaudit/")
    trail = auditor.page.inner_text("#result_list")
    assert "gate_change.request" in trail and "gate_change.approve" in trail
    assert "job_dead_letter.replay" in trail
    assert "user:olga" in trail and "user:arne" in trail
    approval = AdminActionAudit.objects.filter(actor="user:arne", action__startswith="staging").latest("id")
    assert "approve" in approval.action and approval.outcome == "applied"
    assert approval.action in trail
    auditor.shot("trail")
    # no actions, no add, no edit anywhere
    for url in (
        "/admin/queuegov/adminactionaudit/",
        "/admin/queuegov/dotconfig/",
        "/admin/queuegov/gatechangerequest/",
        "/admin/jobs/job/",
        "/admin/jobs/jobdeadletter/",
    ):
        auditor.page.goto(url)
        assert auditor.page.locator("select[name=action]").count() == 0, url
        assert auditor.page.locator("a.addlink").count() == 0, url
    # a forged POST from the auditor's own session is refused and audited
    token = (
        auditor.page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
        or auditor.context.cookies()[0]["value"]
    )
    response = auditor.page.request.post(
        "/admin/queuegov/gatechangerequest/",
        form={
            "action": "approve",
            "_selected_action": str(request.pk),
            "confirm": "yes",
            "reason": "forged",
            "csrfmiddlewaretoken": token,
        },
        headers={"Referer": auditor.page.url},
    )
    assert response.status == 403
    assert AdminActionAudit.objects.filter(actor="user:aud", outcome="refused").exists()


def test_approver_approves_a_manifest_marked_by_someone_else(login, staff, tmp_path):
    from queuegov.actor import Actor
    from staging import services as staging_services
    from staging.models import StagingRecord

    source = tmp_path / "policy.md"
    source.write_text("# Policy\n\nIntro.\n\n## Scope\n\nWho it covers.\n\n### Exceptions\n\nNone yet.\n")
    marker = staff("mara", "operator")
    staff("arne", "approver")
    marked = staging_services.mark_file(Actor.for_user(marker), marker, source, doc_code="POL-1")
    assert marked.ok, marked.message
    record = StagingRecord.objects.latest("id")
    assert record.lifecycle_status == "pending_review"

    approver = login("arne")
    approver.run_action(
        "/admin/staging/stagingrecord/",
        [str(record.pk)],
        "approve",
        {"approval_doc_id": "MINUTES-2026-11", "reason": "structure checked, all axes pass"},
    )
    approver.page.wait_for_selector("ul.messagelist li.success")
    approver.shot("approved")
    record.refresh_from_db()
    assert record.lifecycle_status == "approved"
    assert record.approved_by == "user:arne" and record.approval_doc_id == "MINUTES-2026-11"
    row = AdminActionAudit.objects.filter(actor="user:arne").latest("id")
    assert row.outcome == "applied" and row.target_table == "iu_staging_record"


def test_every_screen_renders_under_the_content_security_policy(login, staff):
    staff("paula", "operator", "auditor")
    session = login("paula")
    for url in (
        "/admin/",
        "/admin/jobs/job/",
        "/admin/queuegov/dotconfig/",
        "/admin/queuegov/adminactionaudit/",
        "/admin/jobs/jobdeadletter/",
        "/admin/events/inboxentry/",
        "/admin/staging/stagingrecord/",
    ):
        response = session.page.goto(url)
        assert response is not None and response.status == 200, url
        assert "Content-Security-Policy" in {k.title(): v for k, v in response.headers.items()}
    session.page.goto("/admin/")
    session.shot("dashboard-under-csp")
    assert session.csp_violations == []
