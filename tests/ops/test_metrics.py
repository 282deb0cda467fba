"""/metrics: Prometheus text for a scraper with the bearer token or a staff user
who may view gates; 403 for everyone else."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.django_db

TOKEN = "ops-test-metrics-token-0123456789abcdef"


def families(response) -> dict[str, object]:
    return {f.name: f for f in text_string_to_metric_families(response.content.decode())}


def assert_prometheus(response) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPE_LATEST
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]
    names = set(families(response))
    assert {"queuegov_healthy", "queuegov_gate_open", "queuegov_jobs_ready", "queuegov_dead_letters_open"} <= names


def test_anonymous_is_forbidden(client):
    response = client.get("/metrics")
    assert response.status_code == 403
    assert b"queuegov_" not in response.content


def test_staff_without_view_dotconfig_is_forbidden(client, make_user):
    client.force_login(make_user("ops-plain-staff"))
    assert client.get("/metrics").status_code == 403


def test_non_staff_with_the_permission_is_forbidden(client, make_user):
    user = make_user("ops-not-staff", staff=False)
    user.user_permissions.add(Permission.objects.get(codename="view_dotconfig", content_type__app_label="queuegov"))
    client.force_login(user)
    assert client.get("/metrics").status_code == 403


def test_staff_with_view_dotconfig_gets_prometheus_text(client, make_user):
    user = make_user("ops-viewer")
    user.user_permissions.add(Permission.objects.get(codename="view_dotconfig", content_type__app_label="queuegov"))
    client.force_login(user)
    assert_prometheus(client.get("/metrics"))


@pytest.mark.parametrize("role", ["operator", "auditor"])
def test_roles_that_view_gates_may_scrape(client, make_user, role):
    client.force_login(make_user(f"ops-{role}", role))
    assert_prometheus(client.get("/metrics"))


def test_bearer_token(client, settings):
    settings.METRICS_TOKEN = TOKEN
    assert_prometheus(client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"))


@pytest.mark.parametrize(
    "header",
    [f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", "Bearer ", TOKEN, f"Basic {TOKEN}", f"bearer{TOKEN}"],
)
def test_wrong_token_is_forbidden(client, settings, header):
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics", HTTP_AUTHORIZATION=header).status_code == 403


def test_no_token_configured_means_no_token_accepted(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer x").status_code == 403


def test_only_get(client, settings):
    settings.METRICS_TOKEN = TOKEN
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405


def test_healthy_gauge_follows_health(client, settings, ops, open_gate):
    settings.METRICS_TOKEN = TOKEN
    auth = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}
    healthy = families(client.get("/metrics", **auth))["queuegov_healthy"]
    assert [s.value for s in healthy.samples] == [1.0]

    open_gate("queue.heartbeat.enabled")
    ops.beat("ops-metrics-exec")
    ops.stale_check(3600)
    scraped = families(client.get("/metrics", **auth))
    assert [s.value for s in scraped["queuegov_healthy"].samples] == [0.0]
    stale = {s.labels["executor"]: s.value for s in scraped["queuegov_executor_stale"].samples}
    assert stale == {"ops-metrics-exec": 1.0}
