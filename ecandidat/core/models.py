"""Periodic jobs: what runs on a schedule, when it last ran, and a lock so that a job
never runs twice at the same time, however many workers or schedulers there are."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodicJob(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)
    command = models.CharField(_("management command"), max_length=50)
    interval_minutes = models.PositiveIntegerField(_("every (minutes)"))
    enabled = models.BooleanField(_("enabled"), default=True)
    next_run_at = models.DateTimeField(_("next run"), null=True, blank=True)
    # Who runs the job now (core.jobs.JobLock): since when, on which host, which process;
    # on SQLite, the lease's last renewal too (PostgreSQL holds an advisory lock instead).
    running_since = models.DateTimeField(null=True, blank=True)
    running_host = models.CharField(max_length=255, blank=True)
    running_pid = models.PositiveIntegerField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")
        ordering = ["name"]
        constraints = [
            # A holder only while running.
            models.CheckConstraint(
                condition=models.Q(running_since__isnull=False)
                | models.Q(running_host="", running_pid__isnull=True, heartbeat_at__isnull=True),
                name="periodicjob_holder_only_when_running",
            ),
        ]

    def __str__(self):
        return self.name


class JobRun(models.Model):
    class Status(models.TextChoices):
        SUCCESS = "success", _("Success")
        FAILED = "failed", _("Failed")
        # Its process died, lost the database, or an administrator released the job.
        INTERRUPTED = "interrupted", _("Interrupted")

    job = models.ForeignKey(PeriodicJob, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    log = models.TextField(blank=True)
    triggered_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at"]
        constraints = [
            # Blank while running; a status exactly when finished.
            models.CheckConstraint(
                condition=models.Q(status="", finished_at__isnull=True)
                | models.Q(
                    status__in=["success", "failed", "interrupted"], finished_at__isnull=False
                ),
                name="jobrun_status_when_finished",
            ),
        ]

    def __str__(self):
        return f"{self.job_id} {self.started_at:%Y-%m-%d %H:%M}"
