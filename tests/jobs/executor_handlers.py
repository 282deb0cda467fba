"""Handlers for the standalone executor (``python -m queuegov_executor``) in tests.

The executor's process has no Django, so this module imports none: each
handler gets a ``queuegov_executor.Job`` and answers the job's result.
"""

from __future__ import annotations

import time
from typing import Any


def summarise(job: Any) -> dict[str, Any]:
    return {"summary_ref": f"summary:{job.id}", "attempt": job.attempt, "kind": job.kind}


def slow(job: Any) -> dict[str, Any]:
    time.sleep(float(job.payload.get("seconds", 2)))
    return {"slept": job.payload.get("seconds", 2), "attempt": job.attempt}


def upstream_down(job: Any) -> None:
    raise RuntimeError(f"upstream timeout for {job.payload.get('document_ref')}")


def leaky(job: Any) -> dict[str, Any]:
    """A result the payload rules refuse (content, not a reference)."""
    return {"secret": "hunter2"}


def not_json(job: Any) -> Any:
    return {"when": object()}
