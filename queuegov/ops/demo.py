"""Demo accounts (one per role) and demo data for `make demo`.

Passwords are generated once per checkout, kept in ``.demo-credentials.json``
(git-ignored, mode 600) and printed on every run, so re-running is safe.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User

from events import demo as events_demo
from jobs import db as jobs_db
from jobs.registry import JobContext
from queuegov import gates
from queuegov.actor import Actor, actor_context
from queuegov.models import GateChangeRequest
from queuegov.ops.health import sample_metrics
from queuegov.roles import ROLES
from staging import demo as staging_demo
from workflows import demo as workflows_demo

CREDENTIALS_FILE = Path(settings.BASE_DIR) / ".demo-credentials.json"
# A second operator shows four-eyes: one requests, another person approves.
DEMO_ACCOUNTS: dict[str, list[str]] = {role: [role] for role in ROLES} | {"operator2": ["operator"]}


def _load_passwords() -> dict[str, str]:
    if CREDENTIALS_FILE.exists():
        return json.loads(CREDENTIALS_FILE.read_text())
    return {}


def _save_passwords(passwords: dict[str, str]) -> None:
    CREDENTIALS_FILE.write_text(json.dumps(passwords, indent=2))
    os.chmod(CREDENTIALS_FILE, 0o600)


def ensure_accounts() -> dict[str, str]:
    """Create or reset the demo staff accounts; return username → password."""
    passwords = _load_passwords()
    for username, roles in DEMO_ACCOUNTS.items():
        password = passwords.setdefault(username, secrets.token_urlsafe(12))
        user, _ = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.invalid"})
        user.is_staff = True
        user.is_superuser = False
        user.is_active = True
        user.set_password(password)
        user.save()
        user.groups.set(Group.objects.filter(name__in=roles))
    _save_passwords(passwords)
    return passwords


# Gates the demo opens through the four-eyes path (operator2 requests, approver
# approves), so the demo's workers have something to do and the audit trail
# shows how it happened. queue.dlq_replay.enabled is left as a pending request
# for the approver to decide in the admin.
DEMO_OPEN_GATES = (
    "queue.job_substrate.enabled",
    "queue.worker.enabled",
    "queue.heartbeat.enabled",
    "queue.lease_reaper.enabled",
    "queue.scheduler.enabled",
    "queue.notify.enabled",
    "event.sql_route.job_dead_lettered.live",  # a dead letter becomes a job.dead_lettered capture
    # the event substrate end to end: captures become events, routes act on them, inboxes fill
    "event.emit_enabled",
    "event.routes_master.enabled",
    "event.route_worker.enabled",
    "event.delivery.enabled",
)
DEMO_PENDING_GATE = "queue.dlq_replay.enabled"


def flaky_handler(payload: dict[str, Any], job: JobContext) -> dict[str, Any]:
    """Demo job kind ``demo.flaky``: fails when asked to, to fill the dead-letter queue."""
    if payload.get("fail"):
        raise RuntimeError(f"demo failure for {payload.get('ref', 'a demo job')}")
    return {"ref": payload.get("ref"), "handled_by": job.worker_id}


def ensure_demo_data() -> list[str]:
    """Seed demo governance and job data once; returns what was created."""
    created: list[str] = []
    if GateChangeRequest.objects.filter(reason__startswith="demo:").exists():
        return created
    op2 = User.objects.get(username="operator2")
    approver = User.objects.get(username="approver")
    for key in DEMO_OPEN_GATES:
        request = gates.request_change(Actor.for_user(op2), op2, key, "true", "demo: open for the demo workers")
        gates.decide_change(Actor.for_user(approver), approver, "approve", request.value, "demo: approved")
    created.append(f"opened {', '.join(DEMO_OPEN_GATES)} (requested by operator2, approved by approver)")
    op = User.objects.get(username="operator")
    pending = gates.request_change(Actor.for_user(op), op, DEMO_PENDING_GATE, "true", "demo: allow dead-letter replay")
    created.append(f"gate change request #{pending.value} for {DEMO_PENDING_GATE} (pending, for an approver)")
    with actor_context(Actor.for_user(op, source="command")):
        jobs_db.consumer_register(
            "demo.flaky", "pg_worker", "default", "no_retry", "queuegov.ops.demo.flaky_handler",
            "demo: fails when the payload says so",
        )  # fmt: skip
        jobs = [{"job_kind": "queuegov.noop"} for _ in range(50)] + [
            {"job_kind": "demo.flaky", "payload": {"ref": f"doc:{i}", "fail": i % 4 == 0}} for i in range(20)
        ]
        jobs_db.enqueue_many(jobs)
    created.append("70 demo jobs (5 of them fail into the dead-letter queue)")
    created += events_demo.seed_use_cases(op, op2, approver)
    created += staging_demo.seed_use_cases(op)
    created += workflows_demo.seed_use_cases(op)
    sample_metrics()  # the dashboard's charts have a first point before the scheduler's first minute
    return created
