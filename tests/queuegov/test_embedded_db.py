"""``make stop``: the embedded PostgreSQL a demo left running is stopped by name
(queuegov.embedded_db.stop), on a private server in tmp_path, never the shared one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

START_AND_LEAVE = (
    "import sys, pgserver; from queuegov import embedded_db; embedded_db._ensure_runtime_dir();"
    " pgserver.get_server(sys.argv[1], cleanup_mode=None).get_postmaster_info()"
)


def run(*args: str, pgdata: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QUEUEGOV_PGDATA": str(pgdata)}
    return subprocess.run(
        [sys.executable, *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def pgdata(tmp_path: Path) -> Iterator[Path]:
    """A private server's data directory, stopped whatever the test did."""
    from queuegov import embedded_db

    path = tmp_path / "pg"
    path.mkdir()
    yield path
    if embedded_db.running(path):
        (path / ".handle_pids.json").write_text("[]")
        embedded_db.stop(path)


def test_stop_stops_a_server_left_running_and_says_so(pgdata: Path) -> None:
    from queuegov import embedded_db

    started = run("-c", START_AND_LEAVE, str(pgdata), pgdata=pgdata)
    assert started.returncode == 0, started.stderr[-2000:]
    assert embedded_db.running(pgdata)  # the process that started it is gone; the server is not
    # a holder killed without exiting (SIGKILL) stays in pgserver's list of holders: it must not keep it up
    killed = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    killed.kill()
    killed.wait()
    (pgdata / ".handle_pids.json").write_text(json.dumps([killed.pid]))

    stopped = run("-m", "queuegov.embedded_db", "stop", pgdata=pgdata)
    assert stopped.returncode == 0, stopped.stderr[-2000:]
    assert stopped.stdout.strip() == f"stopped the embedded PostgreSQL in {pgdata}"
    assert not embedded_db.running(pgdata)

    again = run("-m", "queuegov.embedded_db", "stop", pgdata=pgdata)
    assert again.stdout.strip() == f"the embedded PostgreSQL in {pgdata} is not running"


def test_stop_wants_its_one_word() -> None:
    wrong = subprocess.run(
        [sys.executable, "-m", "queuegov.embedded_db"], cwd=settings.BASE_DIR, capture_output=True, text=True
    )
    assert wrong.returncode == 1 and "usage: python -m queuegov.embedded_db stop" in wrong.stderr
