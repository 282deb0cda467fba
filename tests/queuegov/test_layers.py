"""docs/architecture.md, "Layers": the governance core of ``queuegov`` (gates,
audit, roles, actor, db, errors, ...) is the foundation; jobs, events and
staging stand on it and ``queuegov.ops`` (health, metrics, the dashboard,
retention) on all of them. The core imports nothing above it, so it can be
read, tested and reused on its own."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
CORE = BASE_DIR / "queuegov"
# The project wiring may name every app; migrations are history.
WIRING = {"settings.py", "urls.py", "wsgi.py", "asgi.py"}
ABOVE_THE_CORE = ("jobs", "events", "staging", "workflows", "queuegov.ops")
DYNAMIC_IMPORTERS = {"import_module", "import_string", "__import__"}


def core_modules() -> Iterator[Path]:
    for path in sorted(CORE.rglob("*.py")):
        parts = path.relative_to(CORE).parts
        if parts[0] == "ops" or "migrations" in parts or (len(parts) == 1 and parts[0] in WIRING):
            continue
        yield path


def imported_names(source: str, filename: str) -> Iterator[tuple[int, str]]:
    """Every module a file imports: statements anywhere (functions included) and
    string literals handed to importlib.import_module / import_string."""
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            yield from ((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in DYNAMIC_IMPORTERS and node.args and isinstance(node.args[0], ast.Constant):
                yield node.lineno, str(node.args[0].value)


def is_above(module: str) -> bool:
    return any(module == top or module.startswith(top + ".") for top in ABOVE_THE_CORE)


def violations(paths: Iterator[Path]) -> list[str]:
    found = []
    for path in paths:
        where = path.relative_to(BASE_DIR).as_posix()
        for line, module in imported_names(path.read_text(encoding="utf-8"), where):
            if is_above(module):
                found.append(f"{where}:{line} imports {module}")
    return found


def test_the_core_is_scanned() -> None:
    names = {path.relative_to(CORE).as_posix() for path in core_modules()}
    assert {"gates.py", "audit.py", "roles.py", "actor.py", "db.py", "errors.py"} <= names
    assert not any(name.startswith("ops/") or "migrations/" in name for name in names)


def test_the_governance_core_imports_nothing_above_it() -> None:
    assert violations(core_modules()) == []


def test_the_scan_sees_every_form_of_import(tmp_path: Path) -> None:
    forms = {
        "top.py": "import jobs.worker\n",
        "from.py": "from events import services\n",
        "nested.py": "def f():\n    from staging.models import Manifest\n",
        "ops.py": "from queuegov import ops\n",
        "dynamic.py": "import importlib\nimportlib.import_module('jobs.registry')\n",
        "string.py": "from django.utils.module_loading import import_string\nimport_string('events.db.emit')\n",
        "fine.py": "from queuegov import gates\nimport json\nfrom queuegov.db import call\n",
    }
    for name, text in forms.items():
        (tmp_path / name).write_text(text)
    found = {
        line.split(":", 1)[0].rsplit("/", 1)[-1]
        for line in [
            f"{p.name}:{n} {m}"
            for p in sorted(tmp_path.iterdir())
            for n, m in imported_names(p.read_text(), p.name)
            if is_above(m)
        ]
    }
    assert found == set(forms) - {"fine.py"}
