from datetime import timedelta

from django.core.management.base import BaseCommand

from ecandidat.applications.services import sweep_orphan_files


class Command(BaseCommand):
    help = (
        "Delete the stored files no row refers to (left by an upload that failed half-way or "
        "a deletion that failed), once they are older than the grace period (periodic job)."
    )

    def add_arguments(self, parser):
        # Longer than any upload's transaction by far; a day also leaves time to notice a
        # wrong sweep before it acts.
        parser.add_argument("--grace-hours", type=float, default=24)
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args, grace_hours, dry_run, **options):
        counts = sweep_orphan_files(grace=timedelta(hours=grace_hours), dry_run=dry_run)
        verb = "to delete" if dry_run else "deleted"
        self.stdout.write(
            f"{counts['seen']} files: {counts['kept']} in use, {counts['recent']} recent "
            f"orphans kept, {counts['deleted']} orphans {verb}, {counts['failed']} failed."
        )
