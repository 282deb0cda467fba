"""Operator screens for jobs: actions, links, permissions, audit rows."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.db.models import Max, QuerySet
from django.urls import reverse

from jobs.models import Job, JobDeadLetter, QueueState
from queuegov.models import AdminActionAudit
from tests.database import as_owner
from tests.queuegov.conftest import make_user, role_users, roles  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def sql(query: str, params: list | None = None):
    with connection.cursor() as cursor:
        cursor.execute(query, params or [])
        value = cursor.fetchone()[0]
    return json.loads(value) if isinstance(value, str) else value


def post_action(client, model, action, ids=(), follow=False, select_across=False, **fields):
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(i) for i in ids], "confirm": "yes", **fields}
    if select_across:
        data["select_across"] = "1"
    return client.post(reverse(f"admin:jobs_{model}_changelist"), data, follow=follow)


@pytest.fixture
def new_audit() -> QuerySet:
    """Audit rows written after the test started.

    admin_action_audit is append-only, so rows committed by transactional tests
    (the SQL functions now audit every governed act, workers' included) stay;
    this test's rows are those above the highest id at its start.
    """
    start = AdminActionAudit.objects.aggregate(last=Max("id"))["last"] or 0
    return AdminActionAudit.objects.filter(id__gt=start)


@pytest.fixture
def substrate(open_gate):
    for gate in ("queue.job_substrate.enabled", "queue.worker.enabled"):
        open_gate(gate)


def dead_job() -> tuple[int, int]:
    job_id = sql("SELECT fn_job_enqueue('demo.flaky', '{\"ref\": \"doc:1\"}'::jsonb, p_max_attempts => 1)")["job_id"]
    claimed = sql("SELECT fn_job_claim('w-test', NULL, 10, 60, 'pg_worker')")
    attempt = next(j["attempt"] for j in claimed["jobs"] if j["id"] == job_id)
    answer = sql("SELECT fn_job_fail_or_retry(%s, 'w-test', 'boom', %s)", [job_id, attempt])
    return job_id, answer["dead_letter_id"]


@pytest.mark.parametrize(
    ("role", "status"), [("operator", 200), ("auditor", 200), ("reviewer", 403), ("approver", 403)]
)
def test_job_screens_by_role(client, role_users, role, status):
    client.force_login(role_users[role])
    for model in ("job", "jobdeadletter", "queuestate", "jobschedule", "queueheartbeat"):
        assert client.get(reverse(f"admin:jobs_{model}_changelist")).status_code == status


def test_auditor_sees_no_actions(client, role_users, substrate):
    client.force_login(role_users["auditor"])
    page = client.get(reverse("admin:jobs_job_changelist")).content.decode()
    assert 'value="cancel"' not in page and 'value="retry_now"' not in page


def test_cancel_thousands_selected_across_in_one_audited_act(client, role_users, substrate, new_audit):
    sql(
        "SELECT fn_job_enqueue_many((SELECT jsonb_agg(jsonb_build_object('job_kind', 'demo.bulk')) "
        "FROM generate_series(1, 2500)))"
    )
    client.force_login(role_users["operator"])
    # "Select all 2,500" posts the visible page's ids plus select_across.
    page_ids = list(Job.objects.order_by("-id").values_list("id", flat=True)[:50])
    confirm = post_action(client, "job", "cancel", page_ids, select_across=True, confirm="no")
    assert b'name="select_across" value="1"' in confirm.content
    response = post_action(client, "job", "cancel", page_ids, select_across=True, reason="wrong batch", follow=True)
    assert "Cancel jobs: 1 applied" in response.content.decode()
    assert Job.objects.filter(status="cancelled").count() == 2500
    row = new_audit.get(action="job.cancel")
    assert row.outcome == "applied" and len(row.target_ids) == 2500 and row.reason == "wrong batch"


def test_retry_now_and_search_by_id(client, role_users, substrate):
    job_id = sql("SELECT fn_job_enqueue('demo.later', '{}'::jsonb, p_run_at => now() + interval '1 day')")["job_id"]
    client.force_login(role_users["operator"])
    page = client.get(reverse("admin:jobs_job_changelist"), {"q": str(job_id)}).content.decode()
    assert f"/admin/jobs/job/{job_id}/change/" in page
    post_action(client, "job", "retry_now", [job_id], reason="customer waiting")
    job = Job.objects.get(pk=job_id)
    assert job.run_at <= job.created_at.__class__.now(job.created_at.tzinfo)


def test_dead_letter_triage_and_replay_need_gate_triage_and_permission(
    client, role_users, substrate, open_gate, new_audit
):
    job_id, dl_id = dead_job()
    client.force_login(role_users["operator"])
    # replay before triage: refused by the gate first (closed), then by triage status
    response = post_action(client, "jobdeadletter", "replay", [dl_id], reason="try again", follow=True)
    assert "gate_closed: queue.dlq_replay.enabled is closed" in response.content.decode()
    open_gate("queue.dlq_replay.enabled")
    response = post_action(client, "jobdeadletter", "replay", [dl_id], reason="try again", follow=True)
    assert "triage_required" in response.content.decode()
    post_action(client, "jobdeadletter", "mark_manual_replay", [dl_id], reason="safe to rerun")
    response = post_action(client, "jobdeadletter", "replay", [dl_id], reason="try again", follow=True)
    dl = JobDeadLetter.objects.get(pk=dl_id)
    assert dl.triage_status == "replayed" and dl.replayed_job_id
    new = Job.objects.get(pk=dl.replayed_job_id)
    assert new.replay_of_dead_letter_id == dl_id and new.payload == {"ref": "doc:1"} and new.status == "queued"
    outcomes = list(new_audit.filter(action="job_dead_letter.replay").order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["refused", "refused", "applied"]
    # links: job -> dead letter -> replayed job
    job_page = client.get(reverse("admin:jobs_job_change", args=[job_id])).content.decode()
    assert f"/admin/jobs/jobdeadletter/{dl_id}/change/" in job_page
    assert f"/admin/jobs/job/{new.pk}/change/" in job_page
    dl_page = client.get(reverse("admin:jobs_jobdeadletter_change", args=[dl_id])).content.decode()
    assert f"/admin/jobs/job/{new.pk}/change/" in dl_page and f"/admin/jobs/job/{job_id}/change/" in dl_page


def test_forged_replay_by_a_reviewer_is_refused(client, role_users, substrate, new_audit):
    _, dl_id = dead_job()
    client.force_login(role_users["auditor"])
    response = post_action(client, "jobdeadletter", "replay", [dl_id], reason="sneaky")
    assert response.status_code == 403
    assert JobDeadLetter.objects.get(pk=dl_id).triage_status == "open"
    row = new_audit.get(actor="user:auditor1")
    assert (row.action, row.outcome) == ("job_dead_letter.replay", "refused")


def test_pause_and_resume_queue(client, role_users, new_audit):
    client.force_login(role_users["operator"])
    post_action(client, "queuestate", "pause", ["default"], reason="incident 42")
    state = QueueState.objects.get(pk="default")
    assert state.paused and state.paused_by == "user:operator1" and state.reason == "incident 42"
    post_action(client, "queuestate", "resume", ["default"], reason="incident over")
    assert not QueueState.objects.get(pk="default").paused
    assert list(new_audit.filter(target_table="queue_state").order_by("id").values_list("action", "outcome")) == [
        ("queue.pause", "applied"),
        ("queue.resume", "applied"),
    ]


JOB_ACTIONS = {
    ("job", "cancel"): {"operator"},
    ("job", "retry_now"): {"operator"},
    ("jobdeadletter", "mark_manual_replay"): {"operator"},
    ("jobdeadletter", "discard"): {"operator"},
    ("jobdeadletter", "replay"): {"operator"},
    ("queuestate", "pause"): {"operator"},
    ("queuestate", "resume"): {"operator"},
    ("jobschedule", "enable"): {"operator"},
}


@pytest.mark.parametrize("role", ["operator", "auditor"])
@pytest.mark.parametrize(("model", "action"), sorted(JOB_ACTIONS))
def test_job_actions_offered_by_role(client, role_users, role, model, action):
    client.force_login(role_users[role])
    page = client.get(reverse(f"admin:jobs_{model}_changelist")).content.decode()
    assert (f'<option value="{action}">' in page) == (role in JOB_ACTIONS[(model, action)])


def test_job_list_links_dead_letters_without_a_query_per_row(
    client, role_users, substrate, django_assert_max_num_queries
) -> None:
    dead = [dead_job() for _ in range(12)]
    client.force_login(role_users["operator"])
    url = reverse("admin:jobs_job_changelist") + "?status__exact=dead"
    with django_assert_max_num_queries(15):  # was 12 more: one per dead job on the page
        response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    for _job_id, dl_id in dead:
        assert reverse("admin:jobs_jobdeadletter_change", args=[dl_id]) in page


def test_job_and_dead_letter_pages_show_every_attempt(client, role_users, substrate):
    error = "builtins.ValueError: second try failed\nTraceback (most recent call last):\n  File x\nValueError"
    job_id = sql("SELECT fn_job_enqueue('demo.flaky', '{}'::jsonb, p_max_attempts => 2)")["job_id"]
    sql("SELECT fn_job_claim('w-one', NULL, 10, 60, 'pg_worker')")
    sql("SELECT fn_job_fail_or_retry(%s, 'w-one', 'first try failed', 1)", [job_id])
    with as_owner(), connection.cursor() as cursor:  # due now (the backoff is not what this test is about)
        cursor.execute("UPDATE job_queue SET run_at = now() WHERE id = %s", [job_id])
    sql("SELECT fn_job_claim('w-two', NULL, 10, 60, 'pg_worker')")
    dead = sql("SELECT fn_job_fail_or_retry(%s, 'w-two', %s, 2)", [job_id, error])
    assert dead["status"] == "dead"

    client.force_login(role_users["operator"])
    page = client.get(reverse("admin:jobs_job_change", args=[job_id])).content.decode()
    assert page.count("<tr><td>") >= 2
    for text in ("w-one", "w-two", "first try failed", "builtins.ValueError: second try failed", "<details>"):
        assert text in page, text
    letter = client.get(reverse("admin:jobs_jobdeadletter_change", args=[dead["dead_letter_id"]])).content.decode()
    for text in ("w-one", "w-two", "first try failed", "Traceback (most recent call last)"):
        assert text in letter, text


def test_retrying_a_dead_job_is_nothing_to_do_in_words_not_green(client, role_users, substrate):
    job_id, _ = dead_job()
    client.force_login(role_users["operator"])
    page = post_action(client, "job", "retry_now", [job_id], reason="try again", follow=True).content.decode()
    warning = re.search(r'<li class="warning">(.*?)</li>', page, re.S)
    assert warning, page[:3000]
    text = html.unescape(warning.group(1))
    assert text.startswith("Retry jobs now: 1 nothing to do — skipped "), text
    assert f"#{job_id}: dead jobs are replayed from their dead letter" in text
    assert "{" not in text and "applied" not in text
    assert '<li class="success">' not in page


def test_a_bulk_confirmation_shows_the_count_the_first_rows_and_how_many_more(client, role_users, substrate):
    sql(
        "SELECT fn_job_enqueue_many((SELECT jsonb_agg(jsonb_build_object('job_kind', 'demo.bulk')) "
        "FROM generate_series(1, 5000)))"
    )
    client.force_login(role_users["operator"])
    page_ids = list(Job.objects.order_by("-id").values_list("id", flat=True)[:50])
    page = post_action(client, "job", "cancel", page_ids, select_across=True, confirm="no").content.decode()
    assert re.search(r'<p id="governed-count"><strong>5000</strong> selected; the first 20:</p>', page), page[:3000]
    targets = page[page.index('<ul class="governed-targets">') :]
    targets = targets[: targets.index("</ul>")]
    assert targets.count("<li>") == 20
    assert '<li class="governed-more">… and 4980 more</li>' in targets


def test_a_closed_gate_refusal_points_to_the_request_that_would_open_it(client, role_users, substrate):
    from queuegov import gates
    from queuegov.actor import Actor

    _, dl_id = dead_job()
    client.force_login(role_users["operator"])
    page = post_action(client, "jobdeadletter", "replay", [dl_id], reason="try again", follow=True).content.decode()
    error = re.search(r'<li class="error">(.*?)</li>', page, re.S).group(1)
    assert 'queue.dlq_replay.enabled: <a href="/admin/queuegov/dotconfig/queue.dlq_replay.enabled/change/">' in error
    assert "request a change</a> to open it" in error

    operator = role_users["operator"]
    pending = gates.request_change(Actor.for_user(operator), operator, "queue.dlq_replay.enabled", "true", "replays")
    page = post_action(client, "jobdeadletter", "replay", [dl_id], reason="try again", follow=True).content.decode()
    error = re.search(r'<li class="error">(.*?)</li>', page, re.S).group(1)
    link = f'<a href="/admin/queuegov/gatechangerequest/{pending.value}/change/">change request #{pending.value}</a>'
    assert link in error
    assert "is pending (an approver decides it)" in error


def test_cancel_and_retry_are_offered_only_where_they_apply(client, role_users, substrate):
    dead, _ = dead_job()
    queued = sql("SELECT fn_job_enqueue('demo.later', '{}'::jsonb)")["job_id"]
    client.force_login(role_users["operator"])

    def buttons(job_id: int) -> set[str]:
        page = client.get(reverse("admin:jobs_job_change", args=[job_id])).content.decode()
        return set(re.findall(r'<input type="hidden" name="action" value="([a-z_]+)">', page))

    def offered(status: str) -> set[str]:
        page = client.get(reverse("admin:jobs_job_changelist"), {"status__exact": status}).content.decode()
        return set(re.findall(r'<option value="([a-z_]+)">', page)) & {"cancel", "retry_now"}

    assert buttons(dead) == set()  # replayed from its dead letter, never retried or cancelled
    assert buttons(queued) == {"cancel", "retry_now"}
    assert offered("dead") == set() and offered("succeeded") == set()
    assert offered("queued") == {"cancel", "retry_now"}
    assert offered("running") == {"cancel"} and offered("cancelled") == {"retry_now"}
    assert sql("SELECT fn_job_act_statuses('retry_now')") == ["queued", "cancelled"]
