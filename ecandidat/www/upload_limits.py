"""Limits on upload requests, applied while the request body is read, before any view.

The per-file limit is the institution's ``upload_max_mb`` setting (5 MB by default;
``InstitutionSettings.upload_max_bytes``).

- ``UploadLimitHandler`` (first of ``FILE_UPLOAD_HANDLERS``) counts the bytes of each file
  as they arrive and stops the upload once a file exceeds the limit, or at the first file
  when the request's declared size (Content-Length) is already larger than the limit and
  ``MULTIPART_MARGIN``. Nothing of the file is kept (the stock handlers after it close and
  delete what they had spooled) and ``request.upload_refusal`` says why.
- ``UploadLimitMiddleware`` (just before the CSRF middleware) reads the body of multipart
  requests through the handler above, then answers 413 with a translated page when an upload
  was stopped, unless the view is marked with ``@shows_upload_refusal`` (it then shows the
  message next to its upload field). A request whose declared size exceeds the limit is
  answered without reading its body at all, and so is a form without files larger than
  ``DATA_UPLOAD_MAX_MEMORY_SIZE``.
- ``upload_rate_exceeded`` counts one upload of the signed-in account against
  ``RATELIMITS["upload_account"]`` (django-ratelimit, as in ``ecandidat.www.ratelimit``).
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import is_ratelimited

from ecandidat.files.uploads import too_large_message

# The fields and part headers around a file: the CSRF token, the file name, boundaries.
MULTIPART_MARGIN = 64 * 1024
# A body declared at most this many times the limit is read to its end (and dropped) once
# refused, so that the browser, still sending, receives the answer; a larger one is cut
# without reading further (the connection is closed after the answer).
DRAIN_FACTOR = 4


@dataclass
class UploadRefusal:
    field_name: str
    message: str


def upload_max_bytes(request) -> int:
    """The institution's per-file limit, read once per request."""
    if not hasattr(request, "_upload_max_bytes"):
        from ecandidat.catalog.models import InstitutionSettings

        request._upload_max_bytes = InstitutionSettings.load().upload_max_bytes
    return request._upload_max_bytes


def _declared_length(request) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _is_multipart(request) -> bool:
    return request.META.get("CONTENT_TYPE", "").lower().startswith("multipart/form-data")


class UploadLimitHandler(FileUploadHandler):
    """Stops an upload larger than the limit (see the module docstring); passes every chunk
    on to the next handlers otherwise, so it never holds a file itself."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.input_data = input_data
        self.max_file_bytes = upload_max_bytes(self.request)
        self.declared_length = content_length
        return None

    def new_file(self, field_name, file_name, content_type, content_length, *args, **kwargs):
        super().new_file(field_name, file_name, content_type, content_length, *args, **kwargs)
        if (
            self.declared_length > self.max_file_bytes + MULTIPART_MARGIN
            or (content_length or 0) > self.max_file_bytes
        ):
            self._stop()

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.max_file_bytes:
            self._stop()
        return raw_data

    def file_complete(self, file_size):
        return None  # the stock handlers after this one build the file

    def _stop(self):
        self.request.upload_refusal = UploadRefusal(
            self.field_name, too_large_message(self.max_file_bytes)
        )
        if self.declared_length <= DRAIN_FACTOR * self.max_file_bytes:
            # Drained here in fixed-size chunks: Django's own draining (StopUpload without
            # connection_reset) reads line by line, and one line can be the whole file.
            while self.input_data.read(self.chunk_size):
                pass
        raise StopUpload(connection_reset=True)


def shows_upload_refusal(view):
    """The view shows ``request.upload_refusal`` itself (next to its upload field)."""
    view.shows_upload_refusal = True
    return view


def refusal_response(request, message, status=413):
    return render(
        request,
        "uploads/refused.html",
        {"message": message, "back_url": request.path},
        status=status,
    )


class UploadLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method not in ("POST", "PUT", "PATCH"):
            return None
        declared = _declared_length(request)
        shown_by_view = getattr(view_func, "shows_upload_refusal", False)
        if not _is_multipart(request):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if limit is not None and declared > limit:
                return refusal_response(request, _("The form sent is too large."))
            return None
        if declared > upload_max_bytes(request) + MULTIPART_MARGIN and not shown_by_view:
            return refusal_response(request, too_large_message(upload_max_bytes(request)))
        # Read the body now, through UploadLimitHandler (the CSRF check would read it next).
        request.POST  # noqa: B018
        refusal = getattr(request, "upload_refusal", None)
        if refusal is not None and not shown_by_view:
            # The fields after the stopped file were not read: the view must not see a form
            # that looks complete.
            return refusal_response(request, refusal.message)
        return None


def upload_rate_exceeded(request) -> bool:
    """Count one upload of the signed-in account and say whether its limit is exceeded."""
    return is_ratelimited(
        request,
        group="upload:account",
        key=lambda _group, req: f"user:{req.user.pk}",
        rate=settings.RATELIMITS["upload_account"],
        increment=True,
    )
