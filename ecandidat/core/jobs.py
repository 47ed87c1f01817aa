"""The periodic jobs, their default schedule, and how one run happens.

A job never runs twice at the same time, whichever scheduler or worker starts it, and a
process that dies while running one does not block it:

- on PostgreSQL the lock is an advisory lock of the database session
  (``pg_try_advisory_lock``): the server releases it the moment the holder's connection
  ends, whether the process exited, was killed or lost its connection. The next tick of any
  scheduler takes the job. (Session locks need a session: through PgBouncer, use session
  pooling for the worker and the scheduler, never transaction pooling.)
- on SQLite (the embedded demo) there are no such locks: the job's row is leased for
  ``LEASE`` and the running process renews the lease every ``HEARTBEAT`` from a thread; a
  dead holder's lease runs out and the next tick takes the job over.

The row also says since when, on which host and by which process a job runs, for the
*Periodic jobs* screen, where an administrator can release a stuck run
(``core.services.release_job``).
"""

import io
import logging
import os
import socket
import threading
import traceback
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.management import call_command
from django.db import DatabaseError, connection
from django.db.models import F, Q, Value
from django.db.models.functions import Concat
from django.utils import timezone

from ecandidat.sitemode.models import SiteMode

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

# The first key of our advisory locks (the second is the job's id): other code using
# advisory locks on the same database picks other namespaces. "jobs" in ASCII.
LOCK_NAMESPACE = 0x6A6F6273
# SQLite: a run's lease, renewed every HEARTBEAT while it runs.
LEASE = timedelta(seconds=60)
HEARTBEAT = timedelta(seconds=15)

# Job ids whose advisory lock each database session of this process holds: PostgreSQL
# grants a session a lock it already holds again (the locks are re-entrant), so a second run
# started from the same connection would not be refused by the server. Keyed by the driver's
# connection, so a session that was replaced (after an outage) starts with none, as the
# server does.
_held_by_session: "weakref.WeakKeyDictionary[object, set[int]]" = weakref.WeakKeyDictionary()


def _held_here() -> set[int]:
    """The current session's set (a throw-away one when no session is open: it holds none;
    and on SQLite, which has no advisory locks)."""
    if connection.connection is None or not uses_advisory_locks():
        return set()
    return _held_by_session.setdefault(connection.connection, set())


def ensure_jobs() -> None:
    for name, (command, minutes) in JOBS.items():
        PeriodicJob.objects.get_or_create(
            name=name, defaults={"command": command, "interval_minutes": minutes}
        )


def uses_advisory_locks() -> bool:
    return connection.vendor == "postgresql"


def _this_process() -> tuple[str, int]:
    return socket.gethostname()[:255], os.getpid()


class JobLock:
    """The lock on one job, held by this process from ``acquire`` to ``release``."""

    def __init__(self, job: PeriodicJob, since: datetime):
        self.job, self.since = job, since
        self.host, self.pid = _this_process()
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None

    def _mine(self):
        return PeriodicJob.objects.filter(
            pk=self.job.pk, running_since=self.since, running_pid=self.pid, running_host=self.host
        )

    def _claim_row(self) -> int:
        """Write the holder on the job's row; on SQLite only if nobody live holds it."""
        rows = PeriodicJob.objects.filter(pk=self.job.pk)
        if not uses_advisory_locks():
            rows = rows.filter(
                Q(running_since__isnull=True)
                | Q(heartbeat_at__lt=self.since - LEASE)
                | Q(heartbeat_at__isnull=True, running_since__lt=self.since - LEASE)
            )
        return rows.update(
            running_since=self.since,
            running_host=self.host,
            running_pid=self.pid,
            heartbeat_at=None if uses_advisory_locks() else self.since,
        )

    def acquire(self) -> bool:
        if uses_advisory_locks():
            connection.ensure_connection()
            if self.job.pk in _held_here():
                return False
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_try_advisory_lock(%s::int4, %s::int4)", [LOCK_NAMESPACE, self.job.pk]
                )
                if not cursor.fetchone()[0]:
                    return False
            _held_here().add(self.job.pk)
        try:
            if not self._claim_row():
                # Someone else's live lease (SQLite), or the job was deleted: not ours.
                if uses_advisory_locks():
                    self._unlock()
                return False
            # Whatever run of this job is still open belongs to a holder that is gone.
            interrupt_open_runs(
                self.job, now=self.since, reason="the process running it stopped before the end"
            )
        except BaseException:
            # The database went away between the lock and the run: let go of the lock here
            # (a leftover would make this process refuse the job for good).
            self.abandon()
            raise
        if not uses_advisory_locks():
            self._heartbeat = threading.Thread(
                target=self._beat, name=f"job-{self.job.pk}-heartbeat", daemon=True
            )
            self._heartbeat.start()
        return True

    def _beat(self) -> None:
        try:
            while not self._stop.wait(HEARTBEAT.total_seconds()):
                try:
                    if not self._mine().update(heartbeat_at=timezone.now()):
                        logger.warning("periodic job %r: lease lost (released?)", self.job.name)
                        return
                except DatabaseError as error:
                    logger.warning("periodic job %r: heartbeat failed: %s", self.job.name, error)
        finally:
            # The thread's own connection.
            connection.close()

    def _unlock(self) -> None:
        _held_here().discard(self.job.pk)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_unlock(%s::int4, %s::int4)", [LOCK_NAMESPACE, self.job.pk]
            )
            if not cursor.fetchone()[0]:
                # The connection was replaced during the run (the server had already
                # released the lock with the old one): say so, the run may have overlapped.
                logger.warning("periodic job %r: its lock was lost during the run", self.job.name)

    def release(self, *, next_run_at: datetime) -> None:
        """Free the row (if it is still ours: an administrator may have released it) and
        plan the next run; then the advisory lock, or stop the heartbeat."""
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join()
        try:
            self._mine().update(
                running_since=None, running_host="", running_pid=None, heartbeat_at=None
            )
            PeriodicJob.objects.filter(pk=self.job.pk).update(next_run_at=next_run_at)
        finally:
            if uses_advisory_locks() and self.job.pk in _held_here():
                self._unlock()

    def abandon(self) -> None:
        """After an error while recording the run: let go of what can be let go of. The
        database may be gone (that is often why we are here); then the server has dropped
        the advisory lock with the connection, or the lease runs out, and the run left open
        is closed as interrupted by the next holder."""
        self._stop.set()
        try:
            self._mine().update(
                running_since=None, running_host="", running_pid=None, heartbeat_at=None
            )
            if uses_advisory_locks() and self.job.pk in _held_here():
                self._unlock()
        except DatabaseError:
            pass
        finally:
            _held_here().discard(self.job.pk)


def acquire(job: PeriodicJob, now: datetime) -> JobLock | None:
    """Take the job's lock, or None when someone else holds it."""
    lock = JobLock(job, now)
    return lock if lock.acquire() else None


def interrupt_open_runs(job: PeriodicJob, *, now: datetime, reason: str) -> int:
    """Close the job's unfinished runs as interrupted, with ``reason`` in their log."""
    return JobRun.objects.filter(job=job, finished_at__isnull=True).update(
        status=JobRun.Status.INTERRUPTED,
        finished_at=now,
        log=Concat(F("log"), Value(f"\n[interrupted: {reason}]")),
    )


def run_job(job: PeriodicJob, *, triggered_by: str = "scheduler", now=None) -> JobRun | None:
    """Run the job if nobody else is running it; returns the run, or None when skipped.

    A database error while recording the run propagates (the caller backs off and
    reconnects); the lock then goes with the connection (PostgreSQL) or the lease."""
    now = now or timezone.now()
    lock = acquire(job, now)
    if lock is None:
        return None
    try:
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
        lock.release(next_run_at=next_slot(job, finished))
    except BaseException:
        lock.abandon()
        raise
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
    """Run the jobs whose time has come; none while the site is read-only (they run at the
    first tick once it is normal again: their next run stays due)."""
    if SiteMode.from_database().pauses_jobs:
        logger.info("site read-only: periodic jobs wait")
        return []
    now = now or timezone.now()
    runs = []
    for job in PeriodicJob.objects.filter(enabled=True).filter(
        Q(next_run_at__isnull=True) | Q(next_run_at__lte=now)
    ):
        run = run_job(job, now=now)
        if run is not None:
            runs.append(run)
    return runs


# What the staff screen shows about a running job ------------------------------------------


@dataclass(frozen=True)
class Holder:
    """Who runs a job, as far as the database knows."""

    since: datetime | None
    host: str
    pid: int | None
    # The lock is held by a live session (PostgreSQL) or the lease is fresh (SQLite).
    alive: bool
    # PostgreSQL: the backend (server process) holding the advisory lock.
    backend_pid: int | None = None


def advisory_lock_holders() -> dict[int, int]:
    """PostgreSQL: job id → backend pid of the session holding its lock (one query)."""
    if not uses_advisory_locks():
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT objid, pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = %s::int4::oid AND objsubid = 2"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [LOCK_NAMESPACE],
        )
        return {int(objid): pid for objid, pid in cursor.fetchall()}


def holders(jobs: list[PeriodicJob], *, now: datetime | None = None) -> dict[int, Holder]:
    """The holder of each running job among ``jobs``, by job id."""
    now = now or timezone.now()
    locks = advisory_lock_holders()
    result = {}
    for job in jobs:
        if job.running_since is None and job.pk not in locks:
            continue
        if uses_advisory_locks():
            alive = job.pk in locks
        else:
            beat = job.heartbeat_at or job.running_since
            alive = beat is not None and beat >= now - LEASE
        result[job.pk] = Holder(
            since=job.running_since,
            host=job.running_host,
            pid=job.running_pid,
            alive=alive,
            backend_pid=locks.get(job.pk),
        )
    return result
