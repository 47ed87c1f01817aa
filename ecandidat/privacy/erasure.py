"""GDPR erasure of a candidate account: everything about the person goes, files included.

The audit log keeps the *fact* of the erasure (who, when, which dossier number) but no
personal data; the dossier number stays reserved so it is never reissued.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from ecandidat.applications.models import Application, CandidateFile
from ecandidat.audit import codes
from ecandidat.audit.services import record
from ecandidat.dossier.models import Internship, LocalStudy, NonLocalStudy, WorkExperience
from ecandidat.notifications.models import OutboxEmail


def erasure_inventory(user) -> list[tuple[str, int]]:
    return [
        (_("account"), 1),
        (
            _("personal information, address, baccalaureate"),
            sum(
                1
                for name in ("personal_information", "address", "baccalaureate")
                if hasattr(user, name)
            ),
        ),
        (_("local studies"), LocalStudy.objects.filter(user=user).count()),
        (_("non-local studies"), NonLocalStudy.objects.filter(user=user).count()),
        (_("internships"), Internship.objects.filter(user=user).count()),
        (_("work experience"), WorkExperience.objects.filter(user=user).count()),
        (_("applications"), Application.objects.filter(candidate=user).count()),
        (_("uploaded files"), CandidateFile.objects.filter(owner=user).count()),
        (_("emails"), OutboxEmail.objects.filter(user=user).count()),
    ]


@transaction.atomic
def erase_candidate(*, user, actor) -> None:
    number = user.username
    files = list(CandidateFile.objects.filter(owner=user))
    # Applications first: their documents point at the files.
    Application.objects.filter(candidate=user).delete()
    for candidate_file in files:
        candidate_file.delete_with_content()
    OutboxEmail.objects.filter(user=user).delete()
    record(
        codes.ACCOUNT_ERASED,
        actor=actor,
        target=user,
        data={"dossier_number": number},
    )
    user.delete()
