"""Demo data for workflows (docs/workflows.md): one DAG with a sub-workflow, made
through the SQL API, so the console has a graph to draw. Called once by the demo
seed (queuegov/ops/demo.py)."""

from __future__ import annotations

from typing import Any

from queuegov.actor import Actor, actor_context
from workflows.spec import Step, start

DEMO_NAME = "demo: nightly knowledge report"


def seed_use_cases(user: Any) -> list[str]:
    """A fetch → (parse, index) → report workflow whose report is a two-step sub-workflow."""
    report = ("demo: report", [
        Step("render", job_kind="queuegov.noop"),
        Step("publish", job_kind="queuegov.noop", depends_on=["render"]),
    ])  # fmt: skip
    steps = [
        Step("fetch", job_kind="queuegov.noop", payload={"ref": "kb/travel"}),
        Step("parse", job_kind="queuegov.noop", depends_on=["fetch"]),
        Step("index", job_kind="queuegov.noop", depends_on=["fetch"]),
        Step("report", workflow=report, depends_on=["parse", "index"]),
    ]
    with actor_context(Actor.for_user(user, source="command")):
        workflow_id = start(DEMO_NAME, steps)
    return [f"workflow #{workflow_id} ({DEMO_NAME}: fetch, parse and index, then a report sub-workflow)"]
