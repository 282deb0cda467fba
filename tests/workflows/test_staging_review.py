"""The staging review as a workflow: verify-mark dry run (job) → approval (people;
approving it approves the manifest under staging's own rules) → cut (job) →
verify-cut (job), drained by the real worker."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from jobs.worker import Worker
from queuegov.actor import Actor, actor_context
from staging import services as staging_services
from staging.models import StagingRecord
from tests.database import admin_connect
from tests.helpers import json_value, sql_value, subprocess_database_url
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
    task = sql_value(
        "SELECT id FROM human_task WHERE approves AND subject_table = 'iu_staging_record' AND subject_ref = %s",
        [str(record.pk)],
    )

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


def _marked(make_user, tmp_path: Path, code: str):  # type: ignore[no-untyped-def]
    source = tmp_path / f"{code}.md"
    source.write_text("# Policy\n\nIntro.\n\n## Scope\n\nWho it covers.\n")
    marker = make_user("mara", "operator", "approver")
    assert staging_services.mark_file(Actor.for_user(marker), marker, source, doc_code=code).ok
    return marker, StagingRecord.objects.latest("id")


def test_the_marker_is_refused_at_their_own_decision_of_a_two_approver_approval(make_user, tmp_path: Path) -> None:
    marker, record = _marked(make_user, tmp_path, "POL-2")
    otto, bea = make_user("otto", "approver"), make_user("bea", "approver")
    spec = {"title": "Approve POL-2", "assignee": {"role": "approver"}, "required": 2,
            "approves": {"table": "iu_staging_record", "ref": str(record.pk)}}  # fmt: skip
    with actor_context(Actor.for_user(otto)):
        task = json_value("SELECT fn_task_create(%s::jsonb)", [json.dumps(spec)])["task_id"]
    refused = services.task_act(Actor.for_user(marker), marker, task, "approve", "mine, but fine")
    assert refused.outcome == "refused" and refused.message.startswith("four_eyes: user:mara"), refused.message
    assert services.task_act(Actor.for_user(bea), bea, task, "approve", "passes").ok
    assert sql_value("SELECT status FROM human_task WHERE id = %s", [task]) == "open"
    arne = make_user("arne", "approver")
    assert services.task_act(Actor.for_user(arne), arne, task, "approve", "passes too").ok
    record.refresh_from_db()
    assert (record.lifecycle_status, record.approved_by) == ("approved", "user:arne")


def test_approving_the_manifest_directly_closes_the_review_s_approval_and_the_workflow_goes_on(
    make_user, tmp_path: Path
) -> None:
    marker, record = _marked(make_user, tmp_path, "POL-3")
    with actor_context(Actor.for_user(marker)):
        wf = json_value("SELECT fn_iu_staging_review_start(%s, 'please review')", [record.pk])["workflow_id"]
    drain()  # the verify-mark dry run: the approval is open
    arne = make_user("arne", "approver")
    assert staging_services.approve(Actor.for_user(arne), arne, record.pk, "DOC-77", "approved directly").ok
    task = json_value(
        "SELECT to_jsonb(t) FROM human_task t"
        " WHERE approves AND subject_table = 'iu_staging_record' AND subject_ref = %s",
        [str(record.pk)],
    )
    assert (task["status"], task["finished_by"]) == ("completed", "user:arne")
    drain()  # cut and verify-cut
    assert sql_value("SELECT status FROM workflow WHERE id = %s", [wf]) == "succeeded"


def test_rejecting_the_manifest_directly_rejects_the_review_s_approval(make_user, tmp_path: Path) -> None:
    marker, record = _marked(make_user, tmp_path, "POL-4")
    with actor_context(Actor.for_user(marker)):
        wf = json_value("SELECT fn_iu_staging_review_start(%s, 'please review')", [record.pk])["workflow_id"]
    drain()
    arne = make_user("arne", "approver")
    assert staging_services.reject(Actor.for_user(arne), arne, record.pk, "wrong source").ok
    assert (
        sql_value(
            "SELECT status FROM human_task WHERE approves AND subject_table = 'iu_staging_record' AND subject_ref = %s",
            [str(record.pk)],
        )
        == "rejected"
    )
    steps = json_value("SELECT jsonb_object_agg(name, status) FROM workflow_step WHERE workflow_id = %s", [wf])
    assert steps == {"verify_mark": "succeeded", "approve": "failed", "cut": "cancelled", "verify_cut": "cancelled"}
    assert sql_value("SELECT status FROM workflow WHERE id = %s", [wf]) == "failed"


def test_a_manifest_has_one_review_at_a_time_even_when_two_start_at_once(make_user, tmp_path: Path) -> None:
    marker, record = _marked(make_user, tmp_path, "POL-5")
    # another caller's workflow with the review's correlation id no longer blocks the review
    with actor_context(Actor.for_user(marker)):
        squat = {"name": "squat", "correlation_id": f"staging:{record.pk}",
                 "steps": [{"name": "a", "job": {"job_kind": "queuegov.noop"}}]}  # fmt: skip
        assert json_value("SELECT fn_workflow_create(%s::jsonb)", [json.dumps(squat)])["status"] == "created"
    url = subprocess_database_url()
    start = ("SELECT set_config('queuegov.actor', 'user:mara', false);"
             f" SELECT fn_iu_staging_review_start({record.pk}, 'please review') ->> 'status'")  # fmt: skip
    first = psycopg.connect(url)
    pool = ThreadPoolExecutor(1)
    try:
        assert _try(first, start.replace("please review", "first")) == "started"
        # the second start waits for the first's row lock on the manifest; once the first
        # commits it sees the running review and is refused
        outcome = pool.submit(_try_on_own_connection, url, start)
        wait_for(lambda: _waiting_on_lock() or outcome.done(), "the second start to wait for the manifest's row lock")
        assert not outcome.done(), outcome.result()
        first.commit()
        assert outcome.result(timeout=30).startswith("review_running: staging record")
    finally:
        first.close()  # rolls back what is open, so the second is never left waiting
        pool.shutdown()
    assert (
        sql_value("SELECT count(*) FROM workflow WHERE subject_ref = %s AND status = 'running'", [str(record.pk)]) == 1
    )


def _try(conn: psycopg.Connection, sql: str) -> str:
    try:
        for statement in sql.split(";"):
            row = conn.execute(statement).fetchone()
        return str(row[0])
    except psycopg.Error as exc:
        return str(exc).splitlines()[0]


def _try_on_own_connection(url: str, sql: str) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        return _try(conn, sql)


def _waiting_on_lock() -> bool:
    """A backend waits for a lock (pg_locks: visible whichever login holds it; read afresh, as a
    transaction sees one snapshot of the activity views)."""
    return bool(sql_value("SELECT count(*) FROM pg_locks WHERE NOT granted"))


def wait_for(condition, what: str, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_deciding_an_approval_of_a_manifest_needs_the_manifest_s_approve_permission(make_user, tmp_path: Path) -> None:
    from django.contrib.auth.models import Group

    marker, record = _marked(make_user, tmp_path, "POL-6")
    Group.objects.get_or_create(name="editors")
    editor = make_user("ed", "editors", "reviewer")
    spec = {"title": "Approve POL-6", "assignee": {"group": "editors"}, "required": 1,
            "approves": {"table": "iu_staging_record", "ref": str(record.pk)}}  # fmt: skip
    with actor_context(Actor.for_user(marker)):
        task = json_value("SELECT fn_task_create(%s::jsonb)", [json.dumps(spec)])["task_id"]
    refused = services.task_act(Actor.for_user(editor), editor, task, "approve", "looks fine to me")
    assert refused.outcome == "refused" and "staging.approve_stagingrecord" in refused.message, refused.message
    record.refresh_from_db()
    assert record.lifecycle_status == "pending_review"
    assert sql_value("SELECT status FROM human_task WHERE id = %s", [task]) == "open"


def test_an_approval_of_a_manifest_decided_before_it_starts_closes_at_once(make_user, tmp_path: Path) -> None:
    marker, record = _marked(make_user, tmp_path, "POL-7")
    arne = make_user("arne", "approver")
    approves = {"table": "iu_staging_record", "ref": f"0{record.pk}"}  # not canonical: stored as the id
    approval = {"title": "Approve POL-7", "assignee": {"role": "approver"}, "approves": approves}
    spec = {"name": "late", "steps": [
        {"name": "wait", "job": {"job_kind": "queuegov.noop"}},
        {"name": "appr", "depends_on": ["wait"], "approval": approval},
        {"name": "after", "depends_on": ["appr"], "job": {"job_kind": "queuegov.noop"}}]}  # fmt: skip
    with actor_context(Actor.for_user(marker)):
        wf = json_value("SELECT fn_workflow_create(%s::jsonb)", [json.dumps(spec)])["workflow_id"]
        standalone = json_value(
            "SELECT fn_task_create(%s::jsonb)", [json.dumps({**approval, "title": "Approve POL-7 too", "required": 1})]
        )["task_id"]
    assert sql_value("SELECT subject_ref FROM human_task WHERE id = %s", [standalone]) == str(record.pk)
    # the manifest is approved on its own screen before the workflow's approval step starts
    assert staging_services.approve(Actor.for_user(arne), arne, record.pk, "DOC-7", "approved directly").ok
    assert sql_value("SELECT status FROM human_task WHERE id = %s", [standalone]) == "completed"
    drain()  # wait; the approval opens on a decided manifest and closes at once; after runs
    steps = json_value("SELECT jsonb_object_agg(name, status) FROM workflow_step WHERE workflow_id = %s", [wf])
    assert steps == {"wait": "succeeded", "appr": "succeeded", "after": "succeeded"}


def test_a_failed_review_is_not_retried_while_a_newer_one_runs(make_user, tmp_path: Path) -> None:
    marker, record = _marked(make_user, tmp_path, "POL-8")
    with actor_context(Actor.for_user(marker)):
        first = json_value("SELECT fn_iu_staging_review_start(%s, 'please review')", [record.pk])["workflow_id"]
    claimed = json_value("SELECT fn_job_claim('w1', NULL, 10, 60, 'pg_worker')")["jobs"]
    (job,) = [j for j in claimed if j["job_kind"] == "queuegov.staging_verify_mark"]
    json_value("SELECT fn_job_fail_or_retry(%s, 'w1', 'broken', %s)", [job["id"], job["attempt"]])
    assert sql_value("SELECT status FROM workflow WHERE id = %s", [first]) == "failed"
    with actor_context(Actor.for_user(marker)):
        json_value("SELECT fn_iu_staging_review_start(%s, 'again')", [record.pk])
    step = sql_value("SELECT id FROM workflow_step WHERE workflow_id = %s AND name = 'verify_mark'", [first])
    operator = make_user("olga", "operator")
    refused = services.retry_step(Actor.for_user(operator), operator, step, "retry the first")
    assert refused.outcome == "refused" and refused.message.startswith("review_running: iu_staging_record:"), (
        refused.message
    )


def test_a_decision_on_the_approval_and_one_on_the_manifest_at_once_take_turns(make_user, tmp_path: Path) -> None:
    """The manifest's own screen locks the manifest, then (its trigger) the approval; a person deciding the
    approval takes them in the same order, so the two wait for each other instead of deadlocking."""
    _, record = _marked(make_user, tmp_path, "POL-9")
    otto = make_user("otto", "approver")
    spec = {"title": "Approve POL-9", "assignee": {"role": "approver"}, "required": 1,
            "approves": {"table": "iu_staging_record", "ref": str(record.pk)}}  # fmt: skip
    with actor_context(Actor.for_user(otto)):
        task = json_value("SELECT fn_task_create(%s::jsonb)", [json.dumps(spec)])["task_id"]
    url = subprocess_database_url()
    screen = admin_connect(autocommit=False)  # the migration login may lock the row, as the screen's function does
    pool = ThreadPoolExecutor(1)
    try:
        screen.execute("SELECT set_config('queuegov.actor', 'user:arne', true)")
        screen.execute("SELECT 1 FROM iu_staging_record WHERE id = %s FOR UPDATE", [record.pk])
        decide = ("SELECT set_config('queuegov.actor', 'user:bea', false);"
                  " SELECT set_config('queuegov.actor_roles', 'approver', false);"
                  f" SELECT fn_task_act({task}, 'approve', 'passes') ->> 'status'")  # fmt: skip
        outcome = pool.submit(_try_on_own_connection, url, decide)
        wait_for(lambda: _waiting_on_lock() or outcome.done(), "the approval to wait for the manifest's row lock")
        assert not outcome.done(), outcome.result()
        answer = screen.execute(
            "SELECT fn_iu_op_verify_mark(%s, true, 'DOC-9', 'approved on the staging screen', NULL) ->> 'status'",
            [record.pk],
        ).fetchone()[0]
        assert answer == "approved"
        screen.commit()
        assert outcome.result(timeout=30) == f"task_not_open: task {task} is completed"
    finally:
        screen.close()
        pool.shutdown()
    assert sql_value("SELECT finished_by FROM human_task WHERE id = %s", [task]) == "user:arne"
