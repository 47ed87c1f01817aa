"""Files handed to the browser: every download of the site is built by ``attachment``.

One set of headers for all of them: ``Content-Disposition: attachment`` with a sanitised
name (RFC 6266 quoting, ``filename*`` for a non-ASCII name), the content type, ``nosniff``
(the browser keeps the declared type) and no copy kept by any cache
(``SecurityHeadersMiddleware`` says so again for every personal response). A file we did not
write (a candidate's upload) also gets a Content-Security-Policy that lets it run and load
nothing; the files we build keep the site's policy.

The documents the candidate and the staff pages both offer (the application's PDF, a
candidate's file, a decision letter) are built here too.

A stored file that is gone, or a storage that cannot be reached, is never a server error:
views decorated with ``answers_storage_errors`` answer a page saying so (404 for a file that
can no longer be found, 503 with "try again" for the storage).
"""

import functools
import mimetypes
import os

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme

from ecandidat.applications.pdf import application_pdf
from ecandidat.applications.services import open_candidate_file
from ecandidat.decisions.letters import letter_pdf
from ecandidat.files.storage import FileMissing, StorageUnavailable, open_file

FALLBACK_NAME = "download"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_filename(name) -> str:
    """The name a download is offered under: the last component of ``name`` (no directory
    from a stored path or a sender's name), without control characters (a CR or LF would
    split the header); ``download`` when nothing is left."""
    name = os.path.basename(str(name or "").replace("\\", "/"))
    name = "".join(c for c in name if c.isprintable()).strip()
    return name or FALLBACK_NAME


def attachment(content, filename, content_type: str | None = None, *, untrusted=False):
    """A download of ``content``: bytes or text (an ``HttpResponse``), an open binary file
    (a ``FileResponse``, streamed and closed by Django) or an iterator of chunks (a
    ``StreamingHttpResponse``). Without ``content_type``, the type is guessed from the name.
    ``untrusted``: content someone else wrote, never to be run as one of our pages."""
    filename = safe_filename(filename)
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if isinstance(content, bytes | str):
        response = HttpResponse(content, content_type=content_type)
    elif hasattr(content, "read"):
        response = FileResponse(content, content_type=content_type)
    else:
        response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    if untrusted:
        response["Content-Security-Policy"] = "default-src 'none'"
    patch_cache_control(response, no_store=True, private=True)
    return response


def application_pdf_response(application, language: str):
    """The application's PDF (the candidate's copy, or a staff member's)."""
    name = f"{application.candidate.dossier_number}-{application.program.code}.pdf"
    return attachment(application_pdf(application, language), name, "application/pdf")


def storage_error_response(request, error: FileMissing | StorageUnavailable):
    """404 for a file that can no longer be found, 503 for a storage that failed."""
    missing = isinstance(error, FileMissing)
    back = request.headers.get("referer", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = "/"
    response = render(
        request,
        "uploads/unavailable.html",
        {"missing": missing, "back_url": back},
        status=404 if missing else 503,
    )
    if not missing:
        response["Retry-After"] = "120"
    return response


def answers_storage_errors(view):
    """The view's stored file missing or its storage unavailable: a page that says so."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (FileMissing, StorageUnavailable) as error:
            return storage_error_response(request, error)

    return wrapped


def stored_file_response(field_file, filename=None):
    """A file of ours in the storage (a document type's template…)."""
    return attachment(open_file(field_file.storage, field_file.name), filename or field_file.name)


def candidate_file_response(candidate_file):
    """A file a candidate uploaded, under the name it was stored with."""
    return attachment(
        open_candidate_file(candidate_file),
        candidate_file.original_name,
        candidate_file.content_type,
        untrusted=True,
    )


def letter_response(decision):
    """The admission or refusal letter of a validated decision."""

    application = decision.application
    name = f"letter-{application.candidate.username}-{application.program.code}.pdf"
    return attachment(letter_pdf(decision), name, "application/pdf")
