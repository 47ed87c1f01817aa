from django.core.management.base import BaseCommand

from ecandidat.decisions.services import remind_confirmation


class Command(BaseCommand):
    help = (
        "Remind candidates who have not answered an offer, CONFIRMATION_REMINDER_DAYS before "
        "the deadline, once (periodic job)."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{remind_confirmation()} reminder(s) sent.")
