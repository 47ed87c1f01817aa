"""Reference data: countries, French departments and communes, postal codes, high schools,
baccalaureate series, specialities and honours.

Loaded from the files in ``data/`` by ``manage.py import_referentials`` (see SOURCES.md
there for where each file comes from). Natural codes are the primary keys, so re-importing
updates rows in place and foreign keys stay readable in exports.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ecandidat.common.i18n import LocalizedLabel, french_active, localized

FRANCE = "FR"


class Country(models.Model):
    iso2 = models.CharField(_("ISO code"), max_length=2, primary_key=True)
    iso3 = models.CharField(max_length=3, blank=True)
    numeric = models.CharField(max_length=3, blank=True)
    insee_code = models.CharField(_("INSEE code"), max_length=5, blank=True)
    name_fr = models.CharField(_("name (French)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    nationality_fr = models.CharField(max_length=100, blank=True)
    nationality_fr_feminine = models.CharField(max_length=100, blank=True)
    nationality_en = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        ordering = ["name_fr"]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return localized(self.name_fr, self.name_en)

    @property
    def is_france(self) -> bool:
        return self.iso2 == FRANCE

    @property
    def nationality(self) -> str:
        """ "ALLEMAND(E)" in French, as eCandidat shows it; "German" in English."""
        if french_active():
            masculine, feminine = self.nationality_fr, self.nationality_fr_feminine
            if not masculine:
                return ""
            if feminine and feminine != masculine:
                if feminine.startswith(masculine):
                    return f"{masculine}({feminine[len(masculine) :]})".upper()
                return f"{masculine} / {feminine}".upper()
            return masculine.upper()
        return self.nationality_en


class Department(models.Model):
    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    region_code = models.CharField(max_length=3, blank=True)
    region_name = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} - {self.name}"


class Commune(models.Model):
    insee_code = models.CharField(_("INSEE code"), max_length=5, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="communes", verbose_name=_("department")
    )

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name"]

    def __str__(self):
        return self.name


class PostalCode(models.Model):
    """La Poste's postal codes: one code serves several communes and the other way round."""

    code = models.CharField(_("postal code"), max_length=5, db_index=True)
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="postal_codes")

    class Meta:
        verbose_name = _("postal code")
        verbose_name_plural = _("postal codes")
        constraints = [
            models.UniqueConstraint(fields=["code", "commune"], name="referentials_postal_unique")
        ]

    def __str__(self):
        return f"{self.code} {self.commune_id}"


class HighSchool(models.Model):
    uai = models.CharField(_("UAI"), max_length=10, primary_key=True)
    name = models.CharField(_("name"), max_length=200)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    commune = models.ForeignKey(
        Commune, null=True, blank=True, on_delete=models.SET_NULL, related_name="high_schools"
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="high_schools"
    )
    country = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.SET_NULL, related_name="high_schools"
    )

    class Meta:
        verbose_name = _("high school")
        verbose_name_plural = _("high schools")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.city})" if self.city else self.name


class BacSeriesQuerySet(models.QuerySet):
    def valid_in(self, year: int):
        """Series that could be obtained at the session of ``year``."""
        return self.filter(
            models.Q(first_year__isnull=True) | models.Q(first_year__lte=year),
            models.Q(last_year__isnull=True) | models.Q(last_year__gte=year),
        )


class BacSeries(LocalizedLabel, models.Model):
    code = models.CharField(_("code"), max_length=12, primary_key=True)
    label_fr = models.CharField(max_length=150)
    label_en = models.CharField(max_length=150)
    first_year = models.PositiveSmallIntegerField(null=True, blank=True)
    last_year = models.PositiveSmallIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=20, blank=True)

    objects = BacSeriesQuerySet.as_manager()

    class Meta:
        verbose_name = _("baccalaureate series")
        verbose_name_plural = _("baccalaureate series")
        ordering = ["label_fr"]

    def __str__(self):
        return self.label


class BacSpeciality(LocalizedLabel, models.Model):
    code = models.CharField(_("code"), max_length=12, primary_key=True)
    label_fr = models.CharField(max_length=150)
    label_en = models.CharField(max_length=150)
    first_year = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("baccalaureate speciality")
        verbose_name_plural = _("baccalaureate specialities")
        ordering = ["label_fr"]

    def __str__(self):
        return self.label


class Honours(LocalizedLabel, models.Model):
    code = models.CharField(_("code"), max_length=8, primary_key=True)
    label_fr = models.CharField(max_length=100)
    label_en = models.CharField(max_length=100)
    min_average = models.PositiveSmallIntegerField(null=True, blank=True)
    first_year = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("honours")
        verbose_name_plural = _("honours")
        ordering = ["min_average", "code"]

    def __str__(self):
        return self.label


class HigherEducationEstablishment(models.Model):
    """Universities and schools offered as suggestions for the candidate's non-local studies
    (free text remains possible: the list is not exhaustive)."""

    code = models.CharField(_("code"), max_length=120, primary_key=True)
    name = models.CharField(_("name"), max_length=250)
    country = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.SET_NULL, related_name="establishments"
    )

    class Meta:
        verbose_name = _("higher-education establishment")
        verbose_name_plural = _("higher-education establishments")
        ordering = ["name"]

    def __str__(self):
        return self.name
