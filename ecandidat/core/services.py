"""What the central office does with periodic jobs: turn one on or off, run one now."""

from django.db import transaction

from ecandidat.audit import codes
from ecandidat.audit.services import record

from .models import PeriodicJob
from .tasks import run_periodic_job


def toggle_job(job: PeriodicJob, *, actor) -> PeriodicJob:
    job.enabled = not job.enabled
    job.save(update_fields=["enabled"])
    record(codes.JOB_TOGGLED, actor=actor, target=job, data={"enabled": job.enabled})
    return job


def request_run(job: PeriodicJob, *, actor) -> None:
    """Queue one run for the worker (after commit); the lock still keeps it single."""
    record(codes.JOB_RUN_REQUESTED, actor=actor, target=job)
    who = actor.get_username()
    transaction.on_commit(lambda: run_periodic_job.enqueue(job.pk, who))
