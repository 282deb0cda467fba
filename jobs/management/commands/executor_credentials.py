"""Give an external executor host its own database login (docs/security.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jobs.executors import create_executor_login, describe
from queuegov.actor import Actor
from queuegov.dbroles import RoleSetupError
from queuegov.errors import QueuegovError


class Command(BaseCommand):
    help = (
        "Create (or rotate the password of) a database login for an external executor: a member of the "
        "executor role, bound to its kind and queues. Prints its connection URL once. Needs a "
        "MIGRATION_DATABASE_URL whose login has CREATEROLE."
    )

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("name", help="the login name, e.g. hermes_host_1")
        parser.add_argument(
            "--kind", required=True, help="executor kind: DOT, Agent, Hermes, Codex, external_worker, …"
        )
        parser.add_argument("--queues", default="", help="comma-separated queues it may claim from (default: any)")
        parser.add_argument("--json", action="store_true", help="print machine-readable output")

    def handle(self, *args: Any, **options: Any) -> None:
        queues = [q.strip() for q in options["queues"].split(",") if q.strip()] or None
        try:
            credentials = create_executor_login(
                options["name"], options["kind"], queues, actor=Actor.for_command("executor_credentials")
            )
        except (QueuegovError, RoleSetupError) as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(describe(credentials))
            return
        verb = "created" if credentials.created else "password rotated for"
        where = ", ".join(queues) if queues else "any queue"
        self.stdout.write(
            f"{verb} executor login {credentials.login} ({credentials.executor_kind}; claims from {where})"
        )
        self.stdout.write(f"DATABASE_URL={credentials.url}")
        self.stdout.write("The password is shown only now; run the command again to rotate it.")
