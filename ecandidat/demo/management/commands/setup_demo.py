import contextlib
import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone, translation

from ecandidat.accounts.enums import StaffRole, UserKind
from ecandidat.accounts.models import IssuedDossierNumber, RoleAssignment, User
from ecandidat.demo.applications import load_demo_applications
from ecandidat.demo.catalog import load_demo_catalog
from ecandidat.files import antivirus

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-ecandidat-2026")

# (login, last name, first name, role, centre code, commission code)
DEMO_STAFF = [
    ("admin", "ADMIN", "Demo", StaffRole.ADMINISTRATOR, None, None),
    ("scolarite", "CENTRALE", "Scolarité", StaffRole.CENTRAL_OFFICE, None, None),
    ("gestionnaire.sciences", "MARTIN", "Claire", StaffRole.CENTRE_MANAGER, "SCI", None),
    ("gestionnaire.droit", "PETIT", "Hugo", StaffRole.CENTRE_MANAGER, "DEG", None),
    ("commission.lp.sciences", "DURAND", "Sophie", StaffRole.COMMISSION_MEMBER, "SCI", "SCI-LP"),
    ("candidates.manager", "GESTIONNAIRE", "Candidats", StaffRole.CANDIDATE_MANAGER, None, None),
]
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
            centres, commissions = load_demo_catalog()
            for login, last_name, first_name, role, centre, commission in DEMO_STAFF:
                user, created = User.objects.get_or_create(
                    username=login,
                    defaults={
                        "kind": UserKind.STAFF,
                        "last_name": last_name,
                        "first_name": first_name,
                        "email": f"{login}@ecandidat.local",
                        "is_staff": True,
                        "is_superuser": role == StaffRole.ADMINISTRATOR,
                        "activated_at": timezone.now(),
                    },
                )
                if created:
                    user.set_password(DEMO_PASSWORD)
                    user.save(update_fields=["password"])
                RoleAssignment.objects.get_or_create(
                    user=user,
                    role=role,
                    centre=centres.get(centre),
                    commission=commissions.get(commission),
                    defaults={"can_decide": role == StaffRole.COMMISSION_MEMBER},
                )
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
            with self.antivirus_policy():
                load_demo_applications(DEMO_PASSWORD)
        self.print_summary()

    def antivirus_policy(self):
        """The demo's documents go through the antivirus like any upload. When CLAMAV_URL is
        set but clamd does not answer, they are accepted marked for a rescan (as
        CLAMAV_UNAVAILABLE_POLICY=accept does) instead of stopping the set-up."""
        if not settings.CLAMAV_URL or antivirus.ping():
            return contextlib.nullcontext()
        self.stderr.write(
            self.style.WARNING(
                f"clamd does not answer at CLAMAV_URL ({settings.CLAMAV_URL}): the demo "
                "documents are stored marked 'to be scanned again'; rescan_documents scans "
                "them once clamd is up."
            )
        )
        return override_settings(CLAMAV_UNAVAILABLE_POLICY="accept")

    def print_summary(self):
        with translation.override("en"):
            self._print_summary()

    def _print_summary(self):
        url = settings.SITE_URL
        lines = [
            "",
            "eCandidat demo is ready.",
            f"  Candidate portal:   {url}/   (offer tree: {url}/programs/)",
            f"  Emails sent:        {url}/dev/mailbox/   (also files in var/mail/)",
            f"  Staff back office:  {url}/staff/",
            f"  Demo logins (password for all: {DEMO_PASSWORD}):",
            f"    - candidate {DEMO_CANDIDATE['username']} or {DEMO_CANDIDATE['email']} at {url}/",
            "    - candidates DEMO0002 to DEMO0007 (applications already transmitted)",
        ]
        lines += [
            f"    - {login:<24} {role.label}{f' ({commission or centre})' if centre else ''}"
            for login, _l, _f, role, centre, commission in DEMO_STAFF
        ]
        self.stdout.write("\n".join(lines) + "\n")
