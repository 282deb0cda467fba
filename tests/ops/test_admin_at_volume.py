"""The admin's rules for big tables, checked on the SQL each changelist sends.

bench/admin_volume.py measures the times with 1,000,000 rows; these tests keep
the reasons from regressing on a small database: no ``SELECT DISTINCT`` over a
big table to list filter choices, and exact (indexable) searches instead of
``UPPER(col) = UPPER(term)``.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.ops.conftest import owner_exec

pytestmark = pytest.mark.django_db

BIG_TABLES = {
    "job_queue",
    "job_dead_letter",
    "event_outbox",
    "event_pending",
    "event_read",
    "event_subject_key",
    "iu_route_attempt",
    "iu_route_delivery",
    "iu_route_dead_letter",
    "admin_action_audit",
}
BIG_ADMINS = sorted(
    (m._meta.app_label, m._meta.model_name) for m in admin.site._registry if m._meta.db_table in BIG_TABLES
)


@pytest.fixture
def superuser_client(client, make_user):
    client.force_login(make_user("ops-volume-admin", superuser=True))
    return client


def changelist(app: str, model: str) -> str:
    return reverse(f"admin:{app}_{model}_changelist")


def get(client, url: str) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.get("Location"))
    return response.content.decode(), [q["sql"] for q in captured.captured_queries]


def test_every_big_table_has_an_admin_checked_here():
    tables = {admin_model._meta.db_table for admin_model in admin.site._registry}
    assert BIG_TABLES <= tables
    assert len(BIG_ADMINS) == len(BIG_TABLES)


@pytest.mark.parametrize(("app", "model"), BIG_ADMINS)
def test_no_distinct_scan_of_a_big_table_for_filter_choices(superuser_client, app, model):
    _, queries = get(superuser_client, changelist(app, model))
    distinct = [
        q
        for q in queries
        if "SELECT DISTINCT" in q
        and any(f'"{t}"' in q for t in BIG_TABLES)
        and "DATE_TRUNC" not in q  # date_hierarchy's date links (audit: 100,000 rows in ~30 ms)
    ]
    assert distinct == []


@pytest.mark.parametrize(
    ("app", "model", "term", "equality"),
    [
        ("jobs", "job", "corr-1", '"job_queue"."correlation_id" = '),
        ("jobs", "jobdeadletter", "test.kind", '"job_dead_letter"."job_kind" = '),
        ("events", "event", "corr-1", '"event_outbox"."causation_id" = '),
        ("events", "pendingevent", "key-1", '"event_pending"."stable_key" = '),
        ("events", "routeattempt", "42", '"iu_route_attempt"."event_id" = '),
        ("queuegov", "adminactionaudit", "user:x", '"admin_action_audit"."actor" = '),
    ],
)
def test_exact_searches_use_plain_equality(superuser_client, app, model, term, equality):
    _, queries = get(superuser_client, changelist(app, model) + f"?q={term}")
    column = equality.removesuffix(" = ")
    assert [q for q in queries if equality in q]
    assert not [q for q in queries if f"UPPER({column}" in q]


def test_exact_search_is_case_sensitive_and_finds_the_job(superuser_client, ops, jobs_on):
    job_id = ops.enqueue("test.ops.search")
    owner_exec("UPDATE job_queue SET correlation_id = 'Corr-XYZ' WHERE id = %s", [job_id])
    url = changelist("jobs", "job")
    html, _ = get(superuser_client, url + "?q=Corr-XYZ")
    assert f'href="/admin/jobs/job/{job_id}/change/' in html
    html, _ = get(superuser_client, url + "?q=corr-xyz")
    assert f'href="/admin/jobs/job/{job_id}/change/' not in html


def test_a_non_numeric_term_skips_an_integer_search_field(superuser_client):
    # "=event_id" on route attempts: "abc" is not cast, compared or scanned for.
    _, queries = get(superuser_client, changelist("events", "routeattempt") + "?q=abc")
    assert not [q for q in queries if '"iu_route_attempt"."event_id" =' in q]


def test_event_filters_list_registry_and_vocabulary_values(superuser_client, ops, open_gate):
    open_gate("event.emit_enabled")
    job_event = ops.emit("job.replayed", "f-1")
    system_event = ops.emit("system.queue_worker_recovered", "f-2")
    url = changelist("events", "event")
    html, _ = get(superuser_client, url)
    for choice in ("?event_domain=job", "?event_type=job.replayed", "?event_stream=health", "?severity=critical",
                   "?delivery_lane=immediate"):  # fmt: skip
        assert f'href="{choice}"' in html, choice

    html, _ = get(superuser_client, url + "?event_domain=job")
    assert f"/admin/events/event/{job_event}/change/" in html
    assert f"/admin/events/event/{system_event}/change/" not in html
    html, _ = get(superuser_client, url + "?event_stream=health")
    assert f"/admin/events/event/{system_event}/change/" in html
    assert f"/admin/events/event/{job_event}/change/" not in html


@pytest.mark.parametrize(
    ("app", "model", "choices"),
    [
        ("events", "routeattempt", ("?status=succeeded", "?status=failed", "?status=dry_run")),
        ("events", "routedelivery", ("?status=pending", "?status=dead_lettered")),
        ("events", "routedeadletter", ("?triage_status=open", "?triage_status=replayed")),
        ("events", "pendingevent", ("?event_type=job.dead_lettered",)),
        ("jobs", "jobdeadletter", ("?queue_name=default", "?queue_name=maintenance")),
        ("queuegov", "adminactionaudit", ("?source=admin", "?source=worker")),
    ],
)
def test_filter_choices_come_from_small_sources(superuser_client, app, model, choices):
    html, _ = get(superuser_client, changelist(app, model))
    for choice in choices:
        assert f'href="{choice}"' in html, choice


def test_route_attempt_status_filter_filters(superuser_client, ops):
    route = ops.route("ops-filter-route")
    for status in ("succeeded", "failed"):
        owner_exec(  # the route worker writes attempts; the fixture inserts them as the owner
            "INSERT INTO iu_route_attempt (event_id, route_id, worker_name, attempt_no, status, started_at,"
            " finished_at) VALUES (%s, %s, 'job_default', 1, %s, now(), now())",
            [1 if status == "succeeded" else 2, route, status],
        )
    html, _ = get(superuser_client, changelist("events", "routeattempt") + "?status=failed")
    assert html.count('class="field-attempt_no"') == 1
