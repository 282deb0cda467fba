"""Health, metrics and retention: thin readers over v_queue_health and friends."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from events import db as events_db
from queuegov.actor import Actor, actor_context
from queuegov.ops import db
from queuegov.ops.models import QueueMetricSample


def queue_health() -> dict[str, Any]:
    """fn_queue_health(): ``{"healthy", "problems", "rows", "checked_at"}``."""
    return db.queue_health()


def sample_metrics(now: datetime | None = None) -> dict[str, Any]:
    return db.metrics_sample(now)


def retention(
    *, apply: bool, batch_size: int = 5000, max_batches: int = 20, now: datetime | None = None
) -> dict[str, Any]:
    return db.retention(apply=apply, batch_size=batch_size, max_batches=max_batches, now=now)


def series(hours: int = 24, queue_name: str = "*") -> list[QueueMetricSample]:
    """The dashboard's samples for the last ``hours`` (one per minute at most)."""
    since = timezone.now() - timedelta(hours=hours)
    return list(QueueMetricSample.objects.filter(queue_name=queue_name, sampled_at__gte=since).order_by("sampled_at"))


def raise_problems(problems: list[dict[str, Any]]) -> int:
    """Raise each health problem as governance.problem.raised (as ``command:queue_health``)."""
    with actor_context(Actor.for_command("queue_health")):
        for p in problems:
            events_db.problem_raise(
                f"health: {p['section']} {p['name']} is {p['value']}",
                "v_queue_health",
                f"{p['section']}:{p['name']}",
                {"value": p["value"], "threshold": p.get("threshold")},
            )
    return len(problems)
