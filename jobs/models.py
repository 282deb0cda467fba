"""Unmanaged models over the job substrate created by ``sql/jobs/``."""

from __future__ import annotations

import pgtrigger
from django.contrib.postgres.fields import ArrayField
from django.db import models

from queuegov.fields import ReadableJSONField
from queuegov.triggers import DEAD_LETTER_TRIAGE_TRANSITIONS


class RetryPolicy(models.Model):
    code = models.TextField(primary_key=True)
    max_attempts = models.IntegerField()
    backoff = models.TextField()
    base_delay_seconds = models.DecimalField(max_digits=12, decimal_places=3)
    max_delay_seconds = models.DecimalField(max_digits=12, decimal_places=3)
    description = models.TextField()
    status = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "retry_policy_registry"
        ordering = ["code"]
        verbose_name = "retry policy"
        verbose_name_plural = "retry policies"

    def __str__(self) -> str:
        return self.code


class ExecutorClass(models.Model):
    code = models.TextField(primary_key=True)
    name = models.TextField()
    executor_kind = models.TextField()
    handler_ref = models.TextField(null=True)
    max_concurrency = models.IntegerField(null=True)
    status = models.TextField()
    description = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "executor_class_registry"
        ordering = ["code"]
        verbose_name = "executor class"
        verbose_name_plural = "executor classes"

    def __str__(self) -> str:
        return self.code


class QueueState(models.Model):
    queue_name = models.TextField(primary_key=True)
    paused = models.BooleanField()
    paused_by = models.TextField(null=True)
    paused_at = models.DateTimeField(null=True)
    reason = models.TextField(null=True)
    updated_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "queue_state"
        ordering = ["queue_name"]
        verbose_name = "queue"
        permissions = [
            ("pause_queuestate", "Can pause a queue"),
            ("resume_queuestate", "Can resume a queue"),
        ]

    def __str__(self) -> str:
        return self.queue_name


class Consumer(models.Model):
    job_kind = models.TextField(primary_key=True)
    executor_class = models.ForeignKey(ExecutorClass, models.DO_NOTHING, db_column="executor_class")
    queue_name = models.TextField()
    retry_policy = models.ForeignKey(RetryPolicy, models.DO_NOTHING, db_column="retry_policy")
    handler_ref = models.TextField(null=True)
    description = models.TextField()
    status = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "consumer_registry"
        ordering = ["job_kind"]
        verbose_name = "consumer"

    def __str__(self) -> str:
        return self.job_kind


class IdempotencyKey(models.Model):
    id = models.BigAutoField(primary_key=True)
    scope = models.TextField()
    key = models.TextField()
    result_ref = models.TextField(null=True)
    created_at = models.DateTimeField()
    created_by = models.TextField(null=True)
    expires_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "idempotency_key"
        ordering = ["-created_at"]
        verbose_name = "idempotency key"

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class QueueHeartbeat(models.Model):
    executor_name = models.TextField(primary_key=True)
    executor_kind = models.TextField()
    status = models.TextField()
    last_beat_at = models.DateTimeField()
    first_beat_at = models.DateTimeField()
    status_changed_at = models.DateTimeField()
    beats = models.BigIntegerField()
    meta = ReadableJSONField()

    class Meta:
        managed = False
        db_table = "queue_heartbeat"
        ordering = ["executor_name"]
        verbose_name = "executor heartbeat"

    def __str__(self) -> str:
        return self.executor_name


class ExecutorLogin(models.Model):
    """An external executor's own database login (manage.py executor_credentials)."""

    role_name = models.TextField(primary_key=True)
    executor_kind = models.TextField()
    queues = ArrayField(models.TextField(), null=True)
    created_at = models.DateTimeField()
    created_by = models.TextField()

    class Meta:
        managed = False
        db_table = "executor_login"
        ordering = ["role_name"]
        verbose_name = "executor login"

    def __str__(self) -> str:
        return self.role_name


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        CANCELLED = "cancelled"
        DEAD = "dead"

    id = models.BigAutoField(primary_key=True)
    job_kind = models.TextField()
    # The class of the job's kind, stamped at enqueue (docs/executors.md): claims are per class.
    executor_class = models.TextField()
    queue = models.ForeignKey(QueueState, models.DO_NOTHING, db_column="queue_name")
    payload = ReadableJSONField()
    priority = models.SmallIntegerField()
    status = models.TextField(choices=Status.choices)
    attempts = models.IntegerField()
    released_attempts = models.IntegerField()
    max_attempts = models.IntegerField()
    retry_policy = models.ForeignKey(RetryPolicy, models.DO_NOTHING, db_column="retry_policy")
    run_at = models.DateTimeField()
    lease_owner = models.TextField(null=True)
    lease_until = models.DateTimeField(null=True)
    last_worker_id = models.TextField(null=True)
    idempotency_key = models.TextField(null=True)
    correlation_id = models.TextField(null=True)
    created_by = models.TextField(null=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)
    last_error = models.TextField(null=True)
    result = ReadableJSONField(null=True)
    replay_of_dead_letter = models.ForeignKey(
        "JobDeadLetter", models.DO_NOTHING, null=True, related_name="replay_jobs", db_constraint=False
    )

    class Meta:
        managed = False
        db_table = "job_queue"
        ordering = ["-id"]
        verbose_name = "job"
        permissions = [
            ("cancel_job", "Can cancel queued or running jobs"),
            ("retry_job", "Can retry queued or cancelled jobs now"),
        ]

    def __str__(self) -> str:
        return f"job #{self.pk} {self.job_kind} ({self.status})"


class JobAttempt(models.Model):
    """One attempt of a live job (the job_attempt_history view: ended attempts plus the current one)."""

    pk = models.CompositePrimaryKey("job_id", "attempt")
    job = models.ForeignKey(Job, models.DO_NOTHING, related_name="attempt_history", db_constraint=False)
    attempt = models.IntegerField()
    worker_id = models.TextField(null=True)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)
    outcome = models.TextField()
    error_class = models.TextField(null=True)
    error = models.TextField(null=True)

    class Meta:
        managed = False
        db_table = "job_attempt_history"
        ordering = ["job_id", "attempt"]
        verbose_name = "job attempt"

    def __str__(self) -> str:
        return f"job #{self.job_id} attempt {self.attempt} ({self.outcome})"


class JobDeadLetter(models.Model):
    class Triage(models.TextChoices):
        OPEN = "open"
        MANUAL_REPLAY = "manual_replay"
        DISCARDED = "discarded"
        REPLAYED = "replayed"

    id = models.BigAutoField(primary_key=True)
    job = models.ForeignKey(Job, models.DO_NOTHING, related_name="dead_letters", db_constraint=False)
    job_kind = models.TextField()
    queue_name = models.TextField()
    attempts = models.IntegerField()
    max_attempts = models.IntegerField()
    last_error = models.TextField(null=True)
    job_snapshot = ReadableJSONField()
    attempt_history = ReadableJSONField()
    dead_at = models.DateTimeField()
    triage_status = models.TextField(choices=Triage.choices)
    triaged_by = models.TextField(null=True)
    triaged_at = models.DateTimeField(null=True)
    note = models.TextField(null=True)
    replayed_job = models.ForeignKey(
        Job, models.DO_NOTHING, null=True, related_name="replayed_from", db_constraint=False
    )
    replayed_by = models.TextField(null=True)
    replayed_at = models.DateTimeField(null=True)
    authorization_source = models.TextField(null=True)

    class Meta:
        managed = False
        db_table = "job_dead_letter"
        ordering = ["-dead_at", "-id"]
        verbose_name = "job dead letter"
        permissions = [
            ("triage_jobdeadletter", "Can triage job dead letters"),
            ("replay_jobdeadletter", "Can replay job dead letters"),
        ]
        triggers = [
            pgtrigger.FSM(
                name="job_dead_letter_triage_fsm",
                field="triage_status",
                transitions=DEAD_LETTER_TRIAGE_TRANSITIONS,
            ),
        ]

    def __str__(self) -> str:
        return f"dead letter #{self.pk} of job #{self.job_id} ({self.triage_status})"


class JobSchedule(models.Model):
    name = models.TextField(primary_key=True)
    cron_expression = models.TextField()
    job_kind = models.TextField()
    payload = ReadableJSONField()
    queue = models.ForeignKey(QueueState, models.DO_NOTHING, db_column="queue_name", null=True)
    priority = models.SmallIntegerField()
    enabled = models.BooleanField()
    next_run_at = models.DateTimeField(null=True)
    last_enqueued_slot = models.DateTimeField(null=True)
    last_job_id = models.BigIntegerField(null=True)
    skipped_slots = models.BigIntegerField()
    description = models.TextField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    updated_by = models.TextField(null=True)

    class Meta:
        managed = False
        db_table = "job_schedule"
        ordering = ["name"]
        verbose_name = "job schedule"
        permissions = [("toggle_jobschedule", "Can enable or disable job schedules")]

    def __str__(self) -> str:
        return self.name
