"""The admin site whose index page is the operations dashboard."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse

from queuegov import dashboard


class QueuegovAdminSite(admin.AdminSite):
    site_header = "queuegov"
    site_title = "queuegov"
    index_title = "Queue governance"
    index_template = "admin/queuegov/dashboard_index.html"

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        extra = dict(extra_context or {})
        extra["dashboard"] = dashboard.build()
        return super().index(request, extra)
