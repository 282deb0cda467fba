"""Trigger-OUT routing: route workers, routes, deliveries, attempts, dead letters, trigger-IN routes."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from events import db, services
from events.admin.common import link
from events.models import (
    OutboundRoute,
    RouteAttempt,
    RouteDeadLetter,
    RouteDelivery,
    RouteWorkerCursor,
    SqlEventRoute,
    SqlRouteDryRun,
)
from queuegov import gates
from queuegov.actor import Actor
from queuegov.admin_base import DeadLetterActions, GovernedAdmin, values_filter


@admin.register(RouteWorkerCursor)
class RouteWorkerCursorAdmin(GovernedAdmin):
    list_display = (
        "worker_name",
        "event_domain",
        "last_event_id",
        "lag",
        "last_run_at",
        "processed_count",
        "dead_lettered_count",
        "enabled",
    )

    @admin.display(description="events past cursor (capped at 100,000)")
    def lag(self, obj: RouteWorkerCursor) -> int:
        # The same commit-safe (tx_id, id) comparison and cap as v_queue_health.
        return db.cursor_lag(obj.pk)


@admin.register(OutboundRoute)
class OutboundRouteAdmin(GovernedAdmin):
    audit_noun = "outbound_route"
    audit_verbs = {"go_live": "set_live", "dry_run": "set_dry-run", "disable": "set_disabled"}
    list_display = (
        "route_name",
        "event_type",
        "action_kind",
        "target",
        "target_queue",
        "state",
        "updated_by",
        "updated_at",
    )
    list_filter = ("action_kind", "enabled", "dry_run")
    actions = ["go_live", "dry_run", "disable"]

    @admin.display(description="state")
    def state(self, obj: OutboundRoute) -> str:
        return "disabled" if not obj.enabled else ("dry-run" if obj.dry_run else "LIVE")

    action_permissions = {
        "toggle": services.PERM_ROUTE,
    }

    def _set(self, request: HttpRequest, queryset: QuerySet, enabled: bool, dry_run: bool, title: str) -> Any:
        return self.confirm_and_run(
            request,
            queryset,
            action=request.POST.get("action", ""),
            title=title,
            act=lambda obj, data: services.set_route(
                Actor.for_request(request),
                request.user,
                obj.pk,
                enabled=enabled,
                dry_run=dry_run,
                reason=data["reason"],
            ),
        )

    @admin.action(description="Go live (enabled, not dry-run)", permissions=["toggle"])
    def go_live(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return self._set(request, queryset, True, False, "Put routes live")

    @admin.action(description="Dry-run (record attempts, act on nothing)", permissions=["toggle"])
    def dry_run(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return self._set(request, queryset, True, True, "Put routes in dry-run")

    @admin.action(description="Disable", permissions=["toggle"])
    def disable(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return self._set(request, queryset, False, True, "Disable routes")


@admin.register(RouteDelivery)
class RouteDeliveryAdmin(GovernedAdmin):
    list_display = ("event_link", "route", "status", "attempts", "next_attempt_at", "last_error", "updated_at")
    list_filter = (values_filter("status", "route_delivery_status_allowed"), "route")
    list_select_related = ("route",)
    search_fields = ("=event_id",)

    @admin.display(description="event")
    def event_link(self, obj: RouteDelivery) -> str:
        return link("event", obj.event_id)


@admin.register(RouteAttempt)
class RouteAttemptAdmin(GovernedAdmin):
    url_lookups = ("event_id",)  # the event's "attempts" and "dead letters" links
    list_display = (
        "id",
        "event_link",
        "route",
        "attempt_no",
        "status",
        "error",
        "worker_name",
        "started_at",
        "duration_ms",
    )
    list_filter = (values_filter("status", "route_attempt_status_allowed"), "route")
    list_select_related = ("route",)
    search_fields = ("=event_id",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        event_id = request.GET.get("event_id", "")
        return qs.filter(event_id=int(event_id)) if event_id.isdigit() else qs

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        return lookup == "event_id" or super().lookup_allowed(lookup, value, request)

    @admin.display(description="event")
    def event_link(self, obj: RouteAttempt) -> str:
        return link("event", obj.event_id)


@admin.register(RouteDeadLetter)
class RouteDeadLetterAdmin(DeadLetterActions, GovernedAdmin):
    audit_noun = "route_dead_letter"
    url_lookups = ("event_id",)  # the event's "attempts" and "dead letters" links
    list_display = (
        "id",
        "event_link",
        "event_type",
        "route",
        "attempts",
        "last_error",
        "dead_at",
        "triage_status",
        "triaged_by",
        "replayed_at",
    )
    list_filter = (values_filter("triage_status", "route_dead_letter_triage_allowed", "triage status"), "route")
    list_select_related = ("route",)
    search_fields = ("=event_id", "=event_type")

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        return lookup == "event_id" or super().lookup_allowed(lookup, value, request)

    @admin.display(description="event")
    def event_link(self, obj: RouteDeadLetter) -> str:
        return link("event", obj.event_id)

    action_permissions = {
        "triage": services.PERM_TRIAGE,
        "replay": services.PERM_REPLAY,
    }

    dead_letter_services = services
    dead_letters_noun = "routing dead letters"
    replay_intro = (
        "Each dead letter is delivered again through its route. Gate event.routes_master.enabled must be open."
    )


@admin.register(SqlEventRoute)
class SqlEventRouteAdmin(GovernedAdmin):
    list_display = ("route_name", "source_table", "operation", "condition", "target_event_type", "state", "gate")
    actions = ["request_live", "request_dry_run"]

    @admin.display(description="state")
    def state(self, obj: SqlEventRoute) -> str:
        return "LIVE" if obj.enabled and not obj.dry_run else "dry-run"

    @admin.display(description="four-eyes switch")
    def gate(self, obj: SqlEventRoute) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:queuegov_dotconfig_change", args=[obj.gate_key]), obj.gate_key
        )

    action_permissions = {
        "request": gates.PERM_REQUEST,
    }

    def _request(self, request: HttpRequest, queryset: QuerySet, live: bool) -> Any:
        title = "Request go-live (four-eyes)" if live else "Request dry-run (four-eyes)"
        return self.confirm_and_run(
            request,
            queryset,
            action=request.POST.get("action", ""),
            title=title,
            intro="Files a gate-change request on each route's switch; a different person must approve it.",
            act=lambda obj, data: gates.request_change(
                Actor.for_request(request), request.user, obj.gate_key, "true" if live else "false", data["reason"]
            ),
        )

    @admin.action(description="Request go-live (four-eyes)", permissions=["request"])
    def request_live(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return self._request(request, queryset, True)

    @admin.action(description="Request back to dry-run (four-eyes)", permissions=["request"])
    def request_dry_run(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return self._request(request, queryset, False)


@admin.register(SqlRouteDryRun)
class SqlRouteDryRunAdmin(GovernedAdmin):
    list_display = ("id", "route", "source_table", "operation", "subject_ref", "would_capture", "logged_at")
    list_filter = ("route",)
    list_select_related = ("route",)
