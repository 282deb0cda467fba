"""The operations layer's tables: metric samples and archived jobs (docs/operations.md)."""

from __future__ import annotations

from django.db import models

from queuegov.fields import ReadableJSONField


class QueueMetricSample(models.Model):
    id = models.BigAutoField(primary_key=True)
    sampled_at = models.DateTimeField()
    queue_name = models.TextField()
    window_seconds = models.IntegerField()
    ready = models.BigIntegerField()
    running = models.BigIntegerField()
    succeeded = models.BigIntegerField()
    dead = models.BigIntegerField()
    events_emitted = models.BigIntegerField()
    events_pending = models.BigIntegerField()
    route_failures = models.BigIntegerField()

    class Meta:
        managed = False
        db_table = "queue_metric_sample"
        ordering = ["-sampled_at", "queue_name"]
        verbose_name = "metric sample"

    def __str__(self) -> str:
        return f"{self.sampled_at:%Y-%m-%d %H:%M} {self.queue_name}"


class JobArchive(models.Model):
    id = models.BigIntegerField(primary_key=True)
    job_kind = models.TextField()
    queue_name = models.TextField()
    status = models.TextField()
    attempts = models.IntegerField()
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True)
    archived_at = models.DateTimeField()
    snapshot = ReadableJSONField()
    result = ReadableJSONField(null=True)
    attempt_history = ReadableJSONField()

    class Meta:
        managed = False
        db_table = "job_archive"
        ordering = ["-archived_at", "-id"]
        verbose_name = "archived job"
        permissions = [("run_retention", "Can run the retention sweep")]

    def __str__(self) -> str:
        return f"archived job #{self.pk} {self.job_kind}"
