"""Create the installation's database roles (idempotent; docs/security.md)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from queuegov import dbroles


class Command(BaseCommand):
    help = (
        "Create the owner, app, executor and auditor roles if missing, let the migration login act as the "
        "owner, and prepare the schema. Runs on MIGRATION_DATABASE_URL (needs CREATEROLE); `migrate` does "
        "the same first."
    )

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--json", action="store_true", help="print machine-readable output")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with dbroles.migration_connect(as_owner=False) as conn, conn.cursor() as cursor:
                report = dbroles.ensure_roles(cursor, app_password=dbroles.app_password())
                conn.commit()
        except dbroles.RoleSetupError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps({"created": report.created, "present": report.present, "login": report.login}))
            return
        created = ", ".join(report.created) or "none"
        self.stdout.write(f"database roles: created {created}; present {', '.join(report.present) or 'none'}")
