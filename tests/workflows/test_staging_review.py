"""The staging review as a workflow: verify-mark dry run (job) → approval (people;
approving it approves the manifest under staging's own rules) → cut (job) →
verify-cut (job), drained by the real worker."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobs.worker import Worker
from queuegov.actor import Actor, actor_context
from staging import services as staging_services
from staging.models import StagingRecord
from tests.helpers import json_value, sql_value
from tests.queuegov.conftest import make_user, roles  # noqa: F401  (fixtures)
from workflows import services

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("jobs_on")]


def drain() -> None:
    Worker(once=True, listen=False).run()


def test_the_staging_review_runs_as_a_workflow_with_four_eyes(make_user, tmp_path: Path) -> None:
    source = tmp_path / "policy.md"
    source.write_text("# Policy\n\nIntro.\n\n## Scope\n\nWho it covers.\n\n### Exceptions\n\nNone yet.\n")
    marker, approver = make_user("mara", "operator", "approver"), make_user("arne", "approver")
    assert staging_services.mark_file(Actor.for_user(marker), marker, source, doc_code="POL-1").ok
    record = StagingRecord.objects.latest("id")
    with actor_context(Actor.for_user(marker)):
        started = json_value("SELECT fn_iu_staging_review_start(%s, 'please review')", [record.pk])
    assert started["status"] == "started"
    wf = started["workflow_id"]
    steps = "SELECT jsonb_object_agg(name, status) FROM workflow_step WHERE workflow_id = %s"

    drain()  # the verify-mark dry run
    assert json_value(steps, [wf]) == {"verify_mark": "succeeded", "approve": "active", "cut": "waiting",
                                       "verify_cut": "waiting"}  # fmt: skip
    task = sql_value("SELECT id FROM human_task WHERE approves AND subject_ref = %s", [str(record.pk)])

    # the marker may not approve (they started the workflow, and staging's own rule agrees)
    refused = services.task_act(Actor.for_user(marker), marker, task, "approve", "looks fine")
    assert refused.outcome == "refused" and refused.message.startswith("four_eyes: user:mara"), refused.message
    record.refresh_from_db()
    assert record.lifecycle_status == "pending_review"

    approved = services.task_act(Actor.for_user(approver), approver, task, "approve", "all axes pass")
    assert approved.ok, approved.message
    record.refresh_from_db()
    assert (record.lifecycle_status, record.approved_by) == ("approved", "user:arne")
    assert record.approval_doc_id == f"approval task {task}"

    drain()  # cut, then verify-cut
    assert json_value(steps, [wf]) == {"verify_mark": "succeeded", "approve": "succeeded", "cut": "succeeded",
                                       "verify_cut": "succeeded"}  # fmt: skip
    assert sql_value("SELECT status FROM workflow WHERE id = %s", [wf]) == "succeeded"
    record.refresh_from_db()
    assert record.lifecycle_status == "consumed"
    assert sql_value("SELECT count(*) FROM information_unit WHERE doc_code = 'POL-1'") >= 3
