"""The admin site whose index page is the operations dashboard."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse

from queuegov.admin_guard import guarded
from queuegov.ops import dashboard
from queuegov.replica import from_replica


class QueuegovAdminSite(admin.AdminSite):
    site_header = "queuegov"
    site_title = "queuegov"
    index_title = "Queue governance"
    index_template = "admin/ops/dashboard_index.html"

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        """Every screen, Django's own included, gets GuardedAdmin's refusals (queuegov.admin_guard)."""
        super().register(model_or_iterable, guarded(admin_class or admin.ModelAdmin), **options)

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        extra = dict(extra_context or {})
        with from_replica():  # read-only, and may lag a little: the replica's, when there is one
            extra["dashboard"] = dashboard.build(user=request.user)
        return super().index(request, extra)
