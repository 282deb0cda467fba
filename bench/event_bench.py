#!/usr/bin/env python
"""queuegov event benchmark: the event substrate against plain INSERT/SELECT baselines.

Run from the project root::

    .venv/bin/python bench/event_bench.py

It creates (drops first) a dedicated database, ``queuegov_event_bench`` by
default, on the server named by ``BENCH_SERVER_URL`` (default
``postgres://postgres@127.0.0.1:5432/postgres``), migrates it with
``manage.py migrate``, opens the gates it needs the governed way (a gate-change
request by one actor approved by another) and measures, in one run on that one
database, with ``synchronous_commit`` on:

(1) capture overhead: INSERT into a source table with a live trigger-IN route
    (iu_sql_event_route → fn_event_capture_trigger → event_pending) vs the same
    INSERT into an identical table without one — bulk (one INSERT … SELECT) and
    single-row autocommit INSERTs; alternating rounds;
(2) fn_event_pending_process on 100,000 immediate-lane captures, called with its
    default batch of 1,000 per transaction until done (each capture: validated
    emit, subject key, outbox row, pending row marked) vs one plain INSERT … SELECT
    of the same 100,000 rows into a table like event_outbox;
(3) fn_iu_route_worker_run on those 100,000 events through one live enqueue_job
    route (attempt row, delivery row, idempotent job per event, cursor), batches of
    1,000 per transaction, vs a plain keyset SELECT of the same rows in batches of 1,000;
(4) end to end: one INSERT … SELECT of 100,000 rows into the watched table, every
    capture processed, every event routed to its job: events/s over the three
    stages' time (target 10,000/s);
(5) backlog independence: the first 10,000 captures processed and the first
    10,000 events routed with 10,000 and with 1,000,000 waiting; the cost per event
    must not grow with the backlog (at most 1.25x). Statistics are taken once, with
    the small backlog: the big one is read with them, as on a server without
    autovacuum; (4) runs on a new database's tables, never analyzed.

``queue.notify.enabled`` stays closed (no per-event pg_notify). Numbers are from
one run; the ratios compare sides measured minutes apart on the same server.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GATES = (
    "event.emit_enabled",
    "event.routes_master.enabled",
    "event.route_worker.enabled",
    "queue.job_substrate.enabled",
)
TYPE = "system.bench_captured"
SOURCE_DDL = """
CREATE TABLE bench_source (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, status text NOT NULL,
                           doc_ref text, n integer);
CREATE TABLE bench_source_plain (LIKE bench_source INCLUDING ALL);
CREATE TABLE bench_outbox_plain (LIKE event_outbox INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES);
INSERT INTO event_type_registry (event_type, event_domain, event_stream, delivery_lane, default_severity, status,
                                 producer_ref, description)
VALUES ('system.bench_captured', 'system', 'update', 'immediate', 'info', 'active', 'fn_event_capture_trigger',
        'bench: a row inserted into bench_source');
"""


def server_url() -> str:
    return os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def db_url(dbname: str) -> str:
    params = conninfo_to_dict(server_url())
    params["dbname"] = dbname
    return make_conninfo(**params)


def connect(url: str, autocommit: bool = True) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=autocommit)


def create_database(name: str) -> str:
    if "bench" not in name:
        sys.exit(f"refusing to drop and recreate {name!r}: the benchmark database name must contain 'bench'")
    with connect(server_url()) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = db_url(name)
    params = conninfo_to_dict(url)
    django_url = (
        f"postgres://{params.get('user', 'postgres')}"
        f"{':' + params['password'] if params.get('password') else ''}"
        f"@{params.get('host', '127.0.0.1')}:{params.get('port', '5432')}/{name}"
    )
    # Migrations as the owner role through the bench's login; Django as the app role.
    env = {**os.environ, "DATABASE_URL": django_url, "MIGRATION_DATABASE_URL": django_url}
    env.pop("TEST_DATABASE_NAME", None)
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    return url


def app_url(url: str) -> str:
    """``url`` with the app role's login: the governed side runs as Django's processes do (docs/security.md)."""
    params = conninfo_to_dict(url)
    params["user"] = f"{os.environ.get('QUEUEGOV_DB_ROLE_PREFIX', 'queuegov')}_app"
    params.pop("password", None)
    if os.environ.get("QUEUEGOV_APP_DB_PASSWORD"):
        params["password"] = os.environ["QUEUEGOV_APP_DB_PASSWORD"]
    return make_conninfo(**params)


def governed_set(conn: psycopg.Connection, key: str, value: str, reason: str) -> None:
    """Four-eyes: requested by bench:a, approved by bench:b, one transaction each (one actor per transaction)."""
    with conn.transaction():
        conn.execute("SELECT set_config('queuegov.actor', 'bench:a', true)")
        (request_id,) = conn.execute(
            "SELECT fn_gate_change_request(%s, %s::jsonb, %s)", [key, value, reason]
        ).fetchone()
    with conn.transaction():
        conn.execute("SELECT set_config('queuegov.actor', 'bench:b', true)")
        conn.execute("SELECT fn_gate_change_approve(%s, %s)", [request_id, reason])


def set_up(url: str) -> None:
    with connect(url) as conn:
        for key in GATES:
            governed_set(conn, key, "true", "event benchmark")
        conn.execute(SOURCE_DDL)
        with conn.transaction():
            conn.execute("SELECT set_config('queuegov.actor', 'bench:setup', true)")
            (answer,) = conn.execute(
                "SELECT fn_sql_event_route_register('bench_source_insert', 'bench_source', 'INSERT', %s, '{}',"
                " 'id', ARRAY['status', 'doc_ref', 'n'], 'doc_ref', 'bench route')",
                [TYPE],
            ).fetchone()
        governed_set(conn, answer["gate"], "true", "bench route goes live")
        (live,) = conn.execute(
            "SELECT enabled AND NOT dry_run FROM iu_sql_event_route WHERE route_name = 'bench_source_insert'"
        ).fetchone()
        if not live:
            sys.exit("the bench trigger-IN route did not go live")
        with conn.transaction():
            conn.execute("SELECT set_config('queuegov.actor', 'bench:setup', true)")
            conn.execute(
                "SELECT fn_consumer_register('bench.routed', 'pg_worker', 'default', 'default', NULL, 'bench')"
            )
            (route,) = conn.execute(
                "SELECT fn_iu_outbound_route_create('bench-route', %s, 'enqueue_job', 'bench.routed')", [TYPE]
            ).fetchone()
        # a trigger-OUT route goes live by four-eyes on its own gate (docs/events.md, "Going live")
        governed_set(conn, route["gate"], "true", "bench route goes live")
        conn.execute("TRUNCATE event_pending")


def server_facts(url: str) -> dict[str, str]:
    with connect(url) as conn:
        facts = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]
            for name in ("server_version", "synchronous_commit", "fsync", "shared_buffers")
        }
    facts["cpus"] = str(os.cpu_count())
    return facts


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


# ---------------------------------------------------------------------------
# (1) capture overhead
# ---------------------------------------------------------------------------
def bench_capture(url: str, bulk_rows: int, single_rows: int, rounds: int) -> dict[str, float]:
    """Rows/s per side: bulk INSERT … SELECT and single-row autocommit INSERTs, alternating."""
    bulk_sql = (
        "INSERT INTO {t} (status, doc_ref, n) SELECT 'ready', 'doc-' || (g %% 100), g FROM generate_series(1, %s) g"
    )
    single_sql = "INSERT INTO {t} (status, doc_ref, n) VALUES ('ready', %s, %s)"
    seconds: dict[str, list[float]] = {"bulk_plain": [], "bulk_route": [], "single_plain": [], "single_route": []}
    with connect(url) as conn:
        for r in range(rounds):
            sides = [("plain", "bench_source_plain"), ("route", "bench_source")]
            for side, table in sides if r % 2 == 0 else reversed(sides):
                conn.execute("TRUNCATE bench_source, bench_source_plain, event_pending")
                seconds[f"bulk_{side}"].append(timed(lambda t=table: conn.execute(bulk_sql.format(t=t), [bulk_rows])))

                def singles(t: str = table) -> None:
                    for i in range(single_rows):
                        conn.execute(single_sql.format(t=t), [f"doc-{i % 100}", i])

                seconds[f"single_{side}"].append(timed(singles))
                (captured,) = conn.execute("SELECT count(*) FROM event_pending").fetchone()
                if captured != (bulk_rows + single_rows if side == "route" else 0):
                    sys.exit(f"{side}: unexpected number of captures: {captured}")
        conn.execute("TRUNCATE bench_source, bench_source_plain, event_pending")
    return {
        "bulk_plain": bulk_rows / statistics.median(seconds["bulk_plain"]),
        "bulk_route": bulk_rows / statistics.median(seconds["bulk_route"]),
        "single_plain": single_rows / statistics.median(seconds["single_plain"]),
        "single_route": single_rows / statistics.median(seconds["single_route"]),
    }


# ---------------------------------------------------------------------------
# (2) pending → outbox, (3) routing
# ---------------------------------------------------------------------------
def load_captures(url: str, events: int) -> None:
    with connect(url) as conn:
        conn.execute("TRUNCATE event_pending")
        conn.execute(
            "SELECT count(fn_event_capture(%s, 'bench_source', g::text, jsonb_build_object('n', g), 'doc-' || g))"
            " FROM generate_series(1, %s) g",
            [TYPE, events],
        )
        conn.execute("VACUUM ANALYZE event_pending")


def bench_pending(url: str, events: int, batch: int) -> dict[str, float]:
    load_captures(url, events)
    with connect(url) as conn, connect(app_url(url)) as app:
        app.execute("SELECT set_config('queuegov.actor', 'bench:processor', false)")

        def drain() -> None:
            emitted = 0
            while True:
                (answer,) = app.execute("SELECT fn_event_pending_process(%s)", [batch]).fetchone()
                if answer["status"] == "nothing_to_do":
                    break
                if answer.get("failed"):
                    sys.exit(f"pending process failed rows: {answer}")
                emitted += answer["emitted"]
            if emitted != events:
                sys.exit(f"emitted {emitted} of {events}")

        governed = timed(drain)
        columns = (
            "event_domain, event_stream, event_type, delivery_lane, severity, payload, event_subject_table,"
            " event_subject_ref, correlation_id, occurred_at"
        )
        plain = timed(
            lambda: conn.execute(
                f"INSERT INTO bench_outbox_plain ({columns}) SELECT 'system', 'update', p.event_type, 'immediate',"
                " 'info', p.capture_payload, p.event_subject_table, p.event_subject_ref, p.correlation_id,"
                " p.captured_at FROM event_pending p"
            )
        )
        conn.execute("VACUUM ANALYZE event_outbox")
    return {"governed": events / governed, "plain": events / plain}


def bench_routing(url: str, events: int, batch: int) -> dict[str, float]:
    with connect(url) as conn, connect(app_url(url)) as app:
        app.execute("SELECT set_config('queuegov.actor', 'bench:router', false)")
        wait_routable(conn)  # every event below the horizon before the clock starts

        def route() -> None:
            processed = 0
            while True:
                (answer,) = app.execute("SELECT fn_iu_route_worker_run('system_default', %s)", [batch]).fetchone()
                if answer["status"] != "routed":
                    break
                if answer["failed"]:
                    sys.exit(f"routing failed: {answer}")
                processed += answer["processed"]
            if processed != events:
                sys.exit(f"routed {processed} of {events}: {answer}")

        governed = timed(route)
        (jobs,) = conn.execute("SELECT count(DISTINCT idempotency_key) FROM job_queue").fetchone()
        if jobs != events:
            sys.exit(f"expected {events} bridge jobs, found {jobs}")

        def plain() -> None:
            last, seen = 0, 0
            while True:
                rows = conn.execute(
                    "SELECT * FROM event_outbox WHERE event_domain = 'system' AND id > %s ORDER BY id LIMIT %s",
                    [last, batch],
                ).fetchall()
                if not rows:
                    break
                seen += len(rows)
                last = rows[-1][0]
            if seen != events:
                sys.exit(f"selected {seen} of {events}")

        baseline = timed(plain)
    return {"governed": events / governed, "plain": events / baseline}


# ---------------------------------------------------------------------------
# (4) end to end, (5) backlog independence
# ---------------------------------------------------------------------------
E2E_TARGET = 10_000  # events/s, issue 17
BACKLOG_TOLERANCE = 1.25  # per-event cost with the big backlog over the small one


def wait_routable(conn: psycopg.Connection) -> None:
    """Every committed event below the route workers' horizon before a clock starts."""
    while not conn.execute("SELECT coalesce(max(tx_id) < fn_event_horizon(), true) FROM event_outbox").fetchone()[0]:
        time.sleep(0.05)


def process_all(app: psycopg.Connection, batch: int, calls: int | None = None) -> int:
    emitted, n = 0, 0
    while calls is None or n < calls:
        (answer,) = app.execute("SELECT fn_event_pending_process(%s)", [batch]).fetchone()
        n += 1
        if answer["status"] == "nothing_to_do":
            break
        if answer.get("failed"):
            sys.exit(f"pending process failed rows: {answer}")
        emitted += answer["emitted"]
    return emitted


def route_all(app: psycopg.Connection, batch: int, calls: int | None = None) -> int:
    processed, n = 0, 0
    while calls is None or n < calls:
        (answer,) = app.execute("SELECT fn_iu_route_worker_run('system_default', %s)", [batch]).fetchone()
        n += 1
        if answer["status"] != "routed":
            break
        if answer["failed"]:
            sys.exit(f"routing failed: {answer}")
        processed += answer["processed"]
    return processed


def reset_pipeline(conn: psycopg.Connection) -> None:
    """Empty the pipeline between runs (the owner's bench setup, not the API): captures, events' jobs."""
    conn.execute("TRUNCATE bench_source, event_pending, job_queue, iu_route_attempt, iu_route_delivery")


def bench_end_to_end(url: str, events: int, batch: int) -> dict[str, float]:
    """One INSERT…SELECT of ``events`` rows into the watched table, then every capture processed,
    every event routed to its job; seconds per stage."""
    with connect(url) as conn, connect(app_url(url)) as app:
        app.execute("SELECT set_config('queuegov.actor', 'bench:pipeline', false)")
        reset_pipeline(conn)
        capture = timed(
            lambda: conn.execute(
                "INSERT INTO bench_source (status, doc_ref, n) SELECT 'ready', 'doc-' || (g %% 100), g"
                " FROM generate_series(1, %s) g",
                [events],
            )
        )
        process = timed(lambda: process_all(app, batch))
        wait_routable(conn)
        route = timed(lambda: route_all(app, batch))
        (jobs,) = conn.execute("SELECT count(*) FROM job_queue WHERE job_kind = 'bench.routed'").fetchone()
        if jobs != events:
            sys.exit(f"end to end: {jobs} jobs for {events} rows")
    total = capture + process + route
    return {"capture": events / capture, "process": events / process, "route": events / route, "e2e": events / total}


def bench_backlog(url: str, sample: int, backlog: int, batch: int) -> dict[int, dict[str, float]]:
    """Seconds per event to process the first ``sample`` captures, and to route the first ``sample``
    events, with ``sample`` and with ``backlog`` of them waiting."""
    out: dict[int, dict[str, float]] = {}
    calls = -(-sample // batch)
    with connect(url) as conn, connect(app_url(url)) as app:
        app.execute("SELECT set_config('queuegov.actor', 'bench:backlog', false)")
        for size in (sample, backlog):
            reset_pipeline(conn)
            conn.execute(
                "INSERT INTO bench_source (status, doc_ref, n) SELECT 'ready', 'doc-' || (g %% 100), g"
                " FROM generate_series(1, %s) g",
                [size],
            )
            if size == sample:  # the big backlog is read with the statistics the small one left
                conn.execute("VACUUM ANALYZE event_pending")
            process = timed(lambda: process_all(app, batch, calls))
            conn.execute("TRUNCATE event_pending")
            # the routing backlog: events already in the outbox (written by the owner, as a bulk load)
            conn.execute(
                "INSERT INTO event_outbox (id, event_domain, event_stream, event_type, delivery_lane, severity,"
                " event_subject_table, event_subject_ref)"
                " SELECT nextval('event_outbox_id_seq'), 'system', 'update', %s, 'immediate', 'info', 'bench_source',"
                " g::text FROM generate_series(1, %s) g",
                [TYPE, size - sample],
            )
            if size == sample:
                conn.execute("VACUUM ANALYZE event_outbox")
            wait_routable(conn)
            route = timed(lambda: route_all(app, batch, calls))
            # the rest of the backlog is skipped, not routed: the cursor moves to the newest event
            conn.execute(
                "UPDATE iu_route_worker_cursor c SET last_tx_id = e.tx_id, last_event_id = e.id"
                " FROM (SELECT tx_id, id FROM event_outbox WHERE event_domain = 'system'"
                "       ORDER BY tx_id DESC, id DESC LIMIT 1) e WHERE c.worker_name = 'system_default'"
            )
            out[size] = {"process": process / sample, "route": route / sample}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=os.environ.get("BENCH_DB", "queuegov_event_bench"), help="database name")
    parser.add_argument("--events", type=int, default=100_000, help="events for (2) and (3) (default 100000)")
    parser.add_argument("--batch", type=int, default=1000, help="batch per call for (2) and (3) (default 1000)")
    parser.add_argument("--bulk-rows", type=int, default=50_000, help="rows per bulk INSERT in (1)")
    parser.add_argument("--single-rows", type=int, default=2_000, help="single-row INSERTs per round in (1)")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds per side in (1)")
    parser.add_argument("--sample", type=int, default=10_000, help="events timed in (5) (default 10000)")
    parser.add_argument("--backlog", type=int, default=1_000_000, help="the big backlog of (5) (default 1000000)")
    args = parser.parse_args()

    started = time.perf_counter()
    print(f"creating and migrating database {args.db} …", flush=True)
    url = create_database(args.db)
    set_up(url)
    facts = server_facts(url)
    if facts["synchronous_commit"] != "on":
        sys.exit("synchronous_commit must be on for this benchmark")
    print("server: " + ", ".join(f"{k}={v}" for k, v in facts.items()), flush=True)

    print("(1) capture overhead …", flush=True)
    cap = bench_capture(url, args.bulk_rows, args.single_rows, args.rounds)
    print(f"(2) fn_event_pending_process on {args.events:,} captures …", flush=True)
    pend = bench_pending(url, args.events, args.batch)
    print(f"(3) fn_iu_route_worker_run on {args.events:,} events …", flush=True)
    rout = bench_routing(url, args.events, args.batch)
    print(f"(4) end to end, {args.events:,} rows …", flush=True)
    e2e = bench_end_to_end(url, args.events, args.batch)
    print(f"(5) the first {args.sample:,} events with {args.sample:,} and with {args.backlog:,} waiting …", flush=True)
    backlog = bench_backlog(url, args.sample, args.backlog, args.batch)

    n, b = f"{args.events:,}", f"{args.batch:,}"
    rows = [
        (f"(1) INSERT…SELECT {args.bulk_rows:,} rows, live trigger-IN route", cap["bulk_route"],
         f"same INSERT, no route: {cap['bulk_plain']:,.0f} rows/s", cap["bulk_route"] / cap["bulk_plain"]),
        (f"(1) {args.single_rows:,} single-row INSERTs (autocommit), live route", cap["single_route"],
         f"no route: {cap['single_plain']:,.0f} rows/s", cap["single_route"] / cap["single_plain"]),
        (f"(2) fn_event_pending_process, {n} immediate, batch {b}", pend["governed"],
         f"plain INSERT…SELECT {n} rows: {pend['plain']:,.0f} rows/s", pend["governed"] / pend["plain"]),
        (f"(3) fn_iu_route_worker_run, {n} events, 1 enqueue_job route, batch {b}", rout["governed"],
         f"plain keyset SELECT, batch {b}: {rout['plain']:,.0f} rows/s", rout["governed"] / rout["plain"]),
    ]  # fmt: skip
    width = max(len(r[0]) for r in rows)
    base_width = max(len(r[2]) for r in rows)
    print()
    print(f"{'measure':<{width}}  {'governed':>15}  {'baseline':<{base_width}}  ratio")
    for label, governed, baseline, ratio in rows:
        print(f"{label:<{width}}  {governed:>10,.0f} /s    {baseline:<{base_width}}  {ratio:.2f}x")
    verdict = "PASS" if e2e["e2e"] >= E2E_TARGET else "FAIL"
    print(
        f"\n(4) end to end, {n} rows: capture (trigger-IN) {e2e['capture']:,.0f}/s → pending processing"
        f" {e2e['process']:,.0f}/s → routing to jobs {e2e['route']:,.0f}/s = {e2e['e2e']:,.0f} events/s"
        f" (target {E2E_TARGET:,}: {verdict})"
    )
    small, big = backlog[args.sample], backlog[args.backlog]
    for stage in ("process", "route"):
        ratio = big[stage] / small[stage]
        verdict = "PASS" if ratio <= BACKLOG_TOLERANCE else "FAIL"
        print(
            f"(5) {stage}: {small[stage] * 1e6:,.1f} µs/event with {args.sample:,} waiting,"
            f" {big[stage] * 1e6:,.1f} µs/event with {args.backlog:,}: {ratio:.2f}x"
            f" (target ≤ {BACKLOG_TOLERANCE}x: {verdict})"
        )
    print(f"\ntotal runtime {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
