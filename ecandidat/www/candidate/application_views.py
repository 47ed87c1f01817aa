"""The candidate's applications: apply, the application page, documents, answers, submit,
cancel and the PDF of the file. Every object is fetched within the candidate's own
applications: someone else's answers 404."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ecandidat.applications import services
from ecandidat.applications.enums import CandidateAnswer
from ecandidat.applications.models import Application, CandidateFile
from ecandidat.catalog.enums import QuestionKind
from ecandidat.catalog.models import DocumentType, InstitutionSettings, Program
from ecandidat.decisions import services as decisions
from ecandidat.decisions.enums import LETTER_KINDS
from ecandidat.decisions.services import latest_validated, real_rank
from ecandidat.files.storage import StorageUnavailable
from ecandidat.files.uploads import too_large_message
from ecandidat.www.access import candidate_required
from ecandidat.www.candidate import progress
from ecandidat.www.nul import without_nul
from ecandidat.www.responses import (
    answers_storage_errors,
    application_pdf_response,
    candidate_file_response,
    letter_response,
    stored_file_response,
)
from ecandidat.www.upload_limits import (
    shows_upload_refusal,
    upload_max_bytes,
    upload_rate_exceeded,
)


def _own_application(request, pk):
    return get_object_or_404(
        Application.objects.of_candidate(request.user).select_related(
            "program", "program__centre", "program__commission", "campaign"
        ),
        pk=pk,
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File (PDF, JPEG or PNG)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ),
    )


@candidate_required
@require_POST
def apply(request, program_id):
    program = get_object_or_404(
        Program.objects.in_service().select_related("centre"), pk=program_id
    )
    try:
        application = services.apply(candidate=request.user, program=program, actor=request.user)
    except services.ApplicationRefused as refused:
        return render(
            request,
            "candidate/applications/refused.html",
            {"program": program, "reasons": refused.reasons},
            status=409,
        )
    messages.success(
        request,
        _(
            "Your application has been created. Upload the documents, answer the questions, "
            "then transmit it."
        ),
    )
    return redirect("candidate:application", pk=application.pk)


@candidate_required
def application_list(request):
    return render(
        request,
        "candidate/applications/list.html",
        {"rows": progress.applications_of(request.user)},
    )


def _questions_with_answers(application):
    answers = {a.question_id: a for a in application.answers.all()}
    return [(q, answers.get(q.pk)) for q in services.questions_for(application)]


def _detail_context(application, upload_error=None):
    decision = latest_validated(application)
    editable = application.is_editable_by_candidate
    return {
        "application": application,
        "decision": decision,
        "real_rank": real_rank(application, decision)
        if decision is not None and InstitutionSettings.load().show_real_ranks
        else None,
        "documents": list(application.documents.select_related("document_type", "file")),
        "questions": _questions_with_answers(application),
        "editable": editable,
        "missing": services.missing_items(application) if editable else [],
        "upload_form": UploadForm(),
        "upload_error": upload_error,
        "now": timezone.now(),
    }


@candidate_required
def application_detail(request, pk):
    application = _own_application(request, pk)
    return render(request, "candidate/applications/detail.html", _detail_context(application))


def _upload_refused(request, application, document_type_id, message, status):
    """The application page again, with the message next to the document's upload field."""
    error = {"document_type_id": document_type_id, "message": message}
    return render(
        request,
        "candidate/applications/detail.html",
        _detail_context(application, upload_error=error),
        status=status,
    )


@shows_upload_refusal
@candidate_required
@require_POST
def document_upload(request, pk, document_type_id):
    application = _own_application(request, pk)
    if upload_rate_exceeded(request):
        return _upload_refused(
            request,
            application,
            document_type_id,
            _("You have sent many files in a short time. Wait a few minutes and try again."),
            status=429,
        )
    # Stopped while it was received (UploadLimitHandler): too large, nothing kept.
    refusal = getattr(request, "upload_refusal", None)
    if refusal is not None:
        return _upload_refused(request, application, document_type_id, refusal.message, 413)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_refused(
            request, application, document_type_id, _("Choose a file to upload."), 400
        )
    upload = form.cleaned_data["file"]
    max_bytes = upload_max_bytes(request)
    if upload.size > max_bytes:
        return _upload_refused(
            request, application, document_type_id, too_large_message(max_bytes), 413
        )
    data = upload.read(max_bytes + 1)
    try:
        services.upload_document(
            application=application,
            document_type_id=document_type_id,
            data=data,
            filename=upload.name,
            actor=request.user,
        )
    except services.DocumentRefused as refused:
        message = _("The file was refused: %(reason)s") % {"reason": refused.message}
        return _upload_refused(request, application, document_type_id, message, 400)
    except StorageUnavailable:
        # Our fault, not the file's: the page again, the previous document unchanged.
        message = _(
            "Your file could not be saved because of a problem on our side; your application "
            "has not changed. Please send the file again in a few minutes."
        )
        return _upload_refused(request, application, document_type_id, message, 503)
    messages.success(request, _("The document has been uploaded."))
    return redirect(f"{request.path.rsplit('/documents/', 1)[0]}/#documents")


@candidate_required
@require_POST
def document_action(request, pk, document_type_id, action):
    application = _own_application(request, pk)
    service = {
        "delete": services.remove_document,
        "not-concerned": services.declare_not_concerned,
    }.get(action)
    if service is None:
        raise Http404
    try:
        service(
            application=application,
            document_type_id=document_type_id,
            actor=request.user,
        )
    except services.DocumentRefused as refused:
        messages.error(request, refused.message)
    except application.documents.model.DoesNotExist:
        raise Http404 from None
    else:
        messages.success(request, _("Saved."))
    return redirect(f"/candidate/applications/{application.pk}/#documents")


@candidate_required
@require_POST
def answers(request, pk):
    application = _own_application(request, pk)
    values, errors = {}, []
    for question, _answer in _questions_with_answers(application):
        key = f"q{question.pk}"
        not_concerned = question.conditional and request.POST.get(f"{key}-not-concerned") == "on"
        if question.kind == QuestionKind.YES_NO:
            raw = request.POST.get(key, "")
            values[question.pk] = {
                "yes_no": {"yes": True, "no": False}.get(raw),
                "text": "",
                "not_concerned": not_concerned,
            }
        else:
            text = without_nul(request.POST.get(key, "")).strip()
            if len(text) > 1000:
                errors.append(question.label)
                text = text[:1000]
            values[question.pk] = {"yes_no": None, "text": text, "not_concerned": not_concerned}
    try:
        services.save_answers(application=application, answers=values, actor=request.user)
        if request.htmx:
            return HttpResponse(status=204)  # saved as the candidate types
    except services.DocumentRefused as refused:
        messages.error(request, refused.message)
    else:
        if errors:
            messages.warning(
                request,
                _("Answers are limited to 1000 characters; the end was cut: %(q)s")
                % {"q": ", ".join(errors)},
            )
        else:
            messages.success(request, _("Your answers have been saved."))
    return redirect(f"/candidate/applications/{application.pk}/#questions")


@candidate_required
@require_http_methods(["GET", "POST"])
def submit(request, pk):
    application = _own_application(request, pk)
    if request.method == "POST":
        try:
            services.submit(application_id=application.pk, actor=request.user)
        except services.SubmitRefused as refused:
            return render(
                request,
                "candidate/applications/submit.html",
                {"application": application, "missing": refused.messages},
                status=409,
            )
        messages.success(request, _("Your application has been transmitted."))
        return redirect("candidate:application", pk=pk)
    if not application.is_editable_by_candidate:
        return redirect("candidate:application", pk=pk)
    return render(
        request,
        "candidate/applications/submit.html",
        {"application": application, "missing": services.missing_items(application)},
    )


@candidate_required
@require_http_methods(["GET", "POST"])
def cancel(request, pk):
    application = _own_application(request, pk)
    if request.method == "POST":
        try:
            services.cancel(application_id=application.pk, actor=request.user)
        except services.DocumentRefused as refused:
            messages.error(request, refused.message)
            return redirect("candidate:application", pk=pk)
        messages.success(request, _("Your application has been cancelled."))
        return redirect("candidate:applications")
    return render(request, "candidate/applications/cancel.html", {"application": application})


@candidate_required
@answers_storage_errors
def application_file(request, pk):
    application = _own_application(request, pk)
    return application_pdf_response(application, request.user.preferred_language)


@candidate_required
@answers_storage_errors
def own_file(request, file_id):
    return candidate_file_response(get_object_or_404(CandidateFile, pk=file_id, owner=request.user))


@candidate_required
@answers_storage_errors
def document_template(request, document_type_id):
    document_type = get_object_or_404(
        DocumentType.objects.exclude(template=""), pk=document_type_id, in_service=True
    )
    return stored_file_response(document_type.template)


@candidate_required
@require_http_methods(["GET", "POST"])
def answer_offer(request, pk, value):
    """Confirm or withdraw (with a confirmation step; withdrawing may give a reason)."""

    if value not in CandidateAnswer.values:
        raise Http404
    application = _own_application(request, pk)
    if request.method == "POST":
        try:
            decisions.answer(
                application_id=application.pk,
                value=value,
                user=request.user,
                reason=without_nul(request.POST.get("reason", "")),
            )
        except decisions.DecisionError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("You have confirmed your place.")
                if value == CandidateAnswer.CONFIRMED
                else _("You have withdrawn."),
            )
        return redirect("candidate:application", pk=application.pk)
    return render(
        request,
        "candidate/applications/answer.html",
        {
            "application": application,
            "value": value,
            "confirming": value == CandidateAnswer.CONFIRMED,
        },
    )


@candidate_required
@answers_storage_errors
def letter(request, pk):
    """The admission or refusal letter, when the commission lets candidates download it."""

    application = _own_application(request, pk)
    decision = latest_validated(application)
    if (
        decision is None
        or decision.decision_type.kind not in LETTER_KINDS
        or not application.program.commission.letters_for_candidates
    ):
        raise Http404
    return letter_response(decision)
