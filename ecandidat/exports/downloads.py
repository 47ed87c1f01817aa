"""Several application files at once: a ZIP of PDFs, one merged PDF, or one document type
across the selection. Small selections are built in the request, large ones by the worker."""

import io
import zipfile

from pypdf import PdfReader, PdfWriter

from ecandidat.applications.pdf import application_pdf

SYNC_LIMIT = 10  # beyond this many applications the file is built in the background


def build(applications, *, kind: str, document_type: str, language: str) -> tuple[bytes, str, str]:
    """(content, file name, MIME type)."""
    if kind == "pdf":
        writer = PdfWriter()
        for application in applications:
            writer.append(PdfReader(io.BytesIO(application_pdf(application, language))))
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue(), "applications.pdf", "application/pdf"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for application in applications:
            stem = f"{application.candidate.username}-{application.program.code}"
            if kind == "document":
                for document in application.documents.filter(
                    document_type_id=document_type if str(document_type).isdigit() else 0,
                    file__isnull=False,
                ).select_related("file"):
                    with document.file.file.open("rb") as handle:
                        extension = document.file.original_name.rsplit(".", 1)[-1]
                        archive.writestr(f"{stem}.{extension}", handle.read())
            else:
                archive.writestr(f"{stem}.pdf", application_pdf(application, language))
    return out.getvalue(), "applications.zip", "application/zip"
