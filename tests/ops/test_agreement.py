"""The dashboard (/admin/), /metrics and ``queue_health --json`` show the same numbers.

One seeded state, read three ways inside the one test transaction (so now()
and every count are the same for all three): some gates open, a fresh and a
stale executor, ready/scheduled/running jobs in two queues, open job and
routing dead letters, pending captures and events past a route cursor.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.django_db

OPEN_GATES = ("queue.job_substrate.enabled", "queue.worker.enabled", "queue.heartbeat.enabled", "event.emit_enabled")
DASHBOARD_TABLES = ("qg-gates", "qg-executors", "qg-dead-letters", "qg-events")
MEASURE = re.compile(r'data-measure="(\w+)"[^>]*>(?:<b>)?([^<]*)<')


class TableParser(HTMLParser):
    """Cell texts of the data rows of the tables with the given ids."""

    def __init__(self, ids: tuple[str, ...]) -> None:
        super().__init__()
        self.ids = ids
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and dict(attrs).get("id") in self.ids:
            self._table = dict(attrs)["id"]
            self.tables[self._table] = []
        elif self._table and tag == "tr":
            self._row = []
        elif self._row is not None and tag in ("td", "th"):
            self._cell = [] if tag == "td" else None

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag == "tr" and self._table and self._row is not None:
            if self._row:
                self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "td" and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def dashboard_tables(html: str) -> dict[str, list[list[str]]]:
    parser = TableParser(DASHBOARD_TABLES)
    parser.feed(html)
    assert set(parser.tables) == set(DASHBOARD_TABLES), f"missing tables: {set(DASHBOARD_TABLES) - set(parser.tables)}"
    return parser.tables


def queue_cards(html: str) -> dict[str, dict[str, float | None]]:
    """{queue: {measure: value}} from the dashboard's queue cards (data-queue, data-measure)."""
    section = html[html.index('<div class="qg-cards" id="qg-queues">') : html.index('<div class="qg-grid qg-charts">')]
    cards = {}
    for chunk in re.split(r'<div class="qg-card(?: bad)?" (?=data-queue=)', section)[1:]:
        queue = re.match(r'data-queue="([^"]+)"', chunk).group(1)
        cards[queue] = {name: number(value.strip()) for name, value in MEASURE.findall(chunk)}
    return cards


def number(text: str) -> float | None:
    return None if text in ("—", "") else float(text)


def metric_samples(text: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """{family: {sorted label items: value}}."""
    out: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return out


def by_label(samples: dict[tuple[tuple[str, str], ...], float], label: str) -> dict[str, float]:
    return {dict(labels)[label]: value for labels, value in samples.items()}


@pytest.fixture
def seeded(ops, open_gate, actor) -> dict[str, Any]:
    """The state all three readers must agree on; returns what was seeded."""
    for gate in OPEN_GATES:
        open_gate(gate)
    # Executors: both beat, both fall silent (clock moved forward), one comes back.
    ops.beat("ops-agree-fresh")
    ops.beat("ops-agree-stale", "external_worker")
    ops.stale_check(3600)
    ops.beat("ops-agree-fresh")
    # Dead letters first (each claims its queue), then running, then waiting jobs.
    ops.dead_letter("default")
    ops.dead_letter("maintenance")
    discarded = ops.dead_letter("default")
    actor("user:ops-agree-triager")
    answer = ops.call("SELECT fn_job_dead_letter_triage(%s, 'discarded', 'seeded as discarded')", discarded)
    assert answer["status"] == "triaged", answer
    ops.enqueue(queue="default", run_at_offset=-600)
    ops.enqueue(queue="default", run_at_offset=-590)
    ops.enqueue(queue="maintenance", run_at_offset=-580)
    assert len(ops.claim("ops-agree-w", ["default"], batch=2)) == 2
    assert len(ops.claim("ops-agree-w", ["maintenance"], batch=1)) == 1
    for offset in (-120, -60, -1):
        ops.enqueue(queue="default", run_at_offset=offset)
    ops.enqueue(queue="maintenance", run_at_offset=-90)
    for offset in (600, 7200):
        ops.enqueue(queue="default", run_at_offset=offset)
    ops.enqueue(queue="maintenance", run_at_offset=86400)
    # Routing dead letters: 2 open, 1 manual_replay, 1 discarded.
    route = ops.route("ops-agree-route")
    for event_id, triage in ((101, "open"), (102, "open"), (103, "manual_replay"), (104, "discarded")):
        ops.route_dead_letter(route, event_id, triage=triage)
    # Events: captures waiting for processing, and durable events past the job cursor.
    for ref in ("a", "b"):
        ops.capture("job.replayed", ref)
    for ref in ("1", "2", "3"):
        ops.emit("job.replayed", ref)
    ops.emit("system.queue_worker_recovered", "x")
    return {"discarded_dead_letter": discarded}


@pytest.fixture
def three_views(seeded, client, make_user) -> dict[str, Any]:
    out = StringIO()
    with pytest.raises(SystemExit) as exc:  # unhealthy: a stale executor
        call_command("queue_health", "--json", stdout=out)
    assert exc.value.code == 1
    health = json.loads(out.getvalue())

    client.force_login(make_user("ops-agree-admin", superuser=True))
    page = client.get("/admin/")
    assert page.status_code == 200
    scrape = client.get("/metrics")
    assert scrape.status_code == 200
    return {
        "health": health,
        "dashboard": dashboard_tables(page.content.decode()),
        "metrics": metric_samples(scrape.content.decode()),
        "html": page.content.decode(),
    }


def rows(health: dict[str, Any], section: str) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in health["rows"] if r["section"] == section}


def test_gates_agree(three_views):
    health = {name: int(r["value"]) for name, r in rows(three_views["health"], "gate").items()}
    dashboard = {cells[0]: int(cells[1] == "OPEN") for cells in three_views["dashboard"]["qg-gates"]}
    metrics = {k: int(v) for k, v in by_label(three_views["metrics"]["queuegov_gate_open"], "gate").items()}
    assert health == dashboard == metrics
    assert {name for name, is_open in health.items() if is_open} >= set(OPEN_GATES)
    assert health["queue.retention.enabled"] == 0


def test_executors_agree(three_views):
    health = {
        name: (r["detail"]["kind"], not r["healthy"], float(r["value"]))
        for name, r in rows(three_views["health"], "executor").items()
    }
    dashboard = {
        name: (kind, state == "STALE", float(ago.removesuffix(" s ago")))
        for name, kind, state, ago in three_views["dashboard"]["qg-executors"]
    }
    metrics_stale = three_views["metrics"]["queuegov_executor_stale"]
    silence = three_views["metrics"]["queuegov_executor_silence_seconds"]
    metrics = {
        dict(labels)["executor"]: (dict(labels)["kind"], bool(value), silence[labels])
        for labels, value in metrics_stale.items()
    }
    assert health == dashboard == metrics
    assert {name: stale for name, (_, stale, _) in health.items()} == {
        "ops-agree-fresh": False,
        "ops-agree-stale": True,
    }


def test_job_backlog_agrees(three_views):
    health = {
        name: (
            r["detail"]["ready"],
            r["detail"]["scheduled"],
            r["detail"]["running"],
            None if r["detail"]["oldest_ready_seconds"] is None else float(r["detail"]["oldest_ready_seconds"]),
        )
        for name, r in rows(three_views["health"], "job_backlog").items()
    }
    dashboard = {
        queue: (m["ready"], m["scheduled"], m["running"], m["oldest"])
        for queue, m in queue_cards(three_views["html"]).items()
    }
    m = three_views["metrics"]
    ready, scheduled = by_label(m["queuegov_jobs_ready"], "queue"), by_label(m["queuegov_jobs_scheduled"], "queue")
    running, oldest = (
        by_label(m["queuegov_jobs_running"], "queue"),
        by_label(m["queuegov_oldest_ready_seconds"], "queue"),
    )
    metrics = {q: (int(ready[q]), int(scheduled[q]), int(running[q]), oldest[q] if ready[q] else None) for q in ready}
    assert health == dashboard == metrics
    assert health["default"][:3] == (3, 2, 2)
    assert health["maintenance"][:3] == (1, 1, 1)
    assert health["default"][3] == pytest.approx(120, abs=1)
    assert health["maintenance"][3] == pytest.approx(90, abs=1)


def test_dead_letters_agree(three_views):
    health = {name: int(r["value"]) for name, r in rows(three_views["health"], "dead_letters").items()}
    dashboard = {cells[0]: int(cells[1]) for cells in three_views["dashboard"]["qg-dead-letters"]}
    metrics = {k: int(v) for k, v in by_label(three_views["metrics"]["queuegov_dead_letters_open"], "kind").items()}
    assert health == dashboard == metrics == {"jobs_open": 2, "routes_open": 3}


def test_event_backlog_agrees(three_views, ops):
    health = {name: int(r["value"]) for name, r in rows(three_views["health"], "event_backlog").items()}
    dashboard = {cells[0]: int(cells[1]) for cells in three_views["dashboard"]["qg-events"]}
    metrics = {k: int(v) for k, v in by_label(three_views["metrics"]["queuegov_event_backlog"], "name").items()}
    assert health == dashboard == metrics
    assert health["pending"] == ops.count("event_pending", "processed_at IS NULL") >= 2
    assert health["cursor:job_default/job"] == 3
    assert health["cursor:system_default/system"] == 1
    assert health["undelivered"] == 4


def test_health_verdict_agrees(three_views):
    health = three_views["health"]
    assert health["healthy"] is False
    [healthy] = three_views["metrics"]["queuegov_healthy"].values()
    assert healthy == 0.0
    assert f"UNHEALTHY: {len(health['problems'])} problem(s)" in three_views["html"]
    named = {(p["section"], p["name"]) for p in health["problems"]}
    assert ("executor", "ops-agree-stale") in named
    assert ("dead_letters", "routes_open") not in named  # 3 <= 10
