"""Enqueue every due job_schedule slot exactly once."""

from jobs import db
from jobs.management.commands._tick import TickCommand


class Command(TickCommand):
    help = "Enqueue due scheduled jobs (gate queue.scheduler.enabled)."
    name = "schedule_tick"

    def call(self, options):  # type: ignore[no-untyped-def]
        return db.schedule_tick
