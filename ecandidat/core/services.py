"""What the central office does with periodic jobs: turn one on or off, run one now, release
a stuck run."""

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecandidat.audit import codes
from ecandidat.audit.services import record
from ecandidat.common.errors import DomainError

from . import jobs
from .models import PeriodicJob
from .tasks import run_periodic_job


class ReleaseRefused(DomainError):
    """The job is not in the state the administrator saw (it finished, or another run
    started): nothing was done."""

    default_message = _("The job is no longer in the state you saw: look at it again.")


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


def release_job(job: PeriodicJob, *, actor, seen_since: datetime | None) -> bool:
    """Free a job whose run is stuck, so that the next tick starts it again.

    ``seen_since`` is the start of the run the administrator confirmed: if the job has
    finished or another run started since, nothing is done (``ReleaseRefused``).

    On PostgreSQL the lock belongs to the holder's database session, and the only way to
    free it is to end that session (``pg_terminate_backend``): a holder still alive loses
    its connection, its run fails at its next query and the process reconnects. On SQLite
    the lease is cleared; a holder still alive may then overlap with the next run, which
    the confirmation page says. The job's open runs are closed as interrupted. Returns
    whether a database session was terminated."""
    with transaction.atomic():
        job = PeriodicJob.objects.select_for_update().get(pk=job.pk)
        holder = jobs.holders([job]).get(job.pk)
        if holder is None or holder.since != seen_since:
            raise ReleaseRefused()
        terminated = False
        if holder.backend_pid is not None and connection.vendor == "postgresql":
            # PostgreSQL 14+ waits (up to 5 s) until the session has ended, so the lock is
            # free when the page says so; before 14 the signal is sent and the session ends
            # a moment later.
            if connection.pg_version >= 140000:  # type: ignore[attr-defined]
                terminate = "pg_terminate_backend(%s, 5000)"
            else:
                terminate = "pg_terminate_backend(%s)"
            with connection.cursor() as cursor:
                # Never this request's own session (a job run in the web process).
                cursor.execute(
                    "SELECT " + terminate + " WHERE %s <> pg_backend_pid()",
                    [holder.backend_pid, holder.backend_pid],
                )
                row = cursor.fetchone()
                terminated = bool(row and row[0])
        PeriodicJob.objects.filter(pk=job.pk).update(
            running_since=None, running_host="", running_pid=None, heartbeat_at=None
        )
        who = actor.get_username()
        jobs.interrupt_open_runs(job, now=timezone.now(), reason=f"released by {who}")
        record(
            codes.JOB_RELEASED,
            actor=actor,
            target=job,
            data={
                "running_since": holder.since.isoformat() if holder.since else None,
                "host": holder.host,
                "pid": holder.pid,
                "alive": holder.alive,
                "backend_pid": holder.backend_pid,
                "terminated": terminated,
            },
        )
    return terminated
