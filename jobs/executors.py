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

from psycopg import errors, sql

from queuegov import dbroles
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
    ident = sql.Identifier(name)
    with dbroles.migration_connect(as_owner=False) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolcanlogin FROM pg_roles WHERE rolname = %s", [name])
        existing = cursor.fetchone()
        if existing is not None:
            cursor.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [name, dbroles.role_name("executor")])
            if existing[0] or not cursor.fetchone()[0]:
                raise InvalidValue(f"invalid_login_name: {name} is an existing role that is not an executor login")
            cursor.execute(sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(ident, sql.Literal(password)))
        else:
            cursor.execute(
                sql.SQL("CREATE ROLE {} LOGIN INHERIT PASSWORD {} IN ROLE {}").format(
                    ident, sql.Literal(password), sql.Identifier(dbroles.role_name("executor"))
                )
            )
        cursor.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(dbroles.role_name("owner"))))
        settings = actor.settings()
        cursor.execute(
            "SELECT set_config(k, v, true) FROM unnest(%s::text[], %s::text[]) AS t(k, v)",
            [list(settings), list(settings.values())],
        )
        try:
            cursor.execute("SELECT fn_executor_login_register(%s, %s, %s::text[])", [name, executor_kind, queues])
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
        created=existing is None,
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
