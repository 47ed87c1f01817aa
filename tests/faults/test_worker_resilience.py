"""run_worker (django-tasks-db's worker, kept alive through database outages), in this
process: connection errors injected where the library meets them. The same behaviour against
real PostgreSQL faults is in test_worker_db_faults.py (chaos, PostgreSQL only)."""

import logging

import pytest
from django.core.management import call_command
from django.db import InterfaceError, OperationalError
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, DBTaskResultQuerySet

from ecandidat.core.management.commands import run_worker
from ecandidat.core.models import JobRun, PeriodicJob
from ecandidat.core.tasks import run_periodic_job


@pytest.fixture
def queue(settings, monkeypatch):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "email"]}
    }
    # The test process keeps its own signal handlers.
    monkeypatch.setattr(run_worker.ResilientWorker, "configure_signals", lambda self: None)
    job = PeriodicJob.objects.create(name="no-op", command="check", interval_minutes=60)
    return lambda label: run_periodic_job.enqueue(job.pk, label)


def _fail_first(monkeypatch, cls, name, errors):
    real = getattr(cls, name)
    pending = list(errors)

    def flaky(*args, **kwargs):
        if pending:
            raise pending.pop(0)
        return real(*args, **kwargs)

    monkeypatch.setattr(cls, name, flaky)
    return pending


def _work(*extra):
    call_command(
        "run_worker",
        "--batch",
        "--no-reload",
        "--no-startup-delay",
        "--max-backoff",
        "0.01",
        *extra,
    )


# Transactional: the worker closes its connections on an outage, which would end a test
# transaction on PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_the_worker_waits_for_the_database_and_goes_on(queue, monkeypatch, caplog):
    results = [queue("first"), queue("second")]
    pending = _fail_first(
        monkeypatch,
        DBTaskResultQuerySet,
        "get_locked",
        [OperationalError("connection refused"), InterfaceError("connection already closed")],
    )
    with caplog.at_level(logging.WARNING, logger="ecandidat.worker"):
        _work()
    assert pending == []
    for result in results:
        assert DBTaskResult.objects.get(id=result.id).status == TaskResultStatus.SUCCESSFUL
    assert JobRun.objects.filter(status=JobRun.Status.SUCCESS).count() == 2
    warnings = [r.getMessage() for r in caplog.records if r.name == "ecandidat.worker"]
    assert "connection refused" in warnings[0]
    assert any("reachable again" in w for w in warnings)


@pytest.mark.django_db(transaction=True)
def test_a_task_cut_by_the_outage_is_recorded_as_failed(queue, monkeypatch, caplog):
    """The database goes away while the worker records a task's outcome: once it is back,
    the task is failed (with the connection error), not RUNNING forever."""
    result = queue("cut")
    lost = OperationalError("server closed the connection unexpectedly")
    # The library tries set_successful, then set_failed (each retried by django-tasks-db):
    # both fail while the database is away.
    _fail_first(monkeypatch, DBTaskResult, "set_successful", [lost])
    _fail_first(monkeypatch, DBTaskResult, "set_failed", [lost])
    with caplog.at_level(logging.WARNING, logger="ecandidat.worker"):
        _work()
    task = DBTaskResult.objects.get(id=result.id)
    assert task.status == TaskResultStatus.FAILED
    assert task.exception_class_path == "django.db.utils.OperationalError"
    assert any("interrupted by the database outage" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_other_errors_still_stop_the_worker(queue, monkeypatch):
    """Only connection errors are waited out: anything else is a bug for the supervisor's
    restart and the log."""
    queue("any")
    _fail_first(monkeypatch, DBTaskResultQuerySet, "get_locked", [RuntimeError("a bug")])
    with pytest.raises(RuntimeError):
        _work()


def test_run_worker_takes_db_workers_options():
    from django_tasks_db.management.commands import db_worker  # noqa: PLC0415

    theirs = {a.dest for a in db_worker.Command().create_parser("manage.py", "x")._actions}
    ours = {a.dest for a in run_worker.Command().create_parser("manage.py", "x")._actions}
    assert ours == theirs | {"max_backoff"}
