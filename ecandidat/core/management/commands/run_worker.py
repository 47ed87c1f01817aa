"""The background worker: django-tasks-db's ``db_worker``, surviving database outages.

``db_worker`` raises out of its loop on the first connection error (PostgreSQL restarted,
its connection terminated) and the process exits, leaving the queue unattended until
someone restarts it. This command takes the same options and runs the same worker; when a
connection error escapes it, the broken connections are closed, the worker waits with
back-off until the database answers (``ecandidat.core.reconnect``, logged at WARNING by
``ecandidat.worker``), records the task it was running as failed if there was one, and
starts polling again.
"""

import logging
import os

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from ecandidat.core.reconnect import CONNECTION_ERRORS, DatabaseOutage

logger = logging.getLogger("ecandidat.worker")


class ResilientWorker(db_worker.Worker):
    def __init__(self, *, outage: DatabaseOutage, **options):
        super().__init__(**options)
        self.outage = outage
        self._interrupted: tuple[DBTaskResult, BaseException] | None = None

    def run(self) -> None:
        while True:
            try:
                super().run()
                return
            except CONNECTION_ERRORS as error:
                if not self.running:  # asked to stop: no point in waiting for the database
                    raise
                self.outage.wait(error)
                self._record_interrupted_task()
                # The random start-up delay is for a fleet starting together, not a restart.
                self.startup_delay = False

    def run_task(self, db_task_result: DBTaskResult) -> None:
        try:
            super().run_task(db_task_result)
        except CONNECTION_ERRORS as error:
            # The library could not record the task's outcome (the database went away
            # during the task or while saving its result): it stays RUNNING unless we record
            # it once the database is back.
            self._interrupted = (db_task_result, error)
            raise

    def _record_interrupted_task(self) -> None:
        if self._interrupted is None:
            return
        task_result, error = self._interrupted
        self._interrupted = None
        try:
            task_result.set_failed(error)
        except CONNECTION_ERRORS:
            logger.warning("task %s: its failure could not be recorded", task_result.id)
        else:
            logger.warning(
                "task %s was interrupted by the database outage: recorded as failed",
                task_result.id,
            )


class Command(db_worker.Command):
    help = (
        "Run the background worker (django-tasks-db's db_worker, same options) and keep it "
        "running through database outages: reconnects with back-off instead of exiting."
    )

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--max-backoff",
            type=float,
            default=10.0,
            help="Longest wait, in seconds, between two reconnection attempts (default: 10).",
        )

    def handle(self, *, max_backoff: float, **options) -> None:
        # db_worker.Command.handle builds its own Worker: the same steps, with ours.
        self.configure_logging(options["verbosity"])
        reload, batch = options["reload"], options["batch"]
        if reload and batch:
            logger.warning("--reload and --batch cannot be specified together: no autoreload.")
            reload = False
        queue_names = options["queue_name"].split(",")
        exclude = options["exclude_queues"]
        excluded_queue_names = exclude.split(",") if exclude else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        if max_backoff <= 0:
            raise CommandError("--max-backoff must be positive")
        worker = ResilientWorker(
            outage=DatabaseOutage(logger, what="worker", cap=max_backoff),
            queue_names=queue_names,
            interval=options["interval"],
            batch=batch,
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded_queue_names,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
