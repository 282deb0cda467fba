"""Event types, code producers and route-worker cursors are registered at run time, governed
(docs/events.md, "Registering an event type"): no migration, no raw INSERT."""

from __future__ import annotations

import json

import pytest

from tests.database import as_owner
from tests.events.conftest import call, owner_exec
from tests.helpers import (
    config_value,
    db_error,
    decide_change,
    governed_set,
    preserved_actor,
    request_change,
    sql_exec,
    sql_rows,
    sql_value,
    use_actor,
)

pytestmark = pytest.mark.django_db

RUBRIC = {
    "decision": "Operators decide whether a KG link may be trusted.",
    "consumer": "The reviewers' inbox and the KG sync route.",
    "loss": "The graph and its readers would disagree about the links.",
}


def as_actor(name: str, sql: str, *params: object) -> dict:
    with preserved_actor():
        use_actor(name)
        return call(sql, *params)


def register(event_type: str, producer: str, rubric: dict | None = None, actor: str = "user:ops") -> dict:
    return as_actor(
        actor,
        "SELECT fn_event_type_register(%s, 'update', 'delayed', 'info', 'a test type', %s, %s::jsonb)",
        event_type,
        producer,
        json.dumps(RUBRIC if rubric is None else rubric),
    )


def status(event_type: str) -> str:
    return sql_value("SELECT status FROM event_type_registry WHERE event_type = %s", [event_type])


def test_a_registered_type_is_a_draft_with_its_own_gate_off_and_its_rubric() -> None:
    answer = register("kg.test_edge_added", "fn_test_kg_producer")
    assert answer["status"] == "registered" and answer["gate"] == "event.type.kg.test_edge_added.active"
    assert answer["not_ready"] == ["its producer fn_test_kg_producer is not a function in the database"]
    [(state, producer, rubric, by)] = sql_rows(
        "SELECT status, producer_ref, rubric, registered_by FROM event_type_registry WHERE event_type = %s",
        ["kg.test_edge_added"],
    )
    assert (state, producer, json.loads(rubric), by) == ("draft", "fn_test_kg_producer", RUBRIC, "user:ops")
    assert config_value(answer["gate"]) is False
    assert sql_rows(
        "SELECT action, target_ids FROM admin_action_audit WHERE actor = 'user:ops' ORDER BY id DESC LIMIT 1"
    ) == [("event_type.register", ["kg.test_edge_added"])]


def test_activating_a_type_whose_producer_does_not_exist_is_refused() -> None:
    gate = register("kg.test_edge_removed", "fn_test_kg_remover")["gate"]
    # not on one person's word
    with db_error(
        "^four_eyes_required: kg.test_edge_removed becomes active only by an approved change", sqlstate="QG002"
    ):
        as_actor("user:approver", "SELECT fn_event_type_set_status('kg.test_edge_removed', 'active', 'go live now')")
    # and not asked of an approver while the producer is missing
    with db_error(
        "^event_type_not_ready: kg.test_edge_removed cannot be active: its producer fn_test_kg_remover is not a "
        "function in the database",
        sqlstate="QG003",
    ):
        request_change(gate, True, "activate it", requester="user:ops")
    with as_owner():
        sql_exec("CREATE FUNCTION fn_test_kg_remover() RETURNS void LANGUAGE sql AS 'SELECT NULL'")
    request_id = request_change(gate, True, "its producer exists now", requester="user:ops")
    # the producer goes away before the approval: the approval fails, nothing changes
    owner_exec("DROP FUNCTION fn_test_kg_remover()")
    with db_error("^event_type_not_ready: kg.test_edge_removed cannot be active", sqlstate="QG003"):
        decide_change("approve", request_id, "looks fine", decider="user:approver")
    assert status("kg.test_edge_removed") == "draft" and config_value(gate) is False

    owner_exec("CREATE FUNCTION fn_test_kg_remover() RETURNS void LANGUAGE sql AS 'SELECT NULL'")
    decide_change("approve", request_id, "looks fine now", decider="user:approver")
    assert status("kg.test_edge_removed") == "active"
    # closing its gate retires it
    governed_set(gate, False)
    assert status("kg.test_edge_removed") == "retired"


def test_a_code_producer_must_be_registered_and_the_rubric_answered() -> None:
    gate = register("mother.test_output_checked", "mothers.test_checker", rubric={"decision": RUBRIC["decision"]})[
        "gate"
    ]
    problems = sql_value("SELECT fn_event_type_activation_problems('mother.test_output_checked')")
    assert problems == [
        "its producer mothers.test_checker is not a registered code producer (event_producer_registry)",
        'the rubric question "consumer" has no answer of 10 characters or more',
        'the rubric question "loss" has no answer of 10 characters or more',
    ]
    with db_error("^event_type_not_ready: mother.test_output_checked cannot be active: its producer", sqlstate="QG003"):
        request_change(gate, True, "activate it", requester="user:ops")
    answer = as_actor("user:ops", "SELECT fn_event_producer_register('mothers.test_checker', 'the test Mother')")
    assert answer == {"status": "registered", "producer": "mothers.test_checker"}
    revised = register("mother.test_output_checked", "mothers.test_checker")
    assert revised["status"] == "revised" and revised["not_ready"] == []
    governed_set(gate, True)
    assert status("mother.test_output_checked") == "active"


def test_revising_a_draft_closes_its_gate() -> None:
    gate = register("kg.test_revised", "fn_test_kg_reviser")["gate"]
    owner_exec("CREATE FUNCTION fn_test_kg_reviser() RETURNS void LANGUAGE sql AS 'SELECT NULL'")
    governed_set(gate, True)
    as_actor("user:approver", "SELECT fn_event_type_set_status('kg.test_revised', 'draft', 'rework it')")
    assert config_value(gate) is True
    register("kg.test_revised", "fn_test_kg_other_producer")
    assert config_value(gate) is False  # an approval covers what was approved
    with db_error("^four_eyes_required", sqlstate="QG002"):
        as_actor("user:approver", "SELECT fn_event_type_set_status('kg.test_revised', 'active', 'again')")
    with db_error("^event_type_exists: job.replayed is already active", sqlstate="QG003"):
        register("job.replayed", "fn_job_dead_letter_replay")


def test_a_draft_is_not_revised_under_a_pending_request() -> None:
    """The approver decides what they were shown."""
    gate = register("kg.test_pending", "fn_test_kg_pending")["gate"]
    owner_exec("CREATE FUNCTION fn_test_kg_pending() RETURNS void LANGUAGE sql AS 'SELECT NULL'")
    request_id = request_change(gate, True, "ready for review", requester="user:ops")
    with db_error(
        rf"^request_pending: kg.test_pending has a pending gate change request \(#{request_id}\)", sqlstate="QG003"
    ):
        register("kg.test_pending", "fn_some_other_producer", actor="user:someone")
    decide_change("withdraw", request_id, "revising it", decider="user:ops")
    assert register("kg.test_pending", "fn_some_other_producer")["status"] == "revised"


@pytest.mark.parametrize(
    ("event_type", "producer", "rubric", "error"),
    [
        ("NotDotted", "fn_x", {}, "^invalid_event_type: 'NotDotted' is not a dotted lowercase name"),
        ("nosuchdomain.thing", "fn_x", {}, "^unknown_event_domain: nosuchdomain is not an active event domain"),
        ("kg.test_thing", "  ", {}, "^producer_required: kg.test_thing needs the name of its producer"),
        ("kg.test_thing", "fn_x", {"why": "because"}, "^invalid_rubric: why is not a rubric question"),
        ("kg.test_thing", "fn_x", {"loss": 5}, "^invalid_rubric: the answer to loss is text, not 5"),
    ],
)
def test_bad_registrations_name_what_is_wrong(event_type: str, producer: str, rubric: dict, error: str) -> None:
    with db_error(error):
        register(event_type, producer, rubric)
    assert sql_rows("SELECT 1 FROM event_type_registry WHERE event_type = %s", [event_type]) == []


def test_the_documents_types_are_seeded_as_drafts_ready_but_for_their_producers() -> None:
    rows = sql_rows(
        "SELECT event_type, status, producer_ref, gate_key, fn_event_type_activation_problems(event_type)"
        " FROM event_type_registry WHERE event_type LIKE 'mother.%%' OR event_type LIKE 'iu.kg.%%'"
        " OR event_type LIKE 'governance.problem.%%' ORDER BY 1"
    )
    by_type = {t: (s, p, g, problems) for t, s, p, g, problems in rows}
    assert set(by_type) == {
        "governance.problem.acknowledged",
        "governance.problem.raised",
        "governance.problem.resolved",
        "iu.kg.edge.asserted",
        "mother.factory.registered",
        "mother.output.created",
        "mother.output.failed",
    }
    assert by_type["governance.problem.raised"][0] == "active"
    for event_type, (state, producer, gate, problems) in by_type.items():
        if event_type == "governance.problem.raised":
            continue
        assert state == "draft" and gate == f"event.type.{event_type}.active"
        assert config_value(gate) is False
        assert len(problems) == 1 and producer in problems[0]  # only the producer is missing
    # every type answers the rubric, the shipped ones included
    unanswered = sql_rows(
        "SELECT event_type FROM event_type_registry WHERE NOT (rubric ?& ARRAY['decision', 'consumer', 'loss'])"
    )
    assert unanswered == []


def test_a_route_worker_gets_a_cursor_on_a_new_domain_at_run_time(ev) -> None:
    owner_exec(
        "INSERT INTO event_outbox (event_domain, event_stream, event_type, delivery_lane)"
        " VALUES ('mother', 'birth', 'mother.factory.registered', 'immediate')"
    )
    newest = sql_value("SELECT max(id) FROM event_outbox WHERE event_domain = 'mother'")
    with db_error("^reason_required", sqlstate="QG008"):
        as_actor("user:ops", "SELECT fn_iu_route_worker_cursor_add('mothers', 'mother', '')")
    with db_error("^unknown_event_domain: 'nope' is not an active event domain", sqlstate="QG005"):
        as_actor("user:ops", "SELECT fn_iu_route_worker_cursor_add('mothers', 'nope', 'route them')")
    added = as_actor("user:ops", "SELECT fn_iu_route_worker_cursor_add('mothers', 'mother', 'route Mother events')")
    # the newest event is this test's own, not committed yet: the cursor starts before it, never skipping it
    assert newest > 0
    assert added == {"status": "added", "worker": "mothers", "event_domain": "mother", "last_event_id": 0}
    again = as_actor("user:ops", "SELECT fn_iu_route_worker_cursor_add('mothers', 'mother', 'route Mother events')")
    assert again["status"] == "nothing_to_do"
    # one worker per domain: a second one would deliver each event twice
    with db_error("^domain_has_worker: mother is routed by mothers already", sqlstate="QG003"):
        as_actor("user:ops", "SELECT fn_iu_route_worker_cursor_add('mothers_all', 'mother', 'replay them', true)")
    from_start = as_actor("user:ops", "SELECT fn_iu_route_worker_cursor_add('tac_all', 'tac', 'replay them', true)")
    assert from_start["last_event_id"] == 0
    assert sql_rows(
        "SELECT action, target_ids FROM admin_action_audit WHERE actor = 'user:ops' ORDER BY id DESC LIMIT 1"
    ) == [("route_worker_cursor.add", ["tac_all/tac"])]
