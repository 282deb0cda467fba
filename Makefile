# queuegov: the README's two commands are `make demo` and `make test`.
# Every target first runs bin/bootstrap (venv, locked deps, .env); it is
# quick when nothing changed. PYTHON=/path/to/python3.12 picks the interpreter.

PY := .venv/bin/python
MANAGE := $(PY) manage.py
PYTEST_ARGS ?=

.PHONY: help bootstrap demo stop demo-reset test lint check format lock clean

help:
	@echo "make demo    bootstrap, migrate, roles, demo accounts, serve http://127.0.0.1:8000/admin/"
	@echo "make stop    stop the embedded PostgreSQL (.pgdata/) a demo left running"
	@echo "make demo-reset  stop it and delete the demo's database and credentials (the next make demo starts afresh)"
	@echo "make test    bootstrap, then the whole pytest suite on a fresh test database (PYTEST_ARGS=...)"
	@echo "make lint    ruff check + ruff format --check"
	@echo "make check   Django system checks, missing migrations, pgtrigger drift"
	@echo "make format  ruff format + ruff check --fix"
	@echo "make lock    regenerate requirements.lock from pyproject.toml"
	@echo "make clean   remove .venv and staticfiles/ (keeps .env and the .pgdata database)"

bootstrap:
	@bin/bootstrap

demo: bootstrap
	bin/demo

stop: bootstrap
	$(PY) -m queuegov.embedded_db stop

demo-reset: stop
	rm -rf .pgdata .demo-credentials.json staticfiles
	@echo "demo-reset: the next make demo starts with a new database and new demo passwords"

test: bootstrap
	.venv/bin/pytest --create-db $(PYTEST_ARGS)

lint: bootstrap
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

check: bootstrap
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) trigger_drift --check

format: bootstrap
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

lock:
	bin/lock

clean:
	rm -rf .venv staticfiles
