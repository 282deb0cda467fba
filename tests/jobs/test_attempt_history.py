"""Every attempt of a job is kept (docs/workers.md), and its number is a fencing token never reused."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from jobs import db
from tests.database import as_owner
from tests.helpers import db_error, sql_value, use_actor
from tests.jobs.conftest import owner_exec

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs_on")]

ERROR = "builtins.ValueError: boom\nTraceback (most recent call last):\n  ...\nValueError: boom"


def due(job_id: int) -> None:
    """Make a retried job claimable now (its backoff is not what these tests are about)."""
    owner_exec("UPDATE job_queue SET run_at = now() - interval '1 second' WHERE id = %s", [job_id])


def outline(history: list[dict]) -> list[tuple]:
    return [(a["attempt"], a["worker_id"], a["outcome"], a["error_class"]) for a in history]


def test_released_then_reclaimed_job_refuses_every_stale_call_of_the_same_worker(q) -> None:
    job_id = q.enqueue("test.job")["job_id"]
    [first] = q.claim("w1")["jobs"]
    released = q.call("SELECT fn_job_release_many('w1', %s::bigint[], %s::integer[])", [job_id], [first["attempt"]])
    assert released == {"status": "released", "released": 1, "refused": []}
    [second] = q.claim("w1")["jobs"]
    assert (first["attempt"], second["attempt"]) == (1, 2)  # the token is not handed out twice
    before = q.job(job_id)
    assert (before["attempts"], before["released_attempts"]) == (2, 1)

    stale = {
        "heartbeat": ("SELECT fn_job_heartbeat(%s, 'w1', 600, 1)", [job_id]),
        "ack": ("SELECT fn_job_ack(%s, 'w1', '{}', 1)", [job_id]),
        "fail": ("SELECT fn_job_fail_or_retry(%s, 'w1', 'late', 1)", [job_id]),
    }
    for name, (call, params) in stale.items():
        answer = q.call(call, *params)
        assert answer["status"] == "refused", (name, answer)
        assert answer["reason"] == f"already_released: attempt 1 of job {job_id} was already released by this worker"
    many = q.call("SELECT fn_job_heartbeat_many('w1', %s::bigint[], %s::integer[], 600)", [job_id], [1])
    assert many["extended"] == [] and many["lost"] == [job_id]
    again = q.call("SELECT fn_job_release_many('w1', %s::bigint[], %s::integer[])", [job_id], [1])
    assert again["released"] == 0 and again["refused"][0]["already"] == "released"
    acks = q.call("SELECT fn_job_ack_many('w1', %s::bigint[], %s::integer[])", [job_id], [1])
    assert acks["acked"] == 0 and acks["refused"][0]["job_id"] == job_id
    assert q.job(job_id) == before
    # The current token still works.
    assert q.call("SELECT fn_job_ack(%s, 'w1', '{}', 2)", job_id)["status"] == "succeeded"


def test_the_many_forms_require_one_attempt_per_job(q) -> None:
    job_id = q.enqueue("test.job")["job_id"]
    q.claim("w1")
    calls = (
        "fn_job_heartbeat_many('w1', %s::bigint[], %s::integer[])",
        "fn_job_release_many('w1', %s::bigint[], %s::integer[])",
    )
    for call in calls:
        with db_error(sqlstate="QG004", match=r"^attempt_required: fn_job_\w+_many needs one attempt per job id"):
            q.call(f"SELECT {call}", [job_id], [])
    assert q.status(job_id) == "running"


def test_every_attempt_is_kept_and_the_dead_letter_carries_them(q, consumer, retry_policy, open_gate) -> None:
    open_gate("queue.lease_reaper.enabled")
    consumer("test.hist", retry_policy=retry_policy("test_hist", 3, "fixed", 0.01, 0.01))
    job_id = q.enqueue("test.hist", max_attempts=3)["job_id"]
    q.claim("w1")
    assert q.call("SELECT fn_job_fail_or_retry(%s, 'w1', %s, 1)", job_id, ERROR)["status"] == "retry"
    due(job_id)
    q.claim("w2", lease=60)
    owner_exec("UPDATE job_queue SET lease_until = now() - interval '1 second' WHERE id = %s", [job_id])
    use_actor("command:lease_reaper", source="command")
    q.call("SELECT fn_job_lease_reaper()")
    due(job_id)
    q.claim("w3")
    q.call("SELECT fn_job_release_many('w3', %s::bigint[], %s::integer[])", [job_id], [3])
    q.claim("w3")
    dead = q.call("SELECT fn_job_fail_or_retry(%s, 'w3', 'plain words, no class', 4)", job_id)
    # Three attempts ran (the released one does not count): the budget of 3 is spent.
    assert dead["status"] == "dead"

    history = q.history(job_id)
    assert outline(history) == [
        (1, "w1", "failed", "builtins.ValueError"),
        (2, "w2", "lease_expired", None),
        (3, "w3", "released", None),
        (4, "w3", "failed", None),
    ]
    assert history[0]["error"] == ERROR and history[0]["started_at"] and history[0]["finished_at"]
    assert history[1]["error"].startswith("lease_expired: worker w2 did not finish attempt 2")
    assert history[2]["started_at"] is None  # never started
    assert q.call("SELECT attempt_history FROM job_dead_letter WHERE id = %s", dead["dead_letter_id"]) == history


def test_a_succeeded_attempt_is_the_job_row_and_retention_archives_the_history(q, open_gate) -> None:
    job_id = q.enqueue("test.job", max_attempts=3)["job_id"]
    q.claim("w1")
    q.call("SELECT fn_job_fail_or_retry(%s, 'w1', %s, 1)", job_id, ERROR)
    due(job_id)
    q.claim("w2")
    assert outline(q.history(job_id))[-1] == (2, "w2", "running", None)
    assert (
        q.call("SELECT fn_job_ack(%s, 'w2', %s::jsonb, 2)", job_id, json.dumps({"answer": 42}))["status"] == "succeeded"
    )
    live = q.history(job_id)
    assert outline(live) == [(1, "w1", "failed", "builtins.ValueError"), (2, "w2", "succeeded", None)]
    assert sql_value("SELECT count(*) FROM job_attempt WHERE job_id = %s", [job_id]) == 1  # success writes no row

    open_gate("queue.retention.enabled")
    use_actor("command:queue_retention", source="command")
    later = sql_value("SELECT now()") + timedelta(days=31)
    with as_owner():
        applied = q.call("SELECT fn_queue_retention(true, 5000, 20, %s)", later)
    assert applied["jobs_archived"] >= 1
    assert sql_value("SELECT count(*) FROM job_attempt WHERE job_id = %s", [job_id]) == 0
    archived = db.job_row(job_id)
    assert archived is not None and archived["archived"] is True
    assert archived["result"] == {"answer": 42} and archived["status"] == "succeeded"
    assert outline(archived["attempt_history"]) == outline(live)
    assert archived["attempt_history"][1]["finished_at"] is not None
    assert archived["payload"] == {} and archived["run_at"] is not None


def test_a_heartbeat_without_a_lease_length_is_refused(q) -> None:
    """A NULL lease would leave the job running with no lease_until: no reaper would ever find it."""
    job_id = q.enqueue("test.job")["job_id"]
    q.claim("w1")
    for call, params in (
        ("SELECT fn_job_heartbeat(%s, 'w1', NULL, 1)", [job_id]),
        ("SELECT fn_job_heartbeat_many('w1', %s::bigint[], %s::integer[], NULL)", [[job_id], [1]]),
        ("SELECT fn_job_heartbeat_many('w1', %s::bigint[], %s::integer[], 0)", [[job_id], [1]]),
    ):
        with db_error(sqlstate="QG004", match=r"^invalid_lease: lease must be between 1 and 86400 seconds"):
            q.call(call, *params)
    assert q.job(job_id)["lease_until"] is not None


def test_cancelling_a_running_job_ends_its_attempt_and_refuses_the_late_report(q, actor) -> None:
    job_id = q.enqueue("test.job")["job_id"]
    q.claim("w1")
    actor("user:canceller")
    assert q.call("SELECT fn_job_cancel(%s, 'no longer needed')", job_id)["status"] == "cancelled"
    assert outline(q.history(job_id)) == [(1, "w1", "cancelled", None)]
    late = q.call("SELECT fn_job_fail_or_retry(%s, 'w1', 'late failure', 1)", job_id)
    assert late["reason"] == f"lease_lost: job {job_id} is cancelled, not running"
    assert outline(q.history(job_id)) == [(1, "w1", "cancelled", None)]
