import os

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from ecandidat.accounts.enums import UserKind
from ecandidat.accounts.models import IssuedDossierNumber, User

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-ecandidat-2026")

DEMO_STAFF = [
    # (login, last name, first name, superuser, groups)
    ("admin", "ADMIN", "Demo", True, []),
    ("candidates.manager", "GESTIONNAIRE", "Candidats", False, ["Candidate managers"]),
]
# Roles are Django groups; the full role and scope model comes with the back office.
GROUP_PERMISSIONS = {
    "Candidate managers": ["dossier.view_candidate_dossier"],
}
DEMO_CANDIDATE = {
    "username": "DEMO0001",
    "last_name": "LEBRUN",
    "first_name": "LAURENT",
    "email": "laurent.lebrun@example.org",
}


class Command(BaseCommand):
    help = "Create (or refresh) the demo data and print the demo logins. Demo only (DEBUG)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("setup_demo only runs with DEBUG on: it creates known passwords.")
        with transaction.atomic():
            groups = {}
            for name, permissions in GROUP_PERMISSIONS.items():
                group, _ = Group.objects.get_or_create(name=name)
                for label in permissions:
                    app_label, codename = label.split(".")
                    group.permissions.add(
                        Permission.objects.get(content_type__app_label=app_label, codename=codename)
                    )
                groups[name] = group
            for login, last_name, first_name, superuser, group_names in DEMO_STAFF:
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
                user.groups.add(*(groups[name] for name in group_names))
            candidate, created = User.objects.get_or_create(
                username=DEMO_CANDIDATE["username"],
                defaults={
                    **DEMO_CANDIDATE,
                    "kind": UserKind.CANDIDATE,
                    "activated_at": timezone.now(),
                },
            )
            if created:
                IssuedDossierNumber.objects.get_or_create(number=candidate.username)
                candidate.set_password(DEMO_PASSWORD)
                candidate.save(update_fields=["password"])
        self.print_summary()

    def print_summary(self):
        url = settings.SITE_URL
        lines = [
            "",
            "eCandidat demo is ready.",
            f"  Candidate portal:    {url}/  (create an account there)",
            f"  Emails sent:         {url}/dev/mailbox/  (also files in var/mail/)",
            f"  Staff administration {url}/staff/admin/",
            f"  Demo logins (password for all: {DEMO_PASSWORD}):",
            f"    - candidate {DEMO_CANDIDATE['username']} or {DEMO_CANDIDATE['email']} at {url}/",
        ]
        lines += [
            f"    - staff {login} ({', '.join(g) or 'administrator'}) at {url}/staff/admin/"
            for login, _l, _f, _s, g in DEMO_STAFF
        ]
        lines.append(f"    - a candidate's dossier, read-only: {url}/staff/candidates/DEMO0001/")
        self.stdout.write("\n".join(lines) + "\n")
