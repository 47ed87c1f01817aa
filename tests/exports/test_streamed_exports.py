"""The streamed exports write exactly what the exports wrote before they streamed (the
model-instance path below, kept verbatim from that code), in a number of queries that does
not grow with the number of rows, and the ZIP downloads stream."""

import csv
import io
import re
import tempfile
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from ecandidat.accounts.enums import StaffRole
from ecandidat.applications import services as application_services
from ecandidat.applications.enums import FileStatus
from ecandidat.applications.models import Answer, Application, ApplicationDocument
from ecandidat.catalog.enums import QuestionKind
from ecandidat.catalog.models import Question
from ecandidat.decisions.models import Decision, DecisionReason
from ecandidat.dossier.models import Baccalaureate, LocalStudy, NonLocalStudy, PersonalInformation
from ecandidat.exports import downloads, writers
from ecandidat.exports import rows as export_rows_module
from ecandidat.exports.columns import BY_KEY, COLUMNS, DEFAULT_COLUMNS, with_column_data
from ecandidat.exports.rows import export_rows, export_rows_of
from ecandidat.jobs import services as jobs
from ecandidat.jobs.models import BulkJob
from ecandidat.review.models import Note, Tag
from tests.applications.conftest import prepared
from tests.factories import ProgramFactory, UserFactory, decision_type, staff_with_role

from .volume import make_applications

pytestmark = pytest.mark.django_db


# --- The exports as they were written before they streamed (kept verbatim as the reference).

_OLD_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_OLD_PHONE_NUMBER = re.compile(r"\+[0-9]{1,15}")


def old_neutralise(value):
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(_OLD_FORMULA_STARTS) and not _OLD_PHONE_NUMBER.fullmatch(text):
        return "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


def old_rows(queryset, columns):
    for application in with_column_data(queryset, columns).order_by("pk").iterator(500):
        yield [c.value(application) for c in columns]


def old_csv_in_the_request(header, rows) -> bytes:
    writer = csv.writer(_Echo(), delimiter=";")
    lines = ["\ufeff" + writer.writerow([old_neutralise(v) for v in header])]
    lines += [writer.writerow([old_neutralise(v) for v in row]) for row in rows]
    return "".join(lines).encode()


def old_csv_by_the_worker(header, rows) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";")
    writer.writerow([old_neutralise(v) for v in header])
    for row in rows:
        writer.writerow([old_neutralise(v) for v in row])
    return ("\ufeff" + text.getvalue()).encode()


def old_xlsx(header, rows) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Applications")
    sheet.append([old_neutralise(value) for value in header])
    for row in rows:
        sheet.append([old_neutralise(value) for value in row])
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        return handle.read()


def cells(xlsx: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(xlsx)).active.values)


def parts(xlsx: bytes) -> dict[str, bytes]:
    """The files of an XLSX package, less the creation time of its properties."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as package:
        return {n: package.read(n) for n in package.namelist() if n != "docProps/core.xml"}


# --- A fixture with every column filled, and rows with the related data missing.


@pytest.fixture
def filled(program, campaign, document_types):
    """Applications covering every column: full dossiers (with formulas typed in), a
    candidate without any dossier row, one abroad with an unfinished baccalaureate, several
    decisions, notes and tags on one application, an answered offer, a cancelled file."""
    staff = staff_with_role(StaffRole.CENTRE_MANAGER, centre=program.centre)
    other = ProgramFactory(centre=program.centre, training_type=program.training_type)
    make_applications(4, programs=[program, other], campaign=campaign, staff=staff)
    first = Application.objects.order_by("pk").first()
    # More of each to-many relation, in an order the export has to keep.
    now = timezone.now()
    Tag.objects.get(label="Priority").applications.add(first)
    Tag.objects.get(label="=Watch").applications.add(first)
    Note.objects.create(application=first, author=staff, text="-older note")
    Note.objects.filter(application=first, text="-older note").update(
        created_at=now - timedelta(days=2)
    )
    unfavourable = decision_type("unfavourable")
    older = Decision.objects.create(
        application=first, decision_type=unfavourable, reason=DecisionReason.objects.first()
    )
    Decision.objects.filter(pk=older.pk).update(entered_at=now - timedelta(days=5))
    ApplicationDocument.objects.create(
        application=first, document_type=document_types["cv"], status="not_concerned"
    )
    concerned = Question.objects.create(
        label_fr="Aménagement ?", label_en="Adjustments?", kind=QuestionKind.YES_NO, order=5
    )
    Answer.objects.create(application=first, question=concerned, not_concerned=True)
    LocalStudy.objects.create(
        user=first.candidate, academic_year="2024-2025", program_code="M1", program_label="Master"
    )
    NonLocalStudy.objects.create(
        user=first.candidate,
        country_id="DE",
        establishment="TU",
        year=2024,
        training="master",
        description="MSc",
        result="obtained",
    )
    Decision.objects.filter(application=first, validated_at__isnull=False).update(rank=3)
    Application.objects.filter(pk=first.pk).update(answer="confirmed", answered_at=now)
    # Nothing in the dossier, no document, no decision; cancelled.
    bare = UserFactory(last_name="@SUM(1)", first_name="\tTab")
    Application.objects.create(
        candidate=bare,
        program=program,
        campaign=campaign,
        treatment="direct",
        file_status=FileStatus.CANCELLED,
        cancelled_at=now,
    )
    # Abroad, an unfinished baccalaureate, an entered decision without reason or rank.
    abroad = UserFactory(last_name="Müller")
    PersonalInformation.objects.create(
        user=abroad,
        nationality_id="DE",
        title="Mme",
        birth_date=now.date() - timedelta(days=8000),
        birth_country_id="DE",
        birth_city_abroad="Köln",
    )
    Baccalaureate.objects.create(user=abroad, completed=False)
    waiting = Application.objects.create(
        candidate=abroad, program=other, campaign=campaign, treatment="controlled"
    )
    Decision.objects.create(application=waiting, decision_type=decision_type("favourable"))
    return first


def test_the_fixture_fills_every_column(filled):
    rows = list(old_rows(Application.objects.all(), COLUMNS))
    empty = [c.key for i, c in enumerate(COLUMNS) if all(row[i] in ("", None, 0) for row in rows)]
    assert empty == []
    # The first application alone has every column but the cancellation filled.
    (row,) = old_rows(Application.objects.filter(pk=filled.pk), COLUMNS)
    assert [c.key for c, v in zip(COLUMNS, row, strict=True) if v in ("", None)] == ["cancelled_at"]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_rows_are_the_model_instance_values_column_by_column(filled, language):
    queryset = Application.objects.all()
    with translation.override(language):
        old = [[old_neutralise(v) for v in row] for row in old_rows(queryset, COLUMNS)]
        new = [[writers.neutralise(v) for v in row] for row in export_rows(queryset, COLUMNS)]
    assert len(new) == len(old) == queryset.count()
    for old_row, new_row in zip(old, new, strict=True):
        for column, old_value, new_value in zip(COLUMNS, old_row, new_row, strict=True):
            assert (column.key, new_value) == (column.key, old_value)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_files_are_byte_for_byte_those_of_before(filled, language, monkeypatch):
    queryset = Application.objects.all()
    ids = list(queryset.values_list("pk", flat=True))
    # Small chunks of rows and of text: the candidate-level data and the CSV chunks cross
    # chunk boundaries.
    monkeypatch.setattr(writers, "CSV_CHUNK_CHARS", 100)
    with translation.override(language):
        header = [str(c.label) for c in COLUMNS]
        expected = old_csv_in_the_request(header, old_rows(queryset, COLUMNS))
        assert expected == old_csv_by_the_worker(header, old_rows(queryset, COLUMNS))
        streamed = "".join(writers.csv_chunks(header, export_rows(queryset, COLUMNS, chunk_size=2)))
        assert streamed.encode() == expected
        with writers.csv_file(header, export_rows_of(ids, COLUMNS, chunk_size=3)) as handle:
            assert handle.read() == expected
        old = old_xlsx(header, old_rows(queryset, COLUMNS))
        new = b"".join(writers.xlsx_chunks(header, export_rows(queryset, COLUMNS)))
        assert parts(new) == parts(old)
        assert cells(new) == cells(old)
        with writers.xlsx_file(header, export_rows_of(ids, COLUMNS, chunk_size=2)) as handle:
            assert parts(handle.read()) == parts(old)


def test_xlsx_cells_as_openpyxl_writes_them():
    """Every kind of value the exports hold, byte for byte as openpyxl's write-only mode."""
    header = ["a", "b"]
    rows = [
        ["a&b<c>d\"e'f", "\r=1\n\tx", "é€😀", "   ", " x ", "#N/A", "=1", "x" * 40000],
        [1.5, 12345678901234567890, -2, 0, 10**20, float("nan"), Decimal("2.50"), None, ""],
        [*([""] * 30), "AE"],  # past column Z
    ]
    assert parts(writers.xlsx_bytes(header, rows)) == parts(old_xlsx(header, rows))


def test_xlsx_drops_characters_xml_cannot_carry():
    # openpyxl refuses such a value, and with it the whole export.
    (row,) = cells(writers.xlsx_bytes(["a"], [["bell\x07 and nul\x00"]]))[1:]
    assert row == ("bell and nul",)


def _all_columns_url(fmt):
    return (
        reverse("staff:applications_export", args=[fmt])
        + "?"
        + "&".join(f"columns={c.key}" for c in COLUMNS)
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_request_and_the_worker_write_the_same_as_before(
    client, filled, program, monkeypatch, fmt, django_capture_on_commit_callbacks
):
    manager = staff_with_role(StaffRole.CENTRE_MANAGER, centre=program.centre)
    client.force_login(manager)
    visible = Application.objects.visible_to_staff(manager).exclude(
        file_status=FileStatus.CANCELLED
    )
    header = [str(c.label) for c in COLUMNS]
    if fmt == "csv":
        expected = old_csv_in_the_request(header, old_rows(visible, COLUMNS))
    else:
        expected = cells(old_xlsx(header, old_rows(visible, COLUMNS)))

    def read(content):
        return content if fmt == "csv" else cells(content)

    response = client.get(_all_columns_url(fmt))
    assert read(b"".join(response.streaming_content)) == expected
    monkeypatch.setattr(jobs, "EXPORT_SYNC_LIMIT", 0)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(_all_columns_url(fmt))
    job = BulkJob.objects.get(action=f"export_{fmt}")
    assert job.status == BulkJob.Status.DONE and job.done == visible.count()
    stored = client.get(reverse("staff:export_file", args=[job.pk]))
    assert read(b"".join(stored.streaming_content)) == expected


# --- Query budgets: the number of queries of an export does not grow with its rows.


def _queries_of_export(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200
        b"".join(response.streaming_content)
    return len(queries)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("keys", [DEFAULT_COLUMNS, [c.key for c in COLUMNS]], ids=["7", "all"])
def test_queries_do_not_grow_with_the_rows(client, program, campaign, fmt, keys):
    manager = staff_with_role(StaffRole.CENTRE_MANAGER, centre=program.centre)
    other = ProgramFactory(centre=program.centre)
    client.force_login(manager)
    url = (
        reverse("staff:applications_export", args=[fmt])
        + "?"
        + "&".join(f"columns={k}" for k in keys)
    )
    make_applications(10, programs=[program, other], campaign=campaign, prefix="S", staff=manager)
    _queries_of_export(client, url)  # caches warmed (permissions, settings)
    small = _queries_of_export(client, url)
    make_applications(190, programs=[program, other], campaign=campaign, prefix="L", staff=manager)
    assert Application.objects.count() == 200
    large = _queries_of_export(client, url)
    assert large == small
    # On top of what a one-column export costs: one query per to-many relation read.
    base = _queries_of_export(
        client, reverse("staff:applications_export", args=[fmt]) + "?columns=dossier_number"
    )
    relations = {name for key in keys for name in BY_KEY[key].bulk}
    assert small == base + len(relations)


def test_the_worker_reads_a_chunk_at_a_time(program, campaign):
    other = ProgramFactory(centre=program.centre)
    make_applications(30, programs=[program, other], campaign=campaign)
    ids = list(Application.objects.values_list("pk", flat=True))
    done = []
    with CaptureQueriesContext(connection) as queries:
        rows = list(export_rows_of(ids, COLUMNS, chunk_size=10, progress=done.append))
    assert len(rows) == 30 and done == [10, 10, 10]
    # One query for the applications (a server-side cursor on PostgreSQL), then one per
    # chunk and relation.
    assert len(queries) == 1 + 3 * len(export_rows_module.BULK)


# --- ZIP downloads.


def test_a_zip_of_many_applications_streams_entry_by_entry(
    client, program, campaign, document_types, monkeypatch
):
    """The application PDFs are made as the stream reaches them, not before the response."""
    made = []
    monkeypatch.setattr(
        downloads, "application_pdf", lambda a, language: made.append(a.pk) or b"%PDF-1.4 x"
    )
    other = ProgramFactory(centre=program.centre)
    make_applications(6, programs=[program, other], campaign=campaign)
    applications = list(Application.objects.select_related("candidate", "program"))
    content, name, mime = downloads.build(applications, kind="zip", document_type="", language="en")
    assert (name, mime) == ("applications.zip", "application/zip") and made == []
    data = b"".join(content)
    assert len(made) == 6
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    assert sorted(archive.namelist()) == sorted(
        f"{a.candidate.username}-{a.program.code}.pdf" for a in applications
    )
    assert archive.read(archive.namelist()[0]) == b"%PDF-1.4 x"


def test_languages_of_the_labels(filled):
    """Labels stored in both languages follow the export's language, as on the list page."""
    first = Application.objects.select_related("program", "campaign").get(pk=filled.pk)
    columns = [BY_KEY["program"], BY_KEY["nationality"]]
    with translation.override("en"):
        (english,) = export_rows(Application.objects.filter(pk=first.pk), columns)
    with translation.override("fr"):
        (french,) = export_rows(Application.objects.filter(pk=first.pk), columns)
    assert english[0] == first.program.label_en and french[0] == first.program.label_fr
    assert (english[1], french[1]) == ("Germany", "Allemagne")


@pytest.fixture
def uploaded(candidate, program, document_types, questions):
    """A transmitted application with its CV and cover letter uploaded."""
    application = prepared(candidate, program, document_types, questions)
    return application_services.submit(application_id=application.pk, actor=candidate)


def test_a_zip_of_one_document_type_holds_the_stored_bytes(client, uploaded, document_types):
    client.force_login(staff_with_role(StaffRole.CENTRE_MANAGER, centre=uploaded.program.centre))
    letter = ApplicationDocument.objects.select_related("file").get(
        application=uploaded, document_type=document_types["letter"]
    )
    response = client.post(
        reverse("staff:applications_download"),
        {"ids": [uploaded.pk], "kind": "document", "document_type": letter.document_type_id},
    )
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    (name,) = archive.namelist()
    with letter.file.file.open("rb") as stored:
        assert archive.read(name) == stored.read()


def test_a_stored_file_gone_is_a_page_not_a_broken_zip(client, uploaded, document_types):
    """The files are opened before the archive starts: a missing one answers the storage
    page (404) instead of a download cut midway."""
    client.force_login(staff_with_role(StaffRole.CENTRE_MANAGER, centre=uploaded.program.centre))
    letter = ApplicationDocument.objects.select_related("file").get(
        application=uploaded, document_type=document_types["letter"]
    )
    letter.file.file.storage.delete(letter.file.file.name)
    response = client.post(
        reverse("staff:applications_download"),
        {"ids": [uploaded.pk], "kind": "document", "document_type": letter.document_type_id},
    )
    assert response.status_code == 404
    assert not response.streaming
