"""The installation's PostgreSQL roles and the login migrations run as.

The database is the trust boundary (docs/security.md): objects belong to the
owner role (NOLOGIN), Django runs as the app role, external executors log in
as members of the executor group, auditors as members of the auditor group.
Migrations connect as a login that may ``SET ROLE`` to the owner
(``MIGRATION_DATABASE_URL``), so everything they create belongs to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections
from psycopg import sql

PURPOSES = ("owner", "app", "executor", "auditor")
ROLE_PREFIX_RE = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
LOGIN_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{2,62}$")


class RoleSetupError(RuntimeError):
    """The roles are missing and this login may not create them; says who can."""


def role_name(purpose: str) -> str:
    """The role of ``purpose`` (owner, app, executor, auditor) under the configured prefix."""
    if purpose not in (*PURPOSES, "tester"):
        raise ValueError(f"unknown role purpose {purpose!r}; one of {', '.join(PURPOSES)}")
    return f"{settings.QUEUEGOV_DB_ROLE_PREFIX}_{purpose}"


def role_names() -> dict[str, str]:
    return {purpose: role_name(purpose) for purpose in PURPOSES}


def role_option(role: str | None) -> dict[str, Any]:
    """libpq ``options`` that start every connection as ``role`` (``-c role=``).

    A startup option, not Django's ``assume_role``: it also reaches the plain
    psycopg connections built from Django's parameters (the worker's LISTEN and
    lease-keeper connections), and ``RESET ROLE`` returns to it.
    """
    return {"options": f"-c role={role}"} if role else {}


# ---------------------------------------------------------------------------
# The migration login
# ---------------------------------------------------------------------------
_CREDENTIAL_KEYS = ("USER", "PASSWORD", "HOST", "PORT", "OPTIONS")


@contextmanager
def migration_login(alias: str = "default", *, as_owner: bool = True) -> Iterator[None]:
    """Point ``alias`` at the migration login for the block (as the owner role by default).

    Keeps NAME (the test runner renames the database); closes the connection
    on the way in and out so the next query reconnects with the right login.
    """
    conn = connections[alias]
    target = settings.QUEUEGOV_MIGRATION_DATABASE
    saved = {key: conn.settings_dict.get(key) for key in _CREDENTIAL_KEYS}
    options = {k: v for k, v in (target.get("OPTIONS") or {}).items() if k != "options"}
    options.update(role_option(role_name("owner") if as_owner else None))
    wanted = {**{key: target.get(key) for key in _CREDENTIAL_KEYS[:4]}, "OPTIONS": options}
    if all(saved[key] == wanted[key] for key in _CREDENTIAL_KEYS):
        yield
        return
    conn.close()
    conn.settings_dict.update(wanted)
    try:
        yield
    finally:
        conn.close()
        conn.settings_dict.update(saved)


def migration_connect(*, as_owner: bool = True, autocommit: bool = False) -> Any:
    """A psycopg connection as the migration login to the database Django uses.

    For acts that need the owner or CREATEROLE (executor credentials, roles)
    without disturbing Django's own connection.
    """
    import psycopg

    target = settings.QUEUEGOV_MIGRATION_DATABASE
    options = target.get("OPTIONS") or {}
    params: dict[str, Any] = {
        "dbname": connections["default"].settings_dict["NAME"],
        "user": target.get("USER") or None,
        "password": target.get("PASSWORD") or None,
        "host": target.get("HOST") or options.get("host") or None,
        "port": target.get("PORT") or None,
        **role_option(role_name("owner") if as_owner else None),
    }
    return psycopg.connect(**{k: v for k, v in params.items() if v is not None}, autocommit=autocommit)


def runtime_url(user: str, password: str | None) -> str:
    """A connection URL to Django's database (host, port, name) for another login."""
    from urllib.parse import quote

    s = connections["default"].settings_dict
    host = str(s.get("HOST") or (s.get("OPTIONS") or {}).get("host") or "")
    port = f":{s['PORT']}" if s.get("PORT") else ""
    secret = f":{quote(password, safe='')}" if password else ""
    if host.startswith("/"):
        return f"postgres://{quote(user, safe='')}{secret}@{port}/{s['NAME']}?host={quote(host, safe='')}"
    return f"postgres://{quote(user, safe='')}{secret}@{host}{port}/{s['NAME']}"


# ---------------------------------------------------------------------------
# Creating the roles (needs CREATEROLE; idempotent)
# ---------------------------------------------------------------------------
@dataclass
class RoleReport:
    created: list[str]
    present: list[str]
    login: str


def _exists(cursor: Any, name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
    return cursor.fetchone() is not None


def _may_create_roles(cursor: Any) -> bool:
    cursor.execute("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = session_user")
    row = cursor.fetchone()
    return bool(row and row[0])


def ensure_roles(cursor: Any, *, app_password: str | None = None) -> RoleReport:
    """Create the four roles if missing, make the login a member of the owner, prepare the schema.

    ``cursor`` is on the migration login *without* the owner role set. The app
    role logs in (password ``app_password`` when given); the others are groups.
    """
    names = role_names()
    cursor.execute("SELECT session_user::text")
    login = cursor.fetchone()[0]
    missing = [name for name in names.values() if not _exists(cursor, name)]
    if missing and not _may_create_roles(cursor):
        raise RoleSetupError(
            f"database roles {', '.join(missing)} do not exist and {login} may not create roles: "
            f"run `manage.py db_roles` with a MIGRATION_DATABASE_URL whose login has CREATEROLE "
            f"(or create them as docs/security.md shows)"
        )
    attributes = {"owner": "NOLOGIN", "app": "LOGIN", "executor": "NOLOGIN", "auditor": "NOLOGIN"}
    for purpose, name in names.items():
        if name in missing:
            cursor.execute(sql.SQL("CREATE ROLE {} " + attributes[purpose]).format(sql.Identifier(name)))
    if app_password:
        cursor.execute(
            sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(names["app"]), sql.Literal(app_password))
        )
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = session_user")
    if not cursor.fetchone()[0] and not _member(cursor, login, names["owner"]):
        cursor.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(names["owner"]), sql.Identifier(login)))
    prepare_schema(cursor)
    return RoleReport(created=missing, present=[n for n in names.values() if n not in missing], login=login)


def is_superuser(cursor: Any) -> bool:
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = session_user")
    row = cursor.fetchone()
    return bool(row and row[0])


def app_password() -> str | None:
    return settings.QUEUEGOV_APP_DB_PASSWORD or None


def _member(cursor: Any, member: str, group: str) -> bool:
    cursor.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [member, group])
    return bool(cursor.fetchone()[0])


def prepare_schema(cursor: Any) -> None:
    """Let the owner create objects in ``public`` and nobody else (PostgreSQL 15 already denies PUBLIC)."""
    names = role_names()
    cursor.execute(sql.SQL("GRANT USAGE, CREATE ON SCHEMA public TO {}").format(sql.Identifier(names["owner"])))
    cursor.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    for purpose in ("app", "executor", "auditor"):
        cursor.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(sql.Identifier(names[purpose])))


def adopt_objects(cursor: Any) -> int:
    """Give the owner role the objects an earlier install created as another login.

    Only a superuser (or a member of the old owners) can; returns how many moved.
    """
    owner = role_name("owner")
    cursor.execute(
        """
        SELECT format('ALTER %%s %%s OWNER TO %%I',
                      CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
                      c.oid::regclass, %(owner)s::text)
          FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'S')
           AND pg_get_userbyid(c.relowner) <> %(owner)s::text
           AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d
                     WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
        UNION ALL
        SELECT format('ALTER ROUTINE %%s OWNER TO %%I', p.oid::regprocedure, %(owner)s::text)
          FROM pg_proc p
         WHERE p.pronamespace = 'public'::regnamespace AND pg_get_userbyid(p.proowner) <> %(owner)s::text
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
        UNION ALL
        SELECT format('ALTER TYPE %%s OWNER TO %%I', t.oid::regtype, %(owner)s::text)
          FROM pg_type t
         WHERE t.typnamespace = 'public'::regnamespace
           AND (t.typtype IN ('d', 'e')
                OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
           AND pg_get_userbyid(t.typowner) <> %(owner)s::text
        """,
        {"owner": owner},
    )
    statements = [row[0] for row in cursor.fetchall()]
    for statement in statements:
        cursor.execute(statement)
    return len(statements)


def record_role_names(cursor: Any) -> None:
    """Write the role names into ``fn_db_role`` (read by the SQL that resolves actors).

    A LANGUAGE sql constant the planner folds into every statement that asks,
    rewritten (as the owner) on each migrate so a prefix set at install time holds.
    """
    cases = sql.SQL(" ").join(
        sql.SQL("WHEN {} THEN {}").format(sql.Literal(purpose), sql.Literal(name))
        for purpose, name in role_names().items()
    )
    body = sql.SQL("SELECT CASE p_purpose {} END::name").format(cases)
    cursor.execute("SELECT to_regprocedure('fn_db_role(text)') IS NOT NULL")
    if cursor.fetchone()[0]:
        cursor.execute(
            sql.SQL(
                "CREATE OR REPLACE FUNCTION fn_db_role(p_purpose text) RETURNS name LANGUAGE sql IMMUTABLE AS {}"
            ).format(sql.Literal(body.as_string(cursor.connection)))
        )


def set_executor_login(conn: Any, name: str, password: str) -> bool:
    """Create login ``name`` as a member of the executor role, or set a new password on
    the executor login it already is; True if it existed. Any other role is refused."""
    from queuegov.errors import InvalidValue

    with conn.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [name])
        existing = cursor.fetchone()
        if existing is not None:
            cursor.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [name, role_name("executor")])
            if existing[0] or not cursor.fetchone()[0]:
                raise InvalidValue(f"invalid_login_name: {name} is an existing role that is not an executor login")
            cursor.execute(
                sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(name), sql.Literal(password))
            )
        else:
            cursor.execute(
                sql.SQL("CREATE ROLE {} LOGIN INHERIT PASSWORD {} IN ROLE {}").format(
                    sql.Identifier(name), sql.Literal(password), sql.Identifier(role_name("executor"))
                )
            )
    return existing is not None


def act_as_owner(conn: Any) -> None:
    """``SET LOCAL ROLE`` the owner on the migration login's open transaction."""
    with conn.cursor() as cursor:
        cursor.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role_name("owner"))))
