"""The SQL API names what is wrong with an argument and writes nothing: a
NULL or non-object payload, a run_at that is infinite or beyond ten years,
unknown keys or too many elements in fn_job_enqueue_many, references over
their length caps (they are index keys), reasons and notes over the admin's
cap sent through SQL."""

from __future__ import annotations

import json
from typing import Any

import pytest

from queuegov.errors import InvalidValue, ReasonRequired, translate
from tests.helpers import db_error, sql_value

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _on(jobs_on, actor) -> None:
    actor("user:anna")


def nothing_written(before: int) -> None:
    assert sql_value("SELECT count(*) FROM job_queue") == before


def count() -> int:
    return sql_value("SELECT count(*) FROM job_queue")


@pytest.mark.parametrize(
    ("payload", "kind"),
    [("null", "null"), ("[1, 2]", "array"), ('"text"', "string"), ("42", "number"), ("true", "boolean")],
)
def test_a_payload_is_a_json_object(payload: str, kind: str) -> None:
    before = count()
    with db_error(sqlstate="QG004", match=rf"^invalid_payload: a payload is a JSON object, not {kind}$") as err:
        sql_value("SELECT fn_job_enqueue('test.job', %s::jsonb)", [payload])
    assert isinstance(translate(err.exception), InvalidValue)
    nothing_written(before)


def test_a_sql_null_payload_is_named() -> None:
    before = count()
    with db_error(sqlstate="QG004", match=r"^invalid_payload: a payload is a JSON object, not NULL$"):
        sql_value("SELECT fn_job_enqueue('test.job', NULL)")
    nothing_written(before)


@pytest.mark.parametrize("run_at", ["infinity", "-infinity", "now() + interval '11 years'"])
def test_run_at_is_finite_and_within_ten_years(run_at: str) -> None:
    before = count()
    value = f"'{run_at}'::timestamptz" if "infinity" in run_at else run_at
    with db_error(sqlstate="QG004", match=r"^run_at_in_range: run_at must be a finite time at most ten years ahead"):
        sql_value(f"SELECT fn_job_enqueue('test.job', '{{}}', p_run_at => {value})")
    nothing_written(before)


def test_nine_years_ahead_is_fine() -> None:
    assert as_status(sql_value("SELECT fn_job_enqueue('test.job', '{}', p_run_at => now() + interval '9 years')"))


def as_status(answer: Any) -> bool:
    return json.loads(answer)["status"] == "enqueued" if isinstance(answer, str) else answer["status"] == "enqueued"


@pytest.mark.parametrize(
    ("argument", "value", "constraint"),
    [
        ("p_correlation_id", "c" * 201, "correlation_id_length"),
        ("p_idempotency_key", "k" * 501, "idempotency_key_length"),
    ],
)
def test_references_over_their_cap_are_named_not_an_index_error(argument: str, value: str, constraint: str) -> None:
    before = count()
    with db_error(constraint=constraint, sqlstate="23514", match=rf"^{constraint}: ") as err:
        sql_value(f"SELECT fn_job_enqueue('test.job', '{{}}', {argument} => %s)", [value])
    assert isinstance(translate(err.exception), InvalidValue)
    nothing_written(before)


def test_a_huge_correlation_id_is_named_too() -> None:
    # 10,000 characters used to reach the index and fail with "index row requires …".
    with db_error(constraint="correlation_id_length", match=r"at most 200 characters, not 10000"):
        sql_value("SELECT fn_job_enqueue('test.job', '{}', p_correlation_id => %s)", ["x" * 10_000])


@pytest.mark.parametrize(
    ("element", "named"),
    [
        ({"job_kind": "test.job", "paylaod": {}}, "paylaod"),
        ({"job_kind": "test.job", "queue": "default", "prio": 1}, "prio, queue"),
    ],
)
def test_enqueue_many_names_unknown_keys(element: dict[str, Any], named: str) -> None:
    before = count()
    jobs = [{"job_kind": "test.job"}, element]
    with db_error(sqlstate="QG004", match=rf"^invalid_job: element 1 has unknown keys {named}; a job takes job_kind"):
        sql_value("SELECT fn_job_enqueue_many(%s::jsonb)", [json.dumps(jobs)])
    nothing_written(before)


@pytest.mark.parametrize(
    "element",
    [
        {"job_kind": "test.job", "payload": None},
        {"job_kind": "test.job", "payload": [1]},
        {"job_kind": "test.job", "run_at": "infinity"},
        {"job_kind": "test.job", "correlation_id": "c" * 201},
        {"job_kind": "test.job", "idempotency_key": ""},
    ],
)
def test_enqueue_many_names_the_bad_element(element: dict[str, Any]) -> None:
    before = count()
    with db_error(sqlstate="QG004", match=r"^invalid_job: element 2 "):
        sql_value("SELECT fn_job_enqueue_many(%s::jsonb)", [json.dumps([{"job_kind": "test.job"}] * 2 + [element])])
    nothing_written(before)


def test_enqueue_many_has_a_governed_cap(set_config) -> None:
    set_config("queue.enqueue_many.max_jobs", 3)
    before = count()
    with db_error(sqlstate="QG004", match=r"^too_many_jobs: 4 jobs in one call; queue.enqueue_many.max_jobs is 3$"):
        sql_value("SELECT fn_job_enqueue_many(%s::jsonb)", [json.dumps([{"job_kind": "test.job"}] * 4)])
    nothing_written(before)
    answer = json.loads(
        sql_value("SELECT fn_job_enqueue_many(%s::jsonb)", [json.dumps([{"job_kind": "test.job"}] * 3)])
    )
    assert answer["enqueued"] == 3


@pytest.mark.parametrize(
    ("statement", "what"),
    [
        ("SELECT fn_queue_pause('default', %s)", "reason"),
        ("SELECT fn_job_cancel_many(ARRAY[1]::bigint[], %s)", "reason"),
        ("SELECT fn_job_dead_letter_triage(1, 'discarded', %s)", "note"),
        ("SELECT fn_gate_change_request('queue.worker.enabled', 'true', %s)", "reason"),
    ],
)
def test_reasons_over_the_admins_cap_are_refused_through_sql(statement: str, what: str) -> None:
    audit = sql_value("SELECT count(*) FROM admin_action_audit")
    with db_error(sqlstate="QG008", match=rf"^reason_too_long: the {what} is 2001 characters; at most 2000$") as err:
        sql_value(statement, ["r" * 2001])
    assert isinstance(translate(err.exception), ReasonRequired)
    assert sql_value("SELECT count(*) FROM admin_action_audit") == audit
    assert sql_value("SELECT paused FROM queue_state WHERE queue_name = 'default'") is False
