"""What staff do with submitted applications: check documents, change the file status,
notes, tags and personal deadlines. Every action is audited; the candidate is emailed when
something is asked of them."""

import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ecandidat.applications import workflow
from ecandidat.applications.emails import email_candidate
from ecandidat.applications.enums import SUBMITTED_STATUSES, DocumentStatus
from ecandidat.applications.models import Application, ApplicationDocument
from ecandidat.audit import codes
from ecandidat.audit.services import record
from ecandidat.catalog.enums import Treatment
from ecandidat.common.errors import DomainError

from .models import Note, Tag


class ReviewError(DomainError):
    """A review action is refused; ``message`` says why."""


logger = logging.getLogger(__name__)


@transaction.atomic
def check_document(*, document_id: int, status: str, comment: str, user):
    document = (
        ApplicationDocument.objects.select_for_update()
        .select_related(
            "application", "application__program", "application__candidate", "document_type"
        )
        .get(pk=document_id)
    )
    application = document.application
    if application.file_status not in SUBMITTED_STATUSES:
        raise ReviewError(_("Documents are checked once the application is transmitted."))
    if status not in (DocumentStatus.VALIDATED, DocumentStatus.REFUSED):
        raise ReviewError(_("Unknown document status."))
    if status == DocumentStatus.REFUSED and not comment.strip():
        raise ReviewError(_("Say why the document is refused: the candidate reads it."))
    if document.status == DocumentStatus.MISSING and status == DocumentStatus.VALIDATED:
        raise ReviewError(_("A missing document cannot be validated."))
    previous = document.status
    document.status = status
    document.comment = comment.strip()
    document.save(update_fields=["status", "comment"])
    record(
        codes.document_checked(status),
        actor=user,
        target=application,
        data={
            "document_type": document.document_type_id,
            "from": previous,
            "to": status,
            "comment": document.comment,
        },
    )
    if status == DocumentStatus.REFUSED:
        with translation.override(application.candidate.preferred_language):
            label = str(document.document_type.label)
        email_candidate(application, "document_refused", document=label, comment=document.comment)
    return document


@transaction.atomic
def change_file_status(*, application_id: int, action: str, user, deadline=None):
    if action not in workflow.STAFF_ACTIONS:
        raise ReviewError(_("Unknown action."))
    application = (
        Application.objects.select_for_update()
        .select_related("program", "candidate")
        .get(pk=application_id)
    )
    previous = application.file_status
    try:
        move = workflow.transition(action, previous)
    except workflow.TransitionRefused:
        raise ReviewError(
            _("This action is not possible while the file is “%(status)s”.")
            % {"status": application.get_file_status_display()}
        ) from None
    fields = {}
    if move.action == workflow.FileAction.MARK_INCOMPLETE and deadline is not None:
        fields["personal_return_deadline"] = deadline
    # The row is locked: the conditional UPDATE cannot lose to another request.
    workflow.apply_transition(application, move, now=timezone.now(), **fields)
    record(
        move.audit,
        actor=user,
        target=application,
        data={"action": action, "from": previous, "to": move.target},
    )
    if move.action == workflow.FileAction.MARK_INCOMPLETE:
        with translation.override(application.candidate.preferred_language):
            documents = [
                (str(d.document_type.label), d.comment)
                for d in application.documents.select_related("document_type")
                if d.status in (DocumentStatus.REFUSED, DocumentStatus.MISSING)
            ]
        email_candidate(application, move.email, documents=documents)
    return application


@transaction.atomic
def set_treatment(*, application_id: int, treatment: str, user):
    if treatment not in Treatment.values:
        raise ReviewError(_("Unknown treatment."))
    application = Application.objects.select_for_update().get(pk=application_id)
    previous = application.treatment
    if previous == treatment:
        return application
    application.treatment = treatment
    application.save(update_fields=["treatment"])
    record(
        codes.APPLICATION_TREATMENT,
        actor=user,
        target=application,
        data={"from": previous, "to": treatment},
    )
    return application


@transaction.atomic
def set_confirmation_deadline(*, application_id: int, deadline, user):
    """A personal confirmation date for one candidate (e.g. after a phone call)."""
    application = Application.objects.select_for_update().get(pk=application_id)
    if application.answer:
        raise ReviewError(_("The candidate has already answered."))
    previous = application.confirmation_deadline
    application.confirmation_deadline = deadline
    application.confirmation_reminder_sent_at = None
    application.save(update_fields=["confirmation_deadline", "confirmation_reminder_sent_at"])
    record(
        codes.APPLICATION_CONFIRMATION_DEADLINE,
        actor=user,
        target=application,
        data={"from": str(previous or ""), "to": str(deadline)},
    )
    return application


@transaction.atomic
def set_personal_deadline(*, application_id: int, deadline, user):
    application = Application.objects.select_for_update().get(pk=application_id)
    previous = application.personal_return_deadline
    application.personal_return_deadline = deadline
    application.save(update_fields=["personal_return_deadline"])
    record(
        codes.APPLICATION_PERSONAL_DEADLINE,
        actor=user,
        target=application,
        data={"from": str(previous or ""), "to": str(deadline or "")},
    )
    return application


@transaction.atomic
def add_note(*, application: Application, text: str, user) -> Note:
    text = text.strip()
    if not text:
        raise ReviewError(_("The note is empty."))
    note = Note.objects.create(application=application, author=user, text=text[:4000])
    record(
        codes.APPLICATION_NOTE_ADDED,
        actor=user,
        target=application,
        data={"note": note.pk},
    )
    return note


@transaction.atomic
def set_tags(*, application: Application, tags, user) -> None:
    before = set(application.tags.values_list("pk", flat=True))
    after = {t.pk for t in tags}
    if before == after:
        return
    application.tags.set(tags)
    record(
        codes.APPLICATION_TAGS,
        actor=user,
        target=application,
        data={"added": sorted(after - before), "removed": sorted(before - after)},
    )


def tags_for(application: Application):
    """Tags usable on this application: the central ones and its centre's."""
    return Tag.objects.filter(Q(centre__isnull=True) | Q(centre=application.program.centre_id))
