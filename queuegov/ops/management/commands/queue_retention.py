"""Retention sweep: --dry-run (default) counts, --apply archives/deletes (gate queue.retention.enabled)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from queuegov.commands import TickCommand
from queuegov.ops import health


class Command(TickCommand):
    help = "Archive and delete finished jobs, old dead letters and old event partitions (in small batches)."
    name = "queue_retention"

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        super().add_arguments(parser)
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--dry-run", action="store_true", default=True, help="count only (default)")
        mode.add_argument("--apply", action="store_true", help="do it (needs queue.retention.enabled)")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--max-batches", type=int, default=20)

    def call(self, options: dict[str, Any]):  # type: ignore[no-untyped-def]
        if options["batch_size"] < 1 or options["max_batches"] < 1:
            raise CommandError("--batch-size and --max-batches must be at least 1")
        return lambda: health.retention(
            apply=options["apply"], batch_size=options["batch_size"], max_batches=options["max_batches"]
        )
