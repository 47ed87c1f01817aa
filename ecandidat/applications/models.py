"""Applications: one candidate × one program × one campaign, with its documents and answers.

Uploaded files are ``CandidateFile`` rows (stored under opaque keys); an application's
``ApplicationDocument`` points at one. A *common* document type's file is shared by the
candidate's applications that ask for it; a file is removed from storage only when no
application refers to it any more, so cancelling one application never takes a document
away from another (eCandidat issue #37).
"""

import uuid
from functools import partial

from django.conf import settings
from django.db import models, transaction
from django.db.models import BooleanField, Case, Q, Value, When
from django.utils.translation import gettext_lazy as _

from ecandidat.accounts.scope import scope_of
from ecandidat.catalog.access import decision_program_filter
from ecandidat.catalog.enums import Treatment
from ecandidat.catalog.models import Campaign, DocumentType, Program, Question
from ecandidat.files import storage as stored_files

from . import workflow
from .enums import (
    ACTIVE_STATUSES,
    NO_ANSWER,
    NO_DECISION,
    SUBMITTED_STATUSES,
    CandidateAnswer,
    DecisionKind,
    DocumentStatus,
    FileStatus,
    ScanStatus,
)


def opaque_key(instance, filename):
    # Never the candidate's file name: a random key, sharded to keep directories small.
    key = uuid.uuid4().hex
    return f"documents/{key[:2]}/{key}"


def received_key(instance, filename):
    # The bytes as received, kept apart from the documents until the antivirus has seen them.
    key = uuid.uuid4().hex
    return f"received/{key[:2]}/{key}"


# The storage folders whose files are rows of this app (the orphan sweep walks them).
STORED_FILE_PREFIXES = ("documents", "received")


class ApplicationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(file_status__in=ACTIVE_STATUSES)

    def of_candidate(self, user):
        return self.filter(candidate=user)

    def visible_to_staff(self, user):
        """Applications of the programs the staff member can see."""
        return self.filter(program__in=Program.objects.visible_to(user))

    def decidable_by(self, user):
        """Applications on which ``user`` may enter a decision: every one for the central
        office and administrators, those of their centres (or commission) for a centre
        manager, those of the very commissions whose assignment has ``can_decide`` for a
        commission member. Every path that enters a decision goes through this."""
        scope = scope_of(user)
        if not scope.roles:
            return self.none()
        condition = decision_program_filter(scope)
        if condition is None:
            return self
        return self.filter(program__in=Program.objects.filter(condition))

    def with_overdue(self, cutoff):
        """Annotate ``is_overdue``: transmitted before ``cutoff``, still under review and
        without a validated decision (the staff list highlights these, the staff home counts
        them)."""
        rule = Q(
            submitted_at__lt=cutoff,
            file_status__in=[FileStatus.RECEIVED, FileStatus.COMPLETE],
            decision_kind=NO_DECISION,
        )
        # Case, not a bare comparison: an untransmitted application is False, not NULL.
        return self.annotate(
            is_overdue=Case(
                When(rule, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )

    def with_list_data(self):
        return self.select_related("program", "program__centre", "campaign")


class Application(models.Model):
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applications"
    )
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="applications", verbose_name=_("program")
    )
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="applications")
    file_status = models.CharField(
        _("file status"), max_length=12, choices=FileStatus.choices, default=FileStatus.WAITING
    )
    treatment = models.CharField(_("treatment"), max_length=12, choices=Treatment.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    personal_return_deadline = models.DateTimeField(
        _("personal return deadline"), null=True, blank=True
    )
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # The candidate's answer to a validated favourable decision.
    answer = models.CharField(
        _("candidate's answer"),
        max_length=10,
        blank=True,
        choices=CandidateAnswer.choices,
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # The kind of the latest validated decision ("" while none is), kept by the decisions
    # services whenever one is validated (decisions.services.refresh_decision_kind): the
    # staff list, its filters, the dashboards and the periodic jobs read this one column
    # instead of finding the latest decision of each application again and again.
    decision_kind = models.CharField(
        _("decision"), max_length=20, blank=True, choices=DecisionKind.choices
    )
    withdrawal_reason = models.TextField(_("reason for withdrawing"), blank=True)
    confirmation_deadline = models.DateTimeField(_("confirmation deadline"), null=True, blank=True)
    confirmation_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    registration_exported_at = models.DateTimeField(
        _("sent to the student information system"), null=True, blank=True
    )

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "program", "campaign"],
                condition=~Q(file_status=FileStatus.CANCELLED),
                name="applications_one_active_per_program",
            ),
            models.CheckConstraint(
                condition=Q(treatment__in=Treatment.values), name="applications_treatment_valid"
            ),
            models.CheckConstraint(
                condition=Q(answer__in=[NO_ANSWER, *CandidateAnswer.values]),
                name="applications_answer_valid",
            ),
            # Timestamps tied to states: transmitted files have their time, others have none.
            models.CheckConstraint(
                condition=Q(file_status__in=SUBMITTED_STATUSES, submitted_at__isnull=False)
                | (~Q(file_status__in=SUBMITTED_STATUSES) & Q(submitted_at__isnull=True)),
                name="applications_submitted_at_when_transmitted",
            ),
            models.CheckConstraint(
                condition=Q(file_status=FileStatus.CANCELLED, cancelled_at__isnull=False)
                | (~Q(file_status=FileStatus.CANCELLED) & Q(cancelled_at__isnull=True)),
                name="applications_cancelled_at_when_cancelled",
            ),
            models.CheckConstraint(
                condition=Q(answer=NO_ANSWER, answered_at__isnull=True)
                | (~Q(answer=NO_ANSWER) & Q(answered_at__isnull=False)),
                name="applications_answered_at_when_answered",
            ),
            models.CheckConstraint(
                condition=Q(file_status__in=FileStatus.values), name="applications_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(decision_kind__in=[NO_DECISION, *DecisionKind.values]),
                name="applications_decision_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.candidate_id} → {self.program_id}"

    # What the workflow table allows from the current state (templates ask these, they do
    # not compare status strings).
    @property
    def is_editable_by_candidate(self) -> bool:
        """Documents and answers may change, and the file may be transmitted (again)."""
        return self.file_status in workflow.EDITABLE_BY_CANDIDATE

    @property
    def is_direct_access(self) -> bool:
        return self.treatment == Treatment.DIRECT

    @property
    def has_confirmed(self) -> bool:
        return self.answer == CandidateAnswer.CONFIRMED

    @property
    def has_withdrawn(self) -> bool:
        return self.answer == CandidateAnswer.WITHDRAWN

    @property
    def can_be_cancelled(self) -> bool:
        return self.file_status in workflow.BY_ACTION[workflow.FileAction.CANCEL].sources

    @property
    def staff_file_actions(self) -> list:
        return workflow.actions_from(self.file_status, by=workflow.By.STAFF)

    @property
    def return_deadline(self):
        return self.personal_return_deadline or self.program.return_deadline


class CandidateFile(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="files"
    )
    document_type = models.ForeignKey(DocumentType, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=opaque_key, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    scan_status = models.CharField(max_length=12, choices=ScanStatus.choices)
    # The file exactly as the candidate sent it, kept only while it awaits the antivirus
    # (clamd was down at upload): the rescan checks what was received, not the rewritten
    # ``file`` (rewriting drops bytes a scanner would have refused), then deletes it.
    received = models.FileField(upload_to=received_key, max_length=200, blank=True)
    # When a read (download, PDF, rescan) found the stored content gone; cleared by nothing:
    # the candidate uploads the document again, which makes a new row.
    missing_since = models.DateTimeField(null=True, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("uploaded file")
        verbose_name_plural = _("uploaded files")
        constraints = [
            models.CheckConstraint(
                condition=Q(received="") | Q(scan_status=ScanStatus.PENDING),
                name="applications_received_kept_only_while_pending",
            ),
        ]

    def __str__(self):
        return self.original_name

    @property
    def awaits_scan(self) -> bool:
        """Received while the antivirus was unavailable: to be scanned again."""
        return self.scan_status == ScanStatus.PENDING

    @property
    def is_missing(self) -> bool:
        return self.missing_since is not None

    def delete_with_content(self) -> None:
        """Delete the row now and the stored content once the transaction commits (a
        rollback keeps both; the storage may be S3, outside the transaction). A deletion
        that fails is logged and left to the orphan sweep: the action is done anyway."""
        names = [name for name in (self.file.name, self.received.name) if name]
        storage = self.file.storage
        self.delete()
        for name in names:
            transaction.on_commit(partial(stored_files.delete_quietly, storage, name))


class ApplicationDocument(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    document_type = models.ForeignKey(DocumentType, on_delete=models.PROTECT, related_name="+")
    file = models.ForeignKey(
        CandidateFile, null=True, blank=True, on_delete=models.PROTECT, related_name="uses"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.MISSING
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")
        ordering = ["document_type__order", "document_type__label_fr"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "document_type"], name="applications_one_document_per_type"
            )
        ]

    def __str__(self):
        return f"{self.application_id}: {self.document_type_id}"

    @property
    def is_validated(self) -> bool:
        return self.status == DocumentStatus.VALIDATED

    @property
    def is_not_concerned(self) -> bool:
        return self.status == DocumentStatus.NOT_CONCERNED

    @property
    def can_be_checked(self) -> bool:
        """Staff may validate or refuse it: something was uploaded (or refused before)."""
        return self.status not in (DocumentStatus.MISSING, DocumentStatus.NOT_CONCERNED)

    @property
    def is_done(self) -> bool:
        return self.status in (
            DocumentStatus.SUBMITTED,
            DocumentStatus.VALIDATED,
            DocumentStatus.NOT_CONCERNED,
        )


class Answer(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    yes_no = models.BooleanField(null=True, blank=True)
    text = models.TextField(max_length=1000, blank=True)
    not_concerned = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["question__order", "question__label_fr"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "question"], name="applications_one_answer_per_question"
            )
        ]

    def __str__(self):
        return f"{self.application_id}: {self.question_id}"

    @property
    def is_answered(self) -> bool:
        return self.not_concerned or self.yes_no is not None or bool(self.text.strip())
