"""Print v_queue_health; exit non-zero when something is unhealthy (for cron/monitoring)."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand

from queuegov.ops.health import queue_health, raise_problems


class Command(BaseCommand):
    help = "One-pane health; exit 1 when unhealthy (stale executor, dead letters, backlog or age over thresholds)."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--all", action="store_true", help="print every row, not only problems")
        parser.add_argument(
            "--raise-problems",
            action="store_true",
            help="also raise each problem as a governance.problem.raised event (for inboxes and routes)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = queue_health()
        if options["json"]:
            self.stdout.write(json.dumps(report, default=str))
        else:
            state = "healthy" if report["healthy"] else f"UNHEALTHY ({len(report['problems'])} problem(s))"
            self.stdout.write(f"queue_health: {state}")
            rows = report["rows"] if options["all"] else report["problems"]
            for row in rows:
                mark = "ok " if row.get("healthy", False) else "BAD"
                threshold = f" (threshold {row['threshold']})" if row.get("threshold") is not None else ""
                self.stdout.write(f"  {mark} {row['section']:<14} {row['name']:<40} {row['value']}{threshold}")
        if not report["healthy"]:
            if options["raise_problems"]:
                raised = raise_problems(report["problems"])
                self.stderr.write(f"queue_health: raised {raised} governance problem(s)")
            sys.exit(1)
