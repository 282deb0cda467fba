"""Surviving a lost database connection in the Django processes (docs/workers.md).

The policy (backoff with full jitter, one log line per outage, which errors are
a lost connection or a transient one) is the standalone executor's
(``queuegov_executor.reconnect``, psycopg only); this module adds Django's
wrappers of those errors and closing Django's connection.
"""

from __future__ import annotations

from django.db import InterfaceError as DjangoInterfaceError
from django.db import OperationalError as DjangoOperationalError
from django.db import connection

from queuegov_executor import reconnect as base
from queuegov_executor.reconnect import GaveUp, is_transient_error

__all__ = ["GaveUp", "Reconnect", "drop_connection", "is_connection_error", "is_transient_error"]


def is_connection_error(exc: BaseException) -> bool:
    """True if ``exc`` (a psycopg or Django database error, or one caused by it) means the connection is lost."""
    if base.is_connection_error(exc):
        return True
    err: BaseException | None = exc
    while err is not None:
        if isinstance(err, DjangoInterfaceError):
            return True
        if isinstance(err, DjangoOperationalError) and err.__cause__ is None:
            return "connection" in str(err).lower()
        err = err.__cause__
    return False


class Reconnect(base.Reconnect):
    is_lost = staticmethod(is_connection_error)


def drop_connection() -> None:
    """Close this thread's Django connection after it broke (the next query reconnects)."""
    try:
        connection.close()
    except Exception:  # already broken: closing is best effort
        connection.connection = None
