from django.core.management.base import BaseCommand

from ecandidat.catalog.services import activate_due_campaigns


class Command(BaseCommand):
    help = "Activate the prepared campaign whose start date has come (periodic job)."

    def handle(self, *args, **options):
        campaign = activate_due_campaigns()
        self.stdout.write(f"Activated {campaign.code}." if campaign else "Nothing to activate.")
