"""Shared shape of the cron-driven maintenance commands."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from jobs.services import maintenance
from queuegov.errors import QueuegovError, domain_errors


class TickCommand(BaseCommand):
    """Calls one SQL maintenance function; exit 0 when done, idle or gate closed."""

    name = ""

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--json", action="store_true", help="print the function's jsonb answer")

    def call(self, options: dict[str, Any]) -> Callable[[], dict[str, Any]]:
        raise NotImplementedError

    def summary(self, answer: dict[str, Any]) -> str:
        return ", ".join(f"{k}={v}" for k, v in answer.items() if k != "status")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with domain_errors():
                answer = maintenance(self.name, self.call(options))
        except QueuegovError as exc:
            raise CommandError(str(exc)) from exc
        except DatabaseError as exc:
            raise CommandError(f"{self.name}: database error: {exc}") from exc
        if options["json"]:
            self.stdout.write(json.dumps(answer, default=str))
        elif answer.get("status") == "gate_closed":
            self.stdout.write(f"{self.name}: gate {answer.get('gate')} is closed; nothing done")
        else:
            self.stdout.write(f"{self.name}: {answer.get('status')} {self.summary(answer)}".rstrip())
