import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from ecandidat.accounts.enums import UserKind
from ecandidat.accounts.models import User

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-ecandidat-2026")

DEMO_STAFF = [
    # (login, last name, first name, superuser)
    ("admin", "ADMIN", "Demo", True),
]


class Command(BaseCommand):
    help = "Create (or refresh) the demo data and print the demo logins. Demo only (DEBUG)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("setup_demo only runs with DEBUG on: it creates known passwords.")
        with transaction.atomic():
            for login, last_name, first_name, superuser in DEMO_STAFF:
                user, created = User.objects.get_or_create(
                    username=login,
                    defaults={
                        "kind": UserKind.STAFF,
                        "last_name": last_name,
                        "first_name": first_name,
                        "email": f"{login}@ecandidat.local",
                        "is_staff": True,
                        "is_superuser": superuser,
                        "activated_at": timezone.now(),
                    },
                )
                if created:
                    user.set_password(DEMO_PASSWORD)
                    user.save(update_fields=["password"])
        self.print_summary()

    def print_summary(self):
        url = settings.SITE_URL
        lines = [
            "",
            "eCandidat demo is ready.",
            f"  Candidate portal:    {url}/  (create an account there)",
            f"  Emails sent:         {url}/dev/mailbox/  (also files in var/mail/)",
            f"  Staff administration {url}/staff/admin/",
            "  Demo staff logins (password for all: " + DEMO_PASSWORD + "):",
        ]
        lines += [f"    - {login}" for login, *_ in DEMO_STAFF]
        self.stdout.write("\n".join(lines) + "\n")
