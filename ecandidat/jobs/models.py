"""Bulk jobs: an action on many applications, an export or a download, run by the worker."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BulkJob(models.Model):
    """A bulk action on many applications, run by the worker; its progress is shown live."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=30)
    params = models.JSONField(default=dict)
    application_ids = models.JSONField(default=list)
    done = models.PositiveIntegerField(default=0)
    succeeded = models.JSONField(default=list)
    refused = models.JSONField(default=list)  # [[application id, reason], …]
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Why a failed job stopped, as shown to the person who started it (the traceback is in
    # the log, under the job's number).
    error = models.TextField(blank=True)

    class Meta:
        # The table keeps the name it had in the review app (a move of state only).
        db_table = "review_bulkjob"
        verbose_name = _("bulk action")
        verbose_name_plural = _("bulk actions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "running", "done", "failed"]),
                name="bulkjob_status_valid",
            ),
            # Finished exactly when done or failed; an error only on a failed job.
            models.CheckConstraint(
                condition=(
                    models.Q(status__in=["done", "failed"], finished_at__isnull=False)
                    | models.Q(status__in=["queued", "running"], finished_at__isnull=True)
                ),
                name="bulkjob_finished_when_over",
            ),
            models.CheckConstraint(
                condition=models.Q(status="failed") | models.Q(error=""),
                name="bulkjob_error_only_when_failed",
            ),
        ]

    def __str__(self):
        return f"{self.action} ×{len(self.application_ids)}"

    @property
    def is_over(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def total(self) -> int:
        return len(self.application_ids)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100
