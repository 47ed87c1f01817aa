"""What candidates choose from and what staff configure: campaigns, centres, training
types, commissions, programs with their milestones, document types and questions.

Programs are not tied to a campaign: a university keeps its offer from one year to the next
and updates the dates; applications (next issue) belong to a campaign.
"""

from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from ecandidat.accounts.scope import scope_of
from ecandidat.common.cache import cached
from ecandidat.common.i18n import LocalizedLabel, localized
from ecandidat.files.staff import checked_staff_file
from ecandidat.files.uploads import DOCUMENT_TYPES, IMAGE_TYPES, MB, UploadRefused

from . import access
from .enums import CampaignStatus, QuestionKind, Scope, Treatment


def _check_staff_upload(instance, field_name: str, *, images_only: bool) -> None:
    """A file just uploaded into ``field_name`` goes through the checks and the antivirus of
    candidates' documents and is replaced by its rewritten content (see
    ecandidat/files/staff.py); a file already stored is left alone."""
    field_file = getattr(instance, field_name)
    if not field_file or getattr(field_file, "_committed", True):
        return
    try:
        checked = checked_staff_file(
            field_file.file,
            allowed=IMAGE_TYPES if images_only else DOCUMENT_TYPES,
            max_bytes=InstitutionSettings.load().upload_max_bytes,
        )
    except UploadRefused as refused:
        raise ValidationError({field_name: refused.message}) from None
    setattr(instance, field_name, checked)


def _as_date(value: date | datetime) -> date:
    """A milestone as a day (a date-time in the local time zone)."""
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


class LabelledModel(LocalizedLabel, models.Model):
    label_fr = models.CharField(_("label (French)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.label


class VisibleQuerySet(models.QuerySet):
    """``visible_to(user)`` / ``editable_by(user)`` from the user's role assignments."""

    # Set by each subclass: (scope, *, edit) -> the Q of what the scope sees, None for all.
    scope_filter: Callable[..., Q | None]

    def _scoped(self, user, edit: bool):
        scope = scope_of(user)
        if not scope.roles:
            return self.none()
        condition = type(self).scope_filter(scope, edit=edit)
        return self if condition is None else self.filter(condition).distinct()

    def visible_to(self, user):
        return self._scoped(user, edit=False)

    def editable_by(self, user):
        return self._scoped(user, edit=True)


class CentreQuerySet(VisibleQuerySet):
    scope_filter = staticmethod(lambda scope, edit: access.centre_filter(scope, edit=edit))


class CommissionQuerySet(VisibleQuerySet):
    scope_filter = staticmethod(lambda scope, edit: access.commission_filter(scope, edit=edit))


class PegasePeriod(models.Model):
    """A registration period of Pégase (an ODF "espace" of type période), kept by the central
    office. A campaign names the period its admitted candidates register for: its code is
    the ``code_periode`` of every wish in the registration files."""

    # eCandidat's campaign code holds the period code in Pégase mode, in 20 characters.
    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        validators=[
            RegexValidator(
                # Printable ASCII without space, '"' or ";": the registration files are
                # ";"-separated and never quoted.
                r"^[!#-:<-~]+$",
                _("Letters, digits and punctuation, without spaces, quotes or semicolons."),
            )
        ],
        help_text=_("The period code in Pégase, e.g. PER-2026."),
    )
    label = models.CharField(_("label"), max_length=200)
    starts_on = models.DateField(_("start"))
    ends_on = models.DateField(_("end"))

    class Meta:
        verbose_name = _("Pégase period")
        verbose_name_plural = _("Pégase periods")
        ordering = ["-starts_on", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__lte=models.F("ends_on")),
                name="catalog_pegase_period_dates_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.code} – {self.label}"

    def clean(self):
        if self.starts_on and self.ends_on and self.starts_on > self.ends_on:
            raise ValidationError(_("The period must start before it ends."))


class CampaignQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=CampaignStatus.ACTIVE)


class Campaign(LabelledModel):
    code = models.CharField(_("code"), max_length=20, unique=True)
    starts_on = models.DateField(_("start"))
    ends_on = models.DateField(_("end"))
    candidate_ends_on = models.DateField(_("end for candidates"))
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.PREPARED
    )
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    pegase_period = models.ForeignKey(
        PegasePeriod,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("Pégase period"),
        help_text=_(
            "The period the admitted candidates register for; without it nothing is "
            "exported to Pégase."
        ),
    )

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status=CampaignStatus.ACTIVE),
                name="catalog_one_active_campaign",
            ),
            models.CheckConstraint(
                condition=Q(starts_on__lte=models.F("candidate_ends_on"))
                & Q(candidate_ends_on__lte=models.F("ends_on")),
                name="catalog_campaign_dates_ordered",
            ),
        ]

    def clean(self):
        dates = (self.starts_on, self.candidate_ends_on, self.ends_on)
        if all(dates) and not dates[0] <= dates[1] <= dates[2]:
            raise ValidationError(_("The dates must be in order: start, end for candidates, end."))
        period = self.pegase_period
        # Candidates confirm until the campaign ends and are exported the same day: the
        # period they register for must still be running (or to come) by then.
        if period is not None and self.ends_on and period.ends_on < self.ends_on:
            raise ValidationError(
                {
                    "pegase_period": _(
                        "This Pégase period ends on %(end)s, before the campaign does: "
                        "choose the period the admitted candidates register for."
                    )
                    % {"end": date_format(period.ends_on)}
                }
            )


class TrainingType(LabelledModel):
    code = models.CharField(_("code"), max_length=20, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("training type")
        verbose_name_plural = _("training types")
        ordering = ["order", "label_fr"]


class Milestones(models.Model):
    """The dated steps of a program, in the order they must follow."""

    opens_at = models.DateTimeField(_("applications open"), null=True, blank=True)
    closes_at = models.DateTimeField(_("applications close"), null=True, blank=True)
    pre_analysis_on = models.DateField(_("pre-analysis"), null=True, blank=True)
    return_deadline = models.DateTimeField(_("return deadline"), null=True, blank=True)
    jury_on = models.DateField(_("jury"), null=True, blank=True)
    results_at = models.DateTimeField(_("publication of results"), null=True, blank=True)
    confirmation_deadline = models.DateField(_("confirmation deadline"), null=True, blank=True)
    confirmation_days = models.PositiveSmallIntegerField(
        _("days to confirm after the decision"), null=True, blank=True
    )
    complementary_confirmation_days = models.PositiveSmallIntegerField(
        _("days to confirm after a promotion from the complementary list"),
        null=True,
        blank=True,
    )

    MILESTONE_FIELDS = (
        "opens_at",
        "closes_at",
        "pre_analysis_on",
        "return_deadline",
        "jury_on",
        "results_at",
        "confirmation_deadline",
    )

    class Meta:
        abstract = True

    def _label(self, name: str) -> StrOrPromise:
        return getattr(self._meta.get_field(name), "verbose_name", name)

    def milestone_errors(self) -> dict[str, StrOrPromise]:
        """Field → message for every milestone earlier than the one before it."""
        errors: dict[str, StrOrPromise] = {}
        previous = None
        for name in self.MILESTONE_FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            if previous is not None:
                prev_name, prev_value = previous
                both_times = isinstance(value, datetime) and isinstance(prev_value, datetime)
                if both_times:
                    wrong = value <= prev_value if prev_name == "opens_at" else value < prev_value
                else:
                    wrong = _as_date(value) < _as_date(prev_value)
                if wrong:
                    errors[name] = _("“%(this)s” must come after “%(previous)s”.") % {
                        "this": self._label(name),
                        "previous": self._label(prev_name),
                    }
            previous = (name, value)
        if self.confirmation_deadline and self.confirmation_days:
            errors["confirmation_days"] = _(
                "Give either a confirmation deadline or a number of days, not both."
            )
        return errors

    def clean(self):
        errors = self.milestone_errors()
        if errors:
            raise ValidationError(errors)

    def milestone_values(self) -> dict:
        return {
            name: getattr(self, name)
            for name in (
                *self.MILESTONE_FIELDS,
                "confirmation_days",
                "complementary_confirmation_days",
            )
        }


class Centre(Milestones):
    code = models.CharField(_("code"), max_length=20, unique=True)
    label = models.CharField(_("label"), max_length=200)
    site = models.CharField(_("site"), max_length=100, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    in_service = models.BooleanField(_("in service"), default=True)
    online = models.BooleanField(
        _("online applications"), default=True, help_text=_("Otherwise: paper applications.")
    )
    max_applications = models.PositiveSmallIntegerField(
        _("maximum applications per candidate in this centre"), null=True, blank=True
    )

    objects = CentreQuerySet.as_manager()

    class Meta:
        verbose_name = _("centre")
        verbose_name_plural = _("centres")
        ordering = ["label"]

    def __str__(self):
        return self.label


class Commission(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    label = models.CharField(_("label"), max_length=200)
    centre = models.ForeignKey(
        Centre, on_delete=models.PROTECT, related_name="commissions", verbose_name=_("centre")
    )
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_address = models.TextField(_("contact address"), blank=True)
    contact_url = models.URLField(_("contact URL"), blank=True)
    signatory_name = models.CharField(_("signatory"), max_length=200, blank=True)
    signature = models.ImageField(_("signature image"), upload_to="signatures/", blank=True)
    alert_on_submission = models.BooleanField(_("alert members on each submission"), default=False)
    alert_on_confirmation = models.BooleanField(
        _("alert members on each confirmation"), default=False
    )
    alert_on_withdrawal = models.BooleanField(_("alert members on each withdrawal"), default=True)
    letters_for_candidates = models.BooleanField(
        _("candidates may download their admission or refusal letter"), default=True
    )
    attach_letters = models.BooleanField(
        _("attach the letter to the decision email"), default=False
    )

    objects = CommissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("commission")
        verbose_name_plural = _("commissions")
        ordering = ["label"]

    def __str__(self):
        return self.label

    def clean(self):
        super().clean()
        _check_staff_upload(self, "signature", images_only=True)


class ProgramQuerySet(VisibleQuerySet):
    scope_filter = staticmethod(lambda scope, edit: access.program_filter(scope, edit=edit))

    def in_service(self):
        return self.filter(in_service=True, centre__in_service=True)

    def open_at(self, moment):
        return self.in_service().filter(opens_at__lte=moment, closes_at__gt=moment)

    def search(self, text: str):
        text = text.strip()
        if not text:
            return self
        query = Q()
        for word in text.split():
            query &= (
                Q(label_fr__icontains=word)
                | Q(label_en__icontains=word)
                | Q(keywords__icontains=word)
                | Q(code__iexact=word)
            )
        return self.filter(query)


class Program(LabelledModel, Milestones):
    code = models.CharField(_("code"), max_length=30, unique=True)
    centre = models.ForeignKey(
        Centre, on_delete=models.PROTECT, related_name="programs", verbose_name=_("centre")
    )
    training_type = models.ForeignKey(
        TrainingType,
        on_delete=models.PROTECT,
        related_name="programs",
        verbose_name=_("training type"),
    )
    commission = models.ForeignKey(
        Commission,
        on_delete=models.PROTECT,
        related_name="programs",
        verbose_name=_("commission"),
    )
    in_service = models.BooleanField(_("in service"), default=True)
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    description_url = models.URLField(_("description URL"), blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    info_fr = models.TextField(_("complementary information (French)"), blank=True)
    info_en = models.TextField(_("complementary information (English)"), blank=True)
    treatment = models.CharField(
        _("treatment"), max_length=12, choices=Treatment.choices, default=Treatment.CONTROLLED
    )
    preselection_at = models.DateTimeField(
        _("preselection date and time (default)"), null=True, blank=True
    )
    preselection_place = models.CharField(
        _("preselection place (default)"), max_length=200, blank=True
    )
    sis_code = models.CharField(
        _("code in the student information system"),
        max_length=50,
        blank=True,
        help_text=_("Pégase curriculum object (or Apogée step) for the registration export."),
    )
    complementary_auto = models.BooleanField(
        _("promote from the complementary list automatically"),
        default=True,
        help_text=_("Each withdrawal offers the place to the first candidate by rank."),
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ProgramQuerySet.as_manager()

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["label_fr"]

    def clean(self):
        super().clean()
        if self.commission_id and self.centre_id and self.commission.centre_id != self.centre_id:
            raise ValidationError({"commission": _("This commission belongs to another centre.")})

    @property
    def info(self) -> str:
        return localized(self.info_fr, self.info_en)

    def is_open(self, moment=None) -> bool:
        moment = moment or timezone.now()
        return bool(
            self.in_service
            and self.opens_at
            and self.closes_at
            and self.opens_at <= moment < self.closes_at
        )


class ScopedQuerySet(VisibleQuerySet):
    scope_filter = staticmethod(lambda scope, edit: access.scoped_item_filter(scope, edit=edit))

    def for_program(self, program: Program):
        return (
            self.filter(in_service=True)
            .filter(
                Q(scope=Scope.ALL)
                | Q(scope=Scope.CENTRE, centre=program.centre_id)
                | Q(scope=Scope.PROGRAMS, programs=program)
            )
            .filter(Q(treatment="") | Q(treatment=program.treatment))
            .distinct()
        )


class ScopedItem(LabelledModel):
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    in_service = models.BooleanField(_("in service"), default=True)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.ALL)
    centre = models.ForeignKey(
        Centre,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("centre"),
    )
    programs = models.ManyToManyField(
        Program, blank=True, related_name="+", verbose_name=_("programs")
    )
    conditional = models.BooleanField(
        _("conditional"),
        default=False,
        help_text=_("The candidate may declare not being concerned."),
    )
    treatment = models.CharField(
        _("only for the treatment"),
        max_length=12,
        choices=Treatment.choices,
        blank=True,
        help_text=_("Leave empty for every treatment."),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["order", "label_fr"]

    def clean(self):
        if self.scope == Scope.CENTRE and not self.centre_id:
            raise ValidationError({"centre": _("Choose the centre.")})
        if self.scope != Scope.CENTRE:
            self.centre = None


class DocumentType(ScopedItem):
    """A required document (pièce justificative)."""

    common = models.BooleanField(
        _("common to all applications"),
        default=False,
        help_text=_("One upload serves every application that asks for it."),
    )
    template = models.FileField(_("template to download"), upload_to="templates/", blank=True)

    class Meta(ScopedItem.Meta):
        verbose_name = _("document type")
        verbose_name_plural = _("document types")

    def clean(self):
        super().clean()
        _check_staff_upload(self, "template", images_only=False)


class Question(ScopedItem):
    kind = models.CharField(
        _("kind"), max_length=10, choices=QuestionKind.choices, default=QuestionKind.YES_NO
    )

    class Meta(ScopedItem.Meta):
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    @property
    def is_yes_no(self) -> bool:
        return self.kind == QuestionKind.YES_NO


SETTINGS_CACHE_KEY = "institution-settings"


class InstitutionSettings(models.Model):
    """Institution-wide settings editable by the central office (a single row)."""

    max_applications = models.PositiveSmallIntegerField(
        _("maximum applications per candidate and campaign"), null=True, blank=True
    )
    ine_required_for_french = models.BooleanField(
        _("INE required for French nationals"), default=True
    )
    upload_max_mb = models.PositiveSmallIntegerField(_("maximum upload size (MB)"), default=5)
    dossier_number_prefix = models.CharField(
        _("dossier number prefix"),
        max_length=2,
        blank=True,
        validators=[
            RegexValidator(
                r"^[0-9A-Z]{0,2}$", _("Up to 2 characters among digits and capital letters.")
            )
        ],
        help_text=_("Replaces the first characters of every new dossier number."),
    )
    show_real_ranks = models.BooleanField(
        _("show candidates their current position on the complementary list"), default=True
    )
    retention_days = models.PositiveIntegerField(
        _("days after archiving before a campaign's applications are deleted"), default=365
    )
    overdue_colour = models.CharField(
        _("colour of overdue applications in the list"),
        max_length=7,
        default="#fff3cd",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("A colour such as #fff3cd."))],
    )
    centres_define_decision_types = models.BooleanField(
        _("centres may define their own decision types"), default=False
    )
    overdue_days = models.PositiveSmallIntegerField(
        _("days before a submitted application without decision is highlighted"), default=15
    )
    # Staff roles (StaffRole values) whose holders must use two-factor authentication; in
    # production administrators and the central office always must (STAFF_2FA_REQUIRED).
    two_factor_roles = models.JSONField(
        _("roles that must use two-factor authentication"), default=list, blank=True
    )

    class Meta:
        verbose_name = _("institution settings")
        verbose_name_plural = _("institution settings")

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def load(cls) -> "InstitutionSettings":
        """The settings, from the cache (read on nearly every page; forgotten on save)."""
        return cached(SETTINGS_CACHE_KEY, cls._from_database)

    @classmethod
    def _from_database(cls) -> "InstitutionSettings":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj

    @property
    def upload_max_bytes(self) -> int:
        """The per-file upload limit, for candidates' documents and staff's files alike."""
        return self.upload_max_mb * MB

    def overdue_cutoff(self, now=None):
        """Applications transmitted before this moment and still undecided are overdue."""
        return (now or timezone.now()) - timedelta(days=self.overdue_days)


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


DOCUMENT_TYPES_IN_SERVICE_KEY = "document-types-in-service"
CAMPAIGNS_KEY = "campaigns"


def document_types_in_service() -> list[DocumentType]:
    """Every document type in service, from the cache (forgotten when one changes)."""
    return cached(
        DOCUMENT_TYPES_IN_SERVICE_KEY, lambda: list(DocumentType.objects.filter(in_service=True))
    )


def campaigns_newest_first() -> list[Campaign]:
    """Every campaign, the newest first, from the cache (forgotten when one changes)."""
    return cached(CAMPAIGNS_KEY, lambda: list(Campaign.objects.order_by("-starts_on")))
