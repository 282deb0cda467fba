"""The event registry and the events themselves: types, the outbox, the pending backlog, subject keys."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from events import db, services
from events.admin.common import GatedSubjectActions, ToolsMixin, domains, event_types, link
from events.models import (
    Event,
    EventProducer,
    EventSubjectKey,
    EventType,
    PendingEvent,
    RouteDelivery,
)
from queuegov.actor import Actor
from queuegov.admin_base import GovernedAdmin, ReasonForm, table_link, values_filter
from queuegov.db import vocabulary


def register_type_form() -> type[forms.Form]:
    """The registration form; its vocabularies and rubric questions are read from the database."""
    vocab = vocabulary()

    def choices(name: str, blank: bool = False) -> list[tuple[str, str]]:
        return ([("", "—")] if blank else []) + [(v, v) for v in vocab[name]]

    fields: dict[str, forms.Field] = {
        "event_type": forms.CharField(help_text="domain.what_happened: the first part is an active domain"),
        "event_stream": forms.ChoiceField(choices=choices("event_stream_allowed")),
        "delivery_lane": forms.ChoiceField(choices=choices("delivery_lane_allowed")),
        "default_severity": forms.ChoiceField(choices=choices("severity_allowed", blank=True), required=False),
        "description": forms.CharField(),
        "producer_ref": forms.CharField(
            help_text="the fn_… function that emits it, or a registered code producer (module, executor)"
        ),
    }
    for key, question in db.event_type_rubric().items():
        fields[f"rubric_{key}"] = forms.CharField(
            label=f"rubric: {key}", help_text=question, widget=forms.Textarea(attrs={"rows": 2}), required=False
        )
    return type("RegisterTypeForm", (forms.Form,), fields)


class RegisterProducerForm(forms.Form):
    producer_ref = forms.CharField(
        help_text="a module or executor name (mothers.factory, hermes:mother_output); a fn_… function needs none"
    )
    description = ReasonForm.base_fields["reason"]


@admin.register(EventType)
class EventTypeAdmin(GatedSubjectActions, ToolsMixin, GovernedAdmin):
    audit_noun = "event_type"
    audit_verbs = {"activate": "set_active", "retire": "set_retired", "back_to_draft": "set_draft"}
    tools = (
        ("register/", "Register event type", services.PERM_REGISTER_TYPES),
        ("register-producer/", "Register code producer", services.PERM_REGISTER_TYPES),
    )
    list_display = (
        "event_type",
        "event_domain",
        "event_stream",
        "delivery_lane",
        "default_severity",
        "status",
        "producer_ref",
        "gate",
    )
    list_filter = ("status", "event_domain", "event_stream", "delivery_lane")
    search_fields = ("event_type", "producer_ref")
    readonly_fields = ("inclusion_rubric", "not_ready")
    actions = ["request_activation", "request_retirement", "activate", "retire", "back_to_draft"]

    action_permissions = {
        "manage": services.PERM_TYPES,
    }

    @admin.display(description="inclusion rubric")
    def inclusion_rubric(self, obj: EventType) -> str:
        questions = db.event_type_rubric()
        return format_html(
            "<dl>{}</dl>",
            format_html_join(
                "",
                "<dt>{}</dt><dd>{}</dd>",
                ((q, (obj.rubric or {}).get(k) or "— not answered —") for k, q in questions.items()),
            ),
        )

    @admin.display(description="what keeps it from being active")
    def not_ready(self, obj: EventType) -> str:
        problems = db.event_type_activation_problems(obj.pk)
        return "; ".join(problems) if problems else "nothing: it may be active"

    def get_urls(self) -> list[Any]:
        register = self.admin_site.admin_view(self.register_view)
        producer = self.admin_site.admin_view(self.register_producer_view)
        return [
            path("register/", register, name="events_eventtype_register"),
            path("register-producer/", producer, name="events_eventtype_register_producer"),
            *super().get_urls(),
        ]

    def register_view(self, request: HttpRequest) -> HttpResponse:
        def act(data: dict[str, Any]) -> Any:
            return services.register_event_type(
                Actor.for_request(request),
                request.user,
                event_type=data["event_type"],
                event_stream=data["event_stream"],
                delivery_lane=data["delivery_lane"],
                default_severity=data["default_severity"] or None,
                description=data["description"],
                producer_ref=data["producer_ref"],
                rubric={k[len("rubric_") :]: v for k, v in data.items() if k.startswith("rubric_") and v},
            )

        return self.governed_form_view(
            request,
            permission=services.PERM_REGISTER_TYPES,
            title="Register event type",
            form_class=register_type_form(),
            act=act,
            intro="A registered type is a draft. It becomes active when its producer exists, the three rubric "
            "questions are answered, and its own gate is opened by four-eyes (docs/events.md).",
        )

    def register_producer_view(self, request: HttpRequest) -> HttpResponse:
        return self.governed_form_view(
            request,
            permission=services.PERM_REGISTER_TYPES,
            title="Register code producer",
            form_class=RegisterProducerForm,
            act=lambda data: services.register_producer(
                Actor.for_request(request), request.user, data["producer_ref"], data["description"]
            ),
            intro="A producer the database cannot see (a Python module, an executor such as a Mother).",
        )

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

    @admin.action(description="Request activation (four-eyes)", permissions=["request"])
    def request_activation(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return self.request_gate(request, queryset, True, "Request activation (four-eyes)")

    @admin.action(description="Request retirement (four-eyes)", permissions=["request"])
    def request_retirement(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return self.request_gate(request, queryset, False, "Request retirement (four-eyes)")

    @admin.action(description="Activate (a type with a gate: only while it is open)", permissions=["manage"])
    def activate(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return self._set(request, queryset, "active", "Activate event types")

    @admin.action(description="Retire (emitting it becomes an error)", permissions=["manage"])
    def retire(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return self._set(request, queryset, "retired", "Retire event types")

    @admin.action(description="Back to draft", permissions=["manage"])
    def back_to_draft(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return self._set(request, queryset, "draft", "Put event types back to draft")


@admin.register(EventProducer)
class EventProducerAdmin(GovernedAdmin):
    list_display = ("producer_ref", "description", "status", "registered_by", "registered_at")
    list_filter = ("status",)


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
        values_filter("event_domain", domains, "domain"),
        values_filter("event_type", event_types, "type"),
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
        "subject",
        "correlation_id",
        "caused_by",
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
        return table_link(obj.event_subject_table, obj.event_subject_ref) if obj.event_subject_ref else "—"

    @admin.display(description="caused by")
    def caused_by(self, obj: Event) -> str:
        """The causing event, when the causation id is an event id (the list searched by it otherwise)."""
        if not obj.causation_id:
            return "—"
        url = reverse("admin:events_event_changelist") + "?" + urlencode({"q": obj.causation_id})
        return format_html('<a href="{}">{}</a>', url, obj.causation_id)

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
    list_filter = (ProcessedFilter, values_filter("event_type", event_types, "type"))
    search_fields = ("=stable_key", "=event_subject_ref", "=correlation_id")

    @admin.display(description="subject")
    def subject(self, obj: PendingEvent) -> str:
        return f"{obj.event_subject_table}:{obj.event_subject_ref}" if obj.event_subject_ref else "—"

    @admin.display(description="event")
    def emitted(self, obj: PendingEvent) -> str:
        return link("event", obj.emitted_event_id)


@admin.register(EventSubjectKey)
class EventSubjectKeyAdmin(GovernedAdmin):
    list_display = ("event_type", "event_subject_table", "event_subject_ref", "fact_key", "event_link", "created_at")
    search_fields = ("=event_subject_ref",)

    @admin.display(description="event")
    def event_link(self, obj: EventSubjectKey) -> str:
        return link("event", obj.event_id)
