"""Read-only screens linked from the manifests: the runs ledger, information
units, pieces, the lifecycle log, the command catalogue and the leases."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from queuegov.admin_base import GovernedAdmin, table_link
from staging.admin.display import (
    LIFECYCLE,
    RUN_STATUSES,
    STATUS_COLOURS,
    changelist,
    choices_filter,
    coloured,
    link,
    pretty,
    verdict_table,
)
from staging.admin.manifests import DocCodeFilter
from staging.models import (
    SECTION_TYPES,
    CommandCatalog,
    CommandRun,
    InformationUnit,
    LifecycleLog,
    RuntimeLease,
    StagingPayload,
)


# ---------------------------------------------------------------------------
# The runs ledger
# ---------------------------------------------------------------------------
@admin.register(CommandRun)
class CommandRunAdmin(GovernedAdmin):
    list_display = ("id", "command", "run_mode", "status", "record_link", "actor", "started_at", "duration", "linked")
    list_filter = ("command", "run_mode", choices_filter("run_status", RUN_STATUSES, "status"))
    list_select_related = ("command",)
    search_fields = ("=actor",)
    search_help_text = "A run id, or an exact actor."
    readonly_fields = (
        "id",
        "command",
        "run_mode",
        "status",
        "record_link",
        "job_link",
        "linked",
        "linked_from_runs",
        "units_created",
        "actor",
        "started_at",
        "finished_at",
        "duration",
        "params_digest",
        "params_pretty",
        "gate_snapshot_pretty",
        "evidence_view",
    )
    exclude = ("record", "linked_run", "params", "gate_snapshot", "evidence", "run_status")

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        term = search_term.strip().lstrip("#")
        if term.isdigit():
            return queryset.filter(pk=int(term)), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="status", ordering="run_status")
    def status(self, obj: CommandRun) -> str:
        return coloured(obj.run_status, STATUS_COLOURS)

    @admin.display(description="manifest")
    def record_link(self, obj: CommandRun) -> str:
        return link("stagingrecord", obj.record_id)

    @admin.display(description="job")
    def job_link(self, obj: CommandRun) -> str:
        """The dot.command job this run ran for (docs/staging.md, "DOT runs on the queue")."""
        return table_link("job_queue", obj.job_id, f"job #{obj.job_id}") if obj.job_id else "—"

    @admin.display(description="linked run")
    def linked(self, obj: CommandRun) -> str:
        return link("commandrun", obj.linked_run_id)

    @admin.display(description="verified by")
    def linked_from_runs(self, obj: CommandRun) -> str:
        return format_html_join(
            ", ", "{}", ((link("commandrun", pk),) for pk in obj.linked_from.values_list("pk", flat=True))
        )

    @admin.display(description="units")
    def units_created(self, obj: CommandRun) -> str:
        count = obj.units.count()
        return changelist("informationunit", f"{count} units", created_by_run__id__exact=obj.pk) if count else "—"

    @admin.display(description="duration")
    def duration(self, obj: CommandRun) -> str:
        if obj.finished_at is None:
            return "—"
        return f"{(obj.finished_at - obj.started_at).total_seconds() * 1000:.1f} ms"

    @admin.display(description="params")
    def params_pretty(self, obj: CommandRun) -> str:
        return pretty(obj.params)

    @admin.display(description="gate snapshot")
    def gate_snapshot_pretty(self, obj: CommandRun) -> str:
        return pretty(obj.gate_snapshot)

    @admin.display(description="evidence")
    def evidence_view(self, obj: CommandRun) -> str:
        evidence = obj.evidence or {}
        if "axes" in evidence:
            return format_html("{}{}", verdict_table(evidence, ("manifest", "no_vector")), pretty(evidence))
        return pretty(evidence)


# ---------------------------------------------------------------------------
# Information units, pieces, lifecycle log, catalogue, leases
# ---------------------------------------------------------------------------
class UnitDocFilter(DocCodeFilter):
    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        recent = InformationUnit.objects.order_by("-id").values_list("doc_code", flat=True)[:5000]
        return [(code, code) for code in sorted(set(recent))][:100]


class CurrentFilter(admin.SimpleListFilter):
    title = "current"
    parameter_name = "current"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "current"), ("no", "superseded")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ("yes", "no"):
            return queryset.filter(superseded_at__isnull=self.value() == "yes")
        return queryset


@admin.register(InformationUnit)
class InformationUnitAdmin(GovernedAdmin):
    # the manifest's and the runs ledger's "N units" links
    url_lookups = ("consumed_from_record__id__exact", "created_by_run__id__exact")
    list_display = (
        "section_code",
        "title",
        "section_type",
        "sort_order",
        "parent_link",
        "record_link",
        "run_link",
        "current",
    )
    list_filter = (choices_filter("section_type", SECTION_TYPES), CurrentFilter, UnitDocFilter)
    search_fields = ("=doc_code", "^section_code", "title")
    readonly_fields = (
        "id",
        "doc_code",
        "section_code",
        "section_type",
        "sort_order",
        "piece_no",
        "title",
        "parent_link",
        "children_links",
        "record_link",
        "run_link",
        "body_view",
        "body_hash",
        "created_by",
        "created_at",
        "superseded_at",
        "superseded_link",
    )
    exclude = ("parent", "consumed_from_record", "created_by_run", "superseded_by_run", "body")
    ordering = ("doc_code", "created_by_run", "sort_order")

    @admin.display(description="parent")
    def parent_link(self, obj: InformationUnit) -> str:
        return link("informationunit", obj.parent_id)

    @admin.display(description="children")
    def children_links(self, obj: InformationUnit) -> str:
        children = obj.children.order_by("sort_order").values_list("pk", "section_code")
        return format_html_join(", ", "{}", ((link("informationunit", pk, code),) for pk, code in children)) or "—"

    @admin.display(description="manifest")
    def record_link(self, obj: InformationUnit) -> str:
        return link("stagingrecord", obj.consumed_from_record_id)

    @admin.display(description="cut run")
    def run_link(self, obj: InformationUnit) -> str:
        return link("commandrun", obj.created_by_run_id)

    @admin.display(description="superseded by run")
    def superseded_link(self, obj: InformationUnit) -> str:
        return link("commandrun", obj.superseded_by_run_id)

    @admin.display(description="current", boolean=True)
    def current(self, obj: InformationUnit) -> bool:
        return obj.superseded_at is None

    @admin.display(description="body")
    def body_view(self, obj: InformationUnit) -> str:
        return format_html('<pre style="white-space:pre-wrap">{}</pre>', obj.body)


@admin.register(StagingPayload)
class StagingPayloadAdmin(GovernedAdmin):
    url_lookups = ("record__id__exact",)  # the manifest's "all pieces" link
    list_display = ("record_link", "piece_no", "sort_order", "section_type", "heading", "parent_piece_no")
    list_filter = (choices_filter("section_type", SECTION_TYPES),)
    search_fields = ("=record__id",)
    ordering = ("record", "sort_order", "piece_no")
    readonly_fields = (
        "record_link",
        "piece_no",
        "sort_order",
        "section_type",
        "heading",
        "parent_piece_no",
        "text_view",
        "piece_hash",
    )
    exclude = ("record", "piece_text")

    @admin.display(description="manifest")
    def record_link(self, obj: StagingPayload) -> str:
        return link("stagingrecord", obj.record_id)

    @admin.display(description="text")
    def text_view(self, obj: StagingPayload) -> str:
        return format_html('<pre style="white-space:pre-wrap">{}</pre>', obj.piece_text)


@admin.register(LifecycleLog)
class LifecycleLogAdmin(GovernedAdmin):
    list_display = ("at", "record_link", "from_status", "to_status", "actor", "run_link")
    list_filter = (choices_filter("to_status", LIFECYCLE, "to"),)
    search_fields = ("=actor", "=record__id")
    date_hierarchy = "at"

    @admin.display(description="manifest")
    def record_link(self, obj: LifecycleLog) -> str:
        return link("stagingrecord", obj.record_id)

    @admin.display(description="run")
    def run_link(self, obj: LifecycleLog) -> str:
        return link("commandrun", obj.run_id)


@admin.register(CommandCatalog)
class CommandCatalogAdmin(GovernedAdmin):
    list_display = ("command", "operator_alias", "primitive", "modes", "snapshots", "events", "description")

    @admin.display(description="run modes")
    def modes(self, obj: CommandCatalog) -> str:
        return ", ".join(obj.run_modes)

    @admin.display(description="gates snapshotted")
    def snapshots(self, obj: CommandCatalog) -> str:
        return ", ".join(obj.snapshot_keys)

    @admin.display(description="events")
    def events(self, obj: CommandCatalog) -> str:
        return ", ".join(obj.event_types)


@admin.register(RuntimeLease)
class RuntimeLeaseAdmin(GovernedAdmin):
    list_display = ("lease_name", "state", "holder", "acquired_at", "expires_at", "released_at", "run_link")

    @admin.display(description="state")
    def state(self, obj: RuntimeLease) -> str:
        held = obj.holder and obj.released_at is None and obj.expires_at and obj.expires_at > timezone.now()
        return coloured("HELD", {"HELD": "#9a6700"}) if held else coloured("free", {"free": "#1a7f37"})

    @admin.display(description="run")
    def run_link(self, obj: RuntimeLease) -> str:
        return link("commandrun", obj.run_id)
