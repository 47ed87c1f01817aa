"""Admission and refusal letters as PDF, in the candidate's language, signed by the
commission's signatory (with the signature image when there is one)."""

import base64

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from .models import Decision


def letter_pdf(decision: Decision) -> bytes:
    import weasyprint

    application = decision.application
    commission = application.program.commission
    signature = ""
    if commission.signature:
        with commission.signature.open("rb") as handle:
            signature = "data:image/png;base64," + base64.b64encode(handle.read()).decode()
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
