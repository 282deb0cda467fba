"""The staging use cases' executor calls from executor logins of their own
(docs/sql-api.md, "The staging use cases from an executor"): an external_worker login
acknowledges its vector.sync job, a DOT login runs its dot.command job; each lease is
bound to its login, so another login's call is refused and changes nothing."""

from __future__ import annotations

import json

import pytest

from queuegov.actor import Actor, actor_context
from tests.helpers import governed_set, json_value, sql_value
from tests.queuegov.test_trust_boundary import connect_as, executor  # noqa: F401  (fixture)
from tests.staging.conftest import StagingApi

pytestmark = pytest.mark.django_db(transaction=True)


def open_queue(*extra: str) -> None:
    for gate in ("queue.job_substrate.enabled", "queue.worker.enabled", *extra):
        governed_set(gate, True)


def test_an_external_worker_login_acknowledges_its_vector_sync_job(executor) -> None:
    open_queue("vector.sync.enabled")
    with actor_context(Actor(name="user:setup", source="sql")):
        StagingApi().consumed()  # committed: the deferred trigger enqueues five vector.sync jobs
    store, other = executor("external_worker", ["vector_sync"]), executor("external_worker", ["vector_sync"])
    with connect_as(store) as conn:
        claimed = conn.execute("SELECT fn_job_claim('vec-1', ARRAY['vector_sync'], 1, 300)").fetchone()[0]
        job = claimed["jobs"][0]
        assert job["job_kind"] == "vector.sync"
        with connect_as(other) as intruder:
            refused = intruder.execute(
                "SELECT fn_iu_vector_sync_ack(%s, 'vec-1', 'vs://x', %s)", [job["id"], job["attempt"]]
            ).fetchone()[0]
            assert refused["status"] == "refused"
        answer = conn.execute(
            "SELECT fn_iu_vector_sync_ack(%s, 'vec-1', 'vs://kb/1', %s)", [job["id"], job["attempt"]]
        ).fetchone()[0]
    assert answer["status"] == "succeeded" and answer["recorded"] is True
    assert (
        sql_value(
            "SELECT vector_ref FROM iu_vector_sync_point WHERE section_code = %s", [job["payload"]["section_code"]]
        )
        == "vs://kb/1"
    )


def test_a_dot_login_runs_its_dot_command_job(executor) -> None:
    open_queue()
    with actor_context(Actor(name="user:operator", source="sql")):
        job_id = json_value("SELECT fn_iu_dot_command_enqueue('dot_queue_healthcheck', 'evidence for the audit')")[
            "job_id"
        ]
    dot, other = executor("DOT", ["dot"]), executor("DOT", ["dot"])
    with connect_as(dot) as conn:
        job = conn.execute("SELECT fn_job_claim('dot-1', ARRAY['dot'], 1, 300)").fetchone()[0]["jobs"][0]
        assert job["id"] == job_id
        with connect_as(other) as intruder:
            refused = intruder.execute("SELECT fn_iu_dot_command_run(%s, 'dot-1', %s)", [job_id, job["attempt"]])
            assert refused.fetchone()[0]["status"] == "refused"
        answer = conn.execute("SELECT fn_iu_dot_command_run(%s, 'dot-1', %s)", [job_id, job["attempt"]]).fetchone()[0]
        acked = conn.execute(
            "SELECT fn_job_ack(%s, 'dot-1', %s::jsonb, %s)", [job_id, json.dumps(answer), job["attempt"]]
        ).fetchone()[0]
    assert answer["status"] == "ran" and acked["status"] == "succeeded"
    assert sql_value("SELECT actor FROM dot_iu_command_run WHERE job_id = %s", [job_id]) == f"db:{dot.login}"
    assert sql_value("SELECT count(*) FROM dot_iu_command_run WHERE job_id = %s", [job_id]) == 1
    assert json_value("SELECT result -> 'run_id' FROM job_queue WHERE id = %s", [job_id]) == answer["run_id"]
