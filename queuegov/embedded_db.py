"""The private PostgreSQL used when DATABASE_URL is unset (README promise).

pgserver runs a PostgreSQL 16 from its wheel in ``.pgdata/`` inside the project;
several processes sharing the folder share one postmaster.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("QUEUEGOV_PGDATA", BASE_DIR / ".pgdata"))


def _ensure_runtime_dir() -> None:
    # pgserver keeps its cross-process lock in the user runtime dir, read when
    # the module is imported; without one platformdirs warns on every start.
    if not os.environ.get("XDG_RUNTIME_DIR"):
        runtime = BASE_DIR / ".pgrun"
        runtime.mkdir(mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)


class EmbeddedDatabaseUnavailable(RuntimeError):
    """Raised when no embedded server can be started; says what to do instead."""


def database_settings(name: str = "postgres", user: str = "postgres") -> dict[str, Any]:
    """Start (or join) the embedded server and return a Django DATABASES entry for ``user``.

    The server trusts local logins (pgserver runs initdb with ``--auth=trust``):
    Django logs in as the app role, migrations as ``postgres``.
    """
    _ensure_runtime_dir()
    try:
        import pgserver
    except ImportError as exc:  # pragma: no cover - depends on the interpreter
        raise EmbeddedDatabaseUnavailable(
            "DATABASE_URL is unset and the embedded PostgreSQL (pgserver, CPython 3.12 wheels) "
            "is not installed. Run `make demo`/`make test` (they install it) or set DATABASE_URL."
        ) from exc
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(DATA_DIR, cleanup_mode=None)
    info = server.get_postmaster_info()
    # The socket directory goes in HOST: a URI with ?host= is parsed into an
    # empty HOST by django-environ and dbshell would reach the system server.
    host = str(info.socket_dir) if info.socket_dir else "127.0.0.1"
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": user,
        "PASSWORD": "",
        "HOST": host,
        "PORT": str(info.port or 5432),
    }
