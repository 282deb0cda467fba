"""Workflows: DAGs of steps on the job queue (docs/workflows.md).

Unmanaged: the tables are sql/workflows/*.sql, written only by the workflow
functions; these models are for reading (the admin).
"""

from __future__ import annotations

from django.db import models

from queuegov.fields import ReadableJSONField


class Workflow(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    id = models.BigAutoField(primary_key=True)
    name = models.TextField()
    status = models.TextField(choices=Status.choices)
    parent_step = models.ForeignKey(
        "WorkflowStep", models.DO_NOTHING, null=True, related_name="child_workflows", db_column="parent_step_id"
    )
    started_by = models.TextField(null=True)
    correlation_id = models.TextField(null=True)
    steps_total = models.IntegerField()
    steps_open = models.IntegerField()
    result = ReadableJSONField(null=True)
    cancel_reason = models.TextField(null=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "workflow"
        ordering = ("-id",)
        permissions = [("cancel_workflow", "Can cancel running workflows")]

    def __str__(self) -> str:
        return f"{self.name} #{self.id}"


class WorkflowStep(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting"
        ACTIVE = "active"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    id = models.BigAutoField(primary_key=True)
    workflow = models.ForeignKey(Workflow, models.DO_NOTHING, related_name="steps")
    name = models.TextField()
    step_kind = models.TextField()
    spec = ReadableJSONField()
    on_dependency_failure = models.TextField()
    status = models.TextField(choices=Status.choices)
    deps_total = models.IntegerField()
    deps_pending = models.IntegerField()
    deps_failed = models.IntegerField()
    job_id = models.BigIntegerField(null=True)
    child_workflow = models.ForeignKey(
        Workflow, models.DO_NOTHING, null=True, related_name="+", db_column="child_workflow_id"
    )
    result = ReadableJSONField(null=True)
    error = models.TextField(null=True)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "workflow_step"
        ordering = ("id",)
        permissions = [("retry_workflowstep", "Can retry failed workflow steps")]

    def __str__(self) -> str:
        return self.name


class WorkflowStepDependency(models.Model):
    pk = models.CompositePrimaryKey("step_id", "depends_on_id")
    step = models.ForeignKey(WorkflowStep, models.DO_NOTHING, related_name="+")
    depends_on = models.ForeignKey(WorkflowStep, models.DO_NOTHING, related_name="+")

    class Meta:
        managed = False
        db_table = "workflow_step_dependency"

    def __str__(self) -> str:
        return f"{self.step_id} after {self.depends_on_id}"
