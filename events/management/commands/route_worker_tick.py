"""Run route workers: one tick (cron) or --listen (wake on NOTIFY, poll as fallback)."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management.base import CommandError
from django.db import close_old_connections

from events import db
from jobs.worker import Listener
from queuegov.commands import TickCommand
from queuegov.reconnect import GaveUp, Reconnect, drop_connection, is_connection_error

logger = logging.getLogger(__name__)


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
        workers = options["worker"] or db.route_worker_names()

        def tick() -> dict[str, Any]:
            results = {name: db.route_worker_run(name, options["batch_size"]) for name in workers}
            statuses = {r.get("status") for r in results.values()}
            if statuses == {"gate_closed"}:
                return next(iter(results.values()))
            return {
                "status": "ticked",
                "workers": results,
                "processed": sum(r.get("processed", 0) for r in results.values()),
            }

        return tick

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        if not options["listen"]:
            super().handle(*args, **options)
            return
        self.listen(options)

    def listen(self, options: dict[str, Any]) -> None:
        """Tick on every wake-up (and every --interval); survive a lost connection (docs/workers.md)."""
        stop = self.stop_on_signals()
        rc = Reconnect(self.name, logger, sleep=stop.wait)
        try:
            workers = rc.call(
                lambda: options["worker"] or db.route_worker_names(), reset=drop_connection, give_up=stop.is_set
            )
            domains = rc.call(lambda: db.route_worker_domains(workers), reset=drop_connection, give_up=stop.is_set)
        except GaveUp:
            return  # stopped before the database came back
        listener = Listener(domains)
        self.stdout.write(f"{self.name}: listening on {', '.join(domains)} for {', '.join(workers)}")
        try:
            while not stop.is_set():
                try:
                    close_old_connections()
                    answer = self.run_once(options)
                    rc.succeeded()
                    if answer.get("processed"):
                        self.report(answer, options)
                        continue  # more may be waiting
                    # Wait for a wake-up in short slices so SIGTERM is honoured promptly.
                    deadline = time.monotonic() + options["interval"]
                    while not stop.is_set() and time.monotonic() < deadline:
                        if listener.wait(min(0.5, max(deadline - time.monotonic(), 0.0))):
                            break
                except Exception as exc:
                    if not is_connection_error(exc):
                        raise
                    rc.failed(exc)
                    drop_connection()
                    listener.close()  # the next wait re-LISTENs
                    stop.wait(rc.delay())
        finally:
            listener.close()
