"""Demo examples of the event use cases (docs/events.md), seeded through the governed acts.

Each goes the way a person would: an operator proposes, a second person
approves, and what stays undecided is left for the approver in the admin.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from events import services
from queuegov import gates
from queuegov.actor import Actor
from queuegov.audit import ActResult

# A trigger-OUT route the demo puts live by four-eyes: every dead-lettered job
# is announced on this NOTIFY channel (listen with `LISTEN demo_dead_letters`).
LIVE_ROUTE = "demo-dead-letter-notify"
# One left in dry-run with its go-live request pending, for the approver.
PENDING_ROUTE = "demo-route-dead-letter-job"


def _ok(result: ActResult) -> Any:
    if not result.ok:
        raise RuntimeError(f"demo seeding failed: {result.message}")
    return result.value


def seed_use_cases(operator: User, operator2: User, approver: User) -> list[str]:
    """Seed one example of each event use case; returns what was created."""
    op, op2, ap = Actor.for_user(operator), Actor.for_user(operator2), Actor.for_user(approver)
    created: list[str] = []

    route = _ok(
        services.create_route(
            op,
            operator,
            route_name=LIVE_ROUTE,
            event_type="job.dead_lettered",
            action_kind="notify",
            target="demo_dead_letters",
            target_queue=None,
            description="demo: announce dead-lettered jobs on a NOTIFY channel",
            retry_policy=None,
            ordered_per_subject=True,
        )
    )
    _ok(services.set_route(op, operator, route["route_id"], enabled=True, dry_run=True, reason="demo: try it dry"))
    request = _ok(gates.request_change(op, operator, route["gate"], "true", "demo: the dry run looked right"))
    _ok(gates.decide_change(ap, approver, "approve", request, "demo: approved"))
    created.append(f"route {LIVE_ROUTE} live (requested by operator, approved by approver)")

    pending = _ok(
        services.create_route(
            op2,
            operator2,
            route_name=PENDING_ROUTE,
            event_type="system.route_dead_lettered",
            action_kind="enqueue_job",
            target="queuegov.noop",
            target_queue=None,
            description="demo: a job per route dead letter",
            retry_policy="linear",
            ordered_per_subject=False,
        )
    )
    _ok(services.set_route(op2, operator2, pending["route_id"], enabled=True, dry_run=True, reason="demo: dry run"))
    _ok(gates.request_change(op2, operator2, pending["gate"], "true", "demo: put it live"))
    created.append(f"route {PENDING_ROUTE} in dry-run, its go-live request pending for an approver")

    # The documents' Mother types are drafts until a Mother registers as their producer.
    _ok(services.register_producer(op, operator, "mothers.factory", "demo: the Mothers' factory gateway"))
    _ok(
        services.add_cursor(
            op, operator, "mother_default", "mother", "demo: route the Mothers' events", from_start=False
        )
    )
    _ok(
        gates.request_change(
            op, operator, "event.type.mother.factory.registered.active", "true", "demo: its producer is registered"
        )
    )
    created.append(
        "code producer mothers.factory, cursor mother_default/mother; activating mother.factory.registered "
        "is pending for an approver"
    )
    return created
