"""NUL bytes in requests, and the raw request values views read without a form.

PostgreSQL refuses a NUL (0x00) in any text it is sent, query parameter or stored value:
psycopg raises and the page answered 500, where SQLite went on. No page of ours has a use for
one, so ``RejectNulMiddleware`` answers 400 for a NUL in the path or in the query string,
before any view runs. Form fields are covered by Django's ``ProhibitNullCharactersValidator``
(every ``forms.CharField`` has it: the form shows its message next to the field); the few
views that still read ``request.POST`` directly use ``without_nul`` for free text
(``ecandidat.common.text``'s, which services use too) and
``parse_id`` for primary keys.
"""

from django.http import HttpResponseBadRequest
from django.template.loader import render_to_string
from django.utils.translation import get_language

from ecandidat.common.text import NUL
from ecandidat.common.text import without_nul as without_nul  # for the views


def has_nul(request) -> bool:
    """A NUL in the path or in a query-string key or value (``%00`` is decoded by then)."""
    if NUL in request.path_info:
        return True
    # The raw string too: a key without "=" or a malformed pair may not survive parsing.
    raw = request.META.get("QUERY_STRING", "")
    if NUL in raw or "%00" in raw:
        return True
    return any(NUL in key or any(NUL in v for v in values) for key, values in request.GET.lists())


class RejectNulMiddleware:
    """400 for a NUL byte in the path or the query string (see the module docstring).

    Placed after LocaleMiddleware so the page is in the visitor's language, and before
    authentication: the page is rendered without the request's context processors.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_nul(request):
            return HttpResponseBadRequest(
                render_to_string("bad_request_nul.html", {"LANGUAGE_CODE": get_language()})
            )
        return self.get_response(request)


# PostgreSQL's bigint holds 18 decimal digits for sure: a longer "id" is no id of ours.
_MAX_ID_DIGITS = 18


def parse_id(value) -> int | None:
    """A primary key from raw request data, or None. ``str.isdigit`` alone accepts "²" or
    "٣", which ``int`` or the database then refuse (a 500)."""
    text = str(value or "")
    if text.isascii() and text.isdigit() and len(text) <= _MAX_ID_DIGITS:
        return int(text)
    return None


def parse_ids(values) -> list[int]:
    return [i for i in (parse_id(v) for v in values) if i is not None]
