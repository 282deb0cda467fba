"""MARK a Markdown or text file: split it into pieces by headings and stage it for review."""

from __future__ import annotations

from staging import services
from staging.management.commands._governed import GovernedCommand


class Command(GovernedCommand):
    help = (
        "Mark a Markdown or text file as a staged manifest (pending_review). Re-marking an unchanged file is a no-op."
    )
    name = "staging_mark_file"

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("path", help="the Markdown (.md) or text file to mark")
        parser.add_argument("--doc-code", help="document code of the units (default: the file name, upper-cased)")
        super().add_arguments(parser)

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        actor, user = self.actor_and_user(options)
        result = services.mark_file(actor, user, options["path"], doc_code=options["doc_code"])
        self.finish(result, options)
