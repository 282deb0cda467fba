"""The web side of the trust boundary: URL lookups only through declared
filters, NUL bytes as a 400, a statement timeout per request, refused
writes audited on every admin screen (Django's own included), and a
Content-Security-Policy."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import OperationalError, connection

from queuegov.models import AdminActionAudit
from tests.helpers import sql_value

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, make_user):
    client.force_login(make_user("root", superuser=True))
    return client


@pytest.fixture
def auditor_client(client, make_user):
    client.force_login(make_user("audrey", "auditor"))
    return client


# ---------------------------------------------------------------------------
# URL lookups
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "/admin/jobs/job/?payload__icontains=doc",
        "/admin/jobs/job/?last_error__regex=.*",
        "/admin/jobs/job/?status__icontains=que",
        "/admin/auth/user/?password__startswith=pbkdf2",
        "/admin/queuegov/adminactionaudit/?reason__icontains=x",
        "/admin/axes/accessattempt/?get_data__icontains=password",
    ],
)
def test_undeclared_lookups_are_a_400(superuser_client, url: str) -> None:
    assert superuser_client.get(url).status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/admin/jobs/job/?status__exact=queued",
        "/admin/jobs/job/?queue__queue_name__exact=default",
        "/admin/queuegov/adminactionaudit/?occurred_at__year=2026",
        "/admin/events/routeattempt/?event_id=1",
        "/admin/events/routedeadletter/?event_id=1",
        "/admin/staging/stagingpayload/?record__id__exact=1",
        "/admin/staging/informationunit/?consumed_from_record__id__exact=1",
        "/admin/staging/informationunit/?created_by_run__id__exact=1",
        "/admin/auth/user/?is_staff__exact=1",
        "/admin/jobs/job/?q=42",
    ],
)
def test_declared_filters_and_links_still_work(superuser_client, url: str) -> None:
    assert superuser_client.get(url).status_code == 200


# ---------------------------------------------------------------------------
# NUL bytes
# ---------------------------------------------------------------------------
def test_a_nul_byte_in_a_filter_is_a_400_naming_the_parameter(superuser_client) -> None:
    response = superuser_client.get("/admin/jobs/job/", {"status__exact": "que\x00ued"})
    assert response.status_code == 400
    assert "status__exact" in response.content.decode() and "NUL" in response.content.decode()


def test_a_nul_byte_in_a_search_or_form_is_a_400(superuser_client) -> None:
    assert superuser_client.get("/admin/jobs/job/", {"q": "a\x00b"}).status_code == 400
    response = superuser_client.post("/admin/jobs/job/", {"action": "cancel_jobs", "_selected_action": ["1\x00"]})
    assert response.status_code == 400


# ---------------------------------------------------------------------------
# Statement timeout
# ---------------------------------------------------------------------------
def test_web_requests_run_under_the_statement_timeout(superuser_client, settings) -> None:
    settings.WEB_STATEMENT_TIMEOUT = "3s"
    assert superuser_client.get("/admin/").status_code == 200
    assert sql_value("SHOW statement_timeout") == "3s"


@pytest.mark.django_db(transaction=True)
def test_a_statement_past_the_timeout_is_cancelled(client, make_user, settings) -> None:
    client.force_login(make_user("root", superuser=True))
    settings.WEB_STATEMENT_TIMEOUT = "1ms"
    with pytest.raises(OperationalError, match="statement timeout"):
        client.get("/admin/")
    connection.close()


# ---------------------------------------------------------------------------
# Refused writes on every screen are audited
# ---------------------------------------------------------------------------
def refusals(action: str) -> list[tuple[str, str]]:
    return list(AdminActionAudit.objects.filter(action=action, outcome="refused").values_list("actor", "detail"))


def test_a_refused_delete_of_a_user_is_audited(auditor_client) -> None:
    victim = User.objects.create_user("victim")
    assert auditor_client.post(f"/admin/auth/user/{victim.pk}/delete/", {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=victim.pk).exists()
    assert refusals("user.delete") == [("user:audrey", "permission: audrey may not delete users")]


def test_a_refused_change_of_a_user_is_audited(auditor_client) -> None:
    victim = User.objects.create_user("victim")
    response = auditor_client.post(f"/admin/auth/user/{victim.pk}/change/", {"username": "pwned"})
    assert response.status_code == 403
    assert User.objects.get(pk=victim.pk).username == "victim"
    assert refusals("user.edit") == [("user:audrey", "permission: audrey may not change users")]


def test_a_refused_add_on_axes_is_audited(auditor_client) -> None:
    assert auditor_client.post("/admin/axes/accessattempt/add/", {}).status_code == 403
    assert refusals("accessattempt.add") == [("user:audrey", "permission: audrey may not add access attempts")]


def test_a_forged_action_hidden_behind_an_offered_one_is_audited(client, make_user) -> None:
    # Django runs getlist("action")[index]: the guard checks every value, not the last.
    client.force_login(make_user("olga", "operator"))
    response = client.post(
        "/admin/jobs/job/", {"action": ["delete_selected", "cancel_jobs"], "index": "0", "_selected_action": ["1"]}
    )
    assert response.status_code == 403
    [(actor, detail)] = refusals("job.delete_selected")
    assert actor == "user:olga" and "may not run action 'delete_selected'" in detail


def test_a_forged_bulk_delete_of_users_is_audited(auditor_client) -> None:
    victim = User.objects.create_user("victim")
    response = auditor_client.post(
        "/admin/auth/user/", {"action": "delete_selected", "_selected_action": [victim.pk], "post": "yes"}
    )
    assert response.status_code == 403
    assert User.objects.filter(pk=victim.pk).exists()
    [(actor, detail)] = refusals("user.delete_selected")
    assert actor == "user:audrey" and "may not run action 'delete_selected'" in detail


# ---------------------------------------------------------------------------
# Content-Security-Policy
# ---------------------------------------------------------------------------
def test_admin_pages_carry_a_content_security_policy_with_a_nonce(superuser_client) -> None:
    response = superuser_client.get("/admin/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.content.decode()
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]


def test_a_forged_action_keeps_the_reason_it_carried_in_the_audit_trail(client, make_user) -> None:
    client.force_login(make_user("rita", "reviewer"))
    response = client.post(
        "/admin/queuegov/gatechangerequest/",
        {"action": "approve", "_selected_action": ["1"], "confirm": "yes", "reason": "looks fine to me"},
    )
    assert response.status_code == 403
    row = AdminActionAudit.objects.filter(action="gate_change.approve").latest("id")
    assert (row.outcome, row.reason) == ("refused", "looks fine to me")


@pytest.mark.parametrize(
    ("model", "action", "act"),
    [
        ("queuegov.gatechangerequest", "approve", "gate_change.approve"),
        ("queuegov.dotconfig", "request_change", "gate_change.request"),
        ("jobs.job", "cancel", "job.cancel"),
        ("jobs.jobdeadletter", "discard", "job_dead_letter.triage_discarded"),
        ("jobs.jobdeadletter", "replay", "job_dead_letter.replay"),
        ("jobs.queuestate", "pause", "queue.pause"),
        ("jobs.jobschedule", "disable", "job_schedule.disable"),
        ("events.routedeadletter", "mark_manual_replay", "route_dead_letter.triage_manual_replay"),
        ("events.outboundroute", "dry_run", "outbound_route.set_dry-run"),
        ("events.eventtype", "retire", "event_type.set_retired"),
        ("events.subscription", "add_subscription", "subscription.add"),
        ("staging.stagingrecord", "verify_mark_dry_run", "staging.verify_mark"),
    ],
)
def test_a_refused_attempt_is_audited_under_the_act_s_own_name(model: str, action: str, act: str) -> None:
    """One name per audited act: a forged or disallowed attempt is found beside the applied ones."""
    from django.apps import apps
    from django.contrib import admin

    model_admin = admin.site._registry[apps.get_model(model)]
    assert model_admin.act_name(action) == act
