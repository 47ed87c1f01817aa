from django.core.management.base import BaseCommand

from ecandidat.applications.services import send_reminders


class Command(BaseCommand):
    help = (
        "Email candidates whose applications are not transmitted, APPLICATION_REMINDER_DAYS "
        "days before the return deadline; once per application (periodic job)."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{send_reminders()} reminder(s) sent.")
