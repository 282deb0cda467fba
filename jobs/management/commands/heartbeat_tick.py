"""Beat the heartbeat of an executor (for external executors driven by cron)."""

import json

from django.core.management.base import CommandError

from jobs import db
from jobs.management.commands._tick import TickCommand


class Command(TickCommand):
    help = "Record a heartbeat for an executor (gate queue.heartbeat.enabled)."
    name = "heartbeat_tick"

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        super().add_arguments(parser)
        parser.add_argument("--executor", required=True, help="executor name")
        parser.add_argument("--kind", default="external_worker", help="executor kind (e.g. DOT, Agent, PG_worker)")
        parser.add_argument("--meta", default="{}", help="JSON object of metadata")

    def call(self, options):  # type: ignore[no-untyped-def]
        try:
            meta = json.loads(options["meta"])
        except json.JSONDecodeError as exc:
            raise CommandError(f"--meta is not valid JSON: {exc}") from exc
        if not isinstance(meta, dict):
            raise CommandError("--meta must be a JSON object")
        return lambda: db.heartbeat_tick(options["executor"], options["kind"], meta)
