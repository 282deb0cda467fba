"""Role x action: exactly who may do what (docs/operations.md, "Roles")."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from queuegov.roles import role_permissions

# action name on its changelist → roles that are offered it
ACTIONS = {
    ("dotconfig", "request_change"): {"operator"},
    ("gatechangerequest", "approve"): {"approver"},
    ("gatechangerequest", "reject"): {"approver"},
    ("gatechangerequest", "withdraw"): {"operator"},
}
# screen → roles that may open it
SCREENS = {
    "dotconfig": {"reviewer", "approver", "operator", "auditor"},
    "gatechangerequest": {"reviewer", "approver", "operator", "auditor"},
    "dotconfighistory": {"reviewer", "approver", "operator", "auditor"},
    "adminactionaudit": {"auditor"},
    "eventdomainregistry": {"reviewer", "approver", "operator", "auditor"},
}
ROLES = ("reviewer", "approver", "operator", "auditor")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("model", "action"), sorted(ACTIONS))
def test_action_offered_only_to_its_roles(client, role_users, role, model, action):
    client.force_login(role_users[role])
    response = client.get(reverse(f"admin:queuegov_{model}_changelist"))
    if role not in SCREENS[model]:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    offered = f'<option value="{action}">' in response.content.decode()
    assert offered == (role in ACTIONS[(model, action)]), f"{role} offered {model}.{action}: {offered}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", sorted(SCREENS))
def test_screen_access(client, role_users, role, model):
    client.force_login(role_users[role])
    response = client.get(reverse(f"admin:queuegov_{model}_changelist"))
    assert response.status_code == (200 if role in SCREENS[model] else 403)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", sorted(SCREENS))
def test_nobody_adds_or_deletes_substrate_rows(client, role_users, role, model):
    client.force_login(role_users[role])
    response = client.get(reverse(f"admin:queuegov_{model}_add"))
    assert response.status_code == 403


def test_bootstrap_roles_is_idempotent_and_exact(roles, capsys):
    group = Group.objects.get(name="reviewer")
    approve = Group.objects.get(name="approver").permissions.get(codename="approve_gatechangerequest")
    group.permissions.add(approve)  # drift: a hand-added permission
    call_command("bootstrap_roles")
    out = capsys.readouterr().out
    reviewer_perms = len(role_permissions("reviewer"))
    assert f"reviewer: updated, {reviewer_perms} permissions (+0 -1)" in out
    call_command("bootstrap_roles")
    out = capsys.readouterr().out
    assert all("(+0 -0)" in line for line in out.strip().splitlines())
    assert not group.permissions.filter(codename="approve_gatechangerequest").exists()


def test_auditor_reads_everything_changes_nothing(roles):
    perms = set(Group.objects.get(name="auditor").permissions.values_list("codename", flat=True))
    assert {"view_adminactionaudit", "view_dotconfig", "view_gatechangerequest", "view_dotconfighistory"} <= perms
    assert all(p.startswith("view_") for p in perms)
