"""What every admin screen refuses, Django's own (auth, axes) included.

The admin site wraps each registered ModelAdmin in ``GuardedAdmin``
(queuegov.ops.admin_site), so these hold on every screen:

* URL lookups are limited to the screen's declared filters, its date
  hierarchy and the exact lookups its own links use (``url_lookups``): Django
  allows any lookup on a local field, so ``?payload__icontains=`` forced a full
  scan of a million jobs and ``?password__startswith=`` on the users screen
  would have leaked password hashes a character at a time.
* A refused add, change or delete, and a POSTed action the user is not
  offered, write a ``refused`` row to the audit trail before the 403.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from django.contrib import admin
from django.contrib.admin.filters import SimpleListFilter
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest, HttpResponse

from queuegov.actor import Actor
from queuegov.audit import record_refusal

# The comparisons Django's list filters and date hierarchy put in URLs.
FILTER_OPERATORS = frozenset({"exact", "isnull", "in", "gte", "gt", "lte", "lt", "year", "month", "day"})
_SAFE_NAME = re.compile(r"[^a-z0-9_-]+")


def _filter_names(model_admin: admin.ModelAdmin, request: HttpRequest) -> tuple[set[str], set[str]]:
    """(field paths of field filters and the date hierarchy, parameter names of simple filters)."""
    fields: set[str] = set()
    parameters: set[str] = set()
    if model_admin.date_hierarchy:
        fields.add(model_admin.date_hierarchy)
    for item in model_admin.get_list_filter(request):
        if isinstance(item, type) and issubclass(item, SimpleListFilter):
            parameters.add(item.parameter_name)
        elif isinstance(item, (list, tuple)):
            fields.add(item[0])
        else:
            fields.add(item)
    return fields, parameters


def _related_pk_names(model_admin: admin.ModelAdmin, field_path: str) -> set[str]:
    """The key names a filter on a relation may put between the field and the operator."""
    model = model_admin.model
    field = None
    for part in field_path.split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return set()
        if getattr(field, "related_model", None) is not None:
            model = field.related_model
    if field is None or getattr(field, "related_model", None) is None:
        return set()
    return {model._meta.pk.name, model._meta.pk.attname, "id", "pk"}


def lookup_allowed(model_admin: admin.ModelAdmin, lookup: str, request: HttpRequest) -> bool:
    """True when ``lookup`` is one a declared filter, the date hierarchy or the screen's links produce."""
    if lookup in getattr(model_admin, "url_lookups", ()):
        return True
    fields, parameters = _filter_names(model_admin, request)
    if lookup in parameters or lookup in fields:
        return True
    for field in fields:
        if not lookup.startswith(field + LOOKUP_SEP):
            continue
        rest = lookup[len(field) + len(LOOKUP_SEP) :].split(LOOKUP_SEP)
        if rest[-1] not in FILTER_OPERATORS:
            continue
        middle = rest[:-1]
        if not middle or (len(middle) == 1 and middle[0] in _related_pk_names(model_admin, field)):
            return True
    return False


class GuardedAdmin(admin.ModelAdmin):
    """The refusals every screen shares; mixed into every registered admin by the site."""

    #: Exact lookups this screen's own links put in its URL (``("event_id",)``).
    url_lookups: tuple[str, ...] = ()
    #: The noun of this screen's audited acts (``job``, ``gate_change``), so a refused
    #: attempt is audited under the same name as the act (``gate_change.approve``);
    #: the model's name when unset.
    audit_noun: ClassVar[str | None] = None
    #: Action name → the act's verb where they differ (``{"request_change": "request"}``).
    audit_verbs: ClassVar[dict[str, str]] = {}

    def act_name(self, verb: str) -> str:
        """The audited name of ``verb`` on this screen: one name per act, refused or applied."""
        verb = self.audit_verbs.get(verb, verb)
        return f"{self.audit_noun or self.opts.model_name}.{_SAFE_NAME.sub('_', verb.lower())[:40] or 'unknown'}"

    def lookup_allowed(self, lookup: str, value: Any, request: HttpRequest) -> bool:
        return lookup_allowed(self, lookup, request)

    def _audited_refusal(self, request: HttpRequest, verb: str, detail: str, target_ids: list[Any]) -> None:
        record_refusal(
            Actor.for_request(request),
            self.act_name(verb),
            detail,
            target_table=self.opts.db_table,
            target_ids=target_ids,
            reason=request.POST.get("reason") if request.method == "POST" else None,
        )

    def _refusal_detail(self, request: HttpRequest, verb: str) -> str:
        who = request.user.get_username() or "anonymous"
        return f"permission: {who} may not {verb} {self.opts.verbose_name_plural}"

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        try:
            return super().add_view(request, form_url, extra_context)
        except PermissionDenied:
            self._audited_refusal(request, "add", self._refusal_detail(request, "add"), [])
            raise

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        try:
            return super().change_view(request, object_id, form_url, extra_context)
        except PermissionDenied:
            if request.method == "POST":
                self._audited_refusal(request, "edit", self._refusal_detail(request, "change"), [object_id])
            raise

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except PermissionDenied:
            self._audited_refusal(request, "delete", self._refusal_detail(request, "delete"), [object_id])
            raise

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if request.method == "POST" and "action" in request.POST:
            # Django runs getlist("action")[index]: every value must be one offered.
            offered = self.get_actions(request)
            name = next((n for n in request.POST.getlist("action") if n not in offered), None)
            if name is not None:
                # Not offered to this user: a forged or stale POST. Refuse and audit.
                selected = request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)
                who = request.user.get_username() or "anonymous"
                self._audited_refusal(
                    request,
                    name or "unknown",
                    f"permission: {who} may not run action {name!r} on {self.opts.verbose_name_plural}",
                    selected,
                )
                raise PermissionDenied(f"action {name!r} is not allowed")
        return super().changelist_view(request, extra_context)


def guarded(admin_class: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    """``admin_class`` with GuardedAdmin's refusals (itself if it has them already)."""
    if issubclass(admin_class, GuardedAdmin):
        return admin_class
    return type(admin_class.__name__, (GuardedAdmin, admin_class), {"__module__": admin_class.__module__})
