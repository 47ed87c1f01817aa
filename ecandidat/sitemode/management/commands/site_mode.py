"""``manage.py site_mode [normal|maintenance|read_only] [--message-fr …] [--message-en …]``:
what a deploy script runs before and after an upgrade. Without a mode, prints the current one."""

from django.core.management.base import BaseCommand

from ecandidat.sitemode.models import Mode, SiteMode
from ecandidat.sitemode.services import set_mode


class Command(BaseCommand):
    help = "Show or switch the portal's mode (normal, maintenance, read_only)."

    def add_arguments(self, parser):
        parser.add_argument("mode", nargs="?", choices=Mode.values)
        parser.add_argument("--message-fr", default="", help="shown to visitors, in French")
        parser.add_argument("--message-en", default="", help="shown to visitors, in English")

    def handle(self, *args, mode=None, message_fr="", message_en="", **options):
        if mode is not None:
            set_mode(mode=mode, actor=None, message_fr=message_fr, message_en=message_en)
        site = SiteMode.from_database()
        self.stdout.write(f"site mode: {site.mode}")
