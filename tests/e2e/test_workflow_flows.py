"""The staging review as a workflow, end to end in a browser with four people
(docs/workflows.md, "The staging review as a workflow"): the operator who marked
a manifest starts its review, a reviewer reads the graph and asks the approvers
on the workflow's thread, the marker's own approval is refused, an approver
approves in their task list, the worker cuts, and another operator sees the
workflow succeed. Screenshots go to test-artifacts/e2e/."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from queuegov.actor import Actor
from staging import services as staging_services
from staging.models import StagingRecord
from tests.jobs.conftest import jobs_on, spawn_worker  # noqa: F401  (fixtures)
from workflows.models import HumanTask, Message, Workflow

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("jobs_on")]


def wait_until(condition, timeout: float = 60.0, what: str = "") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_the_staging_review_workflow_with_four_people(login, staff, spawn_worker, open_gate, tmp_path: Path) -> None:
    open_gate("event.emit_enabled")
    source = tmp_path / "travel.md"
    source.write_text("# Travel\n\nHow we travel.\n\n## Trains\n\nSecond class.\n\n## Hotels\n\nThree stars.\n")
    mara = staff("mara", "operator", "approver")  # an approver too: four-eyes, not the role, refuses her
    staff("rita", "reviewer")
    staff("arne", "approver")
    staff("olga", "operator")
    assert staging_services.mark_file(Actor.for_user(mara), mara, source, doc_code="TRAVEL").ok
    record = StagingRecord.objects.latest("id")
    worker = spawn_worker("--no-listen", "--interval", "0.2", "--worker-id", "e2e-worker")

    # 1. The marker starts the review from the manifest screen.
    marker = login("mara")
    marker.run_action("/admin/staging/stagingrecord/", [str(record.pk)], "start_review", {"reason": "ready for review"})
    marker.page.wait_for_selector("ul.messagelist li.success")
    workflow = Workflow.objects.get(correlation_id=f"staging:{record.pk}")
    wait_until(lambda: HumanTask.objects.filter(workflow_step__workflow=workflow).exists(), what="the approval")
    task = HumanTask.objects.get(workflow_step__workflow=workflow)

    # 2. A reviewer reads the graph and asks the approvers on the workflow's thread.
    reviewer = login("rita")
    reviewer.page.goto(f"/admin/workflows/workflow/{workflow.pk}/change/")
    reviewer.page.wait_for_selector("svg.workflow-graph")
    assert reviewer.page.locator("svg.workflow-graph text", has_text="verify_mark").count() == 1
    reviewer.shot("graph-waiting-for-approval")
    reviewer.page.goto(f"/admin/workflows/message/post/?subject_table=workflow&subject_ref={workflow.pk}")
    reviewer.page.fill("#id_recipients", "role:approver")
    reviewer.page.fill("#id_body", "The chapters read well; the hotel rule changed last month.")
    reviewer.page.click("#governed-form input[type=submit]")
    reviewer.page.wait_for_selector("ul.messagelist li.success")
    assert Message.objects.filter(subject_id="workflow", subject_ref=str(workflow.pk)).count() == 1

    # 3. The marker may not approve what they marked and started.
    marker.run_action("/admin/workflows/humantask/?whose=all", [str(task.pk)], "approve", {"reason": "fine by me"})
    refusal = marker.page.locator("ul.messagelist li.error").inner_text()
    assert "four_eyes" in refusal, refusal
    marker.shot("own-approval-refused")

    # 4. An approver approves in their task list; approving it approves the manifest.
    approver = login("arne")
    approver.page.goto("/admin/workflows/humantask/")
    assert approver.page.locator(f"input.action-select[value='{task.pk}']").count() == 1  # in their list
    approver.run_action("/admin/workflows/humantask/", [str(task.pk)], "approve", {"reason": "all axes pass"})
    approver.page.wait_for_selector("ul.messagelist li.success")
    record.refresh_from_db()
    assert (record.lifecycle_status, record.approved_by) in {("approved", "user:arne"), ("consumed", "user:arne")}

    # 5. Another operator watches the worker cut and verify, and the workflow succeed.
    watcher = login("olga")
    wait_until(lambda: Workflow.objects.get(pk=workflow.pk).status != "running", timeout=90, what="the workflow")
    assert Workflow.objects.get(pk=workflow.pk).status == "succeeded"
    watcher.page.goto(f"/admin/workflows/workflow/{workflow.pk}/change/")
    assert watcher.page.locator("svg.workflow-graph text", has_text="succeeded").count() == 4
    watcher.shot("workflow-succeeded")
    record.refresh_from_db()
    assert record.lifecycle_status == "consumed"
    assert worker.poll() is None  # the worker ran throughout
