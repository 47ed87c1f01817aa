"""The candidate's dossier: filled once, reused by every application.

One model per section of the seed's step 3. Single sections (personal information,
address, baccalaureate) are one-to-one with the account; repeated sections are lists.
Every editable row carries a ``version`` used for optimistic concurrency: a save that was
prepared from an older version is refused instead of silently overwriting another tab.
The candidate's names and preferred language live on the account itself.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecandidat.referentials.models import (
    BacSeries,
    BacSpeciality,
    Commune,
    Country,
    Department,
    HighSchool,
    Honours,
)

from .enums import StudyResult, Title, TrainingLevel
from .limits import ADDRESS_LINE_HELP, NAME_HELP, address_line_validators, validate_sis_text


class VersionedModel(models.Model):
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(_("last modified"), auto_now=True)

    class Meta:
        abstract = True


class PlaceMixin(models.Model):
    """A place: a French commune (department → commune) or a free-text town abroad."""

    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("Country")
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Department"),
    )
    commune = models.ForeignKey(
        Commune,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Town"),
    )
    town_abroad = models.CharField(_("Town"), max_length=100, blank=True)

    class Meta:
        abstract = True

    @property
    def town(self) -> str:
        return self.commune.name if self.commune is not None else self.town_abroad


class PersonalInformation(VersionedModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="personal_information",
    )
    nationality = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("Nationality")
    )
    # INE and key typed as one 11-character value; unique among those who have one.
    ine = models.CharField(_("INE"), max_length=11, blank=True)
    student_number = models.CharField(
        _("student number"), max_length=20, blank=True, help_text=_("Set by staff or imports.")
    )
    title = models.CharField(_("Title"), max_length=4, choices=Title.choices)
    married_name = models.CharField(
        _("Married name"), max_length=100, blank=True, help_text=NAME_HELP
    )
    other_first_name = models.CharField(
        _("Other first name"), max_length=100, blank=True, help_text=NAME_HELP
    )
    birth_date = models.DateField(_("Birthdate"))
    birth_country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("Country of birth")
    )
    birth_department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Department of birth"),
    )
    birth_commune = models.ForeignKey(
        Commune,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("City of birth"),
    )
    birth_city_abroad = models.CharField(
        _("City of birth"), max_length=100, blank=True, validators=[validate_sis_text]
    )
    phone = models.CharField(_("Phone number"), max_length=20, blank=True)
    mobile = models.CharField(_("Cell phone number"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("personal information")
        verbose_name_plural = _("personal information")
        constraints = [
            models.UniqueConstraint(
                fields=["ine"], condition=~models.Q(ine=""), name="dossier_unique_ine"
            ),
            models.UniqueConstraint(
                fields=["student_number"],
                condition=~models.Q(student_number=""),
                name="dossier_unique_student_number",
            ),
        ]
        permissions = [
            ("view_candidate_dossier", _("Can view candidate dossiers")),
            ("change_candidate_dossier", _("Can edit candidate dossiers and accounts")),
        ]

    def __str__(self):
        return str(self.user)

    @property
    def birth_city(self) -> str:
        return self.birth_commune.name if self.birth_commune is not None else self.birth_city_abroad


def address_line(label, *, blank: bool = False) -> models.CharField:
    """A line the student information system takes (38 characters, no ``;`` or ``"``): the
    column stays 100 wide for the values stored before the limit."""
    return models.CharField(
        label,
        max_length=100,
        blank=blank,
        validators=address_line_validators(),
        help_text=ADDRESS_LINE_HELP,
    )


class Address(VersionedModel, PlaceMixin):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="address"
    )
    postal_code = models.CharField(_("Postal code"), max_length=10, blank=True)
    # The lines and the town abroad go to the student information system, which takes 38
    # characters (dossier/limits.py: the columns stay wider for the values stored before).
    town_abroad = address_line(_("Town"), blank=True)
    line1 = address_line(_("Address"))
    line2 = address_line(_("Additional address 1"), blank=True)
    line3 = address_line(_("Additional address 2"), blank=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self):
        return f"{self.line1}, {self.postal_code} {self.town}"


class Baccalaureate(VersionedModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="baccalaureate",
    )
    completed = models.BooleanField(_("I have completed my Secondary Education"))
    year = models.PositiveSmallIntegerField(_("Year of graduation"), null=True, blank=True)
    series = models.ForeignKey(
        BacSeries,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Type of high school diploma/baccalaureate or equivalence"),
    )
    specialities = models.ManyToManyField(
        BacSpeciality, blank=True, related_name="+", verbose_name=_("Specialities")
    )
    honours = models.ForeignKey(
        Honours,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Honors"),
    )
    country = models.ForeignKey(
        Country,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Country"),
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Department"),
    )
    commune = models.ForeignKey(
        Commune,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Town"),
    )
    high_school = models.ForeignKey(
        HighSchool,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("High school"),
    )

    class Meta:
        verbose_name = _("baccalaureate")
        verbose_name_plural = _("baccalaureates")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(completed=False)
                | models.Q(year__isnull=False, series__isnull=False, country__isnull=False),
                name="dossier_bac_completed_has_details",
            )
        ]

    def __str__(self):
        return f"{self.year} {self.series_id}" if self.completed else "-"


class LocalStudy(models.Model):
    """A year at this institution, imported from the student information system.

    A row whose student matches no candidate yet is kept without a user, under its student
    number and INE: a student who then signs in through the university finds it at once.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="local_studies",
        null=True,
        blank=True,
    )
    student_number = models.CharField(_("student number"), max_length=20, blank=True)
    ine = models.CharField(_("INE"), max_length=11, blank=True)
    academic_year = models.CharField(_("Academic year"), max_length=9)
    program_code = models.CharField(_("Program code"), max_length=20)
    program_label = models.CharField(_("Program"), max_length=200)
    result = models.CharField(_("Result"), max_length=50, blank=True)
    honours = models.CharField(_("Honors"), max_length=50, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("local study")
        verbose_name_plural = _("local studies")
        ordering = ["-academic_year", "program_code"]
        indexes = [
            models.Index(
                fields=["student_number"],
                condition=models.Q(user__isnull=True),
                name="dossier_pending_study_number",
            ),
            models.Index(
                fields=["ine"],
                condition=models.Q(user__isnull=True),
                name="dossier_pending_study_ine",
            ),
        ]

    def __str__(self):
        return f"{self.academic_year} {self.program_code}"


class NonLocalStudy(VersionedModel, PlaceMixin):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="non_local_studies"
    )
    establishment = models.CharField(_("Establishment"), max_length=200)
    year = models.PositiveSmallIntegerField(_("Year obtained"))
    training = models.CharField(_("Training"), max_length=20, choices=TrainingLevel.choices)
    description = models.CharField(_("Description of training"), max_length=300)
    result = models.CharField(_("Obtained"), max_length=16, choices=StudyResult.choices)
    honours = models.ForeignKey(
        Honours,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Honors"),
    )

    class Meta:
        verbose_name = _("non-local study")
        verbose_name_plural = _("non-local studies")
        ordering = ["-year", "id"]

    def __str__(self):
        return f"{self.year} {self.description}"


class Internship(VersionedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="internships"
    )
    year = models.PositiveSmallIntegerField(_("Year"))
    duration = models.CharField(_("Duration"), max_length=50)
    hours_per_week = models.PositiveSmallIntegerField(_("Hours/week"), null=True, blank=True)
    employer = models.CharField(_("Employer/organization"), max_length=200)
    description = models.TextField(_("Description"), max_length=2000)

    class Meta:
        verbose_name = _("internship")
        verbose_name_plural = _("internships")
        ordering = ["-year", "id"]

    def __str__(self):
        return f"{self.year} {self.employer}"


class WorkExperience(VersionedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="work_experiences"
    )
    year = models.PositiveSmallIntegerField(_("Year"))
    title = models.CharField(_("Title"), max_length=200)
    duration = models.CharField(_("Duration"), max_length=50)
    employer = models.CharField(_("Employer/organization"), max_length=200)
    goal = models.TextField(_("Goal"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("work experience")
        verbose_name_plural = _("work experiences")
        ordering = ["-year", "id"]

    def __str__(self):
        return f"{self.year} {self.title}"
