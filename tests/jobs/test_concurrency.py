"""Concurrency on a real server: several worker processes, several connections.

Everything here commits (transaction=True); the shared cleanup truncates the
substrate's tables afterwards.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from tests.database import as_owner
from tests.helpers import sql_exec, sql_rows, sql_value
from tests.jobs.conftest import finish

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("jobs_on")]


def in_threads(count: int, target: Callable[[int, threading.Barrier], Any], timeout: float = 60) -> list[Any]:
    """Run ``target(i, barrier)`` in ``count`` threads; their results, or the first error."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            results[i] = target(i, barrier)
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "threads did not finish"
    if errors:
        raise errors[0]
    return results


def test_four_worker_processes_drain_5000_jobs_exactly_once(q, consumer, runs_table, spawn_worker) -> None:
    consumer("test.record", handler_ref="tests.jobs.handlers.record_run")
    assert q.enqueue_many([{"job_kind": "test.record", "payload": {"i": i}} for i in range(5000)])["enqueued"] == 5000
    args = ("--once", "--no-listen", "--batch-size", "50", "--json")
    procs = [spawn_worker(*args, "--worker-id", f"proc-{n}") for n in range(4)]
    summaries = [finish(p, timeout=180) for p in procs]

    assert [s["returncode"] for s in summaries] == [0] * 4, [s["stderr"][-2000:] for s in summaries]
    assert sum(s["succeeded"] for s in summaries) == 5000
    assert sum(s["claimed"] for s in summaries) == 5000
    assert sum(s["failed"] + s["refused"] + s["released"] for s in summaries) == 0
    assert sql_rows("SELECT status, attempts, count(*) FROM job_queue GROUP BY 1, 2") == [("succeeded", 1, 5000)]
    # one execution per job: none lost, none run twice, no attempt counted twice
    total, distinct, max_attempt = sql_rows(f"SELECT count(*), count(DISTINCT job_id), max(attempt) FROM {runs_table}")[
        0
    ]
    assert (total, distinct, max_attempt) == (5000, 5000, 1)
    assert (
        sql_value(
            f"SELECT count(*) FROM job_queue j WHERE NOT EXISTS (SELECT 1 FROM {runs_table} r WHERE r.job_id = j.id)"
        )
        == 0
    )
    per_worker = dict(sql_rows(f"SELECT worker_id, count(*) FROM {runs_table} GROUP BY 1"))
    assert per_worker == {s["worker_id"]: s["succeeded"] for s in summaries if s["succeeded"]}
    assert len(per_worker) >= 2, per_worker


def test_concurrent_duplicate_enqueues_create_one_job(pg_connect) -> None:
    conns = [pg_connect(autocommit=False) for _ in range(8)]
    keys = [f"dup-{n}" for n in range(10)]

    def producer(i: int, barrier: threading.Barrier) -> list[tuple[str, str, int]]:
        answers = []
        for key in keys:
            barrier.wait()
            answer = conns[i].execute("SELECT fn_job_enqueue('test.dup', p_idempotency_key => %s)", [key]).fetchone()[0]
            time.sleep(0.01)  # hold the uncommitted insert so the others must wait on it
            conns[i].commit()
            answers.append((key, answer["status"], answer["job_id"]))
        return answers

    answers = [a for per_thread in in_threads(8, producer) for a in per_thread]
    for key in keys:
        mine = [a for a in answers if a[0] == key]
        assert Counter(status for _, status, _ in mine) == {"enqueued": 1, "duplicate": 7}, mine
        assert len({job_id for _, _, job_id in mine}) == 1
    assert sql_rows("SELECT idempotency_key, count(*) FROM job_queue GROUP BY 1 ORDER BY 1") == [
        (k, 1) for k in sorted(keys)
    ]


def test_max_concurrency_is_never_exceeded_under_concurrent_claims(q, consumer, executor_class, pg_connect) -> None:
    capped_class = executor_class("test_cap2", 2)
    consumer("test.capped", executor_class=capped_class)
    classes = (capped_class, "pg_worker")  # half the claimers work each class
    q.enqueue_many([{"job_kind": "test.capped"}] * 30 + [{"job_kind": "test.free"}] * 30)
    running_capped = "SELECT count(*) FROM job_queue WHERE job_kind = 'test.capped' AND status = 'running'"
    conns = [pg_connect(autocommit=False) for _ in range(6)]
    monitor = pg_connect()
    seen: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen.append(monitor.execute(running_capped).fetchone()[0])

    def claimer(i: int, barrier: threading.Barrier) -> int:
        conn, worker, acked = conns[i], f"claimer-{i}", 0
        barrier.wait()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            jobs = conn.execute("SELECT fn_job_claim(%s, NULL, 3, 60, %s)", [worker, classes[i % 2]]).fetchone()[0][
                "jobs"
            ]
            seen.append(conn.execute(running_capped).fetchone()[0])  # inside the claiming transaction
            time.sleep(0.005)
            conn.commit()
            if not jobs:
                if not conn.execute("SELECT count(*) FROM job_queue WHERE status <> 'succeeded'").fetchone()[0]:
                    conn.commit()
                    return acked
                conn.commit()
                continue
            time.sleep(0.01)  # hold the leases a moment
            conn.execute(
                "SELECT fn_job_ack_many(%s, %s::bigint[], %s::integer[])",
                [worker, [j["id"] for j in jobs], [j["attempt"] for j in jobs]],
            )
            conn.commit()
            acked += len(jobs)
        raise AssertionError("jobs were not drained in 30 s")

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        acked = in_threads(6, claimer)
    finally:
        stop.set()
        watcher.join()
    assert sum(acked) == 60
    assert max(seen) == 2, Counter(seen)  # reached, never exceeded
    assert q.count("status = 'succeeded'") == 60


def test_concurrent_schedule_ticks_enqueue_each_slot_once(q, open_gate, pg_connect) -> None:
    open_gate("queue.scheduler.enabled")
    names = [f"every-minute-{n}" for n in range(5)]
    with as_owner():  # no SQL API creates a schedule or moves its clock (committed: this test commits)
        sql_exec("DELETE FROM job_schedule")
        for name in names:
            sql_exec(
                "INSERT INTO job_schedule (name, cron_expression, job_kind) VALUES (%s, '* * * * *', 'test.tick')",
                [name],
            )
        sql_exec("UPDATE job_schedule SET next_run_at = '2020-01-01 00:00+00'")
    rounds = [f"2020-01-01 00:{minute:02d}+00" for minute in range(6)]
    conns = [pg_connect(autocommit=False) for _ in range(6)]

    def ticker(i: int, barrier: threading.Barrier) -> list[dict[str, Any]]:
        entries = []
        for now in rounds:
            barrier.wait()
            answer = conns[i].execute("SELECT fn_schedule_tick(%s)", [now]).fetchone()[0]
            time.sleep(0.01)  # hold the row locks while the others tick
            conns[i].commit()
            entries += answer.get("schedules", [])
        return entries

    entries = [e for per_thread in in_threads(6, ticker) for e in per_thread]
    slots = Counter((e["schedule"], e["slot"]) for e in entries)
    assert len(slots) == len(names) * len(rounds) and set(slots.values()) == {1}, slots
    assert {e["result"] for e in entries} == {"enqueued"}
    assert q.count("job_kind = 'test.tick'") == len(names) * len(rounds)
    assert sql_value("SELECT count(DISTINCT idempotency_key) FROM job_queue") == len(names) * len(rounds)
    assert sql_value("SELECT sum(skipped_slots) FROM job_schedule") == 0
