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
    added_by_job_id = models.BigIntegerField(null=True)
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
    added_open = models.IntegerField(default=0)
    job_succeeded = models.BooleanField(default=False)
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


class HumanTask(models.Model):
    """A task or approval for people (the task stream), alone or a workflow's step."""

    class Status(models.TextChoices):
        OPEN = "open"
        CLAIMED = "claimed"
        STARTED = "started"
        COMPLETED = "completed"
        REJECTED = "rejected"
        CANCELLED = "cancelled"

    id = models.BigAutoField(primary_key=True)
    task_kind = models.TextField()
    title = models.TextField()
    description = models.TextField()
    assignee_kind = models.TextField()
    assignee = models.TextField()
    status = models.TextField(choices=Status.choices)
    approvals_required = models.IntegerField(null=True)
    claimed_by = models.TextField(null=True)
    claimed_at = models.DateTimeField(null=True)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)
    finished_by = models.TextField(null=True)
    reason = models.TextField(null=True)
    result = ReadableJSONField(null=True)
    due_at = models.DateTimeField(null=True)
    overdue_raised_at = models.DateTimeField(null=True)
    subject_table = models.TextField(null=True)
    subject_ref = models.TextField(null=True)
    workflow_step = models.OneToOneField(
        WorkflowStep, models.DO_NOTHING, null=True, related_name="task", db_column="workflow_step_id"
    )
    created_by = models.TextField(null=True)
    created_at = models.DateTimeField()
    approves = models.BooleanField()

    class Meta:
        managed = False
        db_table = "human_task"
        ordering = ("-id",)
        verbose_name = "task"
        permissions = [("act_humantask", "Can claim, start, complete, reject or approve tasks assigned to them")]

    def __str__(self) -> str:
        return f"{self.title} #{self.id}"


class HumanTaskDecision(models.Model):
    pk = models.CompositePrimaryKey("task_id", "actor")
    task = models.ForeignKey(HumanTask, models.DO_NOTHING, related_name="decisions")
    actor = models.TextField()
    decision = models.TextField()
    reason = models.TextField()
    decided_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "human_task_decision"
        ordering = ("decided_at",)

    def __str__(self) -> str:
        return f"{self.actor} {self.decision} task {self.task_id}"


class MessageSubject(models.Model):
    subject_table = models.TextField(primary_key=True)
    key_column = models.TextField()
    description = models.TextField()

    class Meta:
        managed = False
        db_table = "message_subject_registry"
        ordering = ("subject_table",)

    def __str__(self) -> str:
        return self.description


class Message(models.Model):
    """A message on a subject (the comment stream), threaded."""

    id = models.BigAutoField(primary_key=True)
    subject = models.ForeignKey(MessageSubject, models.DO_NOTHING, db_column="subject_table")
    subject_ref = models.TextField()
    reply_to = models.ForeignKey("self", models.DO_NOTHING, null=True, related_name="replies")
    thread_id = models.BigIntegerField()
    author = models.TextField()
    body = models.TextField()
    recipients = ReadableJSONField()
    event_id = models.BigIntegerField(null=True)
    posted_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "subject_message"
        ordering = ("-id",)
        permissions = [("post_message", "Can post messages on subjects")]

    def __str__(self) -> str:
        return f"message #{self.id} on {self.subject_id}:{self.subject_ref}"
