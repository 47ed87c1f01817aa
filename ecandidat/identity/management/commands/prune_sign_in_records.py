from django.core.management.base import BaseCommand

from ecandidat.identity import services


class Command(BaseCommand):
    help = "Forget consumed sign-in assertions and single-logout links no longer needed."

    def handle(self, *args, **options):
        assertions, sessions = services.prune()
        self.stdout.write(f"{assertions} assertion(s), {sessions} session link(s) forgotten.")
