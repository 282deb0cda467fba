"""Fail (with --check) when Meta.triggers and the trigger migrations disagree,
or when the database has a trigger switched off or missing."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from queuegov.trigger_drift import database_problems, find_drift_by_app, render_operations, write_migration


class Command(BaseCommand):
    help = (
        "Compare pgtrigger Meta.triggers with migrations (print the operations that would fix drift), and "
        "check that the database has every trigger installed and enabled."
    )

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--check", action="store_true", help="exit 1 on drift or a disabled/missing trigger")
        parser.add_argument("--write", action="store_true", help="write a trigger migration per drifted app")

    def handle(self, *args, check: bool = False, write: bool = False, **options) -> None:  # type: ignore[no-untyped-def]
        drift, by_app = find_drift_by_app()
        problems = database_problems()
        if problems is None:
            self.stdout.write("triggers: the database is not migrated; only Meta.triggers and migrations compared")
        elif not problems:
            self.stdout.write("triggers: every trigger is installed and enabled in the database")
        for problem in problems or []:
            self.stderr.write(problem)
        if not drift:
            self.stdout.write("triggers: no drift between Meta.triggers and migrations")
        for item in drift:
            self.stderr.write(str(item))
        if check and (drift or problems):
            found = []
            if drift:
                found.append(f"{len(drift)} trigger(s) drifted; run `manage.py trigger_drift` for the operations")
            if problems:
                found.append(f"{len(problems)} trigger(s) disabled or missing in the database")
            raise CommandError("; ".join(found))
        for app_label, operations in by_app.items():
            if write:
                self.stdout.write(f"wrote {write_migration(app_label, operations)}")
            else:
                self.stdout.write(f"# {app_label}\n{render_operations(operations)}")
