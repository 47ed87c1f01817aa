"""Several application files at once: a ZIP of PDFs, one merged PDF, or one document type
across the selection. Small selections are built in the request, large ones by the worker.

A ZIP is streamed as it is built (zipstream-ng): each application's PDF is made, and each
stored file read in chunks, only when the stream reaches it, so memory holds one entry at a
time whatever the selection. The merged PDF is written to a temporary file, then streamed.
"""

import io
import zipfile
from collections.abc import Iterator

from pypdf import PdfReader, PdfWriter
from zipstream import ZipStream

from ecandidat.applications.models import ApplicationDocument
from ecandidat.applications.pdf import application_pdf
from ecandidat.applications.services import open_candidate_file

from .writers import file_chunks, temporary_file

SYNC_LIMIT = 10  # beyond this many applications the file is built in the background
READ_CHUNK = 256 * 1024


def build(applications, *, kind: str, document_type: str, language: str) -> tuple:
    """(content, file name, MIME type); the content is an iterator of bytes, made as it is
    read (``attachment`` streams it, ``as_file`` spools it for the storage)."""
    if kind == "pdf":
        return (
            file_chunks(lambda: _merged_pdf(applications, language)),
            "applications.pdf",
            "application/pdf",
        )
    archive = ZipStream(compress_type=zipfile.ZIP_DEFLATED)
    if kind == "document":
        _add_documents(archive, applications, document_type)
    else:
        for application in applications:
            archive.add(_pdf(application, language), f"{_stem(application)}.pdf")
    return iter(archive), "applications.zip", "application/zip"


def as_file(content):
    """``build``'s content in a temporary file, open at its start (closed by the caller)."""
    return temporary_file(lambda handle: handle.writelines(content))


def _stem(application) -> str:
    return f"{application.candidate.username}-{application.program.code}"


def _pdf(application, language: str) -> Iterator[bytes]:
    # A generator: the PDF is made when the stream reaches this entry, not when queued.
    yield application_pdf(application, language)


def _read(handle) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(READ_CHUNK):
            yield chunk


def _add_documents(archive: ZipStream, applications, document_type: str) -> None:
    """The file of one document type for each application that has one (one query). Each
    file is opened here, before the first byte of the archive goes out: a file gone from
    the storage (flagged so), or a storage that cannot be reached, is told as such
    (``FileMissing``, ``StorageUnavailable``) instead of cutting a download midway."""
    documents = {
        document.application_id: document
        for document in ApplicationDocument.objects.filter(
            application__in=[a.pk for a in applications],
            document_type_id=document_type if str(document_type).isdigit() else 0,
            file__isnull=False,
        ).select_related("file")
    }
    opened = []
    try:
        for application in applications:
            document = documents.get(application.pk)
            if document is not None:
                extension = document.file.original_name.rsplit(".", 1)[-1]
                handle = open_candidate_file(document.file)
                opened.append(handle)
                archive.add(_read(handle), f"{_stem(application)}.{extension}")
    except BaseException:
        for handle in opened:
            handle.close()
        raise


def _merged_pdf(applications, language: str):
    writer = PdfWriter()
    for application in applications:
        writer.append(PdfReader(io.BytesIO(application_pdf(application, language))))
    return temporary_file(writer.write)
