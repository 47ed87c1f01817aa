"""The columns of the staff application list and of the exports, declared once."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from django.db.models import CharField, DateTimeField, F, Func, Prefetch, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecandidat.applications.models import Answer, Application, ApplicationDocument
from ecandidat.common.i18n import french_active
from ecandidat.decisions.models import Decision
from ecandidat.dossier.models import PersonalInformation
from ecandidat.review.models import Tag


def _personal(a):
    return getattr(a.candidate, "personal_information", None)


def _bac(a):
    return getattr(a.candidate, "baccalaureate", None)


def _attr(getter, name):
    def value(a):
        obj = getter(a)
        return getattr(obj, name, "") if obj is not None else ""

    return value


def _address(a):
    return getattr(a.candidate, "address", None)


def _latest(a):
    """The latest entered decision (prefetched newest first)."""
    decisions = a.decisions.all()
    return decisions[0] if decisions else None


def _answer(answer) -> str:
    if answer.not_concerned:
        return str(_("Not concerned"))
    if answer.yes_no is not None:
        return str(_("Yes") if answer.yes_no else _("No"))
    return answer.text


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


@dataclass(frozen=True)
class Column:
    """One column, for the list page and for the exports.

    ``value`` reads an ``Application`` prepared by ``with_column_data`` (the list page: 50
    model instances). The exports read no model instance: ``fields`` are the ``values()``
    paths the column needs from the application's row (joined in the one streamed query),
    ``annotations`` what the database computes for it, ``bulk`` the to-many data fetched
    once per chunk of rows (see ``exports.rows``), and ``cell`` turns that row into the same
    value as ``value`` (tests/exports compare them column by column)."""

    key: str
    label: Any
    value: Callable[[Application], Any]
    sort: str | None = None
    fields: tuple[str, ...] = ()
    cell: Callable[[dict], Any] | None = None
    bulk: tuple[str, ...] = ()
    # Values computed by the database (a label in the export's language, a date formatted in
    # its time zone): ``annotations(sql)`` gives {name: expression} for an ``SqlContext``.
    annotations: Callable[["SqlContext"], dict] | None = None

    @property
    def related(self) -> tuple[tuple[str, ...], tuple]:
        """(select_related, prefetch_related) this column reads."""
        return RELATED.get(self.key, RELATED.get(self.key.split("_")[0], ((), ())))


@dataclass(frozen=True)
class SqlContext:
    """What the database's part of an export depends on: its language, the database, and
    the time zone dates are shown in."""

    french: bool
    vendor: str
    zone: str

    @classmethod
    def current(cls, vendor: str) -> "SqlContext":
        return cls(french_active(), vendor, timezone.get_current_timezone_name())

    def label(self, path: str):
        """``localized(path_fr, path_en)`` computed by the database."""
        if self.french:
            return F(f"{path}_fr")
        return Coalesce(NullIf(F(f"{path}_en"), Value("")), F(f"{path}_fr"))


# Rendering many rows: the active language and time zone sit in thread-local storage that
# costs microseconds per read (asgiref's Local), and a cell would read them for each value.
# ``rendering()`` reads them once per chunk of rows for ``_text()`` and ``_moment_text()``,
# which fall back on the ordinary calls outside it.
_RENDERING: ContextVar["_Rendering | None"] = ContextVar("export_rendering", default=None)


class _Rendering:
    def __init__(self):
        self.zone = timezone.get_current_timezone()
        self.texts: dict[int, str] = {}


@contextmanager
def rendering() -> Iterator[None]:
    """Cells rendered in the active language and time zone, read once."""
    token = _RENDERING.set(_Rendering())
    try:
        yield
    finally:
        _RENDERING.reset(token)


def _text(label) -> str:
    """``str(label)`` of a translatable label, translated once per ``rendering()``. Only for
    labels that live as long as the module (choices, the constants below), as they are
    remembered by identity."""
    if label.__class__ is str:
        return label
    context = _RENDERING.get()
    if context is None:
        return str(label)
    text = context.texts.get(id(label))
    if text is None:
        text = context.texts[id(label)] = str(label)
    return text


def _moment_text(moment) -> str:
    """``_local(moment)``: text already (formatted by PostgreSQL), or formatted here."""
    if moment is None or moment.__class__ is str:
        return moment or ""
    context = _RENDERING.get()
    if context is None:
        return _local(moment)
    return moment.astimezone(context.zone).strftime("%Y-%m-%d %H:%M")


_YES, _NO, _NOT_CONCERNED = _("Yes"), _("No"), _("Not concerned")


def _local_minute(expression, sql: SqlContext):
    """``_local()`` of a date and time, computed by PostgreSQL (``to_char`` of the moment in
    the export's time zone, the same text): parsing millions of timestamps into Python
    objects only to format them again is most of what such columns cost. Elsewhere the
    moment itself, formatted by ``_moment_text``."""
    if sql.vendor != "postgresql":
        return expression
    local = Func(Value(sql.zone), expression, function="timezone", output_field=DateTimeField())
    return Func(local, Value("YYYY-MM-DD HH24:MI"), function="to_char", output_field=CharField())


# The exports' row paths.
_C = "candidate__"
_P = "candidate__personal_information__"
_A = "candidate__address__"
_B = "candidate__baccalaureate__"


def _alias(path: str) -> str:
    """The name of a value the database computes for ``path`` (no ``__``: not a lookup)."""
    return "export_" + path.replace("__", "_")


def _field(path: str, **kwargs) -> dict:
    """A column showing one value of the row as it is."""
    return {"fields": (path,), "cell": itemgetter(path), **kwargs}


def _localized(path: str) -> dict:
    """A label stored in both languages (``…_fr``, ``…_en``), shown in the active one; empty
    when the related row is missing (a LEFT JOIN's NULL, which the writers write empty)."""
    alias = _alias(path)
    return {"annotations": lambda sql: {alias: sql.label(path)}, "cell": itemgetter(alias)}


def _moment(*paths: str) -> dict:
    """A date and time in the institution's time zone: the first of ``paths`` that is set."""
    alias = _alias("_or_".join(paths)) + "_local"

    def annotations(sql):
        moment = F(paths[0]) if len(paths) == 1 else Coalesce(*(F(p) for p in paths))
        return {alias: _local_minute(moment, sql)}

    return {"annotations": annotations, "cell": lambda row: _moment_text(row[alias])}


def _display(model, name: str, path: str | None = None) -> dict:
    """A field with choices, as ``get_FOO_display()`` shows it; empty when the related row
    is missing."""
    path = path or name
    choices = dict(model._meta.get_field(name).flatchoices)

    def cell(row):
        value = row[path]
        return "" if value is None else _text(choices.get(value, value))

    return {"fields": (path,), "cell": cell}


def _yes_no(path: str) -> dict:
    def cell(row):
        value = row[path]
        return "" if value is None else _text(_YES if value else _NO)

    return {"fields": (path,), "cell": cell}


def _place(commune: str, abroad: str) -> dict:
    """A French commune's name, or the town typed for a place abroad (``PlaceMixin.town``)."""

    def cell(row):
        return row[commune] if row[commune] is not None else row[abroad] or ""

    return {"fields": (commune, abroad), "cell": cell}


def _high_school(row):
    name, city = row[f"{_B}high_school__name"], row[f"{_B}high_school__city"]
    if name is None:
        return ""
    return f"{name} ({city})" if city else name


def _latest_cell(getter):
    """A value of the latest entered decision (``rows.latest_decision``), empty without one."""

    def cell(row):
        decision = row["decision"]  # (application, validated at, rank, type, reason)
        return "" if decision is None else getter(decision)

    return {"cell": cell, "bulk": ("decision",)}


def _count_documents(status: str) -> dict:
    return {
        "cell": lambda row: sum(1 for d in row["documents"] if d[1] == status),
        "bulk": ("documents",),
    }


_DOCUMENT_STATUSES = dict(ApplicationDocument._meta.get_field("status").flatchoices)


def _row_answer(answer: tuple) -> str:
    _application, not_concerned, yes_no, text, _label = answer
    if not_concerned:
        return _text(_NOT_CONCERNED)
    if yes_no is not None:
        return _text(_YES if yes_no else _NO)
    return text


COLUMNS = [
    Column(
        "dossier_number",
        _("dossier number"),
        lambda a: a.candidate.username,
        "candidate__username",
        **_field(f"{_C}username"),
    ),
    Column(
        "last_name",
        _("Last name"),
        lambda a: a.candidate.last_name,
        "candidate__last_name",
        **_field(f"{_C}last_name"),
    ),
    Column(
        "first_name",
        _("First name"),
        lambda a: a.candidate.first_name,
        "candidate__first_name",
        **_field(f"{_C}first_name"),
    ),
    Column(
        "email",
        _("email address"),
        lambda a: a.candidate.email,
        "candidate__email",
        **_field(f"{_C}email"),
    ),
    Column(
        "birth_date",
        _("Birthdate"),
        lambda a: _attr(_personal, "birth_date")(a) or "",
        "candidate__personal_information__birth_date",
        **_field(f"{_P}birth_date"),
    ),
    Column(
        "nationality",
        _("Nationality"),
        lambda a: _personal(a).nationality.name if _personal(a) else "",
        "candidate__personal_information__nationality__name_fr",
        **_localized(f"{_P}nationality__name"),
    ),
    Column(
        "ine",
        _("INE"),
        _attr(_personal, "ine"),
        "candidate__personal_information__ine",
        **_field(f"{_P}ine"),
    ),
    Column(
        "student_number",
        _("student number"),
        _attr(_personal, "student_number"),
        "candidate__personal_information__student_number",
        **_field(f"{_P}student_number"),
    ),
    Column("phone", _("Phone number"), _attr(_personal, "phone"), **_field(f"{_P}phone")),
    Column(
        "bac_year",
        _("Year of graduation"),
        _attr(_bac, "year"),
        "candidate__baccalaureate__year",
        **_field(f"{_B}year"),
    ),
    Column(
        "bac_series",
        _("Type of high school diploma/baccalaureate or equivalence"),
        lambda a: _bac(a).series.label if _bac(a) and _bac(a).series_id else "",
        "candidate__baccalaureate__series__code",
        **_localized(f"{_B}series__label"),
    ),
    Column(
        "program_code",
        _("program code"),
        lambda a: a.program.code,
        "program__code",
        **_field("program__code"),
    ),
    Column(
        "program",
        _("program"),
        lambda a: a.program.label,
        "program__label_fr",
        **_localized("program__label"),
    ),
    Column(
        "centre",
        _("centre"),
        lambda a: a.program.centre.label,
        "program__centre__label",
        **_field("program__centre__label"),
    ),
    Column(
        "commission",
        _("commission"),
        lambda a: a.program.commission.label,
        "program__commission__label",
        **_field("program__commission__label"),
    ),
    Column(
        "file_status",
        _("file status"),
        lambda a: a.get_file_status_display(),
        "file_status",
        **_display(Application, "file_status"),
    ),
    Column("treatment", _("treatment"), lambda a: a.treatment, "treatment", **_field("treatment")),
    Column(
        "created_at",
        _("created at"),
        lambda a: _local(a.created_at),
        "created_at",
        **_moment("created_at"),
    ),
    Column(
        "submitted_at",
        _("submitted at"),
        lambda a: _local(a.submitted_at),
        "submitted_at",
        **_moment("submitted_at"),
    ),
    Column(
        "personal_deadline",
        _("personal return deadline"),
        lambda a: _local(a.personal_return_deadline),
        "personal_return_deadline",
        **_moment("personal_return_deadline"),
    ),
    Column(
        "tags",
        _("tags"),
        lambda a: ", ".join(t.label for t in a.tags.all()),
        cell=lambda row: ", ".join(row["tags"]),
        bulk=("tags",),
    ),
    # Identity and contact.
    Column(
        "title",
        _("Title"),
        lambda a: _personal(a).get_title_display() if _personal(a) else "",
        **_display(PersonalInformation, "title", f"{_P}title"),
    ),
    Column(
        "married_name",
        _("Married name"),
        _attr(_personal, "married_name"),
        **_field(f"{_P}married_name"),
    ),
    Column(
        "other_first_name",
        _("Other first name"),
        _attr(_personal, "other_first_name"),
        **_field(f"{_P}other_first_name"),
    ),
    Column("mobile", _("Cell phone number"), _attr(_personal, "mobile"), **_field(f"{_P}mobile")),
    Column(
        "preferred_language",
        _("Preferred language"),
        lambda a: a.candidate.preferred_language,
        **_field(f"{_C}preferred_language"),
    ),
    Column(
        "birth_country",
        _("Country of birth"),
        lambda a: _personal(a).birth_country.name if _personal(a) else "",
        **_localized(f"{_P}birth_country__name"),
    ),
    Column(
        "birth_city",
        _("City of birth"),
        lambda a: _personal(a).birth_city if _personal(a) else "",
        **_place(f"{_P}birth_commune__name", f"{_P}birth_city_abroad"),
    ),
    # Address.
    Column("address_line1", _("Address"), _attr(_address, "line1"), **_field(f"{_A}line1")),
    Column(
        "address_line2",
        _("Additional address 1"),
        _attr(_address, "line2"),
        **_field(f"{_A}line2"),
    ),
    Column(
        "address_line3",
        _("Additional address 2"),
        _attr(_address, "line3"),
        **_field(f"{_A}line3"),
    ),
    Column(
        "postal_code",
        _("Postal code"),
        _attr(_address, "postal_code"),
        **_field(f"{_A}postal_code"),
    ),
    Column(
        "town",
        _("Town"),
        lambda a: _address(a).town if _address(a) else "",
        **_place(f"{_A}commune__name", f"{_A}town_abroad"),
    ),
    Column(
        "address_country",
        _("Country"),
        lambda a: _address(a).country.name if _address(a) else "",
        **_localized(f"{_A}country__name"),
    ),
    # Baccalaureate.
    Column(
        "bac_completed",
        _("I have completed my Secondary Education"),
        lambda a: "" if _bac(a) is None else _("Yes") if _bac(a).completed else _("No"),
        **_yes_no(f"{_B}completed"),
    ),
    Column(
        "bac_honours",
        _("Honors"),
        lambda a: str(_bac(a).honours) if _bac(a) and _bac(a).honours_id else "",
        **_localized(f"{_B}honours__label"),
    ),
    Column(
        "bac_country",
        _("Country of the baccalaureate"),
        lambda a: _bac(a).country.name if _bac(a) and _bac(a).country_id else "",
        **_localized(f"{_B}country__name"),
    ),
    Column(
        "bac_school",
        _("High school"),
        lambda a: str(_bac(a).high_school) if _bac(a) and _bac(a).high_school_id else "",
        fields=(f"{_B}high_school__name", f"{_B}high_school__city"),
        cell=_high_school,
    ),
    Column(
        "bac_school_uai",
        _("UAI"),
        lambda a: _bac(a).high_school_id if _bac(a) and _bac(a).high_school_id else "",
        **_field(f"{_B}high_school"),
    ),
    # Studies and experience (counts and the latest entry).
    Column(
        "local_studies",
        _("Local studies"),
        lambda a: len(a.candidate.local_studies.all()),
        cell=lambda row: len(row["local_studies"]),
        bulk=("local_studies",),
    ),
    Column(
        "last_local_study",
        _("Latest local study"),
        lambda a: next(
            (f"{s.academic_year} {s.program_label}" for s in a.candidate.local_studies.all()), ""
        ),
        cell=lambda row: next(
            (f"{year} {label}" for _candidate, year, label in row["local_studies"]), ""
        ),
        bulk=("local_studies",),
    ),
    Column(
        "non_local_studies",
        _("Non-local Studies"),
        lambda a: len(a.candidate.non_local_studies.all()),
        cell=lambda row: len(row["non_local_studies"]),
        bulk=("non_local_studies",),
    ),
    Column(
        "last_non_local_study",
        _("Latest non-local study"),
        lambda a: next(
            (
                f"{s.year} {s.description} ({s.establishment})"
                for s in a.candidate.non_local_studies.all()
            ),
            "",
        ),
        cell=lambda row: next(
            (
                f"{year} {description} ({establishment})"
                for _candidate, year, description, establishment in row["non_local_studies"]
            ),
            "",
        ),
        bulk=("non_local_studies",),
    ),
    Column(
        "internships",
        _("Internships"),
        lambda a: len(a.candidate.internships.all()),
        cell=itemgetter("internships"),
        bulk=("internships",),
    ),
    Column(
        "work_experience",
        _("Work experience"),
        lambda a: len(a.candidate.work_experiences.all()),
        cell=itemgetter("work_experiences"),
        bulk=("work_experiences",),
    ),
    # The application itself.
    Column(
        "campaign",
        _("campaign"),
        lambda a: a.campaign.code,
        "campaign__code",
        **_field("campaign__code"),
    ),
    Column(
        "training_type",
        _("training type"),
        lambda a: a.program.training_type.label,
        "program__training_type__order",
        **_localized("program__training_type__label"),
    ),
    Column(
        "return_deadline",
        _("return deadline"),
        lambda a: _local(a.return_deadline),
        **_moment("personal_return_deadline", "program__return_deadline"),
    ),
    Column(
        "documents_missing",
        _("Documents missing"),
        lambda a: sum(1 for d in a.documents.all() if d.status == "missing"),
        **_count_documents("missing"),
    ),
    Column(
        "documents_refused",
        _("Documents refused"),
        lambda a: sum(1 for d in a.documents.all() if d.status == "refused"),
        **_count_documents("refused"),
    ),
    Column(
        "documents_validated",
        _("Documents validated"),
        lambda a: sum(1 for d in a.documents.all() if d.status == "validated"),
        **_count_documents("validated"),
    ),
    Column(
        "documents",
        _("Documents"),
        lambda a: "; ".join(
            f"{d.document_type.label}: {d.get_status_display()}" for d in a.documents.all()
        ),
        cell=lambda row: "; ".join(
            f"{label}: {_text(_DOCUMENT_STATUSES.get(status, status))}"
            for _application, status, label in row["documents"]
        ),
        bulk=("documents",),
    ),
    Column(
        "answers",
        _("Answers to the questions"),
        lambda a: "; ".join(f"{x.question.label}: {_answer(x)}" for x in a.answers.all()),
        cell=lambda row: "; ".join(f"{x[4]}: {_row_answer(x)}" for x in row["answers"]),
        bulk=("answers",),
    ),
    Column(
        "notes",
        _("Internal notes"),
        lambda a: " | ".join(n.text for n in a.notes.all()),
        None,
        cell=lambda row: " | ".join(row["notes"]),
        bulk=("notes",),
    ),
    Column(
        "created_by",
        _("created by"),
        lambda a: a.created_by.get_username() if a.created_by_id else "",
        **_field("created_by__username"),
    ),
    Column(
        "cancelled_at",
        _("cancelled at"),
        lambda a: _local(a.cancelled_at),
        "cancelled_at",
        **_moment("cancelled_at"),
    ),
    # Decisions (the latest entered one) and the candidate's answer.
    Column(
        "decision",
        _("decision"),
        lambda a: _latest(a).decision_type.label if _latest(a) else "",
        **_latest_cell(itemgetter(3)),
    ),
    Column(
        "decision_validated",
        _("decision validated"),
        lambda a: "" if _latest(a) is None else _("Yes") if _latest(a).validated_at else _("No"),
        **_latest_cell(lambda d: _text(_YES if d[1] else _NO)),
    ),
    Column(
        "decision_rank",
        _("rank"),
        lambda a: (_latest(a).rank or "") if _latest(a) else "",
        **_latest_cell(lambda d: d[2] or ""),
    ),
    Column(
        "decision_reason",
        _("decision reason"),
        lambda a: str(_latest(a).reason) if _latest(a) and _latest(a).reason_id else "",
        **_latest_cell(lambda d: d[4] or ""),
    ),
    Column(
        "answer",
        _("candidate's answer"),
        lambda a: a.get_answer_display(),
        "answer",
        **_display(Application, "answer"),
    ),
    Column(
        "confirmation_deadline",
        _("confirmation deadline"),
        lambda a: _local(a.confirmation_deadline),
        "confirmation_deadline",
        **_moment("confirmation_deadline"),
    ),
]
# Columns only people allowed to read internal notes get (not commission members).
RESTRICTED = {"notes"}
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


_PERSONAL = (
    "candidate__personal_information",
    "candidate__personal_information__nationality",
    "candidate__personal_information__birth_country",
    "candidate__personal_information__birth_commune",
)
_ADDRESS = ("candidate__address", "candidate__address__country", "candidate__address__commune")
_BAC = (
    "candidate__baccalaureate",
    "candidate__baccalaureate__series",
    "candidate__baccalaureate__honours",
    "candidate__baccalaureate__country",
    "candidate__baccalaureate__high_school",
)
_DOCUMENTS = lambda: (  # noqa: E731 - built lazily: querysets need the app registry
    Prefetch("documents", queryset=ApplicationDocument.objects.select_related("document_type")),
)
RELATED = {
    **dict.fromkeys(
        ("birth", "nationality", "ine", "student", "phone", "title", "married", "other", "mobile"),
        (_PERSONAL, ()),
    ),
    **dict.fromkeys(("address", "postal", "town"), (_ADDRESS, ())),
    "bac": (_BAC, ()),
    "local": ((), ("candidate__local_studies",)),
    "last_local_study": ((), ("candidate__local_studies",)),
    "non": ((), ("candidate__non_local_studies",)),
    "last_non_local_study": ((), ("candidate__non_local_studies",)),
    "internships": ((), ("candidate__internships",)),
    "work": ((), ("candidate__work_experiences",)),
    "documents": ((), "documents"),
    "decision": ((), "decisions"),
    "answers": ((), "answers"),
    "notes": ((), ("notes",)),
    "tags": ((), "tags"),
    "created": (("created_by",), ()),
    "training": (("program__training_type",), ()),
}


def decisions_prefetch():

    return Prefetch(
        "decisions",
        queryset=Decision.objects.select_related("decision_type", "reason").order_by(
            "-entered_at", "-id"
        ),
    )


def with_column_data(queryset, columns=None):
    """What the given columns read, in a fixed number of queries whatever the row count."""
    if columns is not None:
        selects, prefetches = set(), []
        for column in columns:
            select, prefetch = column.related
            selects.update(select)
            if prefetch == "documents":
                prefetch = _DOCUMENTS()
            elif prefetch == "answers":
                prefetch = (
                    Prefetch("answers", queryset=Answer.objects.select_related("question")),
                )
            elif prefetch == "decisions":
                prefetch = (decisions_prefetch(),)
            elif prefetch == "tags":
                prefetch = (Prefetch("tags", queryset=Tag.objects.order_by("label")),)
            prefetches.extend(p for p in prefetch if p not in prefetches)
        return queryset.select_related(
            "candidate",
            "program",
            "program__centre",
            "program__commission",
            "campaign",
            *sorted(selects),
        ).prefetch_related(*prefetches)
    return queryset.select_related(
        "candidate",
        "candidate__personal_information",
        "candidate__personal_information__nationality",
        "candidate__personal_information__birth_country",
        "candidate__personal_information__birth_commune",
        "candidate__address",
        "candidate__address__country",
        "candidate__address__commune",
        "candidate__baccalaureate",
        "candidate__baccalaureate__series",
        "candidate__baccalaureate__honours",
        "candidate__baccalaureate__country",
        "candidate__baccalaureate__high_school",
        "program",
        "program__centre",
        "program__commission",
        "program__training_type",
        "campaign",
        "created_by",
    ).prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("label")),
        "candidate__local_studies",
        "candidate__non_local_studies",
        "candidate__internships",
        "candidate__work_experiences",
        Prefetch("documents", queryset=ApplicationDocument.objects.select_related("document_type")),
        Prefetch("answers", queryset=Answer.objects.select_related("question")),
        "notes",
    )
