"""Decisions: the institution's decision types and reasons, and each decision entered on an
application (validated, published, answered through the application's offer fields)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecandidat.applications.models import Application
from ecandidat.catalog.models import Centre, CentreOwnedQuerySet
from ecandidat.common.cache import cached
from ecandidat.common.i18n import LocalizedLabel

from .enums import LETTER_KINDS, DecisionKind, DecisionOrigin
from .workflow import decision_state


class DecisionType(LocalizedLabel, models.Model):
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
        # The table keeps the name it had in the review app (a move of state only).
        db_table = "review_decisiontype"
        verbose_name = _("decision type")
        verbose_name_plural = _("decision types")
        ordering = ["kind", "label_fr"]

    def __str__(self):
        return self.label


class DecisionReason(LocalizedLabel, models.Model):
    label_fr = models.CharField(_("label (French)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200, blank=True)
    in_service = models.BooleanField(_("in service"), default=True)

    class Meta:
        # The table keeps the name it had in the review app (a move of state only).
        db_table = "review_decisionreason"
        verbose_name = _("decision reason")
        verbose_name_plural = _("decision reasons")
        ordering = ["label_fr"]

    def __str__(self):
        return self.label


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
        # The table keeps the name it had in the review app (a move of state only).
        db_table = "review_decision"
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

    # What the pages ask of a decision, instead of comparing kind strings.
    @property
    def is_favourable(self) -> bool:
        return self.decision_type.kind == DecisionKind.FAVOURABLE

    @property
    def is_unfavourable(self) -> bool:
        return self.decision_type.kind == DecisionKind.UNFAVOURABLE

    @property
    def is_complementary_list(self) -> bool:
        return self.decision_type.kind == DecisionKind.COMPLEMENTARY_LIST

    @property
    def is_preselection(self) -> bool:
        return self.decision_type.kind == DecisionKind.PRESELECTION

    @property
    def has_letter(self) -> bool:
        """Favourable and unfavourable decisions come with a letter (decisions.letters)."""
        return self.decision_type.kind in LETTER_KINDS

    @property
    def state(self) -> str:
        """Entered, scheduled or validated: the state of the table in decisions.workflow."""
        return decision_state(self)


TYPES_IN_SERVICE_KEY = "decision-types-in-service"
REASONS_IN_SERVICE_KEY = "decision-reasons-in-service"


def decision_types_in_service() -> list[DecisionType]:
    """Every decision type in service, from the cache (the staff list and the application
    page offer them on each view; forgotten when one changes)."""
    return cached(TYPES_IN_SERVICE_KEY, lambda: list(DecisionType.objects.filter(in_service=True)))


def reasons_in_service() -> list[DecisionReason]:
    return cached(
        REASONS_IN_SERVICE_KEY, lambda: list(DecisionReason.objects.filter(in_service=True))
    )
