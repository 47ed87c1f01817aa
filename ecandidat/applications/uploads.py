"""Checking an uploaded document before anything is stored.

Only PDF, JPEG and PNG are accepted, recognised by their content (never by name or the
browser's claim). A PDF must open with pypdf, may not be encrypted nor carry JavaScript or
launch actions, and is rewritten by pypdf so that bytes outside its objects (polyglots)
are dropped. An image must decode with Pillow and is re-encoded, which drops metadata and
anything appended. Every refusal is an ``UploadRefused`` with a translated message.
"""

import hashlib
import io
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError

# A document scan at 600 dpi on A3 stays well under this; bigger images are refused before
# Pillow allocates memory for them (decompression bombs).
MAX_PIXELS = 60_000_000

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}


class UploadRefused(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass
class CheckedFile:
    content: bytes
    content_type: str
    sha256: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def sniff(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


_PDF_DANGEROUS = (
    "/JavaScript",
    "/JS",
    "/Launch",
    "/EmbeddedFile",
    "/EmbeddedFiles",
    "/EF",
    "/RichMedia",
    "/XFA",
)


def _pdf_has_active_content(reader: PdfReader) -> bool:
    """Look for scripts, launch actions and embedded files anywhere in the object graph."""
    seen: set[int] = set()
    stack = [reader.trailer]
    while stack:
        obj = stack.pop()
        if hasattr(obj, "get_object"):
            ref = getattr(obj, "idnum", None)
            if ref is not None:
                if ref in seen:
                    continue
                seen.add(ref)
            obj = obj.get_object()
        if isinstance(obj, dict):
            for key, value in obj.items():
                if key in _PDF_DANGEROUS:
                    return True
                if key in ("/S", "/Type") and str(value) in _PDF_DANGEROUS:
                    return True
                stack.append(value)
        elif isinstance(obj, list):
            stack.extend(obj)
    return False


def _check_pdf(data: bytes) -> bytes:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise UploadRefused(
                _("This PDF is protected by a password. Upload it without protection.")
            )
        if len(reader.pages) == 0:
            raise UploadRefused(_("This PDF has no page."))
        if _pdf_has_active_content(reader):
            raise UploadRefused(
                _("This PDF contains scripts or embedded files, which are not accepted.")
            )
        writer = PdfWriter(clone_from=reader)
        out = io.BytesIO()
        writer.write(out)
        for page in PdfReader(io.BytesIO(out.getvalue())).pages:
            page.extract_text()  # fails on a broken content stream
        return out.getvalue()
    except UploadRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError):
        raise UploadRefused(_("This PDF is damaged and cannot be opened.")) from None


def _check_image(data: bytes, content_type: str) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise UploadRefused(_("This image is too large (too many pixels)."))
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            out = io.BytesIO()
            if content_type == JPEG:
                image.convert("RGB").save(out, format="JPEG", quality=90, optimize=True)
            else:
                image.save(out, format="PNG", optimize=True)
            return out.getvalue()
    except UploadRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise UploadRefused(_("This image is damaged and cannot be opened.")) from None


def check_upload(data: bytes, *, max_bytes: int) -> CheckedFile:
    if not data:
        raise UploadRefused(_("The file is empty."))
    if len(data) > max_bytes:
        raise UploadRefused(
            _("The file is too large: %(max)s MB at most.") % {"max": max_bytes // (1024 * 1024)}
        )
    content_type = sniff(data[:16])
    if content_type is None:
        raise UploadRefused(_("Only PDF, JPEG and PNG files are accepted."))
    content = _check_pdf(data) if content_type == PDF else _check_image(data, content_type)
    return CheckedFile(content, content_type, hashlib.sha256(content).hexdigest())
