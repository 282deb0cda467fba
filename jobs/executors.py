"""External executors' database logins (docs/security.md).

Each executor host (an Agent, Hermes or DOT host, an external worker) gets a
login of its own, a member of the executor role: it may call the job API and
event emit/capture and nothing else, its actor is always ``db:<login>``, and
its leases are bound to its login. Creating a login needs CREATEROLE, so this
runs on the migration login; registering it (kind, queues) is a governed act,
audited by fn_executor_login_register.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from psycopg import errors

from jobs import db
from queuegov import dbroles, gateway
from queuegov.actor import Actor
from queuegov.errors import InvalidValue, QueuegovError, translate


@dataclass(frozen=True)
class ExecutorCredentials:
    login: str
    executor_kind: str
    queues: list[str] | None
    password: str
    url: str
    created: bool


def create_executor_login(
    name: str, executor_kind: str, queues: list[str] | None, *, actor: Actor
) -> ExecutorCredentials:
    """Create (or rotate the password of) executor login ``name`` and register it, in one transaction."""
    if not dbroles.LOGIN_NAME_RE.fullmatch(name):
        raise InvalidValue(
            f"invalid_login_name: {name!r} must be 3-63 lowercase letters, digits or _ starting with a letter"
        )
    if name in {dbroles.role_name(p) for p in (*dbroles.PURPOSES, "tester")}:
        raise InvalidValue(f"invalid_login_name: {name} is one of the installation's own roles")
    password = secrets.token_urlsafe(32)
    with dbroles.migration_connect(as_owner=False) as conn:
        existing = dbroles.set_executor_login(conn, name, password)
        dbroles.act_as_owner(conn)
        gateway.set_actor(actor, conn)
        try:
            db.executor_login_register(name, executor_kind, queues, conn=conn)
        except errors.Error as exc:
            conn.rollback()
            error = translate(exc)
            if error is None:
                raise
            raise error from exc
        conn.commit()
    return ExecutorCredentials(
        login=name,
        executor_kind=executor_kind,
        queues=queues,
        password=password,
        url=dbroles.runtime_url(name, password),
        created=not existing,
    )


def describe(credentials: ExecutorCredentials) -> str:
    return json.dumps(
        {
            "login": credentials.login,
            "executor_kind": credentials.executor_kind,
            "queues": credentials.queues,
            "url": credentials.url,
            "created": credentials.created,
        }
    )


__all__ = ["ExecutorCredentials", "QueuegovError", "create_executor_login", "describe"]
