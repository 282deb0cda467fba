"""docs/executors.md: the standalone executor (``python -m queuegov_executor``,
psycopg only) works the jobs of its class beside the Django worker, on an
executor login of its own; it finishes and reports on SIGTERM, and after a
kill its lease expires, the job runs again elsewhere and the killed attempt's
report is refused (fencing)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import transaction
from psycopg import sql

from jobs.executors import ExecutorCredentials, create_executor_login
from queuegov.actor import Actor
from queuegov.settings import BASE_DIR
from tests.database import _url, admin_connect, login_connect
from tests.helpers import json_value, sql_rows, sql_value, use_actor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("jobs_on")]

HERMES_KIND = "test.hermes.summarise"
HANDLERS = "tests.jobs.executor_handlers:"
# Block Django in the executor's process: any `import django` raises ImportError.
NO_DJANGO = (
    "import sys; sys.modules['django'] = None; import runpy; "
    "runpy.run_module('queuegov_executor', run_name='__main__', alter_sys=True)"
)


def as_actor(actor: str, statement: str, params: list[Any] | None = None) -> Any:
    with transaction.atomic():
        use_actor(actor)
        return json_value(statement, params)


@pytest.fixture
def hermes(open_gate: Callable[[str], Any]) -> Iterator[ExecutorCredentials]:
    """A Hermes executor login on queue ``agents``, where kind HERMES_KIND (class hermes) is enqueued."""
    open_gate("queue.heartbeat.enabled")
    as_actor("user:ops", "SELECT fn_queue_register('agents')")
    as_actor("user:ops", "SELECT fn_consumer_register(%s, 'hermes', 'agents')", [HERMES_KIND])
    name = f"qg_test_hermes_{uuid.uuid4().hex[:8]}"
    yield create_executor_login(name, "Hermes", ["agents"], actor=Actor.for_command("test"))
    with admin_connect() as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


@pytest.fixture
def spawn_executor(hermes: ExecutorCredentials) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """``spawn_executor(name, handler, *args)``: the standalone executor as ``hermes``, with no Django."""
    from django.db import connection

    dsn = _url({**connection.settings_dict, "USER": hermes.login, "PASSWORD": hermes.password},
               connection.settings_dict["NAME"])  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DATABASE_URL"))}
    env |= {"PYTHONPATH": str(BASE_DIR), "PYTHONUNBUFFERED": "1", "QUEUEGOV_DSN": dsn}
    started: list[subprocess.Popen[str]] = []

    def start(name: str, handler: str, *args: str) -> subprocess.Popen[str]:
        argv = ["--executor", name, "--class", "hermes", "--kind", "Hermes", "--handler", HANDLERS + handler,
                "--queue", "agents", "--poll", "0.2", *args]  # fmt: skip
        proc = subprocess.Popen(
            [sys.executable, "-c", NO_DJANGO, *argv],
            cwd="/",  # nothing importable from the checkout but what PYTHONPATH names
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def enqueue(kind: str, n: int, payload: dict[str, Any] | None = None) -> list[int]:
    jobs = [{"job_kind": kind, "queue_name": "agents", "payload": payload or {"document_ref": f"doc:{i}"}}
            for i in range(n)]  # fmt: skip
    answer = as_actor("user:producer", "SELECT fn_job_enqueue_many(%s::jsonb)", [__import__("json").dumps(jobs)])
    return answer["job_ids"]


def wait_for(condition: Callable[[], bool], timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def statuses(ids: list[int]) -> dict[str, int]:
    return dict(sql_rows("SELECT status, count(*) FROM job_queue WHERE id = ANY(%s) GROUP BY 1", [ids]))


def test_the_executor_drains_its_class_with_no_django_in_its_process(spawn_executor, hermes) -> None:
    ours = enqueue(HERMES_KIND, 30)
    python_workers = enqueue("queuegov.noop", 10)  # the same queue, the pg_worker class
    proc = spawn_executor("hermes-host-1", "summarise", "--max-jobs", "30", "--batch-size", "5")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "claimed 30, succeeded 30, failed 0, released 0, refused 0" in out
    assert "django" not in err.lower()
    assert statuses(ours) == {"succeeded": 30}
    assert statuses(python_workers) == {"queued": 10}  # never claimed by a Hermes executor
    results = sql_rows("SELECT result ->> 'summary_ref', last_worker_id FROM job_queue WHERE id = ANY(%s)", [ours])
    assert {ref for ref, _ in results} == {f"summary:{i}" for i in ours}
    assert {worker for _, worker in results} == {f"{hermes.login}/hermes-host-1"}
    beat = sql_rows("SELECT executor_kind, meta ->> 'class' FROM queue_heartbeat WHERE executor_name = %s",
                    [f"{hermes.login}/hermes-host-1"])  # fmt: skip
    assert beat == [("Hermes", "hermes")]


def test_a_failing_handler_fails_the_attempt_with_its_error(spawn_executor) -> None:
    [job] = enqueue(HERMES_KIND, 1, {"document_ref": "doc:7"})
    proc = spawn_executor("hermes-host-2", "upstream_down", "--max-jobs", "1")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "failed 1" in out
    status, error, attempts = sql_rows("SELECT status, last_error, attempts FROM job_queue WHERE id = %s", [job])[0]
    assert status in ("queued", "dead") and attempts == 1
    assert error.startswith("builtins.RuntimeError: upstream timeout for doc:7")


def test_sigterm_finishes_the_running_job_and_gives_back_the_rest(spawn_executor) -> None:
    ids = enqueue(HERMES_KIND, 3, {"seconds": 1.5})
    proc = spawn_executor("hermes-host-3", "slow", "--batch-size", "3")
    wait_for(lambda: statuses(ids).get("running", 0) == 3, what="the batch to be claimed")
    time.sleep(0.2)  # inside the first job's 1.5 s
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "claimed 3, succeeded 1, failed 0, released 2" in out
    assert statuses(ids) == {"succeeded": 1, "queued": 2}
    assert sql_value("SELECT sum(released_attempts) FROM job_queue WHERE id = ANY(%s)", [ids]) == 2


def test_a_killed_executor_s_job_runs_again_and_its_late_report_is_refused(spawn_executor, hermes, open_gate) -> None:
    open_gate("queue.lease_reaper.enabled")
    [job] = enqueue(HERMES_KIND, 1, {"seconds": 30})
    first = spawn_executor("hermes-host-4", "slow", "--lease", "60")
    wait_for(lambda: statuses([job]) == {"running": 1}, what="the job to be claimed")
    first.kill()
    first.communicate()
    # Its lease runs out (moved to the past by the owner, instead of waiting 60 s) and the reaper requeues it.
    with admin_connect() as conn:
        conn.execute("SET ROLE queuegov_owner")
        conn.execute("UPDATE job_queue SET lease_until = now() - interval '1 second' WHERE id = %s", [job])
    assert as_actor("command:lease_reaper", "SELECT fn_job_lease_reaper(100)")["requeued"] >= 1
    as_actor("user:ops", "SELECT fn_job_retry_now_many(ARRAY[%s]::bigint[], 'test: run it again now')", [job])
    second = spawn_executor("hermes-host-5", "summarise", "--max-jobs", "1")
    _, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    assert sql_rows("SELECT status, attempts FROM job_queue WHERE id = %s", [job]) == [("succeeded", 2)]
    with login_connect(hermes.login, hermes.password) as conn:
        late = conn.execute(
            "SELECT fn_job_ack_many('hermes-host-4', ARRAY[%s]::bigint[], ARRAY[1], NULL)", [job]
        ).fetchone()[0]
    assert late["acked"] == 0 and late["refused"][0]["reason"].startswith("lease_lost")


def test_python_workers_and_hermes_executors_share_a_queue_and_keep_to_their_kinds(
    spawn_executor, spawn_worker, hermes
) -> None:
    hermes_jobs = enqueue(HERMES_KIND, 5_000)
    python_jobs = enqueue("queuegov.noop", 5_000)
    executors = [spawn_executor(f"hermes-mixed-{i}", "summarise", "--batch-size", "4") for i in range(2)]
    workers = [
        spawn_worker("--queues", "agents", "--no-listen", "--batch-size", "50", "--interval", "0.2") for _ in range(2)
    ]
    everything = hermes_jobs + python_jobs
    wait_for(lambda: statuses(everything) == {"succeeded": 10_000}, timeout=240, what="10,000 mixed jobs to drain")
    for proc in executors + workers:
        proc.send_signal(signal.SIGTERM)
    for proc in executors + workers:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    by_class = sql_rows(
        "SELECT job_kind, last_worker_id LIKE %s AS by_hermes, count(*) FROM job_queue WHERE id = ANY(%s)"
        " GROUP BY 1, 2 ORDER BY 1",
        [f"{hermes.login}/%", everything],
    )
    assert by_class == [("queuegov.noop", False, 5_000), (HERMES_KIND, True, 5_000)]
    assert sql_value("SELECT max(attempts) FROM job_queue WHERE id = ANY(%s)", [everything]) == 1


def test_a_result_the_database_refuses_or_that_is_not_json_fails_only_that_attempt(spawn_executor) -> None:
    leaky = enqueue(HERMES_KIND, 1, {"document_ref": "doc:1"})
    proc = spawn_executor("hermes-host-6", "leaky", "--max-jobs", "1")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "succeeded 0, failed 1" in out
    assert sql_value("SELECT last_error FROM job_queue WHERE id = %s", leaky).startswith(
        "psycopg.errors.CheckViolation: payload_prohibited_key"
    )
    odd = enqueue(HERMES_KIND, 1, {"document_ref": "doc:2"})
    proc = spawn_executor("hermes-host-7", "not_json", "--max-jobs", "1")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert sql_value("SELECT last_error FROM job_queue WHERE id = %s", odd).startswith("builtins.TypeError")
