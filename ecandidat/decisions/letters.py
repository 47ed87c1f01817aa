"""Admission and refusal letters as PDF, in the candidate's language, signed by the
commission's signatory (with the signature image when there is one).

A signature image whose stored file is gone does not stop the letter (the signatory's name is
printed without it, and logged); a storage that cannot be reached raises
``files.storage.StorageUnavailable`` (the page asks to try again, the outbox retries)."""

import base64
import logging

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from ecandidat.files import storage as stored_files

from .models import Decision

logger = logging.getLogger(__name__)


def letter_pdf(decision: Decision) -> bytes:
    import weasyprint  # noqa: PLC0415  (loaded on first use, see applications.pdf)

    application = decision.application
    commission = application.program.commission
    signature = ""
    if commission.signature:
        try:
            data = stored_files.read(commission.signature.storage, commission.signature.name)
        except stored_files.FileMissing:
            logger.error("commission %s: signature image missing, letter unsigned", commission.pk)
        else:
            signature = "data:image/png;base64," + base64.b64encode(data).decode()
    with translation.override(application.candidate.preferred_language):
        html = render_to_string(
            "review/letter.html",
            {
                "INSTITUTION_NAME": settings.INSTITUTION_NAME,
                "decision": decision,
                "application": application,
                "candidate": application.candidate,
                "commission": commission,
                "signature": signature,
                "admission": decision.is_favourable,
            },
        )
    return weasyprint.HTML(string=html).write_pdf()


def build_attachment(key: str):
    decision = (
        Decision.objects.select_related(
            "decision_type",
            "reason",
            "application__candidate",
            "application__program__commission",
            "application__program__centre",
        )
        .filter(pk=key if key.isdigit() else 0)
        .first()
    )
    if decision is None:
        return None
    return (
        f"letter-{decision.application.candidate.username}.pdf",
        letter_pdf(decision),
        "application/pdf",
    )
