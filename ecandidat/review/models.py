"""Staff processing around applications: tags, internal notes, list preferences."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecandidat.accounts.scope import scope_of
from ecandidat.applications.models import Application
from ecandidat.catalog.models import Centre

from .enums import DecisionKind, DecisionOrigin


class CentreOwnedQuerySet(models.QuerySet):
    """Items defined centrally (no centre) or by one centre (tags, decision types): everyone
    sees the central ones and their centres'; a centre manager edits their centres' only."""

    def visible_to(self, user):
        scope = scope_of(user)
        if scope.is_global:
            return self
        return self.filter(models.Q(centre__isnull=True) | models.Q(centre__in=scope.centre_ids))

    def editable_by(self, user):
        scope = scope_of(user)
        return self if scope.is_global else self.filter(centre__in=scope.centre_ids)


class Tag(models.Model):
    """A coloured label, defined centrally (no centre) or for one centre."""

    label = models.CharField(_("label"), max_length=50)
    colour = models.CharField(_("colour"), max_length=7, default="#0b4f8a")
    centre = models.ForeignKey(
        Centre,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tags",
        verbose_name=_("centre"),
    )
    applications = models.ManyToManyField(Application, blank=True, related_name="tags")

    objects = CentreOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["label"]

    def __str__(self):
        return self.label


class Note(models.Model):
    """An internal note on an application: never shown to the candidate."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("note"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-created_at"]

    def __str__(self):
        return self.text[:50]


class ListPreference(models.Model):
    """The columns and filters a staff member chose for the application list."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="list_preference"
    )
    columns = models.JSONField(default=list)
    filters = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("list preference")
        verbose_name_plural = _("list preferences")

    def __str__(self):
        return str(self.user_id)


class BulkJob(models.Model):
    """A bulk action on many applications, run by the worker; its progress is shown live."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=30)
    params = models.JSONField(default=dict)
    application_ids = models.JSONField(default=list)
    done = models.PositiveIntegerField(default=0)
    succeeded = models.JSONField(default=list)
    refused = models.JSONField(default=list)  # [[application id, reason], …]
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Why a failed job stopped, as shown to the person who started it (the traceback is in
    # the log, under the job's number).
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("bulk action")
        verbose_name_plural = _("bulk actions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "running", "done", "failed"]),
                name="bulkjob_status_valid",
            ),
            # Finished exactly when done or failed; an error only on a failed job.
            models.CheckConstraint(
                condition=(
                    models.Q(status__in=["done", "failed"], finished_at__isnull=False)
                    | models.Q(status__in=["queued", "running"], finished_at__isnull=True)
                ),
                name="bulkjob_finished_when_over",
            ),
            models.CheckConstraint(
                condition=models.Q(status="failed") | models.Q(error=""),
                name="bulkjob_error_only_when_failed",
            ),
        ]

    def __str__(self):
        return f"{self.action} ×{len(self.application_ids)}"

    @property
    def is_over(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def total(self) -> int:
        return len(self.application_ids)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


class DecisionType(models.Model):
    """A kind of decision as the institution words it (labels, email, flags)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=DecisionKind.choices)
    label_fr = models.CharField(_("label (French)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200, blank=True)
    final = models.BooleanField(_("final"), default=True)
    registration = models.BooleanField(_("confirming creates a registration export"), default=False)
    show_comment = models.BooleanField(_("the comment is shown to the candidate"), default=True)
    email_fr = models.TextField(
        _("email on validation (French)"),
        blank=True,
        help_text=_(
            "Variables: {first_name} {last_name} {program} {decision} {comment} {deadline} {rank}"
        ),
    )
    email_en = models.TextField(_("email on validation (English)"), blank=True)
    centre = models.ForeignKey(
        Centre,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="decision_types",
        verbose_name=_("centre"),
    )
    in_service = models.BooleanField(_("in service"), default=True)

    objects = CentreOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("decision type")
        verbose_name_plural = _("decision types")
        ordering = ["kind", "label_fr"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        from django.utils.translation import get_language

        return (
            self.label_fr
            if (get_language() or "fr").startswith("fr")
            else (self.label_en or self.label_fr)
        )


class DecisionReason(models.Model):
    label_fr = models.CharField(_("label (French)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200, blank=True)
    in_service = models.BooleanField(_("in service"), default=True)

    class Meta:
        verbose_name = _("decision reason")
        verbose_name_plural = _("decision reasons")
        ordering = ["label_fr"]

    def __str__(self):
        from django.utils.translation import get_language

        return (
            self.label_fr
            if (get_language() or "fr").startswith("fr")
            else (self.label_en or self.label_fr)
        )


class DecisionQuerySet(models.QuerySet):
    def validated(self):
        return self.filter(validated_at__isnull=False)


class Decision(models.Model):
    """One decision entered on an application; never modified once validated. The latest
    validated decision of an application is the one that counts."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="decisions")
    decision_type = models.ForeignKey(DecisionType, on_delete=models.PROTECT, related_name="+")
    reason = models.ForeignKey(
        DecisionReason, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    preselection_at = models.DateTimeField(_("preselection date and time"), null=True, blank=True)
    preselection_place = models.CharField(_("preselection place"), max_length=200, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    appeal = models.BooleanField(_("appeal"), default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now_add=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    validated_at = models.DateTimeField(null=True, blank=True)
    publish_at = models.DateTimeField(_("publication scheduled at"), null=True, blank=True)
    automatic = models.CharField(
        max_length=20, blank=True, choices=DecisionOrigin.choices, default=DecisionOrigin.STAFF
    )

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-entered_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(automatic__in=DecisionOrigin.values),
                name="review_decision_origin_valid",
            ),
            # Validated by someone exactly when validated (or by the platform: no one).
            models.CheckConstraint(
                condition=models.Q(validated_at__isnull=False)
                | models.Q(validated_by__isnull=True),
                name="review_decision_validator_only_when_validated",
            ),
        ]

    def __str__(self):
        return f"{self.application_id}: {self.decision_type_id}"

    @property
    def kind(self) -> str:
        return self.decision_type.kind
