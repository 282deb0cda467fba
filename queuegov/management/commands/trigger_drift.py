"""Fail (with --check) when Meta.triggers and the trigger migrations disagree."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from queuegov.trigger_drift import find_drift, render_operations


class Command(BaseCommand):
    help = "Compare pgtrigger Meta.triggers with migrations; print the operations that would fix drift."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--check", action="store_true", help="exit 1 if there is drift")

    def handle(self, *args, check: bool = False, **options) -> None:  # type: ignore[no-untyped-def]
        drift, operations = find_drift()
        if not drift:
            self.stdout.write("triggers: no drift between Meta.triggers and migrations")
            return
        for item in drift:
            self.stderr.write(str(item))
        if check:
            raise CommandError(f"{len(drift)} trigger(s) drifted; run `manage.py trigger_drift` for the operations")
        self.stdout.write(render_operations(operations))
