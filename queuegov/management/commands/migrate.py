"""``migrate`` as the owner role, then the declared privileges (docs/security.md).

Django's command, run on the migration login (MIGRATION_DATABASE_URL, or the
embedded server's superuser): it first makes sure the roles exist, then sets
the owner role so every object it creates belongs to the owner, and finally
grants exactly what queuegov/privileges.py declares.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.core.management.commands import migrate
from django.db import connections

from queuegov import dbroles, privileges


class Command(migrate.Command):
    help = (
        "Updates the database schema as the owner role (from MIGRATION_DATABASE_URL), "
        "then applies the declared privileges."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        database = options["database"]
        if options.get("check_unapplied") or options.get("plan"):
            super().handle(*args, **options)
            return
        try:
            with dbroles.migration_login(database, as_owner=False), connections[database].cursor() as cursor:
                report = dbroles.ensure_roles(cursor, app_password=dbroles.app_password())
                adopted = dbroles.adopt_objects(cursor) if dbroles.is_superuser(cursor) else 0
        except dbroles.RoleSetupError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] >= 2 or report.created or adopted:
            self.stdout.write(
                f"database roles: created {', '.join(report.created) or 'none'}; "
                f"{adopted} objects given to {dbroles.role_name('owner')}"
            )
        with dbroles.migration_login(database):
            super().handle(*args, **options)
            with connections[database].cursor() as cursor:
                dbroles.record_role_names(cursor)
            changed = privileges.apply(connections[database])
        if options["verbosity"] >= 2:
            self.stdout.write(f"privileges: {changed} grants and revokes applied")
