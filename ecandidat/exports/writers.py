"""Spreadsheet-safe exports: every CSV and XLSX cell we write goes through ``neutralise``.

Candidates and staff type the text we export (names, addresses, labels, comments). A cell
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a formula by
spreadsheet software (``=HYPERLINK(…)``, ``+cmd|…``, ``@SUM(…)``): such a value is written
with a leading single quote, which shows it as text. The writers below apply it to every
cell, header included, so no export can forget it: the application list (CSV and XLSX, in
the request or by the worker), the statistics XLSX and the Pégase registration files. The
JSON of the registration API is not a spreadsheet and stays as it is.

XLSX is written row by row (openpyxl write-only mode): memory stays flat however many rows.
"""

import csv
import re
import tempfile
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
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _PHONE_NUMBER.fullmatch(text):
        return "'" + text
    return text


class CsvWriter:
    """``csv.writer`` (same arguments, same dialect) whose every cell is neutralised."""

    def __init__(self, handle, **dialect):
        self._writer = csv.writer(handle, **dialect)

    def writerow(self, row):
        return self._writer.writerow([neutralise(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def xlsx_bytes(header: list[str], rows) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Applications")
    sheet.append([neutralise(value) for value in header])
    for row in rows:
        sheet.append([neutralise(value) for value in row])
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        return handle.read()
