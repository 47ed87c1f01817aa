"""The rows of an application export, streamed in constant memory.

One query reads the applications as ``values()`` (plain dicts, no model instance), with the
one-to-one and foreign-key paths the chosen columns name joined in; on PostgreSQL it runs on
a server-side cursor, so rows arrive ``CHUNK_SIZE`` at a time. For each chunk, the to-many
data the columns need (tags, documents, answers, notes, the latest decision, studies…) is
read in one query per relation, whatever the number of rows: the number of queries of an
export grows with the number of chunks, never with the number of rows.

Cells are the columns' raw values: the writers (``exports.writers``) neutralise them.
"""

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice

from django.db import connections
from django.db.models import BooleanField, Count, Expression, F
from django.utils import translation

from ecandidat.applications.models import Answer, Application, ApplicationDocument
from ecandidat.decisions.models import Decision
from ecandidat.dossier.models import Internship, LocalStudy, NonLocalStudy, WorkExperience
from ecandidat.review.models import Note, Tag

from .columns import Column, SqlContext, rendering

CHUNK_SIZE = 2000
_ALWAYS = ("id", "candidate_id")


class AnyOf(Expression):
    """``column IN (the values)`` with the values as one parameter: an array on PostgreSQL
    (``= ANY(%s)``), a JSON list on SQLite (``json_each``, which has no limit where SQLite
    takes at most 32,766 parameters). Django's ``__in`` binds and prepares every value on
    its own, which costs more than the query itself for thousands of ids, and cannot take
    a background job's 100,000."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, column: str, values: Iterable[int]):
        super().__init__()
        self.column = F(column)
        self.values = list(values)

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, expressions):
        (self.column,) = expressions

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.column)
        if not self.values:
            return "1 = 0", params
        return f"{sql} IN ({', '.join(['%s'] * len(self.values))})", (*params, *self.values)

    def as_postgresql(self, compiler, connection):
        sql, params = compiler.compile(self.column)
        return f"{sql} = ANY(%s)", (*params, self.values)

    def as_sqlite(self, compiler, connection):
        sql, params = compiler.compile(self.column)
        # ``sql`` is the compiled column; the values travel as a parameter.
        subquery = f"{sql} IN (SELECT value FROM json_each(%s))"  # noqa: S608
        return subquery, (*params, json.dumps(self.values))


def _of(column: str, chunk: list[dict], key: str = "id") -> AnyOf:
    """``column`` is one of the chunk's ``key`` values."""
    return AnyOf(column, {row[key] for row in chunk})


def _grouped(rows: Iterable[tuple]) -> dict:
    """Rows (tuples) by their first value, in their order. Tuples, not dicts: a chunk brings
    tens of thousands of related rows, and building a dict for each costs more than the
    query."""
    grouped: dict = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(row)
    return grouped


def _attach(chunk: list[dict], key: str, values: dict, by: str = "id", default=()) -> None:
    for row in chunk:
        row[key] = values.get(row[by], default)


def _tags(chunk, sql: SqlContext):
    """Labels, sorted."""
    labels: dict[int, list[str]] = defaultdict(list)
    for application_id, label in (
        Tag.applications.through.objects.filter(_of("application_id", chunk))
        .order_by("tag__label", "tag_id")
        .values_list("application_id", "tag__label")
    ):
        labels[application_id].append(label)
    _attach(chunk, "tags", labels)


def _documents(chunk, sql: SqlContext):
    """(application, status, label) in the documents' order."""
    documents = ApplicationDocument.objects.filter(_of("application_id", chunk)).order_by(
        "application_id", "document_type__order", "document_type__label_fr", "pk"
    )
    rows = documents.values_list("application_id", "status", sql.label("document_type__label"))
    _attach(chunk, "documents", _grouped(rows))


def _answers(chunk, sql: SqlContext):
    """(application, not concerned, yes/no, text, label) in the questions' order."""
    answers = Answer.objects.filter(_of("application_id", chunk)).order_by(
        "application_id", "question__order", "question__label_fr", "pk"
    )
    rows = answers.values_list(
        "application_id", "not_concerned", "yes_no", "text", sql.label("question__label")
    )
    _attach(chunk, "answers", _grouped(rows))


def _notes(chunk, sql: SqlContext):
    """Texts, newest first."""
    notes: dict[int, list[str]] = defaultdict(list)
    for application_id, text in (
        Note.objects.filter(_of("application_id", chunk))
        .order_by("-created_at", "-pk")
        .values_list("application_id", "text")
    ):
        notes[application_id].append(text)
    _attach(chunk, "notes", notes)


def _latest_decision(chunk, sql: SqlContext):
    """The latest entered decision of each application (newest first, as the list shows):
    (application, validated at, rank, type label, reason label)."""
    latest: dict[int, tuple] = {}
    for decision in (
        Decision.objects.filter(_of("application_id", chunk))
        .order_by("application_id", "-entered_at", "-pk")
        .values_list(
            "application_id",
            "validated_at",
            "rank",
            sql.label("decision_type__label"),
            sql.label("reason__label"),
        )
    ):
        latest.setdefault(decision[0], decision)
    _attach(chunk, "decision", latest, default=None)


def _local_studies(chunk, sql: SqlContext):
    """(candidate, academic year, program label), latest first."""
    studies = LocalStudy.objects.filter(_of("user_id", chunk, "candidate_id")).order_by(
        "user_id", "-academic_year", "program_code", "pk"
    )
    rows = studies.values_list("user_id", "academic_year", "program_label")
    _attach(chunk, "local_studies", _grouped(rows), by="candidate_id")


def _non_local_studies(chunk, sql: SqlContext):
    """(candidate, year, description, establishment), latest first."""
    studies = NonLocalStudy.objects.filter(_of("user_id", chunk, "candidate_id")).order_by(
        "user_id", "-year", "pk"
    )
    rows = studies.values_list("user_id", "year", "description", "establishment")
    _attach(chunk, "non_local_studies", _grouped(rows), by="candidate_id")


def _counter(model, key: str):
    def fetch(chunk, sql: SqlContext):
        counts = dict(
            model.objects.filter(_of("user_id", chunk, "candidate_id"))
            .order_by()
            .values("user_id")
            .annotate(n=Count("pk"))
            .values_list("user_id", "n")
        )
        _attach(chunk, key, counts, by="candidate_id", default=0)

    return fetch


# What ``Column.bulk`` may name: each adds its key to every row of a chunk.
BULK: dict[str, Callable[[list[dict], SqlContext], None]] = {
    "tags": _tags,
    "documents": _documents,
    "answers": _answers,
    "notes": _notes,
    "decision": _latest_decision,
    "local_studies": _local_studies,
    "non_local_studies": _non_local_studies,
    "internships": _counter(Internship, "internships"),
    "work_experiences": _counter(WorkExperience, "work_experiences"),
}


class _Plan:
    """What rows of the given columns need: the row's fields and computed values, and the
    bulk fetches. Made in the language and time zone of the export's start (the request's
    or the job owner's), used whenever the stream's consumer asks for the next chunk."""

    def __init__(self, columns: Sequence[Column], vendor: str):
        self.sql = SqlContext.current(vendor)
        fields = dict.fromkeys(_ALWAYS)
        annotations: dict = {}
        bulk: dict[str, None] = {}
        for column in columns:
            fields.update(dict.fromkeys(column.fields))
            if column.annotations is not None:
                annotations.update(column.annotations(self.sql))
            bulk.update(dict.fromkeys(column.bulk))
        self.fields = list(fields)
        self.annotations = annotations
        self.fetches = [BULK[name] for name in bulk]
        self.cells = [column.cell for column in columns]
        self.language = translation.get_language()

    def values(self, applications):
        return (
            applications.prefetch_related(None)
            .order_by("pk")
            .values(*self.fields, **self.annotations)
        )

    def render(self, chunk: list[dict]) -> list[list]:
        for fetch in self.fetches:
            fetch(chunk, self.sql)
        cells = self.cells
        with translation.override(self.language), rendering():
            return [[cell(row) for cell in cells] for row in chunk]


def _batched(iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def export_rows(
    applications,
    columns: Sequence[Column],
    *,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int], None] | None = None,
) -> Iterator[list]:
    """The cells of ``columns`` for each application of the queryset, in primary-key order,
    read on a server-side cursor ``chunk_size`` rows at a time. ``progress`` is told how
    many rows each chunk brought, once they are consumed."""
    plan = _Plan(columns, connections[applications.db].vendor)
    values = plan.values(applications).iterator(chunk_size=chunk_size)

    def stream():
        for chunk in _batched(values, chunk_size):
            yield from plan.render(chunk)
            if progress is not None:
                progress(len(chunk))

    return stream()


def export_rows_of(application_ids: Iterable[int], columns: Sequence[Column], **options):
    """The same for a list of application ids (a background job's selection)."""
    return export_rows(Application.objects.filter(AnyOf("pk", application_ids)), columns, **options)
