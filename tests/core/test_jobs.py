import logging
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from ecandidat.accounts.enums import StaffRole
from ecandidat.core import jobs
from ecandidat.core.models import JobRun, PeriodicJob
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
def test_a_running_job_is_not_started_twice():
    jobs.ensure_jobs()
    job = PeriodicJob.objects.get(name="account purge")
    now = timezone.now()
    assert jobs.acquire(job, now)
    assert jobs.run_job(job, now=now) is None  # the lock is held
    PeriodicJob.objects.filter(pk=job.pk).update(running_since=now - jobs.STALE_AFTER * 2)
    assert jobs.run_job(job) is not None  # a dead run's lock is taken over


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
            results.append(jobs.acquire(job, timezone.now()))
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
