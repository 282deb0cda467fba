"""VERIFY-MARK a staged manifest: the dry run prints the verdict per axis; --apply approves it."""

from __future__ import annotations

from django.core.management.base import CommandError

from queuegov.audit import ActResult
from staging import services
from staging.management.commands._governed import GovernedCommand, verdict_lines


class Command(GovernedCommand):
    help = (
        "Verify-mark a staged manifest (axes A sort_order, B section_type, C parent refs). Dry run by default;"
        " --apply approves a passing manifest as --as-user (four-eyes: not its marker) with --approval-doc-id and"
        " --reason."
        " Exits 1 when the verdict has problems."
    )
    name = "staging_verify_mark"

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("record", type=int, help="the staging record id")
        parser.add_argument("--apply", action="store_true", help="approve the manifest if its verdict passes")
        parser.add_argument("--approval-doc-id", help="the approval document (required with --apply)")
        parser.add_argument("--reason", help="why (required with --apply; kept in the audit trail)")
        super().add_arguments(parser)

    def lines(self, result: ActResult) -> list[str]:
        return verdict_lines((result.value or {}).get("verdict"))

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        actor, user = self.actor_and_user(options)
        if options["apply"]:
            if not options["approval_doc_id"] or not options["reason"]:
                raise CommandError("--apply needs --approval-doc-id and --reason")
            if user is None:
                # four-eyes compares people: an approval is always a named user's
                raise CommandError("--apply needs --as-user: approvals are made by a named user, never by command")
            result = services.approve(actor, user, options["record"], options["approval_doc_id"], options["reason"])
        else:
            result = services.verify_mark(actor, user, options["record"], reason=options["reason"])
        verdict = ((result.value or {}).get("verdict") or {}).get("verdict")
        self.finish(result, options, problems=verdict == "problems")
