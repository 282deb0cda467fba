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


def running(data_dir: Path | None = None) -> bool:
    """A postmaster holds ``data_dir`` (its pid file names a live process)."""
    pid_file = (data_dir or DATA_DIR) / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return False
    return _alive(pid)  # PermissionError: alive, run as pgserver's own system user


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop(data_dir: Path | None = None) -> str:
    """Stop the embedded server (``make stop``); what it did, in words.

    Joining the server and closing the last handle is pgserver's own way to stop
    it (``pg_ctl stop`` as the user it runs as); a server other processes still
    use (a demo still running) keeps running.
    """
    data_dir = data_dir or DATA_DIR
    if not running(data_dir):
        return f"the embedded PostgreSQL in {data_dir} is not running"
    _ensure_runtime_dir()
    import pgserver

    server = pgserver.get_server(data_dir, cleanup_mode="stop")
    # pgserver counts the processes holding the server in a file; a process
    # killed without exiting (a demo's worker after SIGKILL) stays counted.
    holders = server.global_process_id_list
    holders.put([pid for pid in holders.get() if pid == os.getpid() or _alive(pid)])
    server.cleanup()
    if running(data_dir):
        return f"the embedded PostgreSQL in {data_dir} is still used by another process (a demo still running?)"
    return f"stopped the embedded PostgreSQL in {data_dir}"


if __name__ == "__main__":  # `python -m queuegov.embedded_db stop` (make stop)
    import sys

    if sys.argv[1:] != ["stop"]:
        raise SystemExit("usage: python -m queuegov.embedded_db stop")
    print(stop())
