"""Health, metrics and retention: thin readers over v_queue_health and friends."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from queuegov.ops.models import QueueMetricSample


def _loads(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def queue_health() -> dict[str, Any]:
    """fn_queue_health(): ``{"healthy", "problems", "rows", "checked_at"}``."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT fn_queue_health()")
        return _loads(cursor.fetchone()[0])


def sample_metrics(now: datetime | None = None) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT fn_queue_metrics_sample(coalesce(%s, now()))", [now])
        return _loads(cursor.fetchone()[0])


def retention(
    *, apply: bool, batch_size: int = 5000, max_batches: int = 20, now: datetime | None = None
) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT fn_queue_retention(%s, %s, %s, coalesce(%s, now()))", [apply, batch_size, max_batches, now]
        )
        return _loads(cursor.fetchone()[0])


def series(hours: int = 24, queue_name: str = "*") -> list[QueueMetricSample]:
    """The dashboard's samples for the last ``hours`` (one per minute at most)."""
    since = timezone.now() - timedelta(hours=hours)
    return list(QueueMetricSample.objects.filter(queue_name=queue_name, sampled_at__gte=since).order_by("sampled_at"))


def raise_problems(problems: list[dict[str, Any]]) -> int:
    """Raise each health problem as governance.problem.raised (as ``command:queue_health``)."""
    from queuegov.actor import Actor, actor_context

    with actor_context(Actor.for_command("queue_health")), connection.cursor() as cursor:
        for p in problems:
            cursor.execute(
                "SELECT fn_governance_problem_raise(%s, 'v_queue_health', %s, %s::jsonb)",
                [
                    f"health: {p['section']} {p['name']} is {p['value']}",
                    f"{p['section']}:{p['name']}",
                    json.dumps({"value": p["value"], "threshold": p.get("threshold")}, default=str),
                ],
            )
    return len(problems)
