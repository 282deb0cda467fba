"""Create demo accounts (one per role) and demo data; prints the passwords."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from queuegov.ops.demo import ensure_accounts, ensure_demo_data


class Command(BaseCommand):
    help = "Create the demo staff accounts and demo data (idempotent)."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        passwords = ensure_accounts()
        created = ensure_demo_data()
        if options["json"]:
            self.stdout.write(json.dumps({"accounts": passwords, "created": created}))
            return
        for line in created:
            self.stdout.write(f"demo data: {line}")
        self.stdout.write("Demo accounts (log in at /admin/ on the demo server):")
        for username, password in passwords.items():
            self.stdout.write(f"  {username:<10} {password}")
