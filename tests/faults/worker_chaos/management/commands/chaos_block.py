import os
import time

from django.core.management.base import BaseCommand
from django.db import connection


class Command(BaseCommand):
    help = (
        "A periodic job for the fault tests: one query, then sleeps CHAOS_BLOCK_SECONDS "
        "(from the process's environment; 0 by default), then one more query."
    )

    def handle(self, *args, **options):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        time.sleep(float(os.environ.get("CHAOS_BLOCK_SECONDS", "0")))
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        self.stdout.write(f"done in process {os.getpid()}")
