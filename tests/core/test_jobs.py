import logging
import os
import socket
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import InterfaceError, OperationalError, connection, connections
from django.urls import reverse
from django.utils import timezone

from ecandidat.accounts.enums import StaffRole
from ecandidat.audit import codes
from ecandidat.audit.models import AuditEvent
from ecandidat.core import jobs, reconnect
from ecandidat.core.models import JobRun, PeriodicJob
from ecandidat.sitemode.services import set_mode
from tests.factories import UserFactory, staff_with_role


@pytest.mark.django_db
def test_due_jobs_run_and_are_rescheduled():
    jobs.ensure_jobs()
    runs = jobs.run_due()
    assert {r.job.name for r in runs} == set(jobs.JOBS)
    assert all(r.status == JobRun.Status.SUCCESS for r in runs)
    assert jobs.run_due() == []  # nothing is due any more
    job = PeriodicJob.objects.get(name="outbox retry")
    assert job.next_run_at > timezone.now() and job.running_since is None


@pytest.mark.django_db
def test_read_only_mode_pauses_the_periodic_jobs_until_normal():
    jobs.ensure_jobs()
    set_mode(mode="read_only", actor=None)
    assert jobs.run_due() == []
    assert not JobRun.objects.exists()
    set_mode(mode="normal", actor=None)
    assert {r.job.name for r in jobs.run_due()} == set(jobs.JOBS)


@pytest.mark.django_db
def test_a_running_job_is_not_started_twice():
    jobs.ensure_jobs()
    job = PeriodicJob.objects.get(name="account purge")
    now = timezone.now()
    lock = jobs.acquire(job, now)
    assert lock is not None
    try:
        assert jobs.run_job(job, now=now) is None  # the lock is held
        job.refresh_from_db()
        assert job.running_since == now
        assert (job.running_host, job.running_pid) == (socket.gethostname(), os.getpid())
    finally:
        lock.release(next_run_at=now)
    job.refresh_from_db()
    assert (job.running_since, job.running_host, job.running_pid) == (None, "", None)
    assert jobs.run_job(job) is not None


@pytest.mark.django_db
def test_a_dead_holders_lease_runs_out_within_a_minute():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite's lease; PostgreSQL's advisory lock is tested below")
    job = PeriodicJob.objects.create(name="purge", command="check", interval_minutes=1)
    started = timezone.now() - timedelta(seconds=30)
    # What a scheduler killed 30 s into a run leaves: the row held, the run open.
    PeriodicJob.objects.filter(pk=job.pk).update(
        running_since=started, running_host="gone", running_pid=1, heartbeat_at=started
    )
    dead = JobRun.objects.create(job=job, started_at=started, triggered_by="scheduler")
    assert jobs.run_job(job) is None  # the lease is still fresh
    later = started + jobs.LEASE + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        run = jobs.run_job(job, now=later)
    assert run is not None and run.status == JobRun.Status.SUCCESS
    dead.refresh_from_db()
    assert dead.status == JobRun.Status.INTERRUPTED and dead.finished_at == later
    assert "interrupted" in dead.log


@pytest.mark.django_db(transaction=True)
def test_the_running_process_renews_its_lease(monkeypatch):
    if connection.vendor == "postgresql":
        pytest.skip("the lease is SQLite's lock")
    monkeypatch.setattr(jobs, "HEARTBEAT", timedelta(seconds=0.05))
    job = PeriodicJob.objects.create(name="slow", command="check", interval_minutes=1)
    started = timezone.now()
    lock = jobs.acquire(job, started)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.heartbeat_at > started:
                break
            time.sleep(0.05)
        assert job.heartbeat_at > started
    finally:
        lock.release(next_run_at=started)
    assert not lock._heartbeat.is_alive()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_advisory_lock_goes_with_the_holders_session():
    """A holder whose connection ends (process killed, connection terminated) frees the job
    at once: the next run takes it and closes the dead run as interrupted."""
    if connection.vendor != "postgresql":
        pytest.skip("runs on PostgreSQL (make test-postgres, CI)")
    job = PeriodicJob.objects.create(name="purge", command="check", interval_minutes=1)
    held, die = threading.Event(), threading.Event()

    def holder():
        try:
            jobs.acquire(job, timezone.now())
            JobRun.objects.create(job=job, started_at=timezone.now(), triggered_by="killed")
            held.set()
            die.wait(10)
        finally:
            connection.close()  # the session ends without unlocking: the server frees it

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert held.wait(10)
        assert jobs.advisory_lock_holders().keys() == {job.pk}
        [holder_info] = jobs.holders([PeriodicJob.objects.get(pk=job.pk)]).values()
        assert holder_info.alive and holder_info.pid == os.getpid()
        assert jobs.run_job(job) is None
    finally:
        die.set()
        thread.join()
    # The server ends the closed session's backend, and its locks, a moment later.
    deadline = time.monotonic() + 10
    while jobs.advisory_lock_holders() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert jobs.advisory_lock_holders() == {}
    [holder_info] = jobs.holders([PeriodicJob.objects.get(pk=job.pk)]).values()
    assert not holder_info.alive
    run = jobs.run_job(job)
    assert run is not None and run.status == JobRun.Status.SUCCESS
    assert JobRun.objects.get(job=job, triggered_by="killed").status == "interrupted"
    assert jobs.advisory_lock_holders() == {}  # released after the run


@pytest.mark.django_db
def test_failed_job_is_recorded_and_logged(caplog):
    job = PeriodicJob.objects.create(name="broken", command="no_such_command", interval_minutes=1)
    with caplog.at_level(logging.ERROR, logger="ecandidat.core.jobs"):
        run = jobs.run_job(job)
    assert run.status == JobRun.Status.FAILED and "Unknown command" in run.log
    [entry] = [r for r in caplog.records if r.name == "ecandidat.core.jobs"]
    assert "broken" in entry.getMessage() and entry.exc_info is not None


def _daily(planned):
    return PeriodicJob(name="daily", command="x", interval_minutes=24 * 60, next_run_at=planned)


def test_a_daily_job_keeps_its_wall_clock_time():
    two_am = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    # A run that took 40 minutes is next planned at 02:00 the next day, not 02:40.
    assert jobs.next_slot(_daily(two_am), two_am + timedelta(minutes=40)) == two_am + timedelta(
        days=1
    )
    # The scheduler was down for three days and a half: the next 02:00 after now.
    late = two_am + timedelta(days=3, hours=12)
    assert jobs.next_slot(_daily(two_am), late) == two_am + timedelta(days=4)
    # A manual run before the planned time leaves the plan alone.
    assert jobs.next_slot(_daily(two_am), two_am - timedelta(hours=5)) == two_am
    # Never planned: one interval from now.
    assert jobs.next_slot(_daily(None), two_am) == two_am + timedelta(days=1)


@pytest.mark.django_db
def test_the_schedule_does_not_drift_over_runs():
    job = PeriodicJob.objects.create(
        name="no-op", command="check", interval_minutes=60, next_run_at=timezone.now()
    )
    planned = job.next_run_at
    for hour in range(1, 4):
        # Each run starts 7 minutes late and ends 7 minutes later still.
        with time_machine.travel(planned + timedelta(hours=hour - 1, minutes=14), tick=False):
            job.refresh_from_db()
            jobs.run_job(job, now=planned + timedelta(hours=hour - 1, minutes=7))
        job.refresh_from_db()
        assert job.next_run_at == planned + timedelta(hours=hour)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_never_run_the_same_job_together():
    if connection.vendor != "postgresql":
        pytest.skip("runs on PostgreSQL (make test-postgres, CI)")
    job = PeriodicJob.objects.create(
        name="purge", command="purge_inactive_accounts", interval_minutes=1
    )
    barrier = threading.Barrier(2)
    results = []

    def worker():
        try:
            barrier.wait()
            lock = jobs.acquire(job, timezone.now())
            results.append(lock is not None)
            barrier.wait()  # both have tried before the winner lets go
            if lock is not None:
                lock.release(next_run_at=timezone.now())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]


@pytest.mark.django_db
def test_jobs_screen_for_administrators_only(client, django_capture_on_commit_callbacks):
    admin = staff_with_role(StaffRole.ADMINISTRATOR)
    client.force_login(admin)
    assert client.get(reverse("staff:jobs")).status_code == 200
    job = PeriodicJob.objects.get(name="account purge")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("staff:job_action", args=[job.pk, "run"]))
    assert JobRun.objects.filter(job=job, triggered_by=admin.username).exists()
    client.post(reverse("staff:job_action", args=[job.pk, "toggle"]))
    assert not PeriodicJob.objects.get(pk=job.pk).enabled
    for user in [staff_with_role(StaffRole.CENTRAL_OFFICE), UserFactory()]:
        client.force_login(user)
        assert client.get(reverse("staff:jobs")).status_code == 404


def _held_by_a_dead_scheduler(job, *, minutes_ago=5):
    """What a scheduler SIGKILLed during a run leaves behind (no lock on PostgreSQL: the
    server dropped it with the connection; on SQLite a lease nobody renews)."""
    since = timezone.now() - timedelta(minutes=minutes_ago)
    PeriodicJob.objects.filter(pk=job.pk).update(
        running_since=since,
        running_host="worker-3.example.org",
        running_pid=4242,
        heartbeat_at=since,
    )
    JobRun.objects.create(job=job, started_at=since, triggered_by="scheduler")
    return since


@pytest.mark.django_db
def test_the_jobs_screen_shows_who_runs_a_job_and_releases_it(client):
    admin = staff_with_role(StaffRole.ADMINISTRATOR)
    client.force_login(admin)
    jobs.ensure_jobs()
    job = PeriodicJob.objects.get(name="outbox retry")
    since = _held_by_a_dead_scheduler(job)
    page = client.get(reverse("staff:jobs")).content.decode()
    assert "worker-3.example.org, process 4242" in page
    assert "interrupted" in page  # its process is gone
    assert reverse("staff:job_release", args=[job.pk]) in page

    confirm = client.get(reverse("staff:job_release", args=[job.pk]))
    assert confirm.status_code == 200
    assert "worker-3.example.org" in confirm.content.decode()
    assert confirm.context["since"] == since.isoformat()
    # Not ticked: nothing happens.
    client.post(reverse("staff:job_release", args=[job.pk]), {"since": since.isoformat()})
    assert PeriodicJob.objects.get(pk=job.pk).running_since == since
    # A run other than the one confirmed (the job finished and started again meanwhile).
    response = client.post(
        reverse("staff:job_release", args=[job.pk]),
        {"since": (since + timedelta(seconds=1)).isoformat(), "confirm": "1"},
        follow=True,
    )
    assert "no longer in the state you saw" in response.content.decode()
    assert PeriodicJob.objects.get(pk=job.pk).running_since == since

    response = client.post(
        reverse("staff:job_release", args=[job.pk]),
        {"since": since.isoformat(), "confirm": "1"},
        follow=True,
    )
    assert "Released" in response.content.decode()
    job.refresh_from_db()
    assert (job.running_since, job.running_host, job.running_pid) == (None, "", None)
    run = job.runs.get()
    assert run.status == JobRun.Status.INTERRUPTED and f"released by {admin.username}" in run.log
    event = AuditEvent.objects.for_object(job).get(action=codes.JOB_RELEASED)
    assert event.actor == admin
    assert event.data["host"] == "worker-3.example.org" and event.data["pid"] == 4242
    assert event.data["alive"] is False and event.data["terminated"] is False
    # Nothing to release any more.
    assert client.get(reverse("staff:job_release", args=[job.pk])).status_code == 302


@pytest.mark.django_db
def test_only_administrators_release_jobs(client):
    jobs.ensure_jobs()
    job = PeriodicJob.objects.get(name="outbox retry")
    since = _held_by_a_dead_scheduler(job)
    for user in [staff_with_role(StaffRole.CENTRAL_OFFICE), UserFactory()]:
        client.force_login(user)
        url = reverse("staff:job_release", args=[job.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"since": since.isoformat(), "confirm": "1"}).status_code == 404
    assert PeriodicJob.objects.get(pk=job.pk).running_since == since
    assert not AuditEvent.objects.filter(action=codes.JOB_RELEASED).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_releasing_a_live_holder_ends_its_database_session(client):
    """A run stuck while holding its advisory lock: the release terminates the holder's
    session (the only way to free another session's lock), so the next run can start."""
    if connection.vendor != "postgresql":
        pytest.skip("runs on PostgreSQL (make test-postgres, CI)")
    admin = staff_with_role(StaffRole.ADMINISTRATOR)
    job = PeriodicJob.objects.create(name="stuck", command="check", interval_minutes=1)
    held, done = threading.Event(), threading.Event()
    seen = {}

    def stuck_holder():
        try:
            jobs.acquire(job, timezone.now())
            held.set()
            done.wait(10)
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
            except Exception as error:  # what the holder meets next
                seen["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=stuck_holder)
    thread.start()
    try:
        assert held.wait(10)
        job.refresh_from_db()
        client.force_login(admin)
        response = client.post(
            reverse("staff:job_release", args=[job.pk]),
            {"since": job.running_since.isoformat(), "confirm": "1"},
            follow=True,
        )
        assert "database session holding the job was ended" in response.content.decode()
        assert jobs.run_job(job) is not None
    finally:
        done.set()
        thread.join()
    assert isinstance(seen.get("error"), OperationalError | InterfaceError)
    event = AuditEvent.objects.get(action=codes.JOB_RELEASED)
    assert event.data["terminated"] is True and event.data["alive"] is True


def test_the_outage_back_off_doubles_up_to_its_cap_and_is_logged(caplog):
    sleeps, clock = [], [0.0]
    failures = iter([OperationalError("refused")] * 7)

    def probe():
        if error := next(failures, None):
            raise error

    def sleep(seconds):
        sleeps.append(seconds)
        clock[0] += seconds

    outage = reconnect.DatabaseOutage(
        logging.getLogger("ecandidat.scheduler"),
        what="scheduler",
        base=0.5,
        cap=4.0,
        sleep=sleep,
        clock=lambda: clock[0],
        probe=probe,
    )
    with caplog.at_level(logging.WARNING, logger="ecandidat.scheduler"):
        lasted = outage.wait(InterfaceError("connection already closed"))
    ceilings = [0.5, 1, 2, 4, 4, 4, 4, 4]  # 7 failed probes, then one that answers
    assert len(sleeps) == len(ceilings)
    assert all(c / 2 <= s <= c for s, c in zip(sleeps, ceilings, strict=True))
    assert lasted == pytest.approx(sum(sleeps))
    records = [r for r in caplog.records if r.name == "ecandidat.scheduler"]
    assert all(r.levelno == logging.WARNING for r in records)
    messages = [r.getMessage() for r in records]
    assert "InterfaceError: connection already closed" in messages[0]
    assert "OperationalError: refused" in messages[1] and "attempt 8" in messages[7]
    assert "reachable again after" in messages[-1] and "(attempts: 8)" in messages[-1]

    # Failing again soon after a recovery continues the back-off; after an hour of good
    # health it starts over.
    sleeps.clear()
    outage.wait(OperationalError("again"))
    assert sleeps[0] >= 2.0
    clock[0] += 3600
    sleeps.clear()
    outage.wait(OperationalError("much later"))
    assert sleeps[0] <= 0.5
    outage.attempt = 10_000  # a database away for days: still the cap
    assert outage.delay() <= 4.0


# Transactional: the scheduler closes its connections on an outage, which would end a test
# transaction on PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_the_scheduler_loop_survives_connection_errors(monkeypatch, caplog):
    """run_scheduler keeps looping through connection errors (logged, backed off) and runs
    what is due once the database answers; --once lets the error out, for cron."""
    from ecandidat.core.management.commands import run_scheduler  # noqa: PLC0415

    class Stop(Exception):
        pass

    calls = []

    def run_due():
        calls.append(len(calls))
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        if len(calls) == 2:
            raise InterfaceError("connection already closed")
        raise Stop

    monkeypatch.setattr(run_scheduler, "run_due", run_due)
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    with caplog.at_level(logging.WARNING, logger="ecandidat.scheduler"), pytest.raises(Stop):
        call_command("run_scheduler", interval=0)
    assert len(calls) == 3
    warnings = [r.getMessage() for r in caplog.records if r.name == "ecandidat.scheduler"]
    assert "server closed the connection unexpectedly" in warnings[0]
    assert any("reachable again" in w for w in warnings)

    calls.clear()
    with pytest.raises(OperationalError):
        call_command("run_scheduler", once=True)
    assert len(calls) == 1


@pytest.mark.django_db
def test_a_failure_between_the_lock_and_the_run_lets_go_of_the_lock(monkeypatch):
    """The database goes away just after the lock was taken: the error propagates, and the
    lock is not left behind in this process (which would then refuse the job for good)."""
    job = PeriodicJob.objects.create(name="purge", command="check", interval_minutes=1)
    real = jobs.interrupt_open_runs
    failures = [OperationalError("terminating connection due to administrator command")]

    def flaky(*args, **kwargs):
        if failures:
            raise failures.pop()
        return real(*args, **kwargs)

    monkeypatch.setattr(jobs, "interrupt_open_runs", flaky)
    with pytest.raises(OperationalError):
        jobs.run_job(job)
    job.refresh_from_db()
    assert job.running_since is None
    run = jobs.run_job(job)
    assert run is not None and run.status == JobRun.Status.SUCCESS
    if connection.vendor == "postgresql":
        assert jobs.advisory_lock_holders() == {}
