"""Checking an uploaded document before anything is stored.

Only PDF, JPEG and PNG are accepted, recognised by their content (never by name or the
browser's claim). Every refusal is an ``UploadRefused`` with a translated message.

Every check is bounded in memory and CPU, whatever the file claims, so that a small hostile
file cannot cost a web worker more than a large honest one:

- an image's dimensions are read from its header and refused beyond ``MAX_PIXELS`` before
  any pixel is decoded; decoding holds at most ``MAX_DECODED_IMAGE_BYTES`` (a large JPEG is
  decoded at a reduced scale by libjpeg itself, a PNG that would need more is refused);
- a PDF may not have more than ``MAX_PDF_PAGES`` pages nor ``MAX_PDF_OBJECTS`` objects, and
  its streams are decoded one after the other, counting, with a budget for all of them
  together (``pdf_decoded_budget``): a compression bomb is refused as soon as the budget is
  spent, without ever holding the inflated data.

Active content and metadata:

- a PDF may not be encrypted nor carry JavaScript, launch actions, embedded files, rich
  media or XFA forms (refused); it is then rewritten without every other action (links to
  web addresses or other files, form submissions, actions on opening a page or the
  document…), without its metadata (document information, XMP) and without the objects no
  page uses, so that bytes outside its objects (polyglots) are dropped too;
- an image is decoded and re-encoded from its pixels, turned upright first when its EXIF
  asks for it; EXIF, XMP, comments and text chunks are not written back (a small ICC colour
  profile is kept: it is only colour data).
"""

import hashlib
import io
import math
import struct
import warnings
import zlib
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter, apply_configuration
from pypdf.errors import LimitReachedError, PyPdfError
from pypdf.filters import ASCII85Decode, ASCIIHexDecode, LZWDecode, RunLengthDecode
from pypdf.generic import (
    ArrayObject,
    ContentStream,
    DictionaryObject,
    IndirectObject,
    StreamObject,
)

from ecandidat.common.errors import DomainError

MB = 1024 * 1024

# --- images -------------------------------------------------------------------------------

# An A4 page scanned at 300 dpi is 2480 x 3508 = 8.7 megapixels, an A3 page 17.4, and phone
# cameras take 12 to 16: 25 megapixels takes all of these. Pillow's own guard is set to the
# same value in ApplicationsConfig.ready(), so every decoding in the process (staff forms,
# WeasyPrint) warns beyond it and refuses twice as many pixels.
MAX_PIXELS = 25_000_000
# The most memory one decoded image may take (Pillow keeps 4 bytes a pixel for colour
# images, 1 for greyscale). A JPEG needing more is decoded by libjpeg at 1/2, 1/4 or 1/8
# scale; a PNG cannot be decoded at a smaller scale, so it is refused.
MAX_DECODED_IMAGE_BYTES = 64 * MB
# An ICC profile is colour data only; sRGB or Display P3 take a few kilobytes, so a larger
# one is not a colour profile we need to keep.
MAX_ICC_PROFILE_BYTES = 64 * 1024
# Pillow reads a PNG text chunk or colour profile only up to a megabyte once inflated.
PNG_MAX_INFLATED_CHUNK = 1 * MB
_ONE_BYTE_MODES = {"1", "L", "P"}
_TWO_BYTE_MODES = {"I;16", "I;16B", "I;16L", "I;16N"}

# --- PDFs ---------------------------------------------------------------------------------

MAX_PDF_PAGES = 500
# A 200-page thesis written with LaTeX has about 5,000 objects; parsing 20,000 takes pypdf
# under a second, and their Python representation stays under 50 MB.
MAX_PDF_OBJECTS = 20_000
# Values inside those objects (numbers, names, array items…), for the same reason.
MAX_PDF_VALUES = 1_000_000
# The total size of the decoded streams (page contents, fonts, images in lossless
# compression) is at most 20 times the upload limit, and never less than 100 MB: ten pages
# scanned at 300 dpi in lossless greyscale take 87 MB, a compression bomb gigabytes.
PDF_DECODED_BYTES_PER_UPLOAD_BYTE = 20
MIN_PDF_DECODED_BYTES = 100 * MB
# One image inside a PDF: an A3 page scanned at 600 dpi is 70 megapixels (scanners store
# such pages as bilevel images, a few megabytes once decoded).
MAX_PDF_IMAGE_PIXELS = 100_000_000
# pypdf parses page contents at about 0.6 MB a second: the syntax of the first megabyte is
# checked (a damaged file is refused), the rest is only decoded within the budget above.
MAX_PDF_CONTENT_CHECKED_BYTES = 1 * MB
# pypdf decodes object and cross-reference streams itself while reading; these limits keep
# that decoding (and the byte-by-byte recovery of a damaged stream, which is slow) small.
_PYPDF_LIMITS = {
    "zlib_maximum_output_length": 32 * MB,
    "zlib_maximum_recovery_input_length": 64 * 1024,
    "lzw_maximum_output_length": 32 * MB,
    "run_length_maximum_output_length": 32 * MB,
    "brotli_maximum_output_length": 32 * MB,
    "jbig2_maximum_output_length": 32 * MB,
    "array_based_stream_maximum_output_length": 32 * MB,
    "stream_decoding_work_maximum_length": 64 * MB,
    "stream_parsing_work_maximum_count": 500_000,
    "page_tree_maximum_entries": 4 * MAX_PDF_PAGES,
    "page_tree_maximum_depth": 32,
    "page_tree_maximum_page_entries": 200 * MAX_PDF_PAGES,
    "outline_maximum_entries": 10_000,
    "named_destinations_maximum_entries": 10_000,
    "form_fields_maximum_entries": 10_000,
    "jbig2dec_binary": None,  # never start an external decoder on a candidate's file
}
_INFLATE_CHUNK = 1 * MB

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}
DOCUMENT_TYPES = frozenset({PDF, JPEG, PNG})
IMAGE_TYPES = frozenset({JPEG, PNG})


class UploadRefused(DomainError):
    """The file is refused (type, size, content, antivirus); ``message`` says why."""


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


def safe_stem(filename: str) -> str:
    """The name a stored file is offered under: letters, digits, spaces, - and _ of the
    sender's name without its extension (the extension comes from the checked content)."""
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    return "".join(c for c in stem if c.isalnum() or c in " -_")[:80].strip() or "document"


def too_large_message(max_bytes: int):
    return _("The file is too large: %(max)s MB at most.") % {"max": max_bytes // MB}


# --- PDF: refused content -----------------------------------------------------------------

_PDF_REFUSED = frozenset(
    {
        "/JavaScript",
        "/JS",
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/EF",
        "/RichMedia",
        "/RichMediaExecute",
        "/XFA",
    }
)
_PDF_NAME_VALUED_KEYS = ("/S", "/Type", "/Subtype")

# --- PDF: stripped content ----------------------------------------------------------------

# Dropped from every dictionary: actions run when something happens (/AA), the document's
# opening action, metadata streams (XMP) and application-private data.
_PDF_DROPPED_KEYS = ("/AA", "/OpenAction", "/Metadata", "/PieceInfo", "/PA")
# Dropped from the catalogue: a base for relative web links, signatures' permissions,
# portfolio and spider data, associated (embedded) files, the XFA's calculation order.
_PDF_DROPPED_CATALOG_KEYS = (
    "/URI",
    "/Perms",
    "/Collection",
    "/SpiderInfo",
    "/AF",
    "/Legal",
    "/Requirements",
)
# Annotations that only exist to play media, attach a file or run an action.
_PDF_DROPPED_ANNOTATIONS = frozenset(
    {"/Screen", "/Movie", "/Sound", "/RichMedia", "/FileAttachment", "/3D"}
)

_FLATE = frozenset({"/FlateDecode", "/Fl"})
_IMAGE_CODECS = frozenset(
    {"/DCTDecode", "/DCT", "/JPXDecode", "/CCITTFaxDecode", "/CCF", "/JBIG2Decode"}
)


def pdf_decoded_budget(max_bytes: int) -> int:
    return max(MIN_PDF_DECODED_BYTES, PDF_DECODED_BYTES_PER_UPLOAD_BYTE * max_bytes)


def _pdf_bomb(limit: int) -> UploadRefused:
    return UploadRefused(
        _(
            "This PDF expands to more than %(max)s MB when it is opened, which is not "
            "accepted. Save it again, for example by printing it to a new PDF."
        )
        % {"max": limit // MB}
    )


class _Budget:
    """The bytes the compressed data of one file may still decode to."""

    def __init__(self, limit: int, refusal=_pdf_bomb):
        self.limit = limit
        self.remaining = limit
        self.refusal = refusal

    def spend(self, count: int) -> None:
        self.remaining -= count
        if self.remaining < 0:
            raise self.refusal(self.limit)


def _too_complex():
    return UploadRefused(
        _(
            "This PDF is too complex to be checked. Save it again, for example by printing it "
            "to a new PDF."
        )
    )


def _unsupported_compression():
    return UploadRefused(_("This PDF uses a compression method that is not accepted."))


def _inflate(data: bytes, budget: _Budget, *, keep: bool) -> bytes:
    """Inflate a /FlateDecode stream one megabyte at a time, spending the budget as it goes.

    With ``keep`` false nothing is kept: a stream is measured, never held. Like pypdf and the
    viewers, a stream that turns out damaged counts for what it decoded up to the damage; one
    without a zlib header is tried as raw deflate data, which some viewers accept.
    """
    parts = []
    for wbits in (zlib.MAX_WBITS | 32, -zlib.MAX_WBITS):
        inflater = zlib.decompressobj(wbits)
        pending, produced = data, 0
        try:
            while True:
                chunk = inflater.decompress(pending, _INFLATE_CHUNK)
                budget.spend(len(chunk))
                produced += len(chunk)
                if keep:
                    parts.append(chunk)
                pending = inflater.unconsumed_tail
                if inflater.eof or not (pending or chunk):
                    break
        except zlib.error:
            if not produced:
                continue
        break
    return b"".join(parts)


def _filters(stream: StreamObject) -> tuple[list[str], list]:
    filters = stream.get("/Filter")
    if filters is None:
        return [], []
    filters = filters.get_object() if isinstance(filters, IndirectObject) else filters
    names = list(filters) if isinstance(filters, list) else [filters]
    params = stream.get("/DecodeParms")
    params = params.get_object() if isinstance(params, IndirectObject) else params
    params = list(params) if isinstance(params, list) else [params] * len(names)
    params = [p.get_object() if isinstance(p, IndirectObject) else p for p in params]
    params = [p if isinstance(p, DictionaryObject) else DictionaryObject() for p in params]
    params = (params + [DictionaryObject()] * len(names))[: len(names)]
    return [str(n.get_object() if isinstance(n, IndirectObject) else n) for n in names], params


def _measure_stream(stream: StreamObject, budget: _Budget) -> None:
    """Decode one stream against the budget, keeping only what a further filter needs."""
    names, params = _filters(stream)
    data = stream._data or b""
    if not names:
        budget.spend(len(data))
        return
    if len(names) > 4:
        raise _unsupported_compression()
    for index, (name, parms) in enumerate(zip(names, params, strict=True)):
        last = index == len(names) - 1
        if name in _FLATE:
            data = _inflate(data, budget, keep=not last)
            continue
        if name in _IMAGE_CODECS:
            if not last:
                raise _unsupported_compression()
            # Images stay compressed in the file; their pixel count is checked elsewhere.
            budget.spend(len(data))
            continue
        limit = max(budget.remaining, 1)
        try:
            with apply_configuration(
                lzw_maximum_output_length=limit, run_length_maximum_output_length=limit
            ):
                if name in ("/ASCIIHexDecode", "/AHx"):
                    data = ASCIIHexDecode.decode(data)
                elif name in ("/ASCII85Decode", "/A85"):
                    data = ASCII85Decode.decode(data)
                elif name in ("/LZWDecode", "/LZW"):
                    data = LZWDecode.decode(data, parms)
                elif name in ("/RunLengthDecode", "/RL"):
                    data = RunLengthDecode.decode(data, parms)
                else:  # /Crypt (encryption is refused), /BrotliDecode, unknown names
                    raise _unsupported_compression()
        except LimitReachedError:
            budget.spend(limit + 1)
        budget.spend(len(data))


def _int(value) -> int:
    value = value.get_object() if isinstance(value, IndirectObject) else value
    return int(value or 0)


def _inspect_pdf(reader: PdfReader, budget: _Budget) -> None:
    """Walk every object reachable from the trailer once: refuse active content, count the
    objects and values, decode each stream against the budget, check images' sizes."""
    seen: set[tuple[int, int]] = set()
    values = 0
    stack = [reader.trailer]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            if len(seen) > MAX_PDF_OBJECTS:
                raise _too_complex()
            obj = obj.get_object()
        values += 1
        if values > MAX_PDF_VALUES:
            raise _too_complex()
        if isinstance(obj, dict):
            for key, value in obj.items():
                if key in _PDF_REFUSED or (
                    key in _PDF_NAME_VALUED_KEYS and str(value) in _PDF_REFUSED
                ):
                    raise UploadRefused(
                        _("This PDF contains scripts or embedded files, which are not accepted.")
                    )
                stack.append(value)
            if isinstance(obj, StreamObject):
                if obj.get("/Subtype") == "/Image" and (
                    _int(obj.get("/Width")) * _int(obj.get("/Height")) > MAX_PDF_IMAGE_PIXELS
                ):
                    raise UploadRefused(
                        _(
                            "This PDF contains an image with too many pixels. Scan the "
                            "document again at 300 dpi."
                        )
                    )
                _measure_stream(obj, budget)
        elif isinstance(obj, list):
            stack.extend(obj)


def _children(node):
    if isinstance(node, dict):
        return node.values()
    if isinstance(node, list):
        return node
    return ()


def _is_stripped_action(value) -> bool:
    """An action (a dictionary with /S) other than going to a page of the same document;
    "/A" also names the attributes of tagged PDFs' structure elements, which stay."""
    value = value.get_object() if isinstance(value, IndirectObject) else value
    return isinstance(value, dict) and "/S" in value and value.get("/S") != "/GoTo"


def _strip_node(node) -> None:
    """Strip one object and the values written inside it (not the objects it refers to,
    which are stripped in their turn)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, DictionaryObject):
            for key in _PDF_DROPPED_KEYS:
                item.pop(key, None)
            if item.get("/S") == "/GoTo":
                item.pop("/Next", None)  # a chain of actions may go on with any other kind
            # An action: only going to a page of the same document is kept.
            if "/A" in item and _is_stripped_action(dict.get(item, "/A")):
                del item["/A"]
        stack.extend(v for v in _children(item) if not isinstance(v, IndirectObject))


def _keep_annotation(reference) -> bool:
    annotation = reference.get_object()
    if not isinstance(annotation, dict):
        return False
    subtype = annotation.get("/Subtype")
    if subtype in _PDF_DROPPED_ANNOTATIONS:
        return False
    # A link whose action was stripped leads nowhere.
    return not (subtype == "/Link" and "/A" not in annotation and "/Dest" not in annotation)


def _strip_pdf(writer: PdfWriter) -> None:
    root = writer._root_object
    for key in _PDF_DROPPED_CATALOG_KEYS:
        root.pop(key, None)
    names = root.get("/Names")
    if isinstance(names, DictionaryObject):
        # Named destinations only: the other name trees hold scripts, files, pages to open…
        for key in [k for k in names if k != "/Dests"]:
            del names[key]
    form = root.get("/AcroForm")
    if isinstance(form, DictionaryObject):
        form.pop("/CO", None)  # fields' calculation order, for the scripts that are gone
    for obj in writer._objects:
        if obj is not None:
            _strip_node(obj)
    for obj in writer._objects:
        if isinstance(obj, DictionaryObject) and "/Annots" in obj:
            annotations = obj["/Annots"]
            if isinstance(annotations, ArrayObject):
                kept = [a for a in annotations if _keep_annotation(a)]
                annotations.clear()
                annotations.extend(kept)


def _drop_unreachable(writer: PdfWriter) -> None:
    """Forget the objects the catalogue no longer leads to (stripped actions, metadata
    streams…), so that they are not written."""
    reachable: set[int] = set()
    stack = [writer._root_object.indirect_reference]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if item.idnum in reachable or not 0 < item.idnum <= len(writer._objects):
                continue
            reachable.add(item.idnum)
            item = writer._objects[item.idnum - 1]
        stack.extend(_children(item))
    for index in range(len(writer._objects)):
        if index + 1 not in reachable:
            writer._objects[index] = None


def _check_contents(reader: PdfReader) -> None:
    """Parse the page contents up to MAX_PDF_CONTENT_CHECKED_BYTES; a page's contents that
    pypdf cannot parse make the file damaged."""
    checked_bytes = 0
    seen: set = set()
    for page in reader.pages:
        raw = dict.get(page, "/Contents")
        refs = raw if isinstance(raw, list) else [raw]
        key = tuple((r.idnum, r.generation) for r in refs if isinstance(r, IndirectObject))
        if key and key in seen:
            continue
        seen.add(key)
        try:
            contents = page.get_contents()  # decodes the streams
        except LimitReachedError:
            continue  # larger than pypdf decodes; it was decoded within the budget already
        if contents is None:
            continue
        size = len(contents.get_data())
        if checked_bytes + size > MAX_PDF_CONTENT_CHECKED_BYTES:
            continue
        checked_bytes += size
        ContentStream(contents, reader).operations  # noqa: B018 (parsing is the check)


def _check_pdf(data: bytes, max_bytes: int) -> bytes:
    try:
        with apply_configuration(**_PYPDF_LIMITS):
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise UploadRefused(
                    _("This PDF is protected by a password. Upload it without protection.")
                )
            declared = sum(len(ids) for ids in reader.xref.values()) + len(reader.xref_objStm)
            if declared > MAX_PDF_OBJECTS:
                raise _too_complex()
            page_count = len(reader.pages)
            if page_count == 0:
                raise UploadRefused(_("This PDF has no page."))
            if page_count > MAX_PDF_PAGES:
                raise UploadRefused(
                    _("This PDF has too many pages: %(max)s at most.") % {"max": MAX_PDF_PAGES}
                )
            _inspect_pdf(reader, _Budget(pdf_decoded_budget(max_bytes)))
            writer = PdfWriter()
            # The catalogue and what it leads to; not the document information (metadata).
            writer.clone_reader_document_root(reader)
            writer.pdf_header = reader.pdf_header
            _strip_pdf(writer)
            _drop_unreachable(writer)
            out = io.BytesIO()
            writer.write(out)
            content = out.getvalue()
            written = PdfReader(io.BytesIO(content))
            if len(written.pages) != page_count:
                raise UploadRefused(_("This PDF is damaged and cannot be opened."))
            _check_contents(written)
            return content
    except UploadRefused:
        raise
    except LimitReachedError:
        raise _too_complex() from None
    except (
        PyPdfError,
        ValueError,
        LookupError,
        TypeError,
        AttributeError,
        ArithmeticError,
        OSError,
        RecursionError,
        NotImplementedError,
        struct.error,
        zlib.error,
    ):
        raise UploadRefused(_("This PDF is damaged and cannot be opened.")) from None


# --- images -------------------------------------------------------------------------------


def _decoded_image_bytes(mode: str, size: tuple[int, int]) -> int:
    per_pixel = 1 if mode in _ONE_BYTE_MODES else 2 if mode in _TWO_BYTE_MODES else 4
    return size[0] * size[1] * per_pixel


def _too_many_pixels():
    return UploadRefused(
        _(
            "This image has too many pixels (%(max)s megapixels at most). Scan or save it "
            "again at a lower resolution: 300 dpi is enough for an A4 page."
        )
        % {"max": MAX_PIXELS // 1_000_000}
    )


def _reduce_jpeg(image: Image.Image) -> None:
    """Ask libjpeg to decode at the largest scale (1/2, 1/4, 1/8) that fits the memory bound;
    the pixels are then never held at full size."""
    width, height = image.size
    for scale in (2, 4, 8):
        size = (math.ceil(width / scale), math.ceil(height / scale))
        if _decoded_image_bytes(image.mode, size) <= MAX_DECODED_IMAGE_BYTES:
            image.draft(image.mode, size)
            return


def _damaged_image(_limit=None) -> UploadRefused:
    return UploadRefused(_("This image is damaged and cannot be opened."))


def _check_png_structure(data: bytes) -> None:
    """Walk the chunks: each must be whole with its checksum, up to IEND, and compressed text
    or colour profiles may not inflate beyond what Pillow reads (it reads a megabyte).

    Pillow checks this too, but only while ``ImageFile.LOAD_TRUNCATED_IMAGES`` is off, and
    WeasyPrint turns it on for the whole process as soon as it is imported."""
    position = 8
    while True:
        if position + 12 > len(data):
            raise _damaged_image()
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        end = position + 12 + length
        if end > len(data):
            raise _damaged_image()
        body = data[position + 8 : end - 4]
        if zlib.crc32(kind + body) != struct.unpack(">I", data[end - 4 : end])[0]:
            raise _damaged_image()
        compressed = None
        if kind in (b"zTXt", b"iCCP"):
            compressed = body.partition(b"\0")[2][1:]
        elif kind == b"iTXt":
            keyword_end = body.find(b"\0")
            if keyword_end >= 0 and body[keyword_end + 1 : keyword_end + 2] == b"\1":
                rest = body[keyword_end + 3 :]
                compressed = rest.split(b"\0", 2)[-1]
        if compressed is not None:
            _inflate(compressed, _Budget(PNG_MAX_INFLATED_CHUNK, _damaged_image), keep=False)
        if kind == b"IEND":
            return
        position = end


def _check_jpeg_structure(data: bytes) -> None:
    """A JPEG ends with its EOI marker after the image data (anything appended is dropped by
    the re-encoding); a truncated one is refused whatever Pillow's tolerance is set to."""
    start_of_scan = data.find(b"\xff\xda")
    if start_of_scan < 0 or data.find(b"\xff\xd9", start_of_scan) < 0:
        raise _damaged_image()


def _check_image(data: bytes, content_type: str) -> bytes:
    image_format = "JPEG" if content_type == JPEG else "PNG"
    if content_type == PNG:
        _check_png_structure(data)
    else:
        _check_jpeg_structure(data)
    try:
        with warnings.catch_warnings():
            # Pillow's own guard (MAX_IMAGE_PIXELS) is a refusal here, never a warning.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[image_format]) as probe:
                width, height = probe.size
                if width < 1 or height < 1:
                    raise _damaged_image()
                if width * height > MAX_PIXELS:
                    raise _too_many_pixels()
                probe.verify()
            with Image.open(io.BytesIO(data), formats=[image_format]) as image:
                if _decoded_image_bytes(image.mode, image.size) > MAX_DECODED_IMAGE_BYTES:
                    if image_format == "JPEG":
                        _reduce_jpeg(image)
                    if _decoded_image_bytes(image.mode, image.size) > MAX_DECODED_IMAGE_BYTES:
                        raise UploadRefused(
                            _(
                                "This image is too large to be processed. Save it again at a "
                                "lower resolution, or as a JPEG."
                            )
                        )
                image.load()
                return _reencode(image, content_type)
    except UploadRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        TypeError,
        LookupError,
        EOFError,
        ArithmeticError,
        struct.error,
    ):
        raise _damaged_image() from None


def _reencode(image: Image.Image, content_type: str) -> bytes:
    # Turn a photo upright while its EXIF still says how; the EXIF itself is not kept.
    ImageOps.exif_transpose(image, in_place=True)
    icc_profile = image.info.get("icc_profile")
    transparency = image.info.get("transparency")
    # Nothing from the sender's file is written back but the pixels: no EXIF (camera,
    # position, date), XMP, comment (JPEG COM, which Pillow would copy), text chunk or dpi.
    image.info = {}
    options = {}
    if icc_profile and len(icc_profile) <= MAX_ICC_PROFILE_BYTES:
        options["icc_profile"] = icc_profile
    out = io.BytesIO()
    if content_type == JPEG:
        if image.mode not in ("L", "RGB"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=90, optimize=True, **options)
    else:
        if transparency is not None:
            options["transparency"] = transparency
        # zlib's default level: "optimize" tries them all, seconds on a large image.
        image.save(out, format="PNG", compress_level=6, **options)
    return out.getvalue()


def check_upload(
    data: bytes, *, max_bytes: int, allowed: frozenset[str] = DOCUMENT_TYPES
) -> CheckedFile:
    if not data:
        raise UploadRefused(_("The file is empty."))
    if len(data) > max_bytes:
        raise UploadRefused(too_large_message(max_bytes))
    content_type = sniff(data[:16])
    if content_type is None or content_type not in allowed:
        if allowed == IMAGE_TYPES:
            raise UploadRefused(_("Only JPEG and PNG images are accepted."))
        raise UploadRefused(_("Only PDF, JPEG and PNG files are accepted."))
    if content_type == PDF:
        content = _check_pdf(data, max_bytes)
    else:
        content = _check_image(data, content_type)
    return CheckedFile(content, content_type, hashlib.sha256(content).hexdigest())
