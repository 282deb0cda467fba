"""Governed acts on the event substrate (admin and commands share them)."""

from __future__ import annotations

from typing import Any

from events import db
from queuegov.actor import Actor
from queuegov.audit import ActResult, Effect, governed_act

PERM_SUBSCRIBE = "events.manage_subscription"
PERM_ROUTE = "events.toggle_outboundroute"
PERM_TRIAGE = "events.triage_routedeadletter"
PERM_REPLAY = "events.replay_routedeadletter"
PERM_TYPES = "events.manage_eventtype"
PERM_REGISTER_TYPES = "events.register_eventtype"
PERM_ROUTE_TARGETS = "events.register_routetarget"
PERM_CURSORS = "events.add_cursor_routeworkercursor"


def mark_read(actor: Actor, user: Any, inbox_ids: list[int]) -> ActResult:
    """Reading one's own inbox needs no special permission, but is audited like every act."""

    def effect() -> Effect:
        return Effect.from_answer(db.mark_read(inbox_ids))

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
        return Effect.from_answer(
            db.subscribe(event_type, event_domain, event_stream, recipient_kind, recipient_ref, reason)
        )

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
        return Effect.from_answer(db.subscription_set_enabled(subscription_id, enabled))

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
        return Effect.from_answer(db.route_set(route_id, enabled, dry_run, reason))

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
        return Effect.from_answer(db.route_dead_letter_triage(dead_letter_id, triage_status, note))

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
        return Effect.from_answer(db.route_dead_letter_replay(dead_letter_id, reason))

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
        return Effect.from_answer(db.event_type_set_status(event_type, status, reason))

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


def create_route(
    actor: Actor,
    user: Any,
    *,
    route_name: str,
    event_type: str,
    action_kind: str,
    target: str,
    target_queue: str | None,
    description: str,
    retry_policy: str | None,
    ordered_per_subject: bool,
) -> ActResult:
    """A new trigger-OUT route: disabled, dry-run, and its own gate OFF (live only by four-eyes)."""

    def effect() -> Effect:
        return Effect.from_answer(
            db.route_create(
                route_name,
                event_type,
                action_kind,
                target,
                target_queue,
                description,
                retry_policy,
                ordered_per_subject,
            )
        )

    return governed_act(
        actor,
        "outbound_route.create",
        effect,
        target_table="iu_outbound_route",
        target_ids=[route_name],
        reason=description,
        user=user,
        permission=PERM_ROUTE,
    )


def register_route_target(actor: Actor, user: Any, function_name: str, description: str) -> ActResult:
    def effect() -> Effect:
        return Effect.from_answer(db.route_target_register(function_name, description))

    return governed_act(
        actor,
        "route_target.register",
        effect,
        target_table="iu_route_target",
        target_ids=[function_name],
        reason=description,
        user=user,
        permission=PERM_ROUTE_TARGETS,
    )


def retire_route_target(actor: Actor, user: Any, function_name: str, reason: str) -> ActResult:
    def effect() -> Effect:
        return Effect.from_answer(db.route_target_retire(function_name, reason))

    return governed_act(
        actor,
        "route_target.retire",
        effect,
        target_table="iu_route_target",
        target_ids=[function_name],
        reason=reason,
        user=user,
        permission=PERM_ROUTE_TARGETS,
    )


def register_event_type(
    actor: Actor,
    user: Any,
    *,
    event_type: str,
    event_stream: str,
    delivery_lane: str,
    default_severity: str | None,
    description: str,
    producer_ref: str,
    rubric: dict[str, str],
) -> ActResult:
    """A draft type with its rubric answers; it becomes active only by four-eyes on its gate."""

    def effect() -> Effect:
        return Effect.from_answer(
            db.event_type_register(
                event_type, event_stream, delivery_lane, default_severity, description, producer_ref, rubric
            )
        )

    return governed_act(
        actor,
        "event_type.register",
        effect,
        target_table="event_type_registry",
        target_ids=[event_type],
        reason=description,
        user=user,
        permission=PERM_REGISTER_TYPES,
    )


def register_producer(actor: Actor, user: Any, producer_ref: str, description: str) -> ActResult:
    def effect() -> Effect:
        return Effect.from_answer(db.event_producer_register(producer_ref, description))

    return governed_act(
        actor,
        "event_producer.register",
        effect,
        target_table="event_producer_registry",
        target_ids=[producer_ref],
        reason=description,
        user=user,
        permission=PERM_REGISTER_TYPES,
    )


def add_cursor(
    actor: Actor, user: Any, worker_name: str, event_domain: str, reason: str, from_start: bool
) -> ActResult:
    def effect() -> Effect:
        return Effect.from_answer(db.route_worker_cursor_add(worker_name, event_domain, reason, from_start))

    return governed_act(
        actor,
        "route_worker_cursor.add",
        effect,
        target_table="iu_route_worker_cursor",
        target_ids=[f"{worker_name}/{event_domain}"],
        reason=reason,
        user=user,
        permission=PERM_CURSORS,
    )
