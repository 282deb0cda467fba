"""Requeue (with backoff) or dead-letter jobs whose lease expired."""

from jobs import db
from jobs.management.commands._tick import TickCommand


class Command(TickCommand):
    help = "Reap expired job leases (gate queue.lease_reaper.enabled)."
    name = "lease_reaper"

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        super().add_arguments(parser)
        parser.add_argument("--batch-size", type=int, default=1000)

    def call(self, options):  # type: ignore[no-untyped-def]
        return lambda: db.lease_reaper(options["batch_size"])
