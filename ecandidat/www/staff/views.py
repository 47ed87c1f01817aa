"""Staff pages: the read-only dossier of a candidate, the preview of every declared email."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods

from ecandidat.accounts.enums import Language
from ecandidat.applications import services as application_services
from ecandidat.applications.access import candidates_visible_to_staff
from ecandidat.applications.models import Application, CandidateFile
from ecandidat.catalog.models import Program
from ecandidat.decisions.enums import LETTER_KINDS
from ecandidat.decisions.services import latest_validated
from ecandidat.dossier.models import LocalStudy
from ecandidat.dossier.services import dossier_summary
from ecandidat.notifications.registry import EMAIL_TEMPLATES
from ecandidat.notifications.services import render_email
from ecandidat.www.access import staff_permission_required, staff_required
from ecandidat.www.dossier_sections import LIST_SECTIONS, SINGLE_SECTIONS
from ecandidat.www.nul import parse_id
from ecandidat.www.responses import (
    answers_storage_errors,
    application_pdf_response,
    candidate_file_response,
    letter_response,
)


@staff_required
def candidate_dossier(request, dossier_number):
    # Who reads which dossier is the scope of candidates_visible_to_staff, not a permission:
    # a commission member opens the dossier of an application they review, a centre manager
    # holding the permission does not open a candidate who applied elsewhere.
    subject = get_object_or_404(
        candidates_visible_to_staff(request.user), username=dossier_number.upper()
    )
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


@staff_permission_required("notifications.view_outboxemail")
def email_templates(request):
    return render(request, "staff/email_templates.html", {"templates": EMAIL_TEMPLATES.values()})


@staff_permission_required("notifications.view_outboxemail")
def email_preview(request, key, language):
    template = EMAIL_TEMPLATES.get(key)
    if template is None or language not in Language.values:
        raise Http404
    subject, text, _html = render_email(key, template.sample, language)
    # The HTML version is shown from email_preview_html, in a frame with its own CSP.
    return render(
        request,
        "staff/email_preview.html",
        {"template": template, "language": language, "subject": subject, "text": text},
    )


@staff_permission_required("notifications.view_outboxemail")
@xframe_options_sameorigin
def email_preview_html(request, key, language):
    """The HTML body alone, shown in a sandboxed frame of the preview page."""
    template = EMAIL_TEMPLATES.get(key)
    if template is None or language not in Language.values:
        raise Http404
    _subject, _text, html = render_email(key, template.sample, language)
    response = HttpResponse(html)
    # Emails carry inline styles (mail clients ignore stylesheets): allowed here only, in a
    # document that may run no script, load nothing but images and be framed by us alone.
    response["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
    )
    return response


@staff_required
@answers_storage_errors
def application_pdf(request, pk):
    application = get_object_or_404(
        Application.objects.visible_to_staff(request.user).select_related("candidate", "program"),
        pk=pk,
    )
    return application_pdf_response(application, request.user.preferred_language)


@staff_required
@answers_storage_errors
def candidate_file(request, file_id):
    visible = Application.objects.visible_to_staff(request.user)
    candidate_file_ = get_object_or_404(
        CandidateFile.objects.filter(uses__application__in=visible).distinct(), pk=file_id
    )
    return candidate_file_response(candidate_file_)


@staff_permission_required("applications.add_application")
@require_http_methods(["GET", "POST"])
def apply_for_candidate(request, dossier_number):
    """A candidate manager creates an application on a candidate's behalf."""
    subject = get_object_or_404(
        candidates_visible_to_staff(request.user), username=dossier_number.upper()
    )
    programs = Program.objects.open_at(timezone.now()).select_related("centre").order_by("label_fr")
    reasons = []
    if request.method == "POST":
        program = get_object_or_404(programs, pk=parse_id(request.POST.get("program")))
        try:
            application_services.apply(candidate=subject, program=program, actor=request.user)
        except application_services.ApplicationRefused as refused:
            reasons = refused.reasons
        else:
            messages.success(request, _("The application has been created for the candidate."))
            return redirect("staff:candidate_dossier", dossier_number=subject.username)
    return render(
        request,
        "staff/apply_for_candidate.html",
        {"subject": subject, "programs": programs, "reasons": reasons},
    )


@staff_required
@answers_storage_errors
def application_letter(request, pk):
    application = get_object_or_404(
        Application.objects.visible_to_staff(request.user).select_related(
            "candidate", "program", "program__commission"
        ),
        pk=pk,
    )
    decision = latest_validated(application)
    if decision is None or decision.decision_type.kind not in LETTER_KINDS:
        raise Http404
    return letter_response(decision)
