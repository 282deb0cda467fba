"""Governed acts on the event substrate (admin and commands share them)."""

from __future__ import annotations

import json
from typing import Any

from events import db
from queuegov.actor import Actor
from queuegov.audit import ActResult, Effect, governed_act

PERM_SUBSCRIBE = "events.manage_subscription"
PERM_ROUTE = "events.toggle_outboundroute"
PERM_TRIAGE = "events.triage_routedeadletter"
PERM_REPLAY = "events.replay_routedeadletter"
PERM_TYPES = "events.manage_eventtype"


def _effect(answer: dict[str, Any], detail: str) -> Effect:
    status = answer.get("status")
    if status == "gate_closed":
        return Effect(outcome="refused", after=answer, detail=f"gate_closed: {answer.get('gate')} is closed")
    if status == "failed":
        return Effect(outcome="failed", after=answer, detail=f"failed: {answer.get('error')}")
    if status == "nothing_to_do":
        return Effect(after=answer, detail=f"nothing_to_do: {json.dumps(answer)}", value=answer)
    return Effect(after=answer, detail=detail, value=answer)


def mark_read(actor: Actor, user: Any, inbox_ids: list[int]) -> ActResult:
    """Reading one's own inbox needs no special permission, but is audited like every act."""

    def effect() -> Effect:
        answer = db.mark_read(inbox_ids)
        refused = answer.get("refused") or []
        if refused and not answer.get("marked"):
            return Effect(
                outcome="refused",
                after=answer,
                detail=f"permission: inbox entries {refused} are not addressed to {actor.name}",
            )
        extra = f"; refused {refused} (not addressed to {actor.name})" if refused else ""
        return _effect(answer, f"marked {answer.get('marked')} read{extra}")

    return governed_act(
        actor,
        "inbox.mark_read",
        effect,
        target_table="event_read",
        target_ids=inbox_ids,
        user=user,
        permission="events.view_inboxentry",
    )


def subscribe(
    actor: Actor,
    user: Any,
    *,
    event_type: str | None,
    event_domain: str | None,
    event_stream: str | None,
    recipient_kind: str,
    recipient_ref: str,
    reason: str,
) -> ActResult:
    def effect() -> Effect:
        answer = db.subscribe(event_type, event_domain, event_stream, recipient_kind, recipient_ref, reason)
        match = event_type or event_domain or event_stream
        return _effect(answer, f"subscribed {recipient_kind}:{recipient_ref} to {match}")

    return governed_act(
        actor,
        "subscription.add",
        effect,
        target_table="event_subscription",
        target_ids=[f"{recipient_kind}:{recipient_ref}"],
        reason=reason,
        user=user,
        permission=PERM_SUBSCRIBE,
    )


def set_subscription_enabled(actor: Actor, user: Any, subscription_id: int, enabled: bool, reason: str) -> ActResult:
    verb = "enable" if enabled else "disable"

    def effect() -> Effect:
        return _effect(
            db.subscription_set_enabled(subscription_id, enabled), f"subscription #{subscription_id} {verb}d"
        )

    return governed_act(
        actor,
        f"subscription.{verb}",
        effect,
        target_table="event_subscription",
        target_ids=[subscription_id],
        reason=reason,
        user=user,
        permission=PERM_SUBSCRIBE,
    )


def set_route(actor: Actor, user: Any, route_id: int, *, enabled: bool, dry_run: bool, reason: str) -> ActResult:
    state = "disabled" if not enabled else ("dry-run" if dry_run else "live")

    def effect() -> Effect:
        return _effect(db.route_set(route_id, enabled, dry_run, reason), f"route #{route_id} is {state}")

    return governed_act(
        actor,
        f"outbound_route.set_{state}",
        effect,
        target_table="iu_outbound_route",
        target_ids=[route_id],
        reason=reason,
        user=user,
        permission=PERM_ROUTE,
    )


def triage_dead_letter(actor: Actor, user: Any, dead_letter_id: int, triage_status: str, note: str) -> ActResult:
    def effect() -> Effect:
        answer = db.route_dead_letter_triage(dead_letter_id, triage_status, note)
        return _effect(answer, f"routing dead letter #{dead_letter_id} → {triage_status}")

    return governed_act(
        actor,
        f"route_dead_letter.triage_{triage_status}",
        effect,
        target_table="iu_route_dead_letter",
        target_ids=[dead_letter_id],
        reason=note,
        user=user,
        permission=PERM_TRIAGE,
    )


def replay_dead_letter(actor: Actor, user: Any, dead_letter_id: int, reason: str) -> ActResult:
    def effect() -> Effect:
        answer = db.route_dead_letter_replay(dead_letter_id, reason)
        return _effect(answer, f"routing dead letter #{dead_letter_id} replayed")

    return governed_act(
        actor,
        "route_dead_letter.replay",
        effect,
        target_table="iu_route_dead_letter",
        target_ids=[dead_letter_id],
        reason=reason,
        user=user,
        permission=PERM_REPLAY,
    )


def set_event_type_status(actor: Actor, user: Any, event_type: str, status: str, reason: str) -> ActResult:
    def effect() -> Effect:
        answer = db.event_type_set_status(event_type, status, reason)
        return _effect(answer, f"{event_type}: {answer.get('from', '')} → {status}")

    return governed_act(
        actor,
        f"event_type.set_{status}",
        effect,
        target_table="event_type_registry",
        target_ids=[event_type],
        reason=reason,
        user=user,
        permission=PERM_TYPES,
    )
