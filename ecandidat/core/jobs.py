"""The periodic jobs, their default schedule, and how one run happens."""

import io
import logging
import traceback
from datetime import timedelta

from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from .models import JobRun, PeriodicJob

# name → (management command, minutes between runs)
JOBS = {
    "outbox retry": ("retry_emails", 5),
    "antivirus rescan": ("rescan_documents", 30),
    "orphan file sweep": ("sweep_orphan_files", 24 * 60),
    "scheduled decisions": ("publish_decisions", 5),
    "expired offers": ("withdraw_expired_offers", 60),
    "confirmation reminders": ("remind_confirmations", 24 * 60),
    "transmission reminders": ("remind_unsubmitted", 24 * 60),
    "campaign activation": ("activate_campaigns", 24 * 60),
    "account purge": ("purge_inactive_accounts", 24 * 60),
    "retention purge": ("purge_archived_campaigns", 24 * 60),
    "SAML metadata refresh": ("refresh_saml_metadata", 6 * 60),
    "sign-in records purge": ("prune_sign_in_records", 60),
}
logger = logging.getLogger(__name__)
# A run older than this is considered dead (worker killed) and its lock is taken over.
STALE_AFTER = timedelta(hours=2)


def ensure_jobs() -> None:
    for name, (command, minutes) in JOBS.items():
        PeriodicJob.objects.get_or_create(
            name=name, defaults={"command": command, "interval_minutes": minutes}
        )


def acquire(job: PeriodicJob, now) -> bool:
    """Take the job's lock with one conditional UPDATE: only one caller can win."""
    return bool(
        PeriodicJob.objects.filter(pk=job.pk)
        .filter(Q(running_since__isnull=True) | Q(running_since__lt=now - STALE_AFTER))
        .update(running_since=now)
    )


def run_job(job: PeriodicJob, *, triggered_by: str = "scheduler", now=None) -> JobRun | None:
    """Run the job if nobody else is running it; returns the run, or None when skipped."""
    now = now or timezone.now()
    if not acquire(job, now):
        return None
    run = JobRun.objects.create(job=job, started_at=now, triggered_by=triggered_by)
    out = io.StringIO()
    try:
        call_command(job.command, stdout=out, stderr=out)
        run.status = JobRun.Status.SUCCESS
    except Exception:
        # In the run's log (the staff jobs screen) and in the application log (alerting).
        out.write(traceback.format_exc())
        run.status = JobRun.Status.FAILED
        logger.exception("periodic job %r (%s) failed", job.name, job.command)
    finished = timezone.now()
    run.finished_at = finished
    run.log = out.getvalue()[-20_000:]
    run.save(update_fields=["status", "finished_at", "log"])
    PeriodicJob.objects.filter(pk=job.pk).update(
        running_since=None, next_run_at=next_slot(job, finished)
    )
    return run


def next_slot(job: PeriodicJob, after):
    """The job's next run: its planned time plus whole intervals, the first one after
    ``after``. A daily job planned at 02:00 stays at 02:00 however long a run takes or
    however late the scheduler was; a job never planned starts from ``after``."""
    interval = timedelta(minutes=job.interval_minutes)
    planned = job.next_run_at
    if planned is None:
        return after + interval
    if planned > after:
        return planned
    missed = (after - planned) // interval + 1
    return planned + missed * interval


def run_due(now=None) -> list[JobRun]:
    now = now or timezone.now()
    runs = []
    for job in PeriodicJob.objects.filter(enabled=True).filter(
        Q(next_run_at__isnull=True) | Q(next_run_at__lte=now)
    ):
        run = run_job(job, now=now)
        if run is not None:
            runs.append(run)
    return runs
