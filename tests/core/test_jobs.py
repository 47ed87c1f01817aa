import threading

import pytest
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
def test_failed_job_is_recorded():
    job = PeriodicJob.objects.create(name="broken", command="no_such_command", interval_minutes=1)
    run = jobs.run_job(job)
    assert run.status == JobRun.Status.FAILED and "Unknown command" in run.log


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
