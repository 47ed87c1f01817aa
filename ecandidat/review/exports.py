"""XLSX written row by row (openpyxl write-only mode): memory stays flat however many rows."""

import tempfile

from openpyxl import Workbook


def xlsx_bytes(header: list[str], rows) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Applications")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        return handle.read()
