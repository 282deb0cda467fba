"""docs/executors.md, "Orphaned work": ready jobs of an executor class that no
fresh executor serves are a health problem (fn_queue_health, ``manage.py
queue_health`` exits 1, /metrics), named by class with its kinds."""

from __future__ import annotations

import json
import re

import pytest

from tests.helpers import json_value

pytestmark = pytest.mark.django_db

AGENT_KIND = "test.agent.orphan"


def beat(executor: str, kind: str, executor_class: str) -> None:
    json_value(
        "SELECT fn_queue_heartbeat_tick(%s, %s, %s::jsonb)", [executor, kind, json.dumps({"class": executor_class})]
    )


@pytest.fixture
def agent_job(ops, jobs_on, actor, open_gate) -> int:
    open_gate("queue.heartbeat.enabled")
    actor("user:ops")
    json_value("SELECT fn_consumer_register(%s, 'agent', 'default')", [AGENT_KIND])
    return ops.enqueue(AGENT_KIND, run_at_offset=-120)


def orphans(ops) -> dict[str, dict]:
    return {name: p for (section, name), p in ops.problems().items() if section == "orphaned_work"}


def test_ready_work_no_executor_serves_is_a_problem_named_by_class(ops, agent_job) -> None:
    problem = orphans(ops)["agent"]
    assert problem["value"] == 1
    assert problem["detail"]["executor_kind"] == "Agent"
    assert AGENT_KIND in problem["detail"]["job_kinds"]
    assert float(problem["detail"]["oldest_ready_seconds"]) == pytest.approx(120, abs=2)
    assert ops.health()["healthy"] is False


def test_a_fresh_executor_of_the_class_serves_it(ops, agent_job) -> None:
    beat("agent-host-1", "Agent", "agent")
    assert "agent" not in orphans(ops)


def test_an_executor_of_another_class_does_not(ops, agent_job) -> None:
    beat("py-1", "PG_worker", "pg_worker")
    assert "agent" in orphans(ops)


def test_a_stale_executor_does_not(ops, agent_job) -> None:
    beat("agent-host-1", "Agent", "agent")
    ops.stale_check(3600)
    assert "agent" in orphans(ops)


def test_work_younger_than_the_setting_is_not_orphaned_yet(ops, jobs_on, actor, set_config) -> None:
    actor("user:ops")
    json_value("SELECT fn_consumer_register(%s, 'agent', 'default')", [AGENT_KIND])
    ops.enqueue(AGENT_KIND, run_at_offset=-30)
    assert "agent" not in orphans(ops)  # 30 s < 60 s
    set_config("queue.health.orphan_after_seconds", 10)
    assert "agent" in orphans(ops)


def test_a_paused_queue_is_not_orphaned_work(ops, agent_job) -> None:
    assert "agent" in orphans(ops)
    ops.pause("default")
    assert "agent" not in orphans(ops)


def test_metrics_export_orphaned_work(ops, agent_job) -> None:
    from prometheus_client import generate_latest
    from prometheus_client.core import CollectorRegistry

    from queuegov.ops.metrics import HealthCollector

    registry = CollectorRegistry(auto_describe=False)
    registry.register(HealthCollector(ops.health()))
    assert 'queuegov_orphaned_ready_jobs{executor_class="agent"} 1.0' in generate_latest(registry).decode()


def test_the_dashboard_shows_each_class_its_kinds_executors_and_orphaned_work(ops, agent_job, client, make_user):
    beat("py-1", "PG_worker", "pg_worker")
    client.force_login(make_user("ops-classes-admin", superuser=True))
    html = client.get("/admin/").content.decode()
    table = html[html.index('<table id="qg-executor-classes">') :]
    table = table[: table.index("</table>")]
    rows = {m.group(1): m.group(0) for m in re.finditer(r"<tr><td>([a-z_]+) <small>.*?</tr>", table, re.S)}
    assert AGENT_KIND in rows["agent"] and "NONE: orphaned work" in rows["agent"]
    assert "<td>1</td></tr>" in rows["agent"]  # one ready job
    assert "py-1" in rows["pg_worker"] and "queuegov.noop" in rows["pg_worker"]
    assert "orphaned" not in rows["hermes"]  # nothing waits for it
