"""Verify the audit trail's hash chain; exit 1 at the first broken link (docs/security.md)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from queuegov import db


class Command(BaseCommand):
    help = (
        "Recompute admin_action_audit's hash chain and report the first broken link: a row edited, "
        "rows deleted, or a missing tail. Exit 1 when the chain is broken. Print the head hash to keep "
        "it somewhere the database owner cannot reach."
    )

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--json", action="store_true", help="print the verdict as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        verdict = db.audit_verify()
        if options["json"]:
            self.stdout.write(json.dumps(verdict))
        if verdict["status"] != "ok":
            raise CommandError(
                f"audit trail broken at row {verdict.get('audit_id')} (link {verdict.get('chain_no')}): "
                f"{verdict['problem']}"
            )
        if not options["json"]:
            self.stdout.write(
                f"audit trail intact: {verdict['rows']} rows, head link {verdict['head_chain_no']} "
                f"sha256 {verdict['head_hash']}"
            )
