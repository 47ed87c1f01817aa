"""The emails about one application sent to its candidate: one context for all of them.

Every such email gets the candidate's names and dossier number, the program, the return
deadline and the link to the application, rendered in the candidate's language; a caller
adds what its email needs (``documents``, ``deadline``, ``comment``…).
"""

from django.utils import timezone, translation
from django.utils.formats import date_format

from ecandidat.notifications.links import absolute_url
from ecandidat.notifications.services import send_email


def local_datetime(moment) -> str:
    """A date and time as the candidate reads it (in the active language), or ""."""
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else ""


def candidate_link(application) -> str:
    return absolute_url("candidate:application", application.pk)


def staff_link(application) -> str:
    return absolute_url("staff:application", application.pk)


def candidate_context(application, **extra) -> dict:
    candidate = application.candidate
    with translation.override(candidate.preferred_language):
        return {
            "first_name": candidate.first_name,
            "last_name": candidate.last_name,
            "dossier_number": candidate.dossier_number,
            "program": str(application.program.label),
            "return_deadline": local_datetime(application.return_deadline),
            "link": candidate_link(application),
            **extra,
        }


def email_candidate(application, key: str, *, attachment: str = "", **extra) -> None:
    candidate = application.candidate
    send_email(
        key,
        to=candidate.email,
        user=candidate,
        language=candidate.preferred_language,
        context=candidate_context(application, **extra),
        attachment=attachment,
        about=application,
    )
