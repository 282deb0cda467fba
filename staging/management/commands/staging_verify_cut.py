"""VERIFY-CUT: check the information units a manifest's cut made (verified, problems, no_vector_ok)."""

from __future__ import annotations

from queuegov.audit import ActResult
from staging import services
from staging.management.commands._governed import GovernedCommand, verdict_lines


class Command(GovernedCommand):
    help = (
        "Verify the units of a manifest's cut: axes A sort_order, B section_type, C parent refs. Exits 1 on problems."
    )
    name = "staging_verify_cut"

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("record", type=int, help="the staging record id (consumed, cleaned or archived)")
        parser.add_argument("--reason", help="why (kept in the audit trail)")
        super().add_arguments(parser)

    def lines(self, result: ActResult) -> list[str]:
        return verdict_lines((result.value or {}).get("evidence"), sections=("manifest", "no_vector"))

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        actor, user = self.actor_and_user(options)
        result = services.verify_cut(actor, user, options["record"], reason=options["reason"])
        self.finish(result, options, problems=(result.value or {}).get("verdict") == "problems")
