"""The in-process worker (jobs.worker.Worker): handlers by job kind, results,
failures recorded and survived, gates, --max-jobs, leases kept alive, and
concurrency. The worker claims and acks on Django's connection in
autocommit, so these tests commit (transaction=True)."""

from __future__ import annotations

import gc
import threading
import time
import warnings
from typing import Any

import pytest
from django.db import connection

from jobs import db
from jobs.registry import JobContext, job_handler
from jobs.worker import Worker, WorkerStats
from queuegov.actor import actor_context
from tests.helpers import json_value, sql_value

pytestmark = [pytest.mark.django_db(transaction=True)]

P = "test.worker."


class Kaboom(RuntimeError):
    pass


@job_handler(P + "double")
def double(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    return {"double": payload["n"] * 2, "attempt": job.attempt}


@job_handler(P + "boom")
def boom(payload: dict[str, Any], job: JobContext) -> None:
    raise Kaboom(f"kaboom {payload.get('n')}")


@job_handler(P + "not_json")
def not_json(payload: dict[str, Any], job: JobContext) -> Any:
    return {"when": object()}


@job_handler(P + "sleep")
def sleep(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    time.sleep(payload["seconds"])
    return {"slept": payload["seconds"]}


IN_FLIGHT = {"now": 0, "max": 0}
IN_FLIGHT_LOCK = threading.Lock()


@job_handler(P + "parallel")
def parallel(payload: dict[str, Any], job: JobContext) -> None:
    with IN_FLIGHT_LOCK:
        IN_FLIGHT["now"] += 1
        IN_FLIGHT["max"] = max(IN_FLIGHT["max"], IN_FLIGHT["now"])
    time.sleep(0.1)
    with IN_FLIGHT_LOCK:
        IN_FLIGHT["now"] -= 1


@job_handler(P + "cancel_self")
def cancel_self(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    with actor_context(job.actor):  # an operator cancels the job while it runs
        db.cancel_many([job.id], "cancelled mid-run")
    return {"done": True}


UNSAFE_RESULTS = {
    "prohibited_key": {"token": "abc"},
    "nul_character": {"ref": "a\x00b"},
    "nan": {"score": float("nan")},
}


@job_handler(P + "unsafe_result")
def unsafe_result(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    return UNSAFE_RESULTS[payload["case"]]  # valid Python, refused by PostgreSQL


def drain(timeout: float = 30, **options: Any) -> WorkerStats:
    """Run a Worker in a thread (so a regression cannot hang the suite); re-raise its error."""
    options = {"once": True, "listen": False, "lease_seconds": 30, **options}
    worker = Worker(**options)
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["stats"] = worker.run()
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        worker.request_stop()
        thread.join(10)
        pytest.fail(f"worker did not stop within {timeout}s ({options})")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["stats"]


def open_backends(since: object = None) -> int:
    """Other client sessions on the test database (opened after ``since``, when given)."""
    # client backends only (autovacuum workers are not ours), and only those opened by
    # the code under test: a backend of an earlier test's killed subprocess may linger.
    sql = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        " AND backend_type = 'client backend' AND (%s::timestamptz IS NULL OR backend_start >= %s::timestamptz)"
    )
    deadline = time.monotonic() + 3
    while (count := sql_value(sql, [since, since])) and time.monotonic() < deadline:
        time.sleep(0.05)
    return count


def collect_leaked_connections() -> None:
    """Close what the pool threads left open (see the xfail below) before it warns in another test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def enqueue(kind: str, payload: dict[str, Any] | None = None, **named: Any) -> int:
    return db.enqueue(P + kind, payload or {}, **named)["job_id"]


def job(job_id: int) -> dict[str, Any]:
    return json_value("SELECT to_jsonb(j) FROM job_queue j WHERE id = %s", [job_id])


def test_success_stores_the_result(jobs_on) -> None:
    ids = [enqueue("double", {"n": n}) for n in range(3)]
    stats = drain()
    assert (stats.claimed, stats.succeeded, stats.failed, stats.refused) == (3, 3, 0, 0)
    for n, job_id in enumerate(ids):
        row = job(job_id)
        assert (row["status"], row["attempts"], row["result"]) == ("succeeded", 1, {"double": 2 * n, "attempt": 1})
        assert row["lease_owner"] is None and row["finished_at"] is not None


def test_handler_exception_fails_the_attempt_and_the_worker_goes_on(jobs_on) -> None:
    retried = enqueue("boom", {"n": 1}, max_attempts=3)
    dead = enqueue("boom", {"n": 2}, max_attempts=1)
    fine = enqueue("double", {"n": 5})
    stats = drain()
    assert (stats.succeeded, stats.failed) == (1, 2)
    assert job(fine)["status"] == "succeeded"
    row = job(retried)
    assert (row["status"], row["attempts"]) == ("queued", 1)
    assert row["last_error"].startswith("tests.jobs.test_worker.Kaboom: kaboom 1\nTraceback (most recent call last):")
    assert 'raise Kaboom(f"kaboom' in row["last_error"]
    assert job(dead)["status"] == "dead"
    dl_error = sql_value("SELECT last_error FROM job_dead_letter WHERE job_id = %s", [dead])
    assert dl_error.startswith("tests.jobs.test_worker.Kaboom: kaboom 2\nTraceback")


def test_a_kind_without_a_handler_is_left_queued_and_a_non_json_result_fails_the_attempt(jobs_on, caplog) -> None:
    # Registered for the worker's class, but no handler here: the worker does not claim it
    # (docs/executors.md), so it never burns its attempts; health names it once it waits.
    unknown = db.enqueue("test.worker.nobody_handles_this", max_attempts=1)["job_id"]
    odd = enqueue("not_json", max_attempts=1)
    fine = enqueue("double", {"n": 1})
    stats = drain()
    assert (stats.claimed, stats.succeeded, stats.failed) == (2, 1, 1)
    assert job(unknown)["status"] == "queued" and job(unknown)["attempts"] == 0
    assert "not claiming test.worker.nobody_handles_this" in caplog.text
    assert job(odd)["status"] == "dead"
    assert job(odd)["last_error"].startswith("builtins.TypeError: Object of type object is not JSON serializable")
    assert job(fine)["status"] == "succeeded"


def test_closed_worker_gate_claims_nothing(open_gate) -> None:
    open_gate("queue.job_substrate.enabled")
    job_id = enqueue("double", {"n": 1})
    stats = drain()
    assert stats.gate_closed and stats.claimed == 0
    assert (job(job_id)["status"], job(job_id)["attempts"]) == ("queued", 0)


def test_max_jobs_is_respected(jobs_on) -> None:
    for n in range(10):
        enqueue("double", {"n": n})
    stats = drain(once=False, max_jobs=4, poll_interval=0.1)
    assert (stats.claimed, stats.succeeded) == (4, 4)
    assert sql_value("SELECT count(*) FROM job_queue WHERE status = 'queued' AND attempts = 0") == 6


HOLD = threading.Event()


@job_handler(P + "hold")
def hold(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    """Run until the test lets go (at most 60 s)."""
    HOLD.wait(60)
    return {"held": True}


def test_leases_are_extended_while_a_handler_runs(jobs_on, open_gate) -> None:
    """The handler runs past its first 2 s lease; the keeper extends it, so the reaper finds
    nothing to take back; then the handler returns and the job succeeds on its one attempt."""
    open_gate("queue.lease_reaper.enabled")
    open_gate("queue.heartbeat.enabled")
    HOLD.clear()
    job_id = enqueue("hold")
    outcome: dict[str, Any] = {}
    runner = threading.Thread(
        target=lambda: outcome.update(
            stats=drain(timeout=90, lease_seconds=2, heartbeat_seconds=0.5, worker_id="w-keeps-its-lease")
        )
    )
    runner.start()
    try:
        wait_until(lambda: job(job_id)["status"] == "running")
        first_lease = sql_value("SELECT lease_until FROM job_queue WHERE id = %s", [job_id])
        # Past the first lease, and the lease moved on: the keeper extended it.
        wait_until(lambda: sql_value("SELECT now() > %s::timestamptz", [first_lease]))
        assert sql_value("SELECT lease_until FROM job_queue WHERE id = %s", [job_id]) > first_lease
        reaped = json_value("SELECT fn_job_lease_reaper()")
    finally:
        HOLD.set()
        runner.join(90)
    assert reaped["status"] == "nothing_to_do" and outcome["stats"].succeeded == 1
    assert job(job_id)["status"] == "succeeded" and job(job_id)["attempts"] == 1
    beat = json_value("SELECT to_jsonb(h) FROM queue_heartbeat h")
    assert (beat["executor_name"], beat["executor_kind"]) == ("w-keeps-its-lease", "PG_worker")
    assert beat["beats"] >= 2


def wait_until(condition: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_ack_of_a_job_cancelled_mid_run_is_refused(jobs_on) -> None:
    job_id = enqueue("cancel_self")
    stats = drain()
    assert (stats.succeeded, stats.refused) == (0, 1)
    assert job(job_id)["status"] == "cancelled" and job(job_id)["result"] is None


def test_concurrency_4_runs_in_parallel_and_drains_everything(jobs_on) -> None:
    ids = [enqueue("parallel") for _ in range(24)]
    IN_FLIGHT.update(now=0, max=0)
    stats = drain(concurrency=4)
    assert (stats.claimed, stats.succeeded, stats.failed, stats.refused) == (24, 24, 0, 0)
    done = sql_value(
        "SELECT count(*) FROM job_queue WHERE id = ANY(%s) AND status = 'succeeded' AND attempts = 1", [ids]
    )
    assert done == 24
    assert 2 <= IN_FLIGHT["max"] <= 4, IN_FLIGHT
    collect_leaked_connections()


def test_concurrency_mode_closes_its_connections(jobs_on) -> None:
    for _ in range(8):
        enqueue("parallel")
    started = sql_value("SELECT clock_timestamp()")
    try:
        assert drain(concurrency=4).succeeded == 8
        assert open_backends(since=started) == 0
    finally:
        collect_leaked_connections()


def test_a_nan_result_fails_only_that_attempt(jobs_on) -> None:
    bad = enqueue("unsafe_result", {"case": "nan"}, max_attempts=1)
    fine = enqueue("double", {"n": 3})
    stats = drain()
    assert (stats.succeeded, stats.failed) == (1, 1)
    assert job(fine)["status"] == "succeeded"
    assert job(bad)["status"] == "dead" and "ValueError: Out of range float values" in job(bad)["last_error"]


@pytest.mark.parametrize("case", ["prohibited_key", "nul_character"])
def test_a_refused_result_fails_only_that_attempt(jobs_on, case) -> None:
    bad = enqueue("unsafe_result", {"case": case}, max_attempts=1)
    fine = enqueue("double", {"n": 3})
    stats = drain()
    assert job(fine)["status"] == "succeeded"
    assert job(bad)["status"] == "dead"
    assert (stats.succeeded, stats.failed) == (1, 1)


def test_the_workers_sql_calls_are_prepared_and_carry_the_actor(jobs_on) -> None:
    # Django turns server-side prepared statements off by default; the SQL API calls
    # turn them back on (DB_PREPARE_THRESHOLD), so a worker's claim is planned once per
    # connection, not per call. The actor rides in the same statement.
    from queuegov.actor import Actor

    worker_actor = Actor.for_worker("w-prepared")
    for _ in range(6):
        assert db.claim("w-prepared", ["default"], 5, 60, actor=worker_actor)["status"] == "empty"
    prepared = sql_value("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%%fn_job_claim(%%'")
    assert prepared == 1
    job_id = db.enqueue("test.prepared", {"n": 1})["job_id"]
    claimed = db.claim("w-prepared", ["default"], 5, 60, actor=worker_actor)["jobs"]
    assert [j["id"] for j in claimed] == [job_id]
    answer = db.ack_many("w-prepared", [job_id], [1], [None], actor=worker_actor)
    assert answer["acked"] == 1
    assert sql_value("SELECT current_setting('queuegov.actor', true)") in (None, "")  # gone with its statement


@job_handler(P + "exit")
def exits(payload: dict[str, Any], job: JobContext) -> None:
    raise {"system_exit": SystemExit(3), "interrupt": KeyboardInterrupt()}[payload["how"]]


def test_system_exit_and_keyboard_interrupt_in_a_handler_fail_the_attempt_only(jobs_on) -> None:
    exit_job = enqueue("exit", {"how": "system_exit"}, max_attempts=1)
    interrupt = enqueue("exit", {"how": "interrupt"}, max_attempts=1)
    fine = enqueue("double", {"n": 2})
    stats = drain()
    assert (stats.succeeded, stats.failed) == (1, 2)
    assert job(exit_job)["status"] == "dead" and job(exit_job)["last_error"].startswith("builtins.SystemExit: 3")
    assert job(interrupt)["last_error"].startswith("builtins.KeyboardInterrupt")
    assert job(fine)["status"] == "succeeded"


def test_the_lease_keeper_never_reports_the_jobs_its_worker_acked(jobs_on, caplog) -> None:
    """Leases extended every ~0.7 s while 2,000 short jobs are acked in batches: no false "lost"."""
    db.enqueue_many([{"job_kind": P + "sleep", "payload": {"seconds": 0.001}}] * 2000)
    with caplog.at_level("WARNING", logger="jobs.worker"):
        stats = drain(timeout=120, lease_seconds=2, batch_size=20)
    assert stats.succeeded == 2000 and stats.refused == 0 and stats.dropped == 0
    assert not [r for r in caplog.records if "lost the lease" in r.getMessage()]


def test_a_job_whose_lease_the_worker_cannot_vouch_for_is_not_started() -> None:
    """A lease is trusted until its last extension plus the lease (less a margin): a worker cut off
    from the database for longer does not start the job, which may already run elsewhere."""
    from jobs.worker import LeaseKeeper

    worker = Worker(lease_seconds=10, listen=False)
    keeper = LeaseKeeper(worker)
    now = time.monotonic()
    keeper.add([{"id": 1, "attempt": 1}], claimed_at=now)
    keeper.add([{"id": 2, "attempt": 1}], claimed_at=now - 9.5)  # extended last 9.5 s ago; margin 1 s
    assert not keeper.is_lost({"id": 1, "attempt": 1})
    assert keeper.is_lost({"id": 2, "attempt": 1})
    keeper.mark_lost([(1, 1)])
    assert keeper.is_lost({"id": 1, "attempt": 1})


def test_every_connection_sets_keepalives_and_a_user_timeout() -> None:
    from queuegov.gateway import plain_connection

    connection.ensure_connection()
    with plain_connection() as plain:
        for params in (connection.connection.info.get_parameters(), plain.info.get_parameters()):
            assert params["keepalives"] == "1" and params["keepalives_idle"] == "10"
            assert params["keepalives_count"] == "3" and params["tcp_user_timeout"] == "20000"
            assert params["connect_timeout"] == "10"


@job_handler(P + "nul_message")
def nul_message(payload: dict[str, Any], job: JobContext) -> None:
    raise ValueError("bad\x00byte")


def test_a_failure_message_with_a_nul_character_is_recorded(jobs_on) -> None:
    failing = enqueue("nul_message", max_attempts=1)
    stats = drain()
    assert stats.failed == 1
    assert job(failing)["last_error"].startswith("builtins.ValueError: bad\\x00byte")


@job_handler(P + "kill_own_connection")
def kill_own_connection(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    """Succeed, but first have the server terminate the worker's own connection (the one its
    ack will use), as a restart or a network cut between the handler and the ack would."""
    from tests.database import admin_connect

    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    with admin_connect() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    return {"ok": True}


def test_a_connection_lost_before_the_ack_is_no_failure(jobs_on, caplog) -> None:
    """The result is delivered after reconnecting, with the same fencing: succeeded, never failed."""
    ids = [enqueue("kill_own_connection") for _ in range(3)]
    with caplog.at_level("INFO", logger="jobs.worker"):
        stats = drain(batch_size=1)
    assert (stats.succeeded, stats.failed, stats.refused) == (3, 0, 0)
    for job_id in ids:
        row = job(job_id)
        assert (row["status"], row["attempts"], row["result"]) == ("succeeded", 1, {"ok": True})
        assert sql_value("SELECT count(*) FROM job_attempt WHERE job_id = %s", [job_id]) == 0
    lost = [r for r in caplog.records if "database connection lost" in r.getMessage()]
    assert 1 <= len(lost) <= 3 and not any(r.exc_info for r in caplog.records)
