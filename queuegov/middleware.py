"""Request-level guards: an id for the audit trail, no NUL bytes, a statement timeout."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from queuegov import db

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        return response


class RefuseNulBytesMiddleware:
    """A NUL byte in a query or form parameter is a 400 naming the parameter.

    PostgreSQL text cannot hold NUL, so such a value used to reach a query and
    fail there as a 500.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for where, params in (("query", request.GET), ("form", request.POST if request.method == "POST" else {})):
            for key, values in params.lists() if params else ():
                if "\x00" in key or any("\x00" in v for v in values):
                    name = key.replace("\x00", "\\x00")[:100]
                    return HttpResponseBadRequest(
                        f"Bad request: the {where} parameter {name!r} contains a NUL byte.", content_type="text/plain"
                    )
        return self.get_response(request)


class WebStatementTimeoutMiddleware:
    """Bound every web request's SQL statements (WEB_STATEMENT_TIMEOUT, default 5s).

    Workers and commands are not web requests and keep no limit; an admin page
    that would scan a million rows is cancelled instead of holding a backend.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timeout = settings.WEB_STATEMENT_TIMEOUT
        if timeout:
            # Session-level: the connection serves only web requests in a web process.
            try:
                db.set_statement_timeout(timeout)
            except DatabaseError:
                pass  # no database: the view says so (/healthz answers 503)
        return self.get_response(request)
