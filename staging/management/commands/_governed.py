"""Shared shape of the staging commands: one governed act, one summary line.

A command acts as ``--as-user USER`` (an active user holding the permission;
the audit trail and the ledger name them) or, without it, as the trusted
system actor ``command:<name>``. Exit 0 when the act was applied, was a dry
run, had nothing to do, or met a closed gate; exit 1 (CommandError) when a
rule refused it or it failed, and for a verdict with problems.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from queuegov.actor import Actor
from queuegov.audit import ActResult


class GovernedCommand(BaseCommand):
    name = ""

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--as-user", help="act as this active user (needs the permission); default command:<name>")
        parser.add_argument("--json", action="store_true", help="print the outcome and the SQL answer as JSON")

    def actor_and_user(self, options: dict[str, Any]) -> tuple[Actor, Any]:
        username = options.get("as_user")
        if not username:
            return Actor.for_command(self.name), None
        model = get_user_model()
        try:
            user = model.objects.get(username=username, is_active=True)
        except model.DoesNotExist:
            raise CommandError(f"no active user {username!r}") from None
        return Actor.for_user(user, source="command"), user

    def lines(self, result: ActResult) -> list[str]:
        """Extra lines for people (e.g. a verdict's problems); one summary line comes first."""
        return []

    def finish(self, result: ActResult, options: dict[str, Any], *, problems: bool = False) -> None:
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {"outcome": result.outcome, "message": result.message, "audit_id": result.audit_id,
                     "answer": result.value},
                    default=str,
                )
            )  # fmt: skip
        else:
            self.stdout.write(f"{self.name}: {result.outcome} — {result.message}")
            for line in self.lines(result):
                self.stdout.write(line)
        if result.outcome == "failed" or (result.outcome == "refused" and not result.message.startswith("gate_closed")):
            raise CommandError(result.message)
        if problems:
            raise CommandError(f"{self.name}: the verdict has problems")


def verdict_lines(verdict: dict[str, Any] | None, *, sections: tuple[str, ...] = ()) -> list[str]:
    """One line per axis and one per problem, for people."""
    if not verdict:
        return []
    lines = []
    parts = [(name, axis) for name, axis in sorted((verdict.get("axes") or {}).items())]
    parts += [(name, verdict[name]) for name in sections if isinstance(verdict.get(name), dict)]
    for name, axis in parts:
        state = "ok" if axis.get("ok") else f"{axis.get('problem_count')} problem(s)"
        lines.append(f"  axis {name}: {state} — {axis.get('check')}")
        for problem in axis.get("problems", []):
            where = (
                f"piece {problem['piece_no']}"
                if problem.get("piece_no") is not None
                else (f"unit {problem['unit_id']}" if problem.get("unit_id") is not None else "manifest")
            )
            lines.append(f"    {where}: {problem['problem']}")
    return lines
