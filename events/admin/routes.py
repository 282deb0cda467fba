"""Trigger-OUT routing: route workers, routes, deliveries, attempts, dead letters, trigger-IN routes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path

from events import db, services
from events.admin.common import GatedSubjectActions, ToolsMixin, link
from events.models import (
    OutboundRoute,
    RouteAttempt,
    RouteDeadLetter,
    RouteDelivery,
    RouteTarget,
    RouteWorkerCursor,
    SqlEventRoute,
    SqlRouteDryRun,
)
from jobs.models import RetryPolicy
from queuegov.actor import Actor
from queuegov.admin_base import DeadLetterActions, GovernedAdmin, ReasonForm, values_filter
from queuegov.models import EventDomainRegistry


class AddCursorForm(forms.Form):
    worker_name = forms.CharField(help_text="an existing route worker, or a new one (lowercase, digits, _)")
    event_domain = forms.ModelChoiceField(EventDomainRegistry.objects.filter(status="active"))
    from_start = forms.BooleanField(
        required=False, help_text="route the domain's kept events from the oldest (else: from the newest on)"
    )
    reason = ReasonForm.base_fields["reason"]


@admin.register(RouteWorkerCursor)
class RouteWorkerCursorAdmin(ToolsMixin, GovernedAdmin):
    audit_noun = "route_worker_cursor"
    tools = (("add-cursor/", "Add cursor", services.PERM_CURSORS),)
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

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.add_cursor_view)
        return [path("add-cursor/", view, name="events_routeworkercursor_add_cursor"), *super().get_urls()]

    def add_cursor_view(self, request: HttpRequest) -> HttpResponse:
        return self.governed_form_view(
            request,
            permission=services.PERM_CURSORS,
            title="Add cursor",
            form_class=AddCursorForm,
            act=lambda data: services.add_cursor(
                Actor.for_request(request),
                request.user,
                data["worker_name"],
                data["event_domain"].pk,
                data["reason"],
                data["from_start"],
            ),
            intro='The worker then routes this domain\'s events (docs/architecture.md, "The event pipeline").',
        )


class AddRouteForm(forms.Form):
    route_name = forms.CharField(help_text="lowercase letters, digits and _ . -")
    event_type = forms.CharField(help_text="an exact type, or a prefix ending in * (e.g. staging.*)")
    action_kind = forms.ChoiceField(choices=[(k, k) for k in ("call_function", "enqueue_job", "notify")])
    target = forms.CharField(help_text="a registered route target, a job kind, or a channel name")
    target_queue = forms.CharField(required=False, help_text="enqueue_job only: the queue (else the kind's own)")
    retry_policy = forms.ModelChoiceField(
        RetryPolicy.objects.filter(status="active"),
        required=False,
        help_text="empty: event.retry.max_attempts, event.retry.backoff_seconds apart and doubling",
    )
    ordered_per_subject = forms.BooleanField(
        required=False, help_text="a later event of a subject waits while an earlier one of it is being retried"
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class RegisterTargetForm(forms.Form):
    function_name = forms.CharField(help_text="a function taking one jsonb (the event) the app role may call")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


@admin.register(RouteTarget)
class RouteTargetAdmin(ToolsMixin, GovernedAdmin):
    audit_noun = "route_target"
    tools = (("register/", "Register route target", services.PERM_ROUTE_TARGETS),)
    list_display = ("function_name", "description", "status", "registered_by", "registered_at", "updated_by")
    list_filter = ("status",)
    actions = ["retire"]
    action_permissions = {"register": services.PERM_ROUTE_TARGETS}

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.register_view)
        return [path("register/", view, name="events_routetarget_register"), *super().get_urls()]

    def register_view(self, request: HttpRequest) -> HttpResponse:
        return self.governed_form_view(
            request,
            permission=services.PERM_ROUTE_TARGETS,
            title="Register route target",
            form_class=RegisterTargetForm,
            act=lambda data: services.register_route_target(
                Actor.for_request(request), request.user, data["function_name"], data["description"]
            ),
            intro="call_function routes may call only registered targets; a route still goes live only by four-eyes.",
        )

    @admin.action(description="Retire (routes may no longer call it)", permissions=["register"])
    def retire(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return self.confirm_and_run(
            request,
            queryset,
            action="retire",
            title="Retire route targets",
            act=lambda obj, data: services.retire_route_target(
                Actor.for_request(request), request.user, obj.pk, data["reason"]
            ),
        )


@admin.register(OutboundRoute)
class OutboundRouteAdmin(GatedSubjectActions, ToolsMixin, GovernedAdmin):
    audit_noun = "outbound_route"
    audit_verbs = {"resume_live": "set_live", "dry_run": "set_dry-run", "disable": "set_disabled"}
    tools = (("add-route/", "Add route", services.PERM_ROUTE),)
    list_display = (
        "route_name",
        "event_type",
        "action_kind",
        "target",
        "target_queue",
        "state",
        "gate",
        "retry_policy",
        "ordered_per_subject",
        "updated_by",
        "updated_at",
    )
    list_filter = ("action_kind", "enabled", "dry_run")
    actions = ["request_live", "request_dry_run", "resume_live", "dry_run", "disable"]

    @admin.display(description="state")
    def state(self, obj: OutboundRoute) -> str:
        return "disabled" if not obj.enabled else ("dry-run" if obj.dry_run else "LIVE")

    action_permissions = {
        "toggle": services.PERM_ROUTE,
    }

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.add_route_view)
        return [path("add-route/", view, name="events_outboundroute_add_route"), *super().get_urls()]

    def add_route_view(self, request: HttpRequest) -> HttpResponse:
        def act(data: dict[str, Any]) -> Any:
            return services.create_route(
                Actor.for_request(request),
                request.user,
                route_name=data["route_name"],
                event_type=data["event_type"],
                action_kind=data["action_kind"],
                target=data["target"],
                target_queue=data["target_queue"] or None,
                description=data["description"],
                retry_policy=data["retry_policy"].pk if data["retry_policy"] else None,
                ordered_per_subject=data["ordered_per_subject"],
            )

        return self.governed_form_view(
            request,
            permission=services.PERM_ROUTE,
            title="Add route",
            form_class=AddRouteForm,
            act=act,
            intro="A new route is disabled and in dry-run; it goes live only when its own gate is opened by "
            "four-eyes (one person requests, another approves).",
        )

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

    @admin.action(description="Request go-live (four-eyes)", permissions=["request"])
    def request_live(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return self.request_gate(request, queryset, True, "Request go-live (four-eyes)")

    @admin.action(description="Request back to dry-run (four-eyes)", permissions=["request"])
    def request_dry_run(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return self.request_gate(request, queryset, False, "Request back to dry-run (four-eyes)")

    @admin.action(description="Resume live (its gate is open)", permissions=["toggle"])
    def resume_live(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return self._set(request, queryset, True, False, "Resume routes live")

    @admin.action(description="Pause in dry-run (record attempts, act on nothing)", permissions=["toggle"])
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
class SqlEventRouteAdmin(GatedSubjectActions, GovernedAdmin):
    list_display = ("route_name", "source_table", "operation", "condition", "target_event_type", "state", "gate")
    actions = ["request_live", "request_dry_run"]

    @admin.display(description="state")
    def state(self, obj: SqlEventRoute) -> str:
        return "LIVE" if obj.enabled and not obj.dry_run else "dry-run"

    @admin.action(description="Request go-live (four-eyes)", permissions=["request"])
    def request_live(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return self.request_gate(request, queryset, True, "Request go-live (four-eyes)")

    @admin.action(description="Request back to dry-run (four-eyes)", permissions=["request"])
    def request_dry_run(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return self.request_gate(request, queryset, False, "Request dry-run (four-eyes)")


@admin.register(SqlRouteDryRun)
class SqlRouteDryRunAdmin(GovernedAdmin):
    list_display = ("id", "route", "source_table", "operation", "subject_ref", "would_capture", "logged_at")
    list_filter = ("route",)
    list_select_related = ("route",)
