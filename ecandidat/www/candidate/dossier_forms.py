"""Forms of the dossier sections.

Dependent lists (country → department → town → high school, postal code → town, year →
series) are computed by the form itself from the values it was given, so the same code
serves the htmx refresh (the form is re-rendered on change, without saving) and the
no-JavaScript "Update the lists" button.
"""

from datetime import date

import phonenumbers
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecandidat.accounts.enums import Language
from ecandidat.dossier.enums import StudyResult, Title, TrainingLevel
from ecandidat.dossier.ine import is_valid_ine, normalize_ine
from ecandidat.dossier.limits import (
    ADDRESS_LINE_HELP,
    ADDRESS_LINE_MAX_LENGTH,
    NAME_HELP,
    NAME_MAX_LENGTH,
    validate_sis_text,
)
from ecandidat.dossier.models import (
    Address,
    Baccalaureate,
    Internship,
    NonLocalStudy,
    PersonalInformation,
    WorkExperience,
)
from ecandidat.identity.models import UniversityIdentity
from ecandidat.referentials import choices as reference_lists
from ecandidat.referentials.models import (
    FRANCE,
    BacSeries,
    BacSpeciality,
    Commune,
    Country,
    Department,
    HigherEducationEstablishment,
    HighSchool,
    Honours,
)
from ecandidat.www.public.forms import validate_person_name
from ecandidat.www.widgets import FastSelect

REFRESH_FIELD = "_refresh"


def current_year() -> int:
    return timezone.localdate().year


def name_field(label, *, required: bool = True) -> forms.CharField:
    """A person's name as the student information system stores it (its length, shown)."""
    return forms.CharField(
        label=label,
        max_length=NAME_MAX_LENGTH,
        required=required,
        validators=[validate_person_name],
        help_text=NAME_HELP,
    )


def address_line(label, *, required: bool = True) -> forms.CharField:
    """An address line as the student information system stores it (38 characters, no
    ``;`` or ``"``)."""
    return forms.CharField(
        label=label,
        max_length=ADDRESS_LINE_MAX_LENGTH,
        required=required,
        validators=[validate_sis_text],
        help_text=ADDRESS_LINE_HELP,
    )


class CountryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class NationalityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.nationality or obj.name


class DossierForm(forms.Form):
    """Base: a hidden version for optimistic concurrency and the dependent-list machinery."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Field whose change updates other fields → the fields it updates. With htmx only those
    # fields are swapped (out of band) and disabled while the request runs, so what the
    # candidate types elsewhere meanwhile is never overwritten.
    dependents: dict[str, tuple[str, ...]] = {}

    def __init__(self, *args, refresh_url: str = "", instance=None, **kwargs):
        self.instance = instance
        super().__init__(*args, **kwargs)
        if instance is not None and not self.is_bound:
            self.initial.setdefault("version", instance.version)
        for field in self.fields.values():
            if type(field.widget) is forms.Select:
                field.widget = FastSelect(attrs=field.widget.attrs, choices=field.choices)
        for name, targets in self.dependents.items():
            self.fields[name].widget.attrs.update(
                {
                    "hx-post": refresh_url,
                    "hx-trigger": "change",
                    "hx-swap": "none",
                    "hx-select-oob": ",".join(f"#field-{target}" for target in targets),
                    "hx-disabled-elt": ", ".join(
                        f"#field-{target} select, #field-{target} input" for target in targets
                    ),
                    "hx-include": "#dossier-form",
                    "hx-vals": '{"%s": "1"}' % REFRESH_FIELD,  # noqa: UP031
                }
            )
        self.configure_dependent_fields()
        for field in self.fields.values():
            reference = _reference_list(field)
            if reference is not None:
                show_choices(field, reference)

    def value_of(self, name: str):
        """The current raw value of a field: typed (bound form) or initial."""
        if self.is_bound:
            return self.data.get(self.add_prefix(name)) or None
        value = self.initial.get(name)
        if value is None and name in self.fields:
            value = self.fields[name].initial
        if callable(value):
            value = value()
        return getattr(value, "pk", value)

    def configure_dependent_fields(self):
        """Restrict dependent querysets and decide which fields to show."""

    hidden_fields_for_state: set[str] = set()
    conditionally_required: set[str] = set()

    @property
    def field_rows(self):
        """(bound field, hidden) for every field: hidden ones stay in the page, empty and
        invisible, so that an out-of-band swap can reveal them."""
        return [
            (self[name], name in self.hidden_fields_for_state)
            for name in self.fields
            if name != "version"
        ]

    def without_errors(self):
        """Re-render the typed values without validating (a refresh, not a save)."""
        self._errors = forms.utils.ErrorDict()
        self.cleaned_data = {}
        return self

    def expected_version(self) -> int | None:
        return self.cleaned_data.get("version")

    def require(self, name: str, cleaned: dict) -> None:
        if not cleaned.get(name) and name not in self.errors:
            self.add_error(name, forms.ValidationError(_("This field is required."), "required"))


def _reference_list(field) -> list[tuple[str, str]] | None:
    """The cached list an unrestricted country or department field shows (its queryset
    still validates what is posted)."""
    if not isinstance(field, forms.ModelChoiceField) or field.queryset.query.has_filters():
        return None
    if isinstance(field, NationalityChoiceField):
        return reference_lists.nationalities()
    if field.queryset.model is Country:
        return reference_lists.countries()
    if field.queryset.model is Department:
        return reference_lists.departments()
    return None


def show_choices(field: forms.ModelChoiceField, pairs: list[tuple[str, str]]) -> None:
    """Show ``pairs`` instead of rows read through the field's queryset. Set last: assigning
    a queryset afterwards would keep these choices."""
    empty = [] if field.empty_label is None else [("", field.empty_label)]
    field.choices = [*empty, *pairs]


class PlaceFormMixin:
    """Country → department → commune (France) or free-text town (abroad)."""

    place_fields = ("country", "department", "commune", "town_abroad")

    def configure_place(self, country="country", department="department", commune="commune"):
        country_code = self.value_of(country)
        is_france = country_code == FRANCE
        department_code = self.value_of(department) if is_france else None
        field = self.fields[commune]
        if department_code:
            field.queryset = Commune.objects.filter(department_id=department_code)
            show_choices(field, reference_lists.communes_in(str(department_code)))
        else:
            field.queryset = Commune.objects.none()
        return is_france, department_code

    def clean_place(
        self,
        cleaned,
        country="country",
        department="department",
        commune="commune",
        abroad="town_abroad",
    ):
        place_country = cleaned.get(country)
        if place_country is None:
            return
        if place_country.iso2 == FRANCE:
            self.require(department, cleaned)
            self.require(commune, cleaned)
            department_value, commune_value = cleaned.get(department), cleaned.get(commune)
            if (
                department_value
                and commune_value
                and commune_value.department_id != department_value.pk
            ):
                self.add_error(commune, _("This town is not in the department chosen."))
            if abroad:
                cleaned[abroad] = ""
        else:
            cleaned[department] = None
            cleaned[commune] = None
            if abroad:
                self.require(abroad, cleaned)


def france():
    return FRANCE


class PersonalInformationForm(PlaceFormMixin, DossierForm):
    nationality = NationalityChoiceField(
        label=_("Nationality"), queryset=Country.objects.all(), initial=france
    )
    ine = forms.CharField(
        label=_("INE"),
        required=False,
        max_length=20,
        help_text=_(
            "The INE number corresponds to the INE code and its key (all attached: without "
            "space, no dash, etc.)"
        ),
    )
    title = forms.ChoiceField(label=_("Title"), choices=[("", "---------"), *Title.choices])
    last_name = name_field(_("Last name"))
    married_name = name_field(_("Married name"), required=False)
    first_name = name_field(_("First name"))
    other_first_name = name_field(_("Other first name"), required=False)
    birth_date = forms.DateField(
        label=_("Birthdate"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    birth_country = CountryChoiceField(
        label=_("Country of birth"), queryset=Country.objects.all(), initial=france
    )
    birth_department = forms.ModelChoiceField(
        label=_("Department of birth"), queryset=Department.objects.all(), required=False
    )
    birth_commune = forms.ModelChoiceField(
        label=_("City of birth"), queryset=Commune.objects.none(), required=False
    )
    birth_city_abroad = forms.CharField(
        label=_("City of birth"), max_length=100, required=False, validators=[validate_sis_text]
    )
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=Language.choices)
    phone = forms.CharField(label=_("Phone number"), max_length=30, required=False)
    mobile = forms.CharField(label=_("Cell phone number"), max_length=30, required=False)

    dependents = {
        "birth_country": ("birth_department", "birth_commune", "birth_city_abroad"),
        "birth_department": ("birth_commune",),
    }

    def __init__(self, *args, subject=None, **kwargs):
        self.subject = subject
        super().__init__(*args, **kwargs)
        # Only accounts the university's sign-in opened have one (no query for the others).
        self.university = (
            UniversityIdentity.objects.filter(user=subject).first()
            if subject is not None and subject.university_id
            else None
        )
        if self.university is not None:
            self._lock_university_fields()
        self.fields["birth_date"].widget.attrs.update(
            {"min": self.oldest().isoformat(), "max": self.youngest().isoformat()}
        )
        self.fields["phone"].widget.attrs.update({"type": "tel", "autocomplete": "tel"})
        self.fields["mobile"].widget.attrs.update({"type": "tel", "autocomplete": "tel"})

    def _lock_university_fields(self):
        """A student signed in through the university: the fields its information system
        vouches for are shown, not editable (a disabled field ignores what is posted)."""
        identity, user = self.university, self.subject
        locked = {"last_name": user.last_name, "first_name": user.first_name}
        if identity.birth_date:
            locked["birth_date"] = identity.birth_date
        if identity.ine:
            locked["ine"] = identity.ine
        for name, value in locked.items():
            field = self.fields[name]
            field.disabled = True
            self.initial[name] = value
            field.help_text = _(
                "From the university's records. To correct it, contact the registrar's office."
            )

    @staticmethod
    def _years_ago(years: int) -> date:
        today = timezone.localdate()
        try:
            return today.replace(year=today.year - years)
        except ValueError:  # 29 February
            return today.replace(year=today.year - years, day=28)

    def oldest(self) -> date:
        return self._years_ago(100)

    def youngest(self) -> date:
        return self._years_ago(10)

    def configure_dependent_fields(self):
        is_france, _department = self.configure_place(
            "birth_country", "birth_department", "birth_commune"
        )
        self.hidden_fields_for_state = (
            {"birth_city_abroad"} if is_france else {"birth_department", "birth_commune"}
        )
        self.conditionally_required = {"birth_department", "birth_commune", "birth_city_abroad"}

    def clean_ine(self):
        value = self.cleaned_data["ine"]
        if not value.strip():
            return ""
        ine = normalize_ine(value)
        if not is_valid_ine(ine):
            raise forms.ValidationError(
                _(
                    "This INE is not valid. Type the 11 characters of the INE and its key, "
                    "without spaces or dashes."
                ),
                code="invalid_ine",
            )
        taken = PersonalInformation.objects.filter(ine=ine)
        if self.subject is not None:
            taken = taken.exclude(user=self.subject)
        if taken.exists():
            raise forms.ValidationError(
                _("This INE is already used by another candidate."), code="ine_taken"
            )
        return ine

    def clean_birth_date(self):
        value = self.cleaned_data["birth_date"]
        if not self.oldest() <= value <= self.youngest():
            raise forms.ValidationError(
                _("The birthdate must be between %(oldest)s and %(youngest)s.")
                % {
                    "oldest": self.oldest().strftime("%d/%m/%Y"),
                    "youngest": self.youngest().strftime("%d/%m/%Y"),
                },
                code="birth_date_range",
            )
        return value

    def _clean_phone(self, name):
        value = self.cleaned_data[name].strip()
        if not value:
            return ""
        try:
            number = phonenumbers.parse(value, "FR")
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise forms.ValidationError(
                _("Enter a valid phone number, for example 02 35 14 60 00 or +49 30 1234567."),
                code="invalid_phone",
            )
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def clean_phone(self):
        return self._clean_phone("phone")

    def clean_mobile(self):
        return self._clean_phone("mobile")

    def clean(self):
        cleaned = super().clean()
        self.clean_place(
            cleaned, "birth_country", "birth_department", "birth_commune", "birth_city_abroad"
        )
        return cleaned

    def values(self) -> tuple[dict, dict]:
        c = self.cleaned_data
        model_values = {
            "nationality": c["nationality"],
            "ine": c["ine"],
            "title": c["title"],
            "married_name": c["married_name"],
            "other_first_name": c["other_first_name"],
            "birth_date": c["birth_date"],
            "birth_country": c["birth_country"],
            "birth_department": c["birth_department"],
            "birth_commune": c["birth_commune"],
            "birth_city_abroad": c["birth_city_abroad"],
            "phone": c["phone"],
            "mobile": c["mobile"],
        }
        user_values = {
            "last_name": c["last_name"],
            "first_name": c["first_name"],
            "preferred_language": c["preferred_language"],
        }
        if self.university is not None and self.university.student_number:
            model_values["student_number"] = self.university.student_number
        return model_values, user_values

    @classmethod
    def initial_from(cls, instance: PersonalInformation | None, user) -> dict:
        initial = {
            "last_name": user.last_name,
            "first_name": user.first_name,
            "preferred_language": user.preferred_language,
        }
        if instance is not None:
            for name in [
                "nationality",
                "ine",
                "title",
                "married_name",
                "other_first_name",
                "birth_date",
                "birth_country",
                "birth_department",
                "birth_commune",
                "birth_city_abroad",
                "phone",
                "mobile",
            ]:
                initial[name] = getattr(instance, name)
        return initial


class AddressForm(DossierForm):
    country = CountryChoiceField(label=_("Country"), queryset=Country.objects.all(), initial=france)
    postal_code = forms.CharField(label=_("Postal code"), max_length=10, required=False)
    commune = forms.ModelChoiceField(
        label=_("Town"), queryset=Commune.objects.none(), required=False
    )
    # The student information system's limits (dossier/limits.py), shown with each field.
    town_abroad = address_line(_("Town"), required=False)
    line1 = address_line(_("Address"))
    line2 = address_line(_("Additional address 1"), required=False)
    line3 = address_line(_("Additional address 2"), required=False)

    dependents = {"country": ("commune", "town_abroad"), "postal_code": ("commune",)}

    def configure_dependent_fields(self):
        is_france = self.value_of("country") == FRANCE
        postal_code = (self.value_of("postal_code") or "").strip()
        self.fields["commune"].queryset = (
            Commune.objects.filter(postal_codes__code=postal_code).order_by("name").distinct()
            if is_france and postal_code
            else Commune.objects.none()
        )
        self.fields["postal_code"].widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "postal-code"}
        )
        self.fields["postal_code"].help_text = _(
            "In France, type the 5 digits: the list of towns is updated."
        )
        # Typing the fifth digit is enough to update the list of towns.
        self.fields["postal_code"].widget.attrs["hx-trigger"] = (
            "change, input changed delay:400ms[this.value.length == 5]"
        )
        self.hidden_fields_for_state = {"town_abroad"} if is_france else {"commune"}
        self.conditionally_required = {"commune", "town_abroad"} | (
            {"postal_code"} if is_france else set()
        )

    def clean(self):
        cleaned = super().clean()
        country = cleaned.get("country")
        if country is None:
            return cleaned
        if country.iso2 == FRANCE:
            postal_code = (cleaned.get("postal_code") or "").strip()
            if not postal_code:
                self.require("postal_code", cleaned)
            elif not (len(postal_code) == 5 and postal_code.isdigit()):
                self.add_error("postal_code", _("A French postal code has 5 digits."))
            elif not self.fields["commune"].queryset.exists():
                self.add_error("postal_code", _("No town has this postal code."))
            else:
                self.require("commune", cleaned)
            cleaned["town_abroad"] = ""
        else:
            cleaned["commune"] = None
            self.require("town_abroad", cleaned)
        return cleaned

    def values(self) -> dict:
        c = self.cleaned_data
        return {
            "country": c["country"],
            "postal_code": c["postal_code"].strip(),
            "commune": c["commune"],
            "department_id": c["commune"].department_id if c.get("commune") else None,
            "town_abroad": c["town_abroad"],
            "line1": c["line1"],
            "line2": c["line2"],
            "line3": c["line3"],
        }

    @classmethod
    def initial_from(cls, instance: Address | None, user=None) -> dict:
        if instance is None:
            return {}
        return {
            name: getattr(instance, name)
            for name in [
                "country",
                "postal_code",
                "commune",
                "town_abroad",
                "line1",
                "line2",
                "line3",
            ]
        }


class BaccalaureateForm(PlaceFormMixin, DossierForm):
    completed = forms.TypedChoiceField(
        label=_("Year of high school diploma/baccalaureate"),
        choices=[
            ("yes", _("I have completed my Secondary Education")),
            ("no", _("I have not completed my Secondary Education")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        initial="yes",
    )
    year = forms.TypedChoiceField(label=_("Year of graduation"), coerce=int, required=False)
    series = forms.ModelChoiceField(
        label=_("Type of high school diploma/baccalaureate or equivalence"),
        queryset=BacSeries.objects.none(),
        required=False,
        help_text=_(
            "The list of high school diplomas/baccalaureates is updated according to the year"
        ),
    )
    specialities = forms.ModelMultipleChoiceField(
        label=_("Specialities (final year)"),
        queryset=BacSpeciality.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    honours = forms.ModelChoiceField(
        label=_("Honors"), queryset=Honours.objects.none(), required=False
    )
    country = CountryChoiceField(
        label=_("Country"), queryset=Country.objects.all(), required=False, initial=france
    )
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.all(), required=False
    )
    commune = forms.ModelChoiceField(
        label=_("Town"), queryset=Commune.objects.none(), required=False
    )
    high_school = forms.ModelChoiceField(
        label=_("High school"), queryset=HighSchool.objects.none(), required=False
    )

    dependents = {
        "completed": (
            "year",
            "series",
            "specialities",
            "honours",
            "country",
            "department",
            "commune",
            "high_school",
        ),
        "year": ("series", "specialities", "honours"),
        "country": ("department", "commune", "high_school"),
        "department": ("commune", "high_school"),
        "commune": ("high_school",),
    }

    def configure_dependent_fields(self):
        this_year = current_year()
        self.fields["year"].choices = [("", "---------")] + [
            (y, str(y)) for y in range(this_year, this_year - 80, -1)
        ]
        completed = self.value_of("completed")
        completed = completed in (None, "yes", True)
        year = self.value_of("year")
        year = int(year) if year and str(year).isdigit() else None
        series = BacSeries.objects.exclude(kind="none")
        self.fields["series"].queryset = series.valid_in(year) if year else series
        self.fields["honours"].queryset = (
            Honours.objects.exclude(first_year__gt=year) if year else Honours.objects.all()
        )
        self.fields["specialities"].queryset = (
            BacSpeciality.objects.filter(first_year__lte=year)
            if year
            else BacSpeciality.objects.none()
        )
        is_france, department = self.configure_place()
        commune = self.value_of("commune") if is_france else None
        schools = HighSchool.objects.none()
        if commune:
            schools = HighSchool.objects.filter(commune_id=commune)
        elif department:
            schools = HighSchool.objects.filter(department_id=department)
        self.fields["high_school"].queryset = schools.order_by("name")
        hidden = set()
        if not completed:
            hidden = {name for name in self.fields if name not in ("completed", "version")}
        else:
            if not is_france:
                hidden |= {"department", "commune", "high_school"}
            if not (year and year >= 2021):
                hidden.add("specialities")
        self.hidden_fields_for_state = hidden
        self.conditionally_required = {"year", "series", "country", "department"}

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("completed"):
            return {"completed": False, "version": cleaned.get("version")}
        for name in ("year", "series", "country"):
            self.require(name, cleaned)
        year, series = cleaned.get("year"), cleaned.get("series")
        if year and series and not BacSeries.objects.valid_in(year).filter(pk=series.pk).exists():
            self.add_error("series", _("This diploma did not exist in the year chosen."))
        if len(cleaned.get("specialities") or []) > 2:
            self.add_error("specialities", _("Choose at most two specialities."))
        if cleaned.get("country") and cleaned["country"].iso2 == FRANCE:
            self.require("department", cleaned)
        else:
            cleaned["department"] = cleaned["commune"] = cleaned["high_school"] = None
        return cleaned

    def values(self) -> tuple[dict, dict]:
        c = self.cleaned_data
        if not c["completed"]:
            return (
                {
                    "completed": False,
                    "year": None,
                    "series": None,
                    "honours": None,
                    "country": None,
                    "department": None,
                    "commune": None,
                    "high_school": None,
                },
                {"specialities": []},
            )
        return (
            {
                "completed": True,
                "year": c["year"],
                "series": c["series"],
                "honours": c.get("honours"),
                "country": c["country"],
                "department": c.get("department"),
                "commune": c.get("commune"),
                "high_school": c.get("high_school"),
            },
            {"specialities": list(c.get("specialities") or []) if c["year"] >= 2021 else []},
        )

    @classmethod
    def initial_from(cls, instance: Baccalaureate | None, user=None) -> dict:
        if instance is None:
            return {}
        initial = {
            name: getattr(instance, name)
            for name in [
                "year",
                "series",
                "honours",
                "country",
                "department",
                "commune",
                "high_school",
            ]
        }
        initial["completed"] = "yes" if instance.completed else "no"
        initial["specialities"] = list(instance.specialities.all())
        return initial


def _year_field(label):
    return forms.IntegerField(label=label, min_value=1950, max_value=2100)


class DatalistInput(forms.TextInput):
    """A free-text input with suggestions (an HTML datalist): works without JavaScript."""

    template_name = "widgets/datalist_input.html"

    def __init__(self, attrs=None, options=()):
        super().__init__(attrs)
        self.options = options

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        list_id = f"{context['widget']['attrs'].get('id', name)}-suggestions"
        context["widget"]["attrs"]["list"] = list_id
        context["widget"]["list_id"] = list_id
        context["widget"]["options"] = self.options
        return context


class NonLocalStudyForm(PlaceFormMixin, DossierForm):
    country = CountryChoiceField(label=_("Country"), queryset=Country.objects.all(), initial=france)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.all(), required=False
    )
    commune = forms.ModelChoiceField(
        label=_("Town"), queryset=Commune.objects.none(), required=False
    )
    town_abroad = forms.CharField(label=_("Town"), max_length=100, required=False)
    establishment = forms.CharField(
        label=_("Establishment"),
        max_length=200,
        widget=DatalistInput(),
        help_text=_("Choose from the suggestions or type the name."),
    )
    year = _year_field(_("Year obtained"))
    training = forms.ChoiceField(label=_("Training"))
    description = forms.CharField(
        label=_("Description of training"),
        max_length=300,
        help_text=_(
            "For the title and level of studies, indicate the title and program respecting the "
            "following model: Level, Mention, Specialty (if applicable). BTS: DUT1, "
            "Information-Communication or BTS1, Information-Communication"
        ),
    )
    result = forms.ChoiceField(label=_("Obtained"))
    honours = forms.ModelChoiceField(
        label=_("Honors"), queryset=Honours.objects.all(), required=False
    )

    dependents = {
        "country": ("department", "commune", "town_abroad", "establishment"),
        "department": ("commune",),
    }

    def configure_dependent_fields(self):
        self.fields["training"].choices = [("", "---------"), *TrainingLevel.choices]
        self.fields["result"].choices = [("", "---------"), *StudyResult.choices]
        is_france, _department = self.configure_place()
        self.hidden_fields_for_state = {"town_abroad"} if is_france else {"department", "commune"}
        country = self.value_of("country")
        self.fields["establishment"].widget.options = (
            list(
                HigherEducationEstablishment.objects.filter(country_id=country)
                .order_by("name")
                .values_list("name", flat=True)[:2000]
            )
            if country
            else []
        )
        self.conditionally_required = {"department", "commune", "town_abroad"}

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > current_year() + 1:
            raise forms.ValidationError(_("This year is in the future."), code="future_year")
        return year

    def clean(self):
        cleaned = super().clean()
        self.clean_place(cleaned)
        return cleaned

    def values(self) -> dict:
        c = self.cleaned_data
        return {
            name: c.get(name)
            for name in [
                "country",
                "department",
                "commune",
                "town_abroad",
                "establishment",
                "year",
                "training",
                "description",
                "result",
                "honours",
            ]
        }

    @classmethod
    def initial_from(cls, instance: NonLocalStudy | None, user=None) -> dict:
        if instance is None:
            return {}
        return {name: getattr(instance, name) for name in cls.base_fields if name != "version"}


class InternshipForm(DossierForm):
    year = _year_field(_("Year"))
    duration = forms.CharField(
        label=_("Duration"), max_length=50, help_text=_("For example: 3 months, 8 weeks.")
    )
    hours_per_week = forms.IntegerField(
        label=_("Hours/week"), min_value=1, max_value=80, required=False
    )
    employer = forms.CharField(label=_("Employer/organization"), max_length=200)
    description = forms.CharField(
        label=_("Description"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > current_year() + 1:
            raise forms.ValidationError(_("This year is in the future."), code="future_year")
        return year

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.base_fields if name != "version"}

    @classmethod
    def initial_from(cls, instance: Internship | None, user=None) -> dict:
        if instance is None:
            return {}
        return {name: getattr(instance, name) for name in cls.base_fields if name != "version"}


class WorkExperienceForm(InternshipForm):
    year = _year_field(_("Year"))
    title = forms.CharField(label=_("Title"), max_length=200)
    duration = forms.CharField(
        label=_("Duration"), max_length=50, help_text=_("For example: 2 years, 6 months.")
    )
    employer = forms.CharField(label=_("Employer/organization"), max_length=200)
    goal = forms.CharField(
        label=_("Goal"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    hours_per_week = None
    description = None
    field_order = ["year", "title", "duration", "employer", "goal"]

    @classmethod
    def initial_from(cls, instance: WorkExperience | None, user=None) -> dict:
        return super().initial_from(instance, user)
