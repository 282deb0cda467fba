"""Login throttling, staff-only admin, production-safe settings, /healthz."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse

from tests.queuegov.conftest import PASSWORD


def login(client, username, password):
    return client.post(reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"})


def test_failed_logins_lock_the_account_out(client, make_user):
    make_user("victim", "operator")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "victim", "wrong-password")
    locked = login(client, "victim", PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_staff_login_works_and_non_staff_is_refused(client, make_user):
    make_user("staffer", "reviewer")
    assert login(client, "staffer", PASSWORD).status_code == 302
    client.logout()
    make_user("civilian", staff=False)
    response = login(client, "civilian", PASSWORD)
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_healthz_answers_when_the_database_does(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok\n"


def _settings_in_subprocess(extra_env: dict[str, str], expr: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "QUEUEGOV_HTTPS")}
    env.update({"DJANGO_SETTINGS_MODULE": "queuegov.settings", "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"})
    env.update(extra_env)
    code = f"import django; django.setup(); from django.conf import settings as s; print({expr})"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=settings.BASE_DIR, timeout=60
    )


@pytest.mark.parametrize("key", ["", "short", "django-insecure-" + "x" * 60])
def test_refuses_to_start_with_missing_or_insecure_secret_key(key, tmp_path):
    # An empty .env-free environment: QUEUEGOV_ENV_FILE is not read because the keys are set explicitly.
    result = _settings_in_subprocess({"SECRET_KEY": key, "DEBUG": "false"}, "s.DEBUG")
    assert result.returncode != 0
    assert "SECRET_KEY is missing or insecure" in result.stderr


@pytest.mark.parametrize(("value", "expected"), [("", "None"), ("0", "0"), ("12", "12")])
def test_prepare_threshold_comes_from_the_environment(value, expected):
    key = "k3y-" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789" * 2
    result = _settings_in_subprocess(
        {"SECRET_KEY": key, "DB_PREPARE_THRESHOLD": value}, "s.DATABASES['default']['OPTIONS']['prepare_threshold']"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_a_bad_prepare_threshold_is_named():
    key = "k3y-" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789" * 2
    result = _settings_in_subprocess({"SECRET_KEY": key, "DB_PREPARE_THRESHOLD": "often"}, "s.DEBUG")
    assert result.returncode != 0
    assert "DB_PREPARE_THRESHOLD must be a whole number" in result.stderr and "'often'" in result.stderr


def test_production_defaults_are_strict():
    key = "k3y-" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789" * 2
    result = _settings_in_subprocess(
        {"SECRET_KEY": key, "DEBUG": "false", "QUEUEGOV_HTTPS": "true"},
        "s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False True True True 31536000"


def test_healthz_is_503_when_the_database_does_not_answer():
    key = "k3y-" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789" * 2
    code = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz'); print(r.status_code, r.content.decode().strip())"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "QUEUEGOV_HTTPS")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "queuegov.settings",
            "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
            "SECRET_KEY": key,
            "DEBUG": "false",
            "QUEUEGOV_HTTPS": "false",
            "ALLOWED_HOSTS": "testserver",
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=settings.BASE_DIR, timeout=60
    )
    assert result.stdout.startswith("503 database unavailable: OperationalError"), result.stderr[-2000:]
