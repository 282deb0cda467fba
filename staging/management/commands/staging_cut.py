"""CUT an approved manifest into information units (guards G1-G7; the source file is re-read for G6)."""

from __future__ import annotations

from staging import services
from staging.management.commands._governed import GovernedCommand


class Command(GovernedCommand):
    help = (
        "Cut an approved manifest into information units. The source file is re-read and hashed: a file changed"
        " since it was marked fails guard G6 (source_changed)."
    )
    name = "staging_cut"

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("record", type=int, help="the staging record id")
        parser.add_argument("--reason", help="why (kept in the audit trail)")
        super().add_arguments(parser)

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        actor, user = self.actor_and_user(options)
        self.finish(services.cut(actor, user, options["record"], reason=options["reason"]), options)
