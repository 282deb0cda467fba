"""CLEANUP of staging records: expire, clean at 15 days, archive at 30 (dry run unless --apply)."""

from __future__ import annotations

from staging import services
from staging.management.commands._governed import GovernedCommand


class Command(GovernedCommand):
    help = (
        "Expire, clean and archive staging records. --dry-run (the default) prints what each pass would do;"
        " --apply does it (gate iu_core.retention_enabled; refused while another cleanup holds the lease)."
    )
    name = "staging_cleanup"

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--dry-run", action="store_true", help="report only (the default)")
        mode.add_argument("--apply", action="store_true", help="expire, clean and archive")
        super().add_arguments(parser)

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        actor, user = self.actor_and_user(options)
        self.finish(services.cleanup(actor, user, apply=options["apply"]), options)
