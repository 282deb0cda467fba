"""Who receives events: subscriptions and each user's inbox."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.html import format_html

from events import services
from events.admin.common import link
from events.models import (
    Event,
    InboxEntry,
    Subscription,
)
from queuegov.actor import Actor
from queuegov.admin_base import GovernedAdmin, ReasonForm
from queuegov.models import EventDomainRegistry


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
    audit_noun = "subscription"
    audit_verbs = {"add_subscription": "add"}
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
    audit_noun = "inbox"
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
        return link("event", obj.event_id)

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
