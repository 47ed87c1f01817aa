from django.core.management.base import BaseCommand

from ecandidat.applications.retention import purge_archived


class Command(BaseCommand):
    help = (
        "Delete the applications (and their files) of campaigns archived for longer than the "
        "retention period set by the central office (periodic job)."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{purge_archived()} application(s) deleted.")
