"""Pause a queue (audited; workers stop claiming from it)."""

from __future__ import annotations

from typing import Any

from jobs import services
from queuegov.commands import GovernedCommand


class Command(GovernedCommand):
    help = "Pause a queue with a reason."
    verb = "pause"

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"queue_{self.verb}"

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("queue")
        parser.add_argument("--reason", required=self.verb == "pause")
        super().add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        actor, user = self.actor_and_user(options)
        act = services.pause_queue if self.verb == "pause" else services.resume_queue
        self.finish(act(actor, user, options["queue"], options["reason"] or ""), options)
