"""The manifests screen: list, the manifest page and its actions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from queuegov.actor import Actor
from queuegov.admin_base import GovernedAdmin, ReasonForm
from queuegov.audit import ActResult
from staging import db, services
from staging.admin import display
from staging.admin.display import LIFECYCLE_COLOURS, changelist, coloured, link, verdict_table
from staging.models import StagingRecord

VERDICTS_SHOWN = 50


# ---------------------------------------------------------------------------
# Manifests
# ---------------------------------------------------------------------------
class ApproveForm(forms.Form):
    approval_doc_id = forms.CharField(
        label="Approval document id",
        max_length=200,
        help_text="Required. The document that authorises the cut (ticket, minutes, memo).",
    )
    reason = ReasonForm.base_fields["reason"]


class CleanupForm(forms.Form):
    mode = forms.ChoiceField(
        choices=[("dry_run", "Dry run: report what each pass would do"), ("apply", "Apply (needs the retention gate)")],
        widget=forms.RadioSelect,
        initial="dry_run",
    )
    reason = ReasonForm.base_fields["reason"]


class DocCodeFilter(admin.SimpleListFilter):
    title = "document"
    parameter_name = "doc_code"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        recent = StagingRecord.objects.order_by("-id").values_list("doc_code", flat=True)[:2000]
        return [(code, code) for code in sorted(set(recent))][:100]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(doc_code=self.value()) if self.value() else queryset


class ExpiryFilter(admin.SimpleListFilter):
    title = "expiry"
    parameter_name = "expiry"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("due", "past expiry, not yet expired by cleanup"), ("soon", "expires within 48 hours")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        now = timezone.now()
        live = queryset.filter(lifecycle_status__in=("pending_review", "approved"))
        if self.value() == "due":
            return live.filter(expires_at__lte=now)
        if self.value() == "soon":
            return live.filter(expires_at__gt=now, expires_at__lte=now + timedelta(hours=48))
        return queryset


@admin.register(StagingRecord)
class StagingRecordAdmin(GovernedAdmin):
    audit_noun = "staging"
    audit_verbs = {"verify_mark_dry_run": "verify_mark"}
    list_display = ("id", "doc_code", "lifecycle", "source", "pieces", "expires", "marked_by", "approved_by")
    list_display_links = ("id", "doc_code")
    list_filter = ("lifecycle_status", ExpiryFilter, DocCodeFilter)
    search_fields = ("=doc_code", "source_ref", "=idempotency_key", "=marked_by", "=approved_by", "=approval_doc_id")
    search_help_text = "A record id, or an exact doc code, marker, approver or approval doc id; or part of the source."
    fieldsets = (
        (
            "Manifest",
            {
                "fields": (
                    ("doc_code", "lifecycle"),
                    ("source_ref", "source_kind"),
                    ("piece_count", "expires_at"),
                    ("marked_by", "marked_at"),
                    ("approved_by", "approved_at"),
                    ("approval_doc_id", "approval_reason"),
                )
            },
        ),
        ("Pieces, in order", {"fields": ("pieces_table",)}),
        ("Last verify-mark verdict", {"fields": ("last_verdict",)}),
        ("Cut", {"fields": (("consumed_at", "cut_run", "units_link"),)}),
        ("Runs", {"fields": ("runs_table",)}),
        ("Lifecycle", {"fields": ("lifecycle_table",)}),
        ("Events", {"fields": ("events_table",)}),
        ("Rejection", {"fields": ("rejected_by", "rejected_at", "rejection_reason"), "classes": ("collapse",)}),
        ("Retention", {"fields": ("expired_at", "cleaned_at", "archived_at"), "classes": ("collapse",)}),
        (
            "Integrity",
            {
                "fields": (
                    "id",
                    "source_hash",
                    "source_bytes",
                    "digest",
                    "content_hash",
                    "idempotency_key",
                    "vector_excluded",
                ),
                "classes": ("collapse",),
            },
        ),
    )
    readonly_fields = (
        "id",
        "doc_code",
        "lifecycle",
        "source_kind",
        "source_ref",
        "source_hash",
        "source_bytes",
        "piece_count",
        "digest",
        "content_hash",
        "idempotency_key",
        "vector_excluded",
        "marked_by",
        "marked_at",
        "expires_at",
        "approved_by",
        "approved_at",
        "approval_doc_id",
        "approval_reason",
        "rejected_by",
        "rejected_at",
        "rejection_reason",
        "consumed_at",
        "cut_run",
        "units_link",
        "expired_at",
        "cleaned_at",
        "archived_at",
        "pieces_table",
        "last_verdict",
        "runs_table",
        "lifecycle_table",
        "events_table",
    )
    actions = ["start_review", "verify_mark_dry_run", "approve", "reject", "cut", "verify_cut"]
    change_form_template = "admin/staging/stagingrecord/change_form.html"
    change_list_template = "admin/staging/stagingrecord/change_list.html"

    # -- list columns ---------------------------------------------------------
    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        term = search_term.strip().lstrip("#")
        if term.isdigit():
            return queryset.filter(pk=int(term)), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="lifecycle", ordering="lifecycle_status")
    def lifecycle(self, obj: StagingRecord) -> str:
        return coloured(obj.lifecycle_status, LIFECYCLE_COLOURS)

    @admin.display(description="pieces", ordering="piece_count")
    def pieces(self, obj: StagingRecord) -> int:
        return obj.piece_count

    @admin.display(description="expires", ordering="expires_at")
    def expires(self, obj: StagingRecord) -> str:
        if obj.lifecycle_status not in ("pending_review", "approved"):
            return "—"
        overdue = obj.expires_at <= timezone.now()
        return format_html(
            '<span style="color:{}">{}</span>',
            "#cf222e" if overdue else "inherit",
            date_format(timezone.localtime(obj.expires_at), "SHORT_DATETIME_FORMAT"),
        )

    @admin.display(description="source", ordering="source_ref")
    def source(self, obj: StagingRecord) -> str:
        return format_html('<span title="{}">{}</span>', obj.source_ref, obj.source_ref.rsplit("/", 1)[-1])

    # -- the manifest page ----------------------------------------------------
    @admin.display(description="cut run")
    def cut_run(self, obj: StagingRecord) -> str:
        return link("commandrun", obj.consumed_by_run_id)

    @admin.display(description="information units")
    def units_link(self, obj: StagingRecord) -> str:
        count = obj.units.count()
        if not count:
            return "—"
        return changelist("informationunit", f"{count} units", consumed_from_record__id__exact=obj.pk)

    @admin.display(description="pieces")
    def pieces_table(self, obj: StagingRecord) -> str:
        return display.pieces_table(obj)

    @admin.display(description="verdict")
    def last_verdict(self, obj: StagingRecord) -> str:
        return display.last_verdict(obj)

    @admin.display(description="runs")
    def runs_table(self, obj: StagingRecord) -> str:
        return display.runs_table(obj)

    @admin.display(description="lifecycle log")
    def lifecycle_table(self, obj: StagingRecord) -> str:
        return display.lifecycle_table(obj)

    @admin.display(description="events")
    def events_table(self, obj: StagingRecord) -> str:
        return display.events_table(obj)

    # -- object page buttons ---------------------------------------------------
    def object_buttons(self, request: HttpRequest, obj: StagingRecord) -> list[tuple[str, str]]:
        """(action, label) offered on the manifest page: permitted and fitting its lifecycle."""
        allowed = self.get_actions(request)
        fitting = {
            "start_review": obj.lifecycle_status == "pending_review",
            "verify_mark_dry_run": obj.lifecycle_status not in ("cleaned", "archived"),
            "approve": obj.lifecycle_status == "pending_review",
            "reject": obj.lifecycle_status in ("pending_review", "approved"),
            "cut": obj.lifecycle_status == "approved",
            "verify_cut": obj.consumed_by_run_id is not None,
        }
        labels = {
            "start_review": "Start the review workflow…",
            "verify_mark_dry_run": "Verify-mark (dry run)",
            "approve": "Approve…",
            "reject": "Reject…",
            "cut": "Cut…",
            "verify_cut": "Verify-cut…",
        }
        return [(name, labels[name]) for name, ok in fitting.items() if ok and name in allowed]

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra = dict(extra_context or {})
        obj = self.get_object(request, object_id) if object_id else None
        if obj is not None and request.method == "GET":
            extra["staging_buttons"] = self.object_buttons(request, obj)
            extra["staging_changelist_url"] = reverse("admin:staging_stagingrecord_changelist")
        return super().changeform_view(request, object_id, form_url, extra)

    # -- actions ---------------------------------------------------------------
    action_permissions = {
        "mark": services.PERM_MARK,
        "verify": services.PERM_VERIFY,
        "approve": services.PERM_APPROVE,
        "reject": services.PERM_REJECT,
        "cut": services.PERM_CUT,
        "verifycut": services.PERM_VERIFY_CUT,
        "cleanup": services.PERM_CLEANUP,
    }

    def _show_verdicts(
        self, request: HttpRequest, title: str, results: list[tuple[StagingRecord, ActResult]], key: str
    ) -> HttpResponse:
        self._report(request, title, [r for _, r in results])
        sections = ("manifest", "no_vector") if key == "evidence" else ()
        rows = [
            (obj, result, verdict_table((result.value or {}).get(key), sections) if result.ok else None)
            for obj, result in results
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "rows": rows,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/staging/verdicts.html", context)

    @admin.action(
        description="Start the review workflow (verify-mark, approval, cut, verify-cut)", permissions=["mark"]
    )
    def start_review(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        actor = Actor.for_request(request)
        response = self.confirm_and_run(
            request,
            queryset,
            action="start_review",
            title="Start review workflows",
            intro=(
                "Each pending manifest gets a workflow: a verify-mark dry run, an approval for the approvers (approving"
                " it approves the manifest; never by whoever marked it or started the workflow), then the cut and"
                " the verify-cut by the worker."
            ),
            act=lambda obj, data: services.start_review(actor, request.user, obj.pk, data["reason"]),
        )
        return self._back_to_object(queryset, response)

    @admin.action(description="Verify-mark (dry run): the verdict per axis", permissions=["verify"])
    def verify_mark_dry_run(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        actor = Actor.for_request(request)
        results = [(obj, services.verify_mark(actor, request.user, obj.pk)) for obj in self._bounded(request, queryset)]
        return self._show_verdicts(request, "Verify-mark dry run", results, "verdict")

    @admin.action(description="Approve (verify-mark apply, four-eyes)", permissions=["approve"])
    def approve(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        response = self.confirm_and_run(
            request,
            queryset,
            action="approve",
            title="Approve staged manifests",
            intro=(
                "Each manifest is verified again when you confirm: one whose verdict has problems is refused with"
                " its verdict. You cannot approve a manifest you marked."
            ),
            form_class=ApproveForm,
            act=lambda obj, data: services.approve(
                Actor.for_request(request), request.user, obj.pk, data["approval_doc_id"], data["reason"]
            ),
        )
        return self._with_previews(request, queryset, response)

    @admin.action(description="Reject", permissions=["reject"])
    def reject(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        response = self.confirm_and_run(
            request,
            queryset,
            action="reject",
            title="Reject staged manifests",
            intro="Pending or approved manifests become rejected; cleanup removes their pieces later.",
            act=lambda obj, data: services.reject(Actor.for_request(request), request.user, obj.pk, data["reason"]),
        )
        return self._back_to_object(queryset, response)

    @admin.action(description="Cut into information units", permissions=["cut"])
    def cut(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        response = self.confirm_and_run(
            request,
            queryset,
            action="cut",
            title="Cut approved manifests",
            intro=(
                "Guards G1-G7 are checked under a row lock; the source file is re-read, and a file changed since it"
                " was marked is refused (G6 source_changed). The units of an earlier cut of the same document are"
                " superseded."
            ),
            act=lambda obj, data: services.cut(Actor.for_request(request), request.user, obj.pk, reason=data["reason"]),
        )
        return self._back_to_object(queryset, response)

    @admin.action(description="Verify-cut: check the units of the cut", permissions=["verifycut"])
    def verify_cut(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        form = self._confirmation_form(request, ReasonForm, None)
        if form.is_bound and form.is_valid():
            actor = Actor.for_request(request)
            results = [
                (obj, services.verify_cut(actor, request.user, obj.pk, reason=form.cleaned_data["reason"]))
                for obj in self._bounded(request, queryset)
            ]
            return self._show_verdicts(request, "Verify-cut", results, "evidence")
        return self._render_confirmation(
            request,
            queryset,
            form,
            action="verify_cut",
            title="Verify-cut",
            intro="Checks the units each manifest's cut made: A sort_order, B section_type, C parent refs.",
        )

    def _bounded(self, request: HttpRequest, queryset: QuerySet) -> list[StagingRecord]:
        """Verdict pages show at most VERDICTS_SHOWN manifests per run; say so when more were selected."""
        selected = list(queryset[: VERDICTS_SHOWN + 1])
        if len(selected) > VERDICTS_SHOWN:
            self.message_user(
                request, f"Only the first {VERDICTS_SHOWN} selected manifests were checked; select fewer.", "warning"
            )
        return selected[:VERDICTS_SHOWN]

    def _with_previews(self, request: HttpRequest, queryset: QuerySet, response: HttpResponse | None) -> Any:
        if not isinstance(response, TemplateResponse):
            return self._back_to_object(queryset, response)
        # read only: fn_iu_mark_verdict writes no run row
        previews = [(obj, verdict_table(db.mark_verdict(obj.pk))) for obj in queryset[:20]]
        response.template_name = "admin/staging/confirm_with_verdicts.html"
        response.context_data["previews"] = previews
        return response

    @staticmethod
    def _back_to_object(queryset: QuerySet, response: HttpResponse | None) -> HttpResponse | None:
        """After acting on one manifest, show its page (with the new state and verdict)."""
        if response is None and queryset.count() == 1:
            return HttpResponseRedirect(reverse("admin:staging_stagingrecord_change", args=[queryset.get().pk]))
        return response

    # -- cleanup -------------------------------------------------------------
    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.cleanup_view)
        return [path("cleanup/", view, name="staging_stagingrecord_cleanup"), *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra = {"can_cleanup": self.has_cleanup_permission(request), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def cleanup_view(self, request: HttpRequest) -> HttpResponse:
        def act(data: dict[str, Any]) -> ActResult:
            return services.cleanup(
                Actor.for_request(request), request.user, apply=data["mode"] == "apply", reason=data["reason"]
            )

        return self.governed_form_view(
            request,
            permission=services.PERM_CLEANUP,
            title="Staging cleanup",
            form_class=CleanupForm,
            act=act,
            intro=(
                "Three passes: expire manifests past their expiry, clean (delete the pieces of) expired, rejected"
                " and consumed manifests marked iu_core.clean_after_days ago, archive cleaned ones marked"
                " iu_core.archive_after_days ago. Apply needs the gate iu_core.retention_enabled."
            ),
        )
