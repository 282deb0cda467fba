"""Demo accounts (one per role) and demo data for `make demo`.

Passwords are generated once per checkout, kept in ``.demo-credentials.json``
(git-ignored, mode 600) and printed on every run, so re-running is safe.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, User

from queuegov import gates
from queuegov.actor import Actor
from queuegov.models import GateChangeRequest
from queuegov.roles import ROLES

CREDENTIALS_FILE = Path(settings.BASE_DIR) / ".demo-credentials.json"
# A second operator shows four-eyes: one requests, another person approves.
DEMO_ACCOUNTS: dict[str, list[str]] = {role: [role] for role in ROLES} | {"operator2": ["operator"]}


def _load_passwords() -> dict[str, str]:
    if CREDENTIALS_FILE.exists():
        return json.loads(CREDENTIALS_FILE.read_text())
    return {}


def _save_passwords(passwords: dict[str, str]) -> None:
    CREDENTIALS_FILE.write_text(json.dumps(passwords, indent=2))
    os.chmod(CREDENTIALS_FILE, 0o600)


def ensure_accounts() -> dict[str, str]:
    """Create or reset the demo staff accounts; return username → password."""
    passwords = _load_passwords()
    for username, roles in DEMO_ACCOUNTS.items():
        password = passwords.setdefault(username, secrets.token_urlsafe(12))
        user, _ = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.invalid"})
        user.is_staff = True
        user.is_superuser = False
        user.is_active = True
        user.set_password(password)
        user.save()
        user.groups.set(Group.objects.filter(name__in=roles))
    _save_passwords(passwords)
    return passwords


def ensure_demo_data() -> list[str]:
    """Seed demo governance data once; returns what was created."""
    created: list[str] = []
    if not GateChangeRequest.objects.exists():
        op = User.objects.get(username="operator")
        result = gates.request_change(
            Actor.for_user(op), op, "queue.job_substrate.enabled", "true", "demo: open enqueueing for the demo jobs"
        )
        created.append(f"gate change request #{result.value} (pending, waiting for an approver)")
        op2 = User.objects.get(username="operator2")
        approver = User.objects.get(username="approver")
        second = gates.request_change(
            Actor.for_user(op2), op2, "event.debounce_seconds", "60", "demo: shorter debounce for the demo"
        )
        gates.decide_change(Actor.for_user(approver), approver, "approve", second.value, "demo: approved")
        created.append(f"gate change request #{second.value} (applied by approver)")
    return created
