"""docs/executors.md, "Orphaned work": ready jobs of a kind that no fresh
executor claims (by the class, kinds and queues its heartbeat names) are a
health problem (fn_queue_health, ``manage.py queue_health`` exits 1, /metrics),
named by kind with its class."""

from __future__ import annotations

import json
import re

import pytest

from tests.helpers import json_value

pytestmark = pytest.mark.django_db

AGENT_KIND = "test.agent.orphan"


def beat(executor: str, kind: str, executor_class: str, **meta: object) -> None:
    json_value(
        "SELECT fn_queue_heartbeat_tick(%s, %s, %s::jsonb)",
        [executor, kind, json.dumps({"class": executor_class, **meta})],
    )


@pytest.fixture
def agent_job(ops, jobs_on, actor, open_gate) -> int:
    open_gate("queue.heartbeat.enabled")
    actor("user:ops")
    json_value("SELECT fn_consumer_register(%s, 'agent', 'default')", [AGENT_KIND])
    return ops.enqueue(AGENT_KIND, run_at_offset=-120)


def orphans(ops) -> dict[str, dict]:
    return {name: p for (section, name), p in ops.problems().items() if section == "orphaned_work"}


def test_ready_work_no_executor_serves_is_a_problem_named_by_kind(ops, agent_job) -> None:
    problem = orphans(ops)[AGENT_KIND]
    assert problem["value"] == 1
    assert problem["detail"]["executor_kind"] == "Agent"
    assert problem["detail"]["executor_class"] == "agent"
    assert problem["detail"]["queues"] == ["default"]
    assert problem["detail"]["why"] == "no fresh executor of its class"
    assert float(problem["detail"]["oldest_ready_seconds"]) == pytest.approx(120, abs=2)
    assert ops.health()["healthy"] is False


def test_a_fresh_executor_of_the_class_serves_it(ops, agent_job) -> None:
    beat("agent-host-1", "Agent", "agent")
    assert AGENT_KIND not in orphans(ops)


def test_an_executor_naming_the_kind_serves_it(ops, agent_job) -> None:
    beat("agent-host-1", "Agent", "agent", kinds=[AGENT_KIND, "other.kind"], queues=["default"])
    assert AGENT_KIND not in orphans(ops)


def test_an_executor_of_the_class_for_other_kinds_does_not(ops, agent_job) -> None:
    beat("agent-host-1", "Agent", "agent", kinds=["other.kind"])
    problem = orphans(ops)[AGENT_KIND]
    assert problem["detail"]["why"] == "no fresh executor of its class claims this kind on these queues"


def test_an_executor_of_the_class_on_other_queues_does_not(ops, agent_job) -> None:
    beat("agent-host-1", "Agent", "agent", queues=["agents"])
    assert AGENT_KIND in orphans(ops)
    beat("agent-host-2", "Agent", "agent", queues=["agents", "default"])
    assert AGENT_KIND not in orphans(ops)


def test_a_kind_the_python_worker_has_no_handler_for_is_orphaned_beside_a_live_worker(
    ops, jobs_on, actor, open_gate
) -> None:
    from jobs.worker import Worker

    open_gate("queue.heartbeat.enabled")
    actor("user:ops")
    json_value("SELECT fn_consumer_register(%s, 'pg_worker', 'default')", ["test.nohandler.orphan"])
    ops.enqueue("test.nohandler.orphan", run_at_offset=-120)
    noop = ops.enqueue("queuegov.noop", run_at_offset=-120)
    worker = Worker(worker_id="py-orphan-check")
    assert "test.nohandler.orphan" not in worker._claim_kinds()
    beat("py-orphan-check", "PG_worker", "pg_worker", **worker.heartbeat_meta())
    found = orphans(ops)
    assert found["test.nohandler.orphan"]["detail"]["executor_class"] == "pg_worker"
    assert "queuegov.noop" not in found, noop


def test_an_executor_of_another_class_does_not(ops, agent_job) -> None:
    beat("py-1", "PG_worker", "pg_worker")
    assert AGENT_KIND in orphans(ops)


def test_a_stale_executor_does_not(ops, agent_job) -> None:
    beat("agent-host-1", "Agent", "agent")
    ops.stale_check(3600)
    assert AGENT_KIND in orphans(ops)


def test_work_younger_than_the_setting_is_not_orphaned_yet(ops, jobs_on, actor, set_config) -> None:
    actor("user:ops")
    json_value("SELECT fn_consumer_register(%s, 'agent', 'default')", [AGENT_KIND])
    ops.enqueue(AGENT_KIND, run_at_offset=-30)
    assert AGENT_KIND not in orphans(ops)  # 30 s < 60 s
    set_config("queue.health.orphan_after_seconds", 10)
    assert AGENT_KIND in orphans(ops)


def test_a_paused_queue_is_not_orphaned_work(ops, agent_job) -> None:
    assert AGENT_KIND in orphans(ops)
    ops.pause("default")
    assert AGENT_KIND not in orphans(ops)


def test_metrics_export_orphaned_work(ops, agent_job) -> None:
    from prometheus_client import generate_latest
    from prometheus_client.core import CollectorRegistry

    from queuegov.ops.metrics import HealthCollector

    registry = CollectorRegistry(auto_describe=False)
    registry.register(HealthCollector(ops.health()))
    text = generate_latest(registry).decode()
    assert f'queuegov_orphaned_ready_jobs{{executor_class="agent",job_kind="{AGENT_KIND}"}} 1.0' in text


def test_the_dashboard_shows_each_class_its_kinds_executors_and_orphaned_work(ops, agent_job, client, make_user):
    beat("py-1", "PG_worker", "pg_worker")
    client.force_login(make_user("ops-classes-admin", superuser=True))
    html = client.get("/admin/").content.decode()
    table = html[html.index('<table id="qg-executor-classes">') :]
    table = table[: table.index("</table>")]
    rows = {m.group(1): m.group(0) for m in re.finditer(r"<tr><td>([a-z_]+) <small>.*?</tr>", table, re.S)}
    assert AGENT_KIND in rows["agent"]
    assert f'none <strong style="color:#cf222e">orphaned: {AGENT_KIND}' in rows["agent"]
    assert "<td>1</td></tr>" in rows["agent"]  # one ready job
    assert "py-1" in rows["pg_worker"] and "queuegov.noop" in rows["pg_worker"]
    assert "orphaned" not in rows["hermes"]  # nothing waits for it
