"""The client address of the work in progress, for the audit trail.

Services take the ``actor`` and never the request: the web layer binds the client address
once per request (``www.middleware.AuditContextMiddleware``), background work started by a
request binds the address it was given when it was queued, and ``audit.record`` reads it
here. A context variable rather than a thread-local, so it is right under ASGI too.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_client_ip: ContextVar[str | None] = ContextVar("audit_client_ip", default=None)


def current_ip() -> str | None:
    """The client address bound to the current request or task, if any."""
    return _client_ip.get()


@contextmanager
def bound_ip(ip: str | None) -> Iterator[None]:
    """Record ``ip`` as the client address of the audit rows written inside the block."""
    token = _client_ip.set(ip or None)
    try:
        yield
    finally:
        _client_ip.reset(token)
