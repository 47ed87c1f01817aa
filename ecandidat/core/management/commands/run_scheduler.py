import logging
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from ecandidat.core.jobs import ensure_jobs, run_due
from ecandidat.core.reconnect import CONNECTION_ERRORS, DatabaseOutage

logger = logging.getLogger("ecandidat.scheduler")


class Command(BaseCommand):
    help = (
        "Run the periodic jobs when they are due (loop; --once for cron). Several schedulers "
        "may run: each job is locked while it runs, so it never runs twice at the same time. "
        "The loop survives database outages: it reconnects with back-off."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run what is due, then exit.")
        parser.add_argument("--interval", type=float, default=30, help="Seconds between checks.")
        parser.add_argument(
            "--max-backoff",
            type=float,
            default=10.0,
            help="Longest wait, in seconds, between two reconnection attempts (default: 10).",
        )

    def handle(self, *args, once=False, interval=30, max_backoff=10.0, **options):
        if max_backoff <= 0:
            raise CommandError("--max-backoff must be positive")
        if once:
            # From cron: an outage fails this run (non-zero exit, cron reports it) and the
            # next one tries again; there is no loop to keep alive.
            ensure_jobs()
            self._tick()
            return
        outage = DatabaseOutage(logger, what="scheduler", cap=max_backoff)
        ready = False
        while True:
            # Between ticks no lock is held: a connection the server dropped meanwhile
            # (restart, pg_terminate_backend) is noticed by the health check and replaced
            # before the first query instead of failing it.
            close_old_connections()
            try:
                if not ready:
                    ensure_jobs()
                    ready = True
                self._tick()
            except CONNECTION_ERRORS as error:
                outage.wait(error)
                continue  # what fell due during the outage runs at once
            time.sleep(interval)

    def _tick(self):
        for run in run_due():
            self.stdout.write(f"{run.job.name}: {run.status}")
