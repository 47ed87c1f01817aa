"""Files staff upload into the catalogue: a commission's signature image (printed on its
letters) and a document type's template (downloaded by candidates).

They go through the checks of candidates' documents (``uploads.check_upload``: type from
the content, size, pixels, PDF active content and metadata stripped, images re-encoded) and
through the antivirus. There is no later rescan of these files, so when clamd cannot be
reached the upload is refused whatever ``CLAMAV_UNAVAILABLE_POLICY`` says.
"""

import logging

from django.core.files.base import ContentFile

from . import antivirus
from .uploads import UploadRefused, check_upload, safe_stem, too_large_message

logger = logging.getLogger(__name__)


def checked_staff_file(uploaded, *, allowed: frozenset[str], max_bytes: int) -> ContentFile:
    """The checked, rewritten content of ``uploaded`` (a file being uploaded), ready to be
    assigned to the model's file field; ``UploadRefused`` otherwise. ``max_bytes`` is the
    institution's upload limit, the one candidates have."""
    if uploaded.size is not None and uploaded.size > max_bytes:
        raise UploadRefused(too_large_message(max_bytes))
    uploaded.seek(0)
    data = uploaded.read(max_bytes + 1)
    checked = check_upload(data, max_bytes=max_bytes, allowed=allowed)
    antivirus.check(
        data,
        accept_unavailable=False,  # no later rescan of these files
        on_unavailable=lambda error: logger.warning(
            "staff upload refused, antivirus unavailable: %s", error
        ),
        on_infected=lambda signature: logger.warning(
            "staff upload refused, virus found: %s", signature
        ),
    )
    return ContentFile(
        checked.content, name=f"{safe_stem(uploaded.name or '')}.{checked.extension}"
    )
