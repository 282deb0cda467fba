"""Gate and setting changes under four-eyes (docs/operations.md, "Gates").

The rules (validation, four-eyes, FSM, staleness) live in the SQL functions;
the SQL functions also audit the acts they apply; these services add the
permission check and the actor context.
"""

from __future__ import annotations

import json
from typing import Any

from queuegov import db
from queuegov.actor import Actor
from queuegov.audit import ActResult, Effect, governed_act
from queuegov.errors import InvalidValue
from queuegov.models import DotConfig

PERM_REQUEST = "queuegov.request_gatechangerequest"
PERM_APPROVE = "queuegov.approve_gatechangerequest"
PERM_REJECT = "queuegov.reject_gatechangerequest"


def parse_value(text: str) -> Any:
    """Parse an operator's typed value as JSON (``true``, ``false``, ``90``)."""
    stripped = (text or "").strip()
    try:
        return json.loads(stripped)
    except json.JSONDecodeError:
        lowered = stripped.lower()
        if lowered in ("on", "off", "yes", "no"):
            return lowered in ("on", "yes")
        raise InvalidValue(f"invalid_config_value: {stripped!r} is not true, false or a whole number") from None


def request_change(actor: Actor, user: Any, key: str, new_value_text: str, reason: str) -> ActResult:
    """File a gate-change request (the first pair of eyes)."""

    def effect() -> Effect:
        request_id = db.gate_change_request(key, parse_value(new_value_text), reason)
        return Effect(value=request_id)

    return governed_act(
        actor,
        "gate_change.request",
        effect,
        target_table="dot_config",
        target_ids=[key],
        reason=reason,
        user=user,
        permission=PERM_REQUEST,
    )


def decide_change(actor: Actor, user: Any, verb: str, request_id: int, reason: str) -> ActResult:
    """Approve (applies the change), reject or withdraw one request."""
    permission = {"approve": PERM_APPROVE, "reject": PERM_REJECT, "withdraw": PERM_REQUEST}[verb]

    def effect() -> Effect:
        return Effect.from_answer(db.gate_change_decide(verb, request_id, reason))

    return governed_act(
        actor,
        f"gate_change.{verb}",
        effect,
        target_table="gate_change_request",
        target_ids=[request_id],
        reason=reason,
        user=user,
        permission=permission,
    )


def gate_states() -> list[dict[str, Any]]:
    """Every gate with its state, for the dashboard and health output."""
    return [
        {"key": c.key, "open": c.value is True, "updated_at": c.updated_at, "updated_by": c.updated_by}
        for c in DotConfig.objects.filter(kind="gate").order_by("key")
    ]
