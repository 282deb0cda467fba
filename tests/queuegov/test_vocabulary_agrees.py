"""Python's choices are the SQL vocabularies, not a second copy of them: each model field with
choices lists exactly the values its CHECK or DOMAIN constraint allows (read from pg_constraint)."""

from __future__ import annotations

import pytest

from jobs.models import Job, JobDeadLetter
from queuegov.admin_base import allowed_values
from queuegov.models import AdminActionAudit, GateChangeRequest
from staging.models import CommandRun, StagingRecord

pytestmark = pytest.mark.django_db

CHOICES = [
    (Job, "status", "job_status_allowed"),
    (JobDeadLetter, "triage_status", "dead_letter_triage_status_allowed"),
    (GateChangeRequest, "status", "gate_change_status_allowed"),
    (AdminActionAudit, "outcome", "audit_outcome_allowed"),
    (CommandRun, "run_mode", "iu_run_mode_allowed"),
    (StagingRecord, "lifecycle_status", "iu_lifecycle_status_allowed"),
]


@pytest.mark.parametrize(("model", "field", "constraint"), CHOICES, ids=[c for _, _, c in CHOICES])
def test_model_choices_are_the_constraints_values(model, field: str, constraint: str) -> None:
    choices = [value for value, _ in model._meta.get_field(field).choices]
    assert sorted(choices) == sorted(allowed_values(constraint)), f"{model.__name__}.{field} vs {constraint}"


def test_every_model_field_with_choices_is_checked() -> None:
    from django.apps import apps

    checked = {(model, field) for model, field, _ in CHOICES}
    with_choices = {
        (m, f.name)
        for m in apps.get_models()
        if not m._meta.managed and m._meta.app_label in ("jobs", "events", "staging", "queuegov")
        for f in m._meta.get_fields()
        if getattr(f, "choices", None)
    }
    assert with_choices <= checked, f"fields with choices and no vocabulary check: {sorted(with_choices - checked)}"
