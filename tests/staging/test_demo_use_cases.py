"""staging/demo.py seeds one example of each staging use case through the SQL API
(docs/staging.md), with the gates closed (what a fresh demo sees before its gates open)
and open, and again without failing."""

from __future__ import annotations

import pytest

from staging.demo import seed_use_cases
from tests.helpers import governed_set, sql_exec, sql_value
from tests.queuegov.conftest import make_user, role_users, roles  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def test_seed_with_the_gates_closed(role_users) -> None:
    sql_exec("SET CONSTRAINTS information_unit_vector_sync IMMEDIATE")  # the test never commits
    lines = seed_use_cases(role_users["operator"])
    assert len(lines) == 3
    assert lines[0].startswith("vector sync: DEMO-TRAVEL cut into units") and "3 units behind" in lines[0]
    assert "verify_new gave 1 verdicts" in lines[1]
    assert lines[2].startswith("DOT run: dot_queue_healthcheck not enqueued (gate_closed")
    assert seed_use_cases(role_users["operator"])[1].endswith("told approvers of 0 and operators of 0 manifests")


def test_seed_with_the_job_gates_open_runs_the_dot_command(role_users) -> None:
    for gate in ("queue.job_substrate.enabled", "queue.worker.enabled"):
        governed_set(gate, True)
    lines = seed_use_cases(role_users["operator"])
    assert lines[2].startswith("DOT run: job #") and "ran dot_queue_healthcheck as run #" in lines[2]
    assert sql_value("SELECT count(*) FROM dot_iu_command_run r JOIN job_queue j ON j.id = r.job_id"
                     " WHERE (j.result ->> 'run_id')::bigint = r.id AND j.status = 'succeeded'") == 1  # fmt: skip
