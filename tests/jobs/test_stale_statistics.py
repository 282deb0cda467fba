"""A worker's calls on its own leases find their jobs by id, whatever the statistics say.

The machine's PostgreSQL runs without autovacuum, so job_queue's statistics are
as old as its last ANALYZE. Statistics taken while every job was queued say no
job runs; the planner then read the partial lease index (every running job) for
a lookup by id, and each ack, heartbeat, failure or release cost a scan of every
running job. Measured from outside: a 50-job ack among 20,000 running jobs read
20,000 lease index entries (5 ms instead of 0.2 ms). Here the index entries each
call reads are counted in the transaction's own statistics.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.database import as_owner
from tests.helpers import sql_exec, sql_value
from tests.jobs.conftest import SqlApi

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs_on")]

RUNNING = 1500
LEASE_INDEX = "job_queue_lease"


def lease_index_reads() -> int:
    """Lease index entries read so far in this transaction."""
    return sql_value("SELECT pg_stat_get_xact_tuples_returned(%s::regclass)", [LEASE_INDEX])


@pytest.fixture
def running(q: SqlApi) -> list[tuple[int, int]]:
    """RUNNING jobs leased to w1 while the statistics say every job is queued: (id, attempt) pairs."""
    for _ in range(RUNNING // 500):
        q.enqueue_many([{"job_kind": "test.job"} for _ in range(500)])
    with as_owner():
        sql_exec("ANALYZE job_queue")
    claimed = []
    while len(claimed) < RUNNING:
        claimed += [(j["id"], j["attempt"]) for j in q.claim("w1", batch=500, lease=600)["jobs"]]
    assert sql_value("SELECT count(*) FROM job_queue WHERE status = 'running'") == RUNNING
    return claimed


def many(function: str, *extra: str) -> Callable[[SqlApi, list[tuple[int, int]]], Any]:
    """A call of ``function('w1', ids, attempts, *extra)``."""
    tail = "".join(f", {e}" for e in extra)

    def call(q: SqlApi, jobs: list[tuple[int, int]]) -> Any:
        ids, attempts = [i for i, _ in jobs], [a for _, a in jobs]
        return q.call(f"SELECT {function}('w1', %s::bigint[], %s::integer[]{tail})", ids, attempts)

    return call


CALLS: dict[str, Callable[[SqlApi, list[tuple[int, int]]], Any]] = {
    "fn_job_ack_many": many("fn_job_ack_many"),
    "fn_job_ack_many_and_claim": many("fn_job_ack_many_and_claim", "NULL", "NULL", "5", "60", "'pg_worker'"),
    "fn_job_heartbeat_many": many("fn_job_heartbeat_many", "600"),
    "fn_job_release_many": many("fn_job_release_many"),
    "fn_job_ack": lambda q, jobs: [q.call("SELECT fn_job_ack(%s, 'w1', NULL, %s)", i, a) for i, a in jobs],
    "fn_job_heartbeat": lambda q, jobs: [q.call("SELECT fn_job_heartbeat(%s, 'w1', 600, %s)", i, a) for i, a in jobs],
    "fn_job_fail_or_retry": lambda q, jobs: [
        q.call("SELECT fn_job_fail_or_retry(%s, 'w1', 'boom', %s)", i, a) for i, a in jobs
    ],
}


@pytest.mark.parametrize("name", list(CALLS))
def test_lease_calls_read_their_jobs_by_id_under_stale_statistics(q: SqlApi, running, name: str) -> None:
    jobs = running[:5]
    before = lease_index_reads()
    answer = CALLS[name](q, jobs)
    read = lease_index_reads() - before
    answers = answer if isinstance(answer, list) else [answer.get("ack", answer)]
    assert all(a["status"] not in ("partial", "refused", "lost") for a in answers), answers
    # A lookup by id reads no running job but its own (a reinsert into the lease index reads none).
    assert read <= len(jobs), f"{name} read {read} lease index entries for {len(jobs)} jobs among {RUNNING} running"


def test_a_claim_updates_its_picked_jobs_by_id_without_scanning_the_table(q: SqlApi) -> None:
    """Joined to its picked rows, the claim's UPDATE was planned as a hash join over a
    sequential scan of job_queue when the table was small enough (5,000 queued jobs)."""
    for _ in range(10):
        q.enqueue_many([{"job_kind": "test.job"} for _ in range(500)])
    with as_owner():
        sql_exec("ANALYZE job_queue")
    before = sql_value("SELECT pg_stat_get_xact_numscans('job_queue'::regclass)")
    assert len(q.claim_ids("w1", batch=50)) == 50
    assert sql_value("SELECT pg_stat_get_xact_numscans('job_queue'::regclass)") == before


def index_reads() -> int:
    """Entries of the two claim indexes read so far in this transaction."""
    return sql_value(
        "SELECT pg_stat_get_xact_tuples_returned('job_queue_ready'::regclass)"
        " + pg_stat_get_xact_tuples_returned('job_queue_claim'::regclass)"
    )


@pytest.fixture
def other_queue_backlog(q: SqlApi) -> list[int]:
    """2,000 queued jobs of queue default at priority 50, in front of 4 of queue maintenance
    at 0, then ANALYZE; answers the maintenance jobs.

    A first claim of each index's front marks what earlier tests rolled back there as dead
    (autovacuum is off): only the measured claims' own reads are counted.
    """
    for _ in range(4):
        q.enqueue_many([{"job_kind": "test.job", "priority": 50} for _ in range(500)])
    mine = [q.enqueue("test.job", queue_name="maintenance")["job_id"] for _ in range(4)]
    with as_owner():
        sql_exec("ANALYZE job_queue")
    assert len(q.claim_ids("w1", batch=1)) == 1
    assert q.claim_ids("w1", batch=1, queues=["maintenance"]) == mine[:1]
    return mine[1:]


def test_a_claim_of_one_queue_reads_that_queue_s_jobs_only(q: SqlApi, other_queue_backlog) -> None:
    """The claim has one plan for every call (planning it for its arguments cost a pickup
    0.5 ms), so one queue is a plan of its own: walking the class's ready index and skipping
    the other queue's jobs would read the 2,000 entries in front of them."""
    mine = other_queue_backlog
    scans = sql_value("SELECT pg_stat_get_xact_numscans('job_queue'::regclass)")
    for i in range(7):  # past the plan cache's first calls
        before = index_reads()
        assert q.claim_ids("w1", batch=1, queues=["maintenance"]) == mine[i : i + 1]
        read = index_reads() - before  # what it claimed before, still in the index until VACUUM
        assert read <= 10, f"a claim of queue maintenance read {read} index entries behind 2,000 of queue default"
    # no queue, or several, read the jobs in claim order from the class's index
    before = index_reads()
    assert len(q.claim_ids("w1", batch=5, queues=["default", "maintenance"])) == 5
    assert len(q.claim_ids("w1", batch=5)) == 5
    assert index_reads() - before <= 30
    # an empty list of queues names none: nothing is read
    before = index_reads()
    assert q.claim("w1", batch=5, queues=[])["status"] == "empty"
    assert index_reads() - before == 0
    assert sql_value("SELECT pg_stat_get_xact_numscans('job_queue'::regclass)") == scans, "a claim scanned job_queue"


def test_repeated_claims_never_scan_the_table(q: SqlApi, other_queue_backlog) -> None:
    before = sql_value("SELECT pg_stat_get_xact_numscans('job_queue'::regclass)")
    for _ in range(8):
        assert len(q.claim_ids("w1", batch=50, queues=["default"])) == 50
        assert q.claim("w1", batch=50, queues=["dot"])["status"] == "empty"
    scans = sql_value("SELECT pg_stat_get_xact_numscans('job_queue'::regclass)") - before
    assert scans == 0, f"16 claims made {scans} sequential scans of job_queue"
