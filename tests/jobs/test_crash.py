"""Real worker processes killed mid-run (SIGKILL) or asked to stop (SIGTERM)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable

import pytest

from tests.helpers import sql_rows, sql_value
from tests.jobs.conftest import finish, owner_exec

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("jobs_on")]

HANDLERS = "tests.jobs.handlers."


def wait_for(condition: Callable[[], bool], proc: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            _, err = proc.communicate()
            pytest.fail(f"worker exited early ({proc.returncode}): {err[-2000:]}")
        if time.monotonic() > deadline:
            pytest.fail("timed out waiting for the worker")
        time.sleep(0.05)


def runs(table: str) -> list[tuple[int, str, int]]:
    return sql_rows(f"SELECT job_id, worker_id, attempt FROM {table} ORDER BY id")


def test_sigkill_mid_run_then_reaper_then_a_new_worker(
    q, open_gate, consumer, retry_policy, runs_table, spawn_worker
) -> None:
    open_gate("queue.lease_reaper.enabled")
    quick = retry_policy("test_quick", 3, "fixed", 0.01, 0.01)
    consumer("test.crash", retry_policy=quick, handler_ref=HANDLERS + "slow")
    retried = [q.enqueue("test.crash", {"n": n})["job_id"] for n in range(4)]
    last_try = [q.enqueue("test.crash", {"n": n}, max_attempts=1)["job_id"] for n in range(2)]
    doomed = spawn_worker("--no-listen", "--batch-size", "10", "--lease-seconds", "2", "--worker-id", "doomed")
    held = "SELECT count(*) FROM job_queue WHERE status = 'running' AND lease_owner = 'doomed'"
    wait_for(lambda: bool(runs(runs_table)) and sql_value(held) == 6, doomed)
    [(started, _, _)] = runs(runs_table)  # one handler blocked mid-run, five claimed and waiting

    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(10)
    owner_exec("UPDATE job_queue SET lease_until = now() - interval '1 second' WHERE lease_owner = 'doomed'")
    assert q.call("SELECT fn_job_lease_reaper()") == {"status": "reaped", "requeued": 4, "dead": 2}
    assert q.call("SELECT fn_job_lease_reaper()")["status"] == "nothing_to_do"
    late = q.call("SELECT fn_job_ack(%s, 'doomed', '{}', 1)", started)
    assert late["status"] == "refused" and late["reason"].startswith("lease_lost: ")

    consumer("test.crash", retry_policy=quick, handler_ref=HANDLERS + "record_run")  # re-bound, audited
    time.sleep(0.05)  # past the 10 ms backoff
    rescue = finish(spawn_worker("--once", "--no-listen", "--worker-id", "rescuer", "--json"))
    assert rescue["returncode"] == 0 and rescue["succeeded"] == 4, rescue

    assert q.count("status NOT IN ('succeeded', 'dead')") == 0
    assert sorted(sql_value("SELECT array_agg(id) FROM job_queue WHERE status = 'succeeded'")) == sorted(retried)
    assert sorted(sql_value("SELECT array_agg(job_id) FROM job_dead_letter")) == sorted(last_try)
    assert sql_value("SELECT bool_and(attempts = 2) FROM job_queue WHERE status = 'succeeded'")
    rescued = {job_id for job_id, worker, attempt in runs(runs_table) if worker == "rescuer" and attempt == 2}
    assert rescued == set(retried)
    # the killed worker's lease is gone for good
    for job_id in (*retried, *last_try):
        answer = q.call("SELECT fn_job_ack(%s, 'doomed', '{\"late\": true}', 1)", job_id)
        assert answer["status"] == "refused", answer
    assert sql_value("SELECT count(*) FROM job_queue WHERE result ? 'late'") == 0


def test_sigterm_finishes_the_job_in_hand_and_releases_the_rest(q, consumer, runs_table, spawn_worker) -> None:
    consumer("test.graceful", handler_ref=HANDLERS + "record_run")
    ids = [q.enqueue("test.graceful", {"sleep": 1})["job_id"] for _ in range(5)]
    proc = spawn_worker("--no-listen", "--batch-size", "5", "--worker-id", "polite", "--json")
    wait_for(lambda: bool(runs(runs_table)), proc)
    os.kill(proc.pid, signal.SIGTERM)
    summary = finish(proc, timeout=30)

    assert summary["returncode"] == 0, summary["stderr"][-2000:]
    started = [job_id for job_id, _, _ in runs(runs_table)]
    assert len(started) == len(set(started)) >= 1
    released = [i for i in ids if i not in started]
    assert released and summary["released"] == len(released) and summary["succeeded"] == len(started)
    for job_id in started:
        assert (q.job(job_id)["status"], q.job(job_id)["attempts"]) == ("succeeded", 1)
    for job_id in released:
        job = q.job(job_id)
        # The released attempt keeps its number (a fencing token is never reused) and is not counted.
        assert (job["status"], job["attempts"], job["released_attempts"]) == ("queued", 1, 1)
        assert (job["lease_owner"], job["lease_until"]) == (None, None)
        assert [(a["attempt"], a["outcome"]) for a in q.history(job_id)] == [(1, "released")]


def test_sigterm_with_concurrency_lets_running_jobs_finish(q, consumer, runs_table, spawn_worker) -> None:
    consumer("test.graceful", handler_ref=HANDLERS + "record_run")
    ids = [q.enqueue("test.graceful", {"sleep": 1})["job_id"] for _ in range(4)]
    proc = spawn_worker("--no-listen", "--concurrency", "2", "--worker-id", "polite-pool", "--json")
    wait_for(lambda: len(runs(runs_table)) == 2, proc)
    os.kill(proc.pid, signal.SIGTERM)
    summary = finish(proc, timeout=30)

    assert summary["returncode"] == 0, summary["stderr"][-2000:]
    started = {job_id for job_id, _, _ in runs(runs_table)}
    assert len(started) == 2 and summary["succeeded"] == 2
    assert {q.job(i)["status"] for i in started} == {"succeeded"}
    assert {(q.job(i)["status"], q.job(i)["attempts"]) for i in ids if i not in started} == {("queued", 0)}


def test_jobs_whose_leases_were_reaped_never_start_in_that_worker(
    q, open_gate, consumer, runs_table, spawn_worker
) -> None:
    """The batch's first job blocks; meanwhile the reaper takes the whole batch's leases. The
    lease keeper learns it, and the worker drops the four jobs it had not started."""
    open_gate("queue.lease_reaper.enabled")
    consumer("test.reaped", handler_ref=HANDLERS + "record_run")
    first = q.enqueue("test.reaped", {"sleep": 4}, priority=10)["job_id"]
    rest = [q.enqueue("test.reaped", {"sleep": 0})["job_id"] for _ in range(4)]
    proc = spawn_worker(
        "--no-listen", "--batch-size", "5", "--max-jobs", "5", "--lease-seconds", "3", "--worker-id", "reaped", "--json"
    )
    wait_for(lambda: [r[0] for r in runs(runs_table)] == [first], proc)

    owner_exec("UPDATE job_queue SET lease_until = now() - interval '1 second' WHERE lease_owner = 'reaped'")
    assert q.call("SELECT fn_job_lease_reaper()")["requeued"] == 5
    summary = finish(proc, timeout=30)  # --max-jobs 5: it exits once the batch is dealt with
    assert summary["returncode"] == 0, summary["stderr"][-2000:]
    assert summary["dropped"] == 4, summary
    assert "not starting jobs" in summary["stderr"]
    started_here = [(job_id, attempt) for job_id, worker, attempt in runs(runs_table) if worker == "reaped"]
    assert started_here == [(first, 1)]
    for job_id in rest:
        assert [(a["attempt"], a["outcome"]) for a in q.history(job_id)] == [(1, "lease_expired")]
    # The blocked job's late ack was refused: its attempt stays expired, not succeeded.
    assert [(a["attempt"], a["outcome"]) for a in q.history(first)] == [(1, "lease_expired")]


def test_a_finished_job_is_acked_within_the_ack_delay_while_its_batch_runs_on(
    q, consumer, runs_table, spawn_worker
) -> None:
    """Without waiting for the next claim: a SIGKILL now re-runs only what finished in the last moment."""
    consumer("test.prompt", handler_ref=HANDLERS + "record_run")
    quick = q.enqueue("test.prompt", {"sleep": 0}, priority=10)["job_id"]
    slow = q.enqueue("test.prompt", {"sleep": 30})["job_id"]
    # The default lease (60 s): the keeper extends leases every 15 s, and must still ack at once.
    proc = spawn_worker("--no-listen", "--batch-size", "2", "--ack-delay", "0.1", "--worker-id", "prompt")
    wait_for(lambda: len(runs(runs_table)) == 2, proc)
    wait_for(lambda: q.status(quick) == "succeeded", proc, timeout=5)  # a bound, far above 0.1 s
    assert q.status(slow) == "running" and [r[0] for r in runs(runs_table)] == [quick, slow]
    proc.kill()
    proc.wait(10)
