"""Shared shape of the cron-driven commands: one SQL call, one summary line.

Exit 0 when the work is done, when there was nothing to do, or when a gate is
closed (a closed gate is not a crash); CommandError (exit 1) on a real failure.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from queuegov.actor import Actor, actor_context
from queuegov.errors import QueuegovError, domain_errors


def run_as_command(name: str, call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``call`` as actor ``command:<name>`` (maintenance is not audited: cron runs it every minute)."""
    with actor_context(Actor.for_command(name)):
        return call()


def summarise(name: str, answer: dict[str, Any]) -> str:
    if answer.get("status") == "gate_closed":
        return f"{name}: gate {answer.get('gate')} is closed; nothing done"
    details = ", ".join(f"{k}={v}" for k, v in answer.items() if k != "status" and not isinstance(v, (list, dict)))
    return f"{name}: {answer.get('status')} {details}".rstrip()


class TickCommand(BaseCommand):
    """Calls one SQL maintenance function; subclasses say which."""

    name = ""

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--json", action="store_true", help="print the function's jsonb answer")

    def call(self, options: dict[str, Any]) -> Callable[[], dict[str, Any]]:
        raise NotImplementedError

    def run_once(self, options: dict[str, Any]) -> dict[str, Any]:
        try:
            with domain_errors():
                return run_as_command(self.name, self.call(options))
        except QueuegovError as exc:
            raise CommandError(str(exc)) from exc
        except DatabaseError as exc:
            raise CommandError(f"{self.name}: database error: {exc}") from exc

    def report(self, answer: dict[str, Any], options: dict[str, Any]) -> None:
        if options["json"]:
            self.stdout.write(json.dumps(answer, default=str))
        else:
            self.stdout.write(summarise(self.name, answer))

    def handle(self, *args: Any, **options: Any) -> None:
        self.report(self.run_once(options), options)
