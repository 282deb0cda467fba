"""Run the queuegov job worker (long-running, or --once / --max-jobs for cron)."""

from __future__ import annotations

import json
import logging

from django.core.management.base import BaseCommand, CommandError

from jobs.worker import Worker


class Command(BaseCommand):
    help = "Claim and run jobs; SIGTERM/SIGINT stop it gracefully (finishes or releases what it holds)."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--queues", default="", help="comma-separated queues (default: all)")
        parser.add_argument("--concurrency", type=int, default=1, help="jobs run at once (threads)")
        parser.add_argument("--batch-size", type=int, default=None, help="jobs per claim (default 50)")
        parser.add_argument("--lease-seconds", type=int, default=60)
        parser.add_argument("--interval", type=float, default=1.0, help="poll interval when idle (seconds)")
        parser.add_argument("--max-jobs", type=int, default=None, help="exit after claiming this many jobs")
        parser.add_argument("--once", action="store_true", help="drain what is ready, then exit")
        parser.add_argument("--no-listen", action="store_true", help="poll only (no LISTEN/NOTIFY)")
        parser.add_argument(
            "--ack-delay",
            type=float,
            default=0.1,
            help="report a finished job within this many seconds even before the next claim (bounds re-runs "
            "after a kill)",
        )
        parser.add_argument(
            "--worker-id", default=None, help="unique per process (default <host>:<pid>:<random>; docs/workers.md)"
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        queues = [q.strip() for q in options["queues"].split(",") if q.strip()] or None
        try:
            worker = Worker(
                queues=queues,
                concurrency=options["concurrency"],
                batch_size=options["batch_size"],
                lease_seconds=options["lease_seconds"],
                poll_interval=options["interval"],
                max_jobs=options["max_jobs"],
                once=options["once"],
                listen=not options["no_listen"],
                worker_id=options["worker_id"],
                ack_delay=options["ack_delay"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] >= 2:
            logging.getLogger("jobs").setLevel(logging.DEBUG)
        stats = worker.run().as_dict()
        if options["json"]:
            self.stdout.write(json.dumps({"worker_id": worker.worker_id, **stats}))
        else:
            gate = " (gate queue.worker.enabled closed)" if stats["gate_closed"] and not stats["claimed"] else ""
            self.stdout.write(
                f"worker {worker.worker_id}: claimed {stats['claimed']}, succeeded {stats['succeeded']}, "
                f"failed {stats['failed']}, refused {stats['refused']}, released {stats['released']}, "
                f"dropped {stats['dropped']} "
                f"in {stats['seconds']}s{gate}"
            )
