"""Upload requests are limited while they are received: declared size, streamed size, form
size, uploads per account. Each refusal is a clear message (next to the upload field on the
application page) and nothing is stored: no file row, no file in storage, no spooled file."""

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ecandidat.applications import services
from ecandidat.applications.models import Answer, CandidateFile
from ecandidat.catalog.models import InstitutionSettings
from ecandidat.www.upload_limits import MULTIPART_MARGIN
from tests.factories import UserFactory

from .conftest import complete_dossier, make_image, make_pdf
from .hostile import MB

BOUNDARY = "----ecandidat-test-boundary"


class StreamedBody:
    """A multipart body made while it is read (never held whole), counting what was read."""

    def __init__(self, file_size: int, *, fields=(("csrfmiddlewaretoken", "x"),), after=()):
        self.parts = []
        for name, value in fields:
            self.parts.append(_field(name, value))
        self.parts.append(
            (
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="scan.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n'
            ).encode()
        )
        self.file_size = file_size - len(b"%PDF-1.7\n")
        self.tail = (
            b"\r\n" + b"".join(_field(n, v) for n, v in after) + f"--{BOUNDARY}--\r\n".encode()
        )
        self.length = sum(map(len, self.parts)) + self.file_size + len(self.tail)
        self.read_bytes = 0
        self._head = b"".join(self.parts)
        self._position = 0

    def read(self, size=-1):
        if size is None or size < 0:
            size = self.length - self._position
        size = min(size, self.length - self._position)
        out = bytearray()
        while len(out) < size:
            pos = self._position + len(out)
            want = size - len(out)
            if pos < len(self._head):
                out += self._head[pos : pos + want]
            elif pos < len(self._head) + self.file_size:
                out += b"0" * min(want, len(self._head) + self.file_size - pos, MB)
            else:
                start = pos - len(self._head) - self.file_size
                out += self.tail[start : start + want]
        self._position += len(out)
        self.read_bytes += len(out)
        return bytes(out)

    def readline(self, size=-1):
        line = bytearray()
        while not line.endswith(b"\n") and (size is None or size < 0 or len(line) < size):
            byte = self.read(1)
            if not byte:
                break
            line += byte
        return bytes(line)


def _field(name, value) -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
    ).encode()


def post_streamed(client, url, body: StreamedBody, declared=None):
    return client.generic(
        "POST",
        url,
        "",
        **{
            "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
            "CONTENT_LENGTH": str(body.length if declared is None else declared),
            "wsgi.input": body,
        },
    )


@pytest.fixture
def spool(settings, tmp_path):
    """Where Django writes uploads larger than 2.5 MB while they arrive."""
    path = tmp_path / "spool"
    path.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(path)
    return path


@pytest.fixture
def application(candidate, program, document_types):
    return services.apply(candidate=candidate, program=program, actor=candidate)


@pytest.fixture
def upload_url(application, document_types):
    return reverse("candidate:document_upload", args=[application.pk, document_types["letter"].pk])


def assert_nothing_stored(settings, spool, application):
    assert not CandidateFile.objects.exists()
    assert not application.documents.filter(file__isnull=False).exists()
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert not list(spool.iterdir())


def field_error(response, document_types) -> str:
    """The message shown next to the cover letter's upload field."""
    page = response.content.decode()
    document = response.context["application"].documents.get(document_type=document_types["letter"])
    match = re.search(rf'<div [^>]*id="file-{document.pk}-error"[^>]*>(.*?)</div>', page, re.S)
    assert match, "no message next to the upload field"
    assert f'aria-describedby="file-{document.pk}-error"' in page
    return match.group(1)


def test_a_200_mb_body_is_refused_on_its_declared_size_without_being_read(
    client, candidate, application, upload_url, document_types, settings, spool
):
    client.force_login(candidate)
    body = StreamedBody(200 * MB)
    response = post_streamed(client, upload_url, body)
    assert response.status_code == 413
    assert field_error(response, document_types) == "The file is too large: 5 MB at most."
    # Only the fields before the file were read, not the 200 MB.
    assert body.read_bytes < 256 * 1024
    assert_nothing_stored(settings, spool, application)


def test_a_file_a_little_over_the_limit_is_stopped_as_it_arrives(
    client, candidate, application, upload_url, document_types, settings, spool
):
    # The declared size is within the limit and its margin; the file itself is not.
    client.force_login(candidate)
    body = StreamedBody(5 * MB + MULTIPART_MARGIN // 2)
    assert body.length <= 5 * MB + MULTIPART_MARGIN
    response = post_streamed(client, upload_url, body)
    assert response.status_code == 413
    assert "5 MB at most" in field_error(response, document_types)
    assert_nothing_stored(settings, spool, application)


def test_a_body_somewhat_too_large_is_read_to_its_end_so_the_browser_gets_the_answer(
    client, candidate, application, upload_url, document_types, settings, spool
):
    client.force_login(candidate)
    body = StreamedBody(12 * MB)
    response = post_streamed(client, upload_url, body)
    assert response.status_code == 413
    assert "5 MB at most" in field_error(response, document_types)
    assert body.read_bytes == body.length  # drained (and dropped), not kept
    assert_nothing_stored(settings, spool, application)


def test_the_limit_follows_the_institution_setting(
    client, candidate, application, upload_url, document_types, settings, spool
):
    InstitutionSettings.objects.update_or_create(pk=1, defaults={"upload_max_mb": 1})
    client.force_login(candidate)
    body = StreamedBody(2 * MB)
    response = post_streamed(client, upload_url, body)
    assert field_error(response, document_types) == "The file is too large: 1 MB at most."
    assert_nothing_stored(settings, spool, application)


def test_with_csrf_checks_the_refusal_is_still_shown_next_to_the_field(
    candidate, application, upload_url, document_types, settings, spool
):
    client = Client(enforce_csrf_checks=True)
    client.force_login(candidate)
    client.get(reverse("candidate:application", args=[application.pk]))
    token = client.cookies["csrftoken"].value
    body = StreamedBody(200 * MB, fields=(("csrfmiddlewaretoken", token),))
    response = post_streamed(client, upload_url, body)
    assert response.status_code == 413
    assert "5 MB at most" in field_error(response, document_types)
    assert_nothing_stored(settings, spool, application)


def test_in_french_the_message_is_translated(
    client, candidate, application, upload_url, document_types, settings, spool
):
    candidate.preferred_language = "fr"
    candidate.save(update_fields=["preferred_language"])
    client.force_login(candidate)
    response = post_streamed(client, upload_url, StreamedBody(200 * MB))
    assert "Le fichier est trop volumineux" in field_error(response, document_types)


def test_a_form_that_does_not_show_upload_errors_gets_a_413_page_and_is_not_processed(
    client, candidate, application, questions, settings, spool
):
    # The answers form is not an upload form: a stopped file there must not let the view see
    # a form cut short (the fields after the file were never read).
    client.force_login(candidate)
    url = reverse("candidate:answers", args=[application.pk])
    body = StreamedBody(6 * MB, after=((f"q{questions['text'].pk}", "my plan"),))
    response = post_streamed(client, url, body)
    assert response.status_code == 413
    assert "The file is too large: 5 MB at most." in response.content.decode()
    assert not Answer.objects.exists()
    assert_nothing_stored(settings, spool, application)


def test_a_large_multipart_request_to_another_view_is_answered_without_reading_it(
    client, candidate, application, questions, settings, spool
):
    client.force_login(candidate)
    body = StreamedBody(200 * MB)
    response = post_streamed(client, reverse("candidate:answers", args=[application.pk]), body)
    assert response.status_code == 413
    assert body.read_bytes == 0
    assert_nothing_stored(settings, spool, application)


def test_a_form_without_files_larger_than_the_field_limit_gets_a_413_page(client, candidate):
    client.force_login(candidate)
    response = client.generic(
        "POST",
        reverse("candidate:account"),
        "",
        **{
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(50 * MB),
            "wsgi.input": StreamedBody(0),
        },
    )
    assert response.status_code == 413
    assert "The form sent is too large." in response.content.decode()


def test_a_refused_file_shows_the_reason_next_to_its_field(
    client, candidate, application, upload_url, document_types, settings, spool
):
    client.force_login(candidate)
    response = client.post(upload_url, {"file": _file("x.pdf", b"<html>")})
    assert response.status_code == 400
    assert field_error(response, document_types) == (
        "The file was refused: Only PDF, JPEG and PNG files are accepted."
    )
    assert_nothing_stored(settings, spool, application)


def test_no_file_chosen_is_a_field_error(client, candidate, upload_url, document_types):
    client.force_login(candidate)
    response = client.post(upload_url, {})
    assert response.status_code == 400
    assert field_error(response, document_types) == "Choose a file to upload."


def test_a_good_file_is_still_uploaded(client, candidate, application, upload_url, document_types):
    client.force_login(candidate)
    response = client.post(upload_url, {"file": _file("cv.pdf", make_pdf(2))})
    assert response.status_code == 302
    assert application.documents.get(document_type=document_types["letter"]).file.size > 0


def test_uploads_are_rate_limited_per_account(
    client, candidate, application, upload_url, document_types, settings, spool
):
    settings.RATELIMITS = {**settings.RATELIMITS, "upload_account": "3/h"}
    client.force_login(candidate)
    for _ in range(3):
        assert (
            client.post(upload_url, {"file": _file("a.png", make_image("PNG"))}).status_code == 302
        )
    response = client.post(upload_url, {"file": _file("a.png", make_image("JPEG"))})
    assert response.status_code == 429
    assert field_error(response, document_types) == (
        "You have sent many files in a short time. Wait a few minutes and try again."
    )
    assert CandidateFile.objects.get().content_type == "image/png"  # the last one kept


def test_the_upload_rate_is_counted_per_account(
    client, candidate, application, upload_url, settings
):

    settings.RATELIMITS = {**settings.RATELIMITS, "upload_account": "1/h"}
    client.force_login(candidate)
    assert client.post(upload_url, {"file": _file("a.png", make_image("PNG"))}).status_code == 302
    other = UserFactory()
    complete_dossier(other)
    other_application = services.apply(candidate=other, program=application.program, actor=other)
    client.force_login(other)
    url = reverse(
        "candidate:document_upload",
        args=[other_application.pk, upload_url.rstrip("/").split("/")[-2]],
    )
    assert client.post(url, {"file": _file("a.png", make_image("PNG"))}).status_code == 302


def _file(name, data):
    return SimpleUploadedFile(name, data)
