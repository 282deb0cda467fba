"""The admin index as a dashboard: health by section and 24 h charts (server-rendered SVG)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from queuegov.ops import db
from queuegov.ops.health import queue_health, series

BUCKET_MINUTES = 15
WIDTH, HEIGHT, PAD = 420, 120, 4


def _buckets(samples: list[Any], hours: int) -> dict[str, list[float]]:
    """Sum each measure into 15-minute buckets covering the last ``hours``."""
    now = timezone.now()
    start = now - timedelta(hours=hours)
    n = hours * 60 // BUCKET_MINUTES
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0] * n)
    last_backlog = [0.0] * n
    for s in samples:
        i = min(int((s.sampled_at - start).total_seconds() // (BUCKET_MINUTES * 60)), n - 1)
        if i < 0:
            continue
        sums["succeeded"][i] += s.succeeded
        sums["failures"][i] += s.dead + s.route_failures
        sums["events"][i] += s.events_emitted
        last_backlog[i] = float(s.ready + s.events_pending)
    sums["backlog"] = last_backlog
    for key in ("succeeded", "failures", "events"):
        sums[key]
    return dict(sums)


def svg_chart(values: list[float], title: str, colour: str) -> SafeString:
    """A small line chart; the y axis runs from 0 to the maximum."""
    top = max(values) if values and max(values) > 0 else 1.0
    step = (WIDTH - 2 * PAD) / max(len(values) - 1, 1)
    points = " ".join(
        f"{PAD + i * step:.1f},{HEIGHT - PAD - (v / top) * (HEIGHT - 2 * PAD):.1f}" for i, v in enumerate(values)
    )
    return format_html(
        '<figure class="qg-chart"><figcaption>{} <small>(max {} per {} min, last 24 h)</small></figcaption>'
        '<svg viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="{}">'
        '<rect x="0" y="0" width="{}" height="{}" fill="none" stroke="#ddd"/>'
        '<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/></svg></figure>',
        title,
        f"{top:,.0f}",
        BUCKET_MINUTES,
        WIDTH,
        HEIGHT,
        WIDTH,
        HEIGHT,
        title,
        WIDTH,
        HEIGHT,
        colour,
        points,
    )


def build(hours: int = 24) -> dict[str, Any]:
    """Everything the dashboard shows, from fn_queue_health and the metric samples."""
    report = queue_health()
    sections: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in report["rows"]:
        sections[row["section"]].append(row)
    buckets = _buckets(series(hours), hours)
    charts = format_html_join(
        "",
        "{}",
        (
            (svg_chart(buckets["succeeded"], "Throughput (jobs succeeded)", "#1a7f37"),),
            (svg_chart(buckets["failures"], "Failures (dead-lettered jobs + failed route attempts)", "#cf222e"),),
            (svg_chart(buckets["backlog"], "Backlog (ready jobs + pending events)", "#0969da"),),
            (svg_chart(buckets["events"], "Events emitted", "#8250df"),),
        ),
    )
    orphaned: dict[str, list[str]] = {}
    for row in sections["orphaned_work"]:
        orphaned.setdefault(row["detail"]["executor_class"], []).append(row["name"])
    classes = [{**c, "orphaned": sorted(orphaned.get(c["code"], []))} for c in db.executor_classes()]
    return {
        "healthy": report["healthy"],
        "problems": report["problems"],
        "checked_at": parse_datetime(report["checked_at"]),  # shown in the site's one date format
        "gates": sections["gate"],
        "executors": sections["executor"],
        # docs/executors.md: who can run what, and what nobody serves
        "executor_classes": classes,
        "backlog": sections["job_backlog"],
        "dead_letters": sections["dead_letters"],
        "event_backlog": sections["event_backlog"],
        "retention": sections["retention"],
        "charts": charts,
    }
