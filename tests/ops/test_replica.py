"""The dashboard and /metrics read from a replica when one is configured (docs/operations.md, "Scaling out").

The stand-in replica is a second database alias (``DATABASE_REPLICA_URL``) on
the test database, read-only by its session default as a streaming replica is:
a subprocess with that setting builds the dashboard and the health report and
counts the statements each connection ran. Without the setting, nothing changes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest

from tests.helpers import subprocess_database_url

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, django
django.setup()
from django.db import connections
from django.db.utils import DatabaseError
from django.test.utils import CaptureQueriesContext
from queuegov import replica
from queuegov.ops import dashboard
from queuegov.ops.health import queue_health

out = {"configured": replica.configured()}
with CaptureQueriesContext(connections["default"]) as primary:
    if out["configured"]:
        with CaptureQueriesContext(connections["replica"]) as copy:
            with replica.from_replica() as alias:
                report = queue_health()
                board = dashboard.build(user=None)
        out["replica_statements"] = len(copy)
    else:
        with replica.from_replica() as alias:
            report = queue_health()
            board = dashboard.build(user=None)
out.update(alias=alias, primary_statements=len(primary), healthy_key="healthy" in report, gates=len(board["gates"]))
if out["configured"]:
    try:
        with replica.from_replica():
            from jobs import db
            db.enqueue("queuegov.noop")  # a write inside the block reaches the replica, which refuses it
        out["write"] = "accepted"
    except DatabaseError as exc:
        out["write"] = str(exc).splitlines()[0]
print(json.dumps(out))
"""


def probe(**extra_env: str) -> dict:
    env = {**os.environ, "DATABASE_URL": subprocess_database_url(), **extra_env}
    env.pop("TEST_DATABASE_NAME", None)
    env.pop("DATABASE_REPLICA_URL", None) if "DATABASE_REPLICA_URL" not in extra_env else None
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def with_application_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    query["application_name"] = [name]
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))


def test_the_dashboard_and_health_read_from_the_replica() -> None:
    answer = probe(DATABASE_REPLICA_URL=with_application_name(subprocess_database_url(), "queuegov_replica"))
    assert answer["configured"] and answer["alias"] == "replica"
    assert answer["healthy_key"] and answer["gates"] > 0
    assert answer["replica_statements"] > 0
    assert answer["primary_statements"] == 0  # nothing of it on the primary
    assert "read-only transaction" in answer["write"]


def test_without_a_replica_everything_reads_the_primary() -> None:
    answer = probe()
    assert answer["configured"] is False and answer["alias"] == "default"
    assert answer["primary_statements"] > 0
