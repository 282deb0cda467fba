# queuegov production image: gunicorn serving the admin; PostgreSQL comes from
# DATABASE_URL, the app role's login (the embedded PostgreSQL is for `make
# demo`/`make test` only and is not installed here). Run migrations with the
# login that may SET ROLE to the owner role (docs/security.md):
#   docker run --rm -e DATABASE_URL=... -e MIGRATION_DATABASE_URL=... -e SECRET_KEY=... IMAGE python manage.py migrate
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --system --create-home --uid 10001 queuegov
WORKDIR /app

# Dependencies first (cached until pyproject.toml or the lock change): the
# runtime dependencies of pyproject.toml, pinned by requirements.lock, minus pgserver.
COPY pyproject.toml requirements.lock ./
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; \
print('\n'.join(d for d in deps if not d.startswith('pgserver')))" > /tmp/requirements.txt \
 && pip install -c requirements.lock -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

COPY . .

# Static files at build time. Settings only connect when DATABASE_URL is unset
# (embedded database), so a URL pointing nowhere plus a throwaway key is enough.
RUN SECRET_KEY=build-only-collectstatic-key-0123456789abcdefghijklmnopqrstuvwxyz \
    DATABASE_URL=postgres://build@127.0.0.1:1/none \
    python manage.py collectstatic --noinput --verbosity 0

USER queuegov
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 CMD ["python", "/app/bin/healthcheck"]
# Tune with GUNICORN_CMD_ARGS, e.g. "--workers 4 --access-logfile -".
CMD ["gunicorn", "queuegov.wsgi", "-b", "0.0.0.0:8000"]
