"""A job's life through the SQL API: claim order and limits, fenced
heartbeat/ack/fail, backoff per policy, dead letters, the lease reaper,
cancel and retry-now. Time is moved by UPDATE-ing timestamps as the owner role
(the app may not write job_queue), never by sleeping (within the test
transaction now() is constant)."""

from __future__ import annotations

import json
import re

import pytest

from tests.helpers import db_error, sql_value
from tests.jobs.conftest import owner_exec

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs_on")]


def ago(job_id: int, column: str, interval: str) -> None:
    owner_exec(f"UPDATE job_queue SET {column} = now() - interval '{interval}' WHERE id = %s", [job_id])


# ---------------------------------------------------------------------------
# Claim
# ---------------------------------------------------------------------------
def test_claim_order_is_priority_then_run_at_then_id(q) -> None:
    def job(priority: int, age: str) -> int:
        job_id = q.enqueue("test.job", priority=priority)["job_id"]
        ago(job_id, "run_at", age)
        return job_id

    low_old, high_new, high_old, low_old_later, negative = (
        job(0, "10 min"),
        job(10, "1 min"),
        job(10, "5 min"),
        job(0, "10 min"),
        job(-5, "1 hour"),
    )
    assert q.claim_ids("w1", batch=2) == [high_old, high_new]
    claim = q.claim("w2", batch=10)
    assert [j["id"] for j in claim["jobs"]] == [low_old, low_old_later, negative]
    assert {(j["attempt"], j["job_kind"]) for j in claim["jobs"]} == {(1, "test.job")}
    assert q.claim("w3") == {"status": "empty", "jobs": []}


def test_claim_sets_the_lease(q) -> None:
    job_id = q.enqueue("test.job")["job_id"]
    q.claim("w1", lease=90)
    job = q.job(job_id)
    assert (job["status"], job["attempts"], job["lease_owner"]) == ("running", 1, "w1")
    assert sql_value("SELECT lease_until - now() = interval '90 seconds' FROM job_queue WHERE id = %s", [job_id])


def test_future_run_at_is_not_claimed(q) -> None:
    sql_value("SELECT fn_job_enqueue('test.job', p_run_at => now() + interval '1 hour')")
    assert q.claim("w1")["status"] == "empty"


def test_paused_queue_is_skipped_until_resumed(q, actor) -> None:
    maint = q.enqueue("test.job", queue_name="maintenance")["job_id"]
    with db_error(sqlstate="QG001", match=r"^actor_required: "):
        q.call("SELECT fn_queue_pause('maintenance', 'window')")
    actor("user:operator")
    with db_error(sqlstate="QG008", match=r"^reason_required: "):
        q.call("SELECT fn_queue_pause('maintenance', '')")
    assert q.call("SELECT fn_queue_pause('maintenance', 'db upgrade')")["status"] == "paused"
    assert q.call("SELECT fn_queue_pause('maintenance', 'db upgrade')")["status"] == "nothing_to_do"
    default = q.enqueue("test.job")["job_id"]
    assert q.claim_ids("w1") == [default]
    assert q.claim("w1", queues=["maintenance"])["status"] == "empty"
    assert q.call("SELECT fn_queue_resume('maintenance', 'done')")["status"] == "resumed"
    assert q.claim_ids("w1", queues=["maintenance"]) == [maint]


def test_claims_respect_each_executor_class_cap(q, consumer, executor_class) -> None:
    consumer("test.dot", executor_class="dot")  # seeded class 'dot': max_concurrency 1
    capped_class = executor_class("test_cap2", 2)
    consumer("test.capped", executor_class=capped_class)
    dots = [q.enqueue("test.dot")["job_id"] for _ in range(3)]
    capped = [q.enqueue("test.capped")["job_id"] for _ in range(4)]
    free = [q.enqueue("test.free")["job_id"] for _ in range(2)]
    assert q.claim_ids("w1", batch=50, executor_class="dot") == [dots[0]]
    assert sorted(q.claim_ids("w1", batch=50, executor_class=capped_class)) == capped[:2]
    assert sorted(q.claim_ids("w1", batch=50)) == free  # pg_worker: uncapped
    assert q.claim("w2", batch=50, executor_class="dot")["status"] == "empty"
    assert q.claim("w2", batch=50, executor_class=capped_class)["status"] == "empty"
    q.call("SELECT fn_job_ack(%s, 'w1', NULL, 1)", dots[0])
    assert q.claim_ids("w2", batch=50, executor_class="dot") == [dots[1]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("", 1, 60), r"^invalid_worker_id: "),
        (("w1", 0, 60), r"^invalid_batch_size: "),
        (("w1", 1001, 60), r"^invalid_batch_size: "),
        (("w1", 1, 0), r"^invalid_lease: "),
    ],
)
def test_claim_refuses_bad_arguments(q, args, message) -> None:
    with db_error(sqlstate="QG004", match=message):
        q.claim(*args)


# ---------------------------------------------------------------------------
# Fencing: only the lease owner of the current attempt
# ---------------------------------------------------------------------------
FENCED = {
    "ack": "SELECT fn_job_ack(%s, %s, '{\"ok\": 1}', %s)",
    "heartbeat": "SELECT fn_job_heartbeat(%s, %s, 600, %s)",
    "fail": "SELECT fn_job_fail_or_retry(%s, %s, 'boom', %s)",
}


@pytest.mark.parametrize("op", FENCED)
@pytest.mark.parametrize(
    ("worker", "attempt", "reason"),
    [
        ("w2", 1, r"^lease_lost: job \d+ is leased by w1, not w2$"),
        ("w1", 2, r"^lease_lost: job \d+ is on attempt 1, not 2$"),
    ],
)
def test_fenced_calls_from_a_stranger_or_stale_attempt_are_refused(q, op, worker, attempt, reason) -> None:
    job_id = q.enqueue("test.job")["job_id"]
    q.claim("w1")
    before = q.job(job_id)
    answer = q.call(FENCED[op], job_id, worker, attempt)
    assert answer["status"] == "refused" and answer["job_id"] == job_id
    assert re.match(reason, answer["reason"]), answer
    assert q.job(job_id) == before


@pytest.mark.parametrize("op", FENCED)
def test_fenced_calls_without_the_attempt_are_refused(q, op) -> None:
    job_id = q.enqueue("test.job")["job_id"]
    q.claim("w1")
    before = q.job(job_id)
    with db_error(sqlstate="QG004", match=r"^attempt_required: fn_job_\w+ needs the attempt number the claim returned"):
        q.call(FENCED[op], job_id, "w1", None)
    assert q.job(job_id) == before


def test_reaped_and_reclaimed_job_refuses_the_old_attempt(q, open_gate) -> None:
    open_gate("queue.lease_reaper.enabled")
    job_id = q.enqueue("test.job")["job_id"]
    q.claim("w1")
    ago(job_id, "lease_until", "1 second")
    assert q.call("SELECT fn_job_lease_reaper()")["requeued"] == 1
    ago(job_id, "run_at", "1 second")
    [again] = q.claim("w1")["jobs"]  # the same worker id wins the new attempt
    assert again["attempt"] == 2
    late = q.call(FENCED["ack"], job_id, "w1", 1)
    assert late["reason"] == f"lease_lost: job {job_id} is on attempt 2, not 1"
    assert q.call(FENCED["ack"], job_id, "w1", 2)["status"] == "succeeded"
    repeated = q.call(FENCED["ack"], job_id, "w1", 2)  # e.g. resent after a lost connection
    assert repeated["already"] == "succeeded"
    assert repeated["reason"] == f"already_succeeded: attempt 2 of job {job_id} was already acked by this worker"
    assert q.call(FENCED["ack"], job_id, "w2", 2)["reason"] == f"lease_lost: job {job_id} is succeeded, not running"
    assert q.call(FENCED["ack"], 10**12, "w1", 1)["reason"] == f"unknown_job: no job {10**12}"


def test_heartbeat_extends_only_the_owners_leases(q) -> None:
    mine = [q.enqueue("test.job")["job_id"] for _ in range(2)]
    q.claim("w1")
    other = q.enqueue("test.job")["job_id"]
    q.claim("w2")
    answer = q.call("SELECT fn_job_heartbeat_many('w1', %s::bigint[], %s::integer[], 600)", [*mine, other], [1, 1, 1])
    assert sorted(answer["extended"]) == mine and answer["lost"] == [other]
    assert sql_value("SELECT lease_until - now() FROM job_queue WHERE id = %s", [other]).total_seconds() == 60
    assert sql_value("SELECT lease_until - now() FROM job_queue WHERE id = %s", [mine[0]]).total_seconds() == 600


def test_ack_many_is_partial_when_one_is_stale(q) -> None:
    ids = [q.enqueue("test.job")["job_id"] for _ in range(3)]
    q.claim("w1")
    answer = q.call(
        "SELECT fn_job_ack_many('w1', %s::bigint[], %s::integer[], %s::jsonb[])",
        ids,
        [1, 1, 2],
        [json.dumps({"n": i}) for i in range(3)],
    )
    assert answer["status"] == "partial" and answer["acked"] == 2
    assert [r["job_id"] for r in answer["refused"]] == [ids[2]]
    assert answer["refused"][0]["reason"] == f"lease_lost: job {ids[2]} is on attempt 1, not 2"
    assert [q.job(i)["status"] for i in ids] == ["succeeded", "succeeded", "running"]
    assert q.job(ids[1])["result"] == {"n": 1} and q.job(ids[1])["lease_owner"] is None
    with db_error(sqlstate="QG004", match=r"^invalid_batch: "):
        q.call("SELECT fn_job_ack_many('w1', %s::bigint[], %s::integer[])", ids, [1])


def test_ack_many_enforces_the_result_size_cap_like_ack(q) -> None:
    job_id = q.enqueue("test.job")["job_id"]
    q.claim("w1")
    big = json.dumps({"blob": "x" * 70_000})
    with db_error(sqlstate="QG007", match=r"^payload_too_large: result "):
        q.call("SELECT fn_job_ack(%s, 'w1', %s::jsonb, 1)", job_id, big)
    with db_error(sqlstate="QG007", match=r"^payload_too_large: result "):
        q.call("SELECT fn_job_ack_many('w1', %s::bigint[], '{1}', %s::jsonb[])", [job_id], [big])


# ---------------------------------------------------------------------------
# Failure: backoff per policy, then the dead letter
# ---------------------------------------------------------------------------
def expected_delay(backoff: str, base: float, max_delay: float, attempts: int) -> float:
    raw = {"exponential": base * 2 ** (attempts - 1), "linear": base * attempts, "fixed": base}[backoff]
    return min(raw, max_delay)


POLICIES = [
    # code, backoff, base, max delay: the seeded ones and a fractional one
    ("default", "exponential", 5, 5 * 1024),
    ("linear", "linear", 30, 3600),
    ("fixed", "fixed", 60, 60),
    ("test_exp_frac", "exponential", 0.5, 0.5 * 1024),
]


@pytest.mark.parametrize(("code", "backoff", "base", "max_delay"), POLICIES)
def test_fail_or_retry_backoff_follows_the_policy(q, consumer, retry_policy, code, backoff, base, max_delay) -> None:
    if code.startswith("test_"):
        retry_policy(code, 20, backoff, base, max_delay)
    consumer("test.policy", retry_policy=code)
    job_id = q.enqueue("test.policy", max_attempts=20)["job_id"]
    for attempts in (1, 2, 3, 7, 11, 12, 15):
        owner_exec("UPDATE job_queue SET attempts = %s WHERE id = %s", [attempts - 1, job_id])
        attempt = q.start(job_id, "w1")
        answer = q.call("SELECT fn_job_fail_or_retry(%s, 'w1', %s, %s)", job_id, f"err {attempts}", attempt)
        assert answer["status"] == "retry" and answer["attempts"] == attempts
        delay = sql_value("SELECT extract(epoch FROM run_at - now())::float FROM job_queue WHERE id = %s", [job_id])
        assert delay == pytest.approx(expected_delay(backoff, base, max_delay, attempts), abs=1e-6), attempts
        assert sql_value(
            "SELECT fn_retry_delay(%s, %s) = run_at - now() FROM job_queue WHERE id = %s", [code, attempts, job_id]
        )
        job = q.job(job_id)
        assert (job["status"], job["lease_owner"], job["last_error"]) == ("queued", None, f"err {attempts}")


def test_default_backoff_is_capped_at_1024_times_base() -> None:
    assert sql_value("SELECT extract(epoch FROM fn_retry_delay('default', 11))") == 5 * 1024
    assert sql_value("SELECT extract(epoch FROM fn_retry_delay('default', 30))") == 5 * 1024
    assert sql_value("SELECT extract(epoch FROM fn_retry_delay('default', 10))") == 5 * 512


def test_exhausted_attempts_dead_letter_with_a_full_snapshot(q, actor) -> None:
    actor("user:producer")
    job_id = q.enqueue(
        "test.job", {"ref": "doc-9"}, max_attempts=2, priority=7, correlation_id="c-9", idempotency_key="k-9"
    )["job_id"]
    q.claim("w1")
    assert q.call("SELECT fn_job_fail_or_retry(%s, 'w1', 'first', 1)", job_id)["status"] == "retry"
    ago(job_id, "run_at", "1 second")
    q.claim("w2")
    answer = q.call("SELECT fn_job_fail_or_retry(%s, 'w2', 'second', 2)", job_id)
    assert answer["status"] == "dead" and answer["attempts"] == 2
    job = q.job(job_id)
    assert (job["status"], job["lease_owner"], job["lease_until"], job["last_error"]) == ("dead", None, None, "second")
    assert job["finished_at"] is not None
    dl = q.call("SELECT to_jsonb(d) FROM job_dead_letter d WHERE id = %s", answer["dead_letter_id"])
    assert (dl["job_id"], dl["job_kind"], dl["queue_name"]) == (job_id, "test.job", "default")
    assert (dl["attempts"], dl["max_attempts"], dl["last_error"], dl["triage_status"]) == (2, 2, "second", "open")
    assert dl["job_snapshot"] == {k: v for k, v in job.items() if k != "result"}
    assert q.call("SELECT fn_job_fail_or_retry(%s, 'w2', 'again', 2)", job_id)["status"] == "refused"


# ---------------------------------------------------------------------------
# The lease reaper
# ---------------------------------------------------------------------------
def test_lease_reaper_requeues_with_backoff_or_dead_letters(q, open_gate) -> None:
    open_gate("queue.lease_reaper.enabled")
    retry, last, alive = (q.enqueue("test.job", max_attempts=m)["job_id"] for m in (3, 1, 3))
    q.claim("w1")
    ago(retry, "lease_until", "1 second")
    ago(last, "lease_until", "1 minute")
    answer = q.call("SELECT fn_job_lease_reaper()")
    assert answer == {"status": "reaped", "requeued": 1, "dead": 1}
    job = q.job(retry)
    assert (job["status"], job["attempts"], job["lease_owner"]) == ("queued", 1, None)
    assert job["last_error"].startswith("lease_expired: worker w1 did not finish attempt 1 before ")
    assert sql_value("SELECT run_at - now() = fn_retry_delay('default', 1) FROM job_queue WHERE id = %s", [retry])
    assert q.job(last)["status"] == "dead"
    assert sql_value("SELECT last_error FROM job_dead_letter WHERE job_id = %s", [last]).startswith("lease_expired: ")
    assert q.job(alive)["status"] == "running"
    assert q.call("SELECT fn_job_lease_reaper()") == {"status": "nothing_to_do", "requeued": 0, "dead": 0}
    assert q.call("SELECT fn_job_ack(%s, 'w1', NULL, 1)", last)["status"] == "refused"


def test_lease_reaper_is_single_instance(q, open_gate, pg_connect) -> None:
    open_gate("queue.lease_reaper.enabled")
    other = pg_connect(autocommit=False)  # another reaper, mid-run
    other.execute("SELECT pg_advisory_xact_lock(hashtext('queuegov.lease_reaper'))")
    assert q.call("SELECT fn_job_lease_reaper()")["status"] == "busy"
    other.rollback()
    assert q.call("SELECT fn_job_lease_reaper()")["status"] == "nothing_to_do"


# ---------------------------------------------------------------------------
# Operator acts: cancel, retry now
# ---------------------------------------------------------------------------
def test_cancel_queued_and_running_jobs(q, actor) -> None:
    queued, running, done = (q.enqueue("test.job", priority=p)["job_id"] for p in (0, 10, 20))
    q.claim("w1", batch=2)  # running and done
    q.call("SELECT fn_job_ack(%s, 'w1', NULL, 1)", done)
    with db_error(sqlstate="QG001", match=r"^actor_required: "):
        q.call("SELECT fn_job_cancel(%s, 'no longer needed')", queued)
    actor("user:operator")
    with db_error(sqlstate="QG008", match=r"^reason_required: "):
        q.call("SELECT fn_job_cancel(%s, ' ')", queued)
    answer = q.call("SELECT fn_job_cancel_many(%s::bigint[], 'no longer needed')", [queued, running, done, 10**12])
    assert answer["cancelled"] == [queued, running]
    assert answer["skipped"] == [{"id": done, "status": "succeeded"}] and answer["unknown"] == [10**12]
    for job_id in (queued, running):
        job = q.job(job_id)
        assert (job["status"], job["lease_owner"]) == ("cancelled", None)
        assert job["last_error"] == "cancelled by user:operator: no longer needed"
    late = q.call("SELECT fn_job_ack(%s, 'w1', NULL, 1)", running)
    assert late["reason"] == f"lease_lost: job {running} is cancelled, not running"
    assert q.call("SELECT fn_job_fail_or_retry(%s, 'w1', 'x', 1)", running)["status"] == "refused"
    assert q.status(running) == "cancelled"
    assert q.call("SELECT fn_job_cancel(%s, 'again please')", queued)["status"] == "nothing_to_do"


def test_retry_now(q, actor) -> None:
    actor("user:operator")
    later = q.call("SELECT fn_job_enqueue('test.job', p_run_at => now() + interval '1 day')")["job_id"]
    cancelled = q.enqueue("test.job", max_attempts=1)["job_id"]
    q.start(cancelled, "w1")
    q.call("SELECT fn_job_cancel(%s, 'oops')", cancelled)
    running = q.enqueue("test.job")["job_id"]
    q.start(running, "w2")
    dead = q.call("SELECT job_id FROM job_dead_letter WHERE id = %s", q.dead_letter())
    answer = q.call("SELECT fn_job_retry_now_many(%s::bigint[], 'run it now')", [later, cancelled, running, dead])
    assert answer["requeued"] == [later, cancelled]
    assert {s["id"]: s["status"] for s in answer["skipped"]} == {running: "running", dead: "dead"}
    assert sql_value("SELECT run_at = now() FROM job_queue WHERE id = %s", [later])
    job = q.job(cancelled)
    assert (job["status"], job["attempts"], job["max_attempts"], job["finished_at"]) == ("queued", 1, 2, None)
    assert q.claim_ids("w3", batch=10) == [later, cancelled]
