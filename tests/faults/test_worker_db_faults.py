"""The worker and the scheduler survive the database going away (issue #19, points 2 and 4).

Real processes (``manage.py run_worker``, ``manage.py run_scheduler``) run against the test
database, and the faults are real: their connections terminated by the server
(``pg_terminate_backend``), a scheduler SIGKILLed in the middle of a run, and a 15-second
outage, simulated with a TCP proxy between them and PostgreSQL that stops listening and
resets every open connection (the shared server cannot be stopped). Each test prints how
long the processes took to recover.

The periodic job they run is ``chaos_block`` (``tests/faults/worker_chaos``): a query, a
sleep of ``CHAOS_BLOCK_SECONDS``, another query.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from ecandidat.core import jobs
from ecandidat.core.models import JobRun, PeriodicJob
from ecandidat.core.tasks import run_periodic_job

from .tcp_proxy import TcpProxy

pytestmark = [pytest.mark.chaos, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
OUTAGE_SECONDS = 15


@pytest.fixture(autouse=True)
def _postgresql_only():
    # Before any database set-up: the vendor is known from the settings alone.
    if connection.vendor != "postgresql":
        pytest.skip(
            "the worker and scheduler fault tests run on PostgreSQL (advisory locks, "
            "pg_terminate_backend): DATABASE_URL=postgres://… (make test-postgres, CI)"
        )


class Processes:
    """The worker and scheduler processes of one test, stopped at its end (before the test
    database is flushed)."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.started: dict[str, tuple[subprocess.Popen, Path]] = {}
        # Processes the test killed on purpose.
        self.expected_dead: set[str] = set()

    def database_url(self, *, name: str, port: int | None = None) -> str:
        db = connection.settings_dict
        user = db["USER"] or "postgres"
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        host = "127.0.0.1" if port else (db["HOST"] or "127.0.0.1")
        return (
            f"postgres://{user}{password}@{host}:{port or db['PORT'] or 5432}/{db['NAME']}"
            f"?application_name={name}"
        )

    def start(self, name: str, *args: str, port: int | None = None, block: float = 0):
        """``manage.py *args`` as process ``name`` (its connections carry that name as their
        application_name), through the proxy on ``port`` if given."""
        log = self.tmp_path / f"{name}.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.faults.worker_chaos.settings",
            "DATABASE_URL": self.database_url(name=name, port=port),
            "TASKS_BACKEND": "database",
            "VAR_DIR": str(self.tmp_path / "var"),
            "LOG_FORMAT": "plain",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            "CHAOS_BLOCK_SECONDS": str(block),
        }
        env.pop("REDIS_URL", None)
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "manage.py", *args],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started[name] = (process, log)
        return process

    def log(self, name: str) -> str:
        return self.started[name][1].read_text(errors="replace")

    def logs(self) -> str:
        return "\n".join(f"--- {name} ---\n{self.log(name)[-3000:]}" for name in self.started)

    def alive(self, name: str) -> bool:
        return self.started[name][0].poll() is None

    def wait_for(self, probe: Callable[[], object], *, what: str, timeout: float = 60) -> float:
        """Seconds until ``probe()`` is truthy; fails if a process exits or on timeout."""
        return self.wait_each({what: probe}, timeout=timeout)[what]

    def wait_each(
        self, probes: dict[str, Callable[[], object]], *, timeout: float = 60
    ) -> dict[str, float]:
        """Seconds until each probe is truthy, measured from now; fails if a process exits
        or on timeout."""
        started = time.monotonic()
        seconds: dict[str, float] = {}
        while True:
            for what, probe in probes.items():
                if what not in seconds and probe():
                    seconds[what] = time.monotonic() - started
            if len(seconds) == len(probes):
                return seconds
            what = ", ".join(sorted(set(probes) - set(seconds)))
            for name, (process, _log) in self.started.items():
                if process.poll() is not None and name not in self.expected_dead:
                    pytest.fail(
                        f"{name} exited ({process.returncode}) while waiting for "
                        f"{what}:\n{self.logs()}"
                    )
            if time.monotonic() - started > timeout:
                pytest.fail(f"{what}: not after {timeout:.0f} s\n{self.logs()}")
            time.sleep(0.05)

    def stop_all(self):
        for process, _log in self.started.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process, _log in self.started.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def processes(tmp_path, transactional_db, settings):
    # This test process enqueues into the database queue the worker reads.
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "email"]}
    }
    procs = Processes(tmp_path)
    yield procs
    procs.stop_all()


@pytest.fixture
def proxy():
    db = connection.settings_dict
    forwarder = TcpProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
    forwarder.up()
    yield forwarder
    forwarder.stop()


def _chaos_jobs():
    """The shipped jobs off (the scheduler would otherwise run them all against the test
    database), one job for the scheduler and one, disabled, that the worker runs on demand."""
    jobs.ensure_jobs()
    PeriodicJob.objects.update(enabled=False)
    scheduled = PeriodicJob.objects.create(
        name="chaos scheduled", command="chaos_block", interval_minutes=60
    )
    on_demand = PeriodicJob.objects.create(
        name="chaos on demand", command="chaos_block", interval_minutes=60, enabled=False
    )
    return scheduled, on_demand


def _make_due(job):
    PeriodicJob.objects.filter(pk=job.pk).update(next_run_at=timezone.now())


def _successful_runs(job) -> int:
    return JobRun.objects.filter(job=job, status=JobRun.Status.SUCCESS).count()


def _enqueue(job, count: int, label: str) -> list[str]:
    return [str(run_periodic_job.enqueue(job.pk, f"{label}-{i}").id) for i in range(count)]


def _all_done(ids: list[str]) -> Callable[[], bool]:
    return lambda: (
        DBTaskResult.objects.filter(id__in=ids, status=TaskResultStatus.SUCCESSFUL).count()
        == len(ids)
    )


def _any_done(ids: list[str]) -> Callable[[], bool]:
    return lambda: DBTaskResult.objects.filter(
        id__in=ids, status=TaskResultStatus.SUCCESSFUL
    ).exists()


def _terminate(application_name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = %s AND datname = current_database()"
            " AND pid <> pg_backend_pid()",
            [application_name],
        )
        return cursor.fetchone()[0]


WORKER = (
    "run_worker",
    "--queue-name",
    "*",
    "--interval",
    "0.2",
    "--no-startup-delay",
    "--no-reload",
)
SCHEDULER = ("run_scheduler", "--interval", "0.5")


def test_terminated_connections_do_not_stop_the_worker_or_the_scheduler(processes):
    scheduled, on_demand = _chaos_jobs()
    # Each task of the worker runs a job that sleeps 2 s between two queries: long enough
    # to terminate its connection in the middle of one.
    processes.start("chaos-worker", *WORKER, block=2)
    processes.start("chaos-scheduler", *SCHEDULER)
    first = _enqueue(on_demand, 1, "before")
    processes.wait_for(_all_done(first), what="the worker's first task")
    processes.wait_for(lambda: _successful_runs(scheduled) == 1, what="the scheduler's first run")

    interrupted = _enqueue(on_demand, 1, "interrupted")
    processes.wait_for(
        lambda: DBTaskResult.objects.filter(
            id__in=interrupted, status=TaskResultStatus.RUNNING
        ).exists(),
        what="the worker starting a task",
    )
    assert _terminate("chaos-worker") >= 1  # in the middle of the task
    assert _terminate("chaos-scheduler") >= 1  # between two checks

    after = _enqueue(on_demand, 3, "after")
    _make_due(scheduled)
    took = processes.wait_each(
        {
            "first task": _any_done(after),
            "three tasks": _all_done(after),
            "scheduled run": lambda: _successful_runs(scheduled) == 2,
        }
    )
    print(
        f"\nconnections terminated: the worker ran the first task enqueued after in "
        f"{took['first task']:.1f} s and the three in {took['three tasks']:.1f} s (2 s each); "
        f"the scheduler its next due run in {took['scheduled run']:.1f} s"
    )
    assert processes.alive("chaos-worker") and processes.alive("chaos-scheduler")
    # Each task after ran its job (none skipped as if the job were still locked).
    assert (
        JobRun.objects.filter(
            job=on_demand, triggered_by__startswith="after-", status=JobRun.Status.SUCCESS
        ).count()
        == 3
    )
    # The task whose connection was cut is failed, not left RUNNING forever.
    task = DBTaskResult.objects.get(id=interrupted[0])
    assert task.status == TaskResultStatus.FAILED, processes.logs()
    assert "database unavailable" in processes.log("chaos-worker")


def test_a_killed_scheduler_does_not_block_its_job(processes):
    scheduled, _on_demand = _chaos_jobs()
    # The first scheduler's run lasts ten minutes: it is killed in the middle.
    processes.start("chaos-scheduler-1", *SCHEDULER, block=600)
    processes.wait_for(
        lambda: (
            scheduled.pk in jobs.advisory_lock_holders()
            and JobRun.objects.filter(job=scheduled).exists()
        ),
        what="the first scheduler's run",
    )
    held = PeriodicJob.objects.get(pk=scheduled.pk)
    assert held.running_pid == processes.started["chaos-scheduler-1"][0].pid
    processes.started["chaos-scheduler-1"][0].send_signal(signal.SIGKILL)
    processes.expected_dead.add("chaos-scheduler-1")
    killed_at = time.monotonic()
    processes.started["chaos-scheduler-1"][0].wait(timeout=10)
    # The server drops the lock with the dead process's connection.
    freed = processes.wait_for(
        lambda: scheduled.pk not in jobs.advisory_lock_holders(), what="the lock freed"
    )

    processes.start("chaos-scheduler-2", *SCHEDULER)
    processes.wait_for(lambda: _successful_runs(scheduled) == 1, what="the second scheduler's run")
    recovery = time.monotonic() - killed_at
    print(
        f"\nscheduler SIGKILLed mid-run: its lock was free {freed:.2f} s later; a new "
        f"scheduler, started then, ran the job {recovery:.1f} s after the kill"
    )
    # Seconds (a process start and one tick), not the two hours of the old stale lock.
    assert recovery < 60
    dead_run = JobRun.objects.filter(job=scheduled).order_by("started_at").first()
    assert dead_run.status == JobRun.Status.INTERRUPTED
    # The new scheduler lets go of the job after its run.
    processes.wait_for(
        lambda: PeriodicJob.objects.get(pk=scheduled.pk).running_pid is None,
        what="the job released after the run",
    )


def test_the_worker_and_scheduler_ride_out_a_database_outage(processes, proxy):
    scheduled, on_demand = _chaos_jobs()
    processes.start("chaos-worker", *WORKER, port=proxy.port)
    processes.start("chaos-scheduler", *SCHEDULER, port=proxy.port)
    before = _enqueue(on_demand, 2, "before")
    processes.wait_for(_all_done(before), what="the tasks before the outage")
    processes.wait_for(lambda: _successful_runs(scheduled) == 1, what="the scheduler's first run")

    proxy.down()
    down_at = time.monotonic()
    # During the outage (this process still reaches the database): work piles up.
    during = _enqueue(on_demand, 5, "during")
    _make_due(scheduled)
    time.sleep(OUTAGE_SECONDS - (time.monotonic() - down_at))
    assert processes.alive("chaos-worker"), processes.logs()
    assert processes.alive("chaos-scheduler"), processes.logs()
    assert DBTaskResult.objects.filter(id__in=during, status=TaskResultStatus.READY).count() == 5
    proxy.up()

    took = processes.wait_each(
        {
            "first task": _any_done(during),
            "five tasks": _all_done(during),
            "scheduled run": lambda: _successful_runs(scheduled) == 2,
        }
    )
    print(
        f"\n{OUTAGE_SECONDS} s outage; once the database was back, the worker ran the first "
        f"waiting task in {took['first task']:.1f} s and all five in {took['five tasks']:.1f} s, "
        f"the scheduler its due run in {took['scheduled run']:.1f} s"
    )
    assert (
        JobRun.objects.filter(
            job=on_demand, triggered_by__startswith="during-", status=JobRun.Status.SUCCESS
        ).count()
        == 5
    )
    # Within one capped back-off (10 s by default) and the work itself.
    assert took["first task"] < 15 and took["scheduled run"] < 15
    for name in ("chaos-worker", "chaos-scheduler"):
        log = processes.log(name)
        assert "database unavailable" in log and "database reachable again" in log, log
