#!/usr/bin/env python
"""Admin at volume: every changelist, the dashboard and /metrics with millions of rows.

Run from the project root::

    .venv/bin/python bench/admin_volume.py            # load once (kept), then measure
    .venv/bin/python bench/admin_volume.py --reload   # drop the database and load again

It uses a dedicated database, ``queuegov_volume`` by default (``--database``), on
the server named by ``BENCH_SERVER_URL`` (else ``DATABASE_URL``, else
``postgres://postgres@127.0.0.1:5432/postgres``), migrated with ``manage.py
migrate``. The first run loads, with ``INSERT … SELECT generate_series`` (fixture
data, not governed calls; every CHECK holds):

* 1,000,000 jobs in 3 queues (85 % succeeded over 60 days, 3 % ready, 2 %
  scheduled, 0.5 % running, 4.5 % cancelled, 5 % dead) and a dead letter per
  dead job (2 % open or manual_replay);
* 1,000,000 events over the previous and the current month's ``event_outbox``
  partitions (5 % undelivered), route cursors a few hundred events behind,
  100,000 ``event_pending`` captures (5 % unprocessed), 100,000 route
  deliveries, 200,000 route attempts over 24 h, 2,000 routing dead letters,
  100,000 inbox rows and 100,000 once-per-subject keys;
* 100,000 ``admin_action_audit`` rows over 90 days; 24 h of dashboard samples;
  four executors (one stale);

then ``VACUUM (ANALYZE)`` (what autovacuum does after a bulk load; without the
visibility map no index-only scan is possible). Later runs skip the load.

It then measures, in-process with Django's test ``Client`` as a superuser, the
server-side time of every registered admin changelist, filtered variants of the
big tables, the dashboard (``/admin/``) and ``/metrics``: one warm-up request,
then the median of 5. Each line says PASS or FAIL against 500 ms; a page over
budget is followed by ``EXPLAIN ANALYZE`` of its slowest query. Also timed:
``fn_queue_health()`` (route cursors near the head, and all at 0: the worst
case), one ``fn_queue_metrics_sample()`` and a retention dry run.
Exit status 1 when a page is over budget or does not answer 200.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = (
    os.environ.get("BENCH_SERVER_URL")
    or os.environ.get("DATABASE_URL")
    or "postgres://postgres@127.0.0.1:5432/postgres"
)
BUDGET_MS = 500.0
JOBS = 1_000_000
EVENTS = 1_000_000
AUDIT = 100_000
MARKER = "bench_admin_volume_loaded"
BENCH_USER = "bench-admin"
# The worst case for the figures that count events past each route cursor: no route worker ever ran.
CURSORS_AT_ZERO = "UPDATE iu_route_worker_cursor SET last_event_id = 0, last_tx_id = '0'"

# ---------------------------------------------------------------------------
# The load: (label, SQL) steps, each in its own transaction
# ---------------------------------------------------------------------------
LOAD_STEPS: list[tuple[str, str]] = [
    (
        "queues",
        "INSERT INTO queue_state (queue_name) VALUES ('default'), ('maintenance'), ('bulk') ON CONFLICT DO NOTHING;"
        # the bench's job kinds are registered, as an install registers its own (an enqueue_job route needs it)
        " INSERT INTO consumer_registry (job_kind, executor_class, description)"
        " SELECT k, 'pg_worker', 'bench' FROM unnest(ARRAY['bench.import', 'bench.export', 'bench.report']) AS k"
        " ON CONFLICT DO NOTHING",
    ),
    (
        f"{JOBS:,} jobs",
        f"""
        WITH base AS (
            -- (i * 7919) % 1000 spreads the statuses over neighbouring ids (not 50 dead jobs in a row)
            SELECT i, (i::bigint * 7919) % 1000 AS r, now() - make_interval(secs => ({JOBS} - i) * 5.184) AS created
            FROM generate_series(1, {JOBS}) AS i
        ), t AS (
            SELECT *, CASE WHEN r < 850 THEN 'succeeded' WHEN r < 900 THEN 'queued' WHEN r < 905 THEN 'running'
                           WHEN r < 950 THEN 'cancelled' ELSE 'dead' END AS st
            FROM base
        )
        INSERT INTO job_queue (job_kind, queue_name, payload, priority, status, attempts, max_attempts, retry_policy,
                               run_at, lease_owner, lease_until, created_by, created_at, started_at, finished_at,
                               last_error, result, correlation_id, executor_class)
        -- A bulk loader gives the class itself (the class stamp would look it up per row).
        SELECT (ARRAY['queuegov.noop', 'bench.import', 'bench.export', 'bench.report'])[1 + i % 4],
               (ARRAY['default', 'maintenance', 'bulk'])[1 + i % 3],
               jsonb_build_object('n', i),
               ((i % 5) - 2)::smallint,
               st,
               CASE st WHEN 'queued' THEN 0 WHEN 'cancelled' THEN 0 WHEN 'dead' THEN 3 ELSE 1 END,
               3,
               'default',
               CASE WHEN r BETWEEN 850 AND 879 THEN now() - make_interval(secs => i % 3600)
                    WHEN r BETWEEN 880 AND 899 THEN now() + make_interval(secs => 60 + i % 86400)
                    WHEN st = 'running' THEN now() - interval '2 minutes'
                    ELSE created END,
               CASE WHEN st = 'running' THEN 'bench-worker-' || (i % 8) END,
               CASE WHEN st = 'running' THEN now() + interval '5 minutes' END,
               'bench:loader',
               CASE WHEN st IN ('queued', 'running') THEN now() - make_interval(secs => 3600 + i % 3600)
                    ELSE created END,
               CASE WHEN st IN ('succeeded', 'dead') THEN created + interval '1 second'
                    WHEN st = 'running' THEN now() - interval '1 minute' END,
               CASE WHEN st IN ('succeeded', 'cancelled', 'dead') THEN created + interval '2 seconds' END,
               CASE WHEN st = 'dead' THEN 'bench: boom' END,
               CASE WHEN st = 'succeeded' THEN '{{"ok": true}}'::jsonb END,
               CASE WHEN i % 10 = 0 THEN 'corr-' || (i / 10) END,
               'pg_worker'
        FROM t
        """,
    ),
    (
        "job dead letters",
        # Fixture rows: the trigger-IN capture (job.dead_lettered) is skipped, so
        # the load does not also create 50,000 pending events.
        """
        SET LOCAL session_replication_role = replica;
        INSERT INTO job_dead_letter (job_id, job_kind, queue_name, attempts, max_attempts, last_error, job_snapshot,
                                     dead_at, triage_status, triaged_by, triaged_at, note)
        SELECT id, job_kind, queue_name, attempts, max_attempts, last_error,
               jsonb_build_object('id', id, 'job_kind', job_kind, 'queue_name', queue_name, 'payload', payload),
               finished_at,
               CASE WHEN id % 50 = 0 THEN 'open' WHEN id % 50 = 1 THEN 'manual_replay' ELSE 'discarded' END,
               CASE WHEN id % 50 <> 0 THEN 'user:bench-operator' END,
               CASE WHEN id % 50 <> 0 THEN finished_at + interval '1 hour' END,
               CASE WHEN id % 50 <> 0 THEN 'bench triage' END
        FROM job_queue WHERE status = 'dead'
        """,
    ),
    (
        f"{EVENTS:,} events",
        f"""
        WITH types AS (
            SELECT array_agg(event_type ORDER BY event_type) AS t, array_agg(event_domain ORDER BY event_type) AS d,
                   array_agg(event_stream::text ORDER BY event_type) AS s,
                   array_agg(delivery_lane::text ORDER BY event_type) AS l, count(*)::integer AS n
            FROM event_type_registry
        ), span AS (
            SELECT date_trunc('month', now() - interval '1 month') AS t0, now() AS t1
        ), base AS (
            SELECT i, 1 + i % types.n AS k, span.t0 + (span.t1 - span.t0) * (i::float8 / {EVENTS}) AS created
            FROM generate_series(1, {EVENTS}) AS i, types, span
        )
        INSERT INTO event_outbox (event_domain, event_stream, event_type, delivery_lane, severity, payload,
                                  event_subject_table, event_subject_ref, correlation_id, actor, occurred_at,
                                  created_at, delivered_at)
        SELECT types.d[k], types.s[k], types.t[k], types.l[k], (ARRAY['info', 'warning', 'critical', NULL])[1 + i % 4],
               jsonb_build_object('n', i), 'job_queue', i::text,
               CASE WHEN i % 2 = 0 THEN 'corr-' || (i / 20) END, 'bench:loader', created, created,
               CASE WHEN i % 20 = 0 THEN NULL ELSE created + interval '1 second' END
        FROM base, types
        """,
    ),
    (
        "route cursors a few hundred events behind the head",
        """
        UPDATE iu_route_worker_cursor c
           SET last_tx_id = coalesce((SELECT tx_id FROM event_outbox e WHERE e.event_domain = c.event_domain
                                      ORDER BY tx_id DESC, id DESC OFFSET 300 LIMIT 1), '0'),
               last_event_id = coalesce((SELECT id FROM event_outbox e WHERE e.event_domain = c.event_domain
                                         ORDER BY tx_id DESC, id DESC OFFSET 300 LIMIT 1), 0),
               last_run_at = now()
        """,
    ),
    (
        "100,000 pending captures",
        """
        WITH types AS (SELECT array_agg(event_type ORDER BY event_type) AS t, count(*)::integer AS n
                       FROM event_type_registry)
        INSERT INTO event_pending (event_type, event_subject_table, event_subject_ref, correlation_id,
                                   capture_payload, actor, captured_at, processed_at, error_count, last_error)
        SELECT types.t[1 + i % types.n], 'job_queue', i::text, 'pending-' || i, jsonb_build_object('n', i),
               'bench:loader', now() - make_interval(secs => (100000 - i) * 2),
               CASE WHEN i % 20 = 0 THEN NULL ELSE now() - make_interval(secs => (100000 - i) * 2 - 1) END,
               CASE WHEN i % 100 = 0 THEN 1 ELSE 0 END,
               CASE WHEN i % 100 = 0 THEN 'bench: transient' END
        FROM generate_series(1, 100000) AS i, types
        """,
    ),
    (
        "routes, 100,000 deliveries, 200,000 attempts, 2,000 routing dead letters",
        """
        CREATE OR REPLACE FUNCTION fn_bench_sink(e jsonb) RETURNS jsonb LANGUAGE sql AS 'SELECT e';
        DO $$ BEGIN EXECUTE format('GRANT EXECUTE ON FUNCTION fn_bench_sink(jsonb) TO %I', fn_db_role('app')); END $$;
        INSERT INTO iu_route_target (function_name, description, registered_by, updated_by)
        VALUES ('fn_bench_sink', 'bench: a sink route target', 'bench:loader', 'bench:loader')
        ON CONFLICT DO NOTHING;
        INSERT INTO iu_outbound_route (route_name, event_type, action_kind, target, enabled, dry_run, description,
                                       created_by, updated_by, gate_key)
        SELECT n, t, k, g, true, true, 'bench', 'bench:loader', 'bench:loader', fn_iu_outbound_route_gate_key(n)
          FROM (VALUES ('bench-notify', 'job.*', 'notify', 'bench_channel'),
                       ('bench-call', 'system.*', 'call_function', 'fn_bench_sink'),
                       ('bench-enqueue', 'governance.*', 'enqueue_job', 'bench.import')) AS r(n, t, k, g)
        ON CONFLICT (route_name) DO NOTHING;
        WITH r AS (SELECT array_agg(id ORDER BY id) AS ids FROM iu_outbound_route WHERE route_name LIKE 'bench-%'),
             m AS (SELECT max(id) AS top FROM event_outbox)
        INSERT INTO iu_route_delivery (event_id, route_id, status, attempts, last_error, updated_at)
        SELECT m.top - i, r.ids[1 + i % 3],
               CASE WHEN i % 50 = 0 THEN 'dead_lettered' WHEN i % 10 = 0 THEN 'pending' ELSE 'succeeded' END,
               1 + i % 3, CASE WHEN i % 50 = 0 THEN 'bench: refused' END,
               now() - make_interval(secs => i)
        FROM generate_series(0, 99999) AS i, r, m;
        WITH r AS (SELECT array_agg(id ORDER BY id) AS ids FROM iu_outbound_route WHERE route_name LIKE 'bench-%'),
             m AS (SELECT max(id) AS top FROM event_outbox)
        INSERT INTO iu_route_attempt (event_id, route_id, worker_name, attempt_no, status, error, result,
                                      started_at, finished_at)
        SELECT m.top - i / 2, r.ids[1 + i % 3], 'job_default', 1 + i % 2,
               CASE WHEN i % 20 = 0 THEN 'failed' WHEN i % 7 = 0 THEN 'dry_run' ELSE 'succeeded' END,
               CASE WHEN i % 20 = 0 THEN 'bench: sink refused' END, NULL,
               now() - make_interval(secs => i * 0.432),
               now() - make_interval(secs => i * 0.432) + make_interval(secs => (i % 50) / 1000.0)
        FROM generate_series(0, 199999) AS i, r, m;
        WITH r AS (SELECT array_agg(id ORDER BY id) AS ids FROM iu_outbound_route WHERE route_name LIKE 'bench-%'),
             m AS (SELECT max(id) AS top FROM event_outbox)
        INSERT INTO iu_route_dead_letter (event_id, event_created_at, event_type, route_id, worker_name, attempts,
                                          last_error, event_snapshot, dead_at, triage_status, triaged_by,
                                          triaged_at, note, replayed_by, replayed_at)
        SELECT m.top - i * 50, now() - make_interval(secs => i * 600), 'job.dead_lettered', r.ids[1 + i % 3],
               'job_default', 5, 'bench: sink refused', jsonb_build_object('id', m.top - i * 50),
               now() - make_interval(secs => i * 600),
               (ARRAY['open', 'open', 'open', 'open', 'manual_replay', 'discarded', 'discarded', 'discarded',
                      'replayed', 'replayed'])[1 + i % 10],
               CASE WHEN i % 10 >= 4 THEN 'user:bench-operator' END,
               CASE WHEN i % 10 >= 4 THEN now() - make_interval(secs => i * 600 - 60) END,
               CASE WHEN i % 10 >= 4 THEN 'bench triage' END,
               CASE WHEN i % 10 >= 8 THEN 'user:bench-operator' END,
               CASE WHEN i % 10 >= 8 THEN now() - make_interval(secs => i * 600 - 120) END
        FROM generate_series(0, 1999) AS i, r, m
        """,
    ),
    (
        "100,000 inbox rows and 100,000 once-per-subject keys",
        """
        INSERT INTO event_read (event_id, event_created_at, recipient_kind, recipient_ref, via, delivered_at,
                                read_at, read_by)
        SELECT e.id, e.created_at, 'role', CASE WHEN e.id % 2 = 0 THEN 'operator' ELSE 'auditor' END,
               'default_broadcast', e.created_at + interval '2 seconds',
               CASE WHEN e.id % 10 < 7 THEN e.created_at + interval '1 hour' END,
               CASE WHEN e.id % 10 < 7 THEN 'bench-operator' END
        FROM (SELECT id, created_at FROM event_outbox ORDER BY id DESC LIMIT 100000) e;
        INSERT INTO event_subject_key (event_domain, event_type, event_subject_table, event_subject_ref, event_id,
                                       created_at)
        SELECT event_domain, event_type, event_subject_table, event_subject_ref, id, created_at
        FROM event_outbox WHERE id % 10 = 0
        """,
    ),
    (
        f"{AUDIT:,} audit rows",
        f"""
        SELECT set_config('queuegov.actor', 'bench:loader', true);
        INSERT INTO admin_action_audit (occurred_at, actor, roles, action, target_table, target_ids, reason,
                                        outcome, detail, source, request_id)
        SELECT now() - make_interval(secs => ({AUDIT} - i) * 77.76),
               (ARRAY['user:alice', 'user:bob', 'user:carol', 'command:queue_retention', 'worker:w1'])[1 + i % 5],
               ARRAY['operator'],
               (ARRAY['job.cancel', 'jobdeadletter.replay', 'dotconfig.request_change', 'gatechangerequest.approve',
                      'queuestate.pause', 'job.retry_now'])[1 + i % 6],
               'job_queue', ARRAY[i::text], 'bench reason',
               (ARRAY['applied', 'applied', 'applied', 'refused', 'failed', 'dry_run'])[1 + i % 6],
               CASE WHEN i % 6 IN (3, 4) THEN 'bench: refused or failed' END,
               (ARRAY['admin', 'command', 'worker', 'sql'])[1 + i % 4], 'bench-req-' || i
        FROM generate_series(1, {AUDIT}) AS i
        """,
    ),
    (
        "executors and 24 h of dashboard samples",
        """
        INSERT INTO queue_heartbeat (executor_name, executor_kind, status, last_beat_at, first_beat_at, beats)
        VALUES ('bench-worker-1', 'PG_worker', 'fresh', now(), now() - interval '1 day', 8640),
               ('bench-worker-2', 'PG_worker', 'fresh', now() - interval '5 seconds', now() - interval '1 day', 8640),
               ('bench-external', 'external_worker', 'fresh', now(), now() - interval '1 day', 8640),
               ('bench-silent', 'PG_worker', 'stale', now() - interval '1 hour', now() - interval '2 days', 100)
        ON CONFLICT DO NOTHING;
        INSERT INTO queue_metric_sample (sampled_at, queue_name, window_seconds, ready, running, succeeded, dead,
                                         events_emitted, events_pending, route_failures)
        SELECT date_trunc('minute', now()) - make_interval(mins => m), q, 60,
               (3000 + 2000 * sin(m / 90.0))::bigint, 40 + m % 17, (500 + 300 * cos(m / 60.0))::bigint, m % 3,
               CASE WHEN q = '*' THEN (700 + 200 * sin(m / 30.0))::bigint ELSE 0 END,
               CASE WHEN q = '*' THEN 100 + m % 50 ELSE 0 END, CASE WHEN q = '*' THEN m % 2 ELSE 0 END
        FROM generate_series(1, 1440) AS m, unnest(ARRAY['default', 'maintenance', 'bulk', '*']) AS q
        ON CONFLICT DO NOTHING
        """,
    ),
]


# ---------------------------------------------------------------------------
# Database set-up
# ---------------------------------------------------------------------------
def database_url(server_url: str, name: str) -> str:
    return urlsplit(server_url)._replace(path="/" + name).geturl()


def prepare_database(server_url: str, name: str, reload: bool) -> bool:
    """Create (or with ``reload`` re-create) and migrate the database; True when it holds the volume."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
        if exists and reload:
            print(f"dropping database {name} (--reload)")
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = False
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    env = {**os.environ, "DATABASE_URL": database_url(server_url, name)}
    for command in (["migrate", "--noinput", "-v", "0"], ["bootstrap_roles", "-v", "0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
    with psycopg.connect(database_url(server_url, name)) as conn:
        return conn.execute("SELECT to_regclass(%s) IS NOT NULL", [MARKER]).fetchone()[0]


def load(url: str) -> float:
    """Run LOAD_STEPS, VACUUM (ANALYZE), and write the marker; returns the seconds taken."""
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        for label, statement in LOAD_STEPS:
            t = time.perf_counter()
            with conn.transaction():
                conn.execute(statement)
            print(f"  loaded {label:<75} {time.perf_counter() - t:7.1f} s", flush=True)
    with psycopg.connect(url, autocommit=True) as conn:
        t = time.perf_counter()
        conn.execute("VACUUM (ANALYZE)")
        print(f"  {'VACUUM (ANALYZE)':<82} {time.perf_counter() - t:7.1f} s", flush=True)
        seconds = time.perf_counter() - started
        conn.execute(f"CREATE TABLE {MARKER} (loaded_at timestamptz NOT NULL DEFAULT now(), seconds numeric)")
        conn.execute(f"INSERT INTO {MARKER} (seconds) VALUES (%s)", [round(seconds, 1)])
    return seconds


def volume(url: str) -> list[tuple[str, int]]:
    tables = (
        "job_queue",
        "job_dead_letter",
        "event_outbox",
        "event_pending",
        "iu_route_attempt",
        "iu_route_delivery",
        "iu_route_dead_letter",
        "event_read",
        "event_subject_key",
        "admin_action_audit",
    )
    with psycopg.connect(url) as conn:
        return [(t, conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in tables]


# ---------------------------------------------------------------------------
# Measurement (in-process Django)
# ---------------------------------------------------------------------------
@dataclass
class Timing:
    label: str
    url: str
    runs_ms: list[float] = field(default_factory=list)
    status: int = 200
    queries: int = 0
    sql_ms: float = 0.0
    slowest: list[tuple[float, str, Any]] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.runs_ms) if self.runs_ms else float("nan")

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.median <= BUDGET_MS


class QueryLog:
    """connection.execute_wrapper: every query of a request with its time."""

    def __init__(self) -> None:
        self.queries: list[tuple[float, str, Any]] = []

    def __call__(self, execute: Callable[..., Any], sql_text: str, params: Any, many: bool, context: Any) -> Any:
        t = time.perf_counter()
        try:
            return execute(sql_text, params, many, context)
        finally:
            self.queries.append(((time.perf_counter() - t) * 1000, sql_text, params))


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "queuegov.settings")
    hosts = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
    os.environ["ALLOWED_HOSTS"] = ",".join([*hosts, "testserver"])
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def pages() -> list[tuple[str, str, str | None]]:
    """(label, URL, setup SQL run first in a rolled-back transaction, or None).

    Every changelist, filtered variants of the big tables, the dashboard and /metrics.
    """
    from django.contrib import admin
    from django.urls import reverse

    found = []
    for model in sorted(admin.site._registry, key=lambda m: (m._meta.app_label, m._meta.model_name)):
        opts = model._meta
        found.append(
            (f"{opts.app_label}.{opts.model_name}", reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        )

    def cl(app: str, model: str) -> str:
        return reverse(f"admin:{app}_{model}_changelist")

    filtered = [
        ("jobs: status=queued", cl("jobs", "job") + "?status__exact=queued"),
        ("jobs: status=running", cl("jobs", "job") + "?status__exact=running"),
        ("jobs: status=dead", cl("jobs", "job") + "?status__exact=dead"),
        ("jobs: queue=bulk", cl("jobs", "job") + "?queue__queue_name__exact=bulk"),
        ("jobs: status=succeeded, queue=default",
         cl("jobs", "job") + "?status__exact=succeeded&queue__queue_name__exact=default"),
        ("jobs: status=cancelled, queue=bulk",
         cl("jobs", "job") + "?status__exact=cancelled&queue__queue_name__exact=bulk"),
        ("jobs: kind=bench.import", cl("jobs", "job") + "?job_kind=bench.import"),
        ("jobs: kind=queuegov.retention (rare)", cl("jobs", "job") + "?job_kind=queuegov.retention"),
        ("jobs: search id", cl("jobs", "job") + "?q=500000"),
        ("jobs: search correlation id", cl("jobs", "job") + "?q=corr-4242"),
        ("job dead letters: open", cl("jobs", "jobdeadletter") + "?triage_status__exact=open"),
        ("job dead letters: queue=bulk", cl("jobs", "jobdeadletter") + "?queue_name=bulk"),
        ("events: domain=job", cl("events", "event") + "?event_domain=job"),
        ("events: domain=system", cl("events", "event") + "?event_domain=system"),
        ("events: type=job.replayed", cl("events", "event") + "?event_type=job.replayed"),
        ("events: domain=governance, type=governance.gate_changed",
         cl("events", "event") + "?event_domain=governance&event_type=governance.gate_changed"),
        ("events: stream=alert, severity=critical", cl("events", "event") + "?event_stream=alert&severity=critical"),
        ("events: search id", cl("events", "event") + "?q=777777"),
        ("events: search correlation id", cl("events", "event") + "?q=corr-4242"),
        ("job dead letters: search kind", cl("jobs", "jobdeadletter") + "?q=bench.export"),
        ("route attempts: search event id", cl("events", "routeattempt") + "?q=999990"),
        ("audit: search actor", cl("queuegov", "adminactionaudit") + "?q=user:bob"),
        ("pending events: backlog", cl("events", "pendingevent") + "?state=backlog"),
        ("route attempts: failed", cl("events", "routeattempt") + "?status=failed"),
        ("route deliveries: pending", cl("events", "routedelivery") + "?status=pending"),
        ("route dead letters: open", cl("events", "routedeadletter") + "?triage_status=open"),
        ("audit: outcome=refused", cl("queuegov", "adminactionaudit") + "?outcome__exact=refused"),
        ("audit: outcome=failed, actor=user:bob",
         cl("queuegov", "adminactionaudit") + "?outcome__exact=failed&actor=user:bob"),
        ("audit: action=job.cancel", cl("queuegov", "adminactionaudit") + "?action_name=job.cancel"),
        ("audit: last 7 days", cl("queuegov", "adminactionaudit") + "?occurred_at__gte={week}"),
        ("inbox: unread", cl("events", "inboxentry") + "?unread=1"),
    ]  # fmt: skip
    worst = [
        ("events.routeworkercursor (every cursor at 0)", cl("events", "routeworkercursor"), CURSORS_AT_ZERO),
        ("dashboard (every cursor at 0)", "/admin/", CURSORS_AT_ZERO),
        ("metrics (every cursor at 0)", "/metrics", CURSORS_AT_ZERO),
    ]
    plain = [*found, *filtered, ("dashboard", "/admin/"), ("metrics", "/metrics")]
    return [(label, url, None) for label, url in plain] + worst


def measure(runs: int, only: str = "") -> list[Timing]:
    from datetime import timedelta

    from django.contrib.auth.models import Group, User
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    user = User.objects.filter(username=BENCH_USER).first()
    if user is None:
        user = User.objects.create_superuser(BENCH_USER, password=None)
    user.groups.set(Group.objects.filter(name="operator"))
    # Requests arrive as HTTPS, as behind the deployment's TLS: with DEBUG off and QUEUEGOV_HTTPS
    # on, plain-HTTP requests would all be answered with a redirect to https.
    client = Client(**{"wsgi.url_scheme": "https"})
    client.force_login(user)
    week = (timezone.now() - timedelta(days=7)).date().isoformat()
    results = []
    for label, url, setup in pages():
        url = url.replace("{week}", week)
        if only and only not in label and only not in url:
            continue
        timing = Timing(label, url)
        with transaction.atomic() if setup else nullcontext():
            if setup:
                with connection.cursor() as cursor:
                    cursor.execute(setup)
            response = client.get(url)  # warm-up
            timing.status = response.status_code
            if response.status_code == 200:
                for i in range(runs):
                    log = QueryLog()
                    with connection.execute_wrapper(log):
                        t = time.perf_counter()
                        client.get(url)
                        timing.runs_ms.append((time.perf_counter() - t) * 1000)
                    if i == runs - 1:
                        timing.queries = len(log.queries)
                        timing.sql_ms = sum(q[0] for q in log.queries)
                        timing.slowest = sorted(log.queries, key=lambda q: q[0], reverse=True)[:3]
            if setup:
                transaction.set_rollback(True)
        results.append(timing)
        verdict = "PASS" if timing.ok else "FAIL"
        if timing.status != 200:
            where = response.get("Location", "")
            print(f"  {label:<58} answered {timing.status}{f' → {where}' if where else ''}, not 200  FAIL", flush=True)
            continue
        print(
            f"  {label:<58} {timing.median:9.1f} ms  {timing.queries:3d} q {timing.sql_ms:7.1f} ms SQL  {verdict}",
            flush=True,
        )
    return results


@contextmanager
def rolled_back() -> Iterator[Any]:
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            yield cursor
        transaction.set_rollback(True)


def time_sql(statement: str, runs: int, setup: str | None = None) -> float:
    samples = []
    for _ in range(runs + 1):
        with rolled_back() as cursor:
            if setup:
                cursor.execute(setup)
            t = time.perf_counter()
            cursor.execute(statement)
            cursor.fetchall()
            samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples[1:])


def explain(statement: str, params: Any) -> str:
    with rolled_back() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default=DEFAULT_SERVER, help="maintenance database URL of the server")
    parser.add_argument("--database", default="queuegov_volume")
    parser.add_argument("--reload", action="store_true", help="drop the database and load again")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="", help="measure only pages whose label or URL contains this")
    args = parser.parse_args()

    url = database_url(args.server, args.database)
    print(f"database {args.database} on {urlsplit(args.server).hostname or 'local socket'}")
    t = time.perf_counter()
    loaded = prepare_database(args.server, args.database, args.reload)
    print(f"migrated in {time.perf_counter() - t:.1f} s")
    if loaded:
        with psycopg.connect(url) as conn:
            at, seconds = conn.execute(f"SELECT loaded_at, seconds FROM {MARKER}").fetchone()
        print(f"volume already loaded at {at:%Y-%m-%d %H:%M} (took {seconds} s); --reload to load again")
    else:
        print("loading:")
        print(f"load time: {load(url):.1f} s")
    for table, n in volume(url):
        print(f"  {table:<24} {n:>10,} rows")

    setup_django(url)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(cursor.fetchone()[0].split(" on ")[0])
    print(f"\nserver-side time, median of {args.runs} after 1 warm-up (budget {BUDGET_MS:.0f} ms):")
    results = measure(args.runs, args.only)

    print("\nSQL (median of 5, rolled back):")
    sql_timings = [
        ("fn_queue_health() (cursors near the head)", time_sql("SELECT fn_queue_health()", args.runs)),
        (
            "fn_queue_health() (every route cursor at 0: worst case)",
            time_sql(
                "SELECT fn_queue_health()",
                args.runs,
                setup=CURSORS_AT_ZERO,
            ),
        ),
        ("fn_queue_metrics_sample() (one minute)", time_sql("SELECT fn_queue_metrics_sample()", args.runs)),
        ("fn_queue_retention() dry run", time_sql("SELECT fn_queue_retention()", args.runs)),
    ]
    for label, ms in sql_timings:
        print(f"  {label:<58} {ms:9.1f} ms        {'PASS' if ms <= BUDGET_MS else 'FAIL'}")

    width = max(len(r.label) for r in results)
    print(f"\n{'page':<{width}}  {'median':>9}  {'min':>8}  {'max':>8}  queries  {'SQL':>8}  verdict")
    for r in results:
        if r.status != 200:
            print(f"{r.label:<{width}}  HTTP {r.status} ({r.url})  FAIL")
            continue
        print(
            f"{r.label:<{width}}  {r.median:7.1f}ms  {min(r.runs_ms):6.1f}ms  {max(r.runs_ms):6.1f}ms"
            f"  {r.queries:7d}  {r.sql_ms:6.1f}ms  {'PASS' if r.ok else 'FAIL'}"
        )
    slow_pages = [r for r in results if not r.ok]
    for r in slow_pages:
        print(f"\n--- {r.label} ({r.url}): {r.median:.1f} ms, of which SQL {r.sql_ms:.1f} ms in {r.queries} queries")
        for ms, statement, _params in r.slowest:
            print(f"  {ms:.1f} ms: {statement[:300]}")
        ms, statement, params = next(
            (q for q in r.slowest if q[1].lstrip().upper().startswith("SELECT")), (0.0, "", None)
        )
        if statement:
            print(explain(statement, params))
    slow_sql = [label for label, ms in sql_timings if ms > BUDGET_MS]
    print(f"\n{len(results) - len(slow_pages)}/{len(results)} pages within {BUDGET_MS:.0f} ms")
    return 1 if slow_pages or slow_sql else 0


if __name__ == "__main__":
    sys.exit(main())
