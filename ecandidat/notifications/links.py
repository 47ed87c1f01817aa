"""Absolute links for emails, which are read outside any request."""

from django.conf import settings
from django.urls import reverse


def absolute_url(viewname: str, *args) -> str:
    """``SITE_URL`` (the origin) followed by the path ``reverse()`` gives, which carries the
    ``FORCE_SCRIPT_NAME`` prefix of a deployment under a sub-path, in the worker too."""
    return settings.SITE_URL + reverse(viewname, args=args)
