"""The admin as an operator's console, in a real browser against gunicorn
(docs/operations.md, "The admin" and "The dashboard"): acting from the
dashboard, an object page's own buttons, refusals in words, a bulk
confirmation at 5,000 rows, a 403 that explains itself, and a gate's value at
a past time. Each step leaves a screenshot in test-artifacts/e2e/."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from jobs.models import Job, JobDeadLetter, QueueState
from queuegov.models import DotConfigHistory
from tests.e2e.test_governance_flows import governed_open, sql

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

JOB_GATES = ("queue.job_substrate.enabled", "queue.worker.enabled")


def confirm(session, reason: str) -> None:
    """Fill the governed confirmation page's reason and confirm."""
    session.page.wait_for_selector("#governed-confirm-form")
    session.page.fill("#governed-confirm-form [name=reason]", reason)
    session.page.click("#governed-confirm-form input[type=submit]")
    session.page.wait_for_load_state("load")


def test_an_operator_acts_from_the_dashboard(login, staff):
    for key in JOB_GATES:
        governed_open(key)
    ids = [sql("SELECT fn_job_enqueue('demo.later', '{}'::jsonb)")["job_id"] for _ in range(3)]
    staff("olga", "operator")
    operator = login("olga")
    card = operator.page.locator('#qg-queues [data-queue="default"]')
    assert card.locator('[data-measure="ready"] b').inner_text() == "3"
    operator.shot("dashboard")
    card.locator('a[data-measure="ready"]').click()
    operator.page.wait_for_url(re.compile(r".*/admin/jobs/job/\?.*status__exact=queued.*"))
    listed = {int(i) for i in re.findall(r"/admin/jobs/job/(\d+)/change/", operator.page.content())}
    assert listed == set(ids)
    operator.shot("ready-jobs")

    operator.page.goto("/admin/")
    card.locator("button", has_text="Pause").click()
    confirm(operator, "deploy in progress")
    operator.page.wait_for_selector("ul.messagelist li.success")
    assert QueueState.objects.get(pk="default").paused
    operator.page.goto("/admin/")
    assert card.locator(".qg-badge").inner_text() == "paused"
    operator.shot("paused")
    card.locator("button", has_text="Resume").click()
    confirm(operator, "deploy done")
    operator.page.wait_for_selector("ul.messagelist li.success")
    assert not QueueState.objects.get(pk="default").paused


def test_triage_and_replay_from_the_dead_letter_s_own_page(login, staff):
    for key in (*JOB_GATES, "queue.dlq_replay.enabled"):
        governed_open(key)
    job_id = sql("SELECT fn_job_enqueue('e2e.flaky', '{\"ref\": \"doc:8\"}'::jsonb, p_max_attempts => 1)")["job_id"]
    sql("SELECT fn_job_claim('e2e-worker', NULL, 10, 60, 'pg_worker')")
    dl_id = sql("SELECT fn_job_fail_or_retry(%s, 'e2e-worker', 'TimeoutError: upstream', 1)", [job_id])[
        "dead_letter_id"
    ]
    staff("otto", "operator")
    operator = login("otto")
    page = f"/admin/jobs/jobdeadletter/{dl_id}/change/"
    operator.page.goto(page)
    operator.shot("dead-letter-page")
    operator.page.locator(".object-tools button", has_text="Triage: allow manual replay").click()
    confirm(operator, "upstream fixed, safe to rerun")
    operator.page.wait_for_selector("ul.messagelist li.success")
    operator.page.goto(page)
    operator.page.locator(".object-tools button", has_text=re.compile(r"^Replay")).click()
    confirm(operator, "rerun after the fix")
    operator.page.wait_for_selector("ul.messagelist li.success")
    operator.shot("replayed")
    dead_letter = JobDeadLetter.objects.get(pk=dl_id)
    assert dead_letter.triage_status == "replayed" and dead_letter.replayed_job_id is not None


def test_an_invalid_subscription_is_refused_in_words(login, staff):
    staff("olga", "operator")
    operator = login("olga")
    operator.page.goto("/admin/events/subscription/subscribe/")
    operator.page.select_option("#id_recipient_kind", "user")
    operator.page.fill("#id_recipient_ref", "olga")
    operator.page.fill("#id_reason", "everything, please")
    operator.page.click("#governed-form input[type=submit]")
    refusal = operator.page.wait_for_selector("ul.messagelist li.error").inner_text()
    operator.shot("refused")
    assert "subscription_matches_something: " in refusal
    assert "CONTEXT" not in refusal and "violates" not in refusal


def test_a_bulk_confirmation_of_5000_rows_shows_the_count_and_the_first_rows(login, staff):
    governed_open("queue.job_substrate.enabled")
    sql(
        "SELECT fn_job_enqueue_many((SELECT jsonb_agg(jsonb_build_object('job_kind', 'demo.bulk')) "
        "FROM generate_series(1, 5000)))"
    )
    staff("olga", "operator")
    operator = login("olga")
    page = operator.page
    page.goto("/admin/jobs/job/?status__exact=queued")
    page.check("#action-toggle")
    page.click(".actions .question a")  # "Select all 5000 jobs"
    page.select_option("select[name=action]", "cancel")
    page.click("button[name=index]")
    page.wait_for_selector("#governed-confirm-form")
    assert page.inner_text("#governed-count") == "5000 selected; the first 20:"
    assert page.locator("ul.governed-targets li").count() == 21
    assert page.inner_text("li.governed-more") == "… and 4980 more"
    operator.shot("bulk-confirmation")
    confirm(operator, "wrong batch")
    page.wait_for_selector("ul.messagelist li.success")
    assert Job.objects.filter(job_kind="demo.bulk", status="cancelled").count() == 5000


def test_a_403_says_why_and_leads_back(login, staff):
    staff("rita", "reviewer")
    reviewer = login("rita")
    response = reviewer.page.goto("/admin/queuegov/adminactionaudit/")
    assert response.status == 403
    assert reviewer.page.inner_text("h1") == "Not allowed"
    body = reviewer.page.inner_text("#qg-refused")
    assert "What to do:" in body and "signed in as rita, in reviewer" in body
    reviewer.shot("403")
    reviewer.page.click("#qg-refused a.button")
    reviewer.page.wait_for_url("**/admin/")


def test_an_auditor_asks_what_a_gate_was_at_a_past_time(login, staff):
    governed_open("queue.worker.enabled")
    opened = DotConfigHistory.objects.filter(config_id="queue.worker.enabled", new_value=True).latest("id")
    staff("aud", "auditor")
    auditor = login("aud")
    auditor.page.goto("/admin/queuegov/dotconfig/queue.worker.enabled/change/")
    auditor.page.fill("#qg-at", (opened.changed_at - timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S.%f"))
    auditor.page.click("#qg-value-at button")
    assert "was false at" in auditor.page.inner_text("#qg-value-at-answer")
    auditor.page.fill("#qg-at", opened.changed_at.strftime("%Y-%m-%d %H:%M:%S.%f"))
    auditor.page.click("#qg-value-at button")
    answer = auditor.page.inner_text("#qg-value-at-answer")
    assert "was true at" in answer and "by sql:e2e-b" in answer
    assert f"change request #{opened.gate_change_request_id}" in answer
    auditor.shot("value-at")


def test_the_busy_lists_fit_a_1366_px_screen(login, staff):
    """Long reasons, details and errors wrap; the columns after them stay on screen."""
    for key in JOB_GATES:
        governed_open(key)
    long = "a long operator reason that explains at length why this was done " * 4
    job_id = sql("SELECT fn_job_enqueue('e2e.flaky', '{}'::jsonb, p_max_attempts => 1)")["job_id"]
    sql("SELECT fn_job_claim('e2e-worker', NULL, 10, 60, 'pg_worker')")
    sql("SELECT fn_job_fail_or_retry(%s, 'e2e-worker', %s, 1)", [job_id, "RuntimeError: " + long])
    staff("aud", "auditor")
    staff("olga", "operator")
    operator = login("olga")
    operator.run_action("/admin/jobs/job/", [str(job_id)], "cancel", {"reason": long})
    auditor = login("aud")
    auditor.page.set_viewport_size({"width": 1366, "height": 900})
    for url, last_column in (
        ("/admin/queuegov/adminactionaudit/", "column-source"),
        ("/admin/jobs/jobdeadletter/", "column-replayed_link"),
        ("/admin/jobs/job/", "column-dead_letter"),
        ("/admin/events/inboxentry/", None),
    ):
        response = auditor.page.goto(url)
        assert response.status == 200, url
        overflow = auditor.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{url} is {overflow} px wider than the screen"
        if last_column:
            box = auditor.page.locator(f"#result_list th.{last_column}").bounding_box()
            assert box is not None and box["x"] + box["width"] <= 1366, (url, box)
        auditor.shot(url.strip("/").replace("/", "-") + "-1366")
