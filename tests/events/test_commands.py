"""The cron commands: one SQL call, one summary line (or --json), exit 0 when a gate is closed."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.events.conftest import finish, owner_value

pytestmark = pytest.mark.django_db

GATES = {
    "event_pending_process": "event.emit_enabled",
    "event_deliver": "event.delivery.enabled",
    "route_worker_tick": "event.routes_master.enabled",
}


def run(name: str, *args: str) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue().strip()


@pytest.mark.parametrize("name", sorted(GATES))
def test_a_closed_gate_is_said_plainly(name) -> None:
    assert run(name) == f"{name}: gate {GATES[name]} is closed; nothing done"
    assert json.loads(run(name, "--json")) == {"status": "gate_closed", "gate": GATES[name]}


def test_the_route_worker_gate_is_named_when_only_it_is_closed(open_gate) -> None:
    open_gate("event.routes_master.enabled")
    assert run("route_worker_tick", "--worker", "job_default") == (
        "route_worker_tick: gate event.route_worker.enabled is closed; nothing done"
    )


def test_open_gates_do_the_work_and_report_counts(ev, open_gate) -> None:
    for gate in ("event.emit_enabled", "event.delivery.enabled", "event.routes_master.enabled"):
        open_gate(gate)
    open_gate("event.route_worker.enabled")
    owner_value("DELETE FROM event_pending RETURNING 1")
    ev.capture("job.replayed", "job_dead_letter", "1")
    processed = json.loads(run("event_pending_process", "--json", "--batch-size", "10"))
    assert (processed["status"], processed["emitted"]) == ("processed", 1)
    assert run("event_pending_process").startswith("event_pending_process: nothing_to_do")
    delivered = json.loads(run("event_deliver", "--json"))
    assert (delivered["status"], delivered["events"]) == ("delivered", 1)
    ticked = json.loads(run("route_worker_tick", "--json", "--worker", "job_default", "--worker", "system_default"))
    assert ticked["status"] == "ticked" and set(ticked["workers"]) == {"job_default", "system_default"}
    assert run("route_worker_tick", "--worker", "job_default").startswith("route_worker_tick: ticked")


def test_bad_arguments_are_command_errors() -> None:
    with pytest.raises(CommandError, match="--batch-size must be at least 1"):
        run("route_worker_tick", "--batch-size", "0")


def test_a_real_process_exits_0_on_a_closed_gate(spawn_command) -> None:
    answer = finish(spawn_command("route_worker_tick", "--json"))
    assert (answer["returncode"], answer["status"], answer["gate"]) == (0, "gate_closed", "event.routes_master.enabled")
