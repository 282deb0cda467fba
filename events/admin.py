"""Event substrate screens: registry, outbox, backlog, routing, dead letters and each user's inbox."""

from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from events import db, services
from events.models import (
    Event,
    EventSubjectKey,
    EventType,
    InboxEntry,
    OutboundRoute,
    PendingEvent,
    RouteAttempt,
    RouteDeadLetter,
    RouteDelivery,
    RouteWorkerCursor,
    SqlEventRoute,
    SqlRouteDryRun,
    Subscription,
)
from queuegov import gates
from queuegov.actor import Actor
from queuegov.admin_base import DeadLetterActions, GovernedAdmin, ReasonForm, admin_link, values_filter
from queuegov.models import EventDomainRegistry


def _domains() -> list[str]:
    return list(EventDomainRegistry.objects.values_list("event_domain", flat=True))


def _event_types() -> list[str]:
    return list(EventType.objects.values_list("event_type", flat=True))


_link = partial(admin_link, "events")


@admin.register(EventType)
class EventTypeAdmin(GovernedAdmin):
    list_display = (
        "event_type",
        "event_domain",
        "event_stream",
        "delivery_lane",
        "default_severity",
        "status",
        "producer_ref",
    )
    list_filter = ("status", "event_domain", "event_stream", "delivery_lane")
    search_fields = ("event_type", "producer_ref")
    actions = ["activate", "retire", "back_to_draft"]

    action_permissions = {
        "manage": services.PERM_TYPES,
    }

    def _set(self, request: HttpRequest, queryset: QuerySet, status: str, title: str) -> Any:
        return self.confirm_and_run(
            request,
            queryset,
            action=request.POST.get("action", ""),
            title=title,
            act=lambda obj, data: services.set_event_type_status(
                Actor.for_request(request), request.user, obj.pk, status, data["reason"]
            ),
        )

    @admin.action(description="Activate (needs a producer)", permissions=["manage"])
    def activate(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return self._set(request, queryset, "active", "Activate event types")

    @admin.action(description="Retire (emitting it becomes an error)", permissions=["manage"])
    def retire(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return self._set(request, queryset, "retired", "Retire event types")

    @admin.action(description="Back to draft", permissions=["manage"])
    def back_to_draft(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return self._set(request, queryset, "draft", "Put event types back to draft")


@admin.register(Event)
class EventAdmin(GovernedAdmin):
    list_display = (
        "id",
        "event_type",
        "event_domain",
        "event_stream",
        "severity",
        "delivery_lane",
        "subject",
        "correlation_id",
        "actor",
        "occurred_at",
        "delivered_at",
    )
    # Choices from the registries and vocabularies: a plain "event_domain" filter runs
    # SELECT DISTINCT over every partition (2 s with 1,000,000 events).
    list_filter = (
        values_filter("event_domain", _domains, "domain"),
        values_filter("event_type", _event_types, "type"),
        values_filter("event_stream", "event_stream_allowed", "stream"),
        values_filter("severity", "severity_allowed"),
        values_filter("delivery_lane", "delivery_lane_allowed", "delivery lane"),
    )
    search_fields = ("=event_type", "=event_subject_ref", "=correlation_id", "=causation_id")
    search_help_text = "An event id, or an exact type, subject ref, correlation id or causation id."
    readonly_fields = (
        "id",
        "event_type",
        "event_domain",
        "event_stream",
        "delivery_lane",
        "severity",
        "payload",
        "payload_classification",
        "event_subject_table",
        "event_subject_ref",
        "correlation_id",
        "causation_id",
        "actor",
        "occurred_at",
        "created_at",
        "delivered_at",
        "routing",
    )

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        term = search_term.strip().lstrip("#")
        if term.isdigit():
            return queryset.filter(pk=int(term)), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="subject")
    def subject(self, obj: Event) -> str:
        return f"{obj.event_subject_table}:{obj.event_subject_ref}" if obj.event_subject_ref else "—"

    @admin.display(description="routing (deliveries, attempts, dead letters)")
    def routing(self, obj: Event) -> str:
        deliveries = RouteDelivery.objects.filter(event_id=obj.pk).select_related("route")
        rows = format_html_join(
            "",
            "<div>{}: {} after {} attempt(s)</div>",
            ((d.route.route_name, d.status, d.attempts) for d in deliveries),
        )
        attempts = reverse("admin:events_routeattempt_changelist") + f"?event_id={obj.pk}"
        dead = reverse("admin:events_routedeadletter_changelist") + f"?event_id={obj.pk}"
        return format_html(
            '{}<a href="{}">attempts</a> · <a href="{}">dead letters</a>', rows or "not routed. ", attempts, dead
        )


class ProcessedFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("backlog", "backlog (unprocessed)"), ("errors", "with errors"), ("processed", "processed")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "backlog":
            return queryset.filter(processed_at__isnull=True)
        if self.value() == "errors":
            return queryset.filter(processed_at__isnull=True, error_count__gt=0)
        if self.value() == "processed":
            return queryset.filter(processed_at__isnull=False)
        return queryset


@admin.register(PendingEvent)
class PendingEventAdmin(GovernedAdmin):
    list_display = (
        "id",
        "event_type",
        "subject",
        "stable_key",
        "captured_at",
        "processed_at",
        "emitted",
        "error_count",
        "last_error",
    )
    list_filter = (ProcessedFilter, values_filter("event_type", _event_types, "type"))
    search_fields = ("=stable_key", "=event_subject_ref", "=correlation_id")

    @admin.display(description="subject")
    def subject(self, obj: PendingEvent) -> str:
        return f"{obj.event_subject_table}:{obj.event_subject_ref}" if obj.event_subject_ref else "—"

    @admin.display(description="event")
    def emitted(self, obj: PendingEvent) -> str:
        return _link("event", obj.emitted_event_id)


class SubscribeForm(forms.Form):
    event_type = forms.CharField(required=False, help_text="exact type, or a prefix ending in * (e.g. governance.*)")
    event_domain = forms.ModelChoiceField(EventDomainRegistry.objects.all(), required=False)
    event_stream = forms.ChoiceField(
        required=False,
        choices=[("", "—")] + [(s, s) for s in ("comment", "review", "update", "birth", "task", "alert", "health")],
    )
    recipient_kind = forms.ChoiceField(choices=[(k, k) for k in ("user", "group", "role", "executor")])
    recipient_ref = forms.CharField(help_text="username, group name, role name or executor name")
    reason = ReasonForm.base_fields["reason"]


@admin.register(Subscription)
class SubscriptionAdmin(GovernedAdmin):
    list_display = (
        "id",
        "event_type",
        "event_domain",
        "event_stream",
        "recipient_kind",
        "recipient_ref",
        "enabled",
        "created_by",
        "created_at",
    )
    list_filter = ("enabled", "recipient_kind", "event_domain")
    search_fields = ("event_type", "recipient_ref")
    actions = ["enable", "disable"]

    action_permissions = {
        "manage": services.PERM_SUBSCRIBE,
    }

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra = {"can_subscribe": self.has_manage_permission(request), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.subscribe_view)
        return [path("subscribe/", view, name="events_subscription_subscribe"), *super().get_urls()]

    def subscribe_view(self, request: HttpRequest) -> HttpResponse:
        def act(data: dict[str, Any]) -> Any:
            return services.subscribe(
                Actor.for_request(request),
                request.user,
                event_type=data["event_type"] or None,
                event_domain=data["event_domain"].pk if data["event_domain"] else None,
                event_stream=data["event_stream"] or None,
                recipient_kind=data["recipient_kind"],
                recipient_ref=data["recipient_ref"],
                reason=data["reason"],
            )

        return self.governed_form_view(
            request,
            permission=services.PERM_SUBSCRIBE,
            title="Add subscription",
            form_class=SubscribeForm,
            act=act,
            intro="Match by type, domain and/or stream; audited.",
        )

    def _toggle(self, request: HttpRequest, queryset: QuerySet, enabled: bool) -> HttpResponse | None:
        verb = "enable" if enabled else "disable"
        return self.confirm_and_run(
            request,
            queryset,
            action=verb,
            title=f"{verb.capitalize()} subscriptions",
            act=lambda obj, data: services.set_subscription_enabled(
                Actor.for_request(request), request.user, obj.pk, enabled, data["reason"]
            ),
        )

    @admin.action(description="Enable selected subscriptions", permissions=["manage"])
    def enable(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._toggle(request, queryset, True)

    @admin.action(description="Disable selected subscriptions", permissions=["manage"])
    def disable(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._toggle(request, queryset, False)


def _event_field(name: str) -> Subquery:
    return Subquery(Event.objects.filter(id=OuterRef("event_id")).values(name)[:1])


class InboxEventFilter(admin.SimpleListFilter):
    field = ""

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(v, v) for v in self.values()]

    def values(self) -> list[str]:
        raise NotImplementedError

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(**{f"e_{self.field}": self.value()}) if self.value() else queryset


class InboxDomainFilter(InboxEventFilter):
    title = parameter_name = field = "domain"

    def values(self) -> list[str]:
        return list(EventDomainRegistry.objects.values_list("event_domain", flat=True))


class InboxStreamFilter(InboxEventFilter):
    title = parameter_name = field = "stream"

    def values(self) -> list[str]:
        return ["comment", "review", "update", "birth", "task", "alert", "health"]


class InboxSeverityFilter(InboxEventFilter):
    title = parameter_name = field = "severity"

    def values(self) -> list[str]:
        return ["info", "warning", "critical"]


class ReadFilter(admin.SimpleListFilter):
    title = "read"
    parameter_name = "unread"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("1", "unread only")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(read_at__isnull=True) if self.value() == "1" else queryset


@admin.register(InboxEntry)
class InboxAdmin(GovernedAdmin):
    """My events: delivered to me, my groups or my roles; unread first."""

    list_display = (
        "unread",
        "event",
        "e_type",
        "e_domain",
        "e_stream",
        "e_severity",
        "e_subject",
        "e_occurred_at",
        "to",
        "read_by",
    )
    list_display_links = None
    list_filter = (ReadFilter, InboxDomainFilter, InboxStreamFilter, InboxSeverityFilter)
    # Unread first (PostgreSQL sorts NULLs last in ascending order by default).
    ordering = (F("read_at").asc(nulls_first=True), "-event_id")
    actions = ["mark_read"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        user = request.user
        groups = list(user.groups.values_list("name", flat=True))
        mine = InboxEntry.objects.filter(
            recipient_kind="user", recipient_ref=user.get_username()
        ) | InboxEntry.objects.filter(recipient_kind__in=["group", "role"], recipient_ref__in=groups)
        return mine.annotate(
            e_type=_event_field("event_type"),
            e_domain=_event_field("event_domain"),
            e_stream=_event_field("event_stream"),
            e_severity=_event_field("severity"),
            e_subject=_event_field("event_subject_ref"),
            e_occurred_at=_event_field("occurred_at"),
        ).order_by(F("read_at").asc(nulls_first=True), "-event_id")

    @admin.display(description="", boolean=False)
    def unread(self, obj: InboxEntry) -> str:
        return format_html("<strong>{}</strong>", "●") if obj.read_at is None else ""

    @admin.display(description="event")
    def event(self, obj: InboxEntry) -> str:
        return _link("event", obj.event_id)

    @admin.display(description="type")
    def e_type(self, obj: Any) -> str:
        return obj.e_type

    @admin.display(description="domain")
    def e_domain(self, obj: Any) -> str:
        return obj.e_domain

    @admin.display(description="stream")
    def e_stream(self, obj: Any) -> str:
        return obj.e_stream

    @admin.display(description="severity")
    def e_severity(self, obj: Any) -> str:
        return obj.e_severity or ""

    @admin.display(description="subject")
    def e_subject(self, obj: Any) -> str:
        return obj.e_subject or ""

    @admin.display(description="occurred")
    def e_occurred_at(self, obj: Any) -> Any:
        return obj.e_occurred_at

    @admin.display(description="to")
    def to(self, obj: InboxEntry) -> str:
        return f"{obj.recipient_kind}:{obj.recipient_ref}"

    action_permissions = {
        "read": "events.view_inboxentry",
    }

    @admin.action(description="Mark selected as read", permissions=["read"])
    def mark_read(self, request: HttpRequest, queryset: QuerySet) -> None:
        ids = list(queryset.filter(read_at__isnull=True).values_list("pk", flat=True))
        self._report(request, "Mark read", [services.mark_read(Actor.for_request(request), request.user, ids)])


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
        return _link("event", obj.event_id)


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
        return _link("event", obj.event_id)


@admin.register(RouteDeadLetter)
class RouteDeadLetterAdmin(DeadLetterActions, GovernedAdmin):
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
        return _link("event", obj.event_id)

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


@admin.register(EventSubjectKey)
class EventSubjectKeyAdmin(GovernedAdmin):
    list_display = ("event_type", "event_subject_table", "event_subject_ref", "fact_key", "event_link", "created_at")
    search_fields = ("=event_subject_ref",)

    @admin.display(description="event")
    def event_link(self, obj: EventSubjectKey) -> str:
        return _link("event", obj.event_id)
