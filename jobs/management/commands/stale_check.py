"""Mark executors whose heartbeat went silent as stale."""

from jobs import db
from jobs.management.commands._tick import TickCommand


class Command(TickCommand):
    help = "Detect stale executors (gate queue.heartbeat.enabled)."
    name = "stale_check"

    def call(self, options):  # type: ignore[no-untyped-def]
        return db.stale_check
