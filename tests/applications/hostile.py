"""Builders of hostile files for the upload tests, written byte by byte (no binary fixture).

Compression bombs are built without compressing their inflated size: one megabyte of zeros
is deflated once, ended by a full flush (which leaves no reference to earlier data and ends
on a byte boundary), and that block is repeated; the zlib checksum of n zeros is known.
"""

import functools
import io
import struct
import zlib

from PIL import Image

MB = 1024 * 1024


@functools.cache
def _zero_block(size: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(bytes(size)) + compressor.flush(zlib.Z_FULL_FLUSH)


def deflated_zeros(size: int, *, container: str = "zlib") -> bytes:
    """``size`` zero bytes, deflated: ``zlib`` (what /FlateDecode and PNG expect) or ``raw``
    (no header nor checksum, which some decoders accept too)."""
    whole, rest = divmod(size, MB)
    body = _zero_block(MB) * whole + (_zero_block(rest) if rest else b"")
    body += b"\x01\x00\x00\xff\xff"  # last block: empty, stored
    if container == "raw":
        return body
    adler = ((size % 65521) << 16) | 1  # adler-32 of zeros: A stays 1, B counts the bytes
    return b"\x78\xda" + body + struct.pack(">I", adler)


# --- PNG ----------------------------------------------------------------------------------


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(
    width: int,
    height: int,
    *,
    bit_depth: int = 8,
    colour_type: int = 0,
    idat: bytes | None = None,
    chunks: tuple[bytes, ...] = (),
) -> bytes:
    """A PNG whose pixels are all zero (rows with filter 0), or the given IDAT data."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour_type]
    row = 1 + (width * channels * bit_depth + 7) // 8
    if idat is None:
        idat = deflated_zeros(row * height)
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + b"".join(chunks)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


# --- JPEG ---------------------------------------------------------------------------------


def jpeg(size=(40, 30), **options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="JPEG", **options)
    return out.getvalue()


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header (SOF0) claims other dimensions."""
    data = bytearray(jpeg((16, 16)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


# --- PDF ----------------------------------------------------------------------------------


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def raw_pdf(objects, *, root: int = 1, trailer: bytes = b"", tail: bytes = b"") -> bytes:
    """A PDF with these object bodies (numbered from 1) and a classic cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        root,
        trailer,
        xref,
    )
    return bytes(out) + tail


TEXT = b"BT /F1 12 Tf 20 100 Td (Releve de notes) Tj ET"
FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def one_page_pdf(
    *,
    content: bytes = TEXT,
    content_extra: bytes = b"",
    page: bytes = b"",
    resources: bytes = b"",
    catalog: bytes = b"",
    objects=(),
    trailer: bytes = b"",
) -> bytes:
    """Catalog 1, pages 2, page 3, its contents 4, a font 5; ``objects`` are numbered from 6.
    ``resources`` go into the page's resource dictionary (besides the font /F1)."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R " + catalog + b">>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> " + resources + b">> " + page + b">>",
            stream(content, content_extra),
            FONT,
            *objects,
        ],
        trailer=trailer,
    )


def pdf_with_object_stream(inner: bytes, *, inflated_padding: int = 0) -> bytes:
    """A PDF 1.5 whose catalog refers to object 6, stored in the compressed object stream 5;
    ``inflated_padding`` zero bytes follow the object once the stream is inflated."""
    body = b"6 0 " + inner
    compressor = zlib.compressobj(9)
    head = compressor.compress(body) + compressor.flush(zlib.Z_FULL_FLUSH)
    blocks, rest = divmod(inflated_padding, MB)
    padding = _zero_block(MB) * blocks + (_zero_block(rest) if rest else b"")
    adler = zlib.adler32(body)
    a, b = adler & 0xFFFF, adler >> 16
    b = (b + inflated_padding * a) % 65521  # each zero byte adds A to B
    data = head + padding + b"\x01\x00\x00\xff\xff" + struct.pack(">I", (b << 16) | a)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /Extra 6 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
        stream(TEXT),
        stream(data, b"/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode "),
    ]
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, object_body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + object_body + b"\nendobj\n"
    xref_offset = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 1, offset, 0) for offset in offsets]
    rows.append(struct.pack(">BIH", 2, 5, 0))  # object 6: first in object stream 5
    rows.append(struct.pack(">BIH", 1, xref_offset, 0))  # object 7: this xref stream
    table = b"".join(rows)
    out += (
        b"7 0 obj\n"
        + stream(table, b"/Type /XRef /Size 8 /W [1 4 2] /Root 1 0 R ")
        + b"\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_offset
    )
    return bytes(out)


def pdf_with_pages(count: int) -> bytes:
    kids = b" ".join(b"%d 0 R" % (4 + i) for i in range(count))
    pages = [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 3 0 R >>"] * count
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count,
            stream(b"0 0 m 10 10 l S"),
            *pages,
        ]
    )


def pdf_with_objects(count: int) -> bytes:
    """A one-page PDF followed by ``count`` objects nothing refers to."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
            stream(TEXT),
            *([b"1"] * count),
        ]
    )
