"""The admin index as a dashboard: health by section and 24 h charts (server-rendered SVG)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString

from jobs import services as jobs_services
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


def sparkline(values: list[int], label: str) -> SafeString:
    """A 120 x 24 line of jobs succeeded per minute (the last hour)."""
    if len(values) < 2:
        return format_html('<span class="qg-spark-empty">{}</span>', "no samples yet")
    top = max(max(values), 1)
    step = 118 / (len(values) - 1)
    points = " ".join(f"{1 + i * step:.1f},{23 - v / top * 22:.1f}" for i, v in enumerate(values))
    return format_html(
        '<svg class="qg-spark" viewBox="0 0 120 24" width="120" height="24" role="img" aria-label="{}">'
        '<polyline fill="none" stroke="#1a7f37" stroke-width="1.5" points="{}"/></svg>',
        label,
        points,
    )


def _jobs(**filters: str) -> str:
    return reverse("admin:jobs_job_changelist") + "?" + urlencode(filters)


def queue_cards(backlog: list[dict[str, Any]], user: Any) -> list[dict[str, Any]]:
    """Each queue's numbers with the job list each leads to, its last hour and, for operators, pause/resume."""
    lines = db.queue_sparklines()
    may_pause = user is not None and user.has_perm(jobs_services.PERM_PAUSE)
    may_resume = user is not None and user.has_perm(jobs_services.PERM_RESUME)
    cards = []
    for row in backlog:
        queue, detail = row["name"], row["detail"]
        paused = bool(detail.get("paused"))
        done = lines.get(queue, [])
        queued = _jobs(status__exact="queued", queue__queue_name__exact=queue)
        running = _jobs(status__exact="running", queue__queue_name__exact=queue)
        cards.append(
            {
                "name": queue,
                "page": reverse("admin:jobs_queuestate_change", args=[queue]),
                "healthy": row["healthy"],
                "paused": paused,
                "measures": [
                    ("ready", detail.get("ready", 0), queued),
                    ("scheduled", detail.get("scheduled", 0), queued),
                    ("running", detail.get("running", 0), running),
                ],
                "oldest": detail.get("oldest_ready_seconds"),
                "last_hour": sum(done),
                "spark": sparkline(done, f"jobs succeeded per minute in {queue}, last hour"),
                "action": ("resume" if paused and may_resume else "pause" if not paused and may_pause else None),
            }
        )
    return cards


def gate_rows(gates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each gate's state, its pending change request and where to ask for one."""
    pending = db.pending_gate_requests()
    return [
        {
            **g,
            "pending": pending.get(g["name"]),
            "page": reverse("admin:queuegov_dotconfig_change", args=[g["name"]]),
        }
        for g in gates
    ]


# What a problem of each health section asks of an operator, and where to do it.
PROBLEM_ADVICE = {
    "job_backlog": ("jobs wait longer than the threshold: are workers running and the queue not paused?", "jobs"),
    "dead_letters": ("triage the open dead letters: replay, discard or reopen", "dead_letters"),
    "executor": ("an executor stopped beating: restart it, or retire it if it is gone", "executors"),
    "orphaned_work": ("no live executor claims this kind: start one (docs/executors.md)", "executors"),
    "event_backlog": ("events wait: are the event ticks scheduled and their gates open?", None),
    "gate": ("a gate is not in its expected state", "gates"),
}
PROBLEM_LINKS = {
    "jobs": "admin:jobs_job_changelist",
    "dead_letters": "admin:jobs_jobdeadletter_changelist",
    "executors": "admin:jobs_queueheartbeat_changelist",
    "gates": "admin:queuegov_dotconfig_changelist",
}


def problems_with_advice(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for p in problems:
        advice, link = PROBLEM_ADVICE.get(p["section"], ("see its detail in queue_health --json", None))
        out.append({**p, "advice": advice, "link": reverse(PROBLEM_LINKS[link]) if link else None})
    return out


def build(hours: int = 24, user: Any = None) -> dict[str, Any]:
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
        "problems": problems_with_advice(report["problems"]),
        "checked_at": parse_datetime(report["checked_at"]),  # shown in the site's one date format
        "gates": gate_rows(sections["gate"]),
        "executors": sections["executor"],
        # docs/executors.md: who can run what, and what nobody serves
        "executor_classes": classes,
        "backlog": sections["job_backlog"],
        "queues": queue_cards(sections["job_backlog"], user),
        "dead_letter_groups": db.dead_letter_groups(),
        "dead_letters_url": reverse("admin:jobs_jobdeadletter_changelist"),
        "queue_url": reverse("admin:jobs_queuestate_changelist"),
        "dead_letters": sections["dead_letters"],
        "event_backlog": sections["event_backlog"],
        "retention": sections["retention"],
        "charts": charts,
    }
