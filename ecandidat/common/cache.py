"""Small, rarely changed rows read on every page (the institution's settings, the lists of
decision types, reasons, document types, campaigns), kept in the cache and forgotten as
soon as one of them changes.

``cached(key, build)`` returns the cached value or builds, stores and returns it. Whatever
a model's rows feed is named with ``forget_on_change(model, key)``: any save or delete of
that model (admin, back office, import) deletes the key, after the transaction commits,
so the next reader builds it again from the database (bulk changes, which send no signal,
call ``forget_model``). The timeout only bounds how long a
value lives where there is no shared cache (the demo's per-process memory, where another
process's change is seen after at most ``TIMEOUT`` seconds); with Redis a change is seen at
once by every server.

A cache that does not answer (Redis down) never breaks a page: the value is built from the
database, and the failure is logged (``breaker`` then keeps this process off the cache for a
few seconds, so a frozen Redis does not slow every request).
"""

import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils.translation import get_language

from . import breaker

logger = logging.getLogger(__name__)
T = TypeVar("T")
TIMEOUT = 30
_MISSING = object()
_keys_by_model: dict[type, set[str]] = defaultdict(set)


def language_key(key: str) -> str:
    """``key`` for the active language (lists whose labels are translated)."""
    return f"{key}:{get_language() or 'fr'}"


def cached(key: str, build: Callable[[], T], *, timeout: int = TIMEOUT) -> T:
    try:
        value = breaker.call(lambda: cache.get(key, _MISSING), f"get {key}")
    except breaker.CacheUnavailable:
        return build()
    if value is not _MISSING:
        return value
    value = build()
    with contextlib.suppress(breaker.CacheUnavailable):  # not stored: built again next time
        breaker.call(lambda: cache.set(key, value, timeout), f"set {key}")
    return value


def forget(*keys: str) -> None:
    codes = [code for code, _name in settings.LANGUAGES]  # the translated variants too
    names = [variant for key in keys for variant in (key, *(f"{key}:{c}" for c in codes))]
    try:
        breaker.call(lambda: cache.delete_many(names), "forget")
    except breaker.CacheUnavailable:
        # Not forgotten: the value lives until its timeout (TIMEOUT, 30 s) at most.
        logger.warning("cache unavailable, %s not forgotten", keys)


def forget_on_change(model, *keys: str) -> None:
    """Forget ``keys`` whenever a row of ``model`` is saved or deleted."""
    if not _keys_by_model[model]:
        post_save.connect(_changed, sender=model, dispatch_uid=f"cache-{model._meta.label}-s")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"cache-{model._meta.label}-d")
    _keys_by_model[model].update(keys)


def forget_model(model) -> None:
    """What a bulk change of ``model`` (``update()``, ``bulk_create``, an import) calls,
    since those send no signal."""
    keys = tuple(_keys_by_model.get(model, ()))
    if keys:
        # Now, for the rest of this transaction; and again once it commits, in case another
        # request read the old rows and cached them in between.
        forget(*keys)
        transaction.on_commit(lambda: forget(*keys))


def _changed(sender, **kwargs):
    forget_model(sender)
