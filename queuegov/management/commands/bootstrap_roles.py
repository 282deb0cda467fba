"""Create the reviewer/approver/operator/auditor groups (idempotent)."""

from __future__ import annotations

import json
from dataclasses import asdict

from django.core.management.base import BaseCommand, CommandError

from queuegov.roles import bootstrap_roles


class Command(BaseCommand):
    help = "Create or update the role groups with exactly their permissions."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--json", action="store_true", help="print machine-readable output")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        try:
            results = bootstrap_roles()
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps([asdict(r) for r in results]))
            return
        for r in results:
            state = "created" if r.created else "updated"
            self.stdout.write(f"{r.role}: {state}, {r.permissions} permissions (+{r.added} -{r.removed})")
