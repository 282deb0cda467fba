"""The built-in jobs of workflows: the overdue check (every minute by the
``maintenance.task_overdue`` schedule) and the staging review's job steps."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from jobs.registry import JobContext, job_handler
from queuegov.actor import actor_context
from staging import services as staging_services
from workflows import db


@job_handler("queuegov.task_overdue")
def task_overdue(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    with actor_context(job.actor):
        return db.task_overdue_tick()


# The staging review as a workflow (fn_iu_staging_review_start): each step is the
# staging act, as the worker; a refusal or a verdict with problems fails the job,
# and so the step (docs/workflows.md, "The staging review as a workflow").
def _staging_step(act: Any, job: JobContext, record_id: int, problems: Callable[[dict[str, Any]], bool]) -> Any:
    result = act(job.actor, None, record_id, reason=f"workflow step, job {job.id}")
    answer = result.value if isinstance(result.value, dict) else {}
    if not result.ok or answer.get("status") == "refused" or problems(answer):
        raise RuntimeError(f"{result.message or answer.get('status')}: {json.dumps(answer, default=str)[:1500]}")
    return answer


@job_handler("queuegov.staging_verify_mark")
def staging_verify_mark(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    answer = _staging_step(staging_services.verify_mark, job, int(payload["record_id"]),
                           lambda a: not a.get("verdict", {}).get("ok", True))  # fmt: skip
    return {"record_id": payload["record_id"], "status": answer.get("status"), "run_id": answer.get("run_id")}


@job_handler("queuegov.staging_cut")
def staging_cut(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    answer = _staging_step(staging_services.cut, job, int(payload["record_id"]), lambda a: False)
    return {"record_id": payload["record_id"], "units": answer.get("units"), "doc_code": answer.get("doc_code")}


@job_handler("queuegov.staging_verify_cut")
def staging_verify_cut(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    answer = _staging_step(staging_services.verify_cut, job, int(payload["record_id"]),
                           lambda a: a.get("status") == "problems")  # fmt: skip
    return {"record_id": payload["record_id"], "status": answer.get("status")}
