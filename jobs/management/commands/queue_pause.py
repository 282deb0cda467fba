"""Pause a queue (audited; workers stop claiming from it)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from jobs import services
from queuegov.actor import Actor


class Command(BaseCommand):
    help = "Pause a queue with a reason."
    verb = "pause"

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("queue")
        parser.add_argument("--reason", required=self.verb == "pause")
        parser.add_argument("--as-user", help="record the act as this staff user (needs the permission)")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        from django.contrib.auth import get_user_model

        user = None
        actor = Actor.for_command(f"queue_{self.verb}")
        if options["as_user"]:
            try:
                user = get_user_model().objects.get(username=options["as_user"], is_active=True)
            except get_user_model().DoesNotExist:
                raise CommandError(f"no active user {options['as_user']!r}") from None
            actor = Actor.for_user(user, source="command")
        act = services.pause_queue if self.verb == "pause" else services.resume_queue
        result = act(actor, user, options["queue"], options["reason"] or "")
        if options["json"]:
            import json

            self.stdout.write(
                json.dumps({"outcome": result.outcome, "message": result.message, "audit_id": result.audit_id})
            )
        else:
            self.stdout.write(f"queue_{self.verb} {options['queue']}: {result.outcome} — {result.message}")
        if result.outcome == "refused" and not result.message.startswith("gate_closed"):
            raise CommandError(result.message)
        if result.outcome == "failed":
            raise CommandError(result.message)
