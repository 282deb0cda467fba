"""The job kind bench/three_hosts.py drains: a handler that takes a while, so a host cut off
from the database holds jobs in flight (registered by handler_ref, imported by the workers)."""

from __future__ import annotations

import os
import time
from typing import Any

from jobs.registry import JobContext


def sleep(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    time.sleep(float(payload.get("seconds", 0.05)))
    return {"host": os.environ.get("QG_HOST", "?")}
