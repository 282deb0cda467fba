"""/metrics in Prometheus text format: the same figures as the dashboard and queue_health.

Protected: a bearer token (``METRICS_TOKEN``) for scrapers, or a logged-in
staff user who may view gates; anyone else gets 403.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.core import CollectorRegistry, GaugeMetricFamily
from prometheus_client.exposition import generate_latest

from queuegov.ops.health import queue_health
from queuegov.replica import from_replica


class HealthCollector:
    """One scrape = one fn_queue_health() call."""

    def __init__(self, report: dict[str, Any]) -> None:
        self.report = report

    def collect(self) -> Iterator[GaugeMetricFamily]:
        rows = self.report["rows"]
        healthy = GaugeMetricFamily("queuegov_healthy", "1 when v_queue_health reports no problem")
        healthy.add_metric([], 1 if self.report["healthy"] else 0)
        yield healthy
        gate = GaugeMetricFamily("queuegov_gate_open", "1 when the gate is open", labels=["gate"])
        stale = GaugeMetricFamily(
            "queuegov_executor_stale", "1 when the executor is stale", labels=["executor", "kind"]
        )
        silence = GaugeMetricFamily(
            "queuegov_executor_silence_seconds", "seconds since the last beat", labels=["executor", "kind"]
        )
        ready = GaugeMetricFamily("queuegov_jobs_ready", "ready queued jobs (capped at 100000)", labels=["queue"])
        scheduled = GaugeMetricFamily("queuegov_jobs_scheduled", "queued jobs not due yet", labels=["queue"])
        running = GaugeMetricFamily("queuegov_jobs_running", "running jobs", labels=["queue"])
        oldest = GaugeMetricFamily("queuegov_oldest_ready_seconds", "age of the oldest ready job", labels=["queue"])
        dead = GaugeMetricFamily("queuegov_dead_letters_open", "open dead letters", labels=["kind"])
        events = GaugeMetricFamily("queuegov_event_backlog", "event backlog (capped at 100000)", labels=["name"])
        orphaned = GaugeMetricFamily(
            "queuegov_orphaned_ready_jobs",
            "ready jobs of a kind no fresh executor claims (docs/executors.md)",
            labels=["executor_class", "job_kind"],
        )
        for row in rows:
            section, name, value, detail = row["section"], row["name"], row["value"] or 0, row["detail"] or {}
            if section == "gate":
                gate.add_metric([name], value)
            elif section == "executor":
                stale.add_metric([name, detail.get("kind", "")], 0 if row["healthy"] else 1)
                silence.add_metric([name, detail.get("kind", "")], value)
            elif section == "job_backlog":
                ready.add_metric([name], detail.get("ready", 0))
                scheduled.add_metric([name], detail.get("scheduled", 0))
                running.add_metric([name], detail.get("running", 0))
                oldest.add_metric([name], detail.get("oldest_ready_seconds") or 0)
            elif section == "dead_letters":
                dead.add_metric([name], value)
            elif section == "event_backlog":
                events.add_metric([name], value)
            elif section == "orphaned_work":
                orphaned.add_metric([detail.get("executor_class", ""), name], value)
        yield from (gate, stale, silence, ready, scheduled, running, oldest, dead, events, orphaned)


def _authorised(request: HttpRequest) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip(), token):
        return True
    user = request.user
    return bool(user.is_authenticated and user.is_staff and user.has_perm("queuegov.view_dotconfig"))


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _authorised(request):
        return HttpResponse(
            "forbidden: a staff session or the METRICS_TOKEN bearer token is required\n",
            status=403,
            content_type="text/plain",
        )
    registry = CollectorRegistry(auto_describe=False)
    with from_replica():  # the replica's figures, when there is one (docs/operations.md, "Scaling out")
        report = queue_health()
    registry.register(HealthCollector(report))
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
