"""docs/executors.md: a job kind belongs to one executor class, and a claim
names its class, so an executor only ever receives the kinds it can run."""

from __future__ import annotations

import pytest

from tests.helpers import db_error, sql_rows, sql_value
from tests.jobs.conftest import owner_exec

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs_on")]

AGENT_KIND = "test.agent.review"


@pytest.fixture
def agent_kind(consumer) -> str:
    return consumer(AGENT_KIND, executor_class="agent")


def test_each_job_carries_its_kinds_class(q, agent_kind) -> None:
    agent = q.enqueue(agent_kind)["job_id"]
    python = q.enqueue("queuegov.noop")["job_id"]
    classes = dict(sql_rows("SELECT id, executor_class FROM job_queue WHERE id = ANY(%s)", [[agent, python]]))
    assert classes == {agent: "agent", python: "pg_worker"}


@pytest.mark.parametrize("many", [False, True])
def test_an_unregistered_kind_is_refused_and_nothing_is_written(q, many) -> None:
    before = sql_value("SELECT count(*) FROM job_queue")
    with db_error(sqlstate="QG005", match=r"^unknown_job_kind: test\.nobody\.registered\.this is not a registered"):
        if many:
            q.enqueue_many([{"job_kind": "test.job"}, {"job_kind": "test.nobody.registered.this"}])
        else:
            q.enqueue("test.nobody.registered.this")
    assert sql_value("SELECT count(*) FROM job_queue") == before


def test_a_retired_kind_takes_no_new_jobs(q, consumer) -> None:
    kind = consumer("test.retiring")
    q.enqueue(kind)
    owner_exec("UPDATE consumer_registry SET status = 'retired' WHERE job_kind = %s", [kind])
    with db_error(sqlstate="QG005", match=r"^unknown_job_kind: test\.retiring "):
        q.enqueue(kind)


def test_a_claim_receives_only_its_class(q, agent_kind) -> None:
    agents = [q.enqueue(agent_kind)["job_id"] for _ in range(3)]
    python = [q.enqueue("queuegov.noop")["job_id"] for _ in range(3)]
    assert sorted(j["id"] for j in q.claim("w-py", batch=10)["jobs"]) == python
    assert sorted(j["id"] for j in q.claim("w-agent", batch=10, executor_class="agent")["jobs"]) == agents


def test_job_kinds_narrow_a_claim_within_its_class(q, consumer) -> None:
    a, b = consumer("test.py.a"), consumer("test.py.b")
    only_a = [q.enqueue(a)["job_id"] for _ in range(2)]
    q.enqueue(b)
    claimed = q.call("SELECT fn_job_claim('w', NULL, 10, 60, 'pg_worker', ARRAY[%s])", a)
    assert sorted(j["id"] for j in claimed["jobs"]) == only_a


def test_the_app_must_name_the_class_it_claims_for(q) -> None:
    with db_error(sqlstate="QG004", match=r"^executor_class_required: a claim names the executor class"):
        q.call("SELECT fn_job_claim('w', NULL, 10, 60)")


def test_an_unknown_class_is_refused_by_name(q) -> None:
    with db_error(sqlstate="QG005", match=r"^unknown_executor_class: nosuch is not an active executor class"):
        q.claim("w", executor_class="nosuch")


def test_a_kind_bound_to_another_class_takes_its_queued_jobs_along(q, consumer) -> None:
    kind = consumer("test.moving")
    job = q.enqueue(kind)["job_id"]
    consumer(kind, executor_class="agent")
    assert sql_value("SELECT executor_class FROM job_queue WHERE id = %s", [job]) == "agent"
    assert q.claim("w-py")["jobs"] == []
    assert [j["id"] for j in q.claim("w-agent", executor_class="agent")["jobs"]] == [job]


def test_max_concurrency_holds_per_class(q, consumer, executor_class) -> None:
    capped = executor_class("test_capped", 2)
    kind = consumer("test.capped.kind", executor_class=capped)
    for _ in range(5):
        q.enqueue(kind)
    assert len(q.claim("w1", batch=10, executor_class=capped)["jobs"]) == 2
    assert q.claim("w2", batch=10, executor_class=capped)["jobs"] == []
