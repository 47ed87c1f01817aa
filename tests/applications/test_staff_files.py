"""Files staff upload into the catalogue (a commission's signature, a document type's
template) go through the checks of candidates' documents: refused with nothing stored, or
stored stripped of their active content and metadata."""

import io
import socket
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ecandidat.catalog.models import Commission, DocumentType
from ecandidat.www.staff.forms import CommissionForm, DocumentTypeForm
from tests.factories import CentreFactory, UserFactory

from .hostile import MB, jpeg, one_page_pdf, png
from .test_upload_limits import _file
from .test_uploads import BAD_FILES, STRIPPED_PDFS, _exif, assert_pdf_is_clean

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(db):
    return UserFactory(staff=True, is_superuser=True)


@pytest.fixture
def centre(db):
    return CentreFactory()


def _commission_form(office, centre, signature, instance=None):
    data = {"code": "COM1", "label": "Commission", "centre": centre.pk, "alert_on_withdrawal": "on"}
    return CommissionForm(data, {"signature": signature}, instance=instance, user=office)


def _template_form(office, template):
    data = {"label_fr": "Modèle", "order": 1, "in_service": "on", "scope": "all"}
    data["treatment"] = "controlled"
    return DocumentTypeForm(data, {"template": template}, user=office)


def _stored_files(settings):
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("a PDF", one_page_pdf(), "Upload a valid image"),
        ("a pixel bomb", png(7700, 7700, bit_depth=1), "Upload a valid image"),
        ("an image too large to decode", png(4200, 4200, colour_type=6), "too large to be"),
        ("a PNG zlib bomb", png(16384, 16384), "Upload a valid image"),
    ],
)
def test_a_bad_signature_is_refused_and_nothing_stored(
    office, centre, settings, name, data, message
):
    form = _commission_form(office, centre, _file("signature.png", data))
    assert not form.is_valid()
    assert message in " ".join(form.errors["signature"])
    assert not Commission.objects.exists()
    assert not _stored_files(settings)


def test_a_signature_is_stored_without_its_metadata(office, centre, settings):
    data = jpeg((60, 30), comment=b"secret-comment", exif=_exif().tobytes())
    form = _commission_form(office, centre, _file("Signature du doyen.jpg", data))
    assert form.is_valid(), form.errors
    commission = form.save()
    assert commission.signature.name.startswith("signatures/Signature_du_doyen")
    with commission.signature.open("rb") as handle:
        content = handle.read()
    assert b"secret-" not in content
    assert b"Exif" not in content
    with Image.open(io.BytesIO(content)) as image:
        assert image.size == (30, 60)  # turned upright, as its EXIF asked


def test_a_stored_signature_is_not_checked_again_when_other_fields_change(office, centre, settings):
    form = _commission_form(office, centre, _file("s.png", png(40, 20)))
    commission = form.save()
    name = commission.signature.name
    form = CommissionForm(
        {"code": "COM1", "label": "Renamed", "centre": centre.pk},
        {},
        instance=commission,
        user=office,
    )
    assert form.is_valid(), form.errors
    assert form.save().signature.name == name


@pytest.mark.parametrize(
    "name",
    [
        "PDF with JavaScript",
        "PDF with an embedded file",
        "PDF compression bomb: 500 MB in 500 KB",
        "Word document renamed .pdf",
        "HTML polyglot with a PDF header",
        "encrypted PDF",
    ],
)
def test_a_bad_template_is_refused_and_nothing_stored(office, settings, name):
    form = _template_form(office, _file("modele.pdf", BAD_FILES[name]))
    assert not form.is_valid()
    assert form.errors["template"]
    assert not DocumentType.objects.exists()
    assert not _stored_files(settings)


def test_a_template_is_stored_stripped(office, settings):
    data = STRIPPED_PDFS["document information (author, software, dates)"]
    form = _template_form(office, _file("Attestation à remplir.pdf", data))
    assert form.is_valid(), form.errors
    document_type = form.save()
    assert document_type.template.name.startswith("templates/Attestation_à_remplir")
    assert document_type.template.name.endswith(".pdf")
    with document_type.template.open("rb") as handle:
        assert_pdf_is_clean(handle.read())


def test_a_template_over_the_upload_limit_is_refused(office, settings):
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * (5 * MB + 1))
    form = _template_form(office, big)
    assert not form.is_valid()
    assert "5 MB at most" in " ".join(form.errors["template"])


def test_without_the_antivirus_a_staff_file_is_refused_whatever_the_policy(office, settings):
    # There is no later rescan of catalogue files: accepting them unscanned is not an option.
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CLAMAV_URL = f"tcp://127.0.0.1:{port}"
    settings.CLAMAV_TIMEOUT = 2
    settings.CLAMAV_UNAVAILABLE_POLICY = "accept"
    form = _template_form(office, _file("modele.pdf", one_page_pdf()))
    assert not form.is_valid()
    assert "antivirus check is unavailable" in " ".join(form.errors["template"])
    assert not _stored_files(settings)
