"""A circuit breaker for the shared cache (Redis): after a failure, this process stops
calling it for ``OPEN_FOR`` seconds and then tries again, so that a cache that is down
costs one short timeout per process and per period, not one per request.

Redis frozen (SIGSTOP) or gone answers nothing: each call waits for the socket timeout
(``CACHE_TIMEOUT`` in settings, 0.25 s). Without the breaker every request would wait that
long, several times; with it, the first request after the failure waits once and the next
ones skip the cache at once until the breaker closes again. No restart is needed: the first
call after ``OPEN_FOR`` that succeeds closes it.
"""

import logging
import time
from collections.abc import Callable
from typing import TypeVar

logger = logging.getLogger(__name__)
T = TypeVar("T")
OPEN_FOR = 5.0  # seconds without calling the cache after a failure
_open_until = 0.0


class CacheUnavailable(Exception):
    """The cache failed just now, or recently (the breaker is open)."""


def is_open() -> bool:
    return time.monotonic() < _open_until


def call(operation: Callable[[], T], what: str) -> T:
    """``operation()`` (a cache call), or ``CacheUnavailable`` when the cache fails or
    failed less than ``OPEN_FOR`` seconds ago."""
    global _open_until
    if is_open():
        raise CacheUnavailable(what)
    try:
        return operation()
    except Exception as error:
        _open_until = time.monotonic() + OPEN_FOR
        logger.error("cache unavailable (%s): %s; not used for %.0f s", what, error, OPEN_FOR)
        raise CacheUnavailable(what) from error


def reset() -> None:
    """Close the breaker (tests)."""
    global _open_until
    _open_until = 0.0
