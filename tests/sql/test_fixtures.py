"""The shared test fixtures, helpers and factories do what they promise."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password
from django.db import connection, transaction

from queuegov.models import GateChangeRequest
from tests import cleanup, helpers
from tests.database import as_owner
from tests.factories import GateChangeRequestFactory, UserFactory
from tests.helpers import SPEC_GATES, config_value, db_error, request_change, sql_exec, sql_rows, sql_value


# ---------------------------------------------------------------------------
# db_error
# ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_db_error_fails_when_nothing_is_raised() -> None:
    with pytest.raises(pytest.fail.Exception, match="DID NOT RAISE"):
        with db_error():
            sql_value("SELECT 1")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "expectation",
    [{"constraint": "severity_allowed"}, {"sqlstate": "QG001"}, {"match": "^nothing like it"}],
)
def test_db_error_fails_on_the_wrong_error(expectation: dict[str, str]) -> None:
    with pytest.raises(AssertionError):
        with db_error(**expectation):
            sql_value("SELECT 'x'::qg_event_stream")


@pytest.mark.django_db
def test_db_error_keeps_the_test_transaction_usable() -> None:
    with db_error(sqlstate="22012"):
        sql_value("SELECT 1 / 0")
    assert sql_value("SELECT 2") == 2


@pytest.mark.django_db
def test_db_error_does_not_swallow_other_exceptions() -> None:
    with pytest.raises(KeyError):
        with db_error():
            raise KeyError("x")


# ---------------------------------------------------------------------------
# actor / set_config / open_gate
# ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_actor_sets_and_clears_the_context(actor) -> None:
    assert actor.current() is None
    acting = actor("user:me", roles=("operator",), request_id="r-1")
    assert acting.name == "user:me"
    assert sql_rows("SELECT fn_actor(), current_setting('queuegov.actor_roles')") == [("user:me", "operator")]
    actor.clear()
    assert actor.current() is None
    with db_error(sqlstate="QG001"):
        sql_value("SELECT fn_actor_required()")


@pytest.mark.django_db
def test_set_config_leaves_the_callers_actor(actor, set_config) -> None:
    actor("user:me", request_id="r-1")
    result = set_config("event.retry.max_attempts", 9)
    assert result["status"] == "applied"
    assert config_value("event.retry.max_attempts") == 9
    assert sql_rows("SELECT fn_actor(), current_setting('queuegov.request_id')") == [("user:me", "r-1")]
    assert set_config("event.retry.max_attempts", 9) is None  # already set: nothing filed


@pytest.mark.django_db
def test_open_and_close_gate(open_gate, close_gate) -> None:
    open_gate("queue.retention.enabled")
    assert sql_value("SELECT fn_gate_open('queue.retention.enabled')") is True
    close_gate("queue.retention.enabled")
    assert sql_value("SELECT fn_gate_open('queue.retention.enabled')") is False
    this_transaction = "config_key = 'queue.retention.enabled' AND requested_at >= now()"
    assert sql_value(f"SELECT count(*) FROM gate_change_request WHERE {this_transaction}") == 2


@pytest.mark.django_db
def test_failed_governed_change_restores_the_actor(actor) -> None:
    actor("user:me")
    with db_error(sqlstate="QG004"):
        request_change("queue.worker.enabled", 7)
    assert actor.current() == "user:me"


# ---------------------------------------------------------------------------
# Factories
# ---------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("trait", "decided_by_requester", "applied"),
    [("pending", None, False), ("applied", False, True), ("rejected", False, False), ("withdrawn", True, False)],
)
def test_gate_change_request_factory_traits(trait: str, decided_by_requester: bool | None, applied: bool) -> None:
    request = GateChangeRequestFactory(**{trait: True})
    assert isinstance(request, GateChangeRequest)
    assert request.status == trait
    if decided_by_requester is None:
        assert request.decided_by is None
    else:
        assert (request.decided_by == request.requested_by) is decided_by_requester
    assert config_value(request.config_id) == (request.new_value if applied else request.old_value)


@pytest.mark.django_db
def test_gate_change_request_factory_defaults_can_coexist() -> None:
    requests = GateChangeRequestFactory.create_batch(3)
    assert len({r.config_id for r in requests}) == 3
    assert all(r.config_id in SPEC_GATES and r.new_value is True for r in requests)
    setting = GateChangeRequestFactory(config_key="queue.retention.dlq_days", applied=True)
    assert (setting.old_value, setting.new_value) == (365, 366)


def test_gate_change_request_factory_build_touches_no_database() -> None:
    request = GateChangeRequestFactory.build(config_key="queue.worker.enabled", new_value=True, withdrawn=True)
    assert (request.pk, request.status, request.decided_by) == (None, "withdrawn", request.requested_by)


@pytest.mark.django_db
def test_user_factory_roles() -> None:
    operator = UserFactory()
    assert operator.is_staff and not operator.is_superuser
    assert [g.name for g in operator.groups.all()] == ["operator"]
    assert operator.has_perm("queuegov.request_gatechangerequest")
    assert not operator.has_perm("queuegov.approve_gatechangerequest")
    approver = UserFactory(approver=True)
    assert approver.has_perm("queuegov.approve_gatechangerequest")
    assert not approver.has_perm("queuegov.request_gatechangerequest")
    both = UserFactory(roles=["reviewer", "auditor"])
    assert sorted(g.name for g in both.groups.all()) == ["auditor", "reviewer"]
    assert list(UserFactory(roles=[]).groups.all()) == []
    root = UserFactory(superuser=True)
    assert root.is_superuser and root.has_perm("queuegov.approve_gatechangerequest")
    assert check_password("correct-horse-battery-staple-42", operator.password)


# ---------------------------------------------------------------------------
# Cleanup of unmanaged tables for transaction=True tests
# ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_protected_tables_are_real_unmanaged_tables() -> None:
    assert set(cleanup.PROTECTED_TABLES) <= set(cleanup.unmanaged_tables())
    assert "event_domain_registry" in cleanup.truncatable_tables()


@pytest.mark.django_db(transaction=True)
def test_cleanup_reseeds_migrated_rows(migrated_snapshot) -> None:
    domains = "SELECT event_domain, description, default_audience, status FROM event_domain_registry ORDER BY 1"
    assert "event_domain_registry" in migrated_snapshot["seeds"]
    before = sql_rows(domains)
    assert len(before) == 12
    with as_owner():
        sql_exec("INSERT INTO event_domain_registry (event_domain) VALUES ('scratch')")
        sql_exec("UPDATE event_domain_registry SET status = 'retired' WHERE event_domain = 'kg'")
        sql_exec("DELETE FROM event_domain_registry WHERE event_domain = 'tac'")

    cleanup.clean(migrated_snapshot)

    assert sql_rows(domains) == before


@pytest.mark.django_db(transaction=True)
def test_cleanup_restores_governed_state(migrated_snapshot, unique_name) -> None:
    assert not connection.in_atomic_block
    requester = unique_name("user:req")
    request_change("queue.heartbeat.enabled", True, requester=requester)  # left pending
    helpers.governed_set("event.debounce_seconds", 45)
    assert config_value("event.debounce_seconds") == 45
    audit_rows = sql_value("SELECT count(*) FROM admin_action_audit")
    with transaction.atomic():
        helpers.use_actor(requester)
        sql_value("SELECT fn_audit_record('probe.row', 'refused')")

    cleanup.clean(migrated_snapshot)

    assert config_value("event.debounce_seconds") == 90
    assert sql_rows("SELECT status FROM gate_change_request WHERE requested_by = %s", [requester]) == [("withdrawn",)]
    assert sql_value("SELECT count(*) FROM gate_change_request WHERE status = 'pending'") == 0
    # append-only rows stay (the cleanup's own governed changes add theirs):
    # transactional tests filter by their unique actor
    assert sql_value("SELECT count(*) FROM admin_action_audit") > audit_rows
    # the request, the probe and the cleanup's withdrawal (as the requester)
    assert sql_rows("SELECT action FROM admin_action_audit WHERE actor = %s ORDER BY id", [requester]) == [
        ("gate_change.request",),
        ("probe.row",),
        ("gate_change.withdraw",),
    ]
