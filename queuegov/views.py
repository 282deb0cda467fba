"""Liveness for load balancers and the Dockerfile's HEALTHCHECK."""

from __future__ import annotations

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from queuegov import db


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 only when the database answers a query."""
    try:
        db.ping()
    except DatabaseError as exc:
        return HttpResponse(f"database unavailable: {type(exc).__name__}\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
