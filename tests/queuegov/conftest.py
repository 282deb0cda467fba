"""Fixtures for the governance admin tests: one staff user per role."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command

PASSWORD = "a-long-test-password-1"


@pytest.fixture
def roles(db) -> None:
    call_command("bootstrap_roles", verbosity=0)


@pytest.fixture
def make_user(roles) -> Callable[..., User]:
    def make(username: str, *role_names: str, superuser: bool = False, staff: bool = True) -> User:
        user = User.objects.create_user(username, password=PASSWORD, is_staff=staff, is_superuser=superuser)
        user.groups.set(Group.objects.filter(name__in=role_names))
        return user

    return make


@pytest.fixture
def role_users(make_user) -> dict[str, User]:
    return {role: make_user(f"{role}1", role) for role in ("reviewer", "approver", "operator", "auditor")}
