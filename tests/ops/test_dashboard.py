"""The dashboard to act from (docs/operations.md, "The dashboard"): every number
leads to the list it counts, queues pause and resume from their card, gates lead
to their pending request or to asking for one, dead letters come grouped by kind
and error, and each problem says what to do."""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from jobs.models import QueueState
from tests.helpers import json_value

pytestmark = pytest.mark.django_db


def card(page: str, queue: str) -> str:
    start = page.index(f'data-queue="{queue}"')
    following = re.compile(r'<div class="qg-card(?: bad)?" data-queue=').search(page, start)
    return page[start : following.start() if following else page.index('<div class="qg-grid qg-charts">', start)]


@pytest.fixture
def new_pause_audit():
    from django.db.models import Max

    from queuegov.models import AdminActionAudit

    start = AdminActionAudit.objects.aggregate(last=Max("id"))["last"] or 0
    return lambda: AdminActionAudit.objects.filter(id__gt=start)


@pytest.fixture
def operator_client(client, role_users):
    client.force_login(role_users["operator"])
    return client


def test_each_number_of_a_queue_card_leads_to_the_jobs_it_counts(ops, jobs_on, operator_client) -> None:
    ready = [ops.enqueue(queue="default") for _ in range(3)]
    claimed = {j["id"] for j in ops.claim("ops-w1", ["default"], batch=1)}
    page = operator_client.get("/admin/").content.decode()
    links = dict(re.findall(r'data-measure="(\w+)" href="([^"]+)"><b>(?:\d+)</b>', card(page, "default")))
    assert set(links) == {"ready", "scheduled", "running"}
    listed = operator_client.get(html_lib.unescape(links["ready"]))
    assert listed.status_code == 200
    shown = {int(i) for i in re.findall(r"/admin/jobs/job/(\d+)/change/", listed.content.decode())}
    assert shown == set(ready) - claimed
    running = operator_client.get(html_lib.unescape(links["running"])).content.decode()
    assert {int(i) for i in re.findall(r"/admin/jobs/job/(\d+)/change/", running)} == claimed


def test_an_operator_pauses_from_the_card_with_a_reason_and_resumes_the_same_way(
    ops, jobs_on, operator_client, new_pause_audit
) -> None:
    ops.enqueue(queue="default")
    page = operator_client.get("/admin/").content.decode()
    form = card(page, "default")
    assert 'name="action" value="pause"' in form
    confirm = operator_client.post(
        "/admin/jobs/queuestate/", {"action": "pause", "_selected_action": ["default"], "index": "0"}
    ).content.decode()
    assert 'id="governed-confirm-form"' in confirm
    operator_client.post(
        "/admin/jobs/queuestate/",
        {"action": "pause", "_selected_action": ["default"], "confirm": "yes", "reason": "deploy in progress"},
    )
    assert QueueState.objects.get(pk="default").paused
    page = operator_client.get("/admin/").content.decode()
    default = card(page, "default")
    assert '<span class="qg-badge">paused</span>' in default and 'name="action" value="resume"' in default
    assert new_pause_audit().filter(action="queue.pause", outcome="applied", reason="deploy in progress").exists()


def test_who_may_not_pause_gets_no_button(ops, jobs_on, client, role_users) -> None:
    ops.enqueue(queue="default")
    client.force_login(role_users["auditor"])
    assert 'class="qg-card-action"' not in client.get("/admin/").content.decode()


def test_a_gate_leads_to_its_pending_request_or_to_asking_for_one(operator_client, role_users) -> None:
    from queuegov import gates
    from queuegov.actor import Actor

    user = role_users["operator"]
    pending = gates.request_change(Actor.for_user(user), user, "queue.worker.enabled", "true", "workers for the demo")
    page = operator_client.get("/admin/").content.decode()
    gate_rows = page[page.index('<table id="qg-gates">') :]
    gate_rows = gate_rows[: gate_rows.index("</table>")]
    worker = re.search(r"<tr><td><a[^>]*>queue\.worker\.enabled</a>.*?</tr>", gate_rows).group(0)
    assert f"/admin/queuegov/gatechangerequest/{pending.value}/change/" in worker and "pending" in worker
    notify = re.search(r"<tr><td><a[^>]*>queue\.notify\.enabled</a>.*?</tr>", gate_rows).group(0)
    assert "request a change" in notify and "/admin/queuegov/dotconfig/queue.notify.enabled/change/" in notify
    page_of_gate = operator_client.get("/admin/queuegov/dotconfig/queue.notify.enabled/change/").content.decode()
    assert 'name="action" value="request_change"' in page_of_gate


def test_dead_letters_come_grouped_by_kind_and_error_with_a_link(ops, jobs_on, operator_client) -> None:
    for _ in range(3):
        ops.dead_letter("default")
    page = operator_client.get("/admin/").content.decode()
    table = page[page.index('<table id="qg-dead-letter-groups">') :]
    table = table[: table.index("</table>")]
    row = re.search(r"<tr><td><a href=\"([^\"]+)\">test\.ops\.dies</a></td><td>boom</td><td>3</td>", table)
    assert row, table
    listed = operator_client.get(html_lib.unescape(row.group(1))).content.decode()
    assert len(set(re.findall(r"/admin/jobs/jobdeadletter/(\d+)/change/", listed))) == 3


def test_each_problem_says_what_to_do_and_where(ops, jobs_on, operator_client, set_config) -> None:
    set_config("queue.health.max_backlog", 1)
    ops.enqueue(run_at_offset=-3600)
    ops.enqueue()
    page = operator_client.get("/admin/").content.decode()
    problems = page[page.index('<ul class="qg-problems">') :]
    problem = re.search(r"<li><strong>job_backlog</strong> default:.*?</li>", problems, re.S).group(0)
    assert "are workers running and the queue not paused?" in problem
    assert 'href="/admin/jobs/job/"' in problem


def test_a_queue_card_draws_its_last_hour(ops, jobs_on, operator_client) -> None:
    ops.succeed(2, "default")
    now = timezone.now().replace(second=0, microsecond=0)
    for minutes in (3, 2, 1):
        json_value("SELECT fn_queue_metrics_sample(%s)", [now - timedelta(minutes=minutes)])
    default = card(operator_client.get("/admin/").content.decode(), "default")
    assert '<svg class="qg-spark"' in default
    assert re.search(r'<span data-measure="last_hour">\d+</span> done in the last hour', default)
