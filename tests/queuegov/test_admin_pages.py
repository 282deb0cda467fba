"""Every admin page explains itself (docs/operations.md, "The admin"): no SQL
context or traceback reaches a user on any list or object page, whatever their
role, and a refusal is a page that says why and what to do."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client
from django.urls import NoReverseMatch, reverse

from queuegov.ops import demo
from tests.helpers import json_value, use_actor

pytestmark = pytest.mark.django_db

ROLES = ("reviewer", "approver", "operator", "auditor")
# One date format: ISO with seconds (queuegov/formats), never Python's str() of a datetime or Django's English one.
OTHER_DATES = re.compile(
    r"(?<!T)\d{2}:\d{2}:\d{2}\.\d{6}[+-]\d{2}:\d{2}|\b(?:a\.m\.|p\.m\.|midnight|noon)\b|[A-Z][a-z]{2}\. \d{1,2}, \d{4}"
)
LEAKS = re.compile(r"CONTEXT:|DETAIL:|Traceback \(most recent call last\)|PL/pgSQL function|psycopg\.errors")


@pytest.fixture
def seeded(roles, open_gate) -> dict[str, User]:
    """The demo's people and data, worked once: jobs done, dead letters, gates, a pending request, audit rows."""
    demo.ensure_accounts()
    demo.ensure_demo_data()
    use_actor("worker:pages")
    claimed = json_value("SELECT fn_job_claim('pages-w', NULL, 100, 60, 'pg_worker')")["jobs"]
    for job in claimed:
        if job["payload"].get("fail"):
            json_value("SELECT fn_job_fail_or_retry(%s, 'pages-w', 'demo failure', %s)", [job["id"], job["attempt"]])
        else:
            json_value("SELECT fn_job_ack(%s, 'pages-w', '{}'::jsonb, %s)", [job["id"], job["attempt"]])
    return {u.username: u for u in User.objects.filter(username__in=[*ROLES, "operator2"])}


def pages_of() -> list[str]:
    """Each registered screen's list and the object page of its first row, as the signed-in user sees them."""
    urls = []
    for model in admin.site._registry:
        opts = model._meta
        try:
            changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        except NoReverseMatch:
            continue
        urls.append(changelist)
        first = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
        if first is not None:
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first]))
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[first]))
    return urls


@pytest.mark.parametrize("role", ROLES)
def test_no_page_shows_sql_context_or_a_traceback(client, seeded, role) -> None:
    client.force_login(seeded[role])
    answered = {}
    for url in pages_of():
        response = client.get(url)
        answered[url] = response.status_code
        assert response.status_code in (200, 302, 403), f"{role} {url}: {response.status_code}"
        body = response.content.decode()
        assert not LEAKS.search(body), f"{role} {url}: {LEAKS.search(body).group(0)}"
        assert '<div class="breadcrumbs">' not in body, f"{role} {url}: Django 6 styles <ol class=breadcrumbs>"
        other_date = OTHER_DATES.search(body)
        assert not other_date, f"{role} {url}: {other_date.group(0)}"
        if response.status_code == 403:
            assert "What to do:" in body, f"{role} {url}: a bare 403"
    assert sum(1 for code in answered.values() if code == 200) > 10, answered


def test_a_403_says_what_was_refused_and_leads_back(client, make_user) -> None:
    client.force_login(make_user("rita", "reviewer"))
    response = client.get("/admin/queuegov/adminactionaudit/", HTTP_REFERER="http://testserver/admin/jobs/job/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "<h1>Not allowed</h1>" in body
    assert "Why:" in body and "What to do:" in body and "role groups" in body
    assert "signed in as <strong>rita</strong>, in reviewer" in body
    assert 'href="http://testserver/admin/jobs/job/"' in body  # back where they came from
    assert "403 Forbidden" not in body


def test_a_403_never_leads_back_to_another_site(client, make_user) -> None:
    client.force_login(make_user("rita", "reviewer"))
    body = client.get("/admin/queuegov/adminactionaudit/", HTTP_REFERER="https://evil.example/x").content.decode()
    assert "evil.example" not in body and 'href="/admin/"' in body


def test_a_forged_post_without_a_csrf_token_gets_a_page_that_says_so(make_user) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("olga", "operator"))
    response = client.post("/admin/jobs/job/", {"action": "cancel", "_selected_action": ["1"]})
    assert response.status_code == 403
    body = response.content.decode()
    assert "not sent from this site" in body and "Nothing was changed" in body


def test_an_invalid_subscription_is_refused_in_one_plain_sentence(client, make_user) -> None:
    from queuegov.models import AdminActionAudit

    client.force_login(make_user("olga", "operator"))
    response = client.post(
        "/admin/events/subscription/subscribe/",
        {"recipient_kind": "user", "recipient_ref": "olga", "reason": "no filter at all"},
        follow=True,
    )
    body = response.content.decode()
    assert not LEAKS.search(body), LEAKS.search(body).group(0)
    refusal = re.search(r'<li class="error">(.*?)</li>', body, re.S)
    assert refusal, body[:2000]
    text = html.unescape(refusal.group(1))
    # the rule's name and its own sentence (COMMENT ON CONSTRAINT), not PostgreSQL's wording
    assert text.startswith("Add subscription: 1 refused — subscription_matches_something: "), text
    assert "violates" not in text and "relation" not in text
    audit = AdminActionAudit.objects.order_by("-id").first()
    assert audit.outcome == "refused", (audit.outcome, audit.detail)
    assert "CONTEXT" not in (audit.detail or "")


def test_json_reads_one_key_per_line_and_times_read_one_way(client, seeded) -> None:
    from jobs.models import JobDeadLetter

    client.force_login(seeded["operator"])
    dead = JobDeadLetter.objects.order_by("-pk").first()
    page = client.get(f"/admin/jobs/jobdeadletter/{dead.pk}/change/").content.decode()
    snapshot = re.search(r'<div class="readonly">(\{<br>  &quot;.*?)</div>', page, re.S)
    assert snapshot, "the job snapshot is not indented JSON"
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC", page)  # dead_at, in the one format
    assert "/static/queuegov/admin.css" in page  # keeps the JSON's lines (white-space: pre-wrap)
    dashboard = client.get("/admin/").content.decode()
    assert re.search(r"Checked \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC", dashboard)


def test_an_object_page_carries_its_list_s_actions_and_its_audit_rows(client, seeded) -> None:
    from jobs.models import JobDeadLetter

    dead = JobDeadLetter.objects.order_by("-pk").first()
    page_url = f"/admin/jobs/jobdeadletter/{dead.pk}/change/"
    client.force_login(seeded["operator"])
    page = client.get(page_url).content.decode()
    buttons = re.findall(r'<input type="hidden" name="action" value="([a-z_]+)">', page)
    assert set(buttons) == {"mark_manual_replay", "discard", "reopen", "replay"}, buttons
    assert 'id="qg-object-audit"' not in page  # operators act; auditors read the trail
    # the page's button goes to the list's own confirmation, and on to one governed act
    confirm = client.post(
        "/admin/jobs/jobdeadletter/",
        {"action": "discard", "_selected_action": [str(dead.pk)], "index": "0"},
    ).content.decode()
    assert 'id="governed-confirm-form"' in confirm
    client.post(
        "/admin/jobs/jobdeadletter/",
        {"action": "discard", "_selected_action": [str(dead.pk)], "confirm": "yes", "reason": "known flaky doc"},
    )

    client.force_login(seeded["auditor"])
    page = client.get(page_url).content.decode()
    assert re.findall(r'<input type="hidden" name="action" value="([a-z_]+)">', page) == []
    audit = page[page.index('id="qg-object-audit"') :]
    assert "job_dead_letter.triage_discarded" in audit and "known flaky doc" in audit and "operator" in audit
    history = client.get(f"/admin/jobs/jobdeadletter/{dead.pk}/history/").content.decode()
    assert "job_dead_letter.triage_discarded" in history and "have a change history" not in history
    trail = client.get("/admin/queuegov/adminactionaudit/", {"target": f"job_dead_letter:{dead.pk}"})
    assert trail.status_code == 200 and "job_dead_letter.triage_discarded" in trail.content.decode()
    nothing = client.get("/admin/queuegov/adminactionaudit/", {"target": f"job_dead_letter:{dead.pk + 100000}"})
    assert 'id="result_list"' not in nothing.content.decode()  # no row names that object


def test_an_object_s_audit_trail_is_for_those_who_read_the_trail(client, seeded) -> None:
    from jobs.models import JobDeadLetter

    dead = JobDeadLetter.objects.order_by("-pk").first()
    client.force_login(seeded["operator"])
    response = client.get(f"/admin/jobs/jobdeadletter/{dead.pk}/history/")
    assert response.status_code == 403
    assert "view_adminactionaudit" in response.content.decode()


def test_a_gate_page_says_what_the_gate_was_at_a_past_time_and_which_request_set_it(client, seeded) -> None:
    from queuegov.models import DotConfigHistory

    opened = DotConfigHistory.objects.filter(config_id="queue.worker.enabled", new_value=True).latest("id")
    client.force_login(seeded["auditor"])
    url = "/admin/queuegov/dotconfig/queue.worker.enabled/change/"
    before = opened.changed_at - timedelta(seconds=1)
    page = client.get(url, {"at": before.strftime("%Y-%m-%d %H:%M:%S.%f")}).content.decode()
    answer = re.search(r'<p id="qg-value-at-answer">(.*?)</p>', page, re.S).group(1)
    assert "<code>false</code>" in answer
    after = client.get(url, {"at": opened.changed_at.strftime("%Y-%m-%d %H:%M:%S.%f")}).content.decode()
    answer = re.search(r'<p id="qg-value-at-answer">(.*?)</p>', after, re.S).group(1)
    assert "<code>true</code>" in answer and "by user:approver" in answer
    assert f"/admin/queuegov/gatechangerequest/{opened.gate_change_request_id}/change/" in answer
    # one spelling: JSON's, never Python's False/True/None beside it
    assert not re.search(r">\s*(False|True|None)\s*<|(False|True|None) →|→ (False|True|None)", after), "Python spelling"
    # the history names its change request as a link
    assert f'<a href="/admin/queuegov/gatechangerequest/{opened.gate_change_request_id}/change/">' in after
    bad = client.get(url, {"at": "last tuesday"}).content.decode()
    assert "give a time as YYYY-MM-DD HH:MM:SS" in bad and not LEAKS.search(bad)
