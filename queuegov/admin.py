"""Governance screens: gates and settings, change requests, the audit trail."""

from __future__ import annotations

import json
from datetime import datetime, time
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import format_html

from queuegov import db, gates
from queuegov.actor import Actor
from queuegov.admin_base import GovernedAdmin, ReasonForm, values_filter
from queuegov.errors import QueuegovError, domain_errors
from queuegov.models import (
    AdminActionAudit,
    DotConfig,
    DotConfigHistory,
    EventDomainRegistry,
    GateChangeRequest,
)


def _json(value: Any) -> str:
    return json.dumps(value)


class RequestChangeForm(forms.Form):
    new_value = forms.CharField(
        max_length=64,
        help_text="true / false for a gate; a whole number for a setting.",
    )
    reason = ReasonForm.base_fields["reason"]


# JSON values in JSON's own spelling (`false`, not Python's `False`, which Django's
# display of a falsy JSONField value falls back to), and the request that set them.
@admin.display(description="old value")
def old_value(obj: Any) -> str:
    return _json(obj.old_value)


@admin.display(description="new value")
def new_value(obj: Any) -> str:
    return _json(obj.new_value)


@admin.display(description="change request")
def change_request(obj: DotConfigHistory) -> str:
    if obj.gate_change_request_id is None:
        return "—"
    url = reverse("admin:queuegov_gatechangerequest_change", args=[obj.gate_change_request_id])
    return format_html('<a href="{}">#{}</a>', url, obj.gate_change_request_id)


class DotConfigHistoryInline(admin.TabularInline):
    model = DotConfigHistory
    fk_name = "config"
    fields = ("changed_at", "operation", old_value, new_value, "changed_by", change_request, "request_id")
    readonly_fields = fields

    extra = 0
    max_num = 0
    can_delete = False
    ordering = ("-changed_at", "-id")
    verbose_name_plural = "history (newest first)"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def value_at(key: str, text: str) -> dict[str, Any]:
    """What ``key`` was at the time ``text`` names (fn_config_value_at), and which change set it."""
    at = parse_datetime(text.strip().replace("T", " ")) or (
        datetime.combine(parsed, time.min) if (parsed := parse_date(text.strip())) else None
    )
    if at is None:
        return {"asked": text, "error": "give a time as YYYY-MM-DD HH:MM:SS (or a date), in UTC"}
    if timezone.is_naive(at):
        at = timezone.make_aware(at, timezone.get_current_timezone())
    try:
        with transaction.atomic(), domain_errors():  # a savepoint: the page's own queries go on
            value = db.config_value_at(key, at)
    except QueuegovError as exc:
        return {"asked": text, "at": at, "error": str(exc)}
    change = DotConfigHistory.objects.filter(config_id=key, changed_at__lte=at).order_by("-changed_at", "-id").first()
    return {"asked": text, "at": at, "value": None if change is None else _json(value), "change": change}


@admin.register(DotConfig)
class DotConfigAdmin(GovernedAdmin):
    audit_noun = "gate_change"
    audit_verbs = {"request_change": "request"}
    list_display = ("key", "kind", "state", "description", "updated_at", "updated_by", "pending_request")
    list_filter = ("kind",)
    search_fields = ("key", "description")
    ordering = ("kind", "key")
    inlines = [DotConfigHistoryInline]
    actions = ["request_change"]
    fields = readonly_fields = (
        "key",
        "state",
        "kind",
        "value_type",
        "min_value",
        "max_value",
        "description",
        "updated_at",
        "updated_by",
    )

    change_form_template = "admin/queuegov/dotconfig/change_form.html"

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        extra = dict(extra_context or {})
        if object_id is not None and request.method == "GET" and "at" in request.GET:
            extra["value_at"] = value_at(unquote(object_id), request.GET["at"])
        return super().changeform_view(request, object_id, form_url, extra)

    @admin.display(description="value")
    def state(self, obj: DotConfig) -> str:
        if obj.kind == "gate":
            colour, label = ("#1a7f37", "OPEN") if obj.value is True else ("#6e7781", "CLOSED")
            return format_html('<strong style="color:{}">{}</strong>', colour, label)
        return _json(obj.value)

    @admin.display(description="pending request")
    def pending_request(self, obj: DotConfig) -> str:
        pending = obj.change_requests.filter(status="pending").first()
        if pending is None:
            return "—"
        url = reverse("admin:queuegov_gatechangerequest_change", args=[pending.pk])
        return format_html('<a href="{}">#{} → {}</a>', url, pending.pk, _json(pending.new_value))

    action_permissions = {
        "request": gates.PERM_REQUEST,
    }

    @admin.action(description="Request a change (four-eyes)", permissions=["request"])
    def request_change(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        """One change request per selected gate or setting, each its own governed act."""
        configs = list(queryset.order_by("key"))
        values = {_json(c.value) for c in configs}
        kinds = {c.kind for c in configs}
        if kinds == {"gate"} and len(values) == 1:
            initial = _json(not configs[0].value)  # the flip, when every selected gate is alike
        else:
            initial = values.pop() if len(values) == 1 else ""
        current = ", ".join(f"{c.key} = {_json(c.value)}" for c in configs[:10])
        return self.confirm_and_run(
            request,
            queryset,
            action="request_change",
            title=f"Request a change to {configs[0].key}"
            if len(configs) == 1
            else f"Request a change to {len(configs)} gates and settings",
            intro=f"Now: {current}{' …' if len(configs) > 10 else ''}. One request per key; a different person "
            "must approve each before it applies.",
            form_class=RequestChangeForm,
            initial={"new_value": initial},
            act=lambda obj, data: gates.request_change(
                Actor.for_request(request), request.user, obj.key, data["new_value"], data["reason"]
            ),
        )


@admin.register(GateChangeRequest)
class GateChangeRequestAdmin(GovernedAdmin):
    audit_noun = "gate_change"
    list_display = (
        "id",
        "config",
        "old",
        "new",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
    )
    list_filter = ("status",)
    search_fields = ("config__key", "requested_by", "decided_by", "reason")
    list_select_related = ("config",)
    readonly_fields = (
        "config",
        old_value,
        new_value,
        "reason",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "decision_reason",
    )
    actions = ["approve", "reject", "withdraw"]

    @admin.display(description="from")
    def old(self, obj: GateChangeRequest) -> str:
        return _json(obj.old_value)

    @admin.display(description="to")
    def new(self, obj: GateChangeRequest) -> str:
        return _json(obj.new_value)

    action_permissions = {
        "approve": gates.PERM_APPROVE,
        "reject": gates.PERM_REJECT,
        "withdraw": gates.PERM_REQUEST,
    }

    def _decide(self, verb: str, title: str, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self.confirm_and_run(
            request,
            queryset,
            action=verb,
            title=title,
            act=lambda obj, data: gates.decide_change(
                Actor.for_request(request), request.user, verb, obj.pk, data["reason"]
            ),
        )

    @admin.action(description="Approve and apply selected requests", permissions=["approve"])
    def approve(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._decide("approve", "Approve and apply gate changes", request, queryset)

    @admin.action(description="Reject selected requests", permissions=["reject"])
    def reject(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._decide("reject", "Reject gate changes", request, queryset)

    @admin.action(description="Withdraw my selected requests", permissions=["withdraw"])
    def withdraw(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._decide("withdraw", "Withdraw gate change requests", request, queryset)


@admin.register(DotConfigHistory)
class DotConfigHistoryAdmin(GovernedAdmin):
    list_display = (
        "changed_at",
        "config",
        "operation",
        old_value,
        new_value,
        "changed_by",
        change_request,
        "request_id",
    )
    list_filter = ("operation", ("changed_at", admin.DateFieldListFilter))
    search_fields = ("config__key", "changed_by", "request_id")
    date_hierarchy = "changed_at"


class ActorFilter(admin.SimpleListFilter):
    title = "actor"
    parameter_name = "actor"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        recent = AdminActionAudit.objects.order_by("-occurred_at").values_list("actor", flat=True)[:2000]
        return [(a, a) for a in sorted(set(recent))][:100]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(actor=self.value()) if self.value() else queryset


class ActionFilter(ActorFilter):
    title = "action"
    parameter_name = "action_name"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        recent = AdminActionAudit.objects.order_by("-occurred_at").values_list("action", flat=True)[:2000]
        return [(a, a) for a in sorted(set(recent))][:100]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(action=self.value()) if self.value() else queryset


class TargetFilter(admin.SimpleListFilter):
    """``?target=<table>:<id>``: the rows naming one object (its page links here); GIN index on target_ids."""

    title = "target"
    parameter_name = "target"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(self.value(), self.value())] if self.value() else []

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if not self.value():
            return queryset
        table, _, target_id = self.value().partition(":")
        found = queryset.filter(target_table=table)
        return found.filter(target_ids__contains=[target_id]) if target_id else found


@admin.register(AdminActionAudit)
class AdminActionAuditAdmin(GovernedAdmin):
    list_display = ("occurred_at", "actor", "role_list", "action", "outcome", "target", "reason", "detail", "source")
    list_filter = (
        "outcome",
        ActionFilter,
        ActorFilter,
        values_filter("source", "audit_source_allowed"),
        ("occurred_at", admin.DateFieldListFilter),
        TargetFilter,
    )
    search_fields = ("=actor", "action", "=request_id")
    date_hierarchy = "occurred_at"

    @admin.display(description="roles")
    def role_list(self, obj: AdminActionAudit) -> str:
        return ", ".join(obj.roles)

    @admin.display(description="target")
    def target(self, obj: AdminActionAudit) -> str:
        ids = ", ".join(obj.target_ids[:5]) + (" …" if len(obj.target_ids) > 5 else "")
        return f"{obj.target_table or ''} {ids}".strip()


@admin.register(EventDomainRegistry)
class EventDomainRegistryAdmin(GovernedAdmin):
    list_display = ("event_domain", "description", "default_audience", "status", "created_at")
    list_filter = ("status",)
