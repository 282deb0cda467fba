"""The SQL the operations layer calls, run through the gateway (queuegov.gateway)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from queuegov.gateway import call


def queue_health() -> dict[str, Any]:
    """fn_queue_health(): ``{"healthy", "problems", "rows", "checked_at"}``."""
    return call("SELECT fn_queue_health()")


def metrics_sample(now: datetime | None = None) -> dict[str, Any]:
    """fn_queue_metrics_sample: one row per queue (and ``*``) for the dashboard's charts."""
    return call("SELECT fn_queue_metrics_sample(coalesce(%s, now()))", [now])


def retention(*, apply: bool, batch_size: int, max_batches: int, now: datetime | None = None) -> dict[str, Any]:
    """fn_queue_retention: counts (dry run) or archives and deletes (gate queue.retention.enabled)."""
    return call("SELECT fn_queue_retention(%s, %s, %s, coalesce(%s, now()))", [apply, batch_size, max_batches, now])
