"""Workflows under concurrency: the last two parents of a step finishing at once in
different processes, and whole DAGs drained by four worker processes that are
SIGKILLed mid-run. A step starts exactly once and finishes exactly once; a
killed worker's jobs run again elsewhere (execution is at least once, as for
any job), and no step starts before its dependencies have succeeded."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import as_json, sql_rows, sql_value, subprocess_database_url
from tests.jobs.conftest import BASE_DIR
from tests.workflows.conftest import step

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("jobs_on")]

HANDLERS = "tests.jobs.handlers."


def create(spec: dict[str, Any]) -> int:
    answer = as_json(sql_value("SELECT fn_workflow_create(%s::jsonb)", [json.dumps(spec)]))
    assert answer["status"] == "created", answer
    return answer["workflow_id"]


def acker(go: Path, pairs: list[str]) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(BASE_DIR)}
    command = [sys.executable, "-m", "tests.workflows.acker", subprocess_database_url(), str(go), "w1", *pairs]
    return subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_the_last_two_parents_finishing_at_once_start_their_child_exactly_once(tmp_path: Path) -> None:
    rounds = 150
    workflows = [create({"name": f"race-{i}", "steps": [step("p1"), step("p2"), step("child", "p1", "p2")]})
                 for i in range(rounds)]  # fmt: skip
    claimed = as_json(sql_value("SELECT fn_job_claim('w1', NULL, 1000, 300, 'pg_worker')"))["jobs"]
    assert len(claimed) == 2 * rounds
    by_step: dict[str, list[str]] = {"p1": [], "p2": []}
    for j in sorted(claimed, key=lambda j: j["id"]):
        by_step[j["payload"]["step"]].append(f"{j['id']}:{j['attempt']}")
    go = tmp_path / "go"
    procs = [acker(go, by_step[name]) for name in ("p1", "p2")]
    for p in procs:
        assert p.stdout.readline().strip() == "ready"
    go.touch()
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0 and out.strip() == "done", err[-2000:]
    children = sql_rows(
        "SELECT s.workflow_id, s.status, s.deps_pending, count(j.id) FROM workflow_step s"
        " LEFT JOIN job_queue j ON j.workflow_step_id = s.id WHERE s.name = 'child'"
        " GROUP BY s.id ORDER BY s.workflow_id"
    )
    assert [(w, status, pending, jobs) for w, status, pending, jobs in children] == [
        (w, "active", 0, 1) for w in workflows
    ]


def run_workers_with_kills(spawn_worker, workflows: list[int], kills: int, timeout: float = 240) -> int:
    """Four workers drain the workflows; a worker holding leases of these workflows' jobs is SIGKILLed
    and replaced ``kills`` times while the test reaps expired leases. Answers how many were killed.

    Each kill waits for a condition, never for a time: a live worker holds a lease, and a step's job
    has succeeded since the previous kill (so the kills fall at different points of the run however
    fast the machine drains it)."""
    args = ("--no-listen", "--batch-size", "10", "--lease-seconds", "2", "--interval", "0.05")
    names = [f"wf-{n}" for n in range(4)]
    workers = [spawn_worker(*args, "--worker-id", name) for name in names]
    killed = 0
    done = "SELECT count(*) FROM workflow WHERE id = ANY (%s) AND status <> 'running'"
    holders = (
        "SELECT DISTINCT j.lease_owner FROM job_queue j JOIN workflow_step s ON s.id = j.workflow_step_id"
        " WHERE j.status = 'running' AND s.workflow_id = ANY (%s)"
    )
    succeeded = (
        "SELECT count(*) FROM job_queue j JOIN workflow_step s ON s.id = j.workflow_step_id"
        " WHERE j.status = 'succeeded' AND s.workflow_id = ANY (%s)"
    )
    deadline = time.monotonic() + timeout
    last_kill_at = -1
    while sql_value(done, [workflows]) < len(workflows):
        if time.monotonic() > deadline:
            pytest.fail(f"workflows not finished: {sql_rows('SELECT id, status, steps_open FROM workflow')}")
        if killed < kills and sql_value(succeeded, [workflows]) > last_kill_at:
            owners = {owner.rsplit("/", 1)[-1] for (owner,) in sql_rows(holders, [workflows])}
            busy = [n for n, name in enumerate(names) if name in owners]
            if busy:
                victim = random.choice(busy)
                os.kill(workers[victim].pid, signal.SIGKILL)
                workers[victim].wait(10)
                last_kill_at = sql_value(succeeded, [workflows])
                names[victim] = f"wf-{len(names) + killed}"
                workers[victim] = spawn_worker(*args, "--worker-id", names[victim])
                killed += 1
        sql_value("SELECT fn_job_lease_reaper()")
        time.sleep(0.02)
    return killed


def assert_each_step_once_in_order(workflows: list[int], runs_table: str) -> None:
    assert sql_value("SELECT count(*) FROM workflow WHERE id = ANY (%s) AND status <> 'succeeded'", [workflows]) == 0
    # every step of these workflows succeeded, with one job, acked once
    assert sql_rows(
        "SELECT count(*), count(DISTINCT s.job_id), count(*) FILTER (WHERE s.status = 'succeeded'),"
        "       count(*) FILTER (WHERE j.status = 'succeeded' AND j.workflow_step_id = s.id)"
        "  FROM workflow_step s JOIN job_queue j ON j.id = s.job_id WHERE s.workflow_id = ANY (%s)",
        [workflows],
    ) == [(n := sql_value("SELECT sum(steps_total) FROM workflow WHERE id = ANY (%s)", [workflows]),) * 4]
    assert sql_value("SELECT count(*) FROM job_queue WHERE workflow_step_id IS NOT NULL") == n
    # no step's job ran before every dependency's job had succeeded
    early = sql_rows(
        f"SELECT s.name, p.name FROM workflow_step s"
        f" JOIN workflow_step_dependency d ON d.step_id = s.id JOIN workflow_step p ON p.id = d.depends_on_id"
        f" JOIN job_queue pj ON pj.id = p.job_id"
        f" WHERE s.workflow_id = ANY (%s)"
        f"   AND (SELECT min(r.at) FROM {runs_table} r WHERE r.job_id = s.job_id) < pj.finished_at",
        [workflows],
    )
    assert early == []


def test_diamonds_and_a_1000_wide_fan_out_fan_in_under_killed_workers(
    spawn_worker, consumer, retry_policy, runs_table, open_gate
) -> None:
    open_gate("queue.lease_reaper.enabled")
    quick = retry_policy("test_wf_quick", 25, "fixed", 0.01, 0.01)
    consumer("test.wf", retry_policy=quick, handler_ref=HANDLERS + "record_run")

    def s(name: str, *deps: str) -> dict[str, Any]:
        return step(name, *deps, kind="test.wf")

    wide = [s(f"m{i}", "root") for i in range(1000)]
    workflows = [create({"name": "fan", "steps": [s("root"), *wide, s("sink", *[m["name"] for m in wide])]})]
    workflows += [create({"name": f"diamond-{i}", "steps": [s("a"), s("b", "a"), s("c", "a"), s("d", "b", "c")]})
                  for i in range(20)]  # fmt: skip
    killed = run_workers_with_kills(spawn_worker, workflows, kills=4)
    assert killed == 4
    assert_each_step_once_in_order(workflows, runs_table)
    # the fan's final result is what its sink answered: its one successful attempt
    result = sql_value("SELECT result FROM workflow WHERE id = %s", [workflows[0]])
    result = json.loads(result) if isinstance(result, str) else result
    sink_job = sql_value("SELECT job_id FROM workflow_step WHERE workflow_id = %s AND name = 'sink'", [workflows[0]])
    assert result == {"sink": {"job_id": sink_job, "attempt": sql_value("SELECT attempts FROM job_queue WHERE id = %s",
                                                                         [sink_job])}}  # fmt: skip


def test_a_workflow_added_by_a_killed_worker_s_job_is_not_added_twice(
    spawn_worker, consumer, retry_policy, runs_table, open_gate
) -> None:
    open_gate("queue.lease_reaper.enabled")
    quick = retry_policy("test_wf_quick", 25, "fixed", 0.01, 0.01)
    consumer("test.wf", retry_policy=quick, handler_ref=HANDLERS + "record_run")
    consumer("test.wf.split", retry_policy=quick, handler_ref=HANDLERS + "add_parts")
    wf = create({"name": "split", "steps": [
        {"name": "split", "job": {"job_kind": "test.wf.split", "payload": {"parts": 30, "kind": "test.wf"}}},
        step("after", "split", kind="test.wf"),
    ]})  # fmt: skip
    args = ("--no-listen", "--batch-size", "10", "--lease-seconds", "2", "--interval", "0.05")
    first = spawn_worker(*args, "--worker-id", "wf-first")
    added = "SELECT count(*) FROM workflow WHERE added_by_job_id IS NOT NULL"
    wait_until(lambda: sql_value(added) == 1, 60, "the first attempt to add its workflow")
    os.kill(first.pid, signal.SIGKILL)
    first.wait(10)
    spawn_worker(*args, "--worker-id", "wf-second")
    deadline = time.monotonic() + 120
    while sql_value("SELECT status FROM workflow WHERE id = %s", [wf]) == "running":
        assert time.monotonic() < deadline, sql_rows("SELECT id, name, status, steps_open FROM workflow")
        sql_value("SELECT fn_job_lease_reaper()")
        time.sleep(0.1)
    assert sql_value("SELECT status FROM workflow WHERE id = %s", [wf]) == "succeeded"
    assert sql_value(added) == 1  # the second attempt was answered the workflow the first added
    split = sql_value("SELECT job_id FROM workflow_step WHERE workflow_id = %s AND name = 'split'", [wf])
    assert sql_rows(f"SELECT attempt FROM {runs_table} WHERE job_id = %s ORDER BY attempt", [split]) == [(1,), (2,)]
    child = sql_value("SELECT id FROM workflow WHERE added_by_job_id = %s", [split])
    assert_each_step_once_in_order([wf, child], runs_table)
    # "after" ran once every added step had succeeded
    last_part = sql_value(
        "SELECT max(j.finished_at) FROM workflow_step s JOIN job_queue j ON j.id = s.job_id WHERE s.workflow_id = %s",
        [child],
    )
    after = sql_value("SELECT job_id FROM workflow_step WHERE workflow_id = %s AND name = 'after'", [wf])
    assert sql_value(f"SELECT min(at) FROM {runs_table} WHERE job_id = %s", [after]) > last_part
