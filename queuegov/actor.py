"""The transaction-local actor context every governed act runs in.

Admin actions, commands and the worker all enter ``actor_context``; triggers
and SQL functions read it back with ``fn_actor()`` (the pattern
django-pghistory uses), so the database knows who acted without trusting a
parameter.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from django.db import connection, transaction

from queuegov import gateway

if TYPE_CHECKING:
    from django.http import HttpRequest

Source = Literal["admin", "command", "worker", "sql"]


@dataclass(frozen=True)
class Actor:
    """Who acts: ``user:<username>``, ``command:<name>`` or ``worker:<id>``."""

    name: str
    source: Source = "admin"
    user_id: int | None = None
    roles: tuple[str, ...] = ()
    request_id: str | None = None
    request_ip: str | None = None
    request_path: str | None = None
    user_agent: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def for_request(cls, request: HttpRequest) -> Actor:
        user = request.user
        roles = tuple(sorted(user.groups.values_list("name", flat=True))) if user.is_authenticated else ()
        if getattr(user, "is_superuser", False):
            roles = (*roles, "superuser")
        return cls(
            name=f"user:{user.get_username()}" if user.is_authenticated else "anonymous",
            source="admin",
            user_id=user.pk if user.is_authenticated else None,
            roles=roles,
            request_id=getattr(request, "request_id", None),
            request_ip=request.META.get("REMOTE_ADDR") or None,
            request_path=request.get_full_path()[:2000],
            user_agent=(request.META.get("HTTP_USER_AGENT") or "")[:500] or None,
        )

    @classmethod
    def for_user(cls, user, source: Source = "command") -> Actor:  # type: ignore[no-untyped-def]
        roles = tuple(sorted(user.groups.values_list("name", flat=True)))
        if user.is_superuser:
            roles = (*roles, "superuser")
        return cls(name=f"user:{user.get_username()}", source=source, user_id=user.pk, roles=roles)

    @classmethod
    def for_command(cls, command: str) -> Actor:
        return cls(name=f"command:{command}", source="command")

    @classmethod
    def for_worker(cls, worker_id: str) -> Actor:
        return cls(name=f"worker:{worker_id}", source="worker")

    def settings(self) -> dict[str, str]:
        values = {
            "queuegov.actor": self.name,
            "queuegov.actor_user_id": "" if self.user_id is None else str(self.user_id),
            # comma-separated: a group whose name holds a comma is no role (it would read as two)
            "queuegov.actor_roles": ",".join(r for r in self.roles if "," not in r),
            "queuegov.source": self.source,
            "queuegov.request_id": self.request_id or "",
            "queuegov.request_ip": self.request_ip or "",
            "queuegov.request_path": self.request_path or "",
            "queuegov.user_agent": self.user_agent or "",
        }
        values.update(self.extra)
        return values


@contextmanager
def actor_context(actor: Actor, using: str = "default") -> Iterator[None]:
    """Open a transaction whose SQL sees ``actor`` through ``fn_actor()``.

    The settings are transaction-local (``set_config(..., true)``), so they
    vanish at commit or rollback and never leak to the next user of a pooled
    connection.
    """
    with transaction.atomic(using=using):
        set_actor(actor, using=using)
        yield


def set_actor(actor: Actor, using: str = "default") -> None:
    """Set the actor on the current transaction (caller holds ``atomic()``)."""
    conn = connection if using == "default" else transaction.get_connection(using)
    if not conn.in_atomic_block:
        raise RuntimeError("set_actor needs an open transaction: use actor_context()")
    gateway.set_actor(actor, conn)
