"""Job handlers the tests bind to job kinds through ``consumer_registry.handler_ref``.

Worker subprocesses import them by dotted path (``tests.jobs.handlers.record_run``),
so this module must import nothing from pytest. Every handler writes one row
per *execution* into ``RUNS_TABLE`` (committed at once: the worker's Django
connection is in autocommit), which is how the tests see exactly-once.
"""

from __future__ import annotations

import os
import time
from typing import Any

from django.db import connection

from jobs.registry import JobContext

# In a schema of its own, not in ``public``: the tests' conftest creates it as the
# owner role and grants the app role (which the workers run as) SELECT and INSERT.
RUNS_SCHEMA = "qg_test_support"
RUNS_TABLE = f"{RUNS_SCHEMA}.test_job_runs"
RUNS_DDL = f"""
CREATE UNLOGGED TABLE {RUNS_TABLE} (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id    bigint NOT NULL,
    attempt   integer NOT NULL,
    worker_id text NOT NULL,
    at        timestamptz NOT NULL DEFAULT clock_timestamp()
)
"""


def _record(job: JobContext) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {RUNS_TABLE} (job_id, attempt, worker_id) VALUES (%s, %s, %s)",
            [job.id, job.attempt, job.worker_id],
        )


def record_run(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    """Record the execution, then sleep ``payload["sleep"]`` seconds (default 0)."""
    _record(job)
    if payload.get("sleep"):
        time.sleep(float(payload["sleep"]))
    return {"job_id": job.id, "attempt": job.attempt}


def slow(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    """Record the execution, then block for ``payload["sleep"]`` seconds (default 60)."""
    _record(job)
    time.sleep(float(payload.get("sleep", 60)))
    return {"job_id": job.id, "slow": True}


def record_to_file(payload: dict[str, Any], job: JobContext) -> None:
    """Append ``<job id> <attempt> <worker id>`` to the file ``payload["log"]`` (no database
    round trip, so a killed connection never fails the handler), then sleep ``payload["sleep"]``."""
    line = f"{job.id} {job.attempt} {job.worker_id}\n".encode()
    fd = os.open(payload["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)  # one write of a short line with O_APPEND: never interleaved
    finally:
        os.close(fd)
    if payload.get("sleep"):
        time.sleep(float(payload["sleep"]))


def add_parts(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    """Adds a workflow of ``payload["parts"]`` steps of kind ``payload["kind"]`` under its step
    (workflows.spec.add); its first attempt then blocks for a minute, to be killed."""
    from workflows.spec import Step, add

    _record(job)
    kind = payload["kind"]
    added = add("parts", [Step(f"p{i}", job_kind=kind) for i in range(payload["parts"])])
    if job.attempt == 1:
        time.sleep(60)
    return {"added": added}
