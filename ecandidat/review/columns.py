"""The columns of the staff application list and of the exports, declared once."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecandidat.applications.models import Application

from .models import Tag


def _personal(a):
    return getattr(a.candidate, "personal_information", None)


def _bac(a):
    return getattr(a.candidate, "baccalaureate", None)


def _attr(getter, name):
    def value(a):
        obj = getter(a)
        return getattr(obj, name, "") if obj is not None else ""

    return value


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    value: Callable[[Application], Any]
    sort: str | None = None


COLUMNS = [
    Column(
        "dossier_number", _("dossier number"), lambda a: a.candidate.username, "candidate__username"
    ),
    Column("last_name", _("Last name"), lambda a: a.candidate.last_name, "candidate__last_name"),
    Column(
        "first_name", _("First name"), lambda a: a.candidate.first_name, "candidate__first_name"
    ),
    Column("email", _("email address"), lambda a: a.candidate.email, "candidate__email"),
    Column(
        "birth_date",
        _("Birthdate"),
        lambda a: _attr(_personal, "birth_date")(a) or "",
        "candidate__personal_information__birth_date",
    ),
    Column(
        "nationality",
        _("Nationality"),
        lambda a: _personal(a).nationality.name if _personal(a) else "",
        "candidate__personal_information__nationality__name_fr",
    ),
    Column("ine", _("INE"), _attr(_personal, "ine"), "candidate__personal_information__ine"),
    Column(
        "student_number",
        _("student number"),
        _attr(_personal, "student_number"),
        "candidate__personal_information__student_number",
    ),
    Column("phone", _("Phone number"), _attr(_personal, "phone")),
    Column(
        "bac_year", _("Year of graduation"), _attr(_bac, "year"), "candidate__baccalaureate__year"
    ),
    Column(
        "bac_series",
        _("Type of high school diploma/baccalaureate or equivalence"),
        lambda a: _bac(a).series.label if _bac(a) and _bac(a).series_id else "",
        "candidate__baccalaureate__series__code",
    ),
    Column("program_code", _("program code"), lambda a: a.program.code, "program__code"),
    Column("program", _("program"), lambda a: a.program.label, "program__label_fr"),
    Column("centre", _("centre"), lambda a: a.program.centre.label, "program__centre__label"),
    Column(
        "commission",
        _("commission"),
        lambda a: a.program.commission.label,
        "program__commission__label",
    ),
    Column("file_status", _("file status"), lambda a: a.get_file_status_display(), "file_status"),
    Column("treatment", _("treatment"), lambda a: a.treatment, "treatment"),
    Column("created_at", _("created at"), lambda a: _local(a.created_at), "created_at"),
    Column("submitted_at", _("submitted at"), lambda a: _local(a.submitted_at), "submitted_at"),
    Column(
        "personal_deadline",
        _("personal return deadline"),
        lambda a: _local(a.personal_return_deadline),
        "personal_return_deadline",
    ),
    Column("tags", _("tags"), lambda a: ", ".join(t.label for t in a.tags.all())),
]
BY_KEY = {c.key: c for c in COLUMNS}
DEFAULT_COLUMNS = [
    "dossier_number",
    "last_name",
    "first_name",
    "program",
    "file_status",
    "submitted_at",
    "tags",
]


def with_column_data(queryset):
    """Everything the columns read, in a fixed number of queries whatever the row count."""
    return queryset.select_related(
        "candidate",
        "candidate__personal_information",
        "candidate__personal_information__nationality",
        "candidate__baccalaureate",
        "candidate__baccalaureate__series",
        "program",
        "program__centre",
        "program__commission",
    ).prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("label")))
