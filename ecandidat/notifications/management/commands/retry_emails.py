from django.core.management.base import BaseCommand

from ecandidat.notifications.services import retry_due_emails


class Command(BaseCommand):
    help = "Send again the outbox emails whose retry time has come (periodic job)."

    def handle(self, *args, **options):
        count = retry_due_emails()
        self.stdout.write(f"{count} email(s) retried.")
