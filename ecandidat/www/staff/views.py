"""Staff pages. For now: the read-only dossier of a candidate (candidate-manager role)."""

from django.shortcuts import get_object_or_404, render

from ecandidat.accounts.models import User
from ecandidat.core.access import staff_permission_required
from ecandidat.dossier.models import LocalStudy
from ecandidat.dossier.services import dossier_summary
from ecandidat.www.candidate.dossier_views import LIST_SECTIONS, SINGLE_SECTIONS


@staff_permission_required("dossier.view_candidate_dossier")
def candidate_dossier(request, dossier_number):
    subject = get_object_or_404(User.objects.candidates(), username=dossier_number.upper())
    singles = {key: spec.queryset(subject).first() for key, spec in SINGLE_SECTIONS.items()}
    lists = [(spec, list(spec.queryset(subject))) for spec in LIST_SECTIONS.values()]
    return render(
        request,
        "staff/candidate_dossier.html",
        {
            "subject": subject,
            "personal": singles["personal"],
            "address": singles["address"],
            "bac": singles["baccalaureate"],
            "lists": lists,
            "studies": LocalStudy.objects.filter(user=subject),
            "status": dossier_summary(subject),
        },
    )
