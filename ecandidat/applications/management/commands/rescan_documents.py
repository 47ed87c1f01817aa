from django.core.management.base import BaseCommand

from ecandidat.applications.services import rescan_pending_files


class Command(BaseCommand):
    help = (
        "Scan the files accepted while the antivirus was unavailable; remove infected ones "
        "and tell their candidates (periodic job). A file whose content is gone is flagged "
        "and skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500)

    def handle(self, *args, limit, **options):
        counts = rescan_pending_files(limit=limit)
        self.stdout.write(
            "{clean} clean, {infected} infected and removed, {missing} missing from the "
            "storage (flagged), {unreadable} unreadable, {pending} still pending.".format(**counts)
        )
