"""Spreadsheet-safe exports: every CSV and XLSX cell we write goes through ``neutralise``.

Candidates and staff type the text we export (names, addresses, labels, comments). A cell
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a formula by
spreadsheet software (``=HYPERLINK(…)``, ``+cmd|…``, ``@SUM(…)``): such a value is written
with a leading single quote, which shows it as text. The writers below apply it to every
cell, header included, so no export can forget it: the application list (CSV and XLSX, in
the request or by the worker), the statistics XLSX and the Pégase registration files. The
JSON of the registration API is not a spreadsheet and stays as it is.

Both formats stream: CSV comes out as chunks of text as the rows arrive; XLSX is written row
by row (openpyxl's write-only mode) into a temporary file, handed over open at its start.
Memory stays flat however many rows.
"""

import csv
import io
import re
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal

from openpyxl import Workbook

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


def xlsx_file(header: list, rows: Iterable[list], *, title: str = "Applications"):
    """An XLSX of one sheet, written row by row into a temporary file, returned open at its
    start."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append(neutralise_row(header))
    for row in rows:
        sheet.append(neutralise_row(row))
    return temporary_file(workbook.save)


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
