"""Retention takes no lock that conflicts with claiming.

Connection A runs an applying retention sweep (archive, purge, dead letters,
an old event partition dropped) and keeps its transaction open; connection B,
with ``lock_timeout = 100ms``, enqueues, claims, acks and fails jobs
meanwhile. Every call of B succeeds; then A commits and its work stands.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from queuegov.dbroles import role_name
from tests.database import admin_connect
from tests.helpers import as_json, governed_set
from tests.ops.conftest import JOB_GATES, connection_params

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def connect() -> Iterator[Callable[[], psycopg.Connection]]:
    opened: list[psycopg.Connection] = []

    def open_() -> psycopg.Connection:
        conn = psycopg.connect(**connection_params(), autocommit=True)
        opened.append(conn)
        return conn

    yield open_
    for conn in opened:
        conn.close()


def call(conn: psycopg.Connection, sql: str, *params: Any) -> Any:
    return as_json(conn.execute(sql, params).fetchone()[0])


def enqueue(conn: psycopg.Connection, queue: str = "default", max_attempts: int | None = None) -> int:
    answer = call(
        conn, "SELECT fn_job_enqueue('test.ops.lock', '{}'::jsonb, %s, p_max_attempts => %s)", queue, max_attempts
    )
    assert answer["status"] == "enqueued", answer
    return answer["job_id"]


def claim(conn: psycopg.Connection, worker: str, queue: str = "default", batch: int = 100) -> list[dict[str, Any]]:
    answer = call(conn, "SELECT fn_job_claim(%s, ARRAY[%s], %s, 60, 'pg_worker')", worker, queue, batch)
    assert answer["status"] in ("claimed", "empty"), answer
    return answer["jobs"]


# The sweep's clock: 35 days on, so finished jobs are past hot_days (30) and dead letters
# past dlq_days (lowered to 30), while this month's and last month's partitions are kept.
SWEEP = "SELECT fn_queue_retention(true, 5, 10, now() + interval '35 days')"


def sweep(conn: psycopg.Connection) -> dict[str, Any]:
    """The sweep as the retention command, on the owner's clock (moving it is the owner's: fn_clock)."""
    conn.execute("SELECT set_config('queuegov.actor', 'command:queue_retention', true)")
    conn.execute(f"SET ROLE {role_name('owner')}")
    try:
        return call(conn, SWEEP)
    finally:
        conn.execute("RESET ROLE")


@pytest.fixture
def old_work(connect) -> Iterator[dict[str, Any]]:
    """Committed: finished jobs and dead letters for retention, a job left running, an old partition.

    The jobs go through the SQL API as the app role; the event in the past (no API call writes one)
    and dropping a leftover partition go through the migration login (``admin_connect``)."""
    for gate in (*JOB_GATES, "queue.retention.enabled"):
        governed_set(gate, True)
    governed_set("queue.retention.dlq_days", 30)
    setup = connect()
    admin = admin_connect()
    partition = setup.execute("SELECT 'event_outbox_' || to_char(now() - interval '10 months', 'YYYYMM')").fetchone()[0]
    try:
        admin.execute(f"DROP TABLE IF EXISTS {partition}")
        # Finished: 20 succeeded, 2 dead-lettered.
        for _ in range(20):
            enqueue(setup)
        for job in claim(setup, "ops-lock-setup"):
            call(setup, "SELECT fn_job_ack(%s, 'ops-lock-setup', NULL, %s)", job["id"], job["attempt"])
        for _ in range(2):
            enqueue(setup, max_attempts=1)
        for job in claim(setup, "ops-lock-setup"):
            call(setup, "SELECT fn_job_fail_or_retry(%s, 'ops-lock-setup', 'boom', %s)", job["id"], job["attempt"])
        # Running (claimed before retention starts) and queued work for B.
        enqueue(setup)
        [running] = claim(setup, "ops-lock-b")
        ready = [enqueue(setup) for _ in range(3)]
        # An event partition ten months old with one event in it.
        created = call(
            setup,
            "SELECT fn_event_outbox_ensure_partitions(0, date_trunc('month', now() - interval '10 months'))",
        )
        assert created["created"] == [partition]
        admin.execute(
            f"INSERT INTO {partition} (event_domain, event_stream, event_type, delivery_lane, created_at, occurred_at)"
            " VALUES ('job', 'update', 'job.replayed', 'immediate',"
            " date_trunc('month', now() - interval '10 months'), now())"
        )
        yield {"running": running, "ready": ready, "partition": partition}
    finally:  # also when the setup broke: a committed partition would outlive the test
        admin.execute(f"DROP TABLE IF EXISTS {partition}")
        admin.close()


def test_claims_and_acks_proceed_while_a_retention_batch_is_open(connect, old_work):
    a = psycopg.connect(**connection_params(), autocommit=False)
    try:
        # A: the sweep archives 22 jobs in batches of 5, deletes 2 dead letters, drops the old partition.
        answer = sweep(a)
        assert answer["status"] == "applied", answer
        assert answer["jobs_archived"] == 22
        assert answer["job_dead_letters_deleted"] == 2
        assert answer["event_partitions_dropped"] == [old_work["partition"]]
        assert a.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS  # still open

        b = connect()
        b.execute("SET lock_timeout = '100ms'")
        # Enqueue and claim: the ready jobs (and a new one) are claimed at once.
        new = enqueue(b)
        claimed = claim(b, "ops-lock-b2")
        assert {j["id"] for j in claimed} == {*old_work["ready"], new}
        # Ack the job that was running before the sweep began, and one just claimed.
        running = old_work["running"]
        assert (
            call(b, "SELECT fn_job_ack(%s, 'ops-lock-b', %s, %s)", running["id"], Jsonb({}), running["attempt"])[
                "status"
            ]
            == "succeeded"
        )
        first = claimed[0]
        assert (
            call(b, "SELECT fn_job_ack(%s, 'ops-lock-b2', NULL, %s)", first["id"], first["attempt"])["status"]
            == "succeeded"
        )
        # A failure that dead-letters (the dead-letter table is one retention deletes from).
        doomed = enqueue(b, max_attempts=1)
        [job] = claim(b, "ops-lock-b3")
        assert job["id"] == doomed
        failed = call(b, "SELECT fn_job_fail_or_retry(%s, 'ops-lock-b3', 'boom', %s)", doomed, job["attempt"])
        assert failed["status"] == "dead"
        # A second sweep meanwhile is refused politely (single instance), not blocked.
        assert sweep(b)["status"] == "busy"
        # Control: B's lock_timeout does bite. Dropping the partition locked event_outbox
        # (emits and route workers wait for A's commit; claims never touch it).
        with pytest.raises(psycopg.errors.LockNotAvailable):
            b.execute("SELECT count(*) FROM event_outbox")

        a.commit()
    finally:
        a.close()

    check = connect()
    counts = check.execute(
        "SELECT (SELECT count(*) FROM job_archive), (SELECT count(*) FROM job_dead_letter), to_regclass(%s) IS NULL",
        [old_work["partition"]],
    ).fetchone()
    assert counts == (22, 1, True)  # the new dead letter is B's
    statuses = dict(check.execute("SELECT id, status FROM job_queue").fetchall())
    assert statuses[old_work["running"]["id"]] == "succeeded"
    assert set(statuses.values()) <= {"succeeded", "running", "dead"}
