"""Settings from the environment (django-environ); production-safe defaults."""

from __future__ import annotations

import re
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

_INSECURE_KEY_MARKERS = ("django-insecure", "changeme", "change-me", "secret")
SECRET_KEY = env.str("SECRET_KEY", default="")
if not DEBUG and (
    len(SECRET_KEY) < 40
    or len(set(SECRET_KEY)) < 10
    or any(marker in SECRET_KEY.lower() for marker in _INSECURE_KEY_MARKERS)
):
    raise ImproperlyConfigured(
        "SECRET_KEY is missing or insecure and DEBUG is off: it needs at least 40 characters, at least "
        "10 different characters, and none of " + ", ".join(repr(m) for m in _INSECURE_KEY_MARKERS) + " in it "
        "(any case). Set SECRET_KEY in the environment or in .env (bin/bootstrap writes a generated one), "
        "or set DEBUG=true for development."
    )
if not SECRET_KEY:
    SECRET_KEY = "dev-only-" + "x" * 50  # DEBUG is on: never used in production

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "queuegov.views.csrf_failure"  # a 403 that says what to do

INSTALLED_APPS = [
    "queuegov.ops.admin_apps.QueuegovAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "pgtrigger",
    "axes",
    "queuegov",
    "events",
    "jobs",
    "staging",
    "workflows",
    "queuegov.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "queuegov.middleware.RefuseNulBytesMiddleware",
    "queuegov.middleware.WebStatementTimeoutMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "queuegov.middleware.RequestIdMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "queuegov.urls"
WSGI_APPLICATION = "queuegov.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Ahead of the apps: queuegov's admin/base_site.html extends Django's own.
        "DIRS": [BASE_DIR / "queuegov" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# Database: DATABASE_URL, else the embedded PostgreSQL in .pgdata/.
# The database is the trust boundary (docs/security.md): Django runs as the app
# role (DATABASE_URL's login, or DATABASE_ROLE when that login is a member that
# must SET ROLE); migrations run as MIGRATION_DATABASE_URL's login, which may
# SET ROLE to the owner role. Role names are <QUEUEGOV_DB_ROLE_PREFIX>_owner,
# _app, _executor and _auditor.
QUEUEGOV_DB_ROLE_PREFIX = env.str("QUEUEGOV_DB_ROLE_PREFIX", default="queuegov")
if not re.fullmatch(r"[a-z][a-z0-9_]{0,40}", QUEUEGOV_DB_ROLE_PREFIX):
    raise ImproperlyConfigured(
        f"QUEUEGOV_DB_ROLE_PREFIX must be 1-41 lowercase letters, digits or _ starting with a letter, "
        f"not {QUEUEGOV_DB_ROLE_PREFIX!r}"
    )
# The app role's password, set by `manage.py db_roles` (unneeded where the server trusts local logins).
QUEUEGOV_APP_DB_PASSWORD = env.str("QUEUEGOV_APP_DB_PASSWORD", default="")
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
    QUEUEGOV_MIGRATION_DATABASE = (
        env.db("MIGRATION_DATABASE_URL")
        if env.str("MIGRATION_DATABASE_URL", default="")
        else dict(DATABASES["default"])
    )
else:
    from queuegov.embedded_db import database_settings

    # The embedded server trusts local logins: Django as the app role,
    # migrations as the server's superuser (SET ROLE to the owner).
    DATABASES = {"default": database_settings(user=f"{QUEUEGOV_DB_ROLE_PREFIX}_app")}
    QUEUEGOV_MIGRATION_DATABASE = database_settings(user="postgres")
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
_database_role = env.str("DATABASE_ROLE", default="").strip()
if _database_role:
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", _database_role):
        raise ImproperlyConfigured(f"DATABASE_ROLE must be a plain role name, not {_database_role!r}")
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c role={_database_role}".strip()
# Several test runs against one server (developers, CI, helpers) each pick their own test database.
if env.str("TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME")}
# Workers and commands hold their connections (~0.1x without: docs/architecture.md, "Implementation notes").
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The job API calls (jobs.db) run on server-binding psycopg cursors; with a prepare
# threshold PostgreSQL plans each once per connection instead of per call (the worker's
# claim: ~0.2 ms less). Django turns prepared statements off by default for
# transaction-pooling proxies: set DB_PREPARE_THRESHOLD= (empty) behind one of those.
# ORM queries use client-side binding and are never prepared either way.
_prepare_threshold = env.str("DB_PREPARE_THRESHOLD", default="5").strip()
if _prepare_threshold and not _prepare_threshold.isdigit():
    raise ImproperlyConfigured(
        f"DB_PREPARE_THRESHOLD must be a whole number of executions before a statement is prepared, "
        f"or empty to never prepare; not {_prepare_threshold!r}"
    )
DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
    int(_prepare_threshold) if _prepare_threshold else None
)

# A partitioned or vanished server surfaces in seconds, not after the ~15 minutes of
# default TCP retransmission (docs/workers.md): libpq's connect timeout, keepalives
# and TCP user timeout on every connection. Unix-socket connections ignore them.
_network = DATABASES["default"]["OPTIONS"]
_network.setdefault("connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=10))
_network.setdefault("keepalives", 1)
_network.setdefault("keepalives_idle", env.int("DB_KEEPALIVES_IDLE", default=10))
_network.setdefault("keepalives_interval", env.int("DB_KEEPALIVES_INTERVAL", default=5))
_network.setdefault("keepalives_count", env.int("DB_KEEPALIVES_COUNT", default=3))
_network.setdefault("tcp_user_timeout", env.int("DB_TCP_USER_TIMEOUT_MS", default=20000))

# A read replica for the dashboard and /metrics (docs/operations.md, "Scaling out"):
# the same role and connection options as default, read-only by its session default
# (a write there fails instead of reaching the primary); queuegov.replica routes.
if env.str("DATABASE_REPLICA_URL", default=""):
    _replica = env.db("DATABASE_REPLICA_URL")
    _replica["ENGINE"] = "django.db.backends.postgresql"
    _replica["OPTIONS"] = {**DATABASES["default"]["OPTIONS"], **_replica.get("OPTIONS", {})}
    _replica["OPTIONS"]["options"] = (
        f"{_replica['OPTIONS'].get('options', '')} -c default_transaction_read_only=on".strip()
    )
    _replica["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    _replica["CONN_HEALTH_CHECKS"] = True
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica
DATABASE_ROUTERS = ["queuegov.replica.ReplicaRouter"]
# Where a worker's LISTEN connection goes (docs/operations.md, "Scaling out"): behind a
# transaction-pooling PgBouncer, a session-pooled endpoint (a LISTEN needs its session).
QUEUEGOV_LISTEN_DATABASE_URL = env.str("DATABASE_LISTEN_URL", default="")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes): lock a username+IP after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "en-us"
FORMAT_MODULE_PATH = ["queuegov.formats"]  # ISO dates with seconds everywhere
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# WhiteNoise warns (an error under the test suite) when the folder is missing
# before the first collectstatic.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Serve app static files even before collectstatic (tests, a fresh demo);
# collected files in STATIC_ROOT are served first.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Transport security. Production defaults are strict; a plain-HTTP local
# deployment (the demo on 127.0.0.1) opts out with QUEUEGOV_HTTPS=false.
HTTPS = env.bool("QUEUEGOV_HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", default=False) else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Prometheus scrapers authenticate with "Authorization: Bearer <METRICS_TOKEN>".
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy: scripts and style sheets only from this site (the
# admin's own carry the request's nonce); inline style attributes stay allowed
# for the status colours and the dashboard's SVG charts.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "style-src-attr": [CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Each web request's SQL statements are cancelled after this long ("0" turns it off).
WEB_STATEMENT_TIMEOUT = env.str("WEB_STATEMENT_TIMEOUT", default="5s")

# django.tasks: @task functions are stored in job_queue and run by queue_worker.
TASKS = {
    "default": {
        "BACKEND": "jobs.tasks_backend.JobQueueBackend",
        "QUEUES": env.list("TASK_QUEUES", default=["default", "maintenance"]),
        "OPTIONS": {"MAX_ATTEMPTS": env.int("TASK_MAX_ATTEMPTS", default=1)},
    }
}

# pgtrigger on unmanaged models: triggers are installed by explicit migrations
# (queuegov.triggers.AddTrigger); `manage.py trigger_drift --check` guards drift.
PGTRIGGER_MIGRATIONS = False
PGTRIGGER_INSTALL_ON_MIGRATE = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"pgserver": {"level": "WARNING"}},
}
