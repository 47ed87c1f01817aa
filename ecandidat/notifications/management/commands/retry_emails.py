from django.core.management.base import BaseCommand

from ecandidat.notifications.services import sweep


class Command(BaseCommand):
    help = (
        "The outbox's safety net (periodic job): emails left by a stopped worker go back to "
        "pending, delivery tasks it left running are marked failed, and a delivery is queued "
        "when emails are due (pending, or waiting for a retry whose time has come)."
    )

    def handle(self, *args, **options):
        report = sweep()
        self.stdout.write(
            f"{report['returned']} email(s) given back by a stopped worker, "
            f"{report['stuck_tasks']} stuck delivery task(s), "
            f"delivery {'queued' if report['due'] else 'not needed'}."
        )
