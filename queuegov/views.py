"""Liveness for load balancers and the Dockerfile's HEALTHCHECK; the 403 pages that explain themselves."""

from __future__ import annotations

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from queuegov import db
from queuegov.roles import ROLES


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 only when the database answers a query."""
    try:
        db.ping()
    except DatabaseError as exc:
        return HttpResponse(f"database unavailable: {type(exc).__name__}\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


def _back(request: HttpRequest) -> str:
    """Where "back" leads: the referring page of this site, else the dashboard."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
        return referer
    return reverse("admin:index")


def _refused_page(request: HttpRequest, *, title: str, why: str, what_to_do: str) -> HttpResponse:
    from django.contrib import admin

    user = request.user
    signed_in = getattr(user, "is_authenticated", False)
    context = {
        **(admin.site.each_context(request) if getattr(user, "is_staff", False) else {}),
        "title": title,
        "why": why,
        "what_to_do": what_to_do,
        "back": _back(request),
        "groups": sorted(user.groups.values_list("name", flat=True)) if signed_in else [],
    }
    return TemplateResponse(request, "admin/queuegov/403.html", context, status=403)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403 that says what was refused and what to do (every refusal is audited first)."""
    detail = str(exception or "").strip() or "your account lacks the permission this page needs"
    return _refused_page(
        request,
        title="Not allowed",
        why=detail,
        what_to_do=(
            f"Permissions come from role groups ({', '.join(ROLES)}). Ask an administrator to add you to "
            "the group whose work this is (manage.py grant_role). A refused change is kept in the audit trail."
        ),
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """403 for a POST without a valid CSRF token: a stale page, or a request forged from elsewhere."""
    return _refused_page(
        request,
        title="Request refused: not sent from this site's own page",
        why=f"the form's security token was missing or stale ({reason or 'CSRF check failed'})",
        what_to_do="Go back, reload the page and submit it again. Nothing was changed.",
    )
