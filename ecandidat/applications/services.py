"""The candidate's side of an application: apply, documents, answers, submit, cancel.

Every function is a transaction with its guards first, then the writes, an audit row and
the emails (sent after commit). State changes use a conditional UPDATE on the current
status, so double clicks and concurrent requests make exactly one transition.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from ecandidat.accounts.models import User
from ecandidat.audit import codes
from ecandidat.audit.services import record
from ecandidat.catalog.models import (
    Campaign,
    Commission,
    DocumentType,
    InstitutionSettings,
    Program,
    Question,
)
from ecandidat.common.errors import DomainError
from ecandidat.dossier.models import PersonalInformation
from ecandidat.dossier.services import dossier_summary
from ecandidat.files import antivirus
from ecandidat.files import storage as stored_files
from ecandidat.files.uploads import UploadRefused, check_upload, safe_stem

from . import workflow
from .emails import email_candidate, local_datetime
from .enums import ACTIVE_STATUSES, DocumentStatus, FileStatus, ScanStatus
from .models import (
    STORED_FILE_PREFIXES,
    Answer,
    Application,
    ApplicationDocument,
    CandidateFile,
)

logger = logging.getLogger(__name__)


# The catalogue's files (document templates, signatures), swept with the candidates' files.
def _folder(field) -> str:
    return str(field.upload_to).strip("/")


CATALOGUE_FILE_PREFIXES = (
    _folder(DocumentType._meta.get_field("template")),
    _folder(Commission._meta.get_field("signature")),
)


@dataclass
class Reason:
    code: str
    message: StrOrPromise


class ApplicationRefused(DomainError):
    """Every reason the candidate cannot apply (``reasons``); ``message`` joins them."""

    def __init__(self, reasons: list[Reason]):
        super().__init__("; ".join(str(r.message) for r in reasons))
        self.reasons = reasons


# --- applying -----------------------------------------------------------------------------


def apply_refusals(candidate: User, program: Program, now=None) -> list[Reason]:
    """Every reason the candidate cannot apply to ``program`` now (empty: they can)."""
    now = now or timezone.now()
    reasons = []
    campaign = Campaign.objects.active().first()
    if campaign is None:
        return [Reason("no_campaign", _("No campaign is active: applications are closed."))]
    summary = dossier_summary(candidate)
    for section in summary["missing"]:
        label = {
            "personal": _("your personal information"),
            "address": _("your address"),
            "baccalaureate": _("your high school diploma/baccalaureate"),
        }[section]
        reasons.append(
            Reason(f"missing_{section}", _("Fill in %(section)s first.") % {"section": label})
        )
    institution = InstitutionSettings.load()
    info = PersonalInformation.objects.filter(user=candidate).first()
    if (
        info is not None
        and institution.ine_required_for_french
        and settings.INE_REQUIRED_FOR_FRENCH
        and info.nationality_id == "FR"
        and not info.ine
    ):
        reasons.append(Reason("missing_ine", _("French nationals must give their INE first.")))
    if not (program.in_service and program.centre.in_service):
        reasons.append(Reason("out_of_service", _("This program does not take applications.")))
    elif not program.is_open(now):
        reasons.append(
            Reason(
                "closed",
                _("Applications to this program are open from %(start)s to %(end)s (Paris time).")
                % {
                    "start": local_datetime(program.opens_at),
                    "end": local_datetime(program.closes_at),
                },
            )
        )
    active = Application.objects.active().filter(candidate=candidate, campaign=campaign)
    if active.filter(program=program).exists():
        reasons.append(Reason("duplicate", _("You have already applied to this program.")))
    if institution.max_applications and active.count() >= institution.max_applications:
        reasons.append(
            Reason(
                "limit",
                _("You have reached the maximum of %(n)s applications.")
                % {"n": institution.max_applications},
            )
        )
    centre_limit = program.centre.max_applications
    if centre_limit and active.filter(program__centre=program.centre).count() >= centre_limit:
        reasons.append(
            Reason(
                "centre_limit",
                _("You have reached the maximum of %(n)s applications in this centre.")
                % {"n": centre_limit},
            )
        )
    return reasons


@transaction.atomic
def apply(*, candidate: User, program: Program, actor) -> Application:
    # Lock the candidate: two simultaneous applies cannot both pass the limit checks.
    User.objects.select_for_update().filter(pk=candidate.pk).first()
    program = Program.objects.select_related("centre").get(pk=program.pk)
    reasons = apply_refusals(candidate, program)
    if reasons:
        raise ApplicationRefused(reasons)
    application = Application.objects.create(
        candidate=candidate,
        program=program,
        campaign=Campaign.objects.active().get(),
        treatment=program.treatment,
        created_by=actor if actor != candidate else None,
    )
    shared = _latest_common_files(candidate)
    ApplicationDocument.objects.bulk_create(
        [
            ApplicationDocument(
                application=application,
                document_type=document_type,
                file=shared.get(document_type.pk),
                status=DocumentStatus.SUBMITTED
                if document_type.pk in shared
                else DocumentStatus.MISSING,
            )
            for document_type in DocumentType.objects.for_program(program)
        ]
    )
    created = workflow.BY_ACTION[workflow.FileAction.APPLY]
    record(
        created.audit,
        actor=actor,
        target=application,
        data={"program": program.code},
    )
    email_candidate(application, created.email)
    return application


def _latest_common_files(candidate) -> dict[int, CandidateFile]:
    """The candidate's current file for each common document type."""
    files = {}
    for use in (
        ApplicationDocument.objects.filter(
            application__candidate=candidate,
            document_type__common=True,
            file__isnull=False,
            application__file_status__in=ACTIVE_STATUSES,
        )
        .select_related("file")
        .order_by("file__uploaded_at")
    ):
        if use.file is not None:  # filtered above; narrowed for the type checker
            files[use.document_type_id] = use.file
    return files


# --- documents ----------------------------------------------------------------------------


class DocumentRefused(DomainError):
    """A change to the application's documents, answers or state is refused."""


def _editable_or_refuse(application: Application, now=None):
    now = now or timezone.now()
    if not application.is_editable_by_candidate:
        raise DocumentRefused(_("This application has been transmitted: it cannot be changed."))
    deadline = application.return_deadline
    if deadline and now > deadline:
        raise DocumentRefused(_("The return deadline has passed."))


def _release(files) -> None:
    """Delete files no application refers to any more (storage removed after commit)."""
    for candidate_file in files:
        if candidate_file is None or candidate_file.uses.exists():
            continue
        candidate_file.delete_with_content()


def _documents_to_update(application: Application, document_type: DocumentType):
    """The rows an upload for this type fills: this application's, and for a common type the
    same type in the candidate's other applications still being prepared."""
    rows = ApplicationDocument.objects.filter(document_type=document_type).exclude(
        status=DocumentStatus.VALIDATED
    )
    if document_type.common:
        return rows.filter(
            application__candidate=application.candidate,
            application__file_status__in=workflow.EDITABLE_BY_CANDIDATE,
        )
    return rows.filter(application=application)


def _scan(content: bytes, *, actor, document_type) -> ScanStatus:
    """The antivirus rule of ``files.antivirus.check``, each refusal audited; an unreachable
    daemon follows ``CLAMAV_UNAVAILABLE_POLICY`` (accepted files are rescanned later)."""
    try:
        return ScanStatus(
            antivirus.check(
                content,
                accept_unavailable=settings.CLAMAV_UNAVAILABLE_POLICY == "accept",
                on_unavailable=lambda error: record(
                    codes.DOCUMENT_SCAN_UNAVAILABLE, actor=actor, data={"error": str(error)[:200]}
                ),
                on_infected=lambda signature: record(
                    codes.DOCUMENT_INFECTED,
                    actor=actor,
                    data={"signature": signature, "document_type": document_type.pk},
                ),
            )
        )
    except UploadRefused as refused:
        raise DocumentRefused(refused.message) from refused


def _store(candidate_file: CandidateFile, content: bytes, received: bytes | None) -> None:
    """Write the checked content (and, when it awaits the antivirus, the bytes as received)
    under fresh keys; ``StorageUnavailable`` with nothing left behind otherwise."""
    storage = candidate_file.file.storage
    candidate_file.file.name = stored_files.save(
        storage, candidate_file.file.field.generate_filename(candidate_file, ""), content
    )
    if received is not None:
        try:
            candidate_file.received.name = stored_files.save(
                storage,
                candidate_file.received.field.generate_filename(candidate_file, ""),
                received,
            )
        except stored_files.StorageUnavailable:
            _discard_stored(candidate_file)
            raise


def _discard_stored(candidate_file: CandidateFile) -> None:
    for field_file in (candidate_file.file, candidate_file.received):
        stored_files.delete_quietly(field_file.storage, field_file.name)


def upload_document(
    *,
    application: Application,
    document_type_id: int,
    data: bytes,
    filename: str,
    actor,
) -> ApplicationDocument:
    """Check, scan and store an upload; nothing is stored when any check fails.

    ``DocumentRefused`` for a refusal, ``files.storage.StorageUnavailable`` when the
    storage cannot take the file (the candidate tries again; nothing changed)."""
    try:
        checked = check_upload(data, max_bytes=InstitutionSettings.load().upload_max_bytes)
    except UploadRefused as exc:
        raise DocumentRefused(exc.message) from None
    document_type = DocumentType.objects.filter(pk=document_type_id).first()
    if document_type is None:
        raise DocumentRefused(_("This document is not asked for this application."))
    # Scanned before any lock is taken, and the bytes the candidate sent (not only the
    # rewritten ones); refusals are audited outside the transaction so the row stays.
    scan_status = _scan(data, actor=actor, document_type=document_type)
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        _editable_or_refuse(application)
        document = (
            application.documents.select_related("document_type")
            .filter(document_type_id=document_type_id)
            .first()
        )
        if document is None:
            raise DocumentRefused(_("This document is not asked for this application."))
        if document.status == DocumentStatus.VALIDATED:
            raise DocumentRefused(_("This document has been validated: it cannot be replaced."))
        candidate_file = CandidateFile(
            owner=application.candidate,
            document_type=document.document_type,
            original_name=f"{safe_stem(filename)}.{checked.extension}",
            content_type=checked.content_type,
            size=len(checked.content),
            sha256=checked.sha256,
            scan_status=scan_status,
        )
        # StorageUnavailable (disk full or read-only, bucket unreachable) leaves nothing:
        # no partial file, no row, the previous document in place.
        _store(candidate_file, checked.content, data if scan_status == ScanStatus.PENDING else None)
        try:
            candidate_file.save()
            rows = list(
                _documents_to_update(application, document.document_type).select_related("file")
            )
            old_files = {row.file for row in rows if row.file_id}
            ApplicationDocument.objects.filter(pk__in=[r.pk for r in rows]).update(
                file=candidate_file, status=DocumentStatus.SUBMITTED, comment=""
            )
            _release(old_files)
        except Exception:
            _discard_stored(candidate_file)
            raise
        record(
            codes.DOCUMENT_UPLOADED,
            actor=actor,
            target=application,
            data={
                "document_type": document.document_type_id,
                "file": candidate_file.pk,
                "scan": scan_status,
                "applications": sorted({r.application_id for r in rows}),
            },
        )
    document.refresh_from_db()
    return document


@transaction.atomic
def remove_document(*, application: Application, document_type_id: int, actor):
    application = Application.objects.select_for_update().get(pk=application.pk)
    _editable_or_refuse(application)
    document = application.documents.select_related("document_type").get(
        document_type_id=document_type_id
    )
    if document.status == DocumentStatus.VALIDATED:
        raise DocumentRefused(_("This document has been validated: it cannot be removed."))
    rows = list(
        _documents_to_update(application, document.document_type).filter(file=document.file)
    )
    if not document.file_id:
        rows = [document]
    old_files = {row.file for row in rows if row.file_id}
    ApplicationDocument.objects.filter(pk__in=[r.pk for r in rows]).update(
        file=None, status=DocumentStatus.MISSING
    )
    _release(old_files)
    record(
        codes.DOCUMENT_REMOVED,
        actor=actor,
        target=application,
        data={"document_type": document_type_id},
    )


@transaction.atomic
def declare_not_concerned(*, application: Application, document_type_id: int, actor):
    application = Application.objects.select_for_update().get(pk=application.pk)
    _editable_or_refuse(application)
    document = application.documents.select_related("document_type", "file").get(
        document_type_id=document_type_id
    )
    if not document.document_type.conditional:
        raise DocumentRefused(_("This document is required."))
    old = document.file
    document.file = None
    document.status = DocumentStatus.NOT_CONCERNED
    document.save(update_fields=["file", "status"])
    _release([old])
    record(
        codes.DOCUMENT_NOT_CONCERNED,
        actor=actor,
        target=application,
        data={"document_type": document_type_id},
    )


# --- questions ----------------------------------------------------------------------------


def questions_for(application: Application):
    return Question.objects.for_program(application.program).order_by("order", "label_fr")


@transaction.atomic
def save_answers(*, application: Application, answers: dict, actor) -> None:
    """``answers``: question id → dict(yes_no=…, text=…, not_concerned=…)."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    _editable_or_refuse(application)
    for question_id, values in answers.items():
        Answer.objects.update_or_create(
            application=application, question_id=question_id, defaults=values
        )
    record(
        codes.APPLICATION_ANSWERS_SAVED,
        actor=actor,
        target=application,
        data={"questions": sorted(answers)},
    )


# --- submitting and cancelling ------------------------------------------------------------


def missing_items(application: Application) -> list[str]:
    """What still prevents submission, in words the candidate understands."""
    missing = [
        _("Document: %(name)s") % {"name": d.document_type.label}
        for d in application.documents.select_related("document_type")
        if not d.is_done
    ]
    answers = {a.question_id: a for a in application.answers.all()}
    for question in questions_for(application):
        answer = answers.get(question.pk)
        if answer is None or not answer.is_answered:
            missing.append(_("Question: %(label)s") % {"label": question.label})
    return missing


class SubmitRefused(DomainError):
    """What is missing before the application can be transmitted (``messages``);
    ``message`` joins them."""

    def __init__(self, messages):
        super().__init__("; ".join(str(m) for m in messages))
        self.messages = messages


def submit(*, application_id: int, actor, now=None) -> Application:
    """Transmit the application. Idempotent: a second call changes nothing and sends nothing."""
    with transaction.atomic():
        application = (
            Application.objects.select_for_update()
            .select_related("program", "candidate")
            .get(pk=application_id)
        )
        move = workflow.submission(application.file_status)
        if move is None:
            return application  # already transmitted (double click, another tab)
        now = now or timezone.now()
        deadline = application.return_deadline
        if deadline and now > deadline:
            raise SubmitRefused([_("The return deadline has passed.")])
        missing = missing_items(application)
        if missing:
            raise SubmitRefused(missing)
        previous = application.file_status
        if not workflow.apply_transition(application, move, now=now):
            return Application.objects.get(pk=application.pk)
        record(
            move.audit,
            actor=actor,
            target=application,
            data={"from": previous, "to": move.target},
        )
        documents = [
            (d.document_type.label, d.get_status_display())
            for d in application.documents.select_related("document_type")
        ]
        email_candidate(application, move.email, documents=documents)
    return application


@transaction.atomic
def cancel(*, application_id: int, actor) -> Application:
    application = (
        Application.objects.select_for_update()
        .select_related("program", "candidate")
        .get(pk=application_id)
    )
    if application.file_status == FileStatus.CANCELLED:
        return application
    try:
        move = workflow.transition(workflow.FileAction.CANCEL, application.file_status)
    except workflow.TransitionRefused:
        raise DocumentRefused(_("A transmitted application cannot be cancelled.")) from None
    if not workflow.apply_transition(application, move, now=timezone.now()):
        return Application.objects.get(pk=application.pk)
    documents = list(application.documents.select_related("file"))
    files = {d.file for d in documents if d.file_id}
    application.documents.all().delete()
    _release(files)  # only files no other application uses
    record(move.audit, actor=actor, target=application)
    email_candidate(application, move.email)
    return application


def send_reminders(now=None) -> int:
    """Periodic job: remind candidates whose applications are still not transmitted
    ``APPLICATION_REMINDER_DAYS`` days before the return deadline, once per application."""
    now = now or timezone.now()
    horizon = now + timedelta(days=settings.APPLICATION_REMINDER_DAYS)
    due = Application.objects.filter(
        file_status=FileStatus.WAITING, reminder_sent_at__isnull=True
    ).filter(
        Q(personal_return_deadline__gt=now, personal_return_deadline__lte=horizon)
        | Q(
            personal_return_deadline__isnull=True,
            program__return_deadline__gt=now,
            program__return_deadline__lte=horizon,
        )
    )
    count = 0
    for application in due.select_related("program", "candidate"):
        with transaction.atomic():
            if Application.objects.filter(pk=application.pk, reminder_sent_at__isnull=True).update(
                reminder_sent_at=now
            ):
                record(codes.APPLICATION_REMINDER_SENT, target=application)
                email_candidate(application, "application_reminder")
                count += 1
    return count


# --- files accepted while the antivirus was unavailable ----------------------------------


def rescan_pending_files(limit: int = 500) -> dict[str, int]:
    """Scan the files accepted while clamd was unreachable (``CLAMAV_UNAVAILABLE_POLICY`` =
    accept), from the bytes the candidate sent (``received``; files from before it was kept
    have only their rewritten copy). A clean file loses its mark and its received copy; an
    infected one is taken out of every application that used it (the document becomes
    refused, the candidate is emailed) and deleted. A file whose content is gone is flagged
    (``missing_since``, audited once) and skipped; the others are scanned all the same, the
    flagged ones last. Stops at the first connection failure to clamd: the rest waits for the
    next run."""
    counts = {"clean": 0, "infected": 0, "missing": 0, "unreadable": 0, "pending": 0}
    pending = CandidateFile.objects.filter(scan_status=ScanStatus.PENDING)
    if not settings.CLAMAV_URL:
        counts["pending"] = pending.count()
        return counts
    batch = pending.order_by(F("missing_since").asc(nulls_first=True), "uploaded_at", "pk")
    for candidate_file in batch[:limit]:
        try:
            content = _received_content(candidate_file)
        except stored_files.FileMissing:
            flag_missing(candidate_file)
            counts["missing"] += 1
            continue
        except stored_files.StorageUnavailable:
            counts["unreadable"] += 1  # logged by the storage helper; tried again next run
            continue
        try:
            result = antivirus.scan_bytes(content)
        except antivirus.ScannerUnavailable:
            break
        if result.infected:
            _quarantine(candidate_file.pk, result.signature)
            counts["infected"] += 1
        else:
            _mark_clean(candidate_file.pk)
            counts["clean"] += 1
    counts["pending"] = pending.count()
    return counts


def _received_content(candidate_file: CandidateFile) -> bytes:
    """The bytes the candidate sent; the rewritten copy when they were lost (or never kept,
    before they were), which is a weaker check, so it is logged."""
    if candidate_file.received:
        try:
            return stored_files.read(candidate_file.received.storage, candidate_file.received.name)
        except stored_files.FileMissing:
            logger.error(
                "file %s: received copy lost, the rewritten copy is scanned", candidate_file.pk
            )
    return stored_files.read(candidate_file.file.storage, candidate_file.file.name)


def _mark_clean(file_id: int) -> None:
    with transaction.atomic():
        candidate_file = CandidateFile.objects.select_for_update().filter(pk=file_id).first()
        if candidate_file is None or candidate_file.scan_status != ScanStatus.PENDING:
            return  # removed or replaced while it was scanned
        received = candidate_file.received.name
        candidate_file.scan_status = ScanStatus.CLEAN
        candidate_file.received = ""
        candidate_file.save(update_fields=["scan_status", "received"])
        if received:
            transaction.on_commit(
                partial(stored_files.delete_quietly, candidate_file.received.storage, received)
            )


def flag_missing(candidate_file: CandidateFile, now=None) -> None:
    """Record that the content of ``candidate_file`` is gone: the row is marked (staff see
    it), and audited on every application using it, once."""
    now = now or timezone.now()
    with transaction.atomic():
        if not CandidateFile.objects.filter(
            pk=candidate_file.pk, missing_since__isnull=True
        ).update(missing_since=now):
            return  # flagged already (or deleted)
        candidate_file.missing_since = now
        for document in ApplicationDocument.objects.filter(file=candidate_file).select_related(
            "application"
        ):
            record(
                codes.DOCUMENT_FILE_MISSING,
                target=document.application,
                data={"document_type": document.document_type_id, "file": candidate_file.pk},
            )


def read_candidate_file(candidate_file: CandidateFile) -> bytes:
    """The stored content of ``candidate_file``; a missing one is flagged, then
    ``files.storage.FileMissing`` (or ``StorageUnavailable``) is raised."""
    try:
        return stored_files.read(candidate_file.file.storage, candidate_file.file.name)
    except stored_files.FileMissing:
        flag_missing(candidate_file)
        raise


def open_candidate_file(candidate_file: CandidateFile):
    """``candidate_file`` opened for a download, flagged when it is missing (as above)."""
    try:
        return stored_files.open_file(candidate_file.file.storage, candidate_file.file.name)
    except stored_files.FileMissing:
        flag_missing(candidate_file)
        raise


def referenced_file_names() -> set[str]:
    """Every stored name a row refers to: candidates' files (and their received copies) and
    the catalogue's files (document templates, commission signatures)."""
    names: set[str] = set()
    for file_name, received in CandidateFile.objects.values_list("file", "received").iterator():
        names.update(n for n in (file_name, received) if n)
    names.update(n for n in DocumentType.objects.values_list("template", flat=True) if n)
    names.update(n for n in Commission.objects.values_list("signature", flat=True) if n)
    return names


def sweep_orphan_files(*, grace: timedelta, now=None, dry_run: bool = False) -> dict[str, int]:
    """Delete the stored files no row refers to, written more than ``grace`` ago: what an
    upload that failed half-way or a deletion that failed left behind."""
    now = now or timezone.now()
    return stored_files.sweep_orphans(
        default_storage,
        prefixes=(*STORED_FILE_PREFIXES, *CATALOGUE_FILE_PREFIXES),
        referenced=referenced_file_names,
        older_than=now - grace,
        dry_run=dry_run,
    )


@transaction.atomic
def _quarantine(file_id: int, signature: str) -> None:
    candidate_file = CandidateFile.objects.select_for_update().filter(pk=file_id).first()
    if candidate_file is None:
        return  # replaced or removed while it was scanned: nothing uses it any more
    uses = ApplicationDocument.objects.select_related(
        "application", "application__program", "application__candidate", "document_type"
    ).filter(file=candidate_file)
    for document in uses:
        application = document.application
        with translation.override(application.candidate.preferred_language):
            comment = str(_("This file contains a virus and was removed. Upload a clean copy."))
            label = str(document.document_type.label)
        ApplicationDocument.objects.filter(pk=document.pk).update(
            file=None, status=DocumentStatus.REFUSED, comment=comment
        )
        record(
            codes.DOCUMENT_INFECTED,
            target=application,
            data={"signature": signature, "document_type": document.document_type_id},
        )
        email_candidate(application, "document_refused", document=label, comment=comment)
    _release([candidate_file])
