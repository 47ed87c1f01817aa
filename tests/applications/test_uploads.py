"""A corpus of bad files, each refused with nothing stored; good files accepted and cleaned."""

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image
from pypdf import PdfReader, PdfWriter

from ecandidat.applications import services
from ecandidat.applications.models import CandidateFile
from ecandidat.applications.uploads import UploadRefused, check_upload
from ecandidat.catalog.models import InstitutionSettings

from .conftest import make_image, make_pdf

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
MB = 1024 * 1024


def _writer_bytes(configure) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    configure(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _empty_pdf() -> bytes:
    out = io.BytesIO()
    PdfWriter().write(out)
    return out.getvalue()


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def _bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, format="PNG")
    return out.getvalue()


def _open_action_pdf(kind: str, key: str, value: str) -> bytes:
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    def configure(writer):
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject("/S"): NameObject(kind), NameObject(key): TextStringObject(value)}
        )

    return _writer_bytes(configure)


BAD_FILES = {
    "empty": b"",
    "oversize": b"%PDF-1.7\n" + b"0" * (2 * MB),
    "plain text renamed .pdf": b"Hello, this is not a PDF.",
    "HTML": b"<!doctype html><html><script>alert(1)</script></html>",
    "SVG": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "Word document renamed .pdf": _zip(),
    "Windows executable": b"MZ\x90\x00" + b"\x00" * 200,
    "GIF": b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
    "RTF": rb"{\rtf1\ansi hello}",
    "EICAR test file": EICAR,
    "encrypted PDF": _writer_bytes(lambda w: w.encrypt("secret")),
    "PDF with JavaScript": _open_action_pdf("/JavaScript", "/JS", "app.alert('x');"),
    "PDF with a launch action": _open_action_pdf("/Launch", "/F", "cmd.exe"),
    "PDF with an embedded file": _writer_bytes(lambda w: w.add_attachment("a.exe", b"MZ")),
    "truncated PDF": make_pdf(3)[:150],
    "PDF header only": b"%PDF-1.7\n",
    "HTML polyglot with a PDF header": (
        b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>"
    ),
    "PDF without pages": _empty_pdf(),
    "truncated JPEG": make_image("JPEG")[:40],
    "PNG header then garbage": b"\x89PNG\r\n\x1a\n" + b"garbage" * 20,
    "JPEG header then HTML": b"\xff\xd8\xff\xe0<html><script>alert(1)</script>",
    "decompression bomb PNG": _bomb(),
    "null bytes": b"\x00" * 1000,
}


def test_the_corpus_is_large_enough():
    assert len(BAD_FILES) >= 20


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_refused_with_a_message(name):
    with pytest.raises(UploadRefused) as refused:
        check_upload(BAD_FILES[name], max_bytes=1 * MB)
    assert str(refused.value.message)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_through_the_service_stores_nothing(
    name, candidate, program, document_types, tmp_path, settings
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    InstitutionSettings.objects.update_or_create(pk=1, defaults={"upload_max_mb": 1})
    application = services.apply(candidate=candidate, program=program, actor=candidate)
    with pytest.raises(services.DocumentRefused):
        services.upload_document(
            application=application,
            document_type_id=document_types["letter"].pk,
            data=BAD_FILES[name],
            filename="document.pdf",
            actor=candidate,
        )
    assert not CandidateFile.objects.exists()
    assert not any(p.is_file() for p in Path(tmp_path).rglob("*"))


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (make_pdf(2), "application/pdf"),
        (make_image("JPEG"), "image/jpeg"),
        (make_image("PNG"), "image/png"),
    ],
)
def test_good_files_are_accepted_and_rewritten(data, content_type):
    checked = check_upload(data + b"<html>appended</html>", max_bytes=MB)
    assert checked.content_type == content_type
    assert b"<html>" not in checked.content  # anything appended is dropped by the rewrite
    if content_type == "application/pdf":
        assert len(PdfReader(io.BytesIO(checked.content)).pages) == 2


def test_type_comes_from_the_content_not_the_name():
    assert check_upload(make_image("PNG"), max_bytes=MB).content_type == "image/png"


def test_media_root_is_not_served():
    assert settings.MEDIA_URL == "/media-not-served/"
