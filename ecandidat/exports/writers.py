"""Spreadsheet-safe exports: every CSV and XLSX cell we write goes through ``neutralise``.

Candidates and staff type the text we export (names, addresses, labels, comments). A cell
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a formula by
spreadsheet software (``=HYPERLINK(…)``, ``+cmd|…``, ``@SUM(…)``): such a value is written
with a leading single quote, which shows it as text. The writers below apply it to every
cell, header included, so no export can forget it: the application list (CSV and XLSX, in
the request or by the worker), the statistics XLSX and the Pégase registration files. The
JSON of the registration API is not a spreadsheet and stays as it is.

Both formats stream: CSV comes out as chunks of text as the rows arrive; XLSX is written row
by row into a temporary file, handed over open at its start. Memory stays flat however many
rows.

The XLSX package (workbook, styles, theme, properties) is the one openpyxl's write-only mode
makes for an empty sheet; the rows of the sheet are serialised here, to the very bytes
openpyxl writes for the values exports hold (text, numbers), at a tenth of its cost: openpyxl
(like XlsxWriter) spends about 10 µs per cell, a minute for the 6 million cells of every
column of 100,000 applications, most of it building cell objects and XML elements one by one.
tests/exports compare both outputs byte for byte.
"""

import csv
import io
import math
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import chain

from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A bare international phone number, as the dossier stores them (E.164, "+33235146000"):
# digits only, so nothing a spreadsheet could run; prefixing it would send "'+33…" to the
# student information system.
_PHONE_NUMBER = re.compile(r"\+[0-9]{1,15}")


def neutralise(value):
    """The cell for ``value``: numbers stay numbers, anything else becomes text, prefixed
    with ``'`` when it starts like a formula. Applying it twice changes nothing."""
    if value.__class__ is str:  # most cells: no conversion
        text = value
    elif value is None:
        return ""
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    else:
        text = str(value)
    if text.startswith(FORMULA_STARTS) and not _PHONE_NUMBER.fullmatch(text):
        return "'" + text
    return text


def neutralise_row(row) -> list:
    """``neutralise`` on each cell of ``row``, without a call for the plain text most cells
    hold (an export writes millions of cells)."""
    return [
        value
        if value.__class__ is str and not value.startswith(FORMULA_STARTS)
        else neutralise(value)
        for value in row
    ]


class CsvWriter:
    """``csv.writer`` (same arguments, same dialect) whose every cell is neutralised."""

    def __init__(self, handle, **dialect):
        self._writer = csv.writer(handle, **dialect)

    def writerow(self, row):
        return self._writer.writerow(neutralise_row(row))

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


# A chunk of CSV text handed to the response or the file once it is about this long.
CSV_CHUNK_CHARS = 64 * 1024


def csv_chunks(header: list, rows: Iterable[list], *, delimiter: str = ";") -> Iterator[str]:
    """The CSV of the application exports (UTF-8 with a BOM, so spreadsheet software reads
    it as UTF-8; ``;``), as chunks of text while the rows arrive."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer, delimiter=delimiter)
    buffer.write("\ufeff")
    size = writer.writerow(header)
    for row in rows:
        size += writer.writerow(row)
        if size >= CSV_CHUNK_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            size = 0
    yield buffer.getvalue()


def temporary_file(write):
    """A temporary file filled by ``write(handle)``, returned open at its start (the caller
    closes it, which deletes it; a ``FileResponse`` does so once it is sent)."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - handed over open, closed by the caller
    try:
        write(handle)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle


def csv_file(header: list, rows: Iterable[list], *, delimiter: str = ";"):
    """``csv_chunks`` encoded in UTF-8 into a temporary file (a background export)."""

    def write(handle):
        for chunk in csv_chunks(header, rows, delimiter=delimiter):
            handle.write(chunk.encode())

    return temporary_file(write)


_SHEET = "xl/worksheets/sheet1.xml"
_EMPTY_SHEET_DATA = b"<sheetData></sheetData>"
_MAX_CELL_TEXT = 32767  # Excel's limit, to which openpyxl truncates
_XLSX_FLUSH_ROWS = 500


def _text_cell(reference: str, text: str) -> str:
    """An inline string cell, as openpyxl (with lxml) writes it; characters XML cannot
    carry are dropped (openpyxl refuses the whole file)."""
    if not text:
        return f'<c r="{reference}" t="inlineStr"></c>'
    if text in ERROR_CODES:
        return f'<c r="{reference}" t="e"><v>{text}</v></c>'
    text = text[:_MAX_CELL_TEXT]
    if ILLEGAL_CHARACTERS_RE.search(text):
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = escaped.replace("\r", "&#13;")
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{reference}" t="inlineStr"><is><t{space}>{escaped}</t></is></c>'


def _number_cell(reference: str, number) -> str:
    # openpyxl's safe_string: 16 significant digits; NaN and infinities are left empty.
    number = float(number)
    text = format(number, ".16g") if math.isfinite(number) else ""
    return f'<c r="{reference}" t="n"><v>{text}</v></c>'


def _row_xml(index: int, row: list, letters: list[str]) -> bytes:
    """One ``<row>`` of neutralised cells (text, numbers or empty): non-ASCII characters as
    character references, as openpyxl writes them."""
    cells = []
    for letter, value in zip(letters, row, strict=False):
        if value.__class__ is str:
            cells.append(_text_cell(f"{letter}{index}", value))
        elif value is not None:
            cells.append(_number_cell(f"{letter}{index}", value))
    return f'<row r="{index}">{"".join(cells)}</row>'.encode("ascii", "xmlcharrefreplace")


def xlsx_file(header: list, rows: Iterable[list], *, title: str = "Applications"):
    """An XLSX of one sheet, written row by row into a temporary file, returned open at its
    start."""

    def write(handle):
        skeleton = io.BytesIO()
        workbook = Workbook(write_only=True)
        workbook.create_sheet(title)
        workbook.save(skeleton)
        # Level 1: the sheet of a large export is hundreds of megabytes of XML, which the
        # default level takes three times longer to deflate, for a file a quarter smaller.
        with (
            zipfile.ZipFile(skeleton) as source,
            zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package,
        ):
            for info in source.infolist():
                if info.filename != _SHEET:
                    package.writestr(info, source.read(info))
                    continue
                before, after = source.read(info).split(_EMPTY_SHEET_DATA)
                with package.open(_SHEET, "w") as sheet:
                    sheet.write(before + b"<sheetData>")
                    _write_rows(sheet, chain([header], rows))
                    sheet.write(b"</sheetData>" + after)

    return temporary_file(write)


def _write_rows(sheet, rows: Iterable[list]) -> None:
    letters: list[str] = []
    pending: list[bytes] = []
    for index, row in enumerate(rows, 1):
        cells = neutralise_row(row)
        while len(letters) < len(cells):
            letters.append(get_column_letter(len(letters) + 1))
        pending.append(_row_xml(index, cells, letters))
        if len(pending) >= _XLSX_FLUSH_ROWS:
            sheet.write(b"".join(pending))
            pending.clear()
    sheet.write(b"".join(pending))


def xlsx_chunks(header: list, rows: Iterable[list], *, title: str = "Applications"):
    """``xlsx_file``'s bytes for a streamed response. Nothing is written before the response
    asks for its first chunk, and the temporary file is closed when the stream ends or is
    closed (a client gone midway)."""
    return file_chunks(lambda: xlsx_file(header, rows, title=title))


def file_chunks(make_file, size: int = 256 * 1024) -> Iterator[bytes]:
    """The bytes of the open file ``make_file()`` returns, made when first asked for, then
    closed."""
    with make_file() as handle:
        while chunk := handle.read(size):
            yield chunk


def xlsx_bytes(header: list[str], rows) -> bytes:
    """A small XLSX (the statistics table) as bytes."""
    with xlsx_file(header, rows) as handle:
        return handle.read()
