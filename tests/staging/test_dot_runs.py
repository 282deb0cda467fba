"""DOT runs on the queue (docs/staging.md, "DOT runs on the queue"): a governed,
audited enqueue of a read-only catalogued command as a dot.command job (class dot);
the executor runs it against its claimed job, fenced by the lease like fn_job_ack;
the run names the job and the job's ack result names the run; the admin links both
ways."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from jobs.registry import JobContext
from staging import builtin
from tests.helpers import db_error, governed_set, json_value, sql_exec, sql_rows, sql_value, use_actor
from tests.queuegov.conftest import make_user, role_users, roles  # noqa: F401  (fixtures)
from tests.staging.conftest import audit_rows

pytestmark = pytest.mark.django_db

DOT_WORKER = "dot-host-1"


def enqueue(command: str = "dot_queue_healthcheck", reason: str | None = "nightly health evidence", **kw: Any) -> Any:
    use_actor("user:operator")
    return json_value("SELECT fn_iu_dot_command_enqueue(%s, %s, %s)", [command, reason, kw.get("key")])


def claim(worker: str = DOT_WORKER) -> dict[str, Any]:
    answer = json_value("SELECT fn_job_claim(%s, ARRAY['dot'], 1, 300, 'dot')", [worker])
    assert answer["status"] == "claimed", answer
    return answer["jobs"][0]


def run(job: dict[str, Any], worker: str = DOT_WORKER, attempt: int | None = None) -> dict[str, Any]:
    use_actor(f"worker:{worker}")
    return json_value(
        "SELECT fn_iu_dot_command_run(%s, %s, %s)", [job["id"], worker, job["attempt"] if attempt is None else attempt]
    )


@pytest.fixture
def queue_open() -> None:
    for gate in ("queue.job_substrate.enabled", "queue.worker.enabled"):
        governed_set(gate, True)


def test_the_catalogue_lists_the_read_only_healthcheck() -> None:
    assert sql_rows(
        "SELECT run_modes, operator_alias, primitive FROM dot_iu_command_catalog"
        " WHERE command = 'dot_queue_healthcheck'"
    ) == [(["plan"], "fn_iu_dot_command_enqueue", "fn_queue_health")]
    assert sql_rows("SELECT executor_class, queue_name FROM consumer_registry WHERE job_kind = 'dot.command'") == [
        ("dot", "dot")
    ]


def test_enqueue_is_a_governed_audited_act(queue_open) -> None:
    answer = enqueue(key="dot:health:1")
    assert answer["status"] == "enqueued" and answer["command"] == "dot_queue_healthcheck"
    job = json_value("SELECT to_jsonb(j) FROM job_queue j WHERE id = %s", [answer["job_id"]])
    assert (job["job_kind"], job["executor_class"], job["queue_name"], job["created_by"]) == (
        "dot.command",
        "dot",
        "dot",
        "user:operator",
    )
    assert job["payload"] == {"command": "dot_queue_healthcheck", "run_mode": "plan", "requested_by": "user:operator"}
    assert list(audit_rows().filter(action="dot_command.enqueue").values_list("outcome", "target_ids", "actor")) == [
        ("applied", [str(answer["job_id"])], "user:operator")
    ]
    assert enqueue(key="dot:health:1")["status"] == "duplicate"


def test_enqueue_rules() -> None:
    with db_error(
        sqlstate="QG008", match=r"^reason_required: enqueueing DOT command dot_queue_healthcheck needs a reason"
    ):
        enqueue(reason="  ")
    with db_error(sqlstate="QG005", match=r"^unknown_command: 'nope' is not in dot_iu_command_catalog$"):
        enqueue("nope")
    with db_error(sqlstate="QG004", match=r"^command_not_on_queue: cut does not run as a dot.command job"):
        enqueue("cut")
    answer = enqueue()  # the job substrate's gate ships closed
    assert answer == {
        "status": "gate_closed",
        "gate": "queue.job_substrate.enabled",
        "command": "dot_queue_healthcheck",
    }
    assert list(audit_rows().values_list("action", "outcome")) == [("dot_command.enqueue", "refused")]


def test_the_run_names_the_job_and_the_ack_names_the_run(queue_open) -> None:
    job_id = enqueue()["job_id"]
    job = claim()
    assert job["id"] == job_id
    answer = run(job)
    assert answer["status"] == "ran" and answer["job_id"] == job_id and answer["run_status"] in ("passed", "problems")
    row = json_value("SELECT to_jsonb(r) FROM dot_iu_command_run r WHERE id = %s", [answer["run_id"]])
    assert (row["command"], row["run_mode"], row["job_id"], row["actor"]) == (
        "dot_queue_healthcheck",
        "plan",
        job_id,
        f"worker:{DOT_WORKER}",
    )
    assert {"healthy", "rows", "problems", "checked_at"} <= set(row["evidence"])  # fn_queue_health's answer
    assert row["run_status"] == ("passed" if row["evidence"]["healthy"] else "problems")
    acked = json_value("SELECT fn_job_ack(%s, %s, %s::jsonb, %s)", [job_id, DOT_WORKER, _dumps(answer), job["attempt"]])
    assert acked["status"] == "succeeded"
    assert json_value("SELECT result -> 'run_id' FROM job_queue WHERE id = %s", [job_id]) == answer["run_id"]
    # Both directions, from SQL: the run's job is the job whose result names the run.
    assert (
        sql_value(
            "SELECT count(*) FROM dot_iu_command_run r JOIN job_queue j ON j.id = r.job_id"
            " WHERE (j.result ->> 'run_id')::bigint = r.id AND r.id = %s",
            [answer["run_id"]],
        )
        == 1
    )


def _dumps(value: Any) -> str:
    import json

    return json.dumps(value)


def test_the_run_is_fenced_by_the_lease_and_runs_once_per_attempt(queue_open) -> None:
    enqueue()
    job = claim()
    assert run(job, attempt=job["attempt"] + 1)["status"] == "refused"
    assert run(job, worker="someone-else")["status"] == "refused"
    assert sql_value("SELECT count(*) FROM dot_iu_command_run WHERE job_id = %s", [job["id"]]) == 0
    first = run(job)
    again = run(job)
    assert again["status"] == "duplicate" and again["run_id"] == first["run_id"]
    assert sql_value("SELECT count(*) FROM dot_iu_command_run WHERE job_id = %s", [job["id"]]) == 1


def test_only_dot_command_jobs_run(queue_open) -> None:
    use_actor("user:someone")
    job_id = json_value("SELECT fn_job_enqueue('test.job', '{}')")["job_id"]
    job = json_value("SELECT fn_job_claim('w-test', ARRAY['default'], 1, 300, 'pg_worker', ARRAY['test.job'])")["jobs"][
        0
    ]
    assert job["id"] == job_id
    with db_error(sqlstate="QG004", match=rf"^not_dot_command_job: job {job_id} is not a dot.command job"):
        sql_exec("SELECT fn_iu_dot_command_run(%s, 'w-test', %s)", [job_id, job["attempt"]])


def test_the_python_handler_runs_it_for_the_claiming_worker(queue_open) -> None:
    job_id = enqueue()["job_id"]
    job = claim("dot-python")
    context = JobContext(job_id, "dot.command", "dot", job["attempt"], job["max_attempts"], None, "dot-python")
    result = builtin.dot_command(job["payload"], context)
    assert result["status"] == "ran" and result["job_id"] == job_id
    assert sql_value("SELECT job_id FROM dot_iu_command_run WHERE id = %s", [result["run_id"]]) == job_id


def test_the_admin_links_run_and_job(client, role_users, queue_open) -> None:
    job_id = enqueue()["job_id"]
    job = claim()
    answer = run(job)
    json_value("SELECT fn_job_ack(%s, %s, %s::jsonb, %s)", [job_id, DOT_WORKER, _dumps(answer), job["attempt"]])
    client.force_login(role_users["operator"])
    run_page = client.get(reverse("admin:staging_commandrun_change", args=[answer["run_id"]])).content.decode()
    assert reverse("admin:jobs_job_change", args=[job_id]) in run_page
    job_page = client.get(reverse("admin:jobs_job_change", args=[job_id])).content.decode()
    assert reverse("admin:staging_commandrun_change", args=[answer["run_id"]]) in job_page
