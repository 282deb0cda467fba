"""Browser tests: headless Debian Chromium driven by Playwright against a real gunicorn.

The server runs in a subprocess on the test database, so these tests commit
their data (transaction=True). Without Chromium they skip, unless
QUEUEGOV_E2E_REQUIRED=1 (set by .ci/run, which installs Chromium) makes a
missing browser a failure. Screenshots go to test-artifacts/e2e/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, User

from tests.jobs.conftest import worker_database_url

# Playwright's sync API keeps an event loop running in this thread; the test's
# own ORM calls are still synchronous (the usual setting for Playwright + Django).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(django_settings.BASE_DIR) / "test-artifacts" / "e2e"
PASSWORD = "e2e-long-password-1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _required() -> bool:
    return os.environ.get("QUEUEGOV_E2E_REQUIRED") == "1"


# Package scope: sync Playwright runs an asyncio loop in the main thread while it is open, and
# tests after the browser tests (async tasks, async_to_sync) must not find one running.
@pytest.fixture(scope="package")
def playwright_browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        if _required():
            pytest.fail(f"Chromium not found at {CHROMIUM} (QUEUEGOV_E2E_REQUIRED=1)")
        pytest.skip(f"Chromium not found at {CHROMIUM}; install Debian's chromium to run the browser tests")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if _required():
            pytest.fail("playwright is not installed (QUEUEGOV_E2E_REQUIRED=1)")
        pytest.skip("playwright is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server_url(transactional_db: Any) -> Iterator[str]:
    """gunicorn serving queuegov.wsgi on the test database."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "QUEUEGOV_HTTPS": "false",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("TEST_DATABASE_NAME", None)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = (ARTIFACTS / "gunicorn.log").open("a")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "queuegov.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "60",
        ],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start; see {ARTIFACTS / 'gunicorn.log'}") from None
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture
def staff(settings: Any, transactional_db: Any) -> Callable[..., User]:
    """``staff("anna", "operator")``: a staff user the gunicorn process can log in (real hasher)."""
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    call_command("bootstrap_roles", verbosity=0)

    def make(username: str, *roles: str) -> User:
        user = User.objects.create_user(username, password=PASSWORD, is_staff=True)
        user.groups.set(Group.objects.filter(name__in=roles))
        return user

    return make


class Session:
    """One user's browser context, logged in to the admin."""

    def __init__(self, browser: Any, base_url: str, username: str, name: str) -> None:
        self.context = browser.new_context(base_url=base_url, viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)
        self.name = name
        # What the browser refused under the Content-Security-Policy (docs/security.md).
        self.csp_violations: list[str] = []
        self.page.on(
            "console",
            lambda message: (
                self.csp_violations.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        self.page.goto("/admin/login/?next=/admin/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("input[type=submit]")
        self.page.wait_for_url("**/admin/")

    def shot(self, label: str) -> Path:
        path = ARTIFACTS / f"{self.name}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def run_action(self, changelist: str, row_ids: list[str], action: str, fields: dict[str, str]) -> None:
        """Select rows on a changelist, run an action, fill its confirmation form and confirm."""
        page = self.page
        page.goto(changelist)
        for row_id in row_ids:
            page.check(f"input.action-select[value='{row_id}']")
        page.select_option("select[name=action]", action)
        page.click("button[name=index]")
        page.wait_for_selector("#governed-confirm-form")
        for name, value in fields.items():
            page.fill(f"#governed-confirm-form [name={name}]", value)
        page.click("#governed-confirm-form input[type=submit]")
        page.wait_for_load_state("load")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def login(
    playwright_browser: Any, live_server_url: str, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Session]]:
    sessions: list[Session] = []
    test = request.node.name

    def make(username: str) -> Session:
        session = Session(playwright_browser, live_server_url, username, f"{test}-{username}")
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        session.close()
