"""Workflow tests: specs, a driver that plays the worker through the SQL API."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers import as_json, sql_value, use_actor
from tests.jobs.conftest import (  # noqa: F401  (fixtures)
    consumer,
    jobs_on,
    q,
    retry_policy,
    runs_schema,
    runs_table,
    spawn_worker,
)
from tests.queuegov.conftest import roles  # noqa: F401  (fixture)


def job(kind: str = "test.job", **payload: Any) -> dict[str, Any]:
    return {"job_kind": kind, "payload": payload}


def step(name: str, *depends_on: str, kind: str = "test.job", **extra: Any) -> dict[str, Any]:
    s: dict[str, Any] = {"name": name, "job": job(kind, step=name)}
    if depends_on:
        s["depends_on"] = list(depends_on)
    s.update(extra)
    return s


class Flow:
    """The workflow SQL API, and a worker played by hand (claim, ack, fail)."""

    @staticmethod
    def create(spec: dict[str, Any]) -> Any:
        return as_json(sql_value("SELECT fn_workflow_create(%s::jsonb)", [json.dumps(spec)]))

    def start(self, name: str, *steps: dict[str, Any]) -> int:
        answer = self.create({"name": name, "steps": list(steps)})
        assert answer["status"] == "created", answer
        return answer["workflow_id"]

    @staticmethod
    def status(workflow_id: int) -> str:
        return sql_value("SELECT status FROM workflow WHERE id = %s", [workflow_id])

    @staticmethod
    def steps(workflow_id: int) -> dict[str, str]:
        return dict(
            as_json(
                sql_value(
                    "SELECT coalesce(jsonb_object_agg(name, status), '{}') FROM workflow_step WHERE workflow_id = %s",
                    [workflow_id],
                )
            )
        )

    @staticmethod
    def step_job(workflow_id: int, name: str) -> int | None:
        return sql_value("SELECT job_id FROM workflow_step WHERE workflow_id = %s AND name = %s", [workflow_id, name])

    @staticmethod
    def claim(worker: str = "w1", batch: int = 100) -> list[dict[str, Any]]:
        answer = as_json(sql_value("SELECT fn_job_claim(%s, NULL, %s, 60, 'pg_worker')", [worker, batch]))
        return answer["jobs"]

    @staticmethod
    def ack(jobs: list[dict[str, Any]], worker: str = "w1", result: Any = None) -> Any:
        return as_json(
            sql_value(
                "SELECT fn_job_ack_many(%s, %s::bigint[], %s::integer[], %s::jsonb[])",
                [worker, [j["id"] for j in jobs], [j["attempt"] for j in jobs],
                 [json.dumps(result if result is not None else {"done": j["payload"].get("step")}) for j in jobs]],
            )
        )  # fmt: skip

    @staticmethod
    def fail(j: dict[str, Any], worker: str = "w1", error: str = "boom") -> Any:
        return as_json(sql_value("SELECT fn_job_fail_or_retry(%s, %s, %s, %s)", [j["id"], worker, error, j["attempt"]]))

    def run_all(self, worker: str = "w1", fail: set[str] | None = None) -> list[str]:
        """Claims and acks until nothing is queued (failing the steps named in ``fail``); the step
        names in the order they ran."""
        ran: list[str] = []
        while jobs := self.claim(worker):
            ok = [j for j in jobs if j["payload"].get("step") not in (fail or set())]
            for j in jobs:
                ran.append(j["payload"].get("step"))
                if j not in ok:
                    self.fail(j, worker)
            if ok:
                self.ack(ok, worker)
        return ran


#: The people the tests assign work to and act as: tasks, approvals and messages go to
#: active users and the app's groups only (fn_assignee_unknown).
PEOPLE = ("alice", "ann", "abe", "bob", "doer", "starter", "rita", "rick", "ops", "visitor", "otto", "mara", "bea")


@pytest.fixture
def people(roles: None) -> None:
    from django.contrib.auth.models import Group, User

    User.objects.bulk_create([User(username=name) for name in PEOPLE], ignore_conflicts=True)
    Group.objects.get_or_create(name="editors")


@pytest.fixture
def flow(jobs_on: None, people: None) -> Flow:
    use_actor("test:workflow-starter")
    return Flow()
