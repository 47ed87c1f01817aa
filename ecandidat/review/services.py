"""What staff do with submitted applications: check documents, change the file status,
notes, tags and personal deadlines. Every action is audited; the candidate is emailed when
something is asked of them."""

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from ecandidat.applications import workflow
from ecandidat.applications.emails import email_candidate
from ecandidat.applications.enums import SUBMITTED_STATUSES, DocumentStatus
from ecandidat.applications.models import Application, ApplicationDocument
from ecandidat.audit import codes
from ecandidat.audit.services import record

from .models import Note, Tag


class ReviewError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


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
    from ecandidat.catalog.enums import Treatment

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


# --- bulk actions -------------------------------------------------------------------------

BULK_LIMIT = 500
BULK_ACTIONS = {
    "mark_complete": _("Mark the files complete"),
    "mark_incomplete": _("Mark the files incomplete"),
    "add_tag": _("Add a tag"),
    "enter_decision": _("Enter a decision"),
    "validate_decisions": _("Validate the entered decisions"),
    "schedule_publication": _("Schedule the publication of the entered decisions"),
}
# Actions on decisions need their own permission on top of the application's.
BULK_PERMISSIONS = {
    "enter_decision": "review.add_decision",
    "validate_decisions": "review.change_decision",
    "schedule_publication": "review.change_decision",
}


def start_bulk_job(*, user, action: str, application_ids: list[int], params: dict):
    from .models import BulkJob
    from .tasks import run_bulk_job

    if action not in BULK_ACTIONS:
        raise ReviewError(_("Unknown action."))
    if action in BULK_PERMISSIONS and not user.has_perm(BULK_PERMISSIONS[action]):
        raise ReviewError(_("You may not do this."))
    if not application_ids:
        raise ReviewError(_("Select at least one application."))
    if len(application_ids) > BULK_LIMIT:
        raise ReviewError(_("Select at most %(n)s applications at once.") % {"n": BULK_LIMIT})
    job = BulkJob.objects.create(
        user=user, action=action, params=params, application_ids=list(application_ids)
    )
    record(
        codes.REVIEW_BULK_STARTED,
        actor=user,
        target=job,
        data={"action": action, "count": job.total},
    )
    transaction.on_commit(lambda: run_bulk_job.enqueue(job.pk))
    return job


def run_bulk(job_id: int) -> None:
    """Run a bulk job. An unexpected error stops it as FAILED, with a message for the person
    who started it and the traceback in the log, instead of "In progress…" forever; what
    was done before the error stays done (each application is its own transaction)."""
    from .models import BulkJob

    job = BulkJob.objects.select_related("user").get(pk=job_id)
    if job.is_over:
        return
    job.status = BulkJob.Status.RUNNING
    job.save(update_fields=["status"])
    try:
        _run_job(job)
    except Exception as exc:
        logger.exception("bulk job %s (%s) failed", job.pk, job.action)
        with translation.override(job.user.preferred_language):
            message = str(
                _(
                    "The job stopped on an unexpected error (%(error)s) after %(done)d of "
                    "%(total)d. What was done is kept. Start it again, or give the job "
                    "number %(job)s to the platform's administrators."
                )
                % {
                    "error": type(exc).__name__,
                    "done": job.done,
                    "total": job.total,
                    "job": job.pk,
                }
            )
        BulkJob.objects.filter(pk=job.pk).update(
            status=BulkJob.Status.FAILED, finished_at=timezone.now(), error=message
        )
        record(
            codes.REVIEW_BULK_FAILED,
            actor=job.user,
            target=job,
            data={"error": type(exc).__name__, "done": job.done},
        )


def _run_job(job) -> None:
    from ecandidat.catalog.models import Program

    from .models import BulkJob

    if job.action.startswith("export_"):
        _run_export(job)
        return
    if job.action.startswith("download_"):
        _run_download(job)
        return
    # Entering a decision has its own scope (a member's can_decide is per commission);
    # every other action needs the application to be editable.
    in_scope = (
        Application.objects.decidable_by(job.user)
        if job.action == "enter_decision"
        else Application.objects.filter(program__in=Program.objects.editable_by(job.user))
    )
    editable = set(in_scope.filter(pk__in=job.application_ids).values_list("pk", flat=True))
    with translation.override(job.user.preferred_language):
        for application_id in job.application_ids[job.done :]:
            try:
                if application_id not in editable:
                    raise ReviewError(_("Not found or outside your scope."))
                if job.action in workflow.STAFF_ACTIONS:
                    change_file_status(
                        application_id=application_id, action=job.action, user=job.user
                    )
                elif job.action == "enter_decision":
                    _bulk_enter_decision(job, application_id)
                elif job.action == "validate_decisions":
                    _bulk_validate(job, application_id)
                elif job.action == "schedule_publication":
                    _bulk_schedule(job, application_id)
                elif job.action == "add_tag":
                    application = Application.objects.get(pk=application_id)
                    tag = tags_for(application).filter(pk=job.params.get("tag")).first()
                    if tag is None:
                        raise ReviewError(_("This tag cannot be used here."))
                    set_tags(
                        application=application,
                        tags=[*application.tags.all(), tag],
                        user=job.user,
                    )
                job.succeeded.append(application_id)
            except ReviewError as error:
                job.refused.append([application_id, str(error.message)])
            job.done += 1
            job.save(update_fields=["done", "succeeded", "refused"])
    job.status = BulkJob.Status.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])
    record(
        codes.REVIEW_BULK_FINISHED,
        actor=job.user,
        target=job,
        data={"succeeded": len(job.succeeded), "refused": len(job.refused)},
    )


EXPORT_SYNC_LIMIT = 2000


def start_export_job(*, user, fmt: str, application_ids: list[int], columns: list[str]):
    """Large exports are written by the worker; the page shows progress, then the file."""
    from .models import BulkJob
    from .tasks import run_bulk_job

    job = BulkJob.objects.create(
        user=user,
        action=f"export_{fmt}",
        params={"columns": columns},
        application_ids=list(application_ids),
    )
    record(
        codes.REVIEW_EXPORT,
        actor=user,
        data={"format": fmt, "columns": columns, "background": True},
    )
    transaction.on_commit(lambda: run_bulk_job.enqueue(job.pk))
    return job


def _run_export(job) -> None:
    import io

    from .columns import BY_KEY, with_column_data
    from .exports import CsvWriter, xlsx_bytes
    from .models import BulkJob

    columns = [BY_KEY[k] for k in job.params.get("columns", []) if k in BY_KEY]
    fmt = job.action.removeprefix("export_")
    queryset = with_column_data(
        Application.objects.filter(pk__in=job.application_ids), columns
    ).order_by("pk")

    def rows():
        for application in queryset.iterator(chunk_size=500):
            yield [c.value(application) for c in columns]  # neutralised by the writers
            job.done += 1
            if job.done % 500 == 0:
                BulkJob.objects.filter(pk=job.pk).update(done=job.done)

    with translation.override(job.user.preferred_language):
        header = [str(c.label) for c in columns]
        if fmt == "xlsx":
            content = xlsx_bytes(header, rows())
        else:
            text = io.StringIO()
            writer = CsvWriter(text, delimiter=";")
            writer.writerow(header)
            writer.writerows(rows())
            content = ("\ufeff" + text.getvalue()).encode()
    _store(job, content, fmt)


def _bulk_enter_decision(job, application_id: int) -> None:
    from . import decisions
    from .models import DecisionReason

    application = Application.objects.select_related("program").get(pk=application_id)
    decision_type = (
        decisions.types_for(application).filter(pk=job.params.get("decision_type") or 0).first()
    )
    if decision_type is None:
        raise ReviewError(_("Choose the decision."))
    reason = DecisionReason.objects.filter(pk=job.params.get("reason") or 0).first()
    try:
        decisions.enter_decision(
            application_id=application_id,
            decision_type=decision_type,
            user=job.user,
            reason=reason,
            comment=job.params.get("comment", ""),
        )
    except decisions.DecisionError as error:
        raise ReviewError(error.message) from error


def _bulk_validate(job, application_id: int) -> None:
    from . import decisions
    from .models import Decision

    pending = list(
        Decision.objects.filter(
            application_id=application_id, validated_at__isnull=True
        ).values_list("pk", flat=True)
    )
    if not pending:
        raise ReviewError(_("No decision to validate."))
    try:
        for decision_id in pending:
            decisions.validate_decision(decision_id=decision_id, user=job.user)
    except decisions.DecisionError as error:
        raise ReviewError(error.message) from error


def parse_moment(raw) -> datetime | None:
    """A date and time as a datetime-local field sends it, made aware (Paris time); None
    when empty or invalid (parse_datetime raises for a well-formed but impossible date
    such as 31 February: refused, not a crash)."""
    try:
        moment = parse_datetime(str(raw or "").replace("\x00", ""))
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _bulk_schedule(job, application_id: int) -> None:
    """Results released at once: every entered decision of the selection is published by
    the scheduler at the chosen time."""
    from .models import Decision

    moment = parse_moment(job.params.get("publish_at"))
    if moment is None:
        raise ReviewError(_("Enter a valid date and time."))
    updated = Decision.objects.filter(
        application_id=application_id, validated_at__isnull=True
    ).update(publish_at=moment)
    if not updated:
        raise ReviewError(_("No decision to validate."))
    record(
        codes.DECISION_SCHEDULED,
        actor=job.user,
        target=Application(pk=application_id),
        data={"publish_at": moment.isoformat()},
    )


def start_file_job(*, user, action: str, application_ids: list[int], params: dict):
    from .models import BulkJob
    from .tasks import run_bulk_job

    job = BulkJob.objects.create(
        user=user, action=action, params=params, application_ids=list(application_ids)
    )
    transaction.on_commit(lambda: run_bulk_job.enqueue(job.pk))
    return job


def _store(job, content: bytes, extension: str) -> None:
    import uuid

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from .models import BulkJob

    name = default_storage.save(f"exports/{uuid.uuid4().hex}.{extension}", ContentFile(content))
    job.params = {**job.params, "file": name}
    job.status = BulkJob.Status.DONE
    job.done = job.total
    job.finished_at = timezone.now()
    job.save(update_fields=["params", "status", "done", "finished_at"])


def _run_download(job) -> None:
    from .downloads import build

    applications = list(
        Application.objects.filter(pk__in=job.application_ids).select_related(
            "candidate", "program"
        )
    )
    content, name, _mime = build(
        applications,
        kind=job.action.removeprefix("download_"),
        document_type=job.params.get("document_type", ""),
        language=job.user.preferred_language,
    )
    _store(job, content, name.rsplit(".", 1)[-1])


def record_export(*, user, fmt: str, columns: list[str]) -> None:
    """An export of the application list made in the request (the worker's are recorded
    when the job is started)."""
    record(codes.REVIEW_EXPORT, actor=user, data={"format": fmt, "columns": columns})


def record_download(*, user, kind: str, application_ids: list[int]):
    record(
        codes.REVIEW_DOWNLOAD,
        actor=user,
        data={"kind": kind, "applications": application_ids},
    )
