"""Put a user in a role group, or take them out (--revoke): audited, one transaction."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from queuegov.commands import GovernedCommand
from queuegov.roles import ROLES, grant_role


class Command(GovernedCommand):
    help = f"Give USER a role ({', '.join(ROLES)}) or, with --revoke, take it away. Audited."
    name = "grant_role"

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("username")
        parser.add_argument("role")
        parser.add_argument("--reason", required=True, help="kept in the audit trail")
        parser.add_argument("--revoke", action="store_true", help="take the role away instead")
        super().add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["role"] not in ROLES:
            raise CommandError(f"unknown role {options['role']!r}: the roles are {', '.join(ROLES)}")
        actor, user = self.actor_and_user(options)
        result = grant_role(
            actor, user, options["username"], options["role"], options["reason"], grant=not options["revoke"]
        )
        self.finish(result, options)
