"""Workflows against plain jobs, measured in one run (docs/workflows.md).

    python bench/workflow_bench.py [--db bench_workflows] [--fan-in 10000] [--chain 1000]

(1) Fan-in: a workflow of N independent steps and one step that depends on all
    of them, created in one call and drained by one worker loop (claim 50, ack
    them with the next claim: fn_job_ack_many_and_claim, as the queue_worker
    does) until the workflow has succeeded; against N + 1 plain jobs enqueued
    with fn_job_enqueue_many and drained the same way.
(2) Chain: a workflow of N steps each depending on the one before, drained by
    the same loop (each ack starts the next step); against N plain jobs each
    enqueued after the one before was acked (enqueue, claim, ack).

Each side runs twice, interleaved, and the faster run is kept. Prints the time
per step, the time per plain job and their ratio. The database (its name must
contain "bench") is dropped and recreated.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from event_bench import app_url, connect, create_database, governed_set

GATES = ("queue.job_substrate.enabled", "queue.worker.enabled")
KIND = "queuegov.noop"
DRAIN = (
    "SELECT fn_job_ack_many_and_claim('bench-w', %s::bigint[], %s::integer[], NULL::jsonb[], NULL::text[], %s, 300,"
    " 'pg_worker')"
)


def drain(app: psycopg.Connection, batch: int, done: Callable[[], bool]) -> int:
    """Claim and ack until nothing is claimed and ``done()``; the jobs acked."""
    ids: list[int] = []
    attempts: list[int] = []
    acked = 0
    while True:
        answer = app.execute(DRAIN, [ids, attempts, batch]).fetchone()[0]
        acked += len(ids)
        jobs = answer["claim"]["jobs"]
        ids, attempts = [j["id"] for j in jobs], [j["attempt"] for j in jobs]
        if not jobs and done():
            return acked


def reset(conn: psycopg.Connection) -> None:
    conn.execute("TRUNCATE workflow, workflow_step, workflow_step_dependency, job_queue, job_attempt CASCADE")
    conn.execute("VACUUM ANALYZE job_queue")
    conn.execute("VACUUM ANALYZE workflow_step")


def finished(app: psycopg.Connection, workflow_id: int) -> Callable[[], bool]:
    def check() -> bool:
        (status,) = app.execute("SELECT status FROM workflow WHERE id = %s", [workflow_id]).fetchone()
        if status not in ("running", "succeeded"):
            raise RuntimeError(f"workflow {workflow_id} {status}")
        return status == "succeeded"

    return check


def fan_in(owner: psycopg.Connection, app: psycopg.Connection, n: int) -> dict[str, float]:
    reset(owner)
    steps = [{"name": f"s{i}", "job": {"job_kind": KIND}} for i in range(n)]
    steps.append({"name": "sink", "job": {"job_kind": KIND}, "depends_on": [s["name"] for s in steps]})
    t0 = time.perf_counter()
    (answer,) = app.execute(
        "SELECT fn_workflow_create(%s::jsonb)", [json.dumps({"name": "fan-in", "steps": steps})]
    ).fetchone()
    workflow_id = answer["workflow_id"]
    acked = drain(app, 50, finished(app, workflow_id))
    workflow = time.perf_counter() - t0
    assert acked == n + 1, acked

    reset(owner)
    t0 = time.perf_counter()
    for start in range(0, n + 1, 10_000):
        jobs = [{"job_kind": KIND} for _ in range(min(10_000, n + 1 - start))]
        app.execute("SELECT fn_job_enqueue_many(%s::jsonb)", [json.dumps(jobs)])
    acked = drain(app, 50, lambda: True)
    plain = time.perf_counter() - t0
    assert acked == n + 1, acked
    return {"workflow": workflow / (n + 1), "plain": plain / (n + 1)}


def chain(owner: psycopg.Connection, app: psycopg.Connection, n: int) -> dict[str, float]:
    reset(owner)
    steps = [{"name": "c0", "job": {"job_kind": KIND}}]
    steps += [{"name": f"c{i}", "job": {"job_kind": KIND}, "depends_on": [f"c{i - 1}"]} for i in range(1, n)]
    t0 = time.perf_counter()
    (answer,) = app.execute(
        "SELECT fn_workflow_create(%s::jsonb)", [json.dumps({"name": "chain", "steps": steps})]
    ).fetchone()
    acked = drain(app, 1, finished(app, answer["workflow_id"]))
    workflow = time.perf_counter() - t0
    assert acked == n, acked

    reset(owner)
    t0 = time.perf_counter()
    for _ in range(n):
        app.execute("SELECT fn_job_enqueue(%s)", [KIND])
        (claim,) = app.execute("SELECT fn_job_claim('bench-w', NULL, 1, 300, 'pg_worker')").fetchone()
        (job,) = claim["jobs"]
        app.execute("SELECT fn_job_ack(%s, 'bench-w', NULL, %s)", [job["id"], job["attempt"]])
    plain = time.perf_counter() - t0
    return {"workflow": workflow / n, "plain": plain / n}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="bench_workflows", help="database name (must contain 'bench')")
    parser.add_argument("--fan-in", type=int, default=10_000, help="steps fanning in to one (default 10000)")
    parser.add_argument("--chain", type=int, default=1_000, help="steps in the chain (default 1000)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each measure; the best is kept (default 2)")
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"creating and migrating database {args.db} …", flush=True)
    url = create_database(args.db)
    with connect(url) as owner, connect(app_url(url)) as app:
        for key in GATES:
            governed_set(owner, key, "true", "workflow benchmark")
        results: dict[str, dict[str, float]] = {}
        for _ in range(args.repeat):
            for name, measure, n in (("fan_in", fan_in, args.fan_in), ("chain", chain, args.chain)):
                print(f"{name} {n:,} …", flush=True)
                run = measure(owner, app, n)
                best = results.setdefault(name, run)
                results[name] = {side: min(best[side], run[side]) for side in run}
    rows = [
        (
            f"(1) fan-in: {args.fan_in:,} steps into one",
            results["fan_in"],
            f"{args.fan_in + 1:,} plain jobs, one drain",
        ),
        (f"(2) chain of {args.chain:,} steps", results["chain"], f"{args.chain:,} plain jobs, each after the last"),
    ]
    print()
    print(f"{'measure':<40}  {'per step':>10}  {'per plain job':>13}  {'ratio':>6}  plain side")
    for label, r, plain in rows:
        print(f"{label:<40}  {r['workflow'] * 1e6:>7,.0f} us  {r['plain'] * 1e6:>10,.0f} us  "
              f"{r['workflow'] / r['plain']:>5.2f}x  {plain}")  # fmt: skip
    print(f"\ntotal runtime {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
