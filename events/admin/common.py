"""What the events admin screens share."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from events.models import EventType
from queuegov import gates
from queuegov.actor import Actor
from queuegov.admin_base import admin_link
from queuegov.models import EventDomainRegistry


def domains() -> list[str]:
    """The domains events can be in: those with at least one registered event type."""
    return list(
        EventDomainRegistry.objects.filter(event_domain__in=EventType.objects.values("event_domain"))
        .order_by("event_domain")
        .values_list("event_domain", flat=True)
    )


def event_types() -> list[str]:
    return list(EventType.objects.values_list("event_type", flat=True))


link = partial(admin_link, "events")


class GatedSubjectActions:
    """What a subject with its own four-eyes gate (``gate_key``) shows and does: a trigger-IN or
    trigger-OUT route, an event type. Its actions file gate-change requests; another person approves."""

    @admin.display(description="four-eyes switch")
    def gate(self, obj: Any) -> str:
        if not obj.gate_key:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:queuegov_dotconfig_change", args=[obj.gate_key]), obj.gate_key
        )

    def request_gate(self, request: HttpRequest, queryset: QuerySet, value: bool, title: str) -> Any:
        return self.confirm_and_run(  # type: ignore[attr-defined]
            request,
            queryset.exclude(gate_key=None),
            action=request.POST.get("action", ""),
            title=title,
            intro="Files a gate-change request on each one's own gate; a different person must approve it.",
            act=lambda obj, data: gates.request_change(
                Actor.for_request(request), request.user, obj.gate_key, "true" if value else "false", data["reason"]
            ),
        )

    def has_request_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(gates.PERM_REQUEST)


TOOLS_TEMPLATE = "admin/events/change_list_tools.html"


class ToolsMixin:
    """Object tools (links above the list) each shown to those holding their permission."""

    #: (url below the changelist, label, permission)
    tools: tuple[tuple[str, str, str], ...] = ()
    change_list_template = TOOLS_TEMPLATE

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        shown = [(url, label) for url, label, perm in self.tools if request.user.has_perm(perm)]
        return super().changelist_view(request, {"object_tools": shown, **(extra_context or {})})  # type: ignore[misc]
