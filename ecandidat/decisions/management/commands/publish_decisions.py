from django.core.management.base import BaseCommand

from ecandidat.decisions.services import publish_due


class Command(BaseCommand):
    help = "Validate the decisions whose scheduled publication time has come (periodic job)."

    def handle(self, *args, **options):
        self.stdout.write(f"{publish_due()} decision(s) published.")
