"""Staff users holding one of the role groups (reviewer, approver, operator, auditor)."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from queuegov.roles import ROLES, role_permissions

PASSWORD = "correct-horse-battery-staple-42"


class GroupFactory(DjangoModelFactory):
    """A role group with exactly the permissions ``queuegov.roles`` gives it."""

    class Meta:
        model = Group
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = "operator"

    @factory.post_generation
    def permissions(obj: Group, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create:
            return
        perms = extracted if extracted is not None else (role_permissions(obj.name) if obj.name in ROLES else [])
        obj.permissions.set(perms)


class UserFactory(DjangoModelFactory):
    """A staff user in the ``operator`` group unless told otherwise.

    ``UserFactory(approver=True)``, ``UserFactory(roles=["reviewer", "auditor"])``,
    ``UserFactory(roles=[])`` (staff without a role), ``UserFactory(superuser=True)``.
    The password is ``PASSWORD``.
    """

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    class Params:
        roles = ("operator",)
        reviewer = factory.Trait(roles=("reviewer",))
        approver = factory.Trait(roles=("approver",))
        operator = factory.Trait(roles=("operator",))
        auditor = factory.Trait(roles=("auditor",))
        superuser = factory.Trait(is_superuser=True, roles=())

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    is_staff = True
    is_active = True
    is_superuser = False
    password = factory.django.Password(PASSWORD)
    # a Params value reaches _create/_build only through a declaration
    role_names = factory.LazyAttribute(lambda o: list(o.roles))

    @classmethod
    def _build(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs.pop("role_names")
        return super()._build(model_class, *args, **kwargs)

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        names = kwargs.pop("role_names")
        user = super()._create(model_class, *args, **kwargs)
        user.groups.set([GroupFactory(name=name) for name in names])
        return user
