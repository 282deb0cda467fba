"""Shared admin machinery: read-only substrate screens, estimated counts,
confirmed governed actions, and refusal of forged action POSTs."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.contrib.admin.utils import unquote
from django.core.exceptions import EmptyResultSet, PermissionDenied
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from queuegov import db
from queuegov.actor import Actor
from queuegov.admin_guard import GuardedAdmin
from queuegov.audit import ActResult, record_refusal

EXACT_COUNT_BELOW = 10_000
CONFIRM_SHOWN = 20  # rows a bulk confirmation lists before "and N more"


class EstimatedCountPaginator(Paginator):
    """Counts exactly only when the planner expects a small result.

    A full COUNT over millions of jobs or events costs seconds; the planner's
    estimate costs a millisecond and is close enough for page links.
    """

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        qs = self.object_list
        if not isinstance(qs, QuerySet):
            return len(qs)
        try:
            sql, params = qs.order_by().query.sql_with_params()
        except EmptyResultSet:  # e.g. a search whose term fits no search field's type
            return 0
        estimate = db.estimated_rows(sql, params, connections[qs.db])
        if estimate < EXACT_COUNT_BELOW:
            return qs.count()
        return estimate


def admin_link(app_label: str, model: str, pk: Any, label: str | None = None) -> str:
    """A link to an object's admin page (``—`` for none): every app's admin uses this one."""
    if pk is None:
        return "—"
    return format_html(
        '<a href="{}">{}</a>', reverse(f"admin:{app_label}_{model}_change", args=[pk]), label or f"#{pk}"
    )


def table_link(table: str | None, pk: Any, label: str | None = None) -> str:
    """A link to the admin page of row ``pk`` of ``table`` (an event's subject, an audit target),
    or the plain text when no screen shows that table."""
    from django.contrib import admin as django_admin

    text = label or f"{table}:{pk}"
    if table and pk not in (None, ""):
        for model in django_admin.site._registry:
            if model._meta.db_table == table:
                return admin_link(model._meta.app_label, model._meta.model_name, pk, text)
    return text


def allowed_values(constraint: str) -> list[str]:
    """The values a ``CHECK (col IN (…))`` or vocabulary DOMAIN constraint allows, read from pg_constraint."""
    return db.constraint_values(constraint)


class ValuesFilter(admin.SimpleListFilter):
    """A filter on one column whose choices come from a small source.

    Django's default filter for a plain text column lists its choices with
    ``SELECT DISTINCT col FROM <table>``: a full scan of millions of events or
    jobs on every page. Here the choices come from a registry table or from
    the column's CHECK/DOMAIN vocabulary; the parameter is the column name, so
    ``?status=failed`` keeps working.
    """

    field = ""

    def values(self) -> Iterable[str]:
        raise NotImplementedError

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(v, v) for v in self.values()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(**{self.field: self.value()}) if self.value() else queryset


def values_filter(
    field: str, source: str | Callable[[], Iterable[str]], title: str | None = None
) -> type[ValuesFilter]:
    """A ValuesFilter on ``field``; ``source`` is a constraint name (its allowed values) or a callable.

    ``values_filter("status", "route_attempt_status_allowed")``,
    ``values_filter("event_domain", lambda: EventDomainRegistry.objects.values_list("pk", flat=True))``.
    """

    def values(self: ValuesFilter) -> list[str]:
        return allowed_values(source) if isinstance(source, str) else list(source())

    return type(
        f"{field.title().replace('_', '')}ValuesFilter",
        (ValuesFilter,),
        {"title": title or field.replace("_", " "), "parameter_name": field, "field": field, "values": values},
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        min_length=3,
        max_length=2000,
        help_text="Required. Kept in the audit trail.",
    )


class GovernedAdmin(GuardedAdmin):
    """Read-only screen over a substrate table; state changes only via actions.

    ``action_permissions`` names, per action permission ``x`` (``@admin.action(permissions=["x"])``),
    the Django permission it needs; Django asks ``has_x_permission(request)``, answered here.
    """

    action_permissions: ClassVar[dict[str, str]] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("has_") and name.endswith("_permission"):
            perm = type(self).action_permissions.get(name[len("has_") : -len("_permission")])
            if perm is not None:
                return lambda request: request.user.has_perm(perm)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_search_fields(self, request: HttpRequest) -> tuple[str, ...]:
        """``=field`` searches match exactly: ids, kinds and keys are case-sensitive here.

        Django's ``=`` is ``iexact`` (``UPPER(col) = UPPER(term)``), which no index
        answers: a search of 1,000,000 jobs by correlation id scanned them all (1 s).
        ``field__exact`` uses the column's index, and a term that is not a number is
        skipped for an integer field instead of casting the column to text.
        """
        return tuple(f"{f[1:]}__exact" if f.startswith("=") else f for f in super().get_search_fields(request))

    def get_actions(
        self, request: HttpRequest, action_location: ActionLocation = ActionLocation.CHANGE_LIST
    ) -> dict[str, Any]:
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)
        return actions

    def _refusal_detail(self, request: HttpRequest, verb: str) -> str:
        if verb in ("add", "change"):
            return f"permission: substrate rows of {self.opts.verbose_name_plural} are changed only through actions"
        return super()._refusal_detail(request, verb)

    change_form_template = "admin/queuegov/change_form.html"
    object_history_template = "admin/queuegov/object_history.html"
    #: Audit rows shown on an object's page; its history page shows up to OBJECT_HISTORY_ROWS.
    OBJECT_AUDIT_ROWS = 10
    OBJECT_HISTORY_ROWS = 200

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST":
            # Substrate rows are never edited by hand: any write here is forged
            # (GuardedAdmin audits the refusal).
            raise PermissionDenied("substrate rows are changed only through actions")
        extra = dict(extra_context or {})
        if object_id is not None:
            # The list's actions that apply to this object: each posts to the list's confirmation page.
            obj = self.get_object(request, unquote(object_id))
            extra["object_actions"] = [
                (name, label)
                for name, label in self.get_action_choices(request)
                if name and self.action_applies(request, name, obj)
            ]
            extra["object_audit"] = self.object_audit(request, unquote(object_id), self.OBJECT_AUDIT_ROWS)
        return super().changeform_view(request, object_id, form_url, extra)

    def action_applies(self, request: HttpRequest, name: str, obj: Any = None) -> bool:
        """Whether action ``name`` can apply to ``obj`` (an object page) or to the rows the list is
        filtered to (``obj`` None); screens whose acts apply to some states only answer from SQL."""
        return True

    def get_action_choices(
        self, request: HttpRequest, default_choices: Any = None, action_location: Any = ActionLocation.CHANGE_LIST
    ) -> list[tuple[str, str]]:
        choices = super().get_action_choices(request, default_choices, action_location)
        return [(name, label) for name, label in choices if not name or self.action_applies(request, name)]

    def object_audit(self, request: HttpRequest, object_id: str, limit: int) -> dict[str, Any] | None:
        """The audit rows naming this object (target table and id), newest first; None when the
        user may not read the audit trail (auditors may: docs/operations.md, "Roles")."""
        if not request.user.has_perm("queuegov.view_adminactionaudit"):
            return None
        from queuegov.models import AdminActionAudit

        rows = list(
            AdminActionAudit.objects.filter(
                target_table=self.opts.db_table, target_ids__contains=[str(object_id)]
            ).order_by("-occurred_at", "-id")[: limit + 1]
        )
        return {
            "rows": rows[:limit],
            "more": len(rows) > limit,
            "url": reverse("admin:queuegov_adminactionaudit_changelist")
            + "?"
            + urlencode({"target": f"{self.opts.db_table}:{object_id}"}),
        }

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        """The object's audit trail: its acts are audited there, never in Django's admin log."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied(f"{request.user.get_username()} may not view {self.opts.verbose_name_plural}")
        audit = self.object_audit(request, unquote(object_id), self.OBJECT_HISTORY_ROWS)
        if audit is None:
            raise PermissionDenied("reading the audit trail needs queuegov.view_adminactionaudit (the auditor role)")
        context = {
            **self.admin_site.each_context(request),
            "title": f"Audit trail of {obj}",
            "subtitle": None,
            "object": obj,
            "opts": self.opts,
            "object_audit": audit,
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.object_history_template, context)

    def confirm_and_run(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        *,
        action: str,
        title: str,
        act: Callable[[Any, dict[str, Any]], ActResult],
        form_class: type[forms.Form] = ReasonForm,
        intro: str = "",
        initial: dict[str, Any] | None = None,
    ) -> HttpResponse | None:
        """Show a confirmation page with a reason; on submit run ``act`` per row."""
        form = self._confirmation_form(request, form_class, initial)
        if form.is_bound and form.is_valid():
            self._report(request, title, [act(obj, form.cleaned_data) for obj in queryset])
            return None
        return self._render_confirmation(request, queryset, form, action=action, title=title, intro=intro)

    def confirm_and_run_once(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        *,
        action: str,
        title: str,
        act: Callable[[list[Any], dict[str, Any]], ActResult],
        form_class: type[forms.Form] = ReasonForm,
        intro: str = "",
    ) -> HttpResponse | None:
        """Like ``confirm_and_run`` but one governed act for all selected rows.

        The service makes one SQL call for all the ids, so thousands of
        selected rows make one governed act and one audit row.
        """
        form = self._confirmation_form(request, form_class, None)
        if form.is_bound and form.is_valid():
            ids = list(queryset.order_by().values_list("pk", flat=True))
            self._report(request, title, [act(ids, form.cleaned_data)])
            return None
        return self._render_confirmation(request, queryset, form, action=action, title=title, intro=intro)

    @staticmethod
    def _confirmation_form(
        request: HttpRequest, form_class: type[forms.Form], initial: dict[str, Any] | None
    ) -> forms.Form:
        if request.POST.get("confirm") == "yes":
            return form_class(request.POST)
        return form_class(initial=initial)

    def _render_confirmation(
        self, request: HttpRequest, queryset: QuerySet, form: forms.Form, *, action: str, title: str, intro: str
    ) -> HttpResponse:
        # The count, the first rows and "and N more": a page of 5,000 bullets helps nobody decide.
        shown = list(queryset[: CONFIRM_SHOWN + 1])
        count = len(shown) if len(shown) <= CONFIRM_SHOWN else self.paginator(queryset, 1).count
        shown = shown[:CONFIRM_SHOWN]
        select_across = request.POST.get("select_across") == "1"
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "objects": shown,
            "object_count": count,
            "more": max(count - len(shown), 0),
            # "Select all N" posts the visible page's ids plus select_across, not N ids.
            "select_across": select_across,
            "selected_ids": (
                request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)
                if select_across
                else [str(pk) for pk in queryset.order_by().values_list("pk", flat=True)]
            ),
            "form": form,
            "action": action,
            "opts": self.opts,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/queuegov/confirm_action.html", context)

    def governed_form_view(
        self,
        request: HttpRequest,
        *,
        permission: str,
        title: str,
        form_class: type[forms.Form],
        act: Callable[[dict[str, Any]], ActResult],
        intro: str = "",
    ) -> HttpResponse:
        """A page with a form whose submission is one governed act (e.g. add a subscription)."""
        if not request.user.has_perm(permission):
            if request.method == "POST":
                record_refusal(
                    Actor.for_request(request),
                    self.act_name(title.lower().replace(" ", "_")),
                    f"permission: {request.user.get_username()} lacks {permission}",
                    target_table=self.opts.db_table,
                    reason=request.POST.get("reason"),
                )
            raise PermissionDenied(f"{permission} required")
        form = form_class(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            result = act(form.cleaned_data)
            self._report(request, title, [result])
            if result.ok:
                return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "form": form,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/queuegov/governed_form.html", context)

    def _report(self, request: HttpRequest, title: str, results: list[ActResult]) -> None:
        """One message per outcome, in words: green only for what changed something."""
        by_outcome: dict[str, list[ActResult]] = {}
        for r in results:
            idle = r.ok and isinstance(r.value, dict) and r.value.get("status") == "nothing_to_do"
            by_outcome.setdefault("nothing to do" if idle else r.outcome.replace("_", " "), []).append(r)
        for outcome, items in by_outcome.items():
            level = {"applied": messages.SUCCESS, "dry run": messages.SUCCESS, "nothing to do": messages.WARNING}
            details = "; ".join(describe_result(r) for r in items[:5])
            more = f" (and {len(items) - 5} more)" if len(items) > 5 else ""
            text = format_html("{}: {} {} — {}{}", title, len(items), outcome, details, more)
            closed = sorted(
                {r.value["gate"] for r in items if isinstance(r.value, dict) and r.value.get("status") == "gate_closed"}
            )
            self.message_user(request, text + gate_pointers(closed), level.get(outcome, messages.ERROR))


def gate_pointers(keys: list[str]) -> SafeString:
    """For each closed gate: the pending change request that would open it, or where to ask for one."""
    from queuegov.models import GateChangeRequest

    pending = dict(
        GateChangeRequest.objects.filter(config_id__in=keys, status="pending").values_list("config_id", "pk")
    )
    parts = [
        format_html(
            ' · {}: <a href="{}">change request #{}</a> is pending (an approver decides it)',
            key,
            reverse("admin:queuegov_gatechangerequest_change", args=[pending[key]]),
            pending[key],
        )
        if key in pending
        else format_html(
            ' · {}: <a href="{}">request a change</a> to open it (four-eyes)',
            key,
            reverse("admin:queuegov_dotconfig_change", args=[key]),
        )
        for key in keys
    ]
    return mark_safe("".join(parts))  # noqa: S308  (each part is format_html's)


def describe_result(result: ActResult) -> str:
    """What an act did, in words. Its audit detail is a sentence, except when it did
    nothing: then the function's answer (counts, id lists, ``{id, why}`` lists) says
    what was skipped and why, e.g. ``skipped #51: dead jobs are replayed from …``.
    """
    value = result.value
    if not (result.ok and isinstance(value, dict) and value.get("status") == "nothing_to_do"):
        return result.message  # the act's own sentence
    parts = []
    for key, item in value.items():
        if key == "status" or item in (None, "", [], {}):
            continue
        label = key.replace("_", " ")
        if isinstance(item, list):
            shown = ", ".join(_describe_item(x) for x in item[:10])
            parts.append(f"{label} {shown}" + (f" and {len(item) - 10} more" if len(item) > 10 else ""))
        elif isinstance(item, (str, int, float, bool)):
            parts.append(f"{label} {item}")
    status = str(value.get("status", "")).replace("_", " ")
    return "; ".join(parts) or status or result.message


def _describe_item(item: Any) -> str:
    if isinstance(item, dict):
        ident = item.get("id") or item.get("job_id") or item.get("key")
        why = item.get("why") or item.get("reason") or item.get("status")
        return f"#{ident}: {why}" if why else f"#{ident}"
    return f"#{item}" if isinstance(item, int) else str(item)


class TriageForm(ReasonForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        min_length=3,
        max_length=2000,
        label="Note",
        help_text="Required. Kept on the dead letter and in the audit trail.",
    )


class DeadLetterActions:
    """Triage and replay of a dead-letter table, for a GovernedAdmin: the job queue's and the
    event routes' dead letters are handled alike. ``dead_letter_services`` is the app's services
    module (``triage_dead_letter``, ``replay_dead_letter``); the app declares the permissions
    (``action_permissions``: ``triage``, ``replay``) and what a replay needs (``replay_intro``)."""

    dead_letter_services: Any
    dead_letters_noun = "dead letters"
    # the triage acts are audited as <noun>.triage_<status>
    audit_verbs: ClassVar[dict[str, str]] = {
        "mark_manual_replay": "triage_manual_replay",
        "discard": "triage_discarded",
        "reopen": "triage_open",
    }
    replay_intro = ""
    actions: ClassVar[list[str]] = ["mark_manual_replay", "discard", "reopen", "replay"]

    def _triage(self, request: HttpRequest, queryset: QuerySet, status: str, title: str) -> HttpResponse | None:
        services = self.dead_letter_services
        return self.confirm_and_run(  # type: ignore[attr-defined]
            request,
            queryset,
            action=request.POST.get("action", ""),
            title=title,
            form_class=TriageForm,
            act=lambda obj, data: services.triage_dead_letter(
                Actor.for_request(request), request.user, obj.pk, status, data["reason"]
            ),
        )

    @admin.action(description="Triage: allow manual replay", permissions=["triage"])
    def mark_manual_replay(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._triage(request, queryset, "manual_replay", "Mark for manual replay")

    @admin.action(description="Triage: discard", permissions=["triage"])
    def discard(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._triage(request, queryset, "discarded", f"Discard {self.dead_letters_noun}")

    @admin.action(description="Triage: reopen", permissions=["triage"])
    def reopen(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._triage(request, queryset, "open", f"Reopen {self.dead_letters_noun}")

    @admin.action(description="Replay (needs manual_replay triage and the replay gate)", permissions=["replay"])
    def replay(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        services = self.dead_letter_services
        return self.confirm_and_run(  # type: ignore[attr-defined]
            request,
            queryset,
            action="replay",
            title=f"Replay {self.dead_letters_noun}",
            intro=self.replay_intro,
            act=lambda obj, data: services.replay_dead_letter(
                Actor.for_request(request), request.user, obj.pk, data["reason"]
            ),
        )
