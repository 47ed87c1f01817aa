from django.core.management.base import BaseCommand

from ecandidat.accounts.services import purge_never_activated


class Command(BaseCommand):
    help = (
        "Delete candidate accounts that were never activated and whose activation links have "
        "all expired (periodic job). Their dossier numbers are never reissued."
    )

    def handle(self, *args, **options):
        numbers = purge_never_activated()
        self.stdout.write(f"{len(numbers)} account(s) purged.")
