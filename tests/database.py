"""The test database and the logins the suite runs as (docs/security.md).

The suite builds its database as the migration login (the owner role, like
``manage.py migrate``) and then runs as the app role, never as a superuser:
the Django connection logs in as ``<prefix>_tester`` with ``-c role=<prefix>_app``.
The tester login is also a member of the owner role (NOINHERIT), so a test that
must set up a state no API call reaches can step up explicitly with
``as_owner()``; the cleanup of committed tests uses the migration login.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import psycopg
from django.conf import settings
from django.db import connection, transaction
from psycopg import sql

from queuegov import dbroles

TESTER_PASSWORD = secrets.token_urlsafe(24)


def tester() -> str:
    return dbroles.role_name("tester")


def ensure_tester(cursor: Any) -> None:
    """Create (or refresh) the tester login: NOINHERIT, a member of the app and owner roles."""
    name = sql.Identifier(tester())
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [tester()])
    if cursor.fetchone() is None:
        cursor.execute(sql.SQL("CREATE ROLE {} LOGIN NOINHERIT").format(name))
    cursor.execute(sql.SQL("ALTER ROLE {} LOGIN NOINHERIT PASSWORD {}").format(name, sql.Literal(TESTER_PASSWORD)))
    for purpose in ("app", "owner"):
        cursor.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(dbroles.role_name(purpose)), name))


def use_tester() -> None:
    """Point Django's connection at the tester login acting as the app role."""
    connection.close()
    options = {k: v for k, v in (connection.settings_dict.get("OPTIONS") or {}).items() if k != "options"}
    options.update(dbroles.role_option(dbroles.role_name("app")))
    connection.settings_dict.update(USER=tester(), PASSWORD=TESTER_PASSWORD, OPTIONS=options)
    # Subprocesses (workers, gunicorn) get the test database's migration login too,
    # so their settings name one database.
    os.environ["MIGRATION_DATABASE_URL"] = _url(settings.QUEUEGOV_MIGRATION_DATABASE, connection.settings_dict["NAME"])


def _url(s: dict[str, Any], name: str, options: str | None = None) -> str:
    user = quote(s.get("USER") or "postgres", safe="")
    password = f":{quote(str(s['PASSWORD']), safe='')}" if s.get("PASSWORD") else ""
    host = str(s.get("HOST") or (s.get("OPTIONS") or {}).get("host") or "")
    port = f":{s['PORT']}" if s.get("PORT") else ""
    query = []
    if host.startswith("/"):
        query.append(f"host={quote(host, safe='')}")
        host = ""
    if options:
        query.append(f"options={quote(options, safe='')}")
    return f"postgres://{user}{password}@{host}{port}/{name}" + (f"?{'&'.join(query)}" if query else "")


def subprocess_database_url() -> str:
    """A DATABASE_URL for subprocesses: the test database, the tester login, the app role."""
    s = connection.settings_dict
    return _url(s, s["NAME"], (s.get("OPTIONS") or {}).get("options"))


def admin_connect(autocommit: bool = True, dbname: str | None = None) -> psycopg.Connection:
    """A connection as the migration login (no role set) to the test database (or ``dbname``)."""
    s = settings.QUEUEGOV_MIGRATION_DATABASE
    params: dict[str, Any] = {
        "dbname": dbname or connection.settings_dict["NAME"],
        "user": s.get("USER"),
        "password": s.get("PASSWORD") or None,
        "host": s.get("HOST") or (s.get("OPTIONS") or {}).get("host") or None,
        "port": s.get("PORT") or None,
    }
    return psycopg.connect(**{k: v for k, v in params.items() if v is not None}, autocommit=autocommit)


@contextmanager
def as_owner() -> Iterator[None]:
    """Run the block as the owner role (the trust root), then return to the app role.

    For setting up states no SQL API call reaches (an expired lease, a row from
    the past) and for proving what even the owner cannot do past a trigger.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(dbroles.role_name("owner"))))
        yield
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def login_connect(user: str, password: str | None, *, autocommit: bool = True) -> psycopg.Connection:
    """A plain connection to the test database as another login (an attacker's session)."""
    s = connection.settings_dict
    params: dict[str, Any] = {
        "dbname": s["NAME"],
        "user": user,
        "password": password,
        "host": s.get("HOST") or (s.get("OPTIONS") or {}).get("host") or None,
        "port": s.get("PORT") or None,
    }
    return psycopg.connect(**{k: v for k, v in params.items() if v is not None}, autocommit=autocommit)


def app_connect(*, autocommit: bool = True) -> psycopg.Connection:
    """A connection as the app role's own login, exactly as Django's processes log in."""
    return login_connect(dbroles.role_name("app"), settings.QUEUEGOV_APP_DB_PASSWORD or None, autocommit=autocommit)
