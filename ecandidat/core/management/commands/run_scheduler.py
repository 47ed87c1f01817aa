import time

from django.core.management.base import BaseCommand

from ecandidat.core.jobs import ensure_jobs, run_due


class Command(BaseCommand):
    help = (
        "Run the periodic jobs when they are due (loop; --once for cron). Several schedulers "
        "may run: each job is locked while it runs, so it never runs twice at the same time."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run what is due, then exit.")
        parser.add_argument("--interval", type=int, default=30, help="Seconds between checks.")

    def handle(self, *args, once=False, interval=30, **options):
        ensure_jobs()
        while True:
            for run in run_due():
                self.stdout.write(f"{run.job.name}: {run.status}")
            if once:
                return
            time.sleep(interval)
