"""``manage.py grant_role``: the first people get their role groups by a governed,
audited act (docs/operations.md, "First users")."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from queuegov.models import AdminActionAudit

pytestmark = pytest.mark.django_db


def grant(*args: str) -> str:
    out = StringIO()
    call_command("grant_role", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def olga(roles) -> User:
    return User.objects.create_user("olga", password="a-long-password-1", is_staff=True)


def test_a_role_is_granted_and_revoked_each_time_with_its_audit_row(olga) -> None:
    assert grant("olga", "operator", "--reason", "new on-call operator").startswith("grant_role: applied")
    assert list(olga.groups.values_list("name", flat=True)) == ["operator"]
    row = AdminActionAudit.objects.filter(action="role.grant").latest("id")
    assert (row.outcome, row.reason, row.target_table, row.target_ids) == (
        "applied",
        "new on-call operator",
        "auth_user",
        [str(olga.pk)],
    )
    assert row.actor == "command:grant_role" and row.before_state == {"member": False}

    assert "nothing_to_do" in grant("olga", "operator", "--reason", "asked twice")
    grant("olga", "operator", "--revoke", "--reason", "left the rota")
    assert not olga.groups.exists()
    assert AdminActionAudit.objects.filter(action="role.revoke", outcome="applied").count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nobody", "operator", "--reason", "who is this"), "unknown_user: there is no active user nobody"),
        (("olga", "operator", "--reason", "x"), "reason_required"),
        (("olga", "superhero", "--reason", "why not"), "unknown role 'superhero': the roles are reviewer"),
    ],
)
def test_bad_input_is_refused_by_name_and_nothing_changes(olga, args, message) -> None:
    with pytest.raises(CommandError, match=message):
        grant(*args)
    assert not olga.groups.exists()
    assert not AdminActionAudit.objects.filter(action="role.grant", outcome="applied").exists()


def test_a_user_acting_needs_the_permission_to_change_users(olga) -> None:
    User.objects.create_user("rita", password="a-long-password-2", is_staff=True)
    with pytest.raises(CommandError, match=r"permission: rita lacks auth\.change_user"):
        grant("olga", "approver", "--reason", "promote her", "--as-user", "rita")
    assert not olga.groups.exists()
    assert AdminActionAudit.objects.filter(action="role.grant", outcome="refused").exists()
