"""REJECT a staged manifest (pending_review or approved), with a reason."""

from __future__ import annotations

from staging import services
from staging.management.commands._governed import GovernedCommand


class Command(GovernedCommand):
    help = "Reject a pending_review or approved manifest."
    name = "staging_reject"

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("record", type=int, help="the staging record id")
        parser.add_argument("--reason", required=True, help="why (kept on the record and in the audit trail)")
        super().add_arguments(parser)

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        actor, user = self.actor_and_user(options)
        self.finish(services.reject(actor, user, options["record"], options["reason"]), options)
