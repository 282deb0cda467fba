"""Run route workers: one tick (cron) or --listen (wake on NOTIFY, poll as fallback)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from events import db
from events.worker import run_listening, tick_workers
from queuegov.commands import TickCommand


class Command(TickCommand):
    help = "Tick route workers (gates event.routes_master.enabled + event.route_worker.enabled)."
    name = "route_worker_tick"

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        super().add_arguments(parser)
        parser.add_argument("--worker", action="append", help="worker name (repeatable; default: every enabled worker)")
        parser.add_argument("--batch-size", type=int, default=100)
        parser.add_argument("--listen", action="store_true", help="keep running; wake on queue_wake_<domain>")
        parser.add_argument("--interval", type=float, default=5.0, help="poll interval in --listen mode (seconds)")

    def call(self, options: dict[str, Any]):  # type: ignore[no-untyped-def]
        workers = options.get("_names") or options["worker"] or db.route_worker_names()
        return lambda: tick_workers(workers, options["batch_size"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        if not options["listen"]:
            super().handle(*args, **options)
            return
        run_listening(
            self.name,
            lambda names: self.run_once({**options, "_names": names}),
            workers=options["worker"],
            interval=options["interval"],
            stop=self.stop_on_signals(),
            announce=self.stdout.write,
            report=lambda answer: self.report(answer, options),
        )
