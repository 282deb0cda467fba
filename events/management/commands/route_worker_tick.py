"""Run route workers: one tick (cron) or --listen (wake on NOTIFY, poll as fallback)."""

from __future__ import annotations

import signal
import threading
import time
from typing import Any

import psycopg
from django.core.management.base import CommandError
from django.db import close_old_connections

from events import db
from jobs.worker import plain_connection
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
            self.report(self.run_once(options), options)
            return
        self.listen(options)

    def listen(self, options: dict[str, Any]) -> None:
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        workers = options["worker"] or db.route_worker_names()
        domains = db.route_worker_domains(workers)
        conn = plain_connection()
        for domain in domains:
            conn.execute(psycopg.sql.SQL("LISTEN {}").format(psycopg.sql.Identifier(f"queue_wake_{domain}")))
        self.stdout.write(f"{self.name}: listening on {', '.join(domains)} for {', '.join(workers)}")
        try:
            while not stop.is_set():
                close_old_connections()
                answer = self.run_once(options)
                if answer.get("processed"):
                    self.report(answer, options)
                    continue  # more may be waiting
                # Wait for a wake-up in short slices so SIGTERM is honoured promptly.
                deadline = time.monotonic() + options["interval"]
                while not stop.is_set() and time.monotonic() < deadline:
                    slice_ = min(0.5, max(deadline - time.monotonic(), 0.0))
                    if list(conn.notifies(timeout=slice_, stop_after=1)):
                        break
        finally:
            conn.close()
