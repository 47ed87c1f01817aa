"""Downloads: one helper (ecandidat/www/responses.py) builds every file response."""

import io

import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse

from ecandidat.accounts.enums import StaffRole
from ecandidat.applications.models import CandidateFile
from ecandidat.www.responses import XLSX, attachment, safe_filename
from tests.factories import staff_with_role
from tests.review.test_review import submitted


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("applications.csv", "applications.csv"),
        ("templates/2025/form.pdf", "form.pdf"),
        ("C:\\Users\\me\\cv.pdf", "cv.pdf"),
        ("a\r\nSet-Cookie: x=1.pdf", "aSet-Cookie: x=1.pdf"),
        ("nul\x00.pdf", "nul.pdf"),
        ("  \t ", "download"),
        (None, "download"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


def test_attachment_of_bytes():
    response = attachment(b"%PDF-1.7", "A1-LIC.pdf", "application/pdf")
    assert response.content == b"%PDF-1.7"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="A1-LIC.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert "Content-Security-Policy" not in response  # the site's policy applies


def test_attachment_names_are_quoted_or_encoded():
    quoted = attachment(b"", 'say "hi".pdf', "application/pdf")
    assert quoted["Content-Disposition"] == r'attachment; filename="say \"hi\".pdf"'
    accented = attachment(b"", "relevé.pdf", "application/pdf")
    assert accented["Content-Disposition"] == "attachment; filename*=utf-8''relev%C3%A9.pdf"


def test_attachment_of_a_file_and_of_chunks():
    handle = io.BytesIO(b"PK\x03\x04")
    response = attachment(handle, "applications.zip")
    assert isinstance(response, FileResponse)
    assert response["Content-Type"] == "application/zip"  # guessed from the name
    assert b"".join(response.streaming_content) == b"PK\x03\x04"
    assert response["Content-Disposition"] == 'attachment; filename="applications.zip"'
    streamed = attachment(iter(["a;b\n", "1;2\n"]), "applications.csv", "text/csv; charset=utf-8")
    assert isinstance(streamed, StreamingHttpResponse)
    assert b"".join(streamed.streaming_content) == b"a;b\n1;2\n"
    assert streamed["Content-Disposition"] == 'attachment; filename="applications.csv"'


def test_untrusted_content_may_run_nothing():
    response = attachment(b"", "cv.pdf", "application/pdf", untrusted=True)
    assert response["Content-Security-Policy"] == "default-src 'none'"


@pytest.mark.django_db
def test_candidate_and_staff_downloads_use_it(
    client, candidate, program, document_types, questions
):
    application = submitted(candidate, program, document_types, questions)
    stored = CandidateFile.objects.filter(owner=candidate).first()
    pdf_name = f'attachment; filename="{candidate.dossier_number}-{program.code}.pdf"'

    client.force_login(candidate)
    response = client.get(reverse("candidate:application_pdf", args=[application.pk]))
    assert response["Content-Disposition"] == pdf_name
    assert response["Content-Type"] == "application/pdf"
    response = client.get(reverse("candidate:file", args=[stored.pk]))
    b"".join(response.streaming_content)
    assert response["Content-Disposition"] == f'attachment; filename="{stored.original_name}"'
    assert response["Content-Type"] == stored.content_type

    client.force_login(staff_with_role(StaffRole.CENTRE_MANAGER, centre=program.centre))
    response = client.get(reverse("staff:application_pdf", args=[application.pk]))
    assert response["Content-Disposition"] == pdf_name
    response = client.get(reverse("staff:applications_export", args=["xlsx"]))
    assert response["Content-Disposition"] == 'attachment; filename="applications.xlsx"'
    assert response["Content-Type"] == XLSX
    response = client.get(reverse("staff:applications_export", args=["csv"]))
    assert b"".join(response.streaming_content).startswith("\ufeff".encode())
    assert response["Content-Disposition"] == 'attachment; filename="applications.csv"'
    assert response["Content-Type"] == "text/csv; charset=utf-8"
